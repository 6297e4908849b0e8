"""The competency dictionary: frameworks, their versions, scales, competencies and relations.

A Framework is the lasting identity (code, CASE document identifier). Each FrameworkVersion
holds its own tree of competencies and its own scales, so a published version can never change
under anyone's feet: editing means making a new draft version (a copy).
Competencies keep their `uuid` from version to version: that is the CASE identifier exported.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Framework(models.Model):
    code = models.SlugField(max_length=60, unique=True, help_text="Short code, e.g. OPS-SAFETY")
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    case_identifier = models.UUIDField(default=uuid.uuid4, unique=True,
                                       help_text="CASE CFDocument identifier, stable across versions")
    rollup_policy = models.CharField(max_length=20, default="default",
                                     choices=[("default", "Default (assurance tiers)"), ("latest", "Latest"),
                                              ("highest", "Highest"), ("verified_only", "Verified only")])
    publisher = models.CharField(max_length=300, blank=True)
    source_uri = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def latest_published(self) -> FrameworkVersion | None:
        return self.versions.filter(status=FrameworkVersion.Status.PUBLISHED).order_by("-number").first()

    def draft(self) -> FrameworkVersion | None:
        return self.versions.filter(status=FrameworkVersion.Status.DRAFT).order_by("-number").first()


class FrameworkVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    label = models.CharField(max_length=60, blank=True, help_text="Free version label, e.g. 2026.1")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    default_scale = models.ForeignKey("Scale", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["framework__code", "-number"]
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="unique_version_number")]

    def __str__(self) -> str:
        return f"{self.framework.code} v{self.number} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Scale(models.Model):
    """Ordered levels 0..n of one framework version; 0 always means "none"."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="scales")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    case_identifier = models.UUIDField(default=uuid.uuid4)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_scale_code_in_version")]

    def __str__(self) -> str:
        return self.name

    @property
    def max_level(self) -> int:
        return max((lvl.value for lvl in self.levels.all()), default=0)


class ScaleLevel(models.Model):
    scale = models.ForeignKey(Scale, on_delete=models.CASCADE, related_name="levels")
    value = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    descriptor = models.TextField(blank=True)
    case_identifier = models.UUIDField(default=uuid.uuid4)

    class Meta:
        ordering = ["scale", "value"]
        constraints = [models.UniqueConstraint(fields=["scale", "value"], name="unique_level_in_scale")]

    def __str__(self) -> str:
        return f"{self.value} {self.name}"


class Competency(models.Model):
    class Kind(models.TextChoices):
        SKILL = "skill", "Skill (performance standard)"
        KNOWLEDGE = "knowledge", "Knowledge (knowledge and understanding standard)"
        BEHAVIOUR = "behaviour", "Behaviour"

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="competencies")
    uuid = models.UUIDField(default=uuid.uuid4, db_index=True,
                            help_text="Stable identity across versions; the CASE CFItem identifier")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.CharField(max_length=100)
    name = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SKILL)
    item_type = models.CharField(max_length=100, blank=True, help_text="e.g. Domain, Competency, Element")
    scale = models.ForeignKey(Scale, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="Overrides the framework's default scale")
    sort_order = models.IntegerField(default=0)
    esco_uri = models.URLField(max_length=500, blank=True)
    sfia_code = models.CharField(max_length=20, blank=True)
    external_ids = models.JSONField(default=dict, blank=True)
    extra = models.JSONField(default=dict, blank=True, help_text="Source-format fields kept for round trips")

    class Meta:
        ordering = ["version", "sort_order", "code"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_code_in_version"),
            models.UniqueConstraint(fields=["version", "uuid"], name="unique_uuid_in_version"),
        ]
        indexes = [models.Index(fields=["version", "parent", "sort_order"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def effective_scale(self) -> Scale | None:
        return self.scale or self.version.default_scale


class LevelIndicator(models.Model):
    """What a person at a given level can do ("at level 3 you can ...")."""

    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="indicators")
    level = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["competency", "level"]
        constraints = [models.UniqueConstraint(fields=["competency", "level"], name="unique_indicator_level")]


class Relation(models.Model):
    """A directed relation from a competency to another (any framework), or to an external item."""

    class Kind(models.TextChoices):
        RELATED = "related", "Related"
        PREREQUISITE = "prerequisite", "Prerequisite"
        EXACT_MATCH = "exact_match", "Exact match"
        BROADER = "broader", "Broader"
        REPLACED_BY = "replaced_by", "Replaced by"
        OTHER = "other", "Other (kept from the source format)"

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="relations")
    uuid = models.UUIDField(default=uuid.uuid4, help_text="CASE CFAssociation identifier")
    source = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="relations_out")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    target = models.ForeignKey(Competency, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="relations_in")
    target_uri = models.CharField(max_length=500, blank=True,
                                  help_text="An item outside CompMS (e.g. another CASE package)")
    target_identifier = models.CharField(max_length=100, blank=True)
    target_title = models.CharField(max_length=500, blank=True)
    case_type = models.CharField(max_length=60, blank=True, help_text="CASE associationType when imported")
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["source", "kind"]
        constraints = [models.UniqueConstraint(fields=["version", "uuid"], name="unique_relation_uuid_in_version")]

    def __str__(self) -> str:
        target = self.target.code if self.target_id else (self.target_title or self.target_uri)
        return f"{self.source.code} {self.kind} {target}"

"""What interop keeps besides the dictionary itself."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from compms.frameworks.models import Framework


class CaseSource(models.Model):
    """The parts of a CASE package that the dictionary has no column for (CFDocument fields such as
    creator, adoptionStatus or licenseURI, and the CFDefinitions), kept so that exporting the framework
    gives them back. Item- and association-level fields live in Competency.extra / Relation.extra."""

    framework = models.OneToOneField(Framework, on_delete=models.CASCADE, related_name="case_source")
    document = models.JSONField(default=dict, blank=True)
    definitions = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"CASE source of {self.framework.code}"

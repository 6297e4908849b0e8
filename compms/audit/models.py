from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from compms.audit import chain


class AuditImmutable(Exception):
    """Raised when any code path tries to change or delete an audit record."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise AuditImmutable("audit records cannot be changed")

    def delete(self):  # type: ignore[override]
        raise AuditImmutable("audit records cannot be deleted")

    def bulk_create(self, objs, *args, **kwargs):  # type: ignore[override]
        entries = list(objs)
        with transaction.atomic(using=self.db):
            chain.link(entries, using=self.db)
            return super().bulk_create(entries, *args, **kwargs)


class AuditEntry(models.Model):
    """Who did what, when, to which object, with the state before and after.

    Append-only: the model refuses updates and deletes, and database triggers (see the
    migration) refuse them for raw SQL too.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)
    # The hash chain (see compms.audit.chain): place in the chain, the previous entry's hash and
    # this entry's own hash over its content. Set when the entry is written, never by callers.
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    previous_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AuditImmutable("audit records cannot be changed")
        using = kwargs.get("using") or "default"
        with transaction.atomic(using=using):
            chain.link([self], using=using)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise AuditImmutable("audit records cannot be deleted")


class AuditChainHead(models.Model):
    """The one row that says where the audit chain ends; writers lock it to extend the chain."""

    seq = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head: seq {self.seq}, {self.entry_hash}"


class AuditVerification(models.Model):
    """One run of `compms audit verify`, so the audit page can say when the chain was last checked."""

    at = models.DateTimeField(default=timezone.now)
    entries = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)
    intact = models.BooleanField()
    problem = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'intact' if self.intact else 'broken'} ({self.entries} entries)"

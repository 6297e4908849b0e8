"""The record of an erasure. It holds no personal data: the pseudonym, the dates the retention rule used, and
who decided. It also tells the audit pages which people to show under their pseudonym."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.organisation.models import Person


class Anonymisation(models.Model):
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="anonymisation")
    pseudonym = models.CharField(max_length=32, unique=True, help_text="The stable token in the new name and id")
    anonymised_at = models.DateTimeField(default=timezone.now)
    left_on = models.DateField(help_text="The leaving date the retention period was counted from")
    retention_years = models.PositiveSmallIntegerField()
    early = models.BooleanField(default=False, help_text="Done before the retention period ended, on HR's reason")
    reason = models.TextField(blank=True, help_text="HR's reason for an early erasure (must not name the person)")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="Empty: the nightly run")
    scrubbed_rows = models.PositiveIntegerField(default=0, help_text="Free-text values rewritten elsewhere")

    class Meta:
        ordering = ["-anonymised_at", "-id"]

    def __str__(self) -> str:
        return f"Anonymisation {self.pseudonym}"


class AuditRedaction(models.Model):
    """How one audit entry that named an anonymised person is shown from now on.

    Audit entries are append-only and hash-chained, so they keep the words they were written with. When a
    person is anonymised, every entry that names them (in its object label, actor name, note or snapshots) gets
    one of these, computed while the name was still known: the same values with the name replaced by the
    pseudonym. Pages, the API and exports show these values instead (`compms.privacy.queries.mask_audit_entries`);
    the stored entry, and its place in the chain, are untouched."""

    entry_id = models.BigIntegerField(unique=True, help_text="The audit entry (append-only, so no foreign key)")
    anonymisation = models.ForeignKey(Anonymisation, on_delete=models.PROTECT, related_name="redactions")
    actor_name = models.CharField(max_length=150, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"redaction of audit entry {self.entry_id}"

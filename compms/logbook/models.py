"""The experience logbook: tasks a person performed, confirmed by a supervisor into `experience` evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from compms.evidence.models import Evidence
from compms.frameworks.models import Competency
from compms.organisation.models import Person, Task


class Entry(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the supervisor"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="logbook")
    performed_on = models.DateField()
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             help_text="A task of the person's DACUM chart")
    description = models.CharField(max_length=500, blank=True, help_text="Free text when no chart task fits")
    competency = models.ForeignKey(Competency, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text="For free text: the competency the work shows")
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    supervisor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="+")

    class Meta:
        ordering = ["-performed_on", "-id"]
        indexes = [models.Index(fields=["supervisor", "status"], name="logbook_by_supervisor")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.performed_on}: {self.task_id or self.description}"

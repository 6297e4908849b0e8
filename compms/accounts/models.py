from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    COMPETENCY_MANAGER = "competency_manager", "Competency manager"
    HR = "hr", "HR"
    MANAGER = "manager", "Manager"
    ASSESSOR = "assessor", "Assessor"
    EMPLOYEE = "employee", "Employee"


class User(AbstractUser):
    """A log-in. Roles are Django groups named after `Role` values, so one person can hold several."""

    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            if not self.is_authenticated or not self.is_active:
                cached = frozenset()
            else:
                names = set(self.groups.values_list("name", flat=True))
                if self.is_superuser:
                    names.add(Role.ADMINISTRATOR)
                cached = frozenset(names & set(Role.values))
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        codes = self.role_codes()
        # Administrators may do anything any role may do.
        return Role.ADMINISTRATOR in codes or any(role in codes for role in roles)

    def set_roles(self, roles: list[str] | tuple[str, ...]) -> None:
        unknown = set(roles) - set(Role.values)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        groups = [Group.objects.get_or_create(name=role)[0] for role in roles]
        self.groups.set(groups)
        self._role_codes = None


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a hash is stored; the raw value is shown once."""

    PREFIX = "cms_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="First characters, to recognise the token")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def generate_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    COMPETENCY_MANAGER = "competency_manager", "Competency manager"
    HR = "hr", "HR"
    MANAGER = "manager", "Manager"
    ASSESSOR = "assessor", "Assessor"
    EMPLOYEE = "employee", "Employee"


class User(AbstractUser):
    """A log-in. Roles are Django groups named after `Role` values, so one person can hold several."""

    session_generation = models.PositiveIntegerField(
        default=0, help_text="Raised to end every session of this log-in at once, whatever the session store")

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Every session keeps this hash and is refused once it no longer matches, on any session backend
        # (database, cache or signed cookies). Mixing in the generation lets `end_access` end them all;
        # generation 0 gives Django's own hash, so sessions made before this field existed stay valid.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac("compms.accounts.User.session_auth_hash", f"{self.password}:{self.session_generation}",
                           secret=secret, algorithm="sha256").hexdigest()

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


def token_lifetime() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "COMPMS_TOKEN_DAYS", 90))


def default_token_expiry() -> dt.datetime:
    return timezone.now() + token_lifetime()


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
    expires_at = models.DateTimeField(default=default_token_expiry,
                                      help_text="After this the token is refused (COMPMS_TOKEN_DAYS after creation)")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @classmethod
    def generate_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

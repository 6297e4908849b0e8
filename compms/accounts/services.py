"""The only writers of accounts data: users, roles and API tokens."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from compms.accounts.models import ApiToken, User, hash_token
from compms.audit.services import record


@transaction.atomic
def create_token(user: User, name: str, actor: User | None = None) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if not name:
        raise ValueError("name: give the token a name so you can recognise it later")
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(user=user, name=name[:100], key_hash=hash_token(raw), hint=raw[:12])
    record(actor or user, "token.create", token, after={"user": user.username, "name": token.name})
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, actor: User) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor, "token.revoke", token, after={"user": token.user.username, "name": token.name})
    return token


def user_for_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Throttle the write: a token used many times a minute needs no write per request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def create_user(username: str, password: str | None, roles: list[str], *, email: str = "",
                first_name: str = "", last_name: str = "", actor: User | None = None) -> User:
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.set_roles(roles)
    record(actor, "user.create", user, after={"username": username, "roles": sorted(roles)})
    return user

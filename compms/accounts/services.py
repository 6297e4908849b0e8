"""The only writers of accounts data: users, roles and API tokens."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from compms.access import is_system
from compms.accounts.models import ApiToken, User, hash_token
from compms.audit.services import record, record_many

if TYPE_CHECKING:
    from compms.organisation.models import Person

# Keeps IN lists far below SQLite's limit on query parameters.
ID_SLICE = 500

TOKEN_FROM_TOKEN_REFUSED = ("A token cannot create another token: log in with your password and create it "
                            "at /accounts/tokens/ (or with `compms token create`).")


@transaction.atomic
def create_token(user: User, name: str, actor: Any = None) -> tuple[ApiToken, str]:
    """A new bearer token for `user`, working for COMPMS_TOKEN_DAYS days. `actor` is who asked (the user
    themself when not given; SYSTEM for the command line). The raw value is returned once and never stored."""
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationError({"name": "Give the token a name so you can recognise it later."})
    if not user.is_active:
        raise ValidationError({"user": f"The log-in {user.get_username()} is deactivated: it cannot have tokens."})
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(user=user, name=name[:100], key_hash=hash_token(raw), hint=raw[:12])
    record(user if actor is None else actor, "token.create", token,
           after={"user": user.username, "name": token.name, "expires_at": token.expires_at})
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, actor: User) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor, "token.revoke", token, after={"user": token.user.username, "name": token.name})
    return token


def token_for_raw(raw: str) -> ApiToken | None:
    """The working token with this raw value, or None: unknown, revoked, expired, or its log-in deactivated."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    # Throttle the write: a token used many times a minute needs no write per request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for_token(raw: str) -> User | None:
    token = token_for_raw(raw)
    return token.user if token is not None else None


# ---------------------------------------------------------------- leavers: ending and restoring access

@dataclass(frozen=True)
class AccessEnded:
    users: int
    tokens: int
    sessions: int


def _session_keys_of(user_ids: Collection[int]) -> list[str]:
    """Keys of the stored sessions logged in as one of `user_ids`, for session stores kept in the database.

    Sessions hold the user id only inside their signed data, so the live ones are read in chunks and
    decoded; expired rows are skipped. Stores with no table (cache, signed cookies) give nothing here:
    for them the raised session_generation is what ends the session."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return []
    wanted = {str(pk) for pk in user_ids}
    decoder = store_class()
    rows = (store_class.get_model_class().objects.filter(expire_date__gt=timezone.now())
            .values_list("session_key", "session_data"))
    return [key for key, data in rows.iterator(chunk_size=2000)
            if str(decoder.decode(data).get("_auth_user_id", "")) in wanted]


def _delete_sessions(keys: list[str]) -> None:
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        # SessionStore.delete also clears the cache copy of a cached_db session.
        store_class(session_key=key).delete(key)


@transaction.atomic
def end_access(user_ids: Collection[int], actor: Any, *, reason: str) -> AccessEnded:
    """Deactivate these log-ins, end all their sessions and revoke their API tokens, in one transaction.

    Trusted callers only (the leave services, which check the actor themselves). Sessions end on any
    session store: the raised session_generation no longer matches the hash each session carries, and
    rows of a database store are deleted as well. One audit record per log-in and per token."""
    ids = sorted({pk for pk in user_ids if pk is not None})
    if not ids:
        return AccessEnded(0, 0, 0)
    now = timezone.now()
    users: list[User] = []
    tokens: list[ApiToken] = []
    for start in range(0, len(ids), ID_SLICE):
        chunk = ids[start:start + ID_SLICE]
        users += User.objects.filter(pk__in=chunk).only("pk", "username", "is_active")
        tokens += ApiToken.objects.filter(user_id__in=chunk, revoked_at__isnull=True).select_related("user")
        User.objects.filter(pk__in=chunk).update(is_active=False, session_generation=F("session_generation") + 1)
    for start in range(0, len(tokens), ID_SLICE):
        ApiToken.objects.filter(pk__in=[t.pk for t in tokens[start:start + ID_SLICE]]).update(revoked_at=now)
    session_keys = _session_keys_of(ids)
    _delete_sessions(session_keys)
    record_many(actor, "user.deactivate", [
        {"object_type": "accounts.user", "object_id": user.pk, "object_repr": user.username,
         "before": {"is_active": user.is_active}, "after": {"is_active": False, "sessions": "ended"},
         "note": reason} for user in users])
    record_many(actor, "token.revoke", [
        {"object_type": "accounts.apitoken", "object_id": token.pk, "object_repr": str(token),
         "after": {"user": token.user.username, "name": token.name, "revoked_at": now}, "note": reason}
        for token in tokens])
    return AccessEnded(users=len(users), tokens=len(tokens), sessions=len(session_keys))


@transaction.atomic
def restore_access(person: Person, actor: Any) -> User:
    """HR gives a person's log-in back, deliberately: leaving takes it away and nothing else returns it, not
    even recording that the person is back. Their old sessions and tokens stay ended; they log in afresh."""
    from compms.organisation.access import can_edit_organisation
    from compms.organisation.models import Person as PersonModel

    if not (is_system(actor) or can_edit_organisation(actor)):
        raise PermissionDenied("Only HR and administrators may give a log-in back.")
    person = PersonModel.objects.select_related("user").get(pk=person.pk)
    if person.user_id is None:
        raise ValidationError({"user": f"{person} has no log-in to give back: link one first."})
    if not person.active:
        raise ValidationError({"person": f"{person} left on {person.left_on}: record their return first."})
    user = User.objects.select_for_update().get(pk=person.user_id)
    if user.is_active:
        raise ValidationError({"user": f"The log-in {user.get_username()} is already active."})
    user.is_active = True
    user.save(update_fields=["is_active"])
    record(actor, "user.restore", user, before={"is_active": False}, after={"is_active": True},
           note=f"access given back to {person.name} ({person.employee_id})")
    return user


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


@transaction.atomic
def set_password(user: User, raw_password: str, actor: object, *, via: str) -> User:
    """Store a new password (already checked by the password validators) and audit how it was set:
    `via` is "change" (the user, logged in) or "reset" (through the e-mailed link). Changing the
    password ends the user's other sessions, since Django ties each session to the password hash."""
    user.set_password(raw_password)
    user.save(update_fields=["password"])
    record(actor, "user.password." + via, user, after={"username": user.username})
    return user

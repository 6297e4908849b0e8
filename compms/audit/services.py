"""Writing the audit trail. Every service that changes data calls `record` (or `record_many`)
inside its own transaction, so a rolled-back change leaves no audit row and vice versa."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from compms.audit import chain
from compms.audit.models import AuditEntry, AuditVerification


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The stored values of a model instance, for `before`/`after`."""
    names = list(fields) if fields is not None else [
        f.attname for f in obj._meta.concrete_fields if f.attname != "id"
    ]
    return _jsonable({name: getattr(obj, name) for name in names})


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": str(actor) if isinstance(actor, str) else ""}
    return {"actor_id": actor.pk, "actor_name": actor.get_username()}


def record(actor: Any, action: str, obj: models.Model | None = None, *, object_type: str = "",
           object_id: str = "", object_repr: str = "", before: Any = None, after: Any = None,
           note: str = "") -> AuditEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    return AuditEntry.objects.create(
        **_actor_fields(actor), action=action, object_type=object_type, object_id=object_id,
        object_repr=object_repr[:300], before=_jsonable(before), after=_jsonable(after), note=note,
    )


def record_many(actor: Any, action: str, entries: Iterable[dict[str, Any]], batch_size: int = 5000) -> int:
    """Bulk path for imports: one audit row per changed object, written in batches."""
    now = timezone.now()
    who = _actor_fields(actor)
    rows = [
        AuditEntry(at=now, **who, action=action, object_type=e.get("object_type", ""),
                   object_id=str(e.get("object_id", "")), object_repr=str(e.get("object_repr", ""))[:300],
                   before=_jsonable(e.get("before")), after=_jsonable(e.get("after")), note=e.get("note", ""))
        for e in entries
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def verify_chain(using: str = "default") -> chain.Verification:
    """Walk the hash chain and keep the outcome for the audit page. The outcome is not itself an
    audit entry: a nightly check would otherwise add to the chain it checks every night."""
    result = chain.verify(using=using)
    AuditVerification.objects.using(using).create(
        entries=result.entries, head_hash=result.head_hash, intact=result.intact,
        problem=str(result.broken) if result.broken is not None else "")
    return result


def last_verification() -> AuditVerification | None:
    return AuditVerification.objects.order_by("-at", "-id").first()

"""Reading personal data: the subject-access export, and how the audit trail shows anonymised people.

The export is built from `coverage.RELATIONS`: one query per relation (plus one per many-to-many field of a
section), never one per row, whatever the number of records."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from compms.audit.models import AuditEntry
from compms.organisation.models import Person
from compms.privacy.coverage import NESTED, NESTED_TITLES, RELATIONS, About, ActedOn, Excluded, person_relations

FORMAT = "compms-subject-access/1"
# Fields of a log-in that are shown in the export; never the password hash.
ACCOUNT_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "date_joined", "last_login")


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def _user_label(user: Any) -> str:
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def _label(obj: Any) -> str | None:
    if obj is None:
        return None
    if isinstance(obj, get_user_model()):
        return _user_label(obj)
    return str(obj)


def _rows(queryset: models.QuerySet, omit: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Every stored value of each row, foreign keys as the label of what they point at (one join each)."""
    model = queryset.model
    skip = set(omit)
    fields = [f for f in model._meta.concrete_fields if f.name not in skip]
    related = [f.name for f in fields if f.is_relation]
    # Two levels: a label may name what its object points at (a position "Technician in Plant").
    related += [f"{f.name}__{inner.name}" for f in fields if f.is_relation
                for inner in f.related_model._meta.concrete_fields if inner.is_relation]
    many = [f.name for f in model._meta.many_to_many if f.name not in skip]
    queryset = queryset.select_related(*related).order_by("pk")
    if many:
        queryset = queryset.prefetch_related(*many)
    rows = []
    for obj in queryset:
        row: dict[str, Any] = {}
        for field in fields:
            row[field.name] = _label(getattr(obj, field.name)) if field.is_relation else _plain(
                getattr(obj, field.attname))
        for name in many:
            row[name] = [item.pk for item in getattr(obj, name).all()]
        rows.append(row)
    return rows


def _person_record(person: Person) -> dict[str, Any]:
    person = Person.objects.select_related("unit", "manager", "user").get(pk=person.pk)
    record = {f.name: (_label(getattr(person, f.name)) if f.is_relation else _plain(getattr(person, f.attname)))
              for f in Person._meta.concrete_fields if f.name != "user"}
    user = person.user
    account = None
    if user is not None:
        account = {name: _plain(getattr(user, name)) for name in ACCOUNT_FIELDS}
        account["roles"] = sorted(user.groups.values_list("name", flat=True))
    return {"person": record, "account": account}


def subject_access_export(person: Person, *, generated_by: str = "") -> dict[str, Any]:
    """Everything CompMS holds about `person`, in one JSON-ready dict (see docs/operations.md)."""
    head = _person_record(person)
    user_id = person.user_id
    sections: dict[str, Any] = {}
    acted_on: list[dict[str, Any]] = []
    excluded: list[dict[str, str]] = []
    audit_targets: dict[str, list[str]] = {}
    for relation in person_relations():
        coverage = RELATIONS.get(relation.key)
        target = user_id if relation.to_user else person.pk
        if isinstance(coverage, Excluded) or coverage is None:
            excluded.append({"relation": relation.key, "reason": getattr(coverage, "reason", "not yet covered")})
            continue
        if target is None:
            continue
        queryset = relation.model._default_manager.filter(**{relation.lookup: target})
        if isinstance(coverage, About):
            rows = _rows(queryset, coverage.omit)
            sections[relation.key] = {"title": coverage.title, "count": len(rows), "rows": rows}
            audit_targets.setdefault(relation.model._meta.label_lower, []).extend(str(r["id"]) for r in rows)
        elif isinstance(coverage, ActedOn):
            ids = sorted(queryset.values_list("pk", flat=True).distinct())
            if ids:
                acted_on.append({"relation": relation.key, "title": coverage.title, "count": len(ids), "ids": ids})
    for key, (label, lookup) in NESTED.items():
        rows = _rows(apps.get_model(label)._default_manager.filter(**{lookup: person.pk}))
        sections[key] = {"title": NESTED_TITLES[key], "count": len(rows), "rows": rows}
        audit_targets.setdefault(label.lower(), []).extend(str(r["id"]) for r in rows)
    return {
        "format": FORMAT,
        "generated_at": timezone.now().isoformat(),
        "generated_by": generated_by,
        **head,
        "anonymisation": _anonymisation_of(person),
        "sections": sections,
        "acted_on": acted_on,
        "audit_about_them": audit_about(person, audit_targets),
        "audit_by_them": audit_by(user_id),
        "not_exported": excluded,
    }


def _anonymisation_of(person: Person) -> dict[str, Any] | None:
    from compms.privacy.models import Anonymisation

    done = Anonymisation.objects.filter(person_id=person.pk).first()
    if done is None:
        return None
    return {"pseudonym": done.pseudonym, "anonymised_at": done.anonymised_at.isoformat(),
            "left_on": done.left_on.isoformat(), "retention_years": done.retention_years, "early": done.early}


def audit_about(person: Person, targets: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Audit entries whose object is the person, their log-in, or one of the records about them."""
    condition = Q(object_type="organisation.person", object_id=str(person.pk))
    if person.user_id:
        condition |= Q(object_type="accounts.user", object_id=str(person.user_id))
    for object_type, ids in targets.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=ids)
    entries = mask_audit_entries(AuditEntry.objects.filter(condition).order_by("at", "id"))
    return [{"at": e.at.isoformat(), "actor": e.actor_name, "action": e.action, "object_type": e.object_type,
             "object_id": e.object_id, "object": e.object_repr, "before": e.before, "after": e.after, "note": e.note}
            for e in entries]


def audit_by(user_id: int | None) -> list[dict[str, Any]]:
    """What the person did, without the content: that is about the people they acted on."""
    if user_id is None:
        return []
    return [{"at": at.isoformat(), "action": action, "object_type": object_type, "object_id": object_id}
            for at, action, object_type, object_id in AuditEntry.objects.filter(actor_id=user_id).order_by(
                "at", "id").values_list("at", "action", "object_type", "object_id").iterator(chunk_size=5000)]


# ---------------------------------------------------------------- the audit trail after an anonymisation

def mask_audit_entries(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """The entries as the pages, the API and the exports show them: an entry that named a person since
    anonymised shows its redaction (the same values under the pseudonym, see AuditRedaction). The stored rows
    are append-only and chained, so this happens on reading; the objects change in memory only (AuditEntry
    refuses to save). One query, whatever the number of entries."""
    from compms.privacy.models import AuditRedaction

    entries = list(entries)
    if not entries:
        return entries
    redactions = {r.entry_id: r for r in AuditRedaction.objects.filter(entry_id__in=[e.pk for e in entries])}
    for entry in entries:
        redaction = redactions.get(entry.pk)
        if redaction is not None:
            entry.actor_name, entry.object_repr = redaction.actor_name, redaction.object_repr
            entry.before, entry.after, entry.note = redaction.before, redaction.after, redaction.note
    return entries


def mask_audit_stream(entries: Iterable[AuditEntry], chunk_size: int = 5000) -> Iterator[AuditEntry]:
    """`mask_audit_entries` for an export of any length: masked a chunk at a time (two queries per chunk)."""
    chunk: list[AuditEntry] = []
    for entry in entries:
        chunk.append(entry)
        if len(chunk) >= chunk_size:
            yield from mask_audit_entries(chunk)
            chunk = []
    yield from mask_audit_entries(chunk)

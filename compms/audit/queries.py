"""Reading the audit trail: one filter shared by the page, the CSV/XLSX export and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from compms.access import require_role
from compms.accounts.models import Role
from compms.audit.models import AuditEntry

# Who may read the audit trail: it names everyone's changes, so HR and administrators only.
AUDIT_READERS = (Role.HR,)
EXPORT_COLUMNS = ["at", "actor", "action", "object_type", "object_id", "object", "before", "after", "note"]


def audit_entries(user: Any, *, actor: str = "", action: str = "", object_type: str = "", object_id: str = "",
                  q: str = "", since: dt.date | None = None, until: dt.date | None = None) -> QuerySet[AuditEntry]:
    require_role(user, *AUDIT_READERS)
    entries = AuditEntry.objects.all()
    if actor:
        entries = entries.filter(actor_name=actor)
    if action:
        entries = entries.filter(action__startswith=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if q:
        entries = entries.filter(Q(object_repr__icontains=q) | Q(note__icontains=q))
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    return entries.order_by("-at", "-id")


def export_rows(entries: QuerySet[AuditEntry]) -> list[list[Any]]:
    import json

    from compms.privacy.queries import mask_audit_stream

    return [[e.at.isoformat(), e.actor_name, e.action, e.object_type, e.object_id, e.object_repr,
             json.dumps(e.before, sort_keys=True) if e.before is not None else "",
             json.dumps(e.after, sort_keys=True) if e.after is not None else "", e.note]
            for e in mask_audit_stream(entries.iterator(chunk_size=5000))]

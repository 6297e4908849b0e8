import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from compms.audit.queries import audit_entries
from compms.privacy.api import AnonymisedAuditPagination

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: Any = None
    after: Any = None
    note: str


@router.get("/audit", response=list[AuditEntryOut])
# Anonymised people are shown under their pseudonym (compms.privacy.queries.mask_audit_entries).
@paginate(AnonymisedAuditPagination, page_size=100)
def list_audit_entries(request: HttpRequest, actor: str = "", action: str = "", object_type: str = "",
                       object_id: str = "", q: str = "", since: dt.date | None = None,
                       until: dt.date | None = None):
    """The audit trail, newest first (HR and administrators). Read-only: no endpoint changes it."""
    return audit_entries(request.user, actor=actor, action=action, object_type=object_type,
                         object_id=object_id, q=q, since=since, until=until)

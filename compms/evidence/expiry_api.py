"""GET /api/v1/evidence/expiring: the expiring-competence list of /evidence/expiring/, with the same
filters, paging and access (compms.evidence.queries). Its own router, registered before the evidence
router, so "expiring" is never read as an evidence id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from compms.evidence import queries as expiry

router = Router(tags=["evidence"])


class ExpiringFilters(Schema):
    # Plain text on purpose: the shared parser checks each value and names the bad one in a 400.
    window: str | None = Field(None, description="30, 60, 90, 180 or 365 days from today (default 60)")
    from_: str | None = Field(None, alias="from", description="First last-valid-day, YYYY-MM-DD (default today)")
    to: str | None = Field(None, description="Last last-valid-day, YYYY-MM-DD (default from + 60 days)")
    unit: str | None = Field(None, description="Unit external id or numeric id; its sub-units are included")
    competency: str | None = Field(None, description="Competency uuid or FRAMEWORK:CODE")
    page: str | None = Field(None, description="Page number, from 1")
    page_size: str | None = Field(None, description=f"Rows per page, 1 to {expiry.MAX_PAGE_SIZE} (default 50)")


class AfterLapseOut(Schema):
    level: int
    source: str | None
    valid_until: dt.date | None


class ExpiringItemOut(Schema):
    employee_id: str
    person: str
    unit: str
    manager: str | None
    framework: str
    competency_code: str
    competency: str
    context: str | None
    level: int
    source: str | None
    valid_until: dt.date
    days_left: int
    after_lapse: AfterLapseOut


class ExpiringOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    start: dt.date = Field(..., alias="from")
    end: dt.date = Field(..., alias="to")
    items: list[ExpiringItemOut]


class ErrorOut(Schema):
    detail: Any


@router.get("/evidence/expiring", response={200: ExpiringOut, 400: ErrorOut}, by_alias=True,
            summary="Competence that stops counting soon (filtered, paged)")
def list_expiring(request: HttpRequest, filters: ExpiringFilters = Query(...)) -> dict[str, Any]:
    """HR sees everyone, a manager their team (not themselves), anyone else themselves."""
    params = {"window": filters.window, "from": filters.from_, "to": filters.to, "unit": filters.unit,
              "competency": filters.competency, "page": filters.page, "page_size": filters.page_size}
    parsed = expiry.parse_expiry_filter(params, allow_page_size=True)
    page = expiry.expiring_page(request.user, parsed, summaries=False)
    return {"count": page.total, "page": parsed.page, "pages": page.pages, "page_size": parsed.page_size,
            "from": parsed.start, "to": parsed.end,
            "items": [{"employee_id": row.employee_id, "person": row.person, "unit": row.unit, "manager": row.manager,
                       "framework": row.framework, "competency_code": row.competency_code,
                       "competency": row.competency, "context": row.context, "level": row.level,
                       "source": row.source, "valid_until": row.valid_until, "days_left": row.days_left,
                       "after_lapse": {"level": row.after_lapse.level, "source": row.after_lapse.source,
                                       "valid_until": row.after_lapse.valid_until}} for row in page.rows]}

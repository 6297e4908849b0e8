from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from compms.audit.queries import EXPORT_COLUMNS, audit_entries, export_rows
from compms.audit.services import last_verification
from compms.interop.base import TABLE_CONTENT_TYPES, write_table
from compms.privacy.queries import mask_audit_entries

FILTERS = ("actor", "action", "object_type", "object_id", "q")


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _filtered(request: HttpRequest):
    params = {name: request.GET.get(name, "").strip() for name in FILTERS}
    return params, audit_entries(request.user, **params, since=_date(request.GET.get("since")),
                                 until=_date(request.GET.get("until")))


def audit_log(request: HttpRequest) -> HttpResponse:
    params, entries = _filtered(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    # Anonymised people are shown under their pseudonym; the stored rows are never changed.
    page.object_list = mask_audit_entries(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html", {"page": page, "params": params, "query": query.urlencode(),
                                              "verified": last_verification(),
                                              "since": request.GET.get("since", ""),
                                              "until": request.GET.get("until", "")})


def audit_export(request: HttpRequest) -> HttpResponse:
    _params, entries = _filtered(request)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    response = HttpResponse(write_table(EXPORT_COLUMNS, export_rows(entries), fmt),
                            content_type=TABLE_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="compms-audit.{fmt}"'
    return response

"""Authorisation pages: the list (and the register of one unit across authorisations), the register of
one authorisation with CSV/XLSX export, the grant form, and suspend/reinstate/revoke with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from csp.decorators import csp_update
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compms.access.authorisations import may_change_grant, may_grant, require_sees_person
from compms.authorisations import queries, report, services
from compms.authorisations.models import Authorisation, Grant
from compms.interop.base import TABLE_CONTENT_TYPES, write_table
from compms.organisation.jobdescription import PdfUnavailable
from compms.organisation.models import Unit

EXPORT_COLUMNS = ["authorisation", "employee_id", "name", "unit", "status", "granted_on", "granted_by",
                  "valid_until", "reasons"]


def _unit(request: HttpRequest) -> Unit | None:
    wanted = (request.GET.get("unit") or "").strip()
    if not wanted:
        return None
    unit = Unit.objects.filter(external_id=wanted).first()
    if unit is None:
        raise Http404("No such unit.")
    return unit


def _messages_of(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return "; ".join(m for messages_ in exc.message_dict.values() for m in messages_)
    return "; ".join(getattr(exc, "messages", [str(exc)]))


def _export(rows: list[tuple[Authorisation, queries.RegisterRow]], fmt: str, name: str) -> HttpResponse:
    table = [[a.name, r.person.employee_id, r.person.name, r.person.unit.name, r.status_words,
              r.grant.granted_on.isoformat(), r.grant.granted_by_name,
              r.decision.valid_until.isoformat() if r.decision.valid_until else "",
              "; ".join(reason.message for reason in r.decision.reasons)] for a, r in rows]
    response = HttpResponse(write_table(EXPORT_COLUMNS, table, fmt), content_type=TABLE_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def index(request: HttpRequest) -> HttpResponse:
    unit = _unit(request)
    authorisations = list(Authorisation.objects.all())
    rows: list[tuple[Authorisation, queries.RegisterRow]] = []
    if unit is not None:
        for authorisation in authorisations:
            rows += [(authorisation, r) for r in queries.register(request.user, authorisation, unit=unit)]
        fmt = request.GET.get("format")
        if fmt in TABLE_CONTENT_TYPES:
            return _export(rows, fmt, f"authorisations-{unit.external_id}")
    return render(request, "authorisations/index.html", {
        "authorisations": authorisations, "unit": unit, "rows": rows,
        "units": Unit.objects.order_by("path")[:500]})


@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, code: str) -> HttpResponse:
    authorisation = Authorisation.objects.filter(code=code).first()
    if authorisation is None:
        raise Http404("No such authorisation.")
    if request.method == "POST":
        employee_id = (request.POST.get("employee_id") or "").strip()
        try:
            person = queries.find_person(request.user, employee_id)
            services.grant(request.user, person=person, authorisation=authorisation,
                           note=request.POST.get("note") or "")
        except ObjectDoesNotExist:
            messages.error(request, f"No person with employee id {employee_id!r} that you may see.")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"Not granted: {_messages_of(exc)}")
        else:
            messages.success(request, f"{authorisation.name} granted to {person.name}.")
        return redirect("authorisations:detail", code=authorisation.code)
    unit = _unit(request)
    rows = queries.register(request.user, authorisation, unit=unit)
    fmt = request.GET.get("format")
    if fmt in TABLE_CONTENT_TYPES:
        return _export([(authorisation, r) for r in rows], fmt, f"authorisation-{authorisation.code}")
    return render(request, "authorisations/detail.html", {
        "authorisation": authorisation, "needs": queries.needs_of(authorisation), "unit": unit,
        "rows": [(r, may_change_grant(request.user, r.grant)) for r in rows],
        "may_grant": may_grant(request.user, authorisation)})


@require_POST
def change_grant(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = Grant.objects.select_related("person", "authorisation").filter(pk=grant_id).first()
    if grant is None:
        raise Http404("No such grant.")
    try:
        require_sees_person(request.user, grant.person)
    except ObjectDoesNotExist:
        raise Http404("No such grant.") from None
    action: dict[str, Any] = {"suspend": services.suspend, "reinstate": services.reinstate,
                              "revoke": services.revoke}
    chosen = action.get(request.POST.get("action") or "")
    if chosen is None:
        messages.error(request, "Choose suspend, reinstate or revoke.")
    else:
        try:
            chosen(request.user, grant, reason=request.POST.get("reason") or "")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _messages_of(exc))
        else:
            messages.success(request, f"Grant to {grant.person.name}: {request.POST['action']} recorded.")
    return redirect("authorisations:detail", code=grant.authorisation.code)


# The report page carries its styles inside itself (Chromium prints the same HTML to PDF from a file,
# fetching nothing), so this one page allows inline styles; scripts stay forbidden as everywhere.
@require_GET
@csp_update({"style-src": ["'unsafe-inline'"]})
def assurance_report(request: HttpRequest) -> HttpResponse:
    """The regulator's report on screen (with filters), or downloaded as HTML or PDF (`format=html|pdf`)."""
    report.require_report_access(request.user)
    as_of_text = (request.GET.get("as_of") or "").strip()
    try:
        as_of = dt.date.fromisoformat(as_of_text) if as_of_text else None
    except ValueError:
        return HttpResponse(f"as_of: {as_of_text!r} is not a date (use YYYY-MM-DD).", status=400,
                            content_type="text/plain; charset=utf-8")
    try:
        built = report.assurance_report(
            request.user, unit=report.find_unit((request.GET.get("unit") or "").strip()),
            authorisation=report.find_authorisation((request.GET.get("authorisation") or "").strip()), as_of=as_of)
    except ValidationError as exc:
        return HttpResponse(_messages_of(exc), status=400, content_type="text/plain; charset=utf-8")
    fmt = request.GET.get("format")
    if fmt in ("html", "pdf"):
        if fmt == "pdf":
            try:
                body, content_type = report.render_report_pdf(built), "application/pdf"
            except PdfUnavailable as exc:
                return HttpResponse(f"{exc} Download the HTML instead (your browser can print it to PDF).",
                                    status=503, content_type="text/plain; charset=utf-8")
        else:
            body, content_type = report.render_html(built).encode("utf-8"), "text/html; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{report.file_stem(built)}.{fmt}"'
        return response
    query = urlencode({"unit": built.unit.external_id if built.unit else "",
                       "authorisation": built.authorisation.code if built.authorisation else "",
                       "as_of": built.as_of.isoformat()})
    toolbar = {"units": Unit.objects.order_by("path")[:500], "authorisations": Authorisation.objects.all(),
               "query": query, "back": reverse("authorisations:index")}
    return HttpResponse(report.render_html(built, toolbar=toolbar))

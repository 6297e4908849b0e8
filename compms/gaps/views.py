"""Gap analysis pages: overview, heatmap with drill-down, roles, risk, trends and profiling.

Thin: each view parses the filters, calls `compms.gaps.reports` / `compms.gaps.analysis` (the same
code the API and the command line use) and renders. Charts are SVG strings from
`compms.gaps.svg`. Every table can be downloaded: add `?export=<table>&format=csv|xlsx` to the
page's address (the page shows the links). A filter naming something unknown shows the page's
error box with status 400.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from compms.core.fit import GAP_STATUSES
from compms.evidence import proficiency as prof
from compms.gaps import analysis, reports, svg
from compms.gaps.exports import TABLES, export_response
from compms.gaps.loader import Snapshot
from compms.gaps.reports import ReportParams
from compms.organisation.access import person_of
from compms.organisation.models import Person, Role

PAGE_SIZE = 100
OVERVIEW_COMPETENCIES = 40
RISK_ROWS = 100
FILTER_NAMES = ("unit", "role", "framework", "criticality", "as_of")
# The profile chart's axis runs at least this far (the common 0-5 scale); longer scales stretch it.
PROFILE_SCALE_TOP = 5


def gap_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Unknown filter values show the page's error box (400) instead of a server error."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ValidationError as exc:
            messages = ([f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()]
                        if hasattr(exc, "error_dict") else exc.messages)
            return render(request, "gaps/error.html", {"errors": messages, "nav": _nav(request)}, status=400)
        except (Person.DoesNotExist, Role.DoesNotExist) as exc:
            raise Http404(str(exc)) from None

    return require_GET(wrapped)


def _date(value: str | None, field: str = "as_of") -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: f"{value!r} is not a date (use YYYY-MM-DD)."}) from None


def _params(request: HttpRequest) -> ReportParams:
    get = request.GET
    return ReportParams(unit=get.get("unit") or None, role=get.get("role") or None,
                        framework=get.get("framework") or None, criticality=get.get("criticality") or None,
                        as_of=_date(get.get("as_of")))


def _query(request: HttpRequest, keep: tuple[str, ...] = FILTER_NAMES, **changes: Any) -> str:
    """The current filters (those in `keep`) with some changed, as a query string."""
    values = {name: request.GET.get(name, "") for name in keep}
    values.update({k: v for k, v in changes.items()})
    return urlencode({k: v for k, v in values.items() if v not in ("", None, False)})


def _link(name: str, query: str, *args: Any) -> str:
    url = reverse(f"gaps:{name}", args=args)
    return f"{url}?{query}" if query else url


def _nav(request: HttpRequest) -> dict[str, Any]:
    return {"reports": reports.can_view_reports(request.user), "query": _query(request)}


def _filter_options(snapshot: Snapshot) -> dict[str, Any]:
    """Choices for the filter form, straight from the snapshot (no queries)."""
    return {
        "units": [(snapshot.unit_external_id[u], "\u2003" * (snapshot.unit_path[u].count("/") - 2)
                   + snapshot.unit_name[u]) for u in range(snapshot.n_units)],
        "roles": [(snapshot.role_external_id[r], snapshot.role_name[r]) for r in range(snapshot.n_roles)],
        "frameworks": list(zip(snapshot.framework_code, snapshot.framework_name)),
        "criticalities": analysis.CRITICALITIES,
    }


def _base(request: HttpRequest, snapshot: Snapshot, scope: analysis.Scope, **extra: Any) -> dict[str, Any]:
    filters = scope.filters
    unit = filters.unit
    return {
        "nav": _nav(request), "options": _filter_options(snapshot), "get": request.GET,
        "as_of": filters.as_of, "today": prof.today(),
        "scope_name": snapshot.unit_name[unit] if unit is not None else "the whole organisation",
        "restricted": scope.visible is not None,
        "breadcrumb": _breadcrumb(request, snapshot, unit, extra.pop("crumb_view", "overview")),
        **extra,
    }


def _breadcrumb(request: HttpRequest, snapshot: Snapshot, unit: int | None, view: str) -> list[tuple[str, str]]:
    trail = [("Organisation", _link(view, _query(request, unit="")))]
    if unit is None:
        return trail
    chain = []
    current = unit
    while current >= 0:
        chain.append(current)
        current = int(snapshot.unit_parent[current])
    for u in reversed(chain):
        trail.append((snapshot.unit_name[u], _link(view, _query(request, unit=snapshot.unit_external_id[u]))))
    return trail


def _export(request: HttpRequest, name: str, make: Callable[[], tuple[list[str], list[list[Any]]]]) -> HttpResponse:
    columns, rows = make()
    return export_response(name, columns, rows, request.GET.get("format", "csv"))


def _page(items: Any, request: HttpRequest) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


# ---------------------------------------------------------------- overview

@gap_page
def overview(request: HttpRequest) -> HttpResponse:
    if not reports.can_view_reports(request.user):
        # Everyone else may compare themselves with a role.
        return redirect("gaps:profile")
    snapshot, scope = reports.report_context(request.user, _params(request))
    report = analysis.gap_report(snapshot, scope)
    export = request.GET.get("export")
    if export in ("competencies", "units", "roles"):
        return _export(request, f"gaps-{export}", lambda: TABLES[export](report))
    worst = sorted(report.competencies, key=lambda c: (-c.people_short, -c.levels_short, c.framework, c.competency))
    show_all = request.GET.get("all") == "1"
    shown = worst if show_all else worst[:OVERVIEW_COMPETENCIES]
    lowest = sorted(report.roles, key=lambda r: (r.average_fit, r.name))[:15]
    return render(request, "gaps/overview.html", _base(
        request, snapshot, scope, report=report,
        competencies=[(c, _query(request, competency=c.uuid, context=c.context or "")) for c in shown],
        more_competencies=0 if show_all else max(0, len(worst) - OVERVIEW_COMPETENCIES),
        all_query=_query(request, all="1"),
        units=[(u, _query(request, unit=u.external_id)) for u in report.units if u.depth <= 1],
        roles=[(r, _link("role", _query(request, keep=("unit", "as_of")), r.external_id)) for r in lowest],
        export_units=_query(request, export="units"), export_competencies=_query(request, export="competencies"),
        export_roles=_query(request, export="roles"),
    ))


# ---------------------------------------------------------------- heatmap and drill-down

@gap_page
def heatmap(request: HttpRequest) -> HttpResponse:
    snapshot, scope = reports.report_context(request.user, _params(request))
    columns = _bounded_int(request.GET.get("columns"), 20, 1, 200, "columns")
    heat = analysis.heatmap(snapshot, scope, max_columns=columns)
    if request.GET.get("export") == "heatmap":
        return _export(request, "gaps-heatmap", lambda: TABLES["heatmap"](snapshot, heat))
    claims = [snapshot.claims[c] for c in heat.columns]
    rows, cells = [], []
    for i, row in enumerate(heat.rows):
        unit_id = snapshot.unit_external_id[row.unit]
        rows.append(svg.HeatLabel(text=row.label, title=f"{row.label}: open its heatmap",
                                  href=None if row.direct else _link("heatmap", _query(request, unit=unit_id))))
        line = []
        for j, claim in enumerate(claims):
            required, met = int(heat.requirements[i, j]), int(heat.met[i, j])
            if not required:
                line.append(svg.HeatCell(None, "", f"{row.label} × {claim.label}: nobody's role requires it"))
                continue
            share = met / required
            title = (f"{row.label} × {claim.label} {claim.name}: {met} of {required} requirements met "
                     f"({svg.percent(share)}); {int(heat.expired[i, j])} expired, {int(heat.missing[i, j])} missing")
            query = _query(request, unit=unit_id, competency=str(claim.uuid), context=claim.context or "",
                           direct="1" if row.direct else "")
            line.append(svg.HeatCell(share, svg.percent(share), title, _link("cell", query)))
        cells.append(line)
    picture = svg.heatmap(rows, [svg.HeatLabel(c.label, f"{c.label} {c.name}") for c in claims], cells,
                          title=f"Requirements met, {_scope_title(snapshot, scope)}")
    return render(request, "gaps/heatmap.html", _base(
        request, snapshot, scope, crumb_view="heatmap", picture=mark_safe(picture), heat=heat, columns=columns,
        keep_hidden=[("columns", columns)] if columns != 20 else [],
        more_query=_query(request, columns=min(200, columns + 20)),
        export_query=_query(request, keep=(*FILTER_NAMES, "columns"), export="heatmap")))


def _scope_title(snapshot: Snapshot, scope: analysis.Scope) -> str:
    unit = scope.filters.unit
    where = snapshot.unit_name[unit] if unit is not None else "whole organisation"
    return f"{where}, as of {scope.filters.as_of.isoformat()}"


def _bounded_int(value: str | None, default: int, low: int, high: int, field: str) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValidationError({field: f"{value!r} is not a whole number."}) from None
    if not low <= number <= high:
        raise ValidationError({field: f"Use a number from {low} to {high}."})
    return number


@gap_page
def cell(request: HttpRequest) -> HttpResponse:
    snapshot, scope = reports.report_context(request.user, _params(request))
    claim_index = reports.resolve_claim(snapshot, request.GET.get("competency"), request.GET.get("context"))
    status = request.GET.get("status") or None
    if status is not None and status not in GAP_STATUSES:
        raise ValidationError({"status": f"Use one of {', '.join(GAP_STATUSES)}."})
    direct = request.GET.get("direct") == "1"
    rows = analysis.cell_rows(snapshot, scope, claim_index, direct=direct, status=status)
    lines = analysis.LazyLines(snapshot, analysis.state(snapshot, scope.filters.as_of), rows)
    claim = snapshot.claims[claim_index]
    if request.GET.get("export") == "people":
        return _export(request, "gaps-people", lambda: TABLES["people"](lines.lines(slice(None))))
    everyone = analysis.cell_rows(snapshot, scope, claim_index, direct=direct)
    counts = {name: int((everyone.status == code).sum()) for code, name in enumerate(GAP_STATUSES)}
    keep = (*FILTER_NAMES, "competency", "context", "direct")
    return render(request, "gaps/cell.html", _base(
        request, snapshot, scope, crumb_view="heatmap", claim=claim, direct=direct, status=status,
        page=_page(lines, request), counts=counts, total=len(everyone),
        status_links=[(name, counts[name], _query(request, keep=keep, status=name)) for name in GAP_STATUSES],
        all_link=_query(request, keep=keep),
        export_query=_query(request, keep=(*keep, "status"), export="people"),
        distribution_query=_query(request, keep=("unit", "as_of"), competency=str(claim.uuid),
                                  context=claim.context or "")))


# ---------------------------------------------------------------- roles

@gap_page
def roles(request: HttpRequest) -> HttpResponse:
    snapshot, scope = reports.report_context(request.user, _params(request))
    gap_state = analysis.state(snapshot, scope.filters.as_of)
    summaries = analysis.by_role(snapshot, gap_state, scope)
    if request.GET.get("export") == "roles":
        return _export(request, "gaps-roles", lambda: TABLES["role_summaries"](summaries))
    order = request.GET.get("sort", "fit")
    if order == "fit":
        summaries = sorted(summaries, key=lambda r: (r.average_fit, r.name))
    elif order == "people":
        summaries = sorted(summaries, key=lambda r: (-r.people, r.name))
    keep = _query(request, keep=("unit", "as_of"))
    return render(request, "gaps/roles.html", _base(
        request, snapshot, scope, crumb_view="roles", order=order,
        summaries=[(r, _link("role", keep, r.external_id), _link("best_fit", keep, r.external_id)) for r in summaries],
        sort_links={key: _query(request, sort=key) for key in ("fit", "people", "name")},
        export_query=_query(request, export="roles")))


@gap_page
def role_detail(request: HttpRequest, role_id: str) -> HttpResponse:
    snapshot, scope = reports.report_context(request.user, _params(request))
    role = reports.resolve_role(snapshot, role_id)
    gap_state = analysis.state(snapshot, scope.filters.as_of)
    holders = analysis.role_holders(snapshot, gap_state, scope, role)
    lines = analysis.role_lines_summary(snapshot, gap_state, scope, role)
    if request.GET.get("export") == "holders":
        return _export(request, "gaps-role-holders", lambda: TABLES["holders"](holders))
    if request.GET.get("export") == "requirements":
        return _export(request, "gaps-role-requirements", lambda: TABLES["role_lines"](lines))
    role_ref = snapshot.role_external_id[role]
    page = _page(holders, request)
    page.object_list = [(h, "?".join([reverse("gaps:profile"), urlencode(
        {"person": h.employee_id, "role": role_ref, "as_of": request.GET.get("as_of", "")})]))
        for h in page.object_list]
    return render(request, "gaps/role_detail.html", _base(
        request, snapshot, scope, crumb_view="roles", role_id=role_ref, role_name=snapshot.role_name[role],
        holders=page, ready=sum(1 for h in holders if h.ready), people=len(holders),
        lines=[(line, _query(request, keep=("unit", "as_of"), role=role_ref, competency=str(line.claim.uuid),
                             context=line.claim.context or "")) for line in lines],
        export_holders=_query(request, export="holders"), export_lines=_query(request, export="requirements"),
        best_fit_url=_link("best_fit", _query(request, keep=("unit", "as_of")), role_ref)))


@gap_page
def best_fit(request: HttpRequest, role_id: str) -> HttpResponse:
    top = _bounded_int(request.GET.get("top"), 25, 1, 1000, "top")
    exclude = request.GET.get("exclude_holders") == "1"
    params = _params(request)
    snapshot, scope, result = reports.best_fit(request.user, role_id, params, top=top, exclude_holders=exclude)
    if request.GET.get("export") == "candidates":
        return _export(request, "gaps-best-fit", lambda: TABLES["candidates"](snapshot, result))
    role_ref = snapshot.role_external_id[result.role]
    return render(request, "gaps/best_fit.html", _base(
        request, snapshot, scope, crumb_view="roles", result=result, role_id=role_ref,
        role_name=snapshot.role_name[result.role], top=top, exclude=exclude,
        candidates=[(c, "?".join([reverse("gaps:profile"), urlencode(
            {"person": c.employee_id, "role": role_ref, "as_of": request.GET.get("as_of", "")})]))
            for c in result.candidates],
        export_query=_query(request, keep=("unit", "as_of", "top", "exclude_holders"), export="candidates")))


# ---------------------------------------------------------------- risk, expiry and trends

@gap_page
def risk(request: HttpRequest) -> HttpResponse:
    snapshot, scope = reports.report_context(request.user, _params(request))
    gap_state = analysis.state(snapshot, scope.filters.as_of)
    points = analysis.single_points(snapshot, scope)
    waves = analysis.expiry_waves(snapshot, scope)
    export = request.GET.get("export")
    if export == "single_points":
        return _export(request, "gaps-single-points", lambda: TABLES["single_points"](points))
    if export == "expiry":
        return _export(request, "gaps-expiry-waves", lambda: TABLES["expiry_months"](waves))
    bars = [svg.Bar(label=m.month.strftime("%b %Y"), value=m.requirements,
                    title=f"{m.month:%B %Y}: {m.requirements} requirements lapse for {m.people} people",
                    href=_link("expiry", _query(request, month=m.month.strftime("%Y-%m"))))
            for m in waves.months]
    title = f"Requirements lapsing per month if nothing is renewed, {_scope_title(snapshot, scope)}"
    chart = svg.bar_chart(bars, title)
    keep = _query(request, keep=("unit", "as_of"))
    return render(request, "gaps/risk.html", _base(
        request, snapshot, scope, crumb_view="risk",
        points=[(p, _query(request, keep=("as_of", "role", "framework"), unit=p.unit_external_id,
                           competency=str(p.claim.uuid), context=p.claim.context or "", direct="1",
                           criticality="essential")) for p in points[:RISK_ROWS]],
        more_points=max(0, len(points) - RISK_ROWS), point_count=len(points),
        zero_holders=sum(1 for p in points if p.holders == 0),
        waves=[(m, _query(request, month=m.month.strftime("%Y-%m"))) for m in waves.months],
        wave_chart=mark_safe(chart),
        lowest=[(r, _link("role", keep, r.external_id))
                for r in analysis.lowest_fit_roles(snapshot, gap_state, scope)],
        export_points=_query(request, export="single_points"), export_waves=_query(request, export="expiry")))


@gap_page
def expiry(request: HttpRequest) -> HttpResponse:
    snapshot, scope = reports.report_context(request.user, _params(request))
    waves = analysis.expiry_waves(snapshot, scope)
    labels = [m.month.strftime("%Y-%m") for m in waves.months]
    month = request.GET.get("month") or labels[0]
    if month not in labels:
        raise ValidationError({"month": f"Use a month from {labels[0]} to {labels[-1]} (YYYY-MM)."})
    index = labels.index(month)
    in_month = waves.lapse_month == index
    rows = waves.rows.take(in_month)
    names = snapshot.person_name[rows.person].astype(str)
    rows = rows.take(np.lexsort((names, waves.valid_until[in_month])))
    lines = analysis.LazyLines(snapshot, analysis.state(snapshot, scope.filters.as_of), rows, with_competency=True)
    if request.GET.get("export") == "people":
        return _export(request, "gaps-expiring", lambda: TABLES["people"](lines.lines(slice(None))))
    return render(request, "gaps/expiry.html", _base(
        request, snapshot, scope, crumb_view="risk", month=waves.months[index], page=_page(lines, request),
        total=len(rows), months=[(m, _query(request, month=label)) for m, label in zip(waves.months, labels)],
        current=month, export_query=_query(request, month=month, export="people")))


@gap_page
def coverage(request: HttpRequest) -> HttpResponse:
    snapshot, scope = reports.report_context(request.user, _params(request))
    points = analysis.coverage_over_time(snapshot, scope)
    if request.GET.get("export") == "coverage":
        return _export(request, "gaps-coverage", lambda: TABLES["coverage"](points))
    today_index = next((i for i, p in enumerate(points) if p.day == scope.filters.as_of), None)
    chart = svg.line_chart(
        [p.day.strftime("%b %Y") if p.day != scope.filters.as_of else p.day.isoformat() for p in points],
        [svg.Series("Requirements met", [p.share if not p.projected else None for p in points]),
         svg.Series("Projected, if nothing is renewed",
                    [p.share if p.projected or i == today_index else None for i, p in enumerate(points)],
                    dashed=True)],
        f"Coverage over time, {_scope_title(snapshot, scope)}", y_max=1.0, marker=today_index,
        marker_label="as of")
    return render(request, "gaps/coverage.html", _base(
        request, snapshot, scope, crumb_view="coverage", chart=mark_safe(chart), points=points,
        export_query=_query(request, export="coverage")))


# ---------------------------------------------------------------- profiling

@gap_page
def profile(request: HttpRequest) -> HttpResponse:
    """A person against a role. Employees see themselves only; HR and managers anyone they may see."""
    may_choose = reports.can_view_reports(request.user)
    employee_id = request.GET.get("person") if may_choose else None
    me = person_of(request.user)
    if not may_choose and me is None:
        raise PermissionDenied("Your log-in is not linked to an employee record, so there is no profile to show.")
    person = reports.comparable_person(request.user, employee_id or (me.employee_id if me else None)) \
        if (employee_id or me) else None
    role_ref = request.GET.get("role")
    held = list(Role.objects.filter(positions__holder=person).distinct().order_by("name")) if person else []
    if not role_ref and held:
        role_ref = held[0].external_id
    as_of = _date(request.GET.get("as_of")) or prof.today()
    comparison = chart = None
    role = None
    if person is not None and role_ref:
        role = reports.role_by_ref(role_ref)
        comparison = reports.person_against_role(request.user, person, role, as_of)
        if request.GET.get("export") == "profile":
            return _export(request, "gaps-profile", lambda: TABLES["profile"](person, as_of, comparison))
        bars = [svg.ProfileBar(label=f"{line.framework}:{line.competency}"
                               + (f" @{line.context}" if line.context else ""),
                               title=line.competency_name, required=line.required, proficiency=line.proficiency,
                               status=line.status, essential=line.criticality == "essential")
                for line in comparison.requirements]
        chart = mark_safe(svg.profile_chart(bars, max_level=PROFILE_SCALE_TOP,
                                            title=f"{person.name} against {role.name}, as of {as_of.isoformat()}"))
    return render(request, "gaps/profile.html", {
        "nav": _nav(request), "person": person, "role": role, "comparison": comparison, "chart": chart,
        "as_of": as_of, "may_choose": may_choose, "held": held,
        "roles": Role.objects.order_by("name").values_list("external_id", "name"),
        "export_query": urlencode({"person": person.employee_id if person else "", "role": role_ref or "",
                                   "as_of": request.GET.get("as_of", ""), "export": "profile"}),
        "best_fit_url": reverse("gaps:best_fit", args=[role.external_id]) if role and may_choose else None,
    })


@gap_page
def distribution(request: HttpRequest) -> HttpResponse:
    params = _params(request)
    snapshot, scope = reports.report_context(request.user, ReportParams(unit=params.unit, as_of=params.as_of))
    choices = sorted(((str(c.uuid) + (f"|{c.context}" if c.context else ""), f"{c.label} {c.name}")
                      for c in snapshot.claims), key=lambda item: item[1])
    result = None
    chart = None
    chosen = ""
    if request.GET.get("competency"):
        competency, _, context = request.GET["competency"].partition("|")
        claim = reports.resolve_claim(snapshot, competency, request.GET.get("context") or context or None)
        result = analysis.level_distribution(snapshot, scope, claim)
        chosen = str(result.claim.uuid) + (f"|{result.claim.context}" if result.claim.context else "")
        if request.GET.get("export") == "levels":
            return _export(request, "gaps-levels", lambda: TABLES["levels"](result))
        bars = [svg.Bar(label=f"level {c.level}", value=c.people,
                        title=f"Level {c.level}: {c.people} people, {c.requiring} of them need the competency")
                for c in result.levels]
        chart = mark_safe(svg.bar_chart(bars, f"People per level of {result.claim.label} {result.claim.name}, "
                                              f"{_scope_title(snapshot, scope)}"))
    return render(request, "gaps/distribution.html", _base(
        request, snapshot, scope, crumb_view="distribution", result=result, chart=chart, choices=choices,
        required_levels=sorted(result.required_levels.items()) if result else [],
        chosen=chosen,
        export_query=_query(request, keep=("unit", "as_of", "competency", "context"), export="levels")))


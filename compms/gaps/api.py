"""REST API for gap analysis: organisation and unit gaps, heatmap cells, risk, profiling.

Thin: each endpoint calls `compms.gaps.reports` (the same functions the pages and `compms gaps` /
`compms fit` call) and returns its dictionaries. Filters are query parameters: `as_of`, `unit`,
`role`, `framework`, `criticality`. Units and roles are named by their external id (unit_id and
role_id in imports) or by numeric id. HR and administrators see the organisation, managers the
people they manage; anyone may compare themselves with a role.
"""

# No `from __future__ import annotations` here: django-ninja reads the schema annotations at import time.
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from compms.core.fit import GAP_STATUSES
from compms.gaps import analysis, reports
from compms.gaps.reports import ReportParams

router = Router(tags=["gaps"])


# ---------------------------------------------------------------- schemas

class ErrorOut(Schema):
    detail: Any


class GapFilters(Schema):
    as_of: dt.date | None = Field(None, description="YYYY-MM-DD; default today")
    role: str | None = Field(None, description="Only this role's requirement lines (role id)")
    framework: str | None = Field(None, description="Only competencies of this framework (code)")
    criticality: str | None = Field(None, description="essential or desirable")

    def params(self, unit: str | None = None) -> ReportParams:
        return ReportParams(unit=unit, role=self.role, framework=self.framework, criticality=self.criticality,
                            as_of=self.as_of)


class ScopedFilters(GapFilters):
    unit: str | None = Field(None, description="A unit's subtree (unit id); default the organisation")


class CompetencyGapOut(Schema):
    framework: str
    competency: str
    competency_name: str
    context: str | None
    competency_uuid: str
    people_required: int = Field(description="People whose roles require it")
    people_met: int
    people_short: int = Field(description="held_below + missing + expired")
    levels_short: int = Field(description="Sum of the gaps in levels")
    held_below: int
    missing: int = Field(description="No evidence at all")
    expired: int = Field(description="Only expired evidence")


class UnitGapOut(Schema):
    unit: str
    unit_name: str
    depth: int = Field(description="Levels below the scope unit")
    requirements: int = Field(description="Requirements of the people in the unit and everything below it")
    met: int
    levels_short: int
    missing: int
    expired: int


class RoleSummaryOut(Schema):
    role: str
    role_name: str
    family: str
    people: int
    average_fit: float
    ready: int
    share_ready: float


class GapReportOut(Schema):
    scope: str = Field(description="'organisation' or the unit id")
    as_of: dt.date
    people: int
    requirements: int
    met: int
    competencies: list[CompetencyGapOut]
    units: list[UnitGapOut]
    roles: list[RoleSummaryOut]


class PersonLineOut(Schema):
    person: str
    person_name: str
    unit: str
    competency: str | None = Field(None, description="FRAMEWORK:CODE when a list mixes competencies")
    required: int
    proficiency: int
    gap: int
    status: str
    criticality: str
    verified: bool
    source: str | None
    valid_until: dt.date | None


class HeatmapCellOut(Schema):
    competency: str
    requirements: int
    met: int
    share_met: float | None
    levels_short: int
    missing: int
    expired: int


class HeatmapRowOut(Schema):
    unit: str
    unit_name: str
    direct: bool = Field(description="True: only the people directly in the unit; false: its whole subtree")
    cells: list[HeatmapCellOut]


class HeatmapOut(Schema):
    as_of: dt.date
    columns: list[str]
    rows: list[HeatmapRowOut]
    more_columns: int


class CellFilters(ScopedFilters):
    competency: str = Field(description="Competency uuid or FRAMEWORK:CODE")
    context: str | None = Field(None, description="Context code")
    direct: bool = Field(False, description="Only the people directly in the unit")
    status: str | None = Field(None, description="met, short, missing or expired")


class SinglePointOut(Schema):
    unit: str
    unit_name: str
    framework: str
    competency: str
    competency_name: str
    context: str | None
    required: int
    people_requiring: int
    holders: int
    holder: str | None


class ExpiryCompetencyOut(Schema):
    competency: str
    requirements: int


class ExpiryMonthOut(Schema):
    month: str
    requirements: int
    people: int
    competencies: list[ExpiryCompetencyOut]


class RiskOut(Schema):
    as_of: dt.date
    single_points: list[SinglePointOut]
    expiry_waves: list[ExpiryMonthOut]
    lowest_fit_roles: list[RoleSummaryOut]


class ExpiryFilters(ScopedFilters):
    month: str = Field(description="YYYY-MM, within the twelve months from as_of")


class CoveragePointOut(Schema):
    date: dt.date
    requirements: int
    met: int
    share_met: float
    projected: bool


class GapOut(Schema):
    framework: str
    competency: str
    required: int
    proficiency: int
    gap: int
    status: str
    criticality: str
    verified: bool
    source: str | None
    valid_until: dt.date | None


class CandidateOut(Schema):
    person: str
    person_name: str
    unit: str
    fit: float
    ready: bool
    holds_role: bool
    gaps: list[GapOut]


class BestFitOut(Schema):
    role: str
    role_name: str
    as_of: dt.date
    considered: int
    candidates: list[CandidateOut]


class BestFitFilters(Schema):
    top: int = Field(10, description="How many people to rank (1..1000)")
    as_of: dt.date | None = None
    unit: str | None = Field(None, description="Only people in this unit's subtree")
    exclude_holders: bool = Field(False, description="Leave out people who already hold the role")


class LevelCountOut(Schema):
    level: int
    people: int
    requiring: int


class DistributionOut(Schema):
    framework: str
    competency: str
    competency_name: str
    context: str | None
    unit: str | None
    as_of: dt.date
    people: int
    no_evidence: int
    expired: int
    levels: list[LevelCountOut]
    required_levels: dict[str, int]


class DistributionFilters(Schema):
    competency: str = Field(description="Competency uuid or FRAMEWORK:CODE")
    context: str | None = None
    unit: str | None = None
    as_of: dt.date | None = None


class RoleFitRequirementOut(Schema):
    framework: str
    competency: str
    competency_name: str
    context: str | None
    required: int
    proficiency: int
    gap: int
    status: str
    criticality: str
    verified: bool
    source: str | None
    valid_until: dt.date | None


class RoleFitOut(Schema):
    person: str
    person_name: str
    as_of: dt.date
    role: str
    role_name: str
    fit: float
    ready: bool
    requirements: list[RoleFitRequirementOut]


# ---------------------------------------------------------------- organisation and units

@router.get("/gaps/org", response={200: GapReportOut, 400: ErrorOut, 403: ErrorOut},
            summary="Organisation gaps: per competency, per unit (subtree totals) and per role")
def organisation_gaps(request: HttpRequest, filters: GapFilters = Query(...)):
    return reports.gap_report(request.user, filters.params()).as_dict()


@router.get("/gaps/units/{unit_id}", response={200: GapReportOut, 400: ErrorOut, 403: ErrorOut},
            summary="A unit's gaps (its whole subtree): per competency, per unit and per role")
def unit_gaps(request: HttpRequest, unit_id: str, filters: GapFilters = Query(...)):
    return reports.gap_report(request.user, filters.params(unit=unit_id)).as_dict()


@router.get("/gaps/heatmap", response={200: HeatmapOut, 400: ErrorOut, 403: ErrorOut},
            summary="Units (children of the scope) x competencies: requirements met")
def gaps_heatmap(request: HttpRequest, filters: ScopedFilters = Query(...), columns: int = 20):
    snapshot, scope = reports.report_context(request.user, filters.params(unit=filters.unit))
    heat = analysis.heatmap(snapshot, scope, max_columns=max(1, min(columns, 200)))
    labels = [snapshot.claims[c].label for c in heat.columns]
    return {
        "as_of": scope.filters.as_of, "columns": labels, "more_columns": heat.more_columns,
        "rows": [{"unit": snapshot.unit_external_id[row.unit], "unit_name": snapshot.unit_name[row.unit],
                  "direct": row.direct,
                  "cells": [{"competency": labels[j], "requirements": int(heat.requirements[i, j]),
                             "met": int(heat.met[i, j]),
                             "share_met": (float(heat.met[i, j] / heat.requirements[i, j])
                                           if heat.requirements[i, j] else None),
                             "levels_short": int(heat.levels_short[i, j]), "missing": int(heat.missing[i, j]),
                             "expired": int(heat.expired[i, j])} for j in range(len(labels))]}
                 for i, row in enumerate(heat.rows)],
    }


@router.get("/gaps/cell", response=list[PersonLineOut],
            summary="The people behind a heatmap cell or a competency line, worst first")
@paginate(PageNumberPagination, page_size=100)
def gaps_cell(request: HttpRequest, filters: CellFilters = Query(...)):
    snapshot, scope = reports.report_context(request.user, filters.params(unit=filters.unit))
    claim = reports.resolve_claim(snapshot, filters.competency, filters.context)
    status = _status(filters.status)
    rows = analysis.cell_rows(snapshot, scope, claim, direct=filters.direct, status=status)
    return _DictPages(analysis.LazyLines(snapshot, analysis.state(snapshot, scope.filters.as_of), rows))


# ---------------------------------------------------------------- risk and trends

@router.get("/gaps/risk", response={200: RiskOut, 400: ErrorOut, 403: ErrorOut},
            summary="Single points of competence, expiry waves for 12 months, roles with the lowest fit")
def gaps_risk(request: HttpRequest, filters: ScopedFilters = Query(...)):
    snapshot, scope = reports.report_context(request.user, filters.params(unit=filters.unit))
    gap_state = analysis.state(snapshot, scope.filters.as_of)
    return {
        "as_of": scope.filters.as_of,
        "single_points": [s.as_dict() for s in analysis.single_points(snapshot, scope)],
        "expiry_waves": [m.as_dict() for m in analysis.expiry_waves(snapshot, scope).months],
        "lowest_fit_roles": [r.as_dict() for r in analysis.lowest_fit_roles(snapshot, gap_state, scope)],
    }


@router.get("/gaps/expiry", response=list[PersonLineOut],
            summary="Requirements met today that lapse in a month if nothing is renewed")
@paginate(PageNumberPagination, page_size=100)
def gaps_expiry(request: HttpRequest, filters: ExpiryFilters = Query(...)):
    snapshot, scope = reports.report_context(request.user, filters.params(unit=filters.unit))
    waves = analysis.expiry_waves(snapshot, scope)
    month = _month_index(waves, filters.month)
    rows = waves.rows.take(waves.lapse_month == month)
    return _DictPages(analysis.LazyLines(snapshot, analysis.state(snapshot, scope.filters.as_of), rows,
                                         with_competency=True))


@router.get("/gaps/coverage", response={200: list[CoveragePointOut], 400: ErrorOut, 403: ErrorOut},
            summary="Share of today's requirements met at each month end, a year back and a year ahead")
def gaps_coverage(request: HttpRequest, filters: ScopedFilters = Query(...)):
    snapshot, scope = reports.report_context(request.user, filters.params(unit=filters.unit))
    return [{"date": p.day, "requirements": p.requirements, "met": p.met, "share_met": round(p.share, 4),
             "projected": p.projected} for p in analysis.coverage_over_time(snapshot, scope)]


# ---------------------------------------------------------------- profiling

@router.get("/roles/{role_id}/best-fit", response={200: BestFitOut, 400: ErrorOut, 403: ErrorOut},
            summary="The people who best fit a role, ranked by fit, with their gaps")
def role_best_fit(request: HttpRequest, role_id: str, filters: BestFitFilters = Query(...)):
    params = ReportParams(unit=filters.unit, as_of=filters.as_of)
    snapshot, _scope, result = reports.best_fit(request.user, role_id, params,
                                        top=filters.top, exclude_holders=filters.exclude_holders)
    data = result.as_dict(snapshot)
    for candidate in data["candidates"]:
        for gap in candidate["gaps"]:
            gap["framework"], _, gap["competency"] = gap.pop("competency").partition(":")
    return data


@router.get("/gaps/distribution", response={200: DistributionOut, 400: ErrorOut, 403: ErrorOut},
            summary="How many people in a unit are at each level of a competency")
def gaps_distribution(request: HttpRequest, filters: DistributionFilters = Query(...)):
    snapshot, scope = reports.report_context(request.user, ReportParams(unit=filters.unit, as_of=filters.as_of))
    claim = reports.resolve_claim(snapshot, filters.competency, filters.context)
    return analysis.level_distribution(snapshot, scope, claim).as_dict()


class AsOf(Schema):
    as_of: dt.date | None = Field(None, description="YYYY-MM-DD; default today")


@router.get("/people/{employee_id}/roles/{role_id}/fit", response={200: RoleFitOut, 400: ErrorOut, 404: ErrorOut},
            summary="A person compared with any role: fit, readiness and each requirement's gap")
def person_role_fit(request: HttpRequest, employee_id: str, role_id: str, filters: AsOf = Query(...)):
    person = reports.comparable_person(request.user, employee_id)
    role = reports.role_by_ref(role_id)
    as_of = filters.as_of or reports.prof.today()
    return reports.role_gaps_dict(person, as_of, reports.person_against_role(request.user, person, role, as_of))


# ---------------------------------------------------------------- helpers

class _DictPages(analysis.LazyLines):
    """LazyLines giving dictionaries, for ninja's pagination."""

    def __init__(self, lines: analysis.LazyLines) -> None:
        super().__init__(lines.snapshot, lines.gap_state, lines.rows, lines.with_competency)

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:  # type: ignore[override]
        return self.dicts(page)


def _status(value: str | None) -> str | None:
    from django.core.exceptions import ValidationError

    if not value:
        return None
    if value not in GAP_STATUSES:
        raise ValidationError({"status": f"Use one of {', '.join(GAP_STATUSES)}."})
    return value


def _month_index(waves: analysis.ExpiryWaves, month: str) -> int:
    from django.core.exceptions import ValidationError

    labels = [m.month.strftime("%Y-%m") for m in waves.months]
    if month not in labels:
        raise ValidationError({"month": f"Use a month from {labels[0]} to {labels[-1]} (YYYY-MM)."})
    return labels.index(month)

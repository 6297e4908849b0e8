"""Every gap table as columns and rows, for CSV and .xlsx downloads (`compms.interop.base.write_table`).

Each entry of TABLES turns one report object into (columns, rows); the pages offer them as
`?export=<table>&format=csv|xlsx`. Numbers stay numbers (so a spreadsheet can sum them), dates are
ISO, yes/no for booleans.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse

from compms.evidence.gaps import RoleGaps
from compms.gaps import analysis
from compms.gaps.loader import Snapshot
from compms.interop.base import TABLE_CONTENT_TYPES, write_table
from compms.organisation.models import Person

Table = tuple[list[str], list[list[Any]]]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def competencies(report: analysis.GapReport) -> Table:
    columns = ["framework", "competency", "competency_name", "context", "people_required", "people_met",
               "people_short", "levels_short", "held_below", "missing", "expired"]
    return columns, [[c.framework, c.competency, c.competency_name, c.context or "", c.people_required, c.people_met,
                      c.people_short, c.levels_short, c.held_below, c.missing, c.expired]
                     for c in report.competencies]


def units(report: analysis.GapReport) -> Table:
    columns = ["unit", "unit_name", "depth", "requirements", "met", "share_met", "levels_short", "missing",
               "expired"]
    return columns, [[u.external_id, u.name, u.depth, u.requirements, u.met, round(u.share_met, 4), u.levels_short,
                      u.missing, u.expired] for u in report.units]


def role_summaries(summaries: list[analysis.RoleSummary]) -> Table:
    columns = ["role", "role_name", "family", "people", "average_fit", "ready", "share_ready"]
    return columns, [[r.external_id, r.name, r.family, r.people, round(r.average_fit, 4), r.ready,
                      round(r.share_ready, 4)] for r in summaries]


def heatmap(snapshot: Snapshot, heat: analysis.Heatmap) -> Table:
    """Long format: one row per unit x competency cell."""
    columns = ["unit", "unit_name", "direct_only", "framework", "competency", "context", "requirements", "met",
               "share_met", "levels_short", "missing", "expired"]
    rows = []
    for i, row in enumerate(heat.rows):
        for j, claim_index in enumerate(heat.columns):
            claim = snapshot.claims[claim_index]
            required = int(heat.requirements[i, j])
            rows.append([snapshot.unit_external_id[row.unit], snapshot.unit_name[row.unit], _yes(row.direct),
                         claim.framework, claim.code, claim.context or "", required, int(heat.met[i, j]),
                         round(int(heat.met[i, j]) / required, 4) if required else "",
                         int(heat.levels_short[i, j]), int(heat.missing[i, j]), int(heat.expired[i, j])])
    return columns, rows


def people(lines: list[analysis.PersonLine]) -> Table:
    columns = ["person", "person_name", "unit", "competency", "required", "proficiency", "gap", "status",
               "criticality", "verified", "source", "valid_until"]
    return columns, [[p.employee_id, p.name, p.unit, p.competency, p.required, p.proficiency, p.gap, p.status,
                      p.criticality, _yes(p.verified), p.source or "", _iso(p.valid_until)] for p in lines]


def holders(rows: list[analysis.Holder]) -> Table:
    columns = ["person", "person_name", "unit", "fit", "ready", "requirements_unmet", "essentials_unmet"]
    return columns, [[h.employee_id, h.name, h.unit, round(h.fit, 4), _yes(h.ready), h.unmet, h.essentials_unmet]
                     for h in rows]


def role_lines(lines: list[analysis.RoleLine]) -> Table:
    columns = ["framework", "competency", "competency_name", "context", "required", "criticality", "people", "met",
               "levels_short", "missing", "expired"]
    return columns, [[line.claim.framework, line.claim.code, line.claim.name, line.claim.context or "", line.required,
                      "essential" if line.essential else "desirable", line.people, line.met, line.levels_short,
                      line.missing, line.expired] for line in lines]


def candidates(snapshot: Snapshot, result: analysis.BestFit) -> Table:
    columns = ["rank", "person", "person_name", "unit", "fit", "ready", "holds_role", "gaps"]
    return columns, [[rank, c.employee_id, c.name, c.unit, round(c.fit, 4), _yes(c.ready), _yes(c.holds_role),
                      "; ".join(f"{g.competency} {g.proficiency}/{g.required} {g.status}" for g in c.gaps)]
                     for rank, c in enumerate(result.candidates, start=1)]


def single_points(points: list[analysis.SinglePoint]) -> Table:
    columns = ["unit", "unit_name", "framework", "competency", "competency_name", "context", "required",
               "people_requiring", "holders", "holder"]
    return columns, [[p.unit_external_id, p.unit_name, p.claim.framework, p.claim.code, p.claim.name,
                      p.claim.context or "", p.required, p.people_requiring, p.holders, p.holder or ""]
                     for p in points]


def expiry_months(waves: analysis.ExpiryWaves) -> Table:
    columns = ["month", "requirements", "people", "top_competencies"]
    return columns, [[m.month.strftime("%Y-%m"), m.requirements, m.people,
                      "; ".join(f"{label} ({n})" for label, n in m.top_competencies)] for m in waves.months]


def coverage(points: list[analysis.CoveragePoint]) -> Table:
    columns = ["date", "requirements", "met", "share_met", "projected"]
    return columns, [[p.day.isoformat(), p.requirements, p.met, round(p.share, 4), _yes(p.projected)]
                     for p in points]


def profile(person: Person, as_of: dt.date, comparison: RoleGaps) -> Table:
    columns = ["person", "role", "as_of", "fit", "ready", "framework", "competency", "competency_name", "context",
               "required", "proficiency", "gap", "status", "criticality", "verified", "source", "valid_until"]
    return columns, [[person.employee_id, comparison.role, as_of.isoformat(), round(comparison.fit, 4),
                      _yes(comparison.ready), line.framework, line.competency, line.competency_name,
                      line.context or "", line.required, line.proficiency, line.gap, line.status, line.criticality,
                      _yes(line.verified), line.source or "", _iso(line.valid_until)]
                     for line in comparison.requirements]


def levels(result: analysis.LevelDistribution) -> Table:
    columns = ["framework", "competency", "unit", "as_of", "level", "people", "requiring"]
    return columns, [[result.claim.framework, result.claim.code, result.unit or "organisation",
                      result.as_of.isoformat(), c.level, c.people, c.requiring] for c in result.levels]


TABLES: dict[str, Callable[..., Table]] = {
    "competencies": competencies, "units": units, "roles": lambda report: role_summaries(report.roles),
    "role_summaries": role_summaries, "heatmap": heatmap, "people": people, "holders": holders,
    "role_lines": role_lines, "candidates": candidates, "single_points": single_points,
    "expiry_months": expiry_months, "coverage": coverage, "profile": profile, "levels": levels,
}


def export_response(name: str, columns: list[str], rows: list[list[Any]], fmt: str) -> HttpResponse:
    if fmt not in TABLE_CONTENT_TYPES:
        raise ValidationError({"format": f"Use one of {', '.join(TABLE_CONTENT_TYPES)}."})
    response = HttpResponse(write_table(columns, rows, fmt), content_type=TABLE_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response

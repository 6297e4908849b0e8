"""Command-line handlers for organisation and unit gaps, and for best fit.

`compms gaps --org | --unit UNIT_ID [--as-of YYYY-MM-DD] [--format table|json|csv]` and
`compms fit --role ROLE_ID [--top N] [--as-of ...] [--format ...]`. The `gaps` command itself lives
in compms/evidence (it also answers --person); it calls `org_scope` / `unit_scope` below, which
have the signature of its scope handlers: (value, as_of, output_format) -> text to print.
The command line is a trusted caller: it sees the whole organisation.

JSON of --org/--unit: {"scope", "as_of", "people", "requirements", "met",
"competencies": [{framework, competency, competency_name, context, competency_uuid, people_required,
people_met, people_short, levels_short, held_below, missing, expired}],
"units": [{unit, unit_name, depth, requirements, met, levels_short, missing, expired}] (subtree totals),
"roles": [{role, role_name, family, people, average_fit, ready, share_ready}]}: the same document as
GET /api/v1/gaps/org and /api/v1/gaps/units/{unit_id}.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import CommandError

from compms.access import SYSTEM
from compms.gaps import reports
from compms.gaps.analysis import BestFit, GapReport
from compms.gaps.loader import Snapshot
from compms.interop.base import SafeCsvWriter

FORMATS = ("table", "json", "csv")
UNIT_TABLE_DEPTH = 2  # the table format lists units this far below the scope; json and csv list all
REPORT_CSV_COLUMNS = ["kind", "scope", "as_of", "unit", "unit_name", "framework", "competency", "competency_name",
                      "context", "requirements", "met", "short", "levels_short", "held_below", "missing", "expired"]
FIT_CSV_COLUMNS = ["rank", "role", "as_of", "person", "person_name", "unit", "fit", "ready", "holds_role",
                   "framework", "competency", "required", "proficiency", "gap", "status", "criticality"]


def _command_error(exc: Exception) -> CommandError:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return CommandError("; ".join(f"--{field}: {' '.join(messages)}"
                                      for field, messages in exc.message_dict.items()))
    return CommandError(str(exc))


def _text_table(headings: list[str], rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headings)]
    numeric = [all(row[i].replace(".", "", 1).replace("%", "").isdigit() for row in rows) and rows
               for i in range(len(headings))]

    def line(cells: list[str]) -> str:
        return indent + "  ".join(c.rjust(w) if numeric[i] else c.ljust(w)
                                  for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [line(headings), indent + "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


# ---------------------------------------------------------------- organisation and unit gaps

def report_json(report: GapReport) -> str:
    return json.dumps(report.as_dict(), indent=2) + "\n"


def report_csv(report: GapReport) -> str:
    """One long table: a row per competency, then a row per unit (subtree totals)."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(REPORT_CSV_COLUMNS)
    scope, as_of = report.scope_unit or "organisation", report.as_of.isoformat()
    for c in report.competencies:
        writer.writerow(["competency", scope, as_of, "", "", c.framework, c.competency, c.competency_name,
                         c.context or "", c.people_required, c.people_met, c.people_short, c.levels_short,
                         c.held_below, c.missing, c.expired])
    for u in report.units:
        short = u.requirements - u.met
        writer.writerow(["unit", scope, as_of, u.external_id, u.name, "", "", "", "", u.requirements, u.met, short,
                         u.levels_short, short - u.missing - u.expired, u.missing, u.expired])
    return buffer.getvalue()


def report_table(report: GapReport) -> str:
    share = report.met / report.requirements if report.requirements else 1.0
    heading = (f"Gaps for {report.scope_unit or 'the organisation'}, as of {report.as_of.isoformat()}: "
               f"{report.people} people, {report.requirements} requirements, {report.met} met ({share:.0%})")
    out = [heading, ""]
    out.append("Per competency (people short = held below + missing + expired)")
    rows = [[c.framework, c.competency + (f" @{c.context}" if c.context else ""), str(c.people_required),
             str(c.people_short), str(c.levels_short), str(c.held_below), str(c.missing), str(c.expired)]
            for c in report.competencies]
    if rows:
        out += _text_table(["Framework", "Competency", "Required", "Short", "Levels", "Below", "Missing",
                            "Expired"], rows)
    else:
        out.append("  (no requirements in scope)")
    out.append("")
    shown = [u for u in report.units if u.depth <= UNIT_TABLE_DEPTH]
    out.append("Per unit (each with everything below it)")
    if shown:
        out += _text_table(["Unit", "Name", "Requirements", "Met", "Share"],
                           [[u.external_id, "  " * u.depth + u.name, str(u.requirements), str(u.met),
                             f"{u.share_met:.0%}"] for u in shown])
    hidden = len(report.units) - len(shown)
    if hidden:
        out.append(f"  ({hidden} deeper units not shown here: use --format json or csv, or --unit UNIT_ID)")
    return "\n".join(out) + "\n"


REPORT_RENDERERS: dict[str, Callable[[GapReport], str]] = {
    "table": report_table, "json": report_json, "csv": report_csv,
}


def unit_or_org_report(unit_id: str | None, as_of: dt.date | None, output_format: str) -> str:
    """The text `compms gaps --org` (unit_id None) or `--unit UNIT_ID` prints."""
    if output_format not in REPORT_RENDERERS:
        raise CommandError(f"--format: use one of {', '.join(FORMATS)}")
    try:
        report = reports.gap_report(SYSTEM, reports.ReportParams(unit=unit_id, as_of=as_of))
    except (ValidationError, ObjectDoesNotExist) as exc:
        raise _command_error(exc) from None
    return REPORT_RENDERERS[output_format](report)


def org_scope(value: Any, as_of: dt.date | None, output_format: str) -> str:
    """Scope handler for `compms gaps --org`."""
    return unit_or_org_report(None, as_of, output_format)


def unit_scope(unit_id: str, as_of: dt.date | None, output_format: str) -> str:
    """Scope handler for `compms gaps --unit UNIT_ID`."""
    return unit_or_org_report(unit_id, as_of, output_format)


def run_unit_or_org(options: dict[str, Any], stdout: Any) -> bool:
    """For a command that parsed --unit/--org/--as-of/--format: print the report if one of the two
    scopes was given and return True; False leaves the options to other scopes."""
    output_format = options.get("output_format") or options.get("format") or "table"
    if options.get("org"):
        stdout.write(org_scope(True, options.get("as_of"), output_format), ending="")
        return True
    if options.get("unit"):
        stdout.write(unit_scope(options["unit"], options.get("as_of"), output_format), ending="")
        return True
    return False


# ---------------------------------------------------------------- best fit

def fit_json(snapshot: Snapshot, result: BestFit) -> str:
    return json.dumps(result.as_dict(snapshot), indent=2) + "\n"


def fit_csv(snapshot: Snapshot, result: BestFit) -> str:
    """A row per gap of each ranked person (a person with no gap gets one row with empty gap cells)."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(FIT_CSV_COLUMNS)
    role, as_of = snapshot.role_external_id[result.role], result.as_of.isoformat()
    for rank, c in enumerate(result.candidates, start=1):
        head = [rank, role, as_of, c.employee_id, c.name, c.unit, f"{c.fit:.4f}", "yes" if c.ready else "no",
                "yes" if c.holds_role else "no"]
        if not c.gaps:
            writer.writerow(head + [""] * 7)
        for g in c.gaps:
            framework, _, code = g.competency.partition(":")
            writer.writerow(head + [framework, code, g.required, g.proficiency, g.gap, g.status, g.criticality])
    return buffer.getvalue()


def fit_table(snapshot: Snapshot, result: BestFit) -> str:
    heading = (f"Best fit for {snapshot.role_name[result.role]} [{snapshot.role_external_id[result.role]}], "
               f"as of {result.as_of.isoformat()}: top {len(result.candidates)} of {result.considered} people")
    out = [heading, ""]
    rows = [[str(rank), c.employee_id, c.name, c.unit, f"{c.fit:.2f}", "yes" if c.ready else "no",
             "yes" if c.holds_role else "no",
             ", ".join(f"{g.competency} {g.proficiency}/{g.required} {g.status}" for g in c.gaps) or "-"]
            for rank, c in enumerate(result.candidates, start=1)]
    if rows:
        out += _text_table(["#", "Person", "Name", "Unit", "Fit", "Ready", "Holds", "Gaps"], rows)
    else:
        out.append("  (nobody to rank)")
    return "\n".join(out) + "\n"


FIT_RENDERERS: dict[str, Callable[[Snapshot, BestFit], str]] = {
    "table": fit_table, "json": fit_json, "csv": fit_csv,
}


def best_fit_report(role_id: str, top: int, as_of: dt.date | None, output_format: str,
                    exclude_holders: bool = False, unit_id: str | None = None) -> str:
    """The text `compms fit --role ROLE_ID` prints."""
    if output_format not in FIT_RENDERERS:
        raise CommandError(f"--format: use one of {', '.join(FORMATS)}")
    try:
        snapshot, _scope, result = reports.best_fit(SYSTEM, role_id, reports.ReportParams(unit=unit_id, as_of=as_of),
                                            top=top, exclude_holders=exclude_holders)
    except (ValidationError, ObjectDoesNotExist) as exc:
        raise _command_error(exc) from None
    return FIT_RENDERERS[output_format](snapshot, result)

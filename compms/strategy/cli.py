"""`compms gaps --strategy OBJECTIVE` renders through `run_strategy` (the gaps command wires the option).

Formats: `table` (for people), `json` (the API's gap shape) and `csv` (the page's export columns).
"""

from __future__ import annotations

import json
from typing import TextIO

from django.core.management.base import CommandError

from compms.interop.base import write_table
from compms.strategy.analysis import EXPORT_COLUMNS, ObjectiveReport, export_rows, find_objective, objective_gap

FORMATS = ("table", "json", "csv")


def strategy_table(report: ObjectiveReport) -> str:
    objective = report.objective
    heading = (f"{objective.code}: {objective.title} ({objective.get_status_display().lower()}, "
               f"due {objective.due_date.isoformat()}), as of {report.as_of.isoformat()}")
    out = [heading]
    if not report.targets:
        out.append("No targets yet.")
        return "\n".join(out) + "\n"
    headings = ["Target", "Competency", "Context", "Level", "Scope", "Due", "Demand", "Today", "Supply", "Gap",
                "Pipeline"]
    cells = [[str(t.target_id), f"{t.framework}/{t.competency}", t.context or "", str(t.level), t.scope,
              t.due_date.isoformat(), str(t.headcount), str(t.supply_today), str(t.supply), str(t.gap),
              str(t.pipeline)] for t in report.targets]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headings)]
    out.append("")
    out.append("  ".join(h.ljust(w) for h, w in zip(headings, widths, strict=True)).rstrip())
    out.append("  ".join("-" * w for w in widths))
    out.extend("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells)
    out.append("")
    out.append("Supply counts people who hold the level today and, without new evidence, still will on the due "
               "date. Coverage over time (supply at each point):")
    for t in report.targets:
        series = ", ".join(f"{day.isoformat()} {supply}" for day, supply in t.coverage)
        out.append(f"  target {t.target_id}: {series}")
    return "\n".join(out) + "\n"


def strategy_json(report: ObjectiveReport) -> str:
    return json.dumps(report.as_dict(), indent=2) + "\n"


def strategy_csv(report: ObjectiveReport) -> str:
    return write_table(EXPORT_COLUMNS, export_rows(report), "csv").decode("utf-8")


RENDERERS = {"table": strategy_table, "json": strategy_json, "csv": strategy_csv}


def run_strategy(objective_code_or_id: str | int, fmt: str, stdout: TextIO) -> None:
    """Write the strategic gap of one objective (by code, or by id) to `stdout` in `fmt`."""
    if fmt not in RENDERERS:
        raise CommandError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    objective = find_objective(objective_code_or_id)
    if objective is None:
        raise CommandError(f"--strategy: no objective with code or id {str(objective_code_or_id)!r}")
    stdout.write(RENDERERS[fmt](objective_gap(objective)))

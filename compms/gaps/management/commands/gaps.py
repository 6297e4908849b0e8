"""`compms gaps --person EMPLOYEE_ID | --unit UNIT_ID | --org | --strategy OBJECTIVE
[--as-of YYYY-MM-DD] [--format table|json|csv]`

Prints requirement gaps: a person's against each role they hold, a unit's or the organisation's
aggregated per competency and per unit, or a strategic objective's supply against its targets. The command only
parses options, calls the service and renders; other scopes (a unit, the organisation, a strategy) are added as
another option in the `scope` group plus an entry in `Command.scopes`, each returning something
with its own renderers, so `--as-of` and `--format` mean the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compms.evidence.gaps import PersonGaps, person_gaps
from compms.gaps.cli import org_scope, unit_scope
from compms.interop.base import SafeCsvWriter
from compms.organisation.models import Person

FORMATS = ("table", "json", "csv")
PERSON_CSV_COLUMNS = ["person", "as_of", "role", "fit", "ready", "framework", "competency", "context",
                      "required", "proficiency", "gap", "status", "criticality", "verified", "source",
                      "valid_until"]


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of: {text!r} is not a date (use YYYY-MM-DD)") from None


# ---------------------------------------------------------------- renderers for one person

def person_json(report: PersonGaps) -> str:
    return json.dumps(report.as_dict(), indent=2)


def person_csv(report: PersonGaps) -> str:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(PERSON_CSV_COLUMNS)
    for role in report.roles:
        for line in role.requirements:
            writer.writerow([report.person, report.as_of.isoformat(), role.role, f"{role.fit:.4f}",
                             "yes" if role.ready else "no", line.framework, line.competency, line.context or "",
                             line.required, line.proficiency, line.gap, line.status, line.criticality,
                             "yes" if line.verified else "no", line.source or "",
                             line.valid_until.isoformat() if line.valid_until else ""])
    return buffer.getvalue()


def person_table(report: PersonGaps) -> str:
    out = [f"{report.person_name} ({report.person}), as of {report.as_of.isoformat()}"]
    if not report.roles:
        out.append("Holds no position, so no role requirements to measure against.")
    headings = ["Framework", "Competency", "Context", "Crit.", "Req", "Has", "Gap", "Status", "Verified",
                "Source", "Valid until"]
    for role in report.roles:
        out.append("")
        out.append(f"{role.role_name} [{role.role}]: fit {role.fit:.2f}, {'ready' if role.ready else 'not ready'}")
        if not role.requirements:
            out.append("  (this role lists no requirements)")
            continue
        cells = [[line.framework, line.competency, line.context or "", line.criticality, str(line.required),
                  str(line.proficiency), str(line.gap), line.status, "yes" if line.verified else "no",
                  line.source or "", line.valid_until.isoformat() if line.valid_until else ""]
                 for line in role.requirements]
        widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headings)]
        out.append("  " + "  ".join(h.ljust(w) for h, w in zip(headings, widths)).rstrip())
        out.append("  " + "  ".join("-" * w for w in widths))
        for row in cells:
            out.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(out) + "\n"


PERSON_RENDERERS: dict[str, Callable[[PersonGaps], str]] = {
    "table": person_table, "json": person_json, "csv": person_csv,
}


class Command(BaseCommand):
    help = ("Show requirement gaps: one person against their role(s) (--person), a unit subtree (--unit), "
            "the whole organisation (--org), or a strategic objective (--strategy).")

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--person", metavar="EMPLOYEE_ID", help="one person's gaps against their role(s)")
        scope.add_argument("--unit", metavar="UNIT_ID", help="a unit and everything below it")
        scope.add_argument("--org", action="store_const", const=True, help="the whole organisation")
        scope.add_argument("--strategy", metavar="OBJECTIVE", help="a strategic objective, by code or id")
        parser.add_argument("--as-of", type=iso_date, default=None, metavar="YYYY-MM-DD",
                            help="the date to measure on (default: today)")
        parser.add_argument("--format", choices=FORMATS, default="table", dest="output_format")

    @property
    def scopes(self) -> dict[str, Callable[[Any, dt.date | None, str], str]]:
        """Scope option name -> handler(value, as_of, format) returning the text to print."""
        return {"person": self.person_scope, "unit": unit_scope, "org": org_scope,
                "strategy": self.strategy_scope}

    def handle(self, *args: Any, **options: Any) -> None:
        for name, handler in self.scopes.items():
            value = options.get(name)
            if value is not None:
                self.stdout.write(handler(value, options["as_of"], options["output_format"]), ending="")
                return
        raise CommandError("name what to report on, e.g. --person EMPLOYEE_ID")

    def strategy_scope(self, objective: str, as_of: dt.date | None, output_format: str) -> str:
        from compms.strategy.cli import run_strategy

        if as_of is not None:
            raise CommandError("--as-of: a strategic gap is measured from today to each target's due date")
        buffer = io.StringIO()
        run_strategy(objective, output_format, buffer)
        return buffer.getvalue()

    def person_scope(self, employee_id: str, as_of: dt.date | None, output_format: str) -> str:
        person = Person.objects.filter(employee_id=employee_id).first()
        if person is None:
            raise CommandError(f"--person: no person with employee_id {employee_id!r}")
        return PERSON_RENDERERS[output_format](person_gaps(person, as_of))

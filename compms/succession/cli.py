"""Renderers for `compms successors`, `compms bench-strength` and `compms careers` (table or json).

The commands are trusted internal callers (like the demo, as `compms.access.SYSTEM`): they see everyone,
as HR would. Run with `--user NAME` they see what that user sees on the pages: a manager's team only,
holders and risk of loss outside it withheld.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.core.management.base import CommandError, CommandParser

FORMATS = ("table", "json")


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise CommandError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")


def add_user_argument(parser: CommandParser) -> None:
    parser.add_argument("--user", default=None, help="Answer as this user would see it (default: everything)")


def actor_for(username: str | None) -> Any:
    """The system actor, or the named active user (who must be allowed to read succession plans)."""
    from compms.access import SYSTEM
    from compms.accounts.models import User
    from compms.succession import access

    if username is None:
        return SYSTEM
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--user: no active user {username!r}")
    if not access.can_see_succession(user):
        raise CommandError(f"--user: {username} may not read succession plans (HR and managers only)")
    return user


def risk_text(report: Any) -> str:
    return report.risk_of_loss if report.risk_of_loss is not None else "withheld"


def holder_text(report: Any) -> str:
    if not report.in_scope:
        return "withheld"
    return ", ".join(report.holders) or "vacant"


def table(headings: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headings)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headings, widths)).rstrip(), "  ".join("-" * w for w in widths)]
    out.extend("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)
    return "\n".join(out)


def as_json(data: Any) -> str:
    return json.dumps(data, indent=2) + "\n"


def successors_table(report: Any) -> str:
    kp = report.key_position
    head = (f"{kp} — risk {risk_text(report)}, impact {kp.impact}; holder: {holder_text(report)}; "
            f"as of {report.as_of.isoformat()}\n"
            f"Bench: ready now {report.bench.ready_now}, 1-2 years {report.bench.ready_soon}, "
            f"3+ years {report.bench.ready_later}"
            + ("  [FLAGGED: no ready successor]" if report.bench.flagged else ""))
    rows = [[s.employee_id, s.name, f"{s.fit:.3f}", s.readiness + (" (override)" if s.override else ""),
             f"{s.months_to_ready:.1f}", "yes" if s.nominated else "",
             "; ".join(f"{g.competency} {g.proficiency}->{g.required} {g.status}" for g in s.gaps)]
            for s in report.successors]
    body = table(["Person", "Name", "Fit", "Readiness", "Months", "Nominated", "Gaps"], rows) if rows else \
        "No successors above the threshold and none nominated."
    cover = ", ".join(f"{s.name} ({s.fit:.2f})" for s in report.emergency_cover) or "nobody"
    return f"{head}\n\n{body}\n\nEmergency cover: {cover}\n"


def bench_table(report: Any) -> str:
    rows = [[r.key_position.pk, str(r.key_position), holder_text(r), risk_text(r),
             r.key_position.impact, r.bench.ready_now, r.bench.ready_soon, r.bench.ready_later, r.bench.strength,
             "FLAG" if r.bench.flagged else "", ", ".join(r.emergency_cover)] for r in report.positions]
    comps = [[c.label, c.name, c.required, c.key_positions, c.ready_now, c.ready_soon] for c in report.competencies]
    return (f"Bench strength as of {report.as_of.isoformat()}\n\n"
            + table(["Id", "Key position", "Holder", "Risk", "Impact", "Now", "1-2y", "3+y", "Strength", "Flag",
                     "Emergency cover"], rows)
            + "\n\nCritical competencies (essential in a key role)\n\n"
            + table(["Competency", "Name", "Level", "Key roles", "Hold it", "One short"], comps) + "\n")


def careers_table(report: Any) -> str:
    head = (f"{report.person_name} ({report.person}), now: {', '.join(report.current_roles) or 'no role'}; "
            f"as of {report.as_of.isoformat()}")
    rows = [[o.role, o.role_name, f"{o.score:.3f}", f"{o.similarity:.3f}", f"{o.fit:.3f}", o.readiness,
             f"{o.hours_to_ready:.0f}", ", ".join(o.openings),
             "; ".join(f"{g.competency} {g.proficiency}->{g.required}" for g in o.gaps)] for o in report.options]
    body = table(["Role", "Name", "Score", "Similarity", "Fit", "Readiness", "Hours", "Openings", "Gaps"], rows) \
        if rows else "No other roles to move to."
    return f"{head}\n\n{body}\n"

"""`compms fit --role ROLE_ID [--top N] [--as-of YYYY-MM-DD] [--unit UNIT_ID] [--exclude-holders]
[--format table|json|csv]`: the people who best fit a role, ranked, with their gaps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compms.gaps.cli import FORMATS, best_fit_report


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of: {text!r} is not a date (use YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Rank the people who best fit a role (fit against its whole profile), with their gaps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", required=True, metavar="ROLE_ID", help="the role's id (role_id in imports)")
        parser.add_argument("--top", type=int, default=10, help="how many people to list (default 10)")
        parser.add_argument("--as-of", type=iso_date, default=None, metavar="YYYY-MM-DD",
                            help="the date to measure on (default: today)")
        parser.add_argument("--unit", default=None, metavar="UNIT_ID", help="only people in this unit's subtree")
        parser.add_argument("--exclude-holders", action="store_true",
                            help="leave out people who already hold the role")
        parser.add_argument("--format", choices=FORMATS, default="table", dest="output_format")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(best_fit_report(options["role"], options["top"], options["as_of"],
                                          options["output_format"], exclude_holders=options["exclude_holders"],
                                          unit_id=options["unit"]), ending="")

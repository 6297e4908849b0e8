"""`compms authorisations check --person EMPLOYEE_ID --authorisation CODE [--as-of YYYY-MM-DD] [--format json]`
`compms authorisations refresh [--as-of YYYY-MM-DD]`

`check` answers "may this person do this today?" with the same read as the API
(`GET /api/v1/authorisations/check`). `refresh` writes the automatic suspensions and reinstatements of
the day into each grant's history (the check does not need it: it computes the answer on read).
Runs as the system actor."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError, CommandParser

from compms.access import SYSTEM
from compms.authorisations import queries, services


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of: {text!r} is not a date (use YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Authorisations to work: check whether a person may do something today; refresh the history."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="May this person do this today (or on --as-of)?")
        check.add_argument("--person", metavar="EMPLOYEE_ID", required=True)
        check.add_argument("--authorisation", metavar="CODE", required=True)
        check.add_argument("--as-of", type=iso_date, default=None)
        check.add_argument("--format", choices=["text", "json"], default="text")
        refresh = actions.add_parser("refresh", help="Record the day's automatic suspensions and reinstatements")
        refresh.add_argument("--as-of", type=iso_date, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "refresh":
            written = services.refresh(SYSTEM, options["as_of"])
            self.stdout.write(f"{written} automatic suspension(s) or reinstatement(s) recorded.")
            return
        try:
            answer = queries.check(SYSTEM, options["person"], options["authorisation"], options["as_of"])
        except ObjectDoesNotExist as exc:
            raise CommandError(str(exc)) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(answer, ensure_ascii=False))
            return
        if answer["authorised"]:
            until = f" until {answer['valid_until']}" if answer["valid_until"] else ""
            self.stdout.write(f"Authorised{until}.")
        else:
            self.stdout.write("Not authorised:")
            for reason in answer["reasons"]:
                self.stdout.write(f"  - {reason['message']}")

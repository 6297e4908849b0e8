"""`compms privacy anonymise --due [--dry-run] [--today YYYY-MM-DD]`
`compms privacy anonymise --person EMPLOYEE_ID [--reason TEXT] [--dry-run]`
`compms privacy export --person EMPLOYEE_ID`

Anonymise leavers whose retention period (COMPMS_RETENTION_YEARS after left_on) has ended: `--due` is the
nightly run, `--dry-run` lists who would be anonymised and why and changes nothing. A single person before
the period ends needs `--reason`. `export` prints a person's subject-access export as JSON. Runs as the
system actor; every anonymisation and export writes an audit record."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from compms.access import SYSTEM
from compms.evidence import proficiency as prof
from compms.organisation.models import Person
from compms.privacy import services


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today: {text!r} is not a date (use YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Personal data: anonymise leavers past the retention period, or export a person's data."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        anonymise = actions.add_parser("anonymise", help="Anonymise leavers (see --due, --person)")
        which = anonymise.add_mutually_exclusive_group(required=True)
        which.add_argument("--due", action="store_true", help="Every leaver past the retention period")
        which.add_argument("--person", metavar="EMPLOYEE_ID", help="One leaver")
        anonymise.add_argument("--dry-run", action="store_true", help="List who would be anonymised; change nothing")
        anonymise.add_argument("--reason", default="", help="Why a person is anonymised before the period ends")
        anonymise.add_argument("--today", type=iso_date, default=None, help="Count the period up to this date")
        export = actions.add_parser("export", help="Print a person's subject-access export (JSON)")
        export.add_argument("--person", metavar="EMPLOYEE_ID", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            data = services.export_person_data(self._person(options["person"]), SYSTEM)
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder))
            return
        today = options["today"] or prof.today()
        if options["due"]:
            people = list(services.due_for_anonymisation(today))
        else:
            person = self._person(options["person"])
            try:
                if not hasattr(person, "anonymisation"):
                    services.check_anonymisable(person, today, early_reason=options["reason"])
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
            people = [] if hasattr(person, "anonymisation") else [person]
        years = services.retention_years()
        failed = 0
        for person in people:
            ends = services.retention_ends(person)
            why = (f"left {person.left_on.isoformat()}, retention ({years} years) ended {ends.isoformat()}"
                   if ends and ends <= today else f"left {person.left_on}, early: {options['reason']}")
            if options["dry_run"]:
                self.stdout.write(f"would anonymise {person.employee_id} {person.name}: {why}")
                continue
            try:
                # Each person in their own transaction: one failure leaves the others anonymised.
                done = services.anonymise_person(person, SYSTEM, today=today, early_reason=options["reason"])
            except Exception as exc:  # reported and counted; the nightly run goes on with the next person
                failed += 1
                self.stderr.write(f"person #{person.pk} not anonymised: {exc}")
                continue
            # The old name is not written to the job's log: the person is named by record number and pseudonym.
            self.stdout.write(f"anonymised person #{person.pk} as {done.person.name}: {why}")
        summary = "would be anonymised" if options["dry_run"] else "anonymised"
        count = len(people) - failed
        self.stdout.write(f"{count} {'person' if count == 1 else 'people'} {summary}.")
        if failed:
            raise CommandError(f"{failed} could not be anonymised (see above).")

    def _person(self, employee_id: str) -> Person:
        person = Person.objects.select_related("user").filter(employee_id=employee_id).first()
        if person is None:
            raise CommandError(f"--person: no person with employee id {employee_id!r}")
        return person

"""`compms careers --person EMPLOYEE_ID [--top N] [--role ROLE_ID] [--format table|json]`"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compms.organisation.models import Person, Role
from compms.succession import analysis, cli


class Command(BaseCommand):
    help = "Roles a person could move to, ranked by profile similarity and fit, with gaps and development."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--person", required=True, help="Employee id")
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--role", default=None, help="Only this role (what do I need for role X)")
        parser.add_argument("--format", default="table", choices=cli.FORMATS)
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(employee_id=options["person"]).first()
        if person is None:
            raise CommandError(f"--person: no person with employee id {options['person']!r}")
        only_role = None
        if options["role"]:
            role = Role.objects.filter(external_id=options["role"]).first()
            if role is None:
                raise CommandError(f"--role: no role {options['role']!r}")
            only_role = role.pk
        report = analysis.careers(person.pk, options["as_of"], top=options["top"], only_role=only_role)
        self.stdout.write(cli.as_json(report.as_dict()) if options["format"] == "json" else cli.careers_table(report),
                          ending="")

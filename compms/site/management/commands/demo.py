from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from compms.site import demo


class Command(BaseCommand):
    help = "Build the demo: users, competency dictionaries, organisation, roles and evidence."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--employees", type=int, default=demo.DEFAULT_EMPLOYEES)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help="do nothing if a demo is already there")

    def handle(self, *args, employees: int, seed: int, if_empty: bool, **options) -> None:
        if employees < demo.MIN_EMPLOYEES:
            raise CommandError(f"--employees must be at least {demo.MIN_EMPLOYEES}.")
        if if_empty and demo.already_built():
            self.stdout.write("Demo data already present; leaving it as it is.")
            return
        started = time.perf_counter()
        summary = demo.build(employees=employees, seed=seed, progress=self.stdout.write)
        elapsed = time.perf_counter() - started
        for line in summary:
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(f"Demo built in {elapsed:.1f} s."))

"""`compms bench [--employees N] [--seed S] [--repeat R]`: time gap analysis on the demo against
plain SQL. Builds the demo (and its evidence) first if the database has none. `--xapi N` and
`--authorisations [--checks N]` time only those parts instead. Figures for both databases are kept in
docs/performance.md."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compms.gaps import bench
from compms.site.demo import DEFAULT_EMPLOYEES


class Command(BaseCommand):
    help = "Benchmark gap analysis (person, unit, organisation, best fit) against plain SQL GROUP BY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--employees", type=int, default=DEFAULT_EMPLOYEES,
                            help="demo size to build when no demo is present (40000 for the published figures)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the median is printed")
        parser.add_argument("--import-evidence", action="store_true",
                            help="finally, also time `compms import evidence` of a generated history file "
                                 "(adds its rows to the database)")
        parser.add_argument("--xapi", type=int, metavar="STATEMENTS", action="append", default=[],
                            help="only time storing one xAPI batch of this many statements (repeatable; "
                                 "rolled back afterwards, no demo needed)")
        parser.add_argument("--authorisations", action="store_true",
                            help="only time the authorisation check on the people in the database (bench "
                                 "authorisations and grants made if absent, rolled back afterwards)")
        parser.add_argument("--checks", type=int, default=200,
                            help="with --authorisations: timed checks per line, each for a different person")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["authorisations"]:
            from compms.authorisations import bench as authorisations_bench

            try:
                authorisations_bench.run_authorisations(self.stdout.write, checks=options["checks"],
                                                        seed=options["seed"])
            except ValueError as refused:
                raise CommandError(str(refused)) from refused
            return
        if options["xapi"]:
            from compms.training import bench as xapi_bench

            for count in options["xapi"]:
                xapi_bench.run_xapi(count, self.stdout.write)
            return
        self.stdout.write(bench.HEADER)
        bench.run(options["employees"], options["seed"], options["repeat"], self.stdout.write,
                  import_evidence=options["import_evidence"])

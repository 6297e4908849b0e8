"""`compms bench-strength [--format table|json] [--as-of YYYY-MM-DD]`"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from compms.succession import analysis, cli
from compms.succession.models import KeyPosition


class Command(BaseCommand):
    help = "Bench strength per key position and per critical competency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", default="table", choices=cli.FORMATS)
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        report = analysis.bench_strength(KeyPosition.objects.select_related("role", "unit", "position"),
                                         options["as_of"])
        self.stdout.write(cli.as_json(report.as_dict()) if options["format"] == "json" else cli.bench_table(report),
                          ending="")

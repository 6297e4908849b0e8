"""`compms bench-strength [--format table|json] [--as-of YYYY-MM-DD] [--user NAME]`"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from compms.gaps.loader import load_snapshot
from compms.succession import access, analysis, cli
from compms.succession.models import KeyPosition


class Command(BaseCommand):
    help = "Bench strength per key position and per critical competency."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", default="table", choices=cli.FORMATS)
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        cli.add_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = cli.actor_for(options["user"])
        keys = list(KeyPosition.objects.select_related("role", "unit", "position"))
        report = analysis.bench_strength(keys, options["as_of"], visible=access.visible_indices(actor, load_snapshot()),
                                         in_scope=access.key_positions_in_scope(actor, keys))
        self.stdout.write(cli.as_json(report.as_dict()) if options["format"] == "json" else cli.bench_table(report),
                          ending="")

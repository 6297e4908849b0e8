"""`compms successors --position POSITION_ID [--format table|json] [--top N] [--as-of YYYY-MM-DD] [--user NAME]`"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compms.gaps.loader import load_snapshot
from compms.succession import access, analysis, cli
from compms.succession.models import KeyPosition


class Command(BaseCommand):
    help = "Successors of a key position with readiness, fit and gaps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--position", required=True,
                            help="The key position: a position id (external id) or the key position number")
        parser.add_argument("--format", default="table", choices=cli.FORMATS)
        parser.add_argument("--top", type=int, default=analysis.DEFAULT_TOP)
        parser.add_argument("--threshold", type=float, default=analysis.DEFAULT_THRESHOLD)
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        cli.add_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = cli.actor_for(options["user"])
        wanted = options["position"]
        keys = KeyPosition.objects.select_related("role", "unit", "position")
        key = keys.filter(position__external_id=wanted).first()
        if key is None and wanted.isdecimal():
            key = keys.filter(pk=int(wanted)).first()
        if key is None:
            raise CommandError(f"--position: no key position {wanted!r} (mark it as key first)")
        scope = access.key_positions_in_scope(actor, [key])
        report = analysis.successors(key, options["as_of"], threshold=options["threshold"], top=options["top"],
                                     visible=access.visible_indices(actor, load_snapshot()),
                                     in_scope=scope is None or key.pk in scope)
        rendered = cli.as_json(report.as_dict()) if options["format"] == "json" else cli.successors_table(report)
        self.stdout.write(rendered, ending="")

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from compms.access import SYSTEM
from compms.interop.base import exporters


class Command(BaseCommand):
    help = "Export: compms export FORMAT [TARGET] [-o FILE] (to standard output without -o)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="format", required=True, metavar="FORMAT")
        for fmt in exporters().values():
            p = sub.add_parser(fmt.name, help=fmt.help)
            if fmt.needs_target:
                p.add_argument("target", help=fmt.target_help)
            p.add_argument("-o", "--output", default=None)
            for flag, kwargs in fmt.options:
                p.add_argument(flag, **kwargs)

    def handle(self, *args, format: str, output: str | None, **options) -> None:
        fmt = exporters()[format]
        target = options.pop("target", None)
        try:
            content, filename, _content_type = fmt.run(target, SYSTEM, options)
        except ObjectDoesNotExist as exc:
            raise CommandError(str(exc)) from None
        if output:
            Path(output).write_bytes(content)
            self.stderr.write(f"wrote {output} ({len(content)} bytes)")
        else:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from compms.access import SYSTEM
from compms.interop.base import ImportFailed, importers


class Command(BaseCommand):
    help = "Import a file: compms import FORMAT FILE (all-or-nothing; errors name the row or item)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="format", required=True, metavar="FORMAT")
        for fmt in importers().values():
            p = sub.add_parser(fmt.name, help=fmt.help)
            p.add_argument("file")
            p.add_argument("--as-user", default=None, help="user name recorded as the importer")
            for flag, kwargs in fmt.options:
                p.add_argument(flag, **kwargs)

    def handle(self, *args, format: str, file: str, as_user: str | None, **options) -> None:
        from compms.accounts.models import User

        fmt = importers()[format]
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        actor: Any = SYSTEM
        if as_user:
            actor = User.objects.filter(username=as_user).first()
            if actor is None:
                raise CommandError(f"--as-user: no user named {as_user!r}")
        try:
            result = fmt.run(path, actor, options)
        except ImportFailed as failure:
            for error in failure.errors[:200]:
                self.stderr.write(f"{path.name}: {error}")
            if len(failure.errors) > 200:
                self.stderr.write(f"… and {len(failure.errors) - 200} more errors")
            raise CommandError(f"import refused: {len(failure.errors)} error(s); nothing was stored") from None
        for line in result.summary:
            self.stdout.write(line)

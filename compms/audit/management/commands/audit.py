from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from compms.audit.services import verify_chain


class Command(BaseCommand):
    help = ("Check the audit trail: `compms audit verify` walks the hash chain and reports the first broken "
            "link (exit code 1 when the chain is broken).")

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="walk the whole chain and report the first entry that does not hold")
        verify.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args, action: str, **options) -> None:
        if action == "verify":
            started = time.monotonic()
            result = verify_chain(using=options["database"])
            if not result.intact:
                raise CommandError(str(result), returncode=1)
            self.stdout.write(f"{result} ({time.monotonic() - started:.1f} s)")

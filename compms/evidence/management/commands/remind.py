"""compms remind [--days N] [--audits]: e-mail people (and their managers) about competence that
lapses within N days; with --audits, also remind people of open competency-audit tasks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from compms.campaigns.reminders import send_expiry_reminders


class Command(BaseCommand):
    help = "Send reminder e-mails about expiring competence (and, with --audits, open audit tasks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="Look this many days ahead (default 30).")
        parser.add_argument("--audits", action="store_true",
                            help="Also remind people and managers of open competency-audit tasks.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 1:
            self.stderr.write("--days must be at least 1.")
            raise SystemExit(2)
        sent = send_expiry_reminders(days)
        self.stdout.write(f"Sent {sent} expiry reminder(s) for competence lapsing within {days} days.")
        if options["audits"]:
            from compms.campaigns.services import send_audit_reminders

            sent = send_audit_reminders()
            self.stdout.write(f"Sent {sent} audit reminder(s).")

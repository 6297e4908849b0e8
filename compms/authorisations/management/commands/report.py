"""`compms report assurance [--unit UNIT_ID] [--authorisation CODE] [--as-of YYYY-MM-DD] -o FILE.html|FILE.pdf`

Writes the assurance report (see `compms.authorisations.report`) for everyone in scope. The file's
extension chooses the format; PDF needs Chromium (COMPMS_CHROMIUM, default /usr/bin/chromium) and the
command says so when it is missing. Runs as the system actor: the whole organisation is in scope."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from compms.access import SYSTEM
from compms.authorisations import report
from compms.organisation.jobdescription import PdfUnavailable


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of: {text!r} is not a date (use YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Reports for a regulator: who is competent, on what evidence (assurance)."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        assurance = kinds.add_parser("assurance", help="Essential competencies and authorisations per person")
        assurance.add_argument("--unit", metavar="UNIT_ID", help="A unit's external id: it and the units below")
        assurance.add_argument("--authorisation", metavar="CODE", help="Only the holders of this authorisation")
        assurance.add_argument("--as-of", type=iso_date, default=None, help="The day reported on (default today)")
        assurance.add_argument("-o", "--output", metavar="FILE", required=True, help="FILE.html or FILE.pdf")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["output"])
        suffix = target.suffix.lower()
        if suffix not in (".html", ".pdf"):
            raise CommandError(f"-o: {target.name!r} must end in .html or .pdf")
        try:
            built = report.assurance_report(SYSTEM, unit=report.find_unit(options["unit"]),
                                            authorisation=report.find_authorisation(options["authorisation"]),
                                            as_of=options["as_of"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"--{field}: {' '.join(msgs)}"
                                         for field, msgs in exc.message_dict.items())) from None
        if suffix == ".pdf":
            try:
                target.write_bytes(report.render_report_pdf(built))
            except PdfUnavailable as exc:
                raise CommandError(f"No PDF written: {exc} The .html output works without it.") from None
        else:
            target.write_text(report.render_html(built), encoding="utf-8")
        self.stdout.write(f"Assurance report as of {built.as_of.isoformat()} for {len(built.people)} "
                          f"people written to {target}.")

"""`compms plan --unit UNIT_ID|--org --budget B [--hours-per-person H] [--format table|json]`."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from compms.core.optimiser import DEFAULT_TIME_LIMIT
from compms.development.optimise import plan_training
from compms.organisation.models import Unit


class Command(BaseCommand):
    help = "Choose the enrolments that close the most weighted gap within a budget (training optimiser)."

    def add_arguments(self, parser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--unit", help="unit external id (its whole subtree is planned)")
        scope.add_argument("--org", action="store_true", help="the whole organisation")
        parser.add_argument("--budget", type=float, required=True)
        parser.add_argument("--hours-per-person", type=float, default=None, dest="hours_per_person")
        parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, dest="time_limit")
        parser.add_argument("--format", choices=["table", "json"], default="table", dest="output_format")
        parser.add_argument("--limit", type=int, default=50, help="enrolment lines shown in table format")

    def handle(self, *args, unit: str | None, org: bool, budget: float, hours_per_person: float | None,
               time_limit: float, output_format: str, limit: int, **options) -> None:
        unit_pk = None
        label = "organisation"
        if unit:
            found = Unit.objects.filter(external_id=unit).first()
            if found is None:
                raise CommandError(f"no unit {unit!r}")
            unit_pk, label = found.pk, f"{found.external_id} {found.name}"
        try:
            report = plan_training(unit_pk=unit_pk, budget=budget, hours_per_person=hours_per_person,
                                   time_limit=time_limit, scope_label=label)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if output_format == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=1))
            return
        out = self.stdout.write
        out(f"Training plan for {report.scope}: budget {report.budget:,.2f}"
            + (f", at most {report.hours_per_person:g} h per person" if report.hours_per_person else ""))
        out(f"{len(report.enrolments)} enrolments, total cost {report.total_cost:,.2f}")
        bound = f"{report.upper_bound:,.1f}" if report.upper_bound != float("inf") else "unknown"
        out(f"Weighted gap closed {report.gap_closed:,.0f} of {report.weighted_gap:,.0f} "
            f"(upper bound {bound}; optimality gap {report.optimality_gap:.2%}; {report.status})")
        out(f"One more unit of budget closes about {report.budget_shadow_price:.4f} weighted levels "
            "(dual price of the budget in the relaxation that gives the bound)")
        for e in report.enrolments[:limit]:
            out(f"  {e.employee_id:<12} {e.person_name[:30]:<30} {e.resource_code:<14} {e.resource_title[:40]:<40} "
                f"{e.cost:>10,.2f} {e.hours:>6g} h")
        if len(report.enrolments) > limit:
            out(f"  … and {len(report.enrolments) - limit} more (use --format json for all)")
        stats = report.stats
        out(f"Model: {stats.get('candidate_pairs', 0):.0f} candidate pairs, {stats.get('classes', 0):.0f} classes of "
            f"identical people, {stats.get('integer_variables', 0):.0f} integer variables; "
            f"optimiser {stats.get('total_seconds', 0):.1f} s")

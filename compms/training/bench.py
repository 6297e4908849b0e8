"""`compms bench --xapi N`: how fast one batch of N xAPI statements is stored.

A small organisation of its own (a published framework, a course mapped to an xAPI activity and
`people` learners) and a generated batch: one statement in three an attempt (not a completion), one
in ten by an address nobody has, the rest completions that become training evidence. Everything runs
in one transaction that is rolled back at the end, so the database is left as it was. The figure is
printed with the machine's load average beside it (on a shared machine it explains slow runs).
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from compms.access import SYSTEM

BENCH_ACTIVITY = "https://lms.example.com/courses/bench-xapi"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"


@dataclass(frozen=True)
class XapiBenchResult:
    statements: int
    seconds: float
    evidence: int
    load_average: tuple[float, float, float]

    @property
    def per_second(self) -> float:
        return self.statements / self.seconds if self.seconds else 0.0

    def render(self) -> str:
        one, five, fifteen = self.load_average
        return (f"xAPI batch of {self.statements:,} statements: {self.seconds:.2f} s, "
                f"{self.per_second:,.0f} statements/s, {self.evidence:,} evidence records "
                f"(load average {one:.2f} {five:.2f} {fifteen:.2f})")


def generated_statements(count: int, emails: list[str], activity: str = BENCH_ACTIVITY) -> list[dict[str, Any]]:
    """`count` statements spread over the learners' addresses, deterministic for a count."""
    statements = []
    for n in range(count):
        address = f"mailto:nobody{n}@example.com" if n % 10 == 9 else f"mailto:{emails[n % len(emails)]}"
        statements.append({
            "id": str(uuid.UUID(int=n + 1)), "actor": {"objectType": "Agent", "mbox": address},
            "verb": {"id": ATTEMPTED if n % 3 == 2 else COMPLETED},
            "object": {"objectType": "Activity", "id": activity},
            "timestamp": (dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=n)).isoformat()})
    return statements


def _bench_learners(people: int) -> list[str]:
    from compms.development.models import Resource, ResourceOutcome
    from compms.frameworks import services as frameworks
    from compms.organisation.models import Person, Unit
    from compms.training.models import XapiActivity

    version = frameworks.create_framework(code="XAPI-BENCH", name="xAPI bench", actor=SYSTEM)
    competency = frameworks.create_competency(version, SYSTEM, code="XB", name="xAPI bench skill")
    frameworks.publish(version, SYSTEM)
    unit = Unit.objects.create(external_id="XAPI-BENCH", name="xAPI bench", path="/")
    unit.path = f"/{unit.pk}/"
    unit.save(update_fields=["path"])
    course = Resource.objects.create(resource_id="XAPI-BENCH", title="xAPI bench course", validity_months=24)
    ResourceOutcome.objects.create(resource=course, competency=competency, competency_uuid=competency.uuid,
                                   entry_level=1, exit_level=3)
    XapiActivity.objects.create(activity_id=BENCH_ACTIVITY, resource=course)
    emails = [f"xapi-bench-{n}@example.com" for n in range(people)]
    Person.objects.bulk_create([Person(employee_id=f"XAPI-BENCH-{n}", name=f"Bench learner {n}", unit=unit,
                                       email=email) for n, email in enumerate(emails)])
    return emails


class _RollBack(Exception):
    pass


def run_xapi(count: int, write: Callable[[str], Any], *, people: int = 200) -> XapiBenchResult:
    """Store one generated batch of `count` statements, print and return the figure; nothing stays."""
    from compms.evidence.models import Evidence
    from compms.training import services

    result: XapiBenchResult | None = None
    try:
        with transaction.atomic():
            statements = generated_statements(count, _bench_learners(people))
            before = Evidence.objects.count()
            started = time.perf_counter()
            services.store_statements(SYSTEM, statements)
            seconds = time.perf_counter() - started
            result = XapiBenchResult(statements=count, seconds=seconds, evidence=Evidence.objects.count() - before,
                                     load_average=os.getloadavg())
            raise _RollBack
    except _RollBack:
        pass
    assert result is not None
    write(result.render())
    return result

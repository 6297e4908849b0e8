"""`compms bench --authorisations` on the evidence tests' small organisation: it runs, prints every figure
with the load average beside it, costs the check's pinned number of queries, and leaves nothing behind.
No timing is asserted (that would flake on a shared machine)."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from compms.audit.models import AuditEntry
from compms.authorisations import bench
from compms.authorisations.models import Authorisation, Grant, GrantEvent

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)
D = dt.date
FIGURES = re.compile(r"^(?P<label>.+?)\s+(?:\d+\.\d\d\s+){4}\s*(?P<load>\d+\.\d\d \d+\.\d\d \d+\.\d\d)\b")


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


@pytest.fixture
def competent_team(org, add) -> None:
    """Four people hold P and Q at 3, verified; Hana only claims P (self-assessment)."""
    for who in (org.kim, org.lee, org.olu, org.mo):
        add(who, org.p, 3, "certificate", D(2026, 1, 10), valid_until=D(2027, 1, 9))
        add(who, org.q, 3, "test", D(2026, 2, 1))
    add(org.hana, org.p, 4, "self", D(2026, 2, 1))


def test_the_bench_prints_each_figure_with_the_load_average_and_rolls_everything_back(org, competent_team, cast):
    audit_before = AuditEntry.objects.count()
    printed: list[str] = []
    result = bench.run_authorisations(printed.append, checks=6, grants_each=3, warmup=1)

    text = "\n".join(printed)
    assert re.match(r"Authorisation check on (SQLite|PostgreSQL) [\d.]+, ", text), text[:80]
    rows = {m["label"]: m["load"] for line in text.splitlines() if (m := FIGURES.match(line))}
    assert set(rows) == {"check, people holding a grant", "check, people picked at random",
                         "check as of 400 days ahead, granted people", "check as of 90 days ago, granted people",
                         "GET /api/v1/authorisations/check as hr",
                         "floor: Person by primary key (ORM)", "floor: SQL SELECT of the proficiency rows"}
    assert "check / floor (median)" in text and "goal: under 20 ms warm at 40,000 people" in text

    # B needs five competencies: an organisation with two has only A (P and Q at 2) and C (one at 3).
    assert result.grants == 6  # A and C, three people each
    assert result.granted.authorised == 6 and len(result.granted.wall) == 6
    assert result.ahead.authorised == 0  # 400 days on: the grants (12 months) and the certificate have lapsed
    assert result.past.authorised == 0  # 90 days ago: before the grants (and the evidence)
    assert result.api is not None and result.api.authorised == 6
    # The check's query count stays pinned (tests/authorisations/test_authorisations.py), whatever the size.
    assert result.granted.queries is not None and result.granted.queries <= 8
    assert result.floor_pk.queries == 1 and result.floor_sql.queries == 1

    assert not Authorisation.objects.exists() and not Grant.objects.exists() and not GrantEvent.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_the_command_runs_the_bench_and_refuses_clearly_without_anyone_competent(org, add, competent_team):
    out = StringIO()
    call_command("bench", "--authorisations", "--checks", "3", stdout=out)
    assert "check, people holding a grant" in out.getvalue()
    assert not Authorisation.objects.exists()


def test_without_verified_competence_the_command_says_to_build_the_demo(org, add):
    add(org.kim, org.p, 3, "self", D(2026, 2, 1))
    with pytest.raises(CommandError, match="build the demo first"):
        call_command("bench", "--authorisations", stdout=StringIO())

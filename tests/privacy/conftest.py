"""The evidence tests' small organisation, plus Quinn, a leaver with a distinctive name, e-mail and log-in whose
records span every kind the export covers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from tests.evidence.conftest import add, on_day, org  # noqa: F401  (the evidence tests' small organisation)

TODAY = dt.date(2026, 12, 1)
LEFT_ON = dt.date(2019, 6, 30)  # retention of 6 years ended on 2025-06-30


@dataclass
class Leaver:
    person: Any
    user: Any
    evidence: list[Any]


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:  # noqa: F811
    on_day(TODAY)


@pytest.fixture
def quinn(org, cast) -> Leaver:  # noqa: F811
    """Quinn Zephyrine (E-QZ7, quinn.zephyrine@example.org, log-in q.zephyrine), in Mo's team: evidence (one
    superseded, one revoked), a 9-box rating, a career goal, a development goal, a logbook entry, an API token; a
    colleague's move that names Quinn as manager; then Quinn left on LEFT_ON."""
    from compms.access import SYSTEM
    from compms.accounts.services import create_token, create_user
    from compms.evidence import services as evidence
    from compms.logbook.models import Entry
    from compms.organisation.models import Person, PersonMove
    from compms.succession.models import Goal, TalentRating

    user = create_user("q.zephyrine", "a-long-password-1", ["employee"], first_name="Quinn", last_name="Zephyrine",
                       email="quinn.zephyrine@example.org")
    person = Person.objects.create(employee_id="E-QZ7", name="Quinn Zephyrine", email="quinn.zephyrine@example.org",
                                   unit=org.unit, manager=org.mo, manager_path=f"/{org.mo.pk}/", user=user,
                                   start_date=dt.date(2015, 1, 5))
    first = evidence.record_evidence(SYSTEM, person=person, competency=org.p, level=2, source="manager",
                                     assessed_on=dt.date(2018, 5, 1), note="Shadowed by Quinn Zephyrine's manager")
    evidence.supersede_evidence(first, cast.hr, reason="Level corrected", level=3, assessed_on=dt.date(2018, 5, 1))
    wrong = evidence.record_evidence(SYSTEM, person=person, competency=org.q, level=2, source="test",
                                     assessed_on=dt.date(2018, 9, 1))
    evidence.revoke_evidence(wrong, cast.hr, reason="Recorded for the wrong person")
    kept = evidence.record_evidence(SYSTEM, person=person, competency=org.q, level=1, source="test",
                                    assessed_on=dt.date(2019, 1, 10))
    TalentRating.objects.create(person=person, performance=3, potential=2, rated_on=dt.date(2019, 1, 1),
                                rater=cast.manager, reason="Quinn Zephyrine delivers; ready for more")
    Goal.objects.create(person=person, competency_uuid=org.p.uuid, competency_label="OPS:P Pump maintenance",
                        target_level=4, note="Ask E-QZ7's mentor")
    Entry.objects.create(person=person, performed_on=dt.date(2019, 2, 1), hours=4, supervisor=org.mo,
                         description="Pump overhaul with Quinn Zephyrine leading", competency=org.p, level=3)
    create_token(user, "Quinn laptop")
    import uuid

    from compms.training.models import XapiStatement

    XapiStatement.objects.create(
        statement_id=uuid.uuid4(), person=person, verb_id="http://adlnet.gov/expapi/verbs/completed",
        outcome=XapiStatement.Outcome.NOT_A_COMPLETION,
        raw={"actor": {"name": "Quinn Zephyrine", "mbox": "mailto:quinn.zephyrine@example.org"},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}, "object": {"id": "urn:course:pumps"}})
    PersonMove.objects.create(person=org.lee, kind=PersonMove.Kind.MANAGER, effective_on=dt.date(2018, 1, 1),
                              from_value="Quinn Zephyrine (E-QZ7)", to_value=str(org.mo))
    from compms.organisation import services as organisation

    organisation.mark_left(person, SYSTEM, left_on=LEFT_ON)
    person.refresh_from_db()
    user.refresh_from_db()
    return Leaver(person=person, user=user, evidence=[first, wrong, kept])

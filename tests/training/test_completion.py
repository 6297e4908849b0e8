"""A completion writes training evidence at the resource's exit level, which closes the gap."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.access import SYSTEM
from compms.evidence.gaps import person_gaps
from compms.evidence.models import Evidence
from compms.training import services
from compms.training.models import Completion

D = dt.date
pytestmark = pytest.mark.django_db


def kims_p_line(torg, as_of):
    return person_gaps(torg.kim, as_of).roles[0].requirements[0]


def test_completion_closes_the_gap_until_the_evidence_expires(torg, cast, session_of, on_day):
    session = session_of(capacity=2)
    assert (kims_p_line(torg, D(2026, 3, 1)).status, kims_p_line(torg, D(2026, 3, 1)).gap) == ("missing", 3)
    enrolment = services.approve_enrolment(services.request_enrolment(cast.employee, person=torg.kim,
                                                                      session=session), cast.manager)
    on_day(D(2026, 3, 12))
    services.complete_enrolment(enrolment, cast.hr, completed_on=D(2026, 3, 11))

    evidence = Evidence.objects.get(person=torg.kim)
    assert (evidence.source, evidence.level, evidence.assessed_on, evidence.valid_until) == (
        "training", 3, D(2026, 3, 11), D(2028, 3, 11))
    met = kims_p_line(torg, D(2026, 3, 12))
    assert (met.status, met.proficiency, met.gap, met.source) == ("met", 3, 0, "training")
    lapsed = kims_p_line(torg, D(2028, 3, 12))
    assert (lapsed.status, lapsed.gap) == ("expired", 3)
    completion = Completion.objects.get(enrolment=enrolment)
    assert completion.evidence_ids == [evidence.pk] and completion.valid_until == D(2028, 3, 11)


def test_a_failed_training_writes_no_evidence(torg, cast, session_of, on_day):
    session = session_of()
    enrolment = services.approve_enrolment(services.request_enrolment(SYSTEM, person=torg.kim, session=session),
                                           cast.hr)
    on_day(D(2026, 3, 12))
    failed = services.complete_enrolment(enrolment, cast.hr, passed=False)
    assert failed.status == "failed"
    assert not Evidence.objects.filter(person=torg.kim).exists()
    assert not Completion.objects.exists()
    assert kims_p_line(torg, D(2026, 3, 12)).status == "missing"


def test_a_resource_without_validity_gives_evidence_that_never_expires(torg, cast, session_of, on_day):
    from compms.development.models import ResourceOutcome

    ResourceOutcome.objects.create(resource=torg.reading, competency=torg.q, competency_uuid=torg.q.uuid,
                                   entry_level=0, exit_level=2)
    session = session_of(resource=torg.reading)
    enrolment = services.approve_enrolment(services.request_enrolment(SYSTEM, person=torg.lee, session=session),
                                           cast.hr)
    on_day(D(2026, 3, 20))
    services.complete_enrolment(enrolment, cast.hr)
    assert list(Evidence.objects.filter(person=torg.lee).values_list("competency__code", "level", "assessed_on",
                                                                    "valid_until")) == [
        ("Q", 2, D(2026, 3, 20), None)]


def test_the_trainer_may_complete_but_a_manager_may_not(torg, cast, session_of, on_day):
    from django.core.exceptions import PermissionDenied

    session = session_of(trainer=torg.mo)
    other = session_of()
    kim = services.approve_enrolment(services.request_enrolment(SYSTEM, person=torg.kim, session=session), cast.hr)
    lee = services.approve_enrolment(services.request_enrolment(SYSTEM, person=torg.lee, session=other), cast.hr)
    on_day(D(2026, 3, 12))
    assert services.complete_enrolment(kim, cast.manager).status == "completed"
    with pytest.raises(PermissionDenied):
        services.complete_enrolment(lee, cast.manager)


def test_add_months_keeps_the_day_or_takes_the_last_of_a_short_month():
    assert services.add_months(D(2026, 3, 11), 24) == D(2028, 3, 11)
    assert services.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert services.add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)

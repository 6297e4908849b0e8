"""Enrolments: the state machine, capacity, the waiting list and who may act."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compms.access import SYSTEM
from compms.training import services
from compms.training.models import ENROLMENT_TRANSITIONS, Enrolment
from tests.training.conftest import START

D = dt.date
pytestmark = pytest.mark.django_db


def enrolled(cast, person, session):
    enrolment = services.request_enrolment(SYSTEM, person=person, session=session)
    return services.approve_enrolment(enrolment, cast.hr)


def test_a_request_approved_by_the_manager_takes_a_place(torg, cast, session_of):
    session = session_of(capacity=2)
    enrolment = services.request_enrolment(cast.employee, person=torg.kim, session=session, reason="Pump gap")
    assert enrolment.status == "requested"
    approved = services.approve_enrolment(enrolment, cast.manager)
    assert approved.status == "enrolled"
    assert services.places_taken(session) == 1


def test_nobody_approves_their_own_request(torg, cast, session_of):
    session = session_of()
    own = services.request_enrolment(cast.hr, person=torg.hana, session=session)
    with pytest.raises(PermissionDenied):
        services.approve_enrolment(own, cast.hr)
    kims = services.request_enrolment(cast.employee, person=torg.kim, session=session)
    with pytest.raises(PermissionDenied):
        services.approve_enrolment(kims, cast.employee)


def test_a_manager_decides_only_for_their_own_reports(torg, cast, session_of):
    olus = services.request_enrolment(SYSTEM, person=torg.olu, session=session_of())
    with pytest.raises(PermissionDenied):
        services.approve_enrolment(olus, cast.manager)
    with pytest.raises(PermissionDenied):
        services.request_enrolment(cast.employee, person=torg.lee, session=session_of(capacity=3))


def test_illegal_moves_are_refused_with_the_allowed_ones_named(torg, cast, session_of):
    session = session_of()
    enrolment = services.request_enrolment(SYSTEM, person=torg.kim, session=session)
    with pytest.raises(ValidationError) as error:
        services.complete_enrolment(enrolment, cast.hr, completed_on=D(2026, 3, 1))
    assert "requested cannot become completed" in str(error.value)
    assert "approved, rejected, withdrawn" in str(error.value)
    services.reject_enrolment(enrolment, cast.manager, reason="Not this year")
    with pytest.raises(ValidationError, match="rejected cannot become approved; from rejected it may go to nowhere"):
        services.approve_enrolment(enrolment, cast.manager)
    assert Enrolment.objects.get(pk=enrolment.pk).status == "rejected"


def test_attendance_and_completion_only_from_enrolled(torg, cast, session_of, on_day):
    session = session_of()
    waiting = services.request_enrolment(SYSTEM, person=torg.kim, session=session)
    with pytest.raises(ValidationError, match="Attendance is recorded for enrolled people"):
        services.record_attendance(waiting, cast.hr, attended=True)
    enrolment = services.approve_enrolment(waiting, cast.manager)
    on_day(D(2026, 3, 11))
    services.record_attendance(enrolment, cast.hr, attended=True)
    done = services.complete_enrolment(enrolment, cast.hr, completed_on=D(2026, 3, 11))
    assert (done.status, done.attended, done.completed_on) == ("completed", True, D(2026, 3, 11))
    with pytest.raises(ValidationError, match="completed cannot become withdrawn"):
        services.withdraw_enrolment(done, cast.hr)
    with pytest.raises(ValidationError, match="completed cannot become failed"):
        services.complete_enrolment(done, cast.hr, passed=False)


def test_every_final_status_goes_nowhere_and_rejection_comes_only_before_approval():
    finals = {status for status, targets in ENROLMENT_TRANSITIONS.items() if not targets}
    assert finals == {"completed", "failed", "withdrawn", "no_show", "rejected"}
    assert [s for s, targets in ENROLMENT_TRANSITIONS.items() if "rejected" in targets] == ["requested"]


def test_past_capacity_people_go_to_the_waiting_list_in_request_order(torg, cast, session_of):
    session = session_of(capacity=1)
    first = services.request_enrolment(SYSTEM, person=torg.kim, session=session)
    second = services.request_enrolment(SYSTEM, person=torg.lee, session=session)
    third = services.request_enrolment(SYSTEM, person=torg.olu, session=session)
    # Approved in another order than requested: the waiting list still follows request time.
    assert services.approve_enrolment(first, cast.hr).status == "enrolled"
    assert services.approve_enrolment(third, cast.hr).status == "waitlisted"
    assert services.approve_enrolment(second, cast.hr).status == "waitlisted"
    assert [e.person.name for e in services.waiting_list(session)] == ["Lee", "Olu"]
    assert services.places_taken(session) == 1


def test_a_withdrawal_before_the_start_promotes_the_first_waiting(torg, cast, session_of):
    session = session_of(capacity=1)
    kim = enrolled(cast, torg.kim, session)
    lee = enrolled(cast, torg.lee, session)
    olu = enrolled(cast, torg.olu, session)
    assert (lee.status, olu.status) == ("waitlisted", "waitlisted")
    services.withdraw_enrolment(kim, cast.employee, reason="Shift clash")
    statuses = dict(Enrolment.objects.filter(session=session).values_list("person__name", "status"))
    assert statuses == {"Kim": "withdrawn", "Lee": "enrolled", "Olu": "waitlisted"}
    assert services.places_taken(session) == 1


def test_a_no_show_before_the_start_frees_the_place_but_not_after(torg, cast, session_of, on_day):
    session = session_of(capacity=1)
    kim = enrolled(cast, torg.kim, session)
    lee = enrolled(cast, torg.lee, session)
    services.record_attendance(kim, cast.hr, attended=False)
    assert Enrolment.objects.get(pk=lee.pk).status == "enrolled"
    olu = enrolled(cast, torg.olu, session)
    assert olu.status == "waitlisted"
    on_day(START)
    services.record_attendance(Enrolment.objects.get(pk=lee.pk), cast.hr, attended=False)
    assert Enrolment.objects.get(pk=olu.pk).status == "waitlisted"


def test_more_capacity_promotes_the_waiting_list(torg, cast, session_of):
    session = session_of(capacity=1)
    enrolled(cast, torg.kim, session)
    lee = enrolled(cast, torg.lee, session)
    services.update_session(session, cast.hr, capacity=2)
    assert Enrolment.objects.get(pk=lee.pk).status == "enrolled"
    with pytest.raises(ValidationError, match="2 places are already taken"):
        services.update_session(session, cast.hr, capacity=1)


def test_a_request_for_a_resource_goes_to_the_next_session_with_room(torg, cast, session_of):
    full = session_of(capacity=1, starts_on=D(2026, 3, 5))
    enrolled(cast, torg.lee, full)
    later = session_of(capacity=1, starts_on=D(2026, 4, 5))
    enrolment = services.request_enrolment(cast.employee, person=torg.kim, resource=torg.pump)
    assert enrolment.session_id == later.pk
    unscheduled = services.request_enrolment(cast.employee, person=torg.kim, resource=torg.reading)
    assert (unscheduled.session_id, unscheduled.resource_id, unscheduled.status) == (None, torg.reading.pk,
                                                                                      "requested")
    with pytest.raises(ValidationError, match="already has an open request"):
        services.request_enrolment(cast.employee, person=torg.kim, resource=torg.reading)


def test_an_unscheduled_approved_request_is_placed_when_scheduled(torg, cast, session_of):
    request = services.request_enrolment(SYSTEM, person=torg.kim, resource=torg.reading)
    approved = services.approve_enrolment(request, cast.manager)
    assert (approved.status, approved.session_id) == ("approved", None)
    session = session_of(resource=torg.reading, capacity=4)
    placed = services.schedule_enrolment(approved, cast.hr, session=session)
    assert (placed.status, placed.session_id) == ("enrolled", session.pk)


def test_cancelling_a_session_withdraws_everyone_in_it(torg, cast, session_of):
    session = session_of(capacity=1)
    kim = enrolled(cast, torg.kim, session)
    lee = enrolled(cast, torg.lee, session)
    services.cancel_session(session, cast.hr, reason="Trainer ill")
    assert {e.status for e in Enrolment.objects.filter(pk__in=[kim.pk, lee.pk])} == {"withdrawn"}
    with pytest.raises(ValidationError, match="cancelled"):
        services.request_enrolment(SYSTEM, person=torg.olu, session=session)


def test_only_hr_manages_sessions(torg, cast, on_day):
    with pytest.raises(PermissionDenied):
        services.create_session(cast.manager, resource=torg.pump, starts_on=START, capacity=3, place="Room")
    with pytest.raises(ValidationError) as error:
        services.create_session(cast.hr, resource=torg.pump, starts_on=START, ends_on=D(2026, 3, 9), capacity=0)
    assert set(error.value.message_dict) == {"ends_on", "capacity", "place"}

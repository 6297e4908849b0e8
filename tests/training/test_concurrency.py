"""Capacity is never exceeded, even when many approvals for the last places run at once."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from compms.access import SYSTEM
from compms.training import services
from compms.training.models import Enrolment


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_exceed_capacity(torg, cast, session_of):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across threads are exercised on PostgreSQL; SQLite serialises writers")
    from tests.training.conftest import make_person

    session = session_of(capacity=3)
    people = [make_person(torg.unit, f"E-C{n}", f"Crowd {n}") for n in range(10)]
    requests = [services.request_enrolment(SYSTEM, person=p, session=session) for p in people]
    barrier = threading.Barrier(len(requests))
    errors: list[BaseException] = []

    def approve(enrolment):
        try:
            barrier.wait()
            services.approve_enrolment(enrolment, SYSTEM)
        except BaseException as error:  # reported below: a thread's failure must fail the test
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=approve, args=(e,)) for e in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    statuses = list(Enrolment.objects.filter(session=session).values_list("status", flat=True))
    assert statuses.count("enrolled") == 3
    assert statuses.count("waitlisted") == 7


@pytest.mark.django_db
def test_sequential_approvals_past_capacity_go_to_the_waiting_list(torg, cast, session_of):
    from tests.training.conftest import make_person

    session = session_of(capacity=3)
    people = [make_person(torg.unit, f"E-S{n}", f"Seq {n}") for n in range(5)]
    results = [services.approve_enrolment(services.request_enrolment(SYSTEM, person=p, session=session), SYSTEM).status
               for p in people]
    assert results == ["enrolled"] * 3 + ["waitlisted"] * 2

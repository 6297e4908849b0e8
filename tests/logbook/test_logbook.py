"""The experience logbook: a confirmed entry becomes experience evidence; only the supervisor confirms."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.evidence.models import Evidence
from compms.logbook.models import Entry

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


@pytest.fixture
def task(org):
    from compms.organisation.models import Duty, Task, TaskCompetency

    duty = Duty.objects.create(role=org.technician, title="Maintain pumps")
    task = Task.objects.create(duty=duty, title="Replace a pump seal")
    TaskCompetency.objects.create(task=task, competency=org.p, level=3)
    TaskCompetency.objects.create(task=task, competency=org.q, level=2)
    return task


def test_confirmed_chart_task_becomes_experience_evidence_at_the_task_levels(org, task, login_client):
    response = login_client("employee").post("/logbook/", {"performed_on": "2026-02-20", "task": task.pk,
                                                           "hours": "3.5", "supervisor": "E-MO"})
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert not Evidence.objects.exists()  # nothing counts before the supervisor confirms
    login_client("manager").post(f"/logbook/{entry.pk}/review/", {"action": "confirm"})
    entry.refresh_from_db()
    assert entry.status == "confirmed"
    assert {(e.competency_id, e.level, e.source, e.assessed_on) for e in Evidence.objects.all()} == {
        (org.p.pk, 3, "experience", dt.date(2026, 2, 20)), (org.q.pk, 2, "experience", dt.date(2026, 2, 20))}


def test_free_text_entry_uses_the_named_competency(org, login_client):
    login_client("employee").post("/logbook/", {"performed_on": "2026-02-21", "description": "Helped audit QA",
                                                "competency": org.q.pk, "level": 1, "hours": "2",
                                                "supervisor": "E-MO"})
    entry = Entry.objects.get()
    login_client("manager").post(f"/logbook/{entry.pk}/review/", {"action": "confirm"})
    assert list(Evidence.objects.values_list("competency_id", "level", "source")) == [(org.q.pk, 1, "experience")]


def test_only_the_named_supervisor_confirms(org, task, login_client):
    login_client("employee").post("/logbook/", {"performed_on": "2026-02-20", "task": task.pk, "hours": "1",
                                                "supervisor": "E-MO"})
    entry = Entry.objects.get()
    # Someone else's entry, not theirs to supervise, does not exist for them.
    assert login_client("assessor").post(f"/logbook/{entry.pk}/review/", {"action": "confirm"}).status_code == 404
    # The person sees their own entry, but may not confirm it.
    page = login_client("employee").post(f"/logbook/{entry.pk}/review/", {"action": "confirm"},
                                         follow=True).content.decode()
    assert "Only the supervisor" in page
    entry.refresh_from_db()
    assert entry.status == "pending" and not Evidence.objects.exists()


def test_rejection_needs_a_reason_and_writes_no_evidence(org, task, login_client):
    login_client("employee").post("/logbook/", {"performed_on": "2026-02-20", "task": task.pk, "hours": "1",
                                                "supervisor": "E-MO"})
    entry = Entry.objects.get()
    manager = login_client("manager")
    manager.post(f"/logbook/{entry.pk}/review/", {"action": "reject"})
    entry.refresh_from_db()
    assert entry.status == "pending"
    manager.post(f"/logbook/{entry.pk}/review/", {"action": "reject", "comment": "Not on that shift"})
    entry.refresh_from_db()
    assert entry.status == "rejected" and not Evidence.objects.exists()

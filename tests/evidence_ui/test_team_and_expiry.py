"""The manager's team grid, the expiring-competence page and `compms remind`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from compms.evidence.models import Evidence

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


def cell(person, competency) -> str:
    return f"cell-{person.pk}-{competency.uuid.hex}-0"


def test_grid_shows_the_team_and_existing_levels(org, add, login_client):
    add(org.kim, org.p, 2, "assessor", dt.date(2025, 6, 1))
    page = login_client("manager").get("/evidence/team/").content.decode()
    assert "Kim" in page and "Lee" in page and "Olu" not in page  # only Mo's reports
    # Kim's P cell shows the assessor's level 2; resting on an assessor record, it offers no rating.
    assert "<strong>2</strong> <span class=\"muted\">assessor" in page
    assert f'name="{cell(org.kim, org.p)}"' not in page and f'name="{cell(org.kim, org.q)}"' in page


def test_grid_save_writes_exactly_the_confirmed_cells(org, add, login_client):
    add(org.kim, org.p, 2, "assessor", dt.date(2025, 6, 1))
    before = Evidence.objects.count()
    response = login_client("manager").post("/evidence/team/", {
        cell(org.kim, org.q): "2",    # confirmed
        cell(org.lee, org.p): "3",    # confirmed
        cell(org.lee, org.q): "",     # left as is
    })
    assert response.status_code == 302
    written = Evidence.objects.filter(source="manager")
    assert Evidence.objects.count() == before + 2
    assert {(e.person_id, e.competency_id, e.level) for e in written} == {(org.kim.pk, org.q.pk, 2),
                                                                         (org.lee.pk, org.p.pk, 3)}


def test_grid_save_is_all_or_nothing(org, login_client):
    response = login_client("manager").post("/evidence/team/", {
        cell(org.kim, org.q): "2",
        cell(org.lee, org.p): "9",  # beyond the 0-5 scale
    })
    assert response.status_code == 400
    assert "outside 0..5" in response.content.decode()
    assert not Evidence.objects.exists()


def test_grid_is_for_managers_only(org, login_client):
    assert login_client("employee").get("/evidence/team/").status_code == 403


def test_expiring_page_by_audience(org, add, login_client):
    add(org.kim, org.p, 3, "certificate", dt.date(2025, 3, 1), valid_until=dt.date(2026, 3, 20))
    add(org.olu, org.p, 3, "certificate", dt.date(2025, 3, 1), valid_until=dt.date(2026, 3, 25))
    add(org.lee, org.p, 3, "certificate", dt.date(2025, 3, 1), valid_until=dt.date(2026, 8, 1))  # later
    manager = login_client("manager").get("/evidence/expiring/?days=30").content.decode()
    assert "Kim" in manager and "Olu" not in manager and "Lee" not in manager
    assert "2026-03-20" in manager
    hr = login_client("hr").get("/evidence/expiring/?days=30").content.decode()
    assert "Kim" in hr and "Olu" in hr and "Lee" not in hr
    assert "Lee" in login_client("hr").get("/evidence/expiring/?days=200").content.decode()


def test_remind_mails_each_person_and_their_manager(org, add):
    from compms.organisation.models import Person

    Person.objects.filter(pk=org.kim.pk).update(email="kim@example.org")
    Person.objects.filter(pk=org.mo.pk).update(email="mo@example.org")
    Person.objects.filter(pk=org.olu.pk).update(email="olu@example.org")
    add(org.kim, org.p, 3, "certificate", dt.date(2025, 3, 1), valid_until=dt.date(2026, 3, 20))
    add(org.olu, org.q, 2, "certificate", dt.date(2025, 3, 1), valid_until=dt.date(2026, 9, 1))  # too far off
    call_command("remind", "--days", "30")
    to = sorted(message.to[0] for message in mail.outbox)
    assert to == ["kim@example.org", "mo@example.org"]
    kim_mail = next(m for m in mail.outbox if m.to == ["kim@example.org"])
    assert "P Pump maintenance" in kim_mail.body and "2026-03-20" in kim_mail.body
    mo_mail = next(m for m in mail.outbox if m.to == ["mo@example.org"])
    assert "Kim (E-KIM)" in mo_mail.body

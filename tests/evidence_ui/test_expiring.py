"""The expiring-competence page /evidence/expiring/ and GET /api/v1/evidence/expiring: filters (unit
subtree, competency, window, from/to), paging in the database, access, renewal, export, bad input.

Worked data (today 2026-03-01). Units: Plant (U1) > Workshop (WS); Office (OF) beside them.
- Kim (Workshop, reports to Mo): P certificate level 3, last valid day 2026-03-20 (19 days left);
- Lee (Plant, reports to Mo): Q certificate level 2 until 2026-03-25 (24 days), over manager evidence
  Q level 1 that never expires;
- Olu (Office, no manager): P certificate level 3 until 2026-05-10 (70 days);
- Mo (Plant, the manager): P certificate level 3 until 2026-03-10 (9 days).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compms.evidence import queries

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)
D = dt.date


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


@pytest.fixture
def units(org):
    from compms.organisation.models import Person, Unit

    workshop = Unit.objects.create(external_id="WS", name="Workshop", parent=org.unit, depth=1, path="/")
    workshop.path = f"{org.unit.path}{workshop.pk}/"
    workshop.save(update_fields=["path"])
    office = Unit.objects.create(external_id="OF", name="Office", path="/")
    office.path = f"/{office.pk}/"
    office.save(update_fields=["path"])
    Person.objects.filter(pk=org.kim.pk).update(unit=workshop)
    Person.objects.filter(pk=org.olu.pk).update(unit=office)
    return workshop, office


@pytest.fixture
def worked(org, add, units):
    add(org.kim, org.p, 3, "certificate", D(2025, 3, 1), valid_until=D(2026, 3, 20))
    add(org.lee, org.q, 1, "manager", D(2025, 1, 10))
    add(org.lee, org.q, 2, "certificate", D(2025, 3, 1), valid_until=D(2026, 3, 25))
    add(org.olu, org.p, 3, "certificate", D(2025, 3, 1), valid_until=D(2026, 5, 10))
    add(org.mo, org.p, 3, "certificate", D(2025, 3, 1), valid_until=D(2026, 3, 10))
    return org


def api(client, query: str = ""):
    return client.get(f"/api/v1/evidence/expiring{query}")


def names(client, query: str = "") -> list[str]:
    response = api(client, query)
    assert response.status_code == 200, response.content
    return [item["person"] for item in response.json()["items"]]


def test_hr_sees_everyone_soonest_first_with_names_days_left_and_what_follows(worked, login_client):
    body = api(login_client("hr"), "?window=90").json()
    assert body["count"] == 4 and body["from"] == "2026-03-01" and body["to"] == "2026-05-30"
    assert [(i["person"], i["valid_until"], i["days_left"]) for i in body["items"]] == [
        ("Mo Manager", "2026-03-10", 9), ("Kim", "2026-03-20", 19), ("Lee", "2026-03-25", 24),
        ("Olu", "2026-05-10", 70)]
    lee = body["items"][2]
    assert (lee["competency"], lee["competency_code"], lee["unit"], lee["manager"], lee["source"]) == (
        "Quality checks", "Q", "Plant", "Mo Manager", "certificate")
    # After Lee's certificate lapses the never-expiring manager evidence still holds level 1.
    assert lee["after_lapse"] == {"level": 1, "source": "manager", "valid_until": None}
    assert body["items"][1]["after_lapse"]["level"] == 0
    page = login_client("hr").get("/evidence/expiring/?window=90").content.decode()
    assert "Pump maintenance" in page and "Workshop" in page and "level 1 from manager" in page
    assert 'id="expiring-authorisations"' in page  # the marked place for authorisations to work


def test_window_and_dates(worked, login_client):
    hr = login_client("hr")
    assert names(hr, "?window=30") == ["Mo Manager", "Kim", "Lee"]  # Olu's 70 days are outside
    assert names(hr) == ["Mo Manager", "Kim", "Lee"]  # the default window is 60 days
    assert names(hr, "?from=2026-03-11&to=2026-03-25") == ["Kim", "Lee"]  # both ends included
    assert names(hr, "?from=2026-03-21") == ["Lee", "Olu"]  # to defaults to from + 60 days
    page = hr.get("/evidence/expiring/?window=30").content.decode()
    assert "Olu" not in page and "3 records" in page


def test_unit_filter_takes_the_subtree(worked, login_client):
    hr = login_client("hr")
    assert names(hr, "?window=90&unit=U1") == ["Mo Manager", "Kim", "Lee"]  # Plant and Workshop below it
    assert names(hr, "?window=90&unit=WS") == ["Kim"]
    assert names(hr, f"?window=90&unit={worked.unit.pk}") == ["Mo Manager", "Kim", "Lee"]  # numeric id too
    page = hr.get("/evidence/expiring/?window=90&unit=OF").content.decode()
    assert "Olu" in page and "Kim" not in page


def test_competency_filter(worked, login_client):
    hr = login_client("hr")
    assert names(hr, "?window=90&competency=OPS:Q") == ["Lee"]
    assert names(hr, f"?window=90&competency={worked.p.uuid}") == ["Mo Manager", "Kim", "Olu"]


def test_paging_in_the_database(worked, login_client, monkeypatch):
    hr = login_client("hr")
    first = api(hr, "?window=90&page_size=3").json()
    second = api(hr, "?window=90&page_size=3&page=2").json()
    assert (first["count"], first["pages"], second["count"]) == (4, 2, 4)
    assert [i["person"] for i in first["items"]] == ["Mo Manager", "Kim", "Lee"]
    assert [i["person"] for i in second["items"]] == ["Olu"]  # page 2 holds the rest
    assert api(hr, "?window=90&page_size=3&page=3").json()["items"] == []  # past the end: empty, not an error

    monkeypatch.setattr(queries, "EXPIRY_PAGE_SIZE", 3)
    page_one = hr.get("/evidence/expiring/?window=90").content.decode()
    assert "4 records" in page_one and "Olu" not in page_one and "page=2" in page_one
    page_two = hr.get("/evidence/expiring/?window=90&page=2").content.decode()
    assert "Olu" in page_two and "Kim" not in page_two and "page 2 of 2" in page_two


def test_manager_sees_only_their_team(worked, login_client):
    manager = login_client("manager")
    assert names(manager, "?window=90") == ["Kim", "Lee"]  # not Olu (outside), not Mo himself
    page = manager.get("/evidence/expiring/?window=90").content.decode()
    assert "Kim" in page and "Lee" in page and "Olu" not in page and "2026-03-10" not in page
    # A unit outside the team gives an empty list, not someone else's records.
    assert names(manager, "?window=90&unit=OF") == []


def test_employee_sees_only_themself(worked, login_client):
    employee = login_client("employee")  # Kim
    assert names(employee, "?window=365") == ["Kim"]
    page = employee.get("/evidence/expiring/?window=365").content.decode()
    assert "Kim" in page and "Lee" not in page and "Olu" not in page


def test_renewed_evidence_is_no_longer_expiring(worked, add, login_client):
    # Kim's newer certificate at the same tier wins the rollup: the lapsing one is renewed.
    add(worked.kim, worked.p, 3, "certificate", D(2026, 2, 20), valid_until=D(2029, 2, 19))
    hr = login_client("hr")
    assert "Kim" not in names(hr, "?window=365")
    assert "Kim" not in hr.get("/evidence/expiring/?window=365").content.decode()


def test_export_holds_the_filtered_rows(worked, login_client):
    response = login_client("hr").get("/evidence/expiring/?window=90&unit=U1&export=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["person"], r["last_valid_day"], r["days_left"], r["competency"]) for r in rows] == [
        ("Mo Manager", "2026-03-10", "9", "Pump maintenance"), ("Kim", "2026-03-20", "19", "Pump maintenance"),
        ("Lee", "2026-03-25", "24", "Quality checks")]
    assert rows[2]["after_lapse_level"] == "1" and rows[2]["after_lapse_source"] == "manager"

    from openpyxl import load_workbook

    xlsx = login_client("manager").get("/evidence/expiring/?window=90&export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Kim", "Lee"]


@pytest.mark.parametrize("query, field", [
    ("?page=abc", "page"), ("?page=0", "page"), ("?window=-5", "window"), ("?window=45", "window"),
    ("?unit=NOPE", "unit"), ("?competency=OPS:NOPE", "competency"), ("?from=2026-02-01", "from"),
    ("?from=2026-13-01", "from"), ("?from=9999-12-31", "from"), ("?to=9999-12-31", "to"),
    ("?from=2026-03-10&to=2026-03-05", "to"), ("?page_size=500", "page_size"),
])
def test_bad_filter_values_answer_400_naming_the_field(worked, login_client, query, field):
    hr = login_client("hr")
    response = api(hr, query)
    assert response.status_code == 400 and field in response.json()["detail"]
    if field != "page_size":  # the page has a fixed page size
        page = hr.get(f"/evidence/expiring/{query}")
        assert page.status_code == 400 and f"{field}:" in page.content.decode()


def test_page_only_bad_values(worked, login_client):
    hr = login_client("hr")
    # `days` is the page's parameter from before the window choices; old links keep working.
    assert "Olu" in hr.get("/evidence/expiring/?days=75").content.decode()
    bad_days = hr.get("/evidence/expiring/?days=abc")
    assert bad_days.status_code == 400 and "days:" in bad_days.content.decode()
    bad_export = hr.get("/evidence/expiring/?export=pdf")
    assert bad_export.status_code == 400 and "export:" in bad_export.content.decode()


def page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/evidence/expiring/?window=365").status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_the_rows(worked, add, login_client):
    from tests.evidence.conftest import person

    hr = login_client("hr")
    hr.get("/evidence/expiring/?window=365")  # warm the session
    few = page_queries(hr)
    for n in range(30):
        extra = person(worked.unit, f"E-X{n}", f"Extra {n:02d}")
        add(extra, worked.p, 3, "certificate", D(2025, 3, 1), valid_until=D(2026, 4, 1) + dt.timedelta(days=n))
        add(extra, worked.q, 2, "certificate", D(2025, 3, 1), valid_until=D(2026, 4, 1) + dt.timedelta(days=n))
    many = page_queries(hr)
    assert "64 records" in hr.get("/evidence/expiring/?window=365").content.decode()
    assert few == many and many <= 14

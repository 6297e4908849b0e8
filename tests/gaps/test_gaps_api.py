"""The gap analysis API: same answers as the reports, access by role, errors named, bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.access import SYSTEM
from compms.gaps import reports
from compms.gaps.loader import clear_cache
from compms.gaps.reports import ReportParams
from compms.organisation.models import Person, Role, Unit
from tests.gaps.conftest import build_random_org

D = dt.date
pytestmark = pytest.mark.django_db
DAY = "2025-09-01"


@pytest.fixture
def org(cast):
    return build_random_org(31, cast=cast)


def test_organisation_gaps_give_per_competency_and_per_unit_figures(org, api):
    response = api("hr").get("/api/v1/gaps/org", as_of=DAY)

    assert response.status_code == 200
    body = response.json()
    assert body == reports.gap_report(SYSTEM, ReportParams(as_of=D(2025, 9, 1))).as_dict() | {"as_of": DAY}
    competency = body["competencies"][0]
    assert {"framework", "competency", "people_required", "people_short", "levels_short", "missing",
            "expired"} <= set(competency)
    assert {"unit", "requirements", "met"} <= set(body["units"][0])
    assert body["units"][0]["unit"] == "ROOT" and body["units"][0]["requirements"] == body["requirements"]


def test_a_unit_is_named_by_its_id_or_its_number(org, api):
    client = api("hr")
    by_id = client.get("/api/v1/gaps/units/EAST", as_of=DAY).json()
    by_number = client.get(f"/api/v1/gaps/units/{org.units['EAST'].pk}", as_of=DAY).json()

    assert by_id == by_number
    assert by_id["scope"] == "EAST"
    assert by_id["units"][0]["unit"] == "EAST"
    assert {u["unit"] for u in by_id["units"]} <= {"EAST", "EAST-1", "EAST-2"}


def test_an_unknown_filter_is_a_400_naming_the_field(org, api):
    client = api("hr")

    assert client.get("/api/v1/gaps/units/NOPE").json() == {"detail": {"unit": ["No unit with id 'NOPE'."]}}
    assert client.get("/api/v1/gaps/org", criticality="vital").status_code == 400
    assert "framework" in client.get("/api/v1/gaps/org", framework="GAMMA").json()["detail"]


def test_employees_and_outsiders_may_not_see_organisation_gaps(org, api):
    assert api("employee").get("/api/v1/gaps/org").status_code == 403
    assert api("outsider").get("/api/v1/gaps/units/EAST").status_code == 403
    assert api("employee").get("/api/v1/roles/R1/best-fit").status_code == 403
    assert api(None).get("/api/v1/gaps/org").status_code == 401


def test_a_manager_gets_figures_over_their_reports_only(org, api):
    mine = Person.objects.filter(active=True, manager_path__contains=f"/{org.manager.pk}/").count() + 1

    body = api("manager").get("/api/v1/gaps/org", as_of=DAY).json()

    assert body["people"] == mine < len(org.people)
    assert body == reports.gap_report(org.manager.user, ReportParams(as_of=D(2025, 9, 1))).as_dict() | {
        "as_of": DAY}


def test_heatmap_then_cell_lists_the_people_behind_a_cell(org, api):
    client = api("hr")
    heat = client.get("/api/v1/gaps/heatmap", as_of=DAY).json()
    row = next(r for r in heat["rows"] if r["unit"] == "EAST")
    cell = next(c for c in row["cells"] if c["requirements"])

    people = client.get("/api/v1/gaps/cell", unit="EAST", competency=cell["competency"], as_of=DAY).json()
    unmet = client.get("/api/v1/gaps/cell", unit="EAST", competency=cell["competency"], as_of=DAY,
                       status="met").json()

    assert people["count"] == cell["requirements"]
    assert unmet["count"] == cell["met"]
    assert all(item["status"] == "met" for item in unmet["items"])
    east = Unit.objects.get(external_id="EAST").path
    names = set(Person.objects.filter(unit__path__startswith=east).values_list("employee_id", flat=True))
    assert {item["person"] for item in people["items"]} <= names


def test_risk_lists_single_points_expiry_waves_and_lowest_roles(org, api):
    body = api("hr").get("/api/v1/gaps/risk", as_of=DAY).json()

    assert len(body["expiry_waves"]) == 12 and body["expiry_waves"][0]["month"] == "2025-09"
    assert body["single_points"] and all(p["holders"] <= 1 for p in body["single_points"])
    fits = [r["average_fit"] for r in body["lowest_fit_roles"]]
    assert fits == sorted(fits)


def test_expiry_month_must_be_one_of_the_twelve(org, api):
    client = api("hr")
    assert client.get("/api/v1/gaps/expiry", month="2030-01", as_of=DAY).status_code == 400
    listed = client.get("/api/v1/gaps/expiry", month="2025-12", as_of=DAY).json()
    wave = next(m for m in client.get("/api/v1/gaps/risk", as_of=DAY).json()["expiry_waves"]
                if m["month"] == "2025-12")
    assert listed["count"] == wave["requirements"]


def test_coverage_runs_a_year_back_and_a_year_ahead(org, api):
    points = api("hr").get("/api/v1/gaps/coverage", as_of=DAY).json()

    assert [p["date"] for p in points if not p["projected"]][-1] == DAY
    assert len([p for p in points if p["projected"]]) == 12
    assert all(0 <= p["share_met"] <= 1 for p in points)


def test_best_fit_ranks_people_with_their_gaps(org, api):
    body = api("hr").get("/api/v1/roles/R2/best-fit", top=3, as_of=DAY).json()

    assert body["role"] == "R2" and len(body["candidates"]) == 3
    fits = [c["fit"] for c in body["candidates"]]
    assert fits == sorted(fits, reverse=True)
    for candidate in body["candidates"]:
        for gap in candidate["gaps"]:
            assert gap["framework"] in {"ALPHA", "BETA"} and ":" not in gap["competency"]
    by_number = api("hr").get(f"/api/v1/roles/{Role.objects.get(external_id='R2').pk}/best-fit", top=3,
                              as_of=DAY).json()
    assert by_number == body


def test_an_employee_compares_themselves_with_a_role_but_not_others(org, api):
    client = api("employee")
    mine = client.get(f"/api/v1/people/{org.employee.employee_id}/roles/R3/fit", as_of=DAY)
    theirs = client.get(f"/api/v1/people/{org.people[5].employee_id}/roles/R3/fit", as_of=DAY)

    assert mine.status_code == 200
    body = mine.json()
    assert body["role"] == "R3" and body["person"] == org.employee.employee_id
    assert len(body["requirements"]) == org.roles["R3"].requirements.count()
    assert theirs.status_code == 404


def test_level_distribution_of_a_competency_in_a_unit(org, api):
    body = api("hr").get("/api/v1/gaps/distribution", unit="EAST", competency="ALPHA:A1", as_of=DAY).json()

    east = Unit.objects.get(external_id="EAST").path
    assert body["people"] == Person.objects.filter(active=True, unit__path__startswith=east).count()
    assert sum(level["people"] for level in body["levels"]) == body["people"]


# Loading the organisation is a fixed set of bulk reads, whatever its size: the same budget holds for
# 8 people and for 60 (and, by the same code, for 40,000).
API_QUERY_BUDGET = 18


@pytest.mark.parametrize("size", [8, 60])
@pytest.mark.parametrize("path", ["/api/v1/gaps/org", "/api/v1/gaps/heatmap", "/api/v1/gaps/risk",
                                  "/api/v1/roles/R1/best-fit", "/api/v1/gaps/cell?competency=ALPHA:A1",
                                  "/api/v1/gaps/units/EAST"])
def test_queries_do_not_grow_with_the_number_of_people(cast, api, django_assert_max_num_queries, path, size):
    build_random_org(40 + size, people=size, cast=cast)
    client = api("hr")
    clear_cache()  # count the cold load too: that is where a query per person would hide

    with django_assert_max_num_queries(API_QUERY_BUDGET):
        response = client.client.get(path, **client.headers)

    assert response.status_code == 200

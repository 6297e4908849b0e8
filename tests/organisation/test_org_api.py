"""The organisation API: who sees whom (lists, details, exports), who may change what, the import
endpoints, and the role endpoints with the requirement profile and its sources."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compms.access import SYSTEM
from compms.organisation import services
from compms.organisation.access import can_see_person, visible_people
from compms.organisation.imports import export_people
from compms.organisation.models import Person, PersonMove, Requirement, Role, Unit
from tests.organisation.org_factories import build_org, published_dictionary

pytestmark = pytest.mark.django_db

ALL = {"Hana", "Mia", "Theo", "Emil", "Ida", "Olga"}
# Who sees whom, worked out by hand from the chart in org_factories.
SEES = {
    "hr": ALL,
    "administrator": ALL,
    "manager": {"Mia", "Theo", "Emil", "Ida"},  # herself, Theo directly, Emil and Ida through Theo
    "employee": {"Emil"},
    "competency_manager": set(),  # no employee record linked to this log-in
    "assessor": set(),
}


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


@pytest.mark.parametrize("who", sorted(SEES))
def test_people_list_shows_exactly_whom_the_caller_may_see(api, cast, who):
    build_org(cast)
    assert names(api(who).get("/api/v1/people", page_size=100)) == SEES[who]
    assert {p.name for p in visible_people(cast.users[who])} == SEES[who]


def test_a_manager_sees_direct_and_indirect_reports_and_nobody_else(api, cast):
    org = build_org(cast)
    client = api("manager")
    mia = org.people["Mia"]
    assert names(client.get("/api/v1/people", manager=mia.pk, direct=True)) == {"Theo"}
    assert names(client.get("/api/v1/people", manager=mia.pk)) == {"Theo", "Emil", "Ida"}
    for name in ALL:
        person = org.people[name]
        status = client.get(f"/api/v1/people/{person.pk}").status_code
        assert status == (200 if name in SEES["manager"] else 404), name
        assert can_see_person(cast.manager, person) == (name in SEES["manager"])


def test_an_employee_sees_only_their_own_record(api, cast):
    org = build_org(cast)
    client = api("employee")
    emil = client.get(f"/api/v1/people/{org.people['Emil'].pk}").json()
    assert (emil["name"], emil["manager"]["name"], emil["unit"]["external_id"]) == ("Emil", "Theo", "PLANT")
    assert client.get(f"/api/v1/people/{org.people['Theo'].pk}").status_code == 404
    assert names(client.get("/api/v1/people", unit=org.units["HQ"].pk)) == {"Emil"}


def test_a_log_in_without_a_role_reads_nothing(api, cast):
    org = build_org(cast)
    client = api("outsider")
    for path in ("/api/v1/people", "/api/v1/units", "/api/v1/units/tree", "/api/v1/roles",
                 f"/api/v1/people/{org.people['Hana'].pk}", "/api/v1/export/units"):
        assert client.get(path).status_code == 403, path
    assert api(None).get("/api/v1/people").status_code == 401


def test_people_export_follows_the_same_rule(api, cast):
    build_org(cast)

    def exported(body: bytes) -> set[str]:
        return {row["name"] for row in csv.DictReader(io.StringIO(body.decode()))}

    assert exported(export_people(cast.manager, "csv")[0]) == SEES["manager"]
    assert exported(export_people(cast.employee, "csv")[0]) == {"Emil"}
    assert exported(export_people(SYSTEM, "csv")[0]) == ALL  # the command line: a trusted caller
    response = api("manager").get("/api/v1/export/people")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert exported(response.content) == SEES["manager"]
    xlsx = api("hr").get("/api/v1/export/people", format="xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_people_list_filters_and_pages(api, cast):
    org = build_org(cast)
    client = api("hr")
    assert names(client.get("/api/v1/people", unit=org.units["OPS"].pk)) == {"Mia", "Theo", "Emil", "Ida"}
    assert names(client.get("/api/v1/people", unit=org.units["OPS"].pk, subunits=False)) == {"Mia"}
    assert names(client.get("/api/v1/people", q="e-i")) == {"Ida"}
    page = client.get("/api/v1/people", page=2, page_size=4).json()
    assert page["count"] == 6 and [p["name"] for p in page["items"]] == ["Olga", "Theo"]
    services.mark_left(org.people["Ida"], SYSTEM, left_on="2026-01-31")
    assert "Ida" not in names(client.get("/api/v1/people"))
    assert names(client.get("/api/v1/people", status="left")) == {"Ida"}
    assert client.get("/api/v1/people", status="gone").status_code == 400


def test_people_list_costs_the_same_queries_for_more_people(api, cast, django_assert_max_num_queries):
    org = build_org(cast)
    tech = services.create_role(SYSTEM, external_id="TECH", name="Technician")
    for i in range(30):
        person = services.create_person(SYSTEM, employee_id=f"X-{i}", name=f"Extra {i}", unit=org.units["FIN"],
                                        manager=org.people["Olga"])
        seat = services.create_position(SYSTEM, role=tech, unit=org.units["FIN"])
        services.assign_position(seat, SYSTEM, person=person, start_date="2026-01-01")
    client = api("hr")
    # token, roles, count, page, positions of the page
    with django_assert_max_num_queries(8):
        page = client.get("/api/v1/people", page_size=50).json()
    assert page["count"] == 36
    assert [r["external_id"] for r in next(p for p in page["items"] if p["name"] == "Extra 7")["roles"]] == ["TECH"]


def test_unit_tree_counts_people(api, cast):
    build_org(cast)
    tree = api("employee").get("/api/v1/units/tree").json()
    assert [(n["external_id"], n["people"], n["people_in_subtree"]) for n in tree] == [("HQ", 1, 6)]
    assert [c["external_id"] for c in tree[0]["children"]] == ["FIN", "OPS"]


def test_hr_edits_the_organisation_and_others_are_refused(api, cast):
    org = build_org(cast)
    body = {"external_id": "LAB", "name": "Laboratory", "parent_id": org.units["OPS"].pk}
    for who in ("manager", "employee", "competency_manager"):
        assert api(who).post("/api/v1/units", body).status_code == 403
    created = api("hr").post("/api/v1/units", body)
    assert created.status_code == 201 and created.json()["depth"] == 2
    assert api("hr").post("/api/v1/units", body).status_code == 400  # the id is taken

    ida = org.people["Ida"]
    moved = api("hr").post(f"/api/v1/people/{ida.pk}/move", {"effective_on": "2026-05-01",
                                                              "unit_id": created.json()["id"],
                                                              "manager_id": org.people["Mia"].pk})
    assert moved.status_code == 200
    history = {(m["kind"], m["to_value"]) for m in moved.json()["history"]}
    assert {("unit", "Laboratory (LAB)"), ("manager", "Mia (E-MIA)")} <= history
    assert api("manager").post(f"/api/v1/people/{ida.pk}/leave", {"left_on": "2026-06-01"}).status_code == 403
    assert Person.objects.get(pk=ida.pk).active


def test_positions_hide_holders_the_caller_may_not_see(api, cast):
    org = build_org(cast)
    tech = services.create_role(SYSTEM, external_id="TECH", name="Technician")
    for person in (org.people["Emil"], org.people["Olga"]):
        seat = services.create_position(SYSTEM, role=tech, unit=person.unit)
        services.assign_position(seat, SYSTEM, person=person, start_date="2026-01-01")
    items = api("manager").get("/api/v1/positions").json()["items"]
    assert sorted((p["unit"]["external_id"], p["holder"]["name"] if p["holder"] else None, p["vacant"])
                  for p in items) == [("FIN", None, False), ("PLANT", "Emil", False)]


def test_roles_with_their_chart_and_profile_sources(api, cast):
    comps = published_dictionary()
    client = api("competency_manager")
    role = client.post("/api/v1/roles", {"external_id": "TECH", "name": "Technician", "family": "Eng"}).json()
    duty = client.post(f"/api/v1/roles/{role['id']}/duties", {"title": "Maintain pumps"}).json()
    seals = client.post(f"/api/v1/duties/{duty['id']}/tasks", {"title": "Replace seals", "frequency": "weekly",
                                                               "importance": 4}).json()
    overhaul = client.post(f"/api/v1/duties/{duty['id']}/tasks", {"title": "Overhaul pump"}).json()
    for task, level in ((seals, 2), (overhaul, 3)):
        response = client.post(f"/api/v1/tasks/{task['id']}/competencies",
                               {"competency_id": comps["P"].pk, "level": level})
        assert response.status_code == 200 and response.json()["standard"] == "performance"
    too_high = client.post(f"/api/v1/tasks/{seals['id']}/competencies", {"competency_id": comps["K"].pk, "level": 6})
    assert too_high.status_code == 400 and "level" in too_high.json()["detail"]

    chart = api("employee").get(f"/api/v1/roles/{role['id']}").json()
    assert [(t["title"], t["frequency"], [c["level"] for c in t["competencies"]])
            for t in chart["duties"][0]["tasks"]] == [("Replace seals", "weekly", [2]), ("Overhaul pump", "", [3])]

    profile = api("employee").get(f"/api/v1/roles/{role['id']}/requirements").json()
    assert [(p["competency"]["code"], p["level"], p["origin"], [s["task"] for s in p["sources"]])
            for p in profile] == [("P", 3, "tasks", ["Replace seals", "Overhaul pump"])]

    line = client.post(f"/api/v1/roles/{role['id']}/requirements", {"competency_id": comps["P"].pk, "level": 4,
                                                                     "criticality": "desirable"}).json()
    assert (line["level"], line["derived_level"], line["origin"], line["changed_by"]) == (
        4, 3, "adjusted", "competency_manager")
    reset = client.post(f"/api/v1/requirements/{line['id']}/reset").json()
    assert (reset["level"], reset["origin"]) == (3, "tasks")
    assert client.delete(f"/api/v1/tasks/{overhaul['id']}").status_code == 204
    assert Requirement.objects.get().level == 2
    assert api("employee").post(f"/api/v1/roles/{role['id']}/duties", {"title": "X"}).status_code == 403
    assert api("manager").patch(f"/api/v1/roles/{role['id']}", {"name": "Y"}).status_code == 403
    assert Role.objects.get().name == "Technician"


def upload(name: str, text: str) -> dict:
    return {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")}


def test_import_endpoint_answers_a_summary_or_the_row_errors(api, cast):
    build_org(cast)
    ok = api("hr").post_file("/api/v1/import/units", upload("units.csv", "unit_id,name,parent_id\nLAB,Lab,OPS\n"))
    assert ok.status_code == 200
    assert ok.json()["counts"] == {"created": 1, "updated": 0, "unchanged": 0}

    units = Unit.objects.count()
    bad = api("hr").post_file("/api/v1/import/units", upload("units.csv", "unit_id,name,parent_id\nA,A,B\nB,B,A\n"))
    assert bad.status_code == 400
    assert [(e["row"], e["field"]) for e in bad.json()["detail"]] == [(2, "parent_id"), (3, "parent_id")]
    assert Unit.objects.count() == units

    moves = PersonMove.objects.count()
    people = upload("people.csv", "employee_id,name,unit_id,manager_id\nE-IDA,Ida,FIN,E-OLGA\n")
    for who in ("employee", "manager", "competency_manager"):
        assert api(who).post_file("/api/v1/import/people", people).status_code == 403
        people["file"].seek(0)
    assert PersonMove.objects.count() == moves
    done = api("hr").post_file("/api/v1/import/people?effective_on=2026-07-01", people)
    assert done.status_code == 200
    assert PersonMove.objects.filter(kind="unit", effective_on="2026-07-01").count() == 1

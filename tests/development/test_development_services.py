"""Catalogue import, needs from gaps, recommendations, mentors and plan approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from compms.access import SYSTEM
from compms.development import services
from compms.development.imports import export_resources, import_resources_file
from compms.development.models import DevelopmentNeed, DevelopmentPlan, Resource, ResourceOutcome
from compms.interop.base import ImportFailed

HEADER = ("resource_id,title,kind,framework,competency_code,entry_level,exit_level,cost,hours,modality,provider,"
          "validity_months")


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "resources.csv"
    path.write_text("\n".join((HEADER,) + lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.django_db
def test_import_creates_resources_with_one_outcome_per_row(org, tmp_path) -> None:
    path = write(tmp_path, "R1,Pump course,course,OPS,P,0,3,400,16,classroom,Acme,24",
                 "R1,Pump course,course,OPS,Q,1,2,400.00,16,classroom,Acme,24",
                 "R2,Quality reading,reading,OPS,Q,0,1,0,2,,,")
    result = import_resources_file(path, SYSTEM)
    assert result.counts == {"created": 2, "updated": 0, "outcomes": 3}
    r1 = Resource.objects.get(resource_id="R1")
    assert r1.cost == Decimal("400.00") and r1.hours == Decimal("16") and r1.validity_months == 24
    assert sorted(r1.outcomes.values_list("competency__code", "entry_level", "exit_level")) == [
        ("P", 0, 3), ("Q", 1, 2)]
    content, name, _ = export_resources(None, SYSTEM, {})
    assert name == "resources.csv" and b"R1,Pump course,course,OPS,P,0,3,400.00" in content


@pytest.mark.django_db
def test_import_refuses_the_whole_file_and_names_rows(org, tmp_path) -> None:
    path = write(tmp_path, "R1,Pump course,course,OPS,P,0,3,400,16,,,",
                 "R1,Pump course,course,OPS,Q,0,2,450,16,,,",  # cost disagrees with row 2
                 "R3,Bad levels,course,OPS,P,3,2,10,1,,,",  # exit below entry
                 "R4,Unknown,webinar,OPS,ZZ,0,1,x,1,,,")  # kind, competency and cost all wrong
    with pytest.raises(ImportFailed) as failed:
        import_resources_file(path, SYSTEM)
    found = {(e.row, e.field) for e in failed.value.errors}
    assert found == {(3, "cost"), (4, "exit_level"), (5, "kind"), (5, "competency_code"), (5, "cost")}
    assert not Resource.objects.exists()


@pytest.mark.django_db
def test_only_hr_may_import(org, cast, tmp_path) -> None:
    with pytest.raises(PermissionDenied):
        import_resources_file(write(tmp_path, "R1,Pump course,course,OPS,P,0,3,400,16,,,"), cast.manager)


def outcome(resource_id: str, cost: int, hours: int, *outcomes) -> Resource:
    return services.create_resource(SYSTEM, resource_id=resource_id, title=resource_id, cost=cost, hours=hours,
                                    outcomes=[services.OutcomeSpec(c, e, x) for c, e, x in outcomes])


@pytest.mark.django_db
def test_needs_from_gaps_and_recommendations_ranked_by_gap_per_cost(org, add, on_day, cast) -> None:
    on_day(dt.date(2026, 3, 1))
    # Kim: P at 1 (needs 3, essential, weight 3), Q at 0 (needs 2, desirable, weight 1).
    add(org.kim, org.p, 1, "manager", dt.date(2026, 1, 10))
    needs = services.needs_from_gaps(cast.employee, org.kim)
    assert sorted((n.competency.code, n.target_level, n.origin) for n in needs) == [("P", 3, "gap"), ("Q", 2, "gap")]
    assert services.needs_from_gaps(cast.employee, org.kim) == []  # no duplicates on a second click

    a = outcome("A", 300, 10, (org.p, 0, 5))  # P 1 -> 3 counts (not 5): 3 x 2 = 6; 6/300 = 0.02
    b = outcome("B", 100, 4, (org.p, 1, 2), (org.q, 0, 1))  # P 1->2: 3, Q 0->1: 1 -> 4; 4/100 = 0.04
    outcome("C", 50, 1, (org.p, 2, 4))  # entry 2 > Kim's 1: not eligible
    d = outcome("D", 0, 2, (org.q, 0, 2))  # free: Q 0 -> 2 = 2, ranked first
    ranked = services.recommendations(org.kim)
    assert [(r.resource.resource_id, r.gain) for r in ranked] == [("D", 2), ("B", 4), ("A", 6)]
    assert ranked[1].gain_per_cost == pytest.approx(0.04) and ranked[1].gain_per_hour == pytest.approx(1.0)
    assert {a.pk, b.pk, d.pk} == {r.resource.pk for r in ranked}


@pytest.mark.django_db
def test_a_need_counts_as_achieved_once_proficiency_reaches_the_target(org, add, on_day, cast) -> None:
    on_day(dt.date(2026, 3, 1))
    need = services.add_goal(cast.employee, org.kim, competency=org.q, target_level=2)
    assert services.need_progress([need])[need.pk].achieved is False
    assert services.open_development_needs([org.kim.pk, org.lee.pk], org.q.uuid) == {org.kim.pk}
    add(org.kim, org.q, 2, "test", dt.date(2026, 2, 1))
    assert services.need_progress([need])[need.pk] == services.NeedProgress(2, True)
    assert services.open_development_needs([org.kim.pk], org.q.uuid) == set()


@pytest.mark.django_db
def test_mentors_hold_the_competency_above_the_person(org, add, on_day) -> None:
    on_day(dt.date(2026, 3, 1))
    add(org.lee, org.p, 4, "assessor", dt.date(2026, 1, 5))
    add(org.olu, org.p, 1, "manager", dt.date(2026, 1, 5))
    mentors = services.mentor_suggestions(org.kim, viewer=SYSTEM)
    assert [(m.person.name, m.competency_code, m.level) for m in mentors] == [("Lee", "P", 4), ("Olu", "P", 1)]


@pytest.mark.django_db
def test_plan_approval_by_the_manager_not_by_the_employee(org, cast) -> None:
    resource = outcome("A", 100, 8, (org.p, 0, 3))
    services.add_action(cast.employee, org.kim, kind="resource", resource=resource)
    services.submit_plan(cast.employee, org.kim)
    with pytest.raises(PermissionDenied):
        services.approve_plan(cast.employee, org.kim)
    with pytest.raises(PermissionDenied):
        services.add_action(cast.employee, org.lee, kind="task", task="Shadow the night shift")
    plan = services.approve_plan(cast.manager, org.kim)
    assert plan.status == DevelopmentPlan.Status.APPROVED and plan.approved_by == cast.manager
    # Changing an approved plan sends it back to draft.
    services.add_action(cast.employee, org.kim, kind="mentor", mentor=org.lee)
    assert DevelopmentPlan.objects.get(person=org.kim).status == DevelopmentPlan.Status.DRAFT


@pytest.mark.django_db
def test_template_adds_its_resources_once(org, cast) -> None:
    first, second = outcome("A", 1, 1, (org.p, 0, 1)), outcome("B", 1, 1, (org.q, 0, 1))
    template = services.create_template(cast.hr, name="New technician", role=org.technician, resources=[first, second])
    assert len(services.apply_template(cast.manager, template, org.kim)) == 2
    assert services.apply_template(cast.manager, template, org.kim) == []
    assert not DevelopmentNeed.objects.exists() and ResourceOutcome.objects.count() == 2


@pytest.mark.django_db
def test_api_plan_is_visible_to_the_person_and_manager_only(org, api, cast) -> None:
    outcome("A", 100, 8, (org.p, 0, 3))
    made = api("employee").post("/api/v1/development/people/E-KIM/needs-from-gaps")
    assert made.status_code == 200
    assert sorted(n["competency_code"] for n in made.json()["needs"]) == ["P", "Q"]
    assert made.json()["recommendations"][0]["resource_id"] == "A"
    assert api("manager").get("/api/v1/development/people/E-KIM/plan").status_code == 200
    assert api("employee").get("/api/v1/development/people/E-LEE/plan").status_code == 404
    assert api("employee").post("/api/v1/development/people/E-KIM/plan/approve").status_code == 403
    assert api("manager").post("/api/v1/development/people/E-KIM/plan/approve").json()["status"] == "approved"
    listed = api("employee").get("/api/v1/development/resources").json()
    assert [r["resource_id"] for r in listed["items"]] == ["A"]

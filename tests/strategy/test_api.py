"""The strategy API: who may read and write, validation, the gap endpoint and scenario evaluation."""

from __future__ import annotations

import pytest

from compms.audit.models import AuditEntry
from compms.strategy.models import Objective, Scenario, Target
from tests.strategy.conftest import DUE

NEW_OBJECTIVE = {"code": "H2-2028", "title": "Hydrogen safety", "due_date": "2028-01-31"}


@pytest.mark.parametrize("who", ["employee", "assessor", "competency_manager", "manager", "outsider"])
def test_only_hr_and_administrators_write(world, api, who) -> None:
    client = api(who)
    assert client.post("/api/v1/strategy/objectives", NEW_OBJECTIVE).status_code == 403
    assert client.patch(f"/api/v1/strategy/objectives/{world.objective.pk}", {"title": "x"}).status_code == 403
    assert client.delete(f"/api/v1/strategy/targets/{world.target.pk}").status_code == 403
    target = {"competency_id": world.p.pk, "level": 2, "headcount": 1}
    assert client.post(f"/api/v1/strategy/objectives/{world.objective.pk}/targets", target).status_code == 403
    assert client.post("/api/v1/strategy/scenarios", {"name": "x"}).status_code == 403
    assert (Objective.objects.count(), Target.objects.count(), Scenario.objects.count()) == (1, 1, 0)


@pytest.mark.parametrize("who, status", [("employee", 403), ("assessor", 403), ("outsider", 403),
                                         ("manager", 200), ("competency_manager", 200), ("hr", 200),
                                         ("administrator", 200)])
def test_who_reads_strategy(world, api, who, status) -> None:
    client = api(who)
    assert client.get("/api/v1/strategy/objectives").status_code == status
    assert client.get(f"/api/v1/strategy/objectives/{world.objective.pk}/gap").status_code == status


def test_anonymous_callers_are_refused(world, api) -> None:
    assert api(None).get("/api/v1/strategy/objectives").status_code == 401


def test_hr_creates_an_objective_with_a_target_and_it_is_audited(world, api) -> None:
    client = api("hr")
    created = client.post("/api/v1/strategy/objectives", {**NEW_OBJECTIVE, "owner": "E-ANN", "status": "active"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["code"], body["owner"]["employee_id"], body["status"], body["targets"]) == (
        "H2-2028", "E-ANN", "active", [])
    target = client.post(f"/api/v1/strategy/objectives/{body['id']}/targets", {
        "competency_id": world.q.pk, "level": 2, "headcount": 40, "scope_unit_id": world.units["PLANT"].pk,
        "context": "north-site", "notes": "New electrolyser line"})
    assert target.status_code == 201, target.json()
    line = target.json()
    assert (line["competency"]["code"], line["due_date"], line["scope_unit"]["external_id"], line["context"]) == (
        "Q", "2028-01-31", "PLANT", "north-site")  # the due date defaults to the objective's
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"strategy.objective.create", "strategy.target.create"} <= actions


def test_validation_names_the_field(world, api) -> None:
    client = api("hr")
    url = f"/api/v1/strategy/objectives/{world.objective.pk}/targets"
    too_high = client.post(url, {"competency_id": world.p.pk, "level": 6, "headcount": 1})
    assert too_high.status_code == 400
    assert "level" in too_high.json()["detail"]
    nobody = client.post(url, {"competency_id": world.p.pk, "level": 3, "headcount": 0})
    assert "headcount" in nobody.json()["detail"]
    unknown_unit = client.post(url, {"competency_id": world.p.pk, "level": 3, "headcount": 1, "scope_unit_id": 999})
    assert "scope_unit_id" in unknown_unit.json()["detail"]
    clash = client.post("/api/v1/strategy/objectives", {**NEW_OBJECTIVE, "code": "pumps-2027"})
    assert clash.status_code == 400 and "code" in clash.json()["detail"]
    digits = client.post("/api/v1/strategy/objectives", {**NEW_OBJECTIVE, "code": "2028"})
    assert "code" in digits.json()["detail"]
    past = client.post("/api/v1/strategy/objectives", {**NEW_OBJECTIVE, "due_date": "2025-12-31"})
    assert "due_date" in past.json()["detail"]
    assert Target.objects.count() == 1 and Objective.objects.count() == 1


def test_the_gap_endpoint_gives_supply_demand_gap_pipeline_and_coverage(world, api, needs) -> None:
    needs("Eve")
    response = api("manager").get(f"/api/v1/strategy/objectives/{world.objective.pk}/gap")
    assert response.status_code == 200
    body = response.json()
    assert (body["objective"]["code"], body["as_of"]) == ("PUMPS-2027", "2026-03-01")
    [line] = body["targets"]
    assert {k: line[k] for k in ("demand", "supply_today", "supply", "gap", "one_level_short", "pipeline")} == {
        "demand": 4, "supply_today": 4, "supply": 3, "gap": 1, "one_level_short": 2, "pipeline": 1}
    assert line["coverage"][0] == {"date": "2026-03-01", "supply": 4}
    assert line["coverage"][-1] == {"date": DUE.isoformat(), "supply": 3}
    assert len(line["coverage"]) == 13


def test_patch_changes_only_what_is_sent(world, api) -> None:
    client = api("hr")
    response = client.patch(f"/api/v1/strategy/targets/{world.target.pk}", {"headcount": 2})
    assert response.status_code == 200
    assert (response.json()["headcount"], response.json()["scope_unit"]["external_id"]) == (2, "HQ")
    cleared = client.patch(f"/api/v1/strategy/targets/{world.target.pk}", {"scope_unit_id": None})
    assert cleared.json()["scope_unit"] is None
    objective = client.patch(f"/api/v1/strategy/objectives/{world.objective.pk}", {"status": "achieved"})
    assert (objective.json()["status"], objective.json()["title"]) == ("achieved", "Pump skills for the new line")


def test_deleting_an_objective_removes_its_targets(world, api) -> None:
    assert api("hr").delete(f"/api/v1/strategy/objectives/{world.objective.pk}").status_code == 204
    assert (Objective.objects.count(), Target.objects.count()) == (0, 0)


def test_scenarios_through_the_api(world, api) -> None:
    client = api("hr")
    created = client.post("/api/v1/strategy/scenarios", {"name": "Growth", "objective_id": world.objective.pk})
    assert created.status_code == 201
    scenario_id = created.json()["id"]
    change = client.post(f"/api/v1/strategy/scenarios/{scenario_id}/changes", {
        "kind": "add_positions", "unit_id": world.units["PLANT"].pk, "role_id": world.tech.pk, "count": 20})
    assert change.status_code == 201, change.json()
    assert change.json()["role"]["external_id"] == "TECH"
    bad = client.post(f"/api/v1/strategy/scenarios/{scenario_id}/changes",
                      {"kind": "close_unit", "unit_id": world.units["LAB"].pk, "count": 3})
    assert bad.status_code == 400 and "count" in bad.json()["detail"]

    evaluated = api("manager").get(f"/api/v1/strategy/scenarios/{scenario_id}/evaluate")
    assert evaluated.status_code == 200
    body = evaluated.json()
    assert body["positions"] == {"today": 3, "scenario": 23}
    p3 = next(line for line in body["demand"] if line["competency"] == "P")
    assert (p3["today"]["demand"], p3["scenario"]["demand"], p3["scenario"]["gap"]) == (3, 23, 18)
    assert body["targets"][0]["today"]["gap"] == body["targets"][0]["scenario"]["gap"] == 1

    assert api("employee").get(f"/api/v1/strategy/scenarios/{scenario_id}/evaluate").status_code == 403
    assert client.delete(f"/api/v1/strategy/scenario-changes/{change.json()['id']}").status_code == 204
    assert client.get(f"/api/v1/strategy/scenarios/{scenario_id}").json()["changes"] == []


def test_evaluating_unsaved_changes_validates_each_one(world, api) -> None:
    response = api("manager").post("/api/v1/strategy/scenarios/evaluate", {"changes": [
        {"kind": "close_unit", "unit_id": world.units["LAB"].pk},
        {"kind": "add_positions", "unit_id": world.units["LAB"].pk, "role_id": 999, "count": 1},
    ]})
    assert response.status_code == 400
    assert "changes[1].role_id" in response.json()["detail"]


def test_the_strategy_endpoints_are_described_in_openapi() -> None:
    from ninja import NinjaAPI

    from compms.strategy.api import router

    described = NinjaAPI(urls_namespace="strategy-openapi-check")
    described.add_router("/", router)
    paths = described.get_openapi_schema(path_prefix="/api/v1")["paths"]
    gap = paths["/api/v1/strategy/objectives/{objective_id}/gap"]["get"]
    assert gap["responses"][200]["content"]["application/json"]["schema"]["$ref"].endswith("ObjectiveGapOut")
    assert {"/api/v1/strategy/scenarios/evaluate", "/api/v1/strategy/scenarios/{scenario_id}/evaluate"} <= set(paths)

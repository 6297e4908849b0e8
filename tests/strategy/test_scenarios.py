"""What-if scenarios compared with today, and the promise that evaluating one changes nothing."""

from __future__ import annotations

import hashlib

import pytest

from compms.access import SYSTEM
from compms.strategy import analysis, services
from compms.strategy.models import ScenarioChange


def table_state() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every stored value, per table a scenario could be tempted to touch."""
    from compms.audit.models import AuditEntry
    from compms.evidence.models import CurrentProficiency, Evidence
    from compms.organisation.models import Person, PersonMove, Position, Requirement, Role, Unit
    from compms.strategy.models import Objective, Scenario, Target

    state = {}
    for model in (Unit, Person, PersonMove, Position, Role, Requirement, Evidence, CurrentProficiency, Objective,
                  Target, Scenario, ScenarioChange, AuditEntry):
        names = [field.attname for field in model._meta.concrete_fields]
        rows = sorted(model.objects.values_list(*names), key=repr)
        state[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


@pytest.fixture
def growth(world):
    """20 more Technician positions in the plant, and the lab closed."""
    scenario = services.create_scenario(SYSTEM, name="New line, lab closed", objective=world.objective)
    services.add_scenario_change(scenario, SYSTEM, kind="add_positions", unit=world.units["PLANT"], role=world.tech,
                                 count=20)
    services.add_scenario_change(scenario, SYSTEM, kind="close_unit", unit=world.units["LAB"])
    return scenario


def test_more_positions_raise_demand_and_a_closed_unit_leaves_supply(world, growth, needs) -> None:
    needs("Eve", "Fay")
    result = analysis.evaluate_scenario(growth)
    assert result.steps == ["Add 20 × Technician in Plant (PLANT)", "Close Lab (LAB)"]
    assert (result.people_today, result.people_scenario) == (9, 7)  # Cat and Fay worked in the lab
    assert (result.positions_today, result.positions_scenario) == (3, 22)

    lines = {(line.competency, line.level): line for line in result.demand}
    assert set(lines) == {("P", 3), ("Q", 2)}
    p3 = lines[("P", 3)]
    # P at 3 or more today: Ann, Ben, Cat, Dan, Hal (Joe's is for a context, Ivy left).
    assert (p3.today.demand, p3.today.supply, p3.today.gap) == (3, 5, 0)
    assert (p3.scenario.demand, p3.scenario.supply, p3.scenario.gap) == (22, 4, 18)
    q2 = lines[("Q", 2)]
    assert (q2.today.gap, q2.scenario.gap) == (3, 22)

    [target] = result.targets
    assert (target.today.supply, target.today.gap, target.today.pipeline) == (3, 1, 2)
    assert (target.scenario.supply, target.scenario.gap, target.scenario.pipeline) == (2, 2, 1)


def test_removing_more_positions_than_exist_is_explained(world) -> None:
    result = analysis.evaluate([
        analysis.ChangeSpec(kind="remove_positions", unit_id=world.units["LAB"].pk, role_id=world.tech.pk, count=3)
    ])
    assert result.notes == ["Remove 3 × Technician in Lab (LAB): only 1 such position to remove."]
    assert (result.positions_today, result.positions_scenario) == (3, 2)
    assert result.targets == []  # no objective to compare with


def test_closing_the_scope_unit_leaves_nothing_in_scope(world) -> None:
    scenario = services.create_scenario(SYSTEM, name="Close the lab", scope_unit=world.units["LAB"])
    services.add_scenario_change(scenario, SYSTEM, kind="close_unit", unit=world.units["LAB"])
    result = analysis.evaluate_scenario(scenario)
    assert (result.people_today, result.people_scenario) == (2, 0)
    assert (result.positions_today, result.positions_scenario) == (1, 0)
    p3 = next(line for line in result.demand if line.competency == "P")
    assert (p3.today.demand, p3.today.supply, p3.scenario.demand, p3.scenario.supply) == (1, 1, 0, 0)


def test_evaluating_never_changes_the_data(world, growth, api, cast, login_client) -> None:
    client, browser = api("manager"), login_client("hr")  # signing in is audited: do it first
    before = table_state()
    analysis.evaluate_scenario(growth)
    analysis.objective_gap(world.objective)
    assert client.get(f"/api/v1/strategy/scenarios/{growth.pk}/evaluate").status_code == 200
    what_if = {"changes": [{"kind": "close_unit", "unit_id": world.units["HQ"].pk}],
               "objective_id": world.objective.pk}
    assert client.post("/api/v1/strategy/scenarios/evaluate", what_if).status_code == 200
    assert browser.get(f"/strategy/scenarios/{growth.pk}/").status_code == 200
    assert table_state() == before


def test_a_scenario_change_is_validated(world) -> None:
    from django.core.exceptions import ValidationError

    scenario = services.create_scenario(SYSTEM, name="Bad")
    with pytest.raises(ValidationError) as error:
        services.add_scenario_change(scenario, SYSTEM, kind="add_positions", unit=world.units["LAB"], role=None,
                                     count=0)
    assert set(error.value.message_dict) == {"role", "count"}
    with pytest.raises(ValidationError) as error:
        services.add_scenario_change(scenario, SYSTEM, kind="close_unit", unit=world.units["LAB"], role=world.tech)
    assert set(error.value.message_dict) == {"role"}
    assert ScenarioChange.objects.count() == 0

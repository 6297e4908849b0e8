"""The succession, development and strategy rules in compms.access: None refused, SYSTEM trusted, and a
manager's scope found by their own path prefix (never themselves)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from compms.access import SYSTEM
from compms.access import development as dev_access
from compms.access import strategy as strategy_access
from compms.access import succession as access


@pytest.fixture
def team(cast: Any) -> dict[str, Any]:
    """Top (HR) > Mia (log-in manager) > Kai (log-in employee) > Zoe; Ned reports to Top. Odd carries a
    path that mentions Mia's id but not under Mia's own path (a stale or forged path): a manager filter
    that matched "/<id>/" anywhere would take him in, the prefix filter does not."""
    from compms.organisation.models import Person, Unit

    unit = Unit.objects.create(external_id="U", name="Unit", path="/")

    def person(employee_id: str, manager: Any = None, user: Any = None, path: str | None = None) -> Any:
        manager_path = path if path is not None else (f"{manager.manager_path or '/'}{manager.pk}/" if manager else "")
        return Person.objects.create(employee_id=employee_id, name=employee_id, unit=unit, manager=manager,
                                     manager_path=manager_path, user=user)

    top = person("TOP", user=cast.hr)
    mia = person("MIA", top, cast.manager)
    kai = person("KAI", mia, cast.employee)
    zoe = person("ZOE", kai)
    ned = person("NED", top)
    odd = person("ODD", path=f"/999/{mia.pk}/")
    return {"top": top, "mia": mia, "kai": kai, "zoe": zoe, "ned": ned, "odd": odd}


@pytest.mark.django_db
def test_a_manager_reads_succession_data_of_their_reports_only_never_their_own(team, cast) -> None:
    names = sorted(access.succession_people(cast.manager).values_list("employee_id", flat=True))
    assert names == ["KAI", "ZOE"]  # not MIA herself, not NED beside her, not ODD with the stray path
    assert access.manages_person(cast.manager, team["zoe"]) and not access.manages_person(cast.manager, team["mia"])
    assert access.succession_person_pks(cast.hr) is None  # everyone, without listing them
    assert not access.succession_people(cast.employee).exists()
    assert not access.succession_people(None).exists()


@pytest.mark.django_db
def test_none_is_refused_where_the_system_passes(team, cast) -> None:
    for check in (access.require_hr, strategy_access.require_strategy_editor, dev_access.require_catalogue_editor,
                  dev_access.require_commission_manager, dev_access.require_training_planner):
        check(SYSTEM)
        with pytest.raises(PermissionDenied):
            check(None)
    access.require_manages(SYSTEM, team["kai"])
    with pytest.raises(PermissionDenied):
        access.require_manages(None, team["kai"])
    dev_access.require_plan_editor(SYSTEM, team["kai"])
    with pytest.raises(PermissionDenied):
        dev_access.require_plan_editor(None, team["kai"])
    assert access.may_set_goals(SYSTEM, team["kai"]) and not access.may_set_goals(None, team["kai"])
    assert not access.can_see_succession(None) and not strategy_access.can_read_strategy(None)


@pytest.mark.django_db
def test_key_positions_are_in_a_managers_scope_when_a_report_holds_them(team, cast) -> None:
    from compms.organisation.models import Position, Role, Unit
    from compms.succession.models import KeyPosition

    unit = Unit.objects.get()
    role = Role.objects.create(external_id="R", name="Role")
    kai_seat = Position.objects.create(external_id="P-KAI", role=role, unit=unit, holder=team["kai"])
    mia_seat = Position.objects.create(external_id="P-MIA", role=role, unit=unit, holder=team["mia"])
    vacant = Position.objects.create(external_id="P-NONE", role=role, unit=unit)
    keys = [KeyPosition.objects.create(position=seat, role=role, unit=unit) for seat in (kai_seat, mia_seat, vacant)]
    assert access.key_positions_in_scope(cast.manager, keys) == {keys[0].pk}
    assert access.key_positions_in_scope(cast.hr, keys) is None
    assert access.key_positions_in_scope(cast.employee, keys) == set()


@pytest.mark.django_db
def test_plans_and_the_team_page_follow_the_prefix_and_admins_get_everyone(team, cast) -> None:
    assert sorted(dev_access.plan_people(cast.manager).values_list("employee_id", flat=True)) == ["KAI", "MIA", "ZOE"]
    assert sorted(dev_access.team_people(cast.manager).values_list("employee_id", flat=True)) == ["KAI", "ZOE"]
    assert dev_access.can_see_team_plans(cast.administrator)
    assert dev_access.team_people(cast.administrator).count() == 6
    assert not dev_access.can_see_team_plans(cast.employee)
    assert dev_access.can_approve_plan(cast.manager, team["zoe"]) and not dev_access.can_approve_plan(
        cast.manager, team["mia"])

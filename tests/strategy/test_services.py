"""Strategy services: validation, the audit trail, and rules about owners, dates and framework versions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compms.access import SYSTEM
from compms.audit.models import AuditEntry
from compms.strategy import services
from compms.strategy.models import Objective, Target
from tests.strategy.conftest import TODAY


def test_writes_are_audited_with_before_and_after(world, cast) -> None:
    services.update_target(world.target, cast.hr, headcount=6)
    entry = AuditEntry.objects.filter(action="strategy.target.update").get()
    assert (entry.actor_name, entry.before["headcount"], entry.after["headcount"]) == ("hr", 4, 6)
    services.delete_objective(world.objective, cast.hr)
    deleted = AuditEntry.objects.filter(action="strategy.objective.delete").get()
    assert deleted.before["code"] == "PUMPS-2027"
    assert [t["headcount"] for t in deleted.before["targets"]] == [6]


def test_an_employee_cannot_write_and_nothing_is_stored(world, cast) -> None:
    with pytest.raises(PermissionDenied):
        services.create_objective(cast.employee, code="X1", title="x", due_date=TODAY)
    with pytest.raises(PermissionDenied):
        services.remove_target(world.target, cast.manager)
    assert Objective.objects.count() == 1 and Target.objects.count() == 1


def test_an_owner_who_left_blocks_nothing_but_cannot_be_named_again(world) -> None:
    from compms.organisation import services as org

    services.update_objective(world.objective, SYSTEM, owner=world.people["Ann"])
    org.mark_left(world.people["Ann"], SYSTEM, left_on=TODAY)
    world.people["Ann"].refresh_from_db()
    services.update_objective(world.objective, SYSTEM, title="Renamed", owner=world.people["Ann"])
    with pytest.raises(ValidationError) as error:
        services.create_objective(SYSTEM, code="NEXT", title="Next", due_date=TODAY, owner=world.people["Ann"])
    assert "owner" in error.value.message_dict


def test_a_new_target_looks_ahead(world) -> None:
    with pytest.raises(ValidationError) as error:
        services.add_target(world.objective, SYSTEM, competency=world.q, level=2, headcount=1,
                            due_date=TODAY - dt.timedelta(days=1))
    assert set(error.value.message_dict) == {"due_date"}


def test_a_target_keeps_working_after_its_framework_moves_on(world) -> None:
    from compms.evidence.services import record_evidence
    from compms.frameworks import services as dictionary
    from compms.frameworks.models import Competency
    from compms.strategy import analysis

    old_version = world.p.version
    draft = dictionary.new_version(old_version.framework, SYSTEM)
    dictionary.publish(draft, SYSTEM)
    dictionary.retire(old_version, SYSTEM)
    # The target's competency row now sits in a retired version: changing the headcount still works...
    services.update_target(world.target, SYSTEM, headcount=5)
    # ... but a new target must name a competency of a published version.
    with pytest.raises(ValidationError) as error:
        services.add_target(world.objective, SYSTEM, competency=world.p, level=2, headcount=1)
    assert "competency" in error.value.message_dict
    # Evidence recorded against the new version counts for the old target: they share the uuid.
    new_p = Competency.objects.get(version=draft, code="P")
    record_evidence(SYSTEM, person=world.people["Eve"], competency=new_p, level=3, source="certificate",
                    assessed_on=TODAY)
    [line] = analysis.objective_gap(world.objective).targets
    assert (line.supply, line.gap) == (4, 1)

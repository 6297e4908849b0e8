"""The strategic gap of an objective read from the database (figures worked by hand in conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.access import SYSTEM
from compms.strategy import analysis, services
from tests.strategy.conftest import DUE, TODAY


def test_supply_gap_and_pipeline_of_the_worked_target(world, needs) -> None:
    asked = needs("Eve", "Gus")
    report = analysis.objective_gap(world.objective)
    [line] = report.targets
    assert report.as_of == TODAY
    assert (line.headcount, line.supply_today, line.supply, line.gap) == (4, 4, 3, 1)
    # Eve and Fay are exactly one short; only Eve has a need. Gus has one too, but is two levels short.
    assert (line.one_level_short, line.pipeline) == (2, 1)
    assert asked == [{world.people["Eve"].pk, world.people["Fay"].pk}]


def test_coverage_drops_when_evidence_expires_and_ends_at_the_supply(world) -> None:
    [line] = analysis.objective_gap(world.objective).targets
    by_day = dict(line.coverage)
    assert line.coverage[0] == (TODAY, 4)
    # Ben's certificate counts on its last day (31 December) and not from 1 January.
    assert by_day[dt.date(2026, 12, 1)] == 4
    assert by_day[dt.date(2027, 1, 1)] == 3
    assert line.coverage[-1] == (DUE, 3)
    series = [supply for _, supply in line.coverage]
    assert series == sorted(series, reverse=True)


def test_a_narrower_scope_counts_only_its_subtree(world) -> None:
    services.update_target(world.target, SYSTEM, scope_unit=world.units["LAB"], headcount=2)
    [line] = analysis.objective_gap(world.objective).targets
    # Only Cat (level 3) and Fay (level 2) work in the lab.
    assert (line.supply, line.gap, line.one_level_short, line.scope) == (1, 1, 1, "Lab")


def test_the_whole_organisation_includes_other_units_but_not_leavers(world) -> None:
    services.update_target(world.target, SYSTEM, scope_unit=None)
    [line] = analysis.objective_gap(world.objective).targets
    # Dan (OTHER) now counts; Ivy left; Joe's certificate is for the north site only.
    assert (line.supply_today, line.supply, line.scope) == (5, 4, "Whole organisation")


def test_a_target_with_a_context_counts_only_that_context(world) -> None:
    services.update_target(world.target, SYSTEM, context=world.site, level=5, headcount=1)
    [line] = analysis.objective_gap(world.objective).targets
    assert (line.supply, line.gap, line.context) == (1, 0, "north-site")


def test_a_target_due_earlier_keeps_evidence_valid_until_then(world) -> None:
    services.update_target(world.target, SYSTEM, due_date=dt.date(2026, 12, 31))
    [line] = analysis.objective_gap(world.objective).targets
    assert (line.supply, line.gap) == (4, 0)


def test_level_one_pipeline_includes_people_without_any_evidence(world, needs) -> None:
    needs("Joe", "Ann", "Ivy")
    services.update_target(world.target, SYSTEM, level=1)
    [line] = analysis.objective_gap(world.objective).targets
    # Level 0 by the due date: Joe (his only P is for a context, another claim) and Ben (his certificate
    # lapses). Joe has a need; Ann already holds level 3 and Ivy has left, so their needs do not count.
    assert (line.one_level_short, line.pipeline) == (2, 1)


def test_new_evidence_today_is_counted_at_once(world) -> None:
    from compms.evidence.services import record_evidence

    record_evidence(SYSTEM, person=world.people["Eve"], competency=world.p, level=3, source="certificate",
                    assessed_on=TODAY)
    [line] = analysis.objective_gap(world.objective).targets
    assert (line.supply, line.gap) == (4, 0)


def test_pipeline_is_zero_without_open_development_needs(world) -> None:
    assert services.open_development_needs([world.people["Eve"].pk], world.p.uuid) == set()
    [line] = analysis.objective_gap(world.objective).targets
    assert line.pipeline == 0


def test_the_development_app_is_asked_once_it_provides_needs(world, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.machinery
    import sys
    import types

    from django.apps import apps

    fake = types.ModuleType("compms.development.services")
    fake.__spec__ = importlib.machinery.ModuleSpec("compms.development.services", None)
    fake.open_development_needs = lambda ids, comp_uuid: {world.people["Fay"].pk, 99999}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "compms.development.services", fake)
    real_is_installed = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name == "compms.development" or real_is_installed(name))
    # Only people who were asked about come back, whatever the provider answers.
    assert services.open_development_needs([world.people["Fay"].pk], world.p.uuid) == {world.people["Fay"].pk}
    [line] = analysis.objective_gap(world.objective).targets
    assert line.pipeline == 1


def test_targets_of_one_objective_are_read_in_a_fixed_number_of_queries(world, needs,
                                                                        django_assert_max_num_queries) -> None:
    needs("Eve")  # the development app's own queries (one look-up per target) are not counted here
    for level in (1, 2, 4, 5):
        services.add_target(world.objective, SYSTEM, competency=world.q if level % 2 else world.p, level=level,
                            headcount=3)
    with django_assert_max_num_queries(8):
        report = analysis.objective_gap(world.objective)
    assert len(report.targets) == 5

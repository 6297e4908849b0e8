"""Successors, readiness and bench strength on the hand-worked organisation of conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compms.access import SYSTEM
from compms.succession import analysis, services
from compms.succession.models import ReadinessOverride

from .conftest import TODAY


def by_name(report):
    return {s.name: s for s in report.successors}


def test_computed_successors_are_ranked_with_readiness_fit_and_gaps(world) -> None:
    report = analysis.successors(world.key_position, TODAY)
    # Eve (0.27) and Cat (0.18 now her certificate expired) are below the 0.6 threshold; the holder is
    # never their own successor.
    assert [s.name for s in report.successors] == ["Ann", "Ben", "Dan"]
    ann, ben, dan = report.successors
    assert (ann.fit, ann.computed) == (1.0, "ready_now")
    assert ben.fit == pytest.approx(10 / 11) and ben.computed == "ready_now"
    assert [(g.competency, g.required, g.proficiency) for g in ben.gaps] == [("OPS:Q", 2, 1)]
    assert dan.fit == pytest.approx(8 / 11)
    assert dan.computed == "ready_1_2_years"
    assert dan.hours_to_ready == 40 and dan.months_to_ready == 5
    assert report.holders == ["Hol"]
    assert (report.bench.ready_now, report.bench.ready_soon, report.bench.ready_later) == (2, 1, 0)


def test_an_expired_certificate_moves_someone_from_ready_now_to_not_ready(world) -> None:
    services.nominate(world.key_position, SYSTEM, person=world.people["Cat"])
    before = by_name(analysis.successors(world.key_position, dt.date(2026, 2, 15)))["Cat"]
    assert before.computed == "ready_now" and before.fit == 1.0
    after = by_name(analysis.successors(world.key_position, TODAY))["Cat"]
    assert after.nominated
    assert after.fit == pytest.approx(2 / 11)
    assert after.computed == "ready_1_2_years"  # 3 levels x 40 h = 120 h = 15 months
    assert after.hours_to_ready == 120
    assert [(g.competency, g.status) for g in after.gaps] == [("OPS:P", "expired")]


def test_a_manager_override_counts_and_keeps_the_computed_band_and_reason(world, cast) -> None:
    dan = world.people["Dan"]
    # Dan reports to Hana, not to Hol: the manager may not override for him...
    with pytest.raises(PermissionDenied):
        services.override_readiness(world.key_position, cast.manager, person=dan, readiness="ready_now",
                                    reason="Acted as lead all winter", computed="ready_1_2_years")
    # ...HR may, and a reason is required.
    with pytest.raises(ValidationError):
        services.override_readiness(world.key_position, cast.hr, person=dan, readiness="ready_now", reason=" ",
                                    computed="ready_1_2_years")
    services.override_readiness(world.key_position, cast.hr, person=dan, readiness="ready_now",
                                reason="Acted as lead all winter", computed="ready_1_2_years")
    report = analysis.successors(world.key_position, TODAY)
    found = by_name(report)["Dan"]
    assert (found.readiness, found.computed, found.override_reason) == (
        "ready_now", "ready_1_2_years", "Acted as lead all winter")
    assert (report.bench.ready_now, report.bench.ready_soon) == (3, 0)
    assert ReadinessOverride.objects.get().made_by == cast.hr


def test_emergency_cover_is_the_best_current_fit_in_the_unit_or_among_reports(world) -> None:
    report = analysis.successors(world.key_position, TODAY)
    assert [s.name for s in report.emergency_cover] == ["Ann", "Ben", "Dan"]


def test_bench_strength_flags_positions_with_no_ready_successor(world) -> None:
    from compms.organisation import services as org

    # The role in the lab (vacant) as a key role-in-unit: same role, same people, so the same bench.
    lab_key = services.mark_key_position(SYSTEM, role=world.lead, unit=world.units["LAB"], risk_of_loss="low")
    report = analysis.bench_strength([world.key_position, lab_key], TODAY, threshold=0.6)
    rows = {r.key_position.pk: r for r in report.positions}
    assert rows[world.key_position.pk].bench.ready_now == 2
    assert rows[world.key_position.pk].bench.strength == "strong"
    # Lab: no holder, so Hol (fit 1.0) also counts: Hol, Ann, Ben ready now.
    assert rows[lab_key.pk].bench.ready_now == 3
    assert rows[lab_key.pk].holders == []
    # Per critical competency: P at 3 is held by Hol (4), Ann, Ben; Dan is one level short.
    [p_bench] = report.competencies
    assert (p_bench.label, p_bench.required, p_bench.ready_now, p_bench.ready_soon) == ("OPS:P", 3, 3, 1)

    # Raise the bar: P becomes level 5 for LEAD -> nobody is ready now; the position is flagged.
    org.set_requirement(world.lead, SYSTEM, competency=world.p, level=5, criticality="essential")
    flagged = analysis.bench_strength([world.key_position], TODAY).positions[0]
    assert flagged.bench.flagged and flagged.bench.ready_now == 0
    # Someone must still act in the job tomorrow: the best current fits in the unit and the holder's team
    # (Ann 11/17, Ben 10/17, Dan 8/17).
    assert flagged.emergency_cover == ["Ann", "Ben", "Dan"]


def test_nominations_refuse_the_holder_and_duplicates(world, cast) -> None:
    with pytest.raises(ValidationError):
        services.nominate(world.key_position, cast.hr, person=world.people["Hol"])
    services.nominate(world.key_position, cast.manager, person=world.people["Ann"])
    with pytest.raises(ValidationError):
        services.nominate(world.key_position, cast.hr, person=world.people["Ann"])
    with pytest.raises(PermissionDenied):  # Eve is not in Hol's team
        services.nominate(world.key_position, cast.manager, person=world.people["Eve"])
    with pytest.raises(PermissionDenied):
        services.nominate(world.key_position, cast.employee, person=world.people["Ben"])

"""Organisation, unit, role and cell figures are sums of person-level answers.

Each generated organisation (seeded, see conftest) is measured twice: by the array reports, and
person by person with the person gaps service and `core.fit.role_fit`. The two must agree exactly,
on past dates, on today (when the person service reads the stored current view), with filters,
and for a manager who sees only their reports.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from compms.access import SYSTEM
from compms.core.fit import GAP_MET, role_fit
from compms.core.fit import Requirement as FitRequirement
from compms.evidence import proficiency as prof
from compms.gaps import analysis, reports
from compms.gaps.loader import load_snapshot
from compms.gaps.reports import ReportParams
from compms.organisation.models import Person, Requirement
from tests.gaps import reference

D = dt.date
pytestmark = pytest.mark.django_db


def ours(report: analysis.GapReport) -> dict[tuple, tuple[int, ...]]:
    return {(c.framework, c.competency, c.context): (c.people_required, c.people_met, c.people_short, c.levels_short,
                                                     c.held_below, c.missing, c.expired)
            for c in report.competencies}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("as_of", [D(2024, 6, 30), D(2025, 9, 1), None], ids=["2024-06-30", "2025-09-01", "today"])
def test_competency_totals_are_the_sum_of_each_persons_own_gaps(random_org, seed, as_of):
    random_org(seed)
    people = reference.answers(as_of or prof.today())
    rows = reference.merged_rows(people)

    report = reports.gap_report(SYSTEM, ReportParams(as_of=as_of))

    assert ours(report) == reference.competency_totals(rows)
    assert report.requirements == len(rows)
    assert report.met == sum(1 for _, gap in rows if gap.status == GAP_MET)
    # The generated data exercises every status, so a wrong split could not pass unnoticed.
    assert {"met", "short", "missing"} <= {gap.status for _, gap in rows}


@pytest.mark.parametrize("seed", [4, 5])
def test_expired_and_missing_are_told_apart_as_the_person_service_does(random_org, seed):
    random_org(seed)
    day = D(2026, 3, 1)
    rows = reference.merged_rows(reference.answers(day))
    statuses = Counter(gap.status for _, gap in rows)
    assert statuses["expired"] > 0 and statuses["missing"] > 0

    report = reports.gap_report(SYSTEM, ReportParams(as_of=day))

    assert sum(c.expired for c in report.competencies) == statuses["expired"]
    assert sum(c.missing for c in report.competencies) == statuses["missing"]


def test_unit_totals_count_everyone_below_the_unit(random_org):
    org = random_org(6)
    day = D(2025, 9, 1)
    rows = reference.merged_rows(reference.answers(day))

    report = reports.gap_report(SYSTEM, ReportParams(as_of=day))

    by_unit = {u.external_id: u for u in report.units}
    for external_id, unit in org.units.items():
        inside = [gap for answer, gap in rows if answer.unit_path.startswith(unit.path)]
        if not inside:
            assert external_id not in by_unit
            continue
        assert (by_unit[external_id].requirements, by_unit[external_id].met) == (
            len(inside), sum(1 for gap in inside if gap.status == GAP_MET))
        assert by_unit[external_id].levels_short == sum(gap.gap for gap in inside)
    assert by_unit["ROOT"].requirements == report.requirements


@pytest.mark.parametrize("as_of", [D(2025, 2, 1), None], ids=["2025-02-01", "today"])
def test_role_fit_and_readiness_average_the_person_service(random_org, as_of):
    random_org(7)
    people = reference.answers(as_of or prof.today())

    report = reports.gap_report(SYSTEM, ReportParams(as_of=as_of))

    assert report.roles, "the generated organisation has people in roles"
    for summary in report.roles:
        held = [answer.roles[summary.external_id] for answer in people if summary.external_id in answer.roles]
        assert summary.people == len(held)
        assert summary.average_fit == pytest.approx(sum(fit for fit, _ in held) / len(held))
        assert summary.ready == sum(1 for _, ready in held if ready)


def test_each_filter_counts_the_matching_person_level_lines(random_org):
    org = random_org(8)
    day = D(2025, 9, 1)
    people = reference.answers(day)
    merged = reference.merged_rows(people)
    names = reference.labels()
    east = org.units["EAST"].path

    by_unit = reports.gap_report(SYSTEM, ReportParams(unit="EAST", as_of=day))
    by_role = reports.gap_report(SYSTEM, ReportParams(role="R1", as_of=day))
    by_framework = reports.gap_report(SYSTEM, ReportParams(framework="BETA", as_of=day))
    essentials = reports.gap_report(SYSTEM, ReportParams(criticality="essential", as_of=day))
    combined = reports.gap_report(SYSTEM, ReportParams(unit="EAST", role="R2", criticality="desirable", as_of=day))

    assert ours(by_unit) == reference.competency_totals([(a, g) for a, g in merged if a.unit_path.startswith(east)])
    assert ours(by_role) == reference.competency_totals(reference.role_rows(people, "R1"))
    assert ours(by_framework) == reference.competency_totals(
        [(a, g) for a, g in merged if names[g.key][0] == "BETA"])
    assert ours(essentials) == reference.competency_totals(
        [(a, g) for a, g in merged if g.criticality == "essential"])
    assert ours(combined) == reference.competency_totals(
        [(a, g) for a, g in reference.role_rows(people, "R2")
         if a.unit_path.startswith(east) and g.criticality == "desirable"])
    assert [r.external_id for r in by_role.roles] == ["R1"]


def test_a_manager_sees_totals_over_their_own_reports_only(random_org, cast):
    org = random_org(9, cast=cast)
    day = D(2025, 9, 1)
    mine = [p for p in Person.objects.filter(active=True).select_related("unit")
            if p.pk == org.manager.pk or f"/{org.manager.pk}/" in p.manager_path]
    assert 1 < len(mine) < len(org.people)

    report = reports.gap_report(cast.manager, ReportParams(as_of=day))

    assert report.people == len(mine)
    assert ours(report) == reference.competency_totals(reference.merged_rows(reference.answers(day, mine)))


def test_heatmap_cells_and_their_people_match_the_person_level_lines(random_org):
    random_org(10)
    day = D(2025, 9, 1)
    rows = reference.merged_rows(reference.answers(day))
    names = reference.labels()
    snapshot = load_snapshot()
    scope = reports.make_scope(snapshot, SYSTEM, ReportParams(as_of=day))

    heat = analysis.heatmap(snapshot, scope, max_columns=50)

    assert [(snapshot.unit_external_id[r.unit], r.direct) for r in heat.rows] == [
        ("ROOT", True), ("EAST", False), ("WEST", False)]
    for i, row in enumerate(heat.rows):
        path = snapshot.unit_path[row.unit]
        for j, claim_index in enumerate(heat.columns):
            claim = snapshot.claims[claim_index]
            inside = [(a, g) for a, g in rows
                      if names[g.key] == (claim.framework, claim.code, claim.context)
                      and (a.unit_path == path if row.direct else a.unit_path.startswith(path))]
            assert (int(heat.requirements[i, j]), int(heat.met[i, j])) == (
                len(inside), sum(1 for _, g in inside if g.status == GAP_MET))
            scoped = reports.make_scope(snapshot, SYSTEM, ReportParams(unit=snapshot.unit_external_id[row.unit],
                                                                     as_of=day))
            behind = analysis.cell_rows(snapshot, scoped, claim_index, direct=row.direct)
            assert sorted(snapshot.person_employee_id[behind.person].tolist()) == sorted(
                a.person.employee_id for a, _ in inside)


def test_best_fit_ranks_everyone_by_their_fit_against_the_whole_profile(random_org):
    random_org(11)
    day = D(2025, 9, 1)
    lines = [FitRequirement(key=(r.competency_uuid, r.context_id), required=r.level, criticality=r.criticality)
             for r in Requirement.objects.filter(role__external_id="R2")]
    holders = set(Person.objects.filter(positions__role__external_id="R2").values_list("employee_id", flat=True))
    expected = []
    for person in Person.objects.filter(active=True):
        fit = role_fit(lines, prof.proficiency_as_of(person.pk, day))
        expected.append((-fit.fit, fit.weighted_gap, person.name, person.employee_id, fit))
    expected.sort(key=lambda item: item[:3])

    _snapshot, _scope, result = reports.best_fit(SYSTEM, "R2", ReportParams(as_of=day), top=8)

    assert result.considered == len(expected)
    assert [(c.employee_id, round(c.fit, 12), c.ready) for c in result.candidates] == [
        (e[3], round(e[4].fit, 12), e[4].ready) for e in expected[:8]]
    for candidate, (*_, fit) in zip(result.candidates, expected):
        assert candidate.holds_role == (candidate.employee_id in holders)
        assert len(candidate.gaps) == sum(1 for g in fit.gaps if g.status != GAP_MET)

    _, _, without_holders = reports.best_fit(SYSTEM, "R2", ReportParams(as_of=day), top=50, exclude_holders=True)
    assert not any(c.holds_role for c in without_holders.candidates)
    assert without_holders.considered == len(expected) - len(holders)


def test_expiry_waves_count_the_month_each_met_requirement_stops_being_met(random_org):
    random_org(12)
    day = D(2025, 3, 15)
    people = reference.answers(day)
    ends = analysis.month_ends(day, 12)
    expected = Counter()
    for answer in people:
        needs = [FitRequirement(key=g.key, required=g.required, criticality=g.criticality) for g in answer.merged]
        met_now = {g.key for g in answer.merged if g.status == GAP_MET}
        if not met_now:
            continue
        later = [role_fit(needs, prof.proficiency_as_of(answer.person.pk, end)) for end in ends]
        for key in met_now:
            for month, fit in enumerate(later):
                if next(g for g in fit.gaps if g.key == key).status != GAP_MET:
                    expected[month] += 1
                    break
    assert sum(expected.values()) > 0, "some requirement lapses in the generated data"

    snapshot = load_snapshot()
    waves = analysis.expiry_waves(snapshot, reports.make_scope(snapshot, SYSTEM, ReportParams(as_of=day)))

    assert [m.requirements for m in waves.months] == [expected[m] for m in range(12)]
    assert [m.month for m in waves.months] == [end.replace(day=1) for end in ends]


def test_coverage_over_time_is_todays_requirements_met_on_each_date(random_org):
    random_org(13)
    day = D(2025, 9, 1)
    people = reference.answers(day)
    snapshot = load_snapshot()

    points = analysis.coverage_over_time(snapshot, reports.make_scope(snapshot, SYSTEM, ReportParams(as_of=day)))

    assert [p.day for p in points if not p.projected][-1] == day
    for point in points[::5]:
        met = 0
        for answer in people:
            needs = [FitRequirement(key=g.key, required=g.required, criticality=g.criticality) for g in answer.merged]
            fit = role_fit(needs, prof.proficiency_as_of(answer.person.pk, point.day))
            met += sum(1 for g in fit.gaps if g.status == GAP_MET)
        assert (point.requirements, point.met) == (sum(len(a.merged) for a in people), met), point.day


def test_single_points_of_competence_match_a_count_of_holders_per_unit(random_org):
    random_org(14, people=40)
    day = D(2026, 3, 1)
    people = reference.answers(day)
    names = reference.labels()
    needed: dict[tuple, int] = {}
    requiring: Counter = Counter()
    for answer in people:
        for gap in answer.merged:
            if gap.criticality == "essential":
                key = (answer.person.unit.external_id, gap.key)
                needed[key] = max(needed.get(key, 0), gap.required)
                requiring[key] += 1
    expected = {}
    for (unit, key), level in needed.items():
        holders = [a for a in people if a.person.unit.external_id == unit
                   and a.proficiency.get(key) is not None and a.proficiency[key].held
                   and a.proficiency[key].level >= level]
        if len(holders) <= 1:
            expected[(unit, names[key])] = (level, requiring[(unit, key)], len(holders))
    assert expected, "the generated organisation has single points"

    points = analysis.single_points(load_snapshot(), reports.make_scope(load_snapshot(), SYSTEM,
                                                                        ReportParams(as_of=day)))

    assert {(p.unit_external_id, (p.claim.framework, p.claim.code, p.claim.context)):
            (p.required, p.people_requiring, p.holders) for p in points} == expected


def test_level_distribution_counts_everyone_in_the_unit_at_each_level(random_org):
    org = random_org(15)
    day = D(2025, 9, 1)
    snapshot = load_snapshot()
    scope = reports.make_scope(snapshot, SYSTEM, ReportParams(unit="EAST", as_of=day))
    claim = reports.resolve_claim(snapshot, "ALPHA:A1")
    competency = org.competencies["A1"]
    inside = [p for p in Person.objects.filter(active=True) if p.unit.path.startswith(org.units["EAST"].path)]
    levels = Counter()
    expired = 0
    for person in inside:
        found = prof.proficiency_as_of(person.pk, day).get((competency.uuid, None))
        levels[found.level if found else 0] += 1
        expired += bool(found and found.status == "expired")

    result = analysis.level_distribution(snapshot, scope, claim)

    assert result.people == len(inside)
    assert {c.level: c.people for c in result.levels if c.people} == {k: v for k, v in levels.items() if v}
    assert result.expired == expired

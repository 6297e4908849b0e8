"""The bulk loader: what it reads, and that a cached report is never stale after a write.

Writes go through the services (evidence, requirement lines, positions), as in production: each
writes an audit record, which moves the data version the cache is keyed by.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from compms.access import SYSTEM
from compms.evidence import services as evidence_services
from compms.evidence.models import Evidence
from compms.gaps import loader, reports
from compms.gaps.reports import ReportParams
from compms.organisation import services as organisation_services
from compms.organisation.models import Position, Requirement
from tests.gaps import reference

D = dt.date
pytestmark = pytest.mark.django_db


def competency_line(report, code: str, context: str | None = None):
    return next(c for c in report.competencies if c.competency == code and c.context == context)


def test_iso_dates_parse_to_the_same_ordinals_as_python():
    days = [D(1999, 12, 31), D(2000, 2, 29), D(2024, 2, 29), D(2024, 3, 1), D(2026, 1, 1), D(2100, 3, 1)]
    text = "".join(d.isoformat() + "0000-00-00" for d in days).encode()

    ordinals, present = loader.iso_dates_to_ordinals(text, 20, 0)
    _, absent = loader.iso_dates_to_ordinals(text, 20, 10)

    assert ordinals.tolist() == [d.toordinal() for d in days]
    assert present.all() and not absent.any()


@pytest.mark.parametrize("context_bits", [loader.CONTEXT_BITS, 0], ids=["id-and-context-packed", "separate"])
def test_evidence_is_read_with_every_fact_intact(random_org, monkeypatch, context_bits):
    random_org(21)
    monkeypatch.setattr(loader, "CONTEXT_BITS", context_bits)

    store = loader.read_evidence()

    expected = list(Evidence.objects.order_by("pk").values_list(
        "pk", "person_id", "competency_id", "context_id", "level", "source", "assessed_on", "valid_until", "status"))
    assert len(store) == len(expected) > 0
    from compms.core.rollup import SOURCES
    for i, (pk, person, competency, context, level, source, assessed, until, status) in enumerate(expected):
        assert (int(store.pk[i]), int(store.person_pk[i]), int(store.competency_id[i]), int(store.context_id[i]),
                int(store.level[i]), SOURCES[store.source_code[i]], int(store.recorded_ord[i]),
                bool(store.active[i])) == (pk, person, competency, context or 0, level, source,
                                           assessed.toordinal(), status == "active")
        assert int(store.valid_until_ord[i]) == (until.toordinal() if until else loader.NO_EXPIRY)


def test_evidence_is_read_in_chunks_without_losing_a_row(random_org, monkeypatch):
    random_org(22)
    monkeypatch.setattr(loader, "EVIDENCE_CHUNK", 7)

    store = loader.read_evidence()

    assert store.pk.tolist() == list(Evidence.objects.order_by("pk").values_list("pk", flat=True))


def test_an_unchanged_database_answers_from_the_cache_with_one_query(random_org, django_assert_num_queries):
    random_org(23)
    first = loader.load_snapshot()

    with django_assert_num_queries(1):
        again = loader.load_snapshot()

    assert again is first


def test_recording_evidence_changes_the_next_report(random_org):
    org = random_org(24)
    day = D(2026, 6, 1)
    line = Requirement.objects.filter(role__external_id="R1", context__isnull=True).select_related("competency").first()
    holder = Position.objects.filter(role__external_id="R1", holder__isnull=False).first().holder
    before = competency_line(reports.gap_report(SYSTEM, ReportParams(as_of=day)), line.competency.code)
    # Make sure the holder meets it after the write, whatever they had: a level-5 assessment.
    evidence_services.record_evidence(SYSTEM, person=holder, competency=line.competency, level=5, source="assessor",
                                      assessed_on=D(2026, 5, 1), assessor=org.people[0])

    after = competency_line(reports.gap_report(SYSTEM, ReportParams(as_of=day)), line.competency.code)

    assert after.people_required == before.people_required
    assert after.people_met >= before.people_met
    met_before = reports.gap_report(SYSTEM, ReportParams(as_of=day)).met
    evidence = Evidence.objects.filter(person=holder).order_by("-pk").first()
    evidence_services.revoke_evidence(evidence, SYSTEM, reason="entered against the wrong person")
    assert reports.gap_report(SYSTEM, ReportParams(as_of=day)).met <= met_before
    assert competency_line(reports.gap_report(SYSTEM, ReportParams(as_of=day)), line.competency.code) == before


def test_a_new_record_that_closes_a_gap_shows_at_once(random_org):
    org = random_org(25)
    day = D(2026, 6, 1)
    report = reports.gap_report(SYSTEM, ReportParams(as_of=day))
    short = next(c for c in report.competencies if c.people_short and c.context is None)
    snapshot = loader.load_snapshot()
    state_rows = reports.analysis.requirement_rows(
        snapshot, reports.analysis.state(snapshot, day), reports.make_scope(snapshot, SYSTEM, ReportParams(as_of=day)))
    claim = next(i for i, c in enumerate(snapshot.claims) if c.code == short.competency and c.context is None)
    unmet = state_rows.take((state_rows.claim == claim) & (state_rows.status != 0))
    person_index = int(unmet.person[0])
    person = next(p for p in org.people if p.pk == int(snapshot.person_pk[person_index]))

    evidence_services.record_evidence(SYSTEM, person=person, competency=org.competencies[short.competency], level=5,
                                      source="certificate", assessed_on=D(2026, 5, 1))

    after = competency_line(reports.gap_report(SYSTEM, ReportParams(as_of=day)), short.competency)
    assert after.people_met == short.people_met + 1
    assert after.people_short == short.people_short - 1


def test_changing_a_requirement_level_changes_the_next_report(random_org):
    random_org(26)
    day = D(2026, 6, 1)
    line = (Requirement.objects.filter(role__external_id="R2", context__isnull=True, level__lt=5)
            .select_related("competency", "role").first())
    before = competency_line(reports.gap_report(SYSTEM, ReportParams(role="R2", as_of=day)), line.competency.code)

    organisation_services.set_requirement(line.role, SYSTEM, competency=line.competency, level=5,
                                          criticality=line.criticality)

    after = competency_line(reports.gap_report(SYSTEM, ReportParams(role="R2", as_of=day)), line.competency.code)
    assert after.people_required == before.people_required
    assert after.levels_short > before.levels_short
    expected = reference.competency_totals(reference.role_rows(reference.answers(day), "R2"))
    assert (after.people_required, after.people_met, after.people_short, after.levels_short) == expected[
        (after.framework, after.competency, None)][:4]


def test_filling_and_vacating_a_position_changes_the_next_report(random_org):
    org = random_org(27)
    day = D(2026, 6, 1)
    before = reports.gap_report(SYSTEM, ReportParams(role="R1", as_of=day))
    vacant = Position.objects.get(holder__isnull=True, role__external_id="R1")
    newcomer = next(p for p in org.people if not Position.objects.filter(holder=p, role__external_id="R1").exists())

    organisation_services.assign_position(vacant, SYSTEM, person=newcomer, start_date=day)
    filled = reports.gap_report(SYSTEM, ReportParams(role="R1", as_of=day))
    organisation_services.vacate_position(vacant, SYSTEM, end_date=day)
    emptied = reports.gap_report(SYSTEM, ReportParams(role="R1", as_of=day))

    lines = Requirement.objects.filter(role__external_id="R1").count()
    assert filled.requirements == before.requirements + lines
    assert filled.roles[0].people == before.roles[0].people + 1
    assert emptied.as_dict() == before.as_dict()


def test_refreshing_after_writes_gives_what_a_full_load_gives(random_org):
    org = random_org(28)
    first = loader.load_snapshot()
    old = Evidence.objects.filter(status="active").order_by("pk").first()
    evidence_services.revoke_evidence(old, SYSTEM, reason="duplicate")
    evidence_services.record_evidence(SYSTEM, person=org.people[3], competency=org.competencies["B2"], level=2,
                                      source="manager", assessed_on=D(2026, 1, 10))

    refreshed = loader.load_snapshot()
    loader.clear_cache()
    full = loader.load_snapshot()

    assert refreshed is not first and refreshed.version == full.version
    for name in ("person_idx", "comp_idx", "level", "source_code", "recorded_ord", "valid_until_ord", "active",
                 "evidence_id"):
        assert np.array_equal(getattr(refreshed.evidence, name), getattr(full.evidence, name)), name
    revoked_row = np.flatnonzero(full.evidence.evidence_id == old.pk)
    assert not full.evidence.active[revoked_row].any()


def test_the_disk_cache_is_a_starting_point_checked_against_the_database(random_org, tmp_path, monkeypatch):
    org = random_org(29)
    path = tmp_path / "gaps-evidence.npz"
    monkeypatch.setattr(loader.disk_cache, "path", lambda using: path)
    loader.disk_cache.save("default", loader.read_evidence())
    evidence_services.record_evidence(SYSTEM, person=org.people[4], competency=org.competencies["A3"], level=3,
                                      source="test", assessed_on=D(2026, 2, 2))

    from_disk = loader._current_evidence(None, loader.data_version(), "default")

    full = loader.read_evidence()
    assert from_disk.pk.tolist() == full.pk.tolist()
    assert from_disk.level.tolist() == full.level.tolist()
    # A file from another history (its newest record no longer matches) is not trusted.
    stale = loader.disk_cache.load("default")
    stale.watermark_stamp = "2001-01-01 00:00:00"
    loader.disk_cache.save("default", stale)
    assert loader._current_evidence(None, loader.data_version(), "default").pk.tolist() == full.pk.tolist()
    assert loader.disk_cache.load("default").watermark_stamp == full.watermark_stamp


def test_todays_rollup_is_reused_from_disk_only_for_the_same_data(random_org, tmp_path, monkeypatch):
    from compms.evidence import proficiency as prof
    from compms.gaps import analysis

    org = random_org(30)
    monkeypatch.setattr(loader.disk_cache, "folder", lambda using: (tmp_path, "test"))
    today = prof.today()
    first = reports.gap_report(SYSTEM, ReportParams()).as_dict()
    assert (tmp_path / "gaps-rollup-test.npz").exists()

    loader.clear_cache()
    monkeypatch.setattr(analysis, "_rollup_by_policy", lambda snapshot, as_of: pytest.fail("rolled up again"))
    assert reports.gap_report(SYSTEM, ReportParams()).as_dict() == first  # a "new process": read from disk

    monkeypatch.undo()
    monkeypatch.setattr(loader.disk_cache, "folder", lambda using: (tmp_path, "test"))
    evidence_services.record_evidence(SYSTEM, person=org.people[6], competency=org.competencies["A1"], level=4,
                                      source="certificate", assessed_on=today - dt.timedelta(days=3))
    loader.clear_cache()
    calls = []
    original = analysis._rollup_by_policy
    monkeypatch.setattr(analysis, "_rollup_by_policy", lambda snapshot, as_of: calls.append(1) or original(snapshot,
                                                                                                       as_of))
    reports.gap_report(SYSTEM, ReportParams())
    assert calls == [1]  # the data changed, so the saved rollup was not used

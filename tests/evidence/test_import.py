"""`compms import evidence FILE`: good files land whole with their batch, bad rows are reported by
row number and field, and nothing at all is stored."""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from compms.access import SYSTEM
from compms.core.rollup import EvidenceFact, rollup
from compms.evidence import proficiency as prof
from compms.evidence.imports import import_evidence_file
from compms.evidence.models import CurrentProficiency, Evidence, ImportBatch
from compms.interop.base import ImportFailed, write_table

D = dt.date
pytestmark = pytest.mark.django_db
HEADER = ["employee_id", "framework", "competency_code", "level", "source", "assessed_on", "valid_until",
          "assessor_id", "context", "note"]


def write(tmp_path: Path, rows: list[list[str]], name: str = "evidence.csv", header=HEADER) -> Path:
    path = tmp_path / name
    path.write_bytes(write_table(header, rows, "xlsx" if name.endswith(".xlsx") else "csv"))
    return path


GOOD = [
    ["E-KIM", "OPS", "P", "3", "manager", "2025-10-01", "", "", "", "annual review"],
    ["E-KIM", "OPS", "P", "2", "assessor", "2024-02-01", "2026-02-28", "E-AVA", "", ""],
    ["E-KIM", "OPS", "Q", "1", "test", "2026-02-01", "", "", "", ""],
    ["E-KIM", "OPS", "Q", "2", "test", "2026-02-01", "", "", "", ""],
    ["E-LEE", "OPS", "P", "3", "certificate", "2024-01-31", "2026-01-31", "", "north-site", "scan on file"],
]


def test_a_good_file_is_stored_with_its_batch_and_refreshes_proficiency(org, cast, tmp_path, on_day):
    on_day(D(2026, 3, 1))
    path = write(tmp_path, GOOD)
    out = io.StringIO()
    call_command("import", "evidence", str(path), "--as-user", "hr", stdout=out)
    assert "Imported 5 evidence rows for 2 people from evidence.csv" in out.getvalue()
    batch = ImportBatch.objects.get()
    assert (batch.file_name, batch.rows, batch.imported_by) == ("evidence.csv", 5, cast.hr)
    assert Evidence.objects.filter(import_batch=batch, recorded_by=cast.hr).count() == 5
    kim_p = CurrentProficiency.objects.get(person=org.kim, competency_uuid=org.p.uuid)
    assert (kim_p.level, kim_p.source) == (3, "manager")  # the assessor record lapsed on 28 February
    kim_q = CurrentProficiency.objects.get(person=org.kim, competency_uuid=org.q.uuid)
    assert (kim_q.level, kim_q.source) == (2, "test")
    lee = CurrentProficiency.objects.get(person=org.lee, competency_uuid=org.p.uuid)
    assert (lee.context_id, lee.level, lee.status) == (org.site.pk, 0, "expired")
    assessed = Evidence.objects.get(source="assessor")
    assert (assessed.assessor_id, assessed.valid_until) == (org.ava.pk, D(2026, 2, 28))


def test_an_xlsx_file_imports_the_same_way(org, tmp_path):
    import_evidence_file(write(tmp_path, GOOD, "evidence.xlsx"), SYSTEM)
    assert Evidence.objects.count() == 5


def test_imported_rows_join_the_evidence_already_there(org, add, tmp_path, on_day):
    on_day(D(2026, 3, 1))
    add(org.olu, org.p, 4, "certificate", D(2025, 1, 1))
    import_evidence_file(write(tmp_path, [["E-OLU", "OPS", "P", "2", "manager", "2026-01-01", "", "", "", ""]]),
                         SYSTEM)
    row = CurrentProficiency.objects.get(person=org.olu, competency_uuid=org.p.uuid)
    assert (row.level, row.source) == (4, "certificate")


def test_bad_rows_are_named_and_nothing_is_stored(org, tmp_path, on_day):
    on_day(D(2026, 3, 1))
    rows = [
        GOOD[0],
        ["E-NOBODY", "OPS", "P", "3", "manager", "2025-10-01", "", "", "", ""],  # row 3
        ["E-KIM", "OPS", "ZZ", "3", "manager", "2025-10-01", "", "", "", ""],  # row 4
        ["E-KIM", "OPS", "P", "6", "manager", "2025-10-01", "", "", "", ""],  # row 5
        ["E-KIM", "OPS", "P", "3", "manager", "2025-10-01", "2025-09-30", "", "", ""],  # row 6
        ["E-KIM", "OPS", "P", "3", "manager", "2026-03-02", "", "", "", ""],  # row 7
        ["E-KIM", "OPS", "P", "3", "rumour", "2025-10-01", "", "", "", ""],  # row 8
        ["E-KIM", "OPS", "P", "3", "manager", "01/10/2025", "", "E-GHOST", "moon", ""],  # row 9
    ]
    with pytest.raises(ImportFailed) as failure:
        import_evidence_file(write(tmp_path, rows), SYSTEM)
    found = {(e.row, e.field) for e in failure.value.errors}
    assert found == {(3, "employee_id"), (4, "competency_code"), (5, "level"), (6, "valid_until"),
                     (7, "assessed_on"), (8, "source"), (9, "assessed_on"), (9, "assessor_id"), (9, "context")}
    messages = {(e.row, e.field): e.message for e in failure.value.errors}
    assert messages[(5, "level")] == "level 6 is beyond the scale of P (0..5)"
    assert messages[(7, "assessed_on")] == "2026-03-02 is in the future"
    assert Evidence.objects.count() == 0
    assert ImportBatch.objects.count() == 0
    assert CurrentProficiency.objects.count() == 0


def test_the_command_prints_row_numbered_errors(org, tmp_path):
    path = write(tmp_path, [GOOD[0], ["E-KIM", "OPS", "P", "x", "manager", "2025-10-01", "", "", "", ""]])
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import", "evidence", str(path), stderr=err)
    assert "evidence.csv: row 3, field level: 'x' is not a whole number" in err.getvalue()
    assert Evidence.objects.count() == 0


def test_a_missing_column_is_reported_on_the_header_row(org, tmp_path):
    path = write(tmp_path, [["E-KIM", "OPS", "P", "3", "manager"]], header=HEADER[:5])
    with pytest.raises(ImportFailed) as failure:
        import_evidence_file(path, SYSTEM)
    assert [(e.row, e.field) for e in failure.value.errors] == [(1, "assessed_on")]


def test_only_hr_may_import(org, cast, tmp_path):
    with pytest.raises(ImportFailed, match="Only HR"):
        import_evidence_file(write(tmp_path, GOOD), cast.manager)
    assert Evidence.objects.count() == 0


def test_the_bulk_refresh_matches_the_scalar_rollup_on_random_histories(org, tmp_path, on_day, monkeypatch):
    today = D(2026, 3, 1)
    on_day(today)
    # Take the big-file paths even for a few rows: COPY on PostgreSQL, index rebuild on SQLite.
    monkeypatch.setattr(prof, "COPY_THRESHOLD", 0)
    monkeypatch.setattr(prof, "BULK_REINDEX_ROWS", 1)
    rng = random.Random(7)
    people = ["E-KIM", "E-LEE", "E-OLU", "E-MO"]
    sources = ["assessor", "certificate", "manager", "test", "training", "experience", "self"]
    rows = []
    for _ in range(400):
        assessed = D(2025, 1, 1) + dt.timedelta(days=rng.randrange(420))
        until = assessed + dt.timedelta(days=rng.randrange(30, 500)) if rng.random() < 0.4 else None
        rows.append([rng.choice(people), "OPS", rng.choice("PQ"), str(rng.randrange(6)), rng.choice(sources),
                     assessed.isoformat(), until.isoformat() if until else "", "",
                     "north-site" if rng.random() < 0.2 else "", ""])
    import_evidence_file(write(tmp_path, rows), SYSTEM)
    facts: dict[tuple, list[EvidenceFact]] = {}
    for e in Evidence.objects.all():
        facts.setdefault((e.person_id, e.competency_uuid, e.context_id), []).append(prof.fact_of(e))
    expected = {key: rollup(items, today) for key, items in facts.items()}
    stored = {(r.person_id, r.competency_uuid, r.context_id): (r.level, r.status, r.verified, r.source, r.evidence_id)
              for r in CurrentProficiency.objects.all()}
    assert stored == {key: (p.level, p.status, p.verified, p.source, p.evidence_id) for key, p in expected.items()}
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, CurrentProficiency._meta.db_table)
    assert indexes["proficiency_by_competency"]["columns"] == ["competency_uuid", "level"]


def test_the_api_import_keeps_the_file_name_and_reports_rows_on_failure(org, api, cast, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = write(tmp_path, GOOD).read_bytes()
    response = api("hr").post_file("/api/v1/import/evidence",
                                   {"file": SimpleUploadedFile("from-lms.csv", good, content_type="text/csv")})
    assert response.status_code == 200, response.content
    assert response.json()["counts"]["rows"] == 5
    assert ImportBatch.objects.get().file_name == "from-lms.csv"
    bad = write(tmp_path, [["E-KIM", "OPS", "P", "9", "manager", "2025-10-01", "", "", "", ""]]).read_bytes()
    refused = api("hr").post_file("/api/v1/import/evidence", {"file": SimpleUploadedFile("bad.csv", bad)})
    assert refused.status_code == 400
    assert refused.json()["detail"] == [{"row": 2, "item": None, "field": "level",
                                         "message": "level 9 is beyond the scale of P (0..5)"}]
    assert api("manager").post_file("/api/v1/import/evidence",
                                    {"file": SimpleUploadedFile("x.csv", good)}).status_code == 403
    assert Evidence.objects.count() == 5


def test_stray_spaces_and_blank_lines_are_tolerated(org, tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text(",".join(HEADER) + "\n"
                    " E-KIM , OPS , P , 3 , manager , 2025-10-01 ,  , , , spaced note \n"
                    ",,,,,,,,,\n"
                    "E-LEE,OPS,Q,2,test,2025-10-01,,,,\n", encoding="utf-8")
    outcome = import_evidence_file(path, SYSTEM)
    assert outcome.rows == 2
    kim = Evidence.objects.get(person=org.kim)
    assert (kim.level, kim.source, kim.valid_until, kim.note) == (3, "manager", None, "spaced note")

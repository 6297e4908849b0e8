"""Competency dictionary spreadsheets: our layout (CSV and .xlsx) and OpenSALT's."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from compms.access import SYSTEM
from compms.frameworks.models import Competency, Framework, FrameworkVersion
from compms.interop.base import ImportFailed, read_table
from compms.interop.case import export_case, import_case
from compms.interop.framework_table import export_table, import_table

from .conftest import depth_of, dictionary_of
from .test_case_roundtrip import build_native_dictionary

HEADER = "framework_code,framework_name,code,parent_code,name,kind,description,indicator_1,indicator_3\n"
SHEET = HEADER + (
    "PLANT,Plant operations,OPS,,Operations,,,,\n"
    "PLANT,Plant operations,OPS.1,OPS,Start the pump,skill,Start-up sequence,Knows the steps,Starts it alone\n"
    "PLANT,Plant operations,OPS.2,OPS,Pump hydraulics,Knowledge,,,\n"
    "PLANT,Plant operations,CALM,,Staying calm,behavior,,,\n"
)


def write(tmp_path: Path, text: str, name: str = "sheet.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, **options) -> list[str]:
    before = (Framework.objects.count(), Competency.objects.count())
    with pytest.raises(ImportFailed) as failure:
        import_table(path, SYSTEM, **options)
    assert (Framework.objects.count(), Competency.objects.count()) == before
    return [str(e) for e in failure.value.errors]


@pytest.mark.django_db
def test_a_sheet_creates_the_framework_with_tree_kinds_and_indicators(tmp_path):
    outcome, _stats = import_table(write(tmp_path, SHEET), SYSTEM)
    assert (outcome.framework.code, outcome.framework.name, outcome.added) == ("PLANT", "Plant operations", 4)
    version = outcome.version
    pump = version.competencies.get(code="OPS.1")
    assert pump.parent.code == "OPS" and pump.description == "Start-up sequence"
    assert dict(pump.indicators.values_list("level", "text")) == {1: "Knows the steps", 3: "Starts it alone"}
    kinds = dict(version.competencies.values_list("code", "kind"))
    assert kinds == {"OPS": "skill", "OPS.1": "skill", "OPS.2": "knowledge", "CALM": "behaviour"}
    assert list(version.competencies.get(code="OPS").children.order_by("sort_order")
                .values_list("code", flat=True)) == ["OPS.1", "OPS.2"]


@pytest.mark.django_db
def test_reimport_is_idempotent_and_updates_by_code_or_uuid(tmp_path):
    import_table(write(tmp_path, SHEET), SYSTEM, publish=True)
    again, _stats = import_table(write(tmp_path, SHEET), SYSTEM)
    assert not again.changed and Framework.objects.get(code="PLANT").versions.count() == 1

    uuid_of_calm = str(Framework.objects.get(code="PLANT").latest_published().competencies.get(code="CALM").uuid)
    changed = SHEET.replace("Start the pump", "Start the main pump").replace("CALM,,Staying calm", "COOL,,Staying calm")
    changed = changed.replace(",indicator_3\n", ",indicator_3,uuid\n", 1).replace("behavior,,,\n",
                                                                                  f"behavior,,,,{uuid_of_calm}\n")
    outcome, _stats = import_table(write(tmp_path, changed), SYSTEM)
    assert (outcome.added, outcome.updated, outcome.removed, outcome.new_draft) == (0, 2, 0, True)
    draft = outcome.version
    assert draft.competencies.get(code="OPS.1").name == "Start the main pump"
    assert str(draft.competencies.get(code="COOL").uuid) == uuid_of_calm  # renamed, same competency
    assert draft.competencies.count() == 4


@pytest.mark.django_db
def test_removing_a_parent_keeps_the_children_the_sheet_moves_elsewhere(tmp_path):
    import_table(write(tmp_path, SHEET), SYSTEM)
    moved = HEADER + ("PLANT,Plant operations,OPS.1,,Start the pump,skill,Start-up sequence,Knows the steps,"
                      "Starts it alone\nPLANT,Plant operations,CALM,,Staying calm,behaviour,,,\n")
    outcome, _stats = import_table(write(tmp_path, moved), SYSTEM)
    assert (outcome.added, outcome.updated, outcome.removed) == (0, 1, 2)
    version = outcome.version
    assert sorted(version.competencies.values_list("code", flat=True)) == ["CALM", "OPS.1"]
    assert version.competencies.get(code="OPS.1").parent is None
    assert version.competencies.get(code="OPS.1").indicators.count() == 2


@pytest.mark.django_db
def test_codes_may_move_between_competencies_named_by_uuid(tmp_path):
    import_table(write(tmp_path, SHEET), SYSTEM)
    ids = dict(Framework.objects.get(code="PLANT").draft().competencies.values_list("code", "uuid"))
    swapped = ("framework_code,code,name,uuid\n"
               f"PLANT,OPS,Operations,{ids['OPS']}\nPLANT,OPS.1,Pump hydraulics,{ids['OPS.2']}\n"
               f"PLANT,OPS.2,Start the pump,{ids['OPS.1']}\nPLANT,CALM,Staying calm,{ids['CALM']}\n")
    outcome, _stats = import_table(write(tmp_path, swapped), SYSTEM)
    assert (outcome.added, outcome.updated, outcome.removed) == (0, 2, 0)
    version = outcome.version
    assert str(version.competencies.get(code="OPS.1").uuid) == str(ids["OPS.2"])
    # Columns left out of the sheet (parent_code, kind, indicators...) are left as they were.
    assert version.competencies.get(code="OPS.1").kind == "knowledge"
    assert version.competencies.get(code="OPS.2").parent.code == "OPS"
    assert version.competencies.get(code="OPS.2").indicators.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_sheet_imports_back_unchanged(tmp_path, fmt):
    build_native_dictionary()
    before = dictionary_of("OPS")
    case_package, _name = export_case("OPS")
    content, filename = export_table("OPS", fmt)
    assert filename == f"OPS-v1.{fmt}"
    path = tmp_path / filename
    path.write_bytes(content)
    rows = read_table(path, required=("code",), optional=tuple(read_header(path)))
    assert [r.get("code") for r in rows] == ["SAF", "SAF.01", "LEAD"]
    assert rows[2].get("scale") == "sfia" and rows[2].get("indicator_7") == "Sets policy"

    again, _stats = import_table(path, SYSTEM)
    assert not again.changed

    Framework.objects.all().delete()
    # An empty database has no "sfia" scale for the LEAD row to name: a sheet cannot define scales.
    assert "row 4, field scale: no scale with code 'sfia' in OPS v1" in refused(path)
    import_case(case_package, SYSTEM)  # scales come with CASE; then the sheet fits again
    again, _stats = import_table(path, SYSTEM)
    assert not again.changed and dictionary_of("OPS") == before


def read_header(path: Path) -> list[str]:
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        return [c.value for c in next(load_workbook(path, read_only=True).worksheets[0].iter_rows(max_row=1))]
    return next(csv.reader(io.StringIO(path.read_text())))


@pytest.mark.django_db
def test_bad_rows_are_refused_with_their_row_numbers(tmp_path):
    text = HEADER + (
        "PLANT,Plant operations,OPS,,Operations,,,,\n"
        "PLANT,Plant operations,OPS.1,NOPE,Start the pump,,,,\n"  # row 3: unknown parent
        "PLANT,Plant operations,OPS,,Again,,,,\n"  # row 4: duplicate code
        "PLANT,Plant operations,X,Y,Cycle one,,,,\n"  # rows 5 and 6: a parent cycle
        "PLANT,Plant operations,Y,X,Cycle two,,,,\n"
        "PLANT,Plant operations,Z,,Bad kind,attitude,,,\n"  # row 7
    )
    errors = refused(write(tmp_path, text))
    assert "row 3, field parent_code: parent 'NOPE' is not in the file" in errors
    assert "row 4, field code: duplicate code 'OPS' (also on row 2)" in errors
    assert "row 5, field parent_code: parent cycle: X -> Y -> X" in errors
    assert "row 6, field parent_code: parent cycle: X -> Y -> X" in errors
    assert "row 7, field kind: 'attitude' is not a kind (use skill, knowledge or behaviour)" in errors


@pytest.mark.django_db
def test_an_indicator_beyond_the_scale_is_refused(tmp_path):
    text = "framework_code,code,name,indicator_6\nPLANT,OPS,Operations,Beyond the default 0-5 scale\n"
    errors = refused(write(tmp_path, text))
    assert errors == ["row 2, field indicator_6: level 6 is beyond the scale Proficiency (levels 1..5)"]


@pytest.mark.django_db
def test_the_sheet_must_name_one_framework(tmp_path):
    assert refused(write(tmp_path, "code,name\nA,Alpha\n")) == [
        "field framework_code: name the framework: fill the framework_code column or give --framework"]
    outcome, _stats = import_table(write(tmp_path, "code,name\nA,Alpha\n"), SYSTEM, framework_code="ALPHA")
    assert outcome.framework.code == "ALPHA"


# ---------------------------------------------------------------- OpenSALT's spreadsheet layout

@pytest.mark.django_db
def test_the_common_core_ela_sheet_imports_in_the_opensalt_layout(case_dir, tmp_path, assert_valid_case):
    sheet = case_dir / "opensalt_ccsso_ela_item.csv"
    started = time.monotonic()
    outcome, stats = import_table(sheet, SYSTEM, layout="opensalt", framework_code="CCSS-ELA",
                                  framework_name="Common Core ELA")
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"1,189 rows took {elapsed:.1f}s"
    assert (outcome.added, stats.items, dict(stats.associations)) == (1189, 1189, {"isChildOf": 1189})
    version = outcome.version
    assert version.competencies.filter(parent=None).count() == 12  # anchor standards and 11 grade levels
    assert depth_of("CCSS-ELA") == 5
    l14 = version.competencies.get(code="L.1.4")
    assert str(l14.uuid) == "7fbbd2fa-885d-11e7-a99d-449ef607a326"
    assert l14.name.startswith("Determine or clarify the meaning of unknown and multiple-meaning words")
    assert l14.item_type == "Standard" and l14.extra["case"]["educationLevel"] == ["01"]
    assert l14.parent.parent.parent.name == "Grade 1"
    # Rows without a humanCodingScheme take their smartLevel as code.
    assert version.competencies.get(code="1").name == "College and Career Anchor Standards"
    assert version.competencies.get(code="7.2.1").name == "Key Ideas and Details"
    # CCRA.L.6 appears twice in the sheet: the second one is told apart, the CASE export gives both back.
    assert version.competencies.get(code="CCRA.L.6-2").extra["case"]["humanCodingScheme"] == "CCRA.L.6"
    package = json.loads(export_case("CCSS-ELA")[0])
    assert_valid_case(package)
    assert sum(1 for i in package["CFItems"] if i.get("humanCodingScheme") == "CCRA.L.6") == 2
    assert sum(1 for i in package["CFItems"] if "humanCodingScheme" not in i) == 288

    again, _stats = import_table(sheet, SYSTEM, layout="opensalt", framework_code="CCSS-ELA")
    assert not again.changed and Competency.objects.count() == 1189

    # The same 1,189 items as a CASE package, into an empty database.
    Framework.objects.all().delete()
    started = time.monotonic()
    import_case(json.dumps(package), SYSTEM, rename_duplicate_codes=True)
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"a 1,189-item CASE package took {elapsed:.1f}s"
    assert FrameworkVersion.objects.get().competencies.get(code="CCRA.L.6-2").parent.code == "1.4.3"


@pytest.mark.django_db
def test_opensalt_rows_with_a_broken_tree_are_refused(tmp_path):
    text = "identifier,fullStatement,smartLevel\n,Top,1\n,Child,1.1\n,Orphan,2.1\n,Twice,1.1\n,Odd,x\n"
    errors = refused(write(tmp_path, text), layout="opensalt", framework_code="SALT")
    assert errors == ["row 4, field smartLevel: no row has smartLevel 2, the parent of 2.1",
                      "row 5, field smartLevel: 1.1 appears twice",
                      "row 6, field smartLevel: 'x' is not a position like 3.6.2"]


@pytest.mark.django_db
def test_the_commands_import_and_export_sheets(tmp_path):
    out = io.StringIO()
    call_command("import", "framework-csv", str(write(tmp_path, SHEET)), "--publish", stdout=out)
    assert "framework PLANT v1 (published): created" in out.getvalue()
    target = tmp_path / "plant.xlsx"
    call_command("export", "framework-csv", "PLANT", "--format", "xlsx", "-o", str(target), stderr=io.StringIO())
    assert [r.get("code") for r in read_table(target, required=("code",),
                                               optional=tuple(read_header(target)))] == ["OPS", "OPS.1", "OPS.2",
                                                                                          "CALM"]


def opensalt_sheet() -> tuple[str, int]:
    """An OpenSALT sheet of the size of the Common Core ELA one, written here: 12 strands without a
    code (their smartLevel becomes it), then 4, 4 and 6 children a level, one code used twice."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["identifier", "fullStatement", "humanCodingScheme", "smartLevel", "educationLevel", "CFItemType"])
    rows = 0
    for strand in range(1, 13):
        writer.writerow(["", f"Strand {strand}", "", str(strand), "", "Strand"])
        for a in range(1, 5):
            writer.writerow(["", f"Area {strand}.{a}", f"S{strand}.{a}", f"{strand}.{a}", "", "Area"])
            for b in range(1, 5):
                code = "DUP" if (strand, a, b) in ((1, 1, 1), (2, 1, 1)) else f"S{strand}.{a}.{b}"
                writer.writerow(["", f"Cluster {strand}.{a}.{b}", code, f"{strand}.{a}.{b}", "", "Cluster"])
                for c in range(1, 7):
                    writer.writerow(["", f"Standard {strand}.{a}.{b}.{c}", f"S{strand}.{a}.{b}.{c}",
                                     f"{strand}.{a}.{b}.{c}", "01,02", "Standard"])
                    rows += 1
                rows += 1
            rows += 1
        rows += 1
    return out.getvalue(), rows


@pytest.mark.django_db
def test_a_large_sheet_in_the_opensalt_layout_imports_fast_and_round_trips(tmp_path):
    """What the Common Core ELA test shows on the public data, on a sheet written here."""
    text, rows = opensalt_sheet()
    sheet = write(tmp_path, text)
    started = time.monotonic()
    outcome, stats = import_table(sheet, SYSTEM, layout="opensalt", framework_code="SALT", framework_name="Salt")
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"{rows} rows took {elapsed:.1f}s"
    assert (outcome.added, stats.items, dict(stats.associations)) == (rows, rows, {"isChildOf": rows})
    version = outcome.version
    assert version.competencies.filter(parent=None).count() == 12 and depth_of("SALT") == 4
    assert version.competencies.get(code="7").name == "Strand 7"  # no code: the smartLevel is the code
    standard = version.competencies.get(code="S3.2.4.6")
    assert standard.item_type == "Standard" and standard.extra["case"]["educationLevel"] == ["01", "02"]
    assert standard.parent.parent.parent.name == "Strand 3"
    assert version.competencies.get(code="DUP-2").extra["case"]["humanCodingScheme"] == "DUP"
    package = json.loads(export_case("SALT")[0])
    assert sum(1 for i in package["CFItems"] if i.get("humanCodingScheme") == "DUP") == 2
    assert sum(1 for i in package["CFItems"] if "humanCodingScheme" not in i) == 12

    again, _stats = import_table(sheet, SYSTEM, layout="opensalt", framework_code="SALT")
    assert not again.changed and Competency.objects.count() == rows

    Framework.objects.all().delete()
    started = time.monotonic()
    import_case(json.dumps(package), SYSTEM, rename_duplicate_codes=True)
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"a {rows}-item CASE package took {elapsed:.1f}s"
    assert FrameworkVersion.objects.get().competencies.get(code="DUP-2").parent.code == "S2.1"

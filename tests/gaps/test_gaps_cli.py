"""`compms gaps --org/--unit` handlers and `compms fit --role`: same figures as the API, three formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from compms.access import SYSTEM
from compms.gaps import cli, reports
from compms.gaps.reports import ReportParams

D = dt.date
pytestmark = pytest.mark.django_db
DAY = D(2025, 9, 1)


@pytest.fixture
def org(random_org):
    return random_org(71)


def test_org_json_lists_competencies_and_units_as_documented(org):
    body = json.loads(cli.org_scope(True, DAY, "json"))

    assert body == reports.gap_report(SYSTEM, ReportParams(as_of=DAY)).as_dict()
    assert body["scope"] == "organisation" and body["as_of"] == "2025-09-01"
    for competency in body["competencies"]:
        assert {"framework", "competency", "people_required", "people_short", "levels_short", "missing",
                "expired"} <= set(competency)
        assert competency["people_short"] == competency["held_below"] + competency["missing"] + competency["expired"]
    assert [u["unit"] for u in body["units"]][:2] == ["ROOT", "EAST"]


def test_unit_scope_covers_the_units_subtree(org):
    body = json.loads(cli.unit_scope("EAST", DAY, "json"))

    assert body["scope"] == "EAST"
    assert {u["unit"] for u in body["units"]} <= {"EAST", "EAST-1", "EAST-2"}
    assert body["units"][0]["requirements"] == body["requirements"]


def test_csv_has_a_row_per_competency_then_per_unit(org):
    rows = list(csv.DictReader(io.StringIO(cli.unit_or_org_report(None, DAY, "csv"))))
    report = reports.gap_report(SYSTEM, ReportParams(as_of=DAY))

    assert [r["kind"] for r in rows] == ["competency"] * len(report.competencies) + ["unit"] * len(report.units)
    first = report.competencies[0]
    assert (rows[0]["framework"], rows[0]["competency"], int(rows[0]["requirements"]), int(rows[0]["short"])) == (
        first.framework, first.competency, first.people_required, first.people_short)


def test_table_names_the_scope_and_the_share_met(org):
    text = cli.unit_or_org_report("WEST", DAY, "table")

    report = reports.gap_report(SYSTEM, ReportParams(unit="WEST", as_of=DAY))
    assert text.startswith(f"Gaps for WEST, as of 2025-09-01: {report.people} people, {report.requirements} "
                           f"requirements, {report.met} met")
    assert "Per competency" in text and "Per unit" in text


def test_an_unknown_unit_is_a_command_error_naming_the_option(org):
    with pytest.raises(CommandError, match="--unit: No unit with id 'MARS'"):
        cli.unit_scope("MARS", None, "json")


def test_run_unit_or_org_prints_only_when_asked(org):
    out = io.StringIO()

    class Out:
        def write(self, text: str, ending: str = "\n") -> None:
            out.write(text + ending)

    assert cli.run_unit_or_org({"org": None, "unit": None, "as_of": DAY, "output_format": "json"}, Out()) is False
    assert cli.run_unit_or_org({"org": True, "unit": None, "as_of": DAY, "output_format": "json"}, Out()) is True
    assert json.loads(out.getvalue())["scope"] == "organisation"


def test_fit_command_ranks_the_top_people(org):
    out = io.StringIO()
    call_command("fit", "--role", "R2", "--top", "4", "--as-of", "2025-09-01", "--format", "json", stdout=out)

    body = json.loads(out.getvalue())
    assert body["role"] == "R2" and len(body["candidates"]) == 4
    _, _, best = reports.best_fit(SYSTEM, "R2", ReportParams(as_of=DAY), top=4)
    assert [c["person"] for c in body["candidates"]] == [c.employee_id for c in best.candidates]


def test_fit_command_as_csv_and_table(org):
    out = io.StringIO()
    call_command("fit", "--role", "R1", "--top", "2", "--format", "csv", "--as-of", "2025-09-01", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["rank"] for r in rows} == {"1", "2"} and {r["role"] for r in rows} == {"R1"}

    table = io.StringIO()
    call_command("fit", "--role", "R1", "--top", "2", stdout=table)
    assert table.getvalue().startswith("Best fit for Role 1 [R1]")


def test_fit_command_refuses_an_unknown_role(org):
    with pytest.raises(CommandError, match="--role: No role with id 'R99'"):
        call_command("fit", "--role", "R99")


def test_the_gaps_command_answers_org_and_unit(org):
    out = io.StringIO()
    call_command("gaps", "--org", "--as-of", "2025-09-01", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == reports.gap_report(SYSTEM, ReportParams(as_of=DAY)).as_dict()

    unit = io.StringIO()
    call_command("gaps", "--unit", "EAST", "--as-of", "2025-09-01", "--format", "csv", stdout=unit)
    assert unit.getvalue().splitlines()[0].startswith("kind,scope,as_of,unit")
    assert all(line.split(",")[1] == "EAST" for line in unit.getvalue().splitlines()[1:])

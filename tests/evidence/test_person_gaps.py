"""A person's gaps against their role: the DESIGN.md worked example, end to end through
`compms gaps --person ... --format json` and GET /api/v1/people/{id}/gaps."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def worked_example(org, add):
    """Kim's evidence from DESIGN.md; Lee holds only a certificate for P that expired on 2026-01-31;
    Olu has no evidence at all."""
    add(org.kim, org.p, 3, "manager", D(2025, 10, 1))
    add(org.kim, org.p, 4, "self", D(2026, 1, 5))
    add(org.kim, org.p, 2, "assessor", D(2024, 2, 1), D(2026, 2, 28))
    add(org.kim, org.q, 1, "test", D(2026, 2, 1))
    add(org.kim, org.q, 2, "test", D(2026, 2, 1))
    add(org.lee, org.p, 3, "certificate", D(2024, 1, 31), D(2026, 1, 31))
    return org


def gaps_json(employee_id: str, as_of: str) -> dict:
    out = io.StringIO()
    call_command("gaps", "--person", employee_id, "--as-of", as_of, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_kim_is_ready_for_technician_on_1_march_2026(worked_example):
    assert gaps_json("E-KIM", "2026-03-01") == {
        "person": "E-KIM",
        "as_of": "2026-03-01",
        "roles": [{
            "role": "TECH",
            "fit": 1.0,
            "ready": True,
            "requirements": [
                {"framework": "OPS", "competency": "P", "required": 3, "proficiency": 3, "gap": 0, "status": "met",
                 "criticality": "essential", "verified": True, "source": "manager", "valid_until": None},
                {"framework": "OPS", "competency": "Q", "required": 2, "proficiency": 2, "gap": 0, "status": "met",
                 "criticality": "desirable", "verified": True, "source": "test", "valid_until": None},
            ],
        }],
    }


def test_on_15_february_the_assessor_record_still_counts_and_kim_is_short(worked_example):
    report = gaps_json("E-KIM", "2026-02-15")
    role = report["roles"][0]
    assert role["fit"] == pytest.approx(1 - 3 / 11) and round(role["fit"], 3) == 0.727
    assert role["ready"] is False
    p = role["requirements"][0]
    assert (p["competency"], p["proficiency"], p["gap"], p["status"], p["source"], p["valid_until"]) == (
        "P", 2, 1, "short", "assessor", "2026-02-28")


def test_an_expired_certificate_is_an_expired_gap_and_no_evidence_is_missing(worked_example):
    lee = gaps_json("E-LEE", "2026-03-01")["roles"][0]["requirements"][0]
    olu = gaps_json("E-OLU", "2026-03-01")["roles"][0]["requirements"][0]
    assert (lee["proficiency"], lee["gap"], lee["status"], lee["verified"]) == (0, 3, "expired", False)
    assert (olu["proficiency"], olu["gap"], olu["status"], olu["source"]) == (0, 3, "missing", None)


def test_a_met_requirement_becomes_expired_the_day_after_the_certificate_ends(org, add):
    add(org.olu, org.p, 3, "certificate", D(2025, 6, 1), D(2026, 6, 30))
    last_day = gaps_json("E-OLU", "2026-06-30")["roles"][0]["requirements"][0]
    day_after = gaps_json("E-OLU", "2026-07-01")["roles"][0]["requirements"][0]
    assert (last_day["status"], last_day["proficiency"], last_day["valid_until"]) == ("met", 3, "2026-06-30")
    assert (day_after["status"], day_after["proficiency"], day_after["gap"]) == ("expired", 0, 3)


def test_today_uses_the_stored_view_and_still_sees_the_expiry(org, add, on_day):
    on_day(D(2026, 6, 30))
    add(org.olu, org.p, 3, "certificate", D(2025, 6, 1), D(2026, 6, 30))
    on_day(D(2026, 7, 1))
    out = io.StringIO()
    call_command("gaps", "--person", "E-OLU", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["as_of"] == "2026-07-01"
    assert report["roles"][0]["requirements"][0]["status"] == "expired"


def test_table_and_csv_formats_show_the_same_figures(worked_example):
    table, csv_out = io.StringIO(), io.StringIO()
    call_command("gaps", "--person", "E-KIM", "--as-of", "2026-02-15", stdout=table)
    call_command("gaps", "--person", "E-KIM", "--as-of", "2026-02-15", "--format", "csv", stdout=csv_out)
    text = table.getvalue()
    assert "Technician [TECH]: fit 0.73, not ready" in text
    assert "short" in text and "assessor" in text
    lines = csv_out.getvalue().splitlines()
    assert lines[0].startswith("person,as_of,role,fit,ready,framework,competency")
    assert lines[1].startswith("E-KIM,2026-02-15,TECH,0.7273,no,OPS,P,,3,2,1,short,essential,yes,assessor")


def test_an_unknown_person_is_a_clear_error(org):
    with pytest.raises(CommandError, match="no person with employee_id 'NOPE'"):
        call_command("gaps", "--person", "NOPE")


def test_a_person_without_a_position_has_no_roles(org):
    out = io.StringIO()
    call_command("gaps", "--person", "E-AVA", "--format", "json", "--as-of", "2026-03-01", stdout=out)
    assert json.loads(out.getvalue()) == {"person": "E-AVA", "as_of": "2026-03-01", "roles": []}


# ---------------------------------------------------------------- the same through the API

def test_the_api_gives_the_same_json_as_the_command(worked_example, api):
    response = api("employee").get("/api/v1/people/E-KIM/gaps", as_of="2026-02-15")
    assert response.status_code == 200
    assert response.json() == gaps_json("E-KIM", "2026-02-15")


def test_gaps_access_follows_who_may_see_whom(worked_example, api):
    assert api("employee").get("/api/v1/people/E-LEE/gaps").status_code == 403  # a colleague
    assert api("manager").get("/api/v1/people/E-LEE/gaps").status_code == 200  # a report
    assert api("manager").get("/api/v1/people/E-OLU/gaps").status_code == 403  # not in the team
    assert api("hr").get("/api/v1/people/E-OLU/gaps").status_code == 200
    assert api("hr").get("/api/v1/people/NOPE/gaps").status_code == 404
    assert api(None).get("/api/v1/people/E-KIM/gaps").status_code == 401

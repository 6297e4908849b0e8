"""Issue 10: what a manager must not read about themselves or outside their team, on pages, API, SVG and CLI.

On top of the world in conftest: Ann (Hol's report) holds TECH-1, marked key with a low risk of loss;
Hol (the manager) holds LEAD-1 himself, key with a high risk of loss. Hol is nominated for TECH-1 and
has a calibrated rating with a reason; Ann has a rating too.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from compms.access import SYSTEM
from compms.succession import services

from .conftest import TODAY

HOL_REASON = "Calibrated down: too cautious with the budget"


@pytest.fixture
def scoped(world: Any) -> Any:
    from compms.organisation import services as org

    tech_seat = org.create_position(SYSTEM, role=world.tech, unit=world.units["PLANT"], external_id="TECH-1")
    org.assign_position(tech_seat, SYSTEM, person=world.people["Ann"], start_date=dt.date(2025, 1, 1))
    world.tech_key = services.mark_key_position(SYSTEM, position=tech_seat, risk_of_loss="low", impact="medium")
    services.nominate(world.tech_key, SYSTEM, person=world.people["Hol"], note="Hol could step in")
    services.rate(SYSTEM, person=world.people["Ann"], performance=2, potential=3, rated_on=TODAY)
    services.calibrate(SYSTEM, person=world.people["Hol"], performance=1, potential=2, reason=HOL_REASON)
    return world


def bench_row(page: str, title: str) -> list[str]:
    """The text of each cell of one key position's row in the bench table."""
    table = page[page.index('id="bench-table"'):page.index("</table>", page.index('id="bench-table"'))]
    row = next(r for r in table.split("<tr>") if f">{title}</a>" in r)
    cells = [cell[cell.index(">") + 1:] for cell in row.split("<td")[1:]]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# ---------------------------------------------------------------- the manager's own rating

def test_a_manager_never_reads_their_own_rating_or_its_reason(scoped, api, login_client) -> None:
    manager = api("manager")
    assert [p["person"] for p in manager.get("/api/v1/succession/nine-box").json()] == ["E-ANN"]
    own = manager.get("/api/v1/succession/people/E-HOL/ratings")
    assert own.status_code == 404 and own.json() == {"detail": "No such person."}
    assert manager.get("/api/v1/succession/people/E-ANN/ratings").status_code == 200
    page = login_client("manager").get("/succession/nine-box/").content.decode()
    assert "Ann" in page and "Hol" not in page and HOL_REASON not in page
    # HR still sees both, reason included.
    hr = api("hr")
    assert {p["person"] for p in hr.get("/api/v1/succession/nine-box").json()} == {"E-ANN", "E-HOL"}
    assert hr.get("/api/v1/succession/people/E-HOL/ratings").json()[0]["reason"] == HOL_REASON


def test_a_manager_cannot_rate_themselves(scoped, api) -> None:
    response = api("manager").post("/api/v1/succession/ratings", {"person": "E-HOL", "performance": 3,
                                                                  "potential": 3})
    assert response.status_code == 404 and response.json() == {"detail": "No such person."}


# ---------------------------------------------------------------- being nominated

def test_a_manager_never_sees_that_they_are_nominated(scoped, api, login_client) -> None:
    key = scoped.tech_key.pk
    hr = api("hr").get(f"/api/v1/succession/key-positions/{key}/successors").json()
    assert any(s["person"] == "E-HOL" and s["nominated"] for s in hr["successors"])
    mine = api("manager").get(f"/api/v1/succession/key-positions/{key}/successors").json()
    assert "E-HOL" not in [s["person"] for s in mine["successors"]]
    assert "Hol" not in json.dumps(mine)
    page = login_client("manager").get(f"/succession/key-positions/{key}/").content.decode()
    assert 'data-person="E-HOL"' not in page and "Hol could step in" not in page
    # Nor can he nominate, or withdraw, himself.
    response = api("manager").post(f"/api/v1/succession/key-positions/{key}/nominations", {"person": "E-HOL"})
    assert response.status_code == 404


# ---------------------------------------------------------------- risk of loss and holders outside the team

def test_the_key_position_list_withholds_risk_outside_the_team(scoped, api) -> None:
    listed = {row["position"]: row for row in api("manager").get("/api/v1/succession/key-positions").json()["items"]}
    # TECH-1 is held by Ann, in Hol's team; LEAD-1 is Hol's own seat, outside it.
    assert (listed["TECH-1"]["risk_of_loss"], listed["TECH-1"]["in_scope"]) == ("low", True)
    assert (listed["LEAD-1"]["risk_of_loss"], listed["LEAD-1"]["in_scope"]) == (None, False)
    everything = {row["position"]: row for row in api("hr").get("/api/v1/succession/key-positions").json()["items"]}
    assert everything["LEAD-1"]["risk_of_loss"] == "high"


def test_bench_strength_withholds_holder_and_risk_outside_the_team(scoped, api) -> None:
    rows = {row["title"]: row for row in api("manager").get("/api/v1/succession/bench-strength").json()["positions"]}
    lead = rows["Shift lead in Plant"]
    assert (lead["holders"], lead["risk_of_loss"], lead["in_scope"]) == (None, None, False)
    tech = rows["Technician in Plant"]
    assert (tech["holders"], tech["risk_of_loss"], tech["in_scope"]) == (["Ann"], "low", True)
    hr = {row["title"]: row for row in api("hr").get("/api/v1/succession/bench-strength").json()["positions"]}
    assert (hr["Shift lead in Plant"]["holders"], hr["Shift lead in Plant"]["risk_of_loss"]) == (["Hol"], "high")


def test_successors_withhold_holder_and_risk_outside_the_team(scoped, api) -> None:
    data = api("manager").get(f"/api/v1/succession/key-positions/{scoped.key_position.pk}/successors").json()
    assert (data["holders"], data["risk_of_loss"], data["in_scope"]) == (None, None, False)
    assert [s["person"] for s in data["successors"]] == ["E-ANN", "E-BEN"]  # the bench itself stays readable


def test_the_succession_chart_and_table_withhold_holder_and_risk(scoped, login_client) -> None:
    page = login_client("manager").get("/succession/").content.decode()
    chart = page[page.index('<figure id="succession-chart">'):page.index("</figure>")]
    assert "Holder: Hol" not in chart and "Risk high" not in chart
    assert "Holder: Ann" in chart and "Risk low" in chart
    # Row cells: key position, holder, risk, impact, ready now, ...
    assert bench_row(page, "Shift lead in Plant")[1:4] == ["–", "–", "High"]
    assert bench_row(page, "Technician in Plant")[1:4] == ["Ann", "Low", "Medium"]
    hr = login_client("hr").get("/succession/").content.decode()
    assert "Holder: Hol" in hr and "Risk high" in hr


def test_the_key_position_page_withholds_holder_and_risk(scoped, login_client) -> None:
    page = login_client("manager").get(f"/succession/key-positions/{scoped.key_position.pk}/").content.decode()
    assert 'id="outside-scope"' in page and "Holder: Hol" not in page and "risk of loss high" not in page


def test_the_commands_run_as_a_user_withhold_what_the_user_may_not_see(scoped) -> None:
    everything = json.loads(run("bench-strength", "--format", "json"))
    assert {row["title"]: row["risk_of_loss"] for row in everything["positions"]}["Shift lead in Plant"] == "high"
    as_manager = json.loads(run("bench-strength", "--format", "json", "--user", "manager"))
    lead = {row["title"]: row for row in as_manager["positions"]}["Shift lead in Plant"]
    assert (lead["holders"], lead["risk_of_loss"]) == (None, None)
    table = run("successors", "--position", "LEAD-1", "--user", "manager")
    assert "risk withheld" in table and "holder: withheld" in table and "Hol" not in table
    with pytest.raises(CommandError, match="--user"):
        run("bench-strength", "--user", "employee")


# ---------------------------------------------------------------- nobody outside the scope is named

def test_nominating_someone_outside_the_team_answers_as_for_nobody(scoped, api) -> None:
    key = scoped.key_position.pk
    manager = api("manager")
    outside = manager.post(f"/api/v1/succession/key-positions/{key}/nominations", {"person": "E-CAT"})
    missing = manager.post(f"/api/v1/succession/key-positions/{key}/nominations", {"person": "E-NOBODY"})
    assert (outside.status_code, outside.json()) == (missing.status_code, missing.json()) == (
        404, {"detail": "No such person."})
    override = manager.post(f"/api/v1/succession/key-positions/{key}/overrides",
                            {"person": "E-CAT", "readiness": "ready_now", "reason": "x"})
    assert override.status_code == 404 and "Cat" not in override.content.decode()


def test_the_nominate_page_answers_404_for_someone_outside_the_team(scoped, login_client) -> None:
    client = login_client("manager")
    url = f"/succession/key-positions/{scoped.key_position.pk}/"
    assert client.post(url + "nominate/", {"person": scoped.people["Cat"].pk}).status_code == 404
    assert client.post(url + "override/", {"person": scoped.people["Cat"].pk, "readiness": "ready_now",
                                           "reason": "x"}).status_code == 404
    # An id no database key can hold is refused, never a server error.
    assert client.post(url + "nominate/", {"person": "99999999999999999999999"}).status_code in (400, 404)
    assert client.post(url + "nominate/", {"person": scoped.people["Ben"].pk}).status_code == 302

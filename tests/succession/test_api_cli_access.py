"""The command line and the API give the same answers; access follows HR / manager / employee."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from compms.access import SYSTEM
from compms.succession import services


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_successors_command_table_and_json(world) -> None:
    table = run("successors", "--position", "LEAD-1")
    assert "Bench: ready now 2, 1-2 years 1, 3+ years 0" in table
    assert "E-DAN" in table and "OPS:P 2->3 short" in table
    data = json.loads(run("successors", "--position", "LEAD-1", "--format", "json"))
    assert [s["person"] for s in data["successors"]] == ["E-ANN", "E-BEN", "E-DAN"]
    assert data["successors"][2]["readiness"] == "ready_1_2_years"
    assert data["successors"][2]["months_to_ready"] == 5.0


def test_bench_strength_and_careers_commands(world) -> None:
    bench = json.loads(run("bench-strength", "--format", "json"))
    assert bench["positions"][0]["ready_now"] == 2 and bench["positions"][0]["flagged"] is False
    careers = json.loads(run("careers", "--person", "E-DAN", "--format", "json"))
    # Dan holds no role: LEAD (fit 8/11) and TECH (P 2 met: fit 1.0) are both open to him.
    options = {o["role"]: o for o in careers["options"]}
    assert options["TECH"]["fit"] == 1.0 and options["TECH"]["ready"] is True
    assert options["LEAD"]["fit"] == round(8 / 11, 4)
    assert options["LEAD"]["openings"] == ["LEAD-2"]
    # Dan's held levels (P 2, Q 2) against LEAD (3, 2): similarity 10 / (sqrt 8 x sqrt 13) = 0.981, score
    # (0.981 + 0.727) / 2 = 0.854; against TECH (P 2): 4 / (sqrt 8 x 2) = 0.707, score (0.707 + 1) / 2 = 0.8536.
    assert options["LEAD"]["similarity"] == 0.9806 and options["TECH"]["similarity"] == 0.7071
    top_one = run("careers", "--person", "E-DAN", "--top", "1")
    assert "Shift lead" in top_one and "Technician" not in top_one


def test_hr_sees_all_successors_over_the_api(world, api) -> None:
    response = api("hr").get(f"/api/v1/succession/key-positions/{world.key_position.pk}/successors")
    assert response.status_code == 200
    assert [s["person"] for s in response.json()["successors"]] == ["E-ANN", "E-BEN", "E-DAN"]


def test_a_manager_sees_only_their_team_as_successors(world, api) -> None:
    response = api("manager").get(f"/api/v1/succession/key-positions/{world.key_position.pk}/successors")
    assert response.status_code == 200
    # Hol's team is Ann and Ben; Dan reports to Hana.
    assert [s["person"] for s in response.json()["successors"]] == ["E-ANN", "E-BEN"]
    assert response.json()["bench"]["ready_now"] == 2


def test_an_employee_never_sees_who_is_nominated(world, api) -> None:
    services.nominate(world.key_position, SYSTEM, person=world.people["Ben"])
    client = api("employee")
    assert client.get(f"/api/v1/succession/key-positions/{world.key_position.pk}/successors").status_code == 403
    assert client.get("/api/v1/succession/bench-strength").status_code == 403
    assert client.get("/api/v1/succession/key-positions").status_code == 403
    assert client.get("/api/v1/succession/nine-box").status_code == 403
    response = client.post(f"/api/v1/succession/key-positions/{world.key_position.pk}/nominations",
                           {"person": "E-ANN"})
    assert response.status_code == 403


def test_an_employee_sees_their_own_careers_and_goals_only(world, api) -> None:
    client = api("employee")  # Ann
    mine = client.get("/api/v1/succession/people/E-ANN/careers")
    assert mine.status_code == 200 and mine.json()["person"] == "E-ANN"
    # A person outside the caller's scope gets the answer an unknown id gets.
    assert client.get("/api/v1/succession/people/E-BEN/careers").status_code == 404
    made = client.post("/api/v1/succession/people/E-ANN/goals",
                       {"framework": "OPS", "competency": "P", "target_level": 4})
    assert made.status_code == 201
    assert [g["target_level"] for g in client.get("/api/v1/succession/people/E-ANN/goals").json()] == [4]
    # Her manager sees her goals but may not set them for her.
    manager = api("manager")
    assert manager.get("/api/v1/succession/people/E-ANN/goals").status_code == 200
    assert manager.post("/api/v1/succession/people/E-ANN/goals",
                        {"framework": "OPS", "competency": "P", "target_level": 5}).status_code == 403
    assert manager.get("/api/v1/succession/people/E-EVE/careers").status_code == 404
    assert api("hr").get("/api/v1/succession/people/E-EVE/careers").status_code == 200


def test_nominate_override_rate_and_calibrate_over_the_api(world, api) -> None:
    key = world.key_position.pk
    manager = api("manager")
    assert manager.post(f"/api/v1/succession/key-positions/{key}/nominations", {"person": "E-BEN"}).status_code == 201
    made = manager.post(f"/api/v1/succession/key-positions/{key}/overrides",
                        {"person": "E-BEN", "readiness": "ready_1_2_years", "reason": "New to the site"})
    assert made.status_code == 201 and made.json()["computed_readiness"] == "ready_now"
    data = api("hr").get(f"/api/v1/succession/key-positions/{key}/successors").json()
    ben = next(s for s in data["successors"] if s["person"] == "E-BEN")
    assert (ben["readiness"], ben["computed_readiness"], ben["nominated"]) == ("ready_1_2_years", "ready_now", True)

    assert manager.post("/api/v1/succession/ratings",
                        {"person": "E-ANN", "performance": 3, "potential": 2}).status_code == 201
    assert manager.post("/api/v1/succession/calibrations",
                        {"person": "E-ANN", "performance": 3, "potential": 3, "reason": "x"}).status_code == 403
    hr = api("hr")
    assert hr.post("/api/v1/succession/calibrations",
                   {"person": "E-ANN", "performance": 3, "potential": 3, "reason": ""}).status_code == 400
    assert hr.post("/api/v1/succession/calibrations", {"person": "E-ANN", "performance": 3, "potential": 3,
                                                       "reason": "Led the turnaround"}).status_code == 201
    box = hr.get("/api/v1/succession/nine-box").json()
    assert box == [{"person": "E-ANN", "person_name": "Ann", "performance": 3, "potential": 3, "box": 9,
                    "label": "Star", "rated_on": "2026-03-01", "calibrated": True}]
    history = hr.get("/api/v1/succession/people/E-ANN/ratings").json()
    assert [(h["potential"], h["calibration"]) for h in history] == [(3, True), (2, False)]


def test_hr_marks_key_positions_and_nobody_else_does(world, api) -> None:
    payload = {"role": "TECH", "unit": "PLANT", "risk_of_loss": "low", "impact": "high"}
    assert api("manager").post("/api/v1/succession/key-positions", payload).status_code == 403
    made = api("hr").post("/api/v1/succession/key-positions", payload)
    assert made.status_code == 201 and made.json()["position"] is None
    assert api("hr").post("/api/v1/succession/key-positions", payload).status_code == 400
    listed = api("manager").get("/api/v1/succession/key-positions").json()
    assert listed["count"] == 2

"""Strategy pages: objectives list and page with chart and exports, the scenario editor and comparison."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from compms.strategy.models import Objective, ScenarioChange, Target


@pytest.mark.parametrize("who", ["employee", "assessor", "outsider"])
def test_people_without_a_strategy_role_are_refused(world, login_client, who) -> None:
    client = login_client(who)
    assert client.get("/strategy/").status_code == 403
    assert client.get(f"/strategy/objectives/{world.objective.pk}/").status_code == 403
    assert client.get(f"/strategy/objectives/{world.objective.pk}/export.csv").status_code == 403
    assert client.get("/strategy/scenarios/").status_code == 403


def test_a_manager_reads_but_gets_no_edit_controls_and_cannot_post(world, login_client) -> None:
    client = login_client("manager")
    listing = client.get("/strategy/").content.decode()
    assert "PUMPS-2027" in listing and "new-objective" not in listing
    page = client.get(f"/strategy/objectives/{world.objective.pk}/").content.decode()
    assert "Add a target" not in page and "Remove target" not in page and 'action="/strategy/' not in page
    response = client.post(f"/strategy/objectives/{world.objective.pk}/targets/add/",
                           {"newtarget-framework": "OPS", "newtarget-code": "Q", "newtarget-level": 2,
                            "newtarget-headcount": 1, "newtarget-criticality": "essential"})
    assert response.status_code == 403
    assert client.post("/strategy/", {"new-code": "X1", "new-title": "x", "new-due_date": "2027-01-01",
                                      "new-status": "draft"}).status_code == 403
    assert Target.objects.count() == 1 and Objective.objects.count() == 1


def test_the_objective_page_shows_the_figures_and_a_coverage_chart(world, login_client, needs) -> None:
    needs("Eve")
    page = login_client("hr").get(f"/strategy/objectives/{world.objective.pk}/").content.decode()
    row = page[page.index(f'id="target-row-{world.target.pk}"'):]
    row = row[:row.index("</tr>")]
    numbers = [cell.split(">")[-1] for cell in row.split("</td>") if 'class="num' in cell]
    # demand, supply today, supply by due date, gap, one level short, pipeline
    assert numbers[1:] == ["4", "4", "3", "1", "2", "1"]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in page
    assert "Coverage of P at level 3 or above, Head office, until 2027-03-01" in page
    assert "Add a target" in page


def test_hr_creates_an_objective_and_adds_a_target_through_the_forms(world, login_client) -> None:
    client = login_client("hr")
    created = client.post("/strategy/", {"new-code": "QA-2027", "new-title": "Quality checks everywhere",
                                         "new-due_date": "2027-06-30", "new-status": "active", "new-owner": "E-CAT"})
    objective = Objective.objects.get(code="QA-2027")
    assert created.status_code == 302 and created["Location"] == f"/strategy/objectives/{objective.pk}/"
    assert objective.owner.name == "Cat"
    bad = client.post(f"/strategy/objectives/{objective.pk}/targets/add/", {
        "newtarget-framework": "OPS", "newtarget-code": "Q", "newtarget-level": 9, "newtarget-headcount": 5,
        "newtarget-criticality": "essential", "newtarget-scope": "NOWHERE"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "No unit with id" in text
    added = client.post(f"/strategy/objectives/{objective.pk}/targets/add/", {
        "newtarget-framework": "OPS", "newtarget-code": "Q", "newtarget-level": 2, "newtarget-headcount": 5,
        "newtarget-criticality": "desirable", "newtarget-scope": "PLANT"})
    assert added.status_code == 302
    target = objective.targets.get()
    assert (target.competency.code, target.level, target.scope_unit.external_id, target.due_date.isoformat()) == (
        "Q", 2, "PLANT", "2027-06-30")


def test_export_csv_and_xlsx(world, login_client) -> None:
    client = login_client("manager")
    csv_response = client.get(f"/strategy/objectives/{world.objective.pk}/export.csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    lines = csv_response.content.decode().splitlines()
    header, row = lines[0].split(","), lines[1].split(",")
    values = dict(zip(header, row, strict=True))
    assert (values["competency"], values["demand"], values["supply"], values["gap"]) == ("P", "4", "3", "1")
    assert values["coverage"].startswith("2026-03-01=4 ") and values["coverage"].endswith("2027-03-01=3")
    xlsx = client.get(f"/strategy/objectives/{world.objective.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("objective", "target_id", "framework", "competency")
    assert rows[1][rows[0].index("gap")] == 1
    assert client.get(f"/strategy/objectives/{world.objective.pk}/export.pdf").status_code == 404


def test_scenario_editor_and_comparison(world, login_client) -> None:
    client = login_client("hr")
    created = client.post("/strategy/scenarios/", {"new-name": "Growth", "new-objective": world.objective.pk})
    assert created.status_code == 302
    url = created["Location"]
    scenario_id = int(url.rstrip("/").split("/")[-1])
    missing_role = client.post(f"/strategy/scenarios/{scenario_id}/changes/add/", {
        "change-kind": "add_positions", "change-unit": "PLANT", "change-count": 20})
    assert missing_role.status_code == 400 and "Name the role of the positions." in missing_role.content.decode()
    for data in ({"change-kind": "add_positions", "change-unit": "PLANT", "change-role": "TECH", "change-count": 20},
                 {"change-kind": "close_unit", "change-unit": "LAB"}):
        assert client.post(f"/strategy/scenarios/{scenario_id}/changes/add/", data).status_code == 302
    page = client.get(url).content.decode()
    assert "Add 20 × Technician in Plant" in page and "Close Lab" in page
    table = page[page.index('id="target-comparison"'):]
    table = table[:table.index("</table>")]
    assert '<td class="num">3</td><td class="num strategy-changed">2</td>' in table  # supply today vs scenario
    demand = page[page.index('id="demand-comparison"'):]
    assert '<td class="num">3</td><td class="num strategy-changed">22</td>' in demand  # P 3+ positions

    manager_page = login_client("manager").get(url).content.decode()
    assert "Add a change" not in manager_page and "remove</button>" not in manager_page
    change = ScenarioChange.objects.first()
    assert login_client("manager").post(f"/strategy/scenario-changes/{change.pk}/remove/").status_code == 403

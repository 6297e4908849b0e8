"""Succession pages render real pictures and hide edit controls from those who may not edit."""

from __future__ import annotations

from compms.access import SYSTEM
from compms.succession import services

from .conftest import TODAY


def test_the_succession_chart_colours_key_positions_by_bench_strength(world, login_client) -> None:
    page = login_client("hr").get("/succession/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="chart-succession"' in html and 'data-strength="strong"' in html
    assert 'id="mark-key-position"' in html
    manager = login_client("manager").get("/succession/").content.decode()
    assert 'id="mark-key-position"' not in manager


def test_the_key_position_page_lists_successors_and_nominates(world, login_client) -> None:
    client = login_client("hr")
    url = f"/succession/key-positions/{world.key_position.pk}/"
    html = client.get(url).content.decode()
    assert 'data-person="E-DAN"' in html and "Ready in 1-2 years" in html
    response = client.post(url + "nominate/", {"person": world.people["Eve"].pk})
    assert response.status_code == 302
    assert 'data-person="E-EVE"' in client.get(url).content.decode()


def test_an_employee_is_sent_to_their_own_page_and_kept_out_of_plans(world, login_client) -> None:
    client = login_client("employee")
    response = client.get("/succession/")
    assert response.status_code == 302 and response["Location"].endswith("/succession/people/E-ANN/")
    assert client.get(f"/succession/key-positions/{world.key_position.pk}/").status_code == 403
    assert client.get("/succession/nine-box/").status_code == 403
    assert client.get("/succession/people/E-BEN/").status_code == 404
    own = client.get("/succession/people/E-ANN/?role=TECH").content.decode()
    assert 'class="chart-career"' in own and 'id="goal-form"' in own and 'id="focus-role"' in own
    assert 'class="chart-levels"' in own  # her P and Q levels by month end


def test_the_nine_box_shows_people_in_their_box(world, login_client) -> None:
    services.rate(SYSTEM, person=world.people["Ann"], performance=3, potential=3, rated_on=TODAY)
    services.rate(SYSTEM, person=world.people["Dan"], performance=1, potential=2, rated_on=TODAY)
    hr = login_client("hr").get("/succession/nine-box/").content.decode()
    assert 'class="chart-ninebox"' in hr and "Star (1)" in hr and "Inconsistent (1)" in hr
    assert 'id="calibrate"' in hr
    # The manager sees only their team: Ann, not Dan.
    manager = login_client("manager").get("/succession/nine-box/").content.decode()
    assert "Ann" in manager and "Dan" not in manager and 'id="calibrate"' not in manager

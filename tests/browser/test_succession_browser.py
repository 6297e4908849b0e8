"""In a real browser: HR marks a key position, sees computed successors, nominates one, then opens the
9-box and a career map."""

from __future__ import annotations

import datetime as dt

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_mark_key_position_nominate_and_view_pictures(cast, logged_in_page) -> None:
    from compms.access import SYSTEM
    from compms.gaps.loader import clear_cache
    from compms.organisation.models import Position
    from compms.succession import services
    from compms.succession.models import KeyPosition
    from tests.succession.conftest import build_world

    clear_cache()
    world = build_world(cast)
    KeyPosition.objects.all().delete()  # start unmarked: the browser marks it
    clear_cache()
    services.rate(SYSTEM, person=world.people["Ann"], performance=3, potential=3, rated_on=dt.date(2026, 1, 10))
    page = logged_in_page("hr")

    page.goto("/succession/")
    page.select_option("#mark-position", str(Position.objects.get(external_id="LEAD-1").pk))
    page.click("#mark-button")
    page.wait_for_selector("#successor-table")
    rows = page.locator("#successor-table tbody tr")
    assert rows.first.get_attribute("data-person") == "E-ANN"
    assert page.locator('#successor-table tr[data-person="E-EVE"]').count() == 0

    page.select_option("#nominee", str(world.people["Eve"].pk))
    page.click("#nominate-button")
    page.wait_for_selector('#successor-table tr[data-person="E-EVE"]')
    assert "yes" in page.locator('#successor-table tr[data-person="E-EVE"]').inner_text()

    page.goto("/succession/nine-box/")
    assert page.locator("svg.chart-ninebox").is_visible()
    assert "Star (1)" in page.locator("svg.chart-ninebox").inner_html()

    page.goto("/succession/people/E-DAN/")
    assert page.locator("svg.chart-career").is_visible()
    assert page.locator("svg.chart-career g.career-option").count() == 2
    clear_cache()

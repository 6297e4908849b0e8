"""Gap analysis in a real browser: HR opens the heatmap, clicks a cell and reaches the people behind
it; then opens a person-against-role chart."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gaps_org(cast, monkeypatch):
    from compms.gaps.loader import clear_cache
    from tests.gaps.conftest import build_random_org

    # The live server shares this process's snapshot cache; ids restart after each transactional
    # test, so start and finish with an empty cache, and keep the disk cache out of it.
    monkeypatch.setenv("COMPMS_GAPS_DISK_CACHE", "0")
    clear_cache()
    yield build_random_org(81, cast=cast)
    clear_cache()


def test_hr_clicks_a_heatmap_cell_and_reaches_the_people_behind_it(logged_in_page, gaps_org):
    from playwright.sync_api import expect

    page = logged_in_page("hr")
    page.goto("/gaps/heatmap/?as_of=2025-09-01")
    expect(page.locator("#heatmap svg")).to_be_visible()
    cell = page.locator("#heatmap svg a[href^='/gaps/cell/']").first
    tooltip = cell.locator("title").text_content()

    cell.click()

    page.wait_for_url("**/gaps/cell/**")
    rows = page.locator("#people-table tbody tr")
    expect(rows.first).to_be_visible()
    # The tooltip said "<unit> × <competency> ...: N of M requirements met"; the list has the M people.
    required = int(tooltip.split(" of ", 1)[1].split(" ", 1)[0])
    assert rows.count() == min(required, 100)
    heading = page.locator("h1").text_content()
    assert heading.split(" ", 1)[0] in tooltip


def test_a_person_against_a_role_is_drawn_as_a_profile_chart(logged_in_page, gaps_org):
    from playwright.sync_api import expect

    page = logged_in_page("hr")
    page.goto("/gaps/profile/")
    page.get_by_label("Person (employee id)").fill(gaps_org.people[4].employee_id)
    page.get_by_label("Role").select_option("R2")
    with page.expect_navigation():
        page.get_by_role("button", name="Compare").click()

    chart = page.locator("#profile-chart svg")
    expect(chart).to_be_visible()
    lines = gaps_org.roles["R2"].requirements.count()
    expect(page.locator("#profile-table tbody tr")).to_have_count(lines)
    expect(chart.locator("text", has_text="required")).to_have_count(1)
    assert page.locator("h2#fit-heading").text_content().startswith("Role 2: fit ")

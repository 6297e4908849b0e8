"""A competency manager, in a real browser: find a competency by search, rename it in the draft,
publish the draft, and see the rename listed when comparing the versions."""

from __future__ import annotations

import re

import pytest

from compms.access import SYSTEM
from compms.frameworks import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published_with_draft(cast) -> None:
    version = services.create_framework(code="OPS", name="Operations", actor=SYSTEM)
    safety = services.create_competency(version, SYSTEM, code="SAF", name="Operations safety", kind="knowledge")
    services.create_competency(version, SYSTEM, code="SAF.01", name="Permit to work", parent=safety,
                               indicators={3: "Issues permits for routine isolations"})
    services.publish(version, SYSTEM)
    services.new_version(version.framework, SYSTEM)


def test_manager_renames_a_competency_in_a_draft_publishes_and_compares(logged_in_page, published_with_draft):
    page = logged_in_page("competency_manager")
    page.goto("/frameworks/")
    page.get_by_label("Search all frameworks").fill("permit")
    page.get_by_role("button", name="Search").click()

    results = page.locator("#search-results tbody tr")
    assert results.count() == 2  # SAF.01 in published v1 and in draft v2
    results.filter(has_text="v2 draft").get_by_role("link", name="SAF.01 Permit to work").click()
    page.wait_for_url(re.compile(r"/frameworks/OPS/v2/c/[0-9a-f-]+/$"))

    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Name").fill("Permit to work (hazardous tasks)")
    page.get_by_role("button", name="Save changes").click()
    assert page.locator(".messages").inner_text() == "Competency SAF.01 saved."
    assert page.locator("h1").inner_text() == "SAF.01 Permit to work (hazardous tasks)"

    page.locator(".breadcrumb").get_by_role("link", name="OPS v2").click()
    page.get_by_role("button", name="Publish v2").click()
    assert "Version 2 of OPS is published." in page.locator(".messages").inner_text()
    assert page.locator("#versions tbody tr").filter(has_text="v2").locator(".badge").inner_text() == "Published"

    page.get_by_label("Compare", exact=True).select_option("1")
    page.get_by_label("with", exact=True).select_option("2")
    page.get_by_role("button", name="Compare versions").click()
    page.wait_for_url(re.compile(r"/frameworks/OPS/compare\?from=1&to=2$"))
    changed = page.locator("#changed tbody tr")
    assert changed.count() == 1
    assert [cell.strip() for cell in changed.locator("td").all_inner_texts()] == [
        "SAF.01 Permit to work (hazardous tasks)", "name", "Permit to work", "Permit to work (hazardous tasks)"]

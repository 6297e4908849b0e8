"""In a real browser: an employee claims a level, their manager verifies it in the review queue, and
the profile then shows the level as verified."""

from __future__ import annotations

import pytest

from tests.evidence.conftest import org  # noqa: F401  (the evidence tests' small organisation)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_employee_claims_manager_verifies_profile_shows_verified(logged_in_page, org):  # noqa: F811
    page = logged_in_page("employee")
    page.goto("/evidence/me/")
    page.get_by_label("Competency").select_option(label="P – Pump maintenance")
    page.locator("#claim-form #id_level").fill("3")
    page.get_by_label("Note").fill("Overhauled two pumps on my own")
    page.get_by_role("button", name="Submit claim").click()
    assert "waiting for your manager" in page.locator(".messages").inner_text()
    assert "claim of level 3 pending review" in page.locator('tr[data-code="P"]').inner_text()

    page.get_by_role("button", name="Log out").click()
    page = logged_in_page("manager")
    page.goto("/evidence/reviews/")
    row = page.locator("#review-queue tbody tr").filter(has_text="Kim")
    row.get_by_label("Comment").fill("Seen on the March shutdown")
    row.get_by_role("button", name="Verify").click()
    assert "Verified Kim's P at level 3" in page.locator(".messages").inner_text()
    assert page.locator("#review-empty").is_visible()

    page.goto("/evidence/people/E-KIM/")
    cell = page.locator('tr[data-code="P"] .profile-level')
    assert cell.locator("strong").inner_text() == "3"
    assert cell.locator(".ev-verified").inner_text() == "verified"

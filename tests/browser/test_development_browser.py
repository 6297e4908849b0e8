"""In a real browser: Kim makes needs from her gaps, adds the recommended course and submits her
plan; Mo (her manager) approves it; HR runs the optimiser for the organisation."""

from __future__ import annotations

import pytest

from compms.access import SYSTEM
from compms.development import services
from tests.evidence.conftest import org  # noqa: F401  (the evidence tests' small organisation)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_employee_plans_manager_approves_hr_optimises(logged_in_page, org):  # noqa: F811
    services.create_resource(SYSTEM, resource_id="PUMP-1", title="Pump overhaul", cost=100, hours=8,
                             outcomes=[services.OutcomeSpec(org.p, 0, 3)])
    page = logged_in_page("employee")
    page.goto("/development/me/")
    page.get_by_role("button", name="Make needs from 2 gaps").click()
    assert "2 development needs made from gaps." in page.locator(".messages").inner_text()
    assert page.locator("#needs tbody tr").count() == 2
    page.locator("#recommendations tr", has_text="Pump overhaul").get_by_role("button", name="Add to plan").click()
    assert "Pump overhaul" in page.locator("#actions").inner_text()
    page.get_by_role("button", name="Submit for approval").click()
    assert page.locator("#plan-status").inner_text() == "Submitted for approval"
    assert page.locator("#approve-plan").count() == 0

    page.get_by_role("button", name="Log out").click()
    page = logged_in_page("manager")
    page.goto("/development/team/")
    page.get_by_role("link", name="Kim").click()
    page.get_by_role("button", name="Approve plan").click()
    assert page.locator("#plan-status").inner_text() == "Approved"

    page.get_by_role("button", name="Log out").click()
    page = logged_in_page("hr")
    page.goto("/development/optimiser/")
    page.get_by_label("Budget").fill("150")
    page.get_by_label("Hours per person (empty: no limit)").fill("40")
    page.get_by_role("button", name="Run the optimiser").click()
    # One place affordable; it goes to one of the three technicians: 3 levels of an essential line.
    assert page.locator("#enrolment-count").inner_text() == "1"
    assert page.locator("#gap-closed").inner_text() == "9 of 33"
    assert page.locator("#enrolments tbody tr").count() == 1

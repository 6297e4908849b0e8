"""A competency manager builds a job role in a real browser: duties, tasks, competencies with levels,
then reads the derived profile and the job description."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published_dictionary() -> None:
    from compms.access import SYSTEM
    from compms.frameworks import services as dictionary

    version = dictionary.create_framework(code="SAFE", name="Site safety", actor=SYSTEM)
    dictionary.create_competency(version, SYSTEM, code="PTW", name="Permit to work", kind="knowledge",
                                 indicators={3: "Issues and closes permits for routine isolations."})
    dictionary.create_competency(version, SYSTEM, code="LOTO", name="Lock-out tag-out")
    dictionary.publish(version, SYSTEM)


def submit(page, button) -> None:
    """Click a form's button and wait for the page it leads to: every editor action reloads the page."""
    with page.expect_navigation():
        button.click()


def attach(page, task_title: str, code: str, level: str) -> None:
    card = page.locator(".dacum-task", has_text=task_title)
    card.get_by_text("Attach competency").click()
    card.get_by_label("Framework").select_option("SAFE")
    card.get_by_label("Competency code").fill(code)
    card.get_by_label("Level").fill(level)
    submit(page, card.get_by_role("button", name="Attach"))


def test_competency_manager_builds_a_role_and_opens_its_job_description(logged_in_page, published_dictionary):
    from playwright.sync_api import expect

    page = logged_in_page("competency_manager")
    page.goto("/organisation/roles/")
    page.get_by_text("New role").click()
    page.get_by_label("Role id").fill("OPS-7")
    page.get_by_label("Name").fill("Shift supervisor")
    page.get_by_label("Purpose").fill("Runs a safe shift.")
    submit(page, page.get_by_role("button", name="Create role"))
    expect(page).to_have_url(re.compile(r"/organisation/roles/OPS-7/edit/$"))

    page.get_by_label("New duty").fill("Control the work")
    submit(page, page.get_by_role("button", name="Add duty"))
    duty = page.locator(".dacum-row", has_text="Control the work")
    duty.get_by_label("New task").fill("Issue permits to work")
    duty.get_by_label("Frequency").select_option("daily")
    duty.get_by_label("Importance").select_option("5")
    submit(page, duty.get_by_role("button", name="Add task"))
    duty.get_by_label("New task").fill("Check isolations")
    submit(page, duty.get_by_role("button", name="Add task"))
    expect(duty.locator(".dacum-task .dacum-code")).to_have_text(["A1", "A2"])

    attach(page, "Issue permits to work", "PTW", "3")
    attach(page, "Check isolations", "LOTO", "2")
    attach(page, "Check isolations", "PTW", "2")

    # A mistake is answered beside the field, and nothing is attached.
    attach(page, "Check isolations", "LOTO", "9")
    card = page.locator(".dacum-task", has_text="Check isolations")
    expect(card.locator(".field-error")).to_have_text("Level 9 is outside the scale of LOTO (1 to 5).")
    expect(card.locator(".dacum-needs li")).to_have_text([re.compile(r"LOTO level 2"), re.compile(r"PTW level 2")])

    # The profile is derived: the highest level any task needs, with the tasks that need it.
    ptw = page.locator("#profile-table tr", has_text="Permit to work")
    expect(ptw.locator("td").nth(1)).to_have_text("3")
    expect(ptw.locator(".org-sources li")).to_have_text(["A1 Issue permits to work (level 3)",
                                                         "A2 Check isolations (level 2)"])
    loto = page.locator("#profile-table tr", has_text="Lock-out tag-out")
    expect(loto.locator("td").nth(1)).to_have_text("2")

    # Raise LOTO by hand: the derived level stays visible beside it.
    loto.get_by_text("Adjust").click()
    loto.get_by_label("Level").fill("3")
    loto.get_by_label("Note").fill("Night shifts work alone")
    submit(page, loto.get_by_role("button", name="Save by hand"))
    expect(loto.locator(".org-level")).to_contain_text("derived: 2")
    expect(loto.locator(".org-manual")).to_contain_text("Manual change by Competency Manager")

    submit(page, page.locator("#open-job-description"))
    expect(page).to_have_url(re.compile(r"/organisation/roles/OPS-7/job-description$"))
    body = page.locator("body")
    expect(body).to_contain_text("Runs a safe shift.")
    expect(body).to_contain_text("A. Control the work")
    expect(body).to_contain_text("A1 Issue permits to work (Daily, importance 5/5)")
    expect(body).to_contain_text("LOTO Lock-out tag-out: level 2 (performance standard)")
    expect(body).to_contain_text("Works independently, including non-routine situations.")  # level 3 descriptor
    expect(body).to_contain_text("Issues and closes permits for routine isolations.")  # PTW indicator at 3

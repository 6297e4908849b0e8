"""The main pages under the Content-Security-Policy in a real Chromium: the browser reports no
violation, and the behaviours that used to be inline scripts (the role editor's code suggestions and
delete confirmation, the framework tree's expand/collapse) still work from the static files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from compms.access import SYSTEM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects every violation the page reports; added before any page script runs (and not itself subject
# to the page's policy, as Playwright injects it through the DevTools protocol).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def role_with_a_task(cast) -> str:
    from compms.frameworks import services as dictionary
    from compms.organisation import services

    version = dictionary.create_framework(code="SAFE", name="Site safety", actor=SYSTEM)
    permit = dictionary.create_competency(version, SYSTEM, code="PTW", name="Permit to work")
    # A branch, so the tree has something to expand and collapse.
    dictionary.create_competency(version, SYSTEM, code="PTW-ISO", name="Isolations", parent=permit)
    dictionary.create_competency(version, SYSTEM, code="LOTO", name="Lock-out tag-out")
    dictionary.publish(version, SYSTEM)
    company = services.create_unit(SYSTEM, external_id="CO", name="Company")
    services.create_person(SYSTEM, employee_id="E004", name="Harper Hr", unit=company, user=cast.hr)
    role = services.create_role(cast.competency_manager, external_id="OPS-7", name="Shift supervisor")
    duty = services.add_duty(role, cast.competency_manager, title="Control the work")
    services.add_task(duty, cast.competency_manager, title="Issue permits to work")
    return role.external_id


@pytest.fixture
def watched_page(logged_in_page) -> Iterator:
    """log in as someone, with CSP violations and console errors recorded for every page they open."""
    pages = []

    def as_user(who: str):
        page = logged_in_page(who)
        page.context.add_init_script(WATCH_VIOLATIONS)
        console_errors: list[str] = []
        page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
        page.console_errors = console_errors
        pages.append(page)
        return page

    yield as_user


def violations(page) -> list[str]:
    reported = page.evaluate("window.__cspViolations || []")
    console = [text for text in page.console_errors if "Content Security Policy" in text]
    return reported + console


def test_main_pages_report_no_csp_violation(watched_page, role_with_a_task):
    page = watched_page("hr")
    for path in ["/", "/frameworks/", "/frameworks/SAFE/", "/organisation/", "/organisation/roles/",
                 f"/organisation/roles/{role_with_a_task}/", "/evidence/me/", "/gaps/", "/development/me/",
                 "/training/", "/succession/", "/audit/", "/accounts/tokens/", "/accounts/password/"]:
        response = page.goto(path)
        assert response is not None and response.status < 400, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("load")
        assert violations(page) == [], path


def test_framework_tree_expands_and_collapses_from_the_static_script(watched_page, role_with_a_task):
    from playwright.sync_api import expect

    page = watched_page("employee")
    page.goto("/frameworks/SAFE/")
    expect(page.locator("#tree-tools")).to_be_visible()  # hidden until the script shows it
    page.get_by_role("button", name="Expand all").click()
    assert page.locator("#competency-tree details").count() >= 1
    assert page.locator("#competency-tree details:not([open])").count() == 0
    expect(page.get_by_text("Isolations")).to_be_visible()
    page.get_by_role("button", name="Collapse all").click()
    assert page.locator("#competency-tree details[open]").count() == 0
    expect(page.get_by_text("Isolations")).to_be_hidden()
    assert violations(page) == []


def test_role_editor_suggests_codes_and_asks_before_deleting(watched_page, role_with_a_task):
    from playwright.sync_api import expect

    page = watched_page("competency_manager")
    page.goto(f"/organisation/roles/{role_with_a_task}/edit/")
    card = page.locator(".dacum-task", has_text="Issue permits to work")
    card.get_by_text("Attach competency").click()
    card.get_by_label("Framework").select_option("SAFE")
    code = card.get_by_label("Competency code")
    expect(code).to_have_attribute("list", "competency-suggestions")
    with page.expect_response(lambda response: "/competencies/lookup/" in response.url and "q=LO" in response.url):
        code.press_sequentially("LO")
    expect(page.locator("#competency-suggestions option")).to_have_count(1)
    assert page.locator("#competency-suggestions option").get_attribute("value") == "LOTO"

    # Dismissing the confirmation keeps the duty; the script's submit handler is what asks.
    asked: list[str] = []

    def dismiss(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    row = page.locator(".dacum-row", has_text="Control the work")
    row.get_by_text("Edit duty").click()
    row.get_by_role("button", name="Delete duty").click()
    page.wait_for_timeout(300)
    assert asked == ["Delete duty A with all its tasks?"]
    expect(page.locator(".dacum-row", has_text="Control the work")).to_have_count(1)
    assert violations(page) == []


def test_swagger_ui_renders_the_api_under_the_policy(watched_page):
    from playwright.sync_api import expect

    page = watched_page("hr")
    response = page.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("CompMS API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations(page) == []


def test_the_printable_job_description_keeps_its_own_styles(watched_page, role_with_a_task):
    page = watched_page("competency_manager")
    response = page.goto(f"/organisation/roles/{role_with_a_task}/job-description")
    assert response is not None and response.status == 200
    # The page's <style> block is applied (its h2 has an accent underline), and nothing was blocked.
    border = page.locator("h2").first.evaluate("e => getComputedStyle(e).borderBottomStyle")
    assert border == "solid"
    assert violations(page) == []

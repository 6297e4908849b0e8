"""In a real browser: an assessor opens an assessment against the standard, records each criterion
with its method and condition, submits, and the page then shows the assessor evidence."""

from __future__ import annotations

import pytest

from compms.access import SYSTEM
from tests.evidence.conftest import org  # noqa: F401  (the evidence tests' small organisation)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assessor_completes_an_assessment_against_the_standard(logged_in_page, org):  # noqa: F811
    from compms.evidence.models import Evidence
    from compms.evidence.services import register_assessor
    from compms.frameworks.models import LevelIndicator

    criteria = [LevelIndicator.objects.create(competency=org.p, level=1, text="Names the parts of a pump"),
                LevelIndicator.objects.create(competency=org.p, level=2, text="Replaces a seal under supervision")]
    register_assessor(SYSTEM, person=org.ava, competency=org.p, max_level=3)

    page = logged_in_page("assessor")
    page.goto("/assessments/")
    page.get_by_label("Person (employee id)").fill("E-KIM")
    page.get_by_label("Competency").select_option(label="Operations: Pump maintenance")
    page.get_by_label("Level").fill("2")
    page.get_by_role("button", name="Open draft").click()
    assert "Draft opened" in page.locator(".messages").inner_text()

    # Submitting too early is refused, naming the criteria still missing.
    page.get_by_role("button", name="Submit assessment").click()
    assert "Names the parts of a pump" in page.locator(".messages").inner_text()
    assert page.locator("#assessment-status").inner_text() == "Draft"

    for indicator in criteria:
        card = page.locator(f"#criterion-{indicator.pk}")
        card.get_by_label("Met:", exact=True).check()
        card.get_by_label("Method:", exact=True).select_option(label="Observation")
        card.get_by_label("North site").check()
        card.get_by_role("button", name="Record").click()
        assert "Criterion recorded" in page.locator(".messages").inner_text()
    page.get_by_role("button", name="Submit assessment").click()
    assert "assessor evidence at level 2 recorded" in page.locator(".messages").inner_text()
    assert page.locator("#assessment-status").inner_text() == "Submitted"
    assert "North site" in page.locator("#assessment-evidence").inner_text()
    evidence = Evidence.objects.get()
    assert (evidence.person_id, evidence.level, evidence.source, evidence.assessor_id) == (
        org.kim.pk, 2, "assessor", org.ava.pk)

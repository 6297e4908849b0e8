"""In a real browser: a manager reviewing an audit sees that a competency resting on a (now expired)
certificate cannot be confirmed by them, confirms another line with its own comment, and only that line
is recorded."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.access import SYSTEM
from compms.campaigns import services
from compms.campaigns.models import Participant
from compms.evidence.models import Evidence
from compms.evidence.services import record_evidence
from tests.evidence.conftest import org  # noqa: F401  (the evidence tests' small organisation)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_cannot_confirm_a_certificate_only_competency(logged_in_page, org):  # noqa: F811
    today = dt.date.today()
    record_evidence(SYSTEM, person=org.kim, competency=org.p, level=3, source="certificate",
                    assessed_on=today - dt.timedelta(days=400), valid_until=today - dt.timedelta(days=30))
    audit = services.launch_audit(SYSTEM, name="Spring audit", deadline=today + dt.timedelta(days=30),
                                  roles=[org.technician])
    kim = Participant.objects.get(audit=audit, person=org.kim)

    page = logged_in_page("manager")
    page.goto("/campaigns/")
    page.locator("#audit-reviews").get_by_role("link", name="Kim").click()
    page.wait_for_url(f"**/campaigns/{audit.pk}/review/{kim.pk}/")
    p_row = page.locator('#audit-lines tr[data-code="P"]')
    assert "expired" in p_row.inner_text()
    assert "Cannot be confirmed by a manager: it needs a certificate or an assessor" in p_row.inner_text()
    assert p_row.get_by_label("Confirm at level").count() == 0

    q_row = page.locator('#audit-lines tr[data-code="Q"]')
    q_row.get_by_label("Confirm at level").check()
    q_row.get_by_label("Level for Q").select_option("2")
    q_row.get_by_label("Comment on Q").fill("Ran the March quality checks alone")
    page.get_by_role("button", name="Save review").click()
    assert "Review of Kim saved (1 record(s))" in page.locator(".messages").inner_text()
    assert [(e.competency_id, e.level, e.note) for e in Evidence.objects.filter(source="manager")] == [
        (org.q.pk, 2, "Ran the March quality checks alone")]

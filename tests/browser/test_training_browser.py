"""In a real browser: Kim asks for a place, her manager approves it, HR records the completion,
and Kim's gap in pump maintenance closes."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.evidence.gaps import person_gaps
from compms.training.models import Enrolment
from tests.training.conftest import on_day, session_of, torg  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page):
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/accounts/login/**")


def test_request_approve_complete_closes_the_gap(torg, session_of, on_day, logged_in_page):
    session = session_of(capacity=1)
    page = logged_in_page("employee")
    page.goto(f"/training/sessions/{session.pk}/")
    page.fill("#id_reason", "Close my pump gap")
    page.click("#request-place")
    assert "Your request was sent" in page.text_content(".messages")
    assert "Requested" in page.text_content("#enrolments")
    log_out(page)

    page = logged_in_page("manager")
    page.goto("/training/mine/")
    assert "Close my pump gap" in page.text_content("#to-decide")
    page.click("#to-decide button:has-text('Approve')")
    assert "Kim: enrolled." in page.text_content(".messages")
    log_out(page)

    on_day(dt.date(2026, 3, 12))
    page = logged_in_page("hr")
    page.goto(f"/training/sessions/{session.pk}/")
    assert "1 taken of 1" in page.text_content("#places")
    page.click("#enrolments button:has-text('Completed')")
    assert "Kim: completed." in page.text_content(".messages")

    assert Enrolment.objects.get(person=torg.kim).status == "completed"
    line = person_gaps(torg.kim, dt.date(2026, 3, 12)).roles[0].requirements[0]
    assert (line.status, line.proficiency, line.source) == ("met", 3, "training")

"""A `next` parameter never sends anyone to another site after a POST: not from the log-in, the
log-out, nor the training actions (whose path check let //evil.example through)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.training.conftest import on_day, session_of, torg  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

OFF_SITE = ["https://evil.example/", "//evil.example", "//evil.example/accounts/login/", "/\\evil.example",
            "http://testserver@evil.example/", "javascript:alert(1)"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_logging_in_never_follows_an_off_site_next(cast, target):
    client = Client()
    response = client.post(f"/accounts/login/?next={target}", {"username": "employee", "password": PASSWORD,
                                                               "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_log_in_form_does_not_carry_an_off_site_next(client, target):
    page = client.get("/accounts/login/", {"next": target}).content.decode()
    assert 'name="next" value=""' in page
    assert "evil.example" not in page


def test_logging_in_follows_a_next_on_this_site(cast):
    response = Client().post("/accounts/login/", {"username": "employee", "password": PASSWORD,
                                                  "next": "/frameworks/?q=pump"})
    assert response["Location"] == "/frameworks/?q=pump"


@pytest.mark.parametrize("target", OFF_SITE[:3])
def test_logging_out_never_follows_an_off_site_next(login_client, target):
    response = login_client("employee").post("/accounts/logout/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_training_action_never_follows_an_off_site_next(torg, cast, login_client, session_of, target):  # noqa: F811
    from compms.training import services

    session = session_of()
    enrolment = services.request_enrolment(cast.employee, person=torg.kim, session=session)
    response = login_client("manager").post(f"/training/enrolments/{enrolment.pk}/approve", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == f"/training/sessions/{session.pk}/"


def test_a_training_action_follows_a_next_on_this_site(torg, cast, login_client, session_of):  # noqa: F811
    from compms.training import services

    enrolment = services.request_enrolment(cast.employee, person=torg.kim, session=session_of())
    response = login_client("manager").post(f"/training/enrolments/{enrolment.pk}/approve",
                                            {"next": "/training/mine/"})
    assert response["Location"] == "/training/mine/"

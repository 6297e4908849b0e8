"""Session lifetimes: administrators and HR are logged out after an hour without activity, everyone
else after eight hours; activity keeps a session alive."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings

from compms.accounts.security import LAST_SEEN_KEY
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def idle_for(client: Client, seconds: float) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - seconds
    session.save()


def is_logged_in(client: Client) -> bool:
    return client.get("/frameworks/").status_code == 200


@pytest.mark.parametrize("username, limit", [("hr", 3600), ("administrator", 3600), ("employee", 8 * 3600),
                                             ("manager", 8 * 3600)])
def test_the_session_lifetime_follows_the_role_from_the_log_in_on(cast, username, limit):
    client = logged_in(username)
    assert client.session.get_expiry_age() == limit
    cookie = client.cookies["sessionid"]
    assert int(cookie["max-age"]) == limit


def test_hr_is_logged_out_after_an_idle_hour(cast):
    client = logged_in("hr")
    idle_for(client, 59 * 60)
    assert is_logged_in(client)
    idle_for(client, 61 * 60)
    response = client.get("/frameworks/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not is_logged_in(client)


def test_an_employee_stays_logged_in_for_a_working_day_without_activity(cast):
    client = logged_in("employee")
    idle_for(client, 61 * 60)
    assert is_logged_in(client)
    idle_for(client, 8 * 3600 + 60)
    assert not is_logged_in(client)


def test_activity_keeps_a_privileged_session_alive(cast):
    client = logged_in("hr")
    idle_for(client, 50 * 60)
    assert is_logged_in(client)
    # That request counted as activity: another 50 minutes later the session still lives.
    assert time.time() - client.session[LAST_SEEN_KEY] < 5
    idle_for(client, 50 * 60)
    assert is_logged_in(client)


def test_an_expired_session_no_longer_opens_the_api(cast):
    client = logged_in("hr")
    assert client.get("/api/v1/me").status_code == 200
    idle_for(client, 61 * 60)
    assert client.get("/api/v1/me").status_code == 401


@override_settings(COMPMS_PRIVILEGED_SESSION_MINUTES=5, COMPMS_SESSION_HOURS=1)
def test_the_limits_come_from_the_settings(cast):
    hr, employee = logged_in("hr"), logged_in("employee")
    assert hr.session.get_expiry_age() == 300 and employee.session.get_expiry_age() == 3600
    idle_for(hr, 6 * 60)
    idle_for(employee, 6 * 60)
    assert not is_logged_in(hr)
    assert is_logged_in(employee)


def test_a_session_made_by_force_login_gets_the_limit_too(cast):
    client = Client()
    client.force_login(cast.hr)
    assert client.session.get_expiry_age() == 3600

"""Login throttling (django-axes): five wrong passwords for one user name from one address lock that
pair out for fifteen minutes, with a clear page, an audit record, and no effect on API tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from compms.audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client: Client, username: str, password: str, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def fail(client: Client, username: str, times: int, **extra) -> None:
    for _ in range(times):
        response = log_in(client, username, "wrong password", **extra)
        assert response.status_code == 200  # the form again, with its error


def lock_out(client: Client, username: str, **extra) -> None:
    fail(client, username, 4, **extra)
    assert log_in(client, username, "wrong password", **extra).status_code == 429


def test_five_failures_lock_the_user_out_even_with_the_right_password(client, cast):
    fail(client, "employee", 4)
    locked = log_in(client, "employee", "wrong password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed log-ins" in page
    assert "failed 5 times" in page and "for 15 minutes" in page
    assert "/accounts/password/reset/" in page  # the way out

    right = log_in(client, "employee", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_for_that_user_name_from_that_address_only(client, cast):
    lock_out(client, "employee")
    assert log_in(Client(), "manager", PASSWORD).status_code == 302  # another name, same address
    other_address = Client(REMOTE_ADDR="198.51.100.7")
    assert log_in(other_address, "employee", PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, cast):
    from axes.models import AccessAttempt

    lock_out(client, "employee")
    assert log_in(client, "employee", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    response = log_in(client, "employee", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_success_starts_the_count_again(client, cast):
    fail(client, "employee", 4)
    assert log_in(Client(), "employee", PASSWORD).status_code == 302
    fail(client, "employee", 4)
    assert log_in(Client(), "employee", PASSWORD).status_code == 302


def test_a_lock_out_is_audited_without_the_password(client, cast):
    lock_out(client, "employee")
    entry = AuditEntry.objects.get(action="login.lockout")
    assert entry.object_type == "accounts.user" and entry.object_id == str(cast.employee.pk)
    assert entry.after == {"username": "employee", "ip_address": "127.0.0.1", "failure_limit": 5, "minutes": 15}
    assert "wrong password" not in str(entry.after)


def test_attempts_during_a_lock_out_add_no_more_audit_rows(client, cast):
    lock_out(client, "employee")
    for _ in range(3):
        assert log_in(client, "employee", "wrong password").status_code == 429
    assert AuditEntry.objects.filter(action="login.lockout").count() == 1


def test_guessing_names_that_do_not_exist_locks_too(client, cast):
    fail(client, "nobody-here", 4)
    assert log_in(client, "nobody-here", "wrong password").status_code == 429
    assert AuditEntry.objects.filter(action="login.lockout", object_repr="nobody-here").exists()


def test_api_tokens_of_a_locked_out_user_keep_working(client, cast, api):
    employee_api = api("employee")
    lock_out(client, "employee")
    assert log_in(client, "employee", PASSWORD).status_code == 429
    assert employee_api.get("/api/v1/me").status_code == 200


def test_the_admin_log_in_is_behind_the_throttled_one(client, cast):
    # Django's admin has its own log-in form; anonymous users never reach it, so it is no way around the lock.
    response = client.post("/admin/login/", {"username": "administrator", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@override_settings(AXES_FAILURE_LIMIT=2, COMPMS_PROXY_COUNT=1)
def test_behind_a_proxy_the_forwarded_client_address_is_counted(client, cast):
    # The proxy appends the address it saw; what the client itself wrote further left is not trusted.
    attacker = {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.5"}
    fail(client, "employee", 1, **attacker)
    assert log_in(client, "employee", "wrong password", **attacker).status_code == 429
    colleague = {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.6"}
    assert log_in(Client(), "employee", PASSWORD, **colleague).status_code == 302

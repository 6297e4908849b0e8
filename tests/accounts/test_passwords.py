"""Passwords: the validators' rules, the change page for logged-in users, and the reset flow by e-mail
that never tells whether an address has an account."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from compms.audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-orchard-lantern-42"


def can_log_in(username: str, password: str) -> bool:
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


# ---------------------------------------------------------------- the validators


@pytest.mark.parametrize("password, complaint", [
    ("tangerine-8", "at least 12 characters"),
    ("password1234", "too common"),
    ("503918274650", "entirely numeric"),
])
def test_weak_passwords_are_refused_with_the_rule_they_break(cast, password, complaint):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, cast.employee)
    assert any(complaint in message for message in refused.value.messages)


def test_a_password_like_the_user_name_is_refused(cast):
    cast.employee.email = "erin.employee@example.org"
    with pytest.raises(ValidationError) as refused:
        validate_password("erin.employee", cast.employee)
    assert any("too similar" in message for message in refused.value.messages)


def test_the_test_cast_password_passes_the_rules(cast):
    validate_password(PASSWORD, cast.employee)


# ---------------------------------------------------------------- changing it


def test_the_change_page_needs_a_log_in(client):
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/accounts/password/")


def test_the_navigation_and_log_in_page_link_to_the_password_pages(login_client):
    assert '<a href="/accounts/password/">Password</a>' in login_client("employee").get("/").content.decode()
    assert 'href="/accounts/password/reset/"' in Client().get("/accounts/login/").content.decode()


def test_a_weak_new_password_is_refused_on_the_page(login_client, cast):
    client = login_client("employee")
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "short",
                                                    "new_password2": "short"})
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert can_log_in("employee", PASSWORD)


def test_the_old_password_must_be_given(login_client, cast):
    client = login_client("employee")
    response = client.post("/accounts/password/", {"old_password": "not it", "new_password1": NEW_PASSWORD,
                                                    "new_password2": NEW_PASSWORD})
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert can_log_in("employee", PASSWORD)


def test_changing_the_password_keeps_this_session_and_ends_the_others(login_client, cast):
    elsewhere = Client()
    elsewhere.force_login(cast.employee)
    assert elsewhere.get("/frameworks/").status_code == 200
    client = login_client("employee")
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                    "new_password2": NEW_PASSWORD}, follow=True)
    assert "Your password has been changed" in response.content.decode()
    assert client.get("/frameworks/").status_code == 200
    assert elsewhere.get("/frameworks/").status_code == 302  # logged out
    assert can_log_in("employee", NEW_PASSWORD) and not can_log_in("employee", PASSWORD)
    entry = AuditEntry.objects.get(action="user.password.change")
    assert entry.actor_id == cast.employee.pk and entry.object_id == str(cast.employee.pk)
    assert NEW_PASSWORD not in str(entry.after)


# ---------------------------------------------------------------- resetting it by e-mail


@pytest.fixture
def employee_with_address(cast):
    cast.employee.email = "erin@example.org"
    cast.employee.save()
    return cast.employee


def ask_for_reset(address: str):
    return Client().post("/accounts/password/reset/", {"email": address}, follow=True)


def reset_link() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_the_reset_page_answers_the_same_whether_or_not_the_address_has_an_account(employee_with_address):
    known = ask_for_reset("erin@example.org")
    unknown = ask_for_reset("nobody@example.org")
    assert known.redirect_chain == unknown.redirect_chain == [("/accounts/password/reset/sent/", 302)]
    assert known.content == unknown.content
    assert "Check your e-mail" in known.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["erin@example.org"]


def test_the_mailed_link_sets_a_new_password_once(employee_with_address):
    ask_for_reset("erin@example.org")
    assert mail.outbox[0].subject == "CompMS: set a new password"
    link = reset_link()
    browser = Client()
    form_page = browser.get(link, follow=True)
    assert "Set a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    weak = browser.post(set_url, {"new_password1": "short", "new_password2": "short"})
    assert "at least 12 characters" in weak.content.decode()
    done = browser.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert "Your new password is set" in done.content.decode()
    assert can_log_in("employee", NEW_PASSWORD) and not can_log_in("employee", PASSWORD)
    assert AuditEntry.objects.filter(action="user.password.reset", object_id=str(employee_with_address.pk)).exists()

    again = Client().get(link, follow=True)
    assert "Link no longer valid" in again.content.decode()


def test_a_leaver_gets_no_reset_mail(employee_with_address):
    employee_with_address.is_active = False
    employee_with_address.save()
    response = ask_for_reset("erin@example.org")
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []


def test_a_reset_lifts_a_lock_out(employee_with_address):
    locked = Client()
    for _ in range(5):
        locked.post("/accounts/login/", {"username": "employee", "password": "wrong password"})
    assert not can_log_in("employee", PASSWORD)
    ask_for_reset("erin@example.org")
    browser = Client()
    set_url = browser.get(reset_link(), follow=True).redirect_chain[-1][0]
    browser.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert can_log_in("employee", NEW_PASSWORD)


def test_the_demo_password_is_still_set_directly_by_the_builder(db):
    from compms.accounts.services import create_user
    from compms.site.demo import DEMO_PASSWORD

    create_user("demo-admin", DEMO_PASSWORD, ["administrator"])
    assert can_log_in("demo-admin", DEMO_PASSWORD)

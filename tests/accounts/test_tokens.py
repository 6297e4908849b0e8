"""API tokens expire, die with their log-in, cannot make other tokens, and must be named."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from compms.accounts.models import ApiToken, User
from compms.accounts.services import create_token

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def made_days_ago(token: ApiToken, days: int) -> None:
    """As if the token had been created `days` ago with the default lifetime."""
    created = timezone.now() - dt.timedelta(days=days)
    ApiToken.objects.filter(pk=token.pk).update(created_at=created, expires_at=created + dt.timedelta(days=90))


# ---------------------------------------------------------------- expiry


def test_a_new_token_works_for_90_days_by_default(cast):
    token, _raw = create_token(cast.employee, "script")
    assert token.expires_at - token.created_at == pytest.approx(dt.timedelta(days=90), abs=dt.timedelta(seconds=5))


@override_settings(COMPMS_TOKEN_DAYS=7)
def test_the_lifetime_follows_the_setting(cast):
    token, _raw = create_token(cast.employee, "script")
    assert token.expires_at - token.created_at == pytest.approx(dt.timedelta(days=7), abs=dt.timedelta(seconds=5))


def test_a_token_created_91_days_ago_is_refused_and_one_from_89_days_ago_still_works(cast):
    old, old_raw = create_token(cast.employee, "old script")
    recent, recent_raw = create_token(cast.employee, "recent script")
    made_days_ago(old, 91)
    made_days_ago(recent, 89)
    client = Client()

    assert client.get("/api/v1/me", **bearer(old_raw)).status_code == 401
    assert client.get("/api/v1/me", **bearer(recent_raw)).status_code == 200


def test_a_revoked_token_and_the_token_of_a_deactivated_login_are_refused(cast):
    _revoked, revoked_raw = create_token(cast.employee, "revoked")
    _other, other_raw = create_token(cast.assessor, "assessor script")
    client = Client()
    client.force_login(cast.employee)
    assert client.delete(f"/api/v1/tokens/{_revoked.pk}").status_code == 204
    User.objects.filter(pk=cast.assessor.pk).update(is_active=False)

    assert Client().get("/api/v1/me", **bearer(revoked_raw)).status_code == 401
    assert Client().get("/api/v1/me", **bearer(other_raw)).status_code == 401


def test_the_token_list_shows_when_each_token_expires(cast):
    token, _raw = create_token(cast.employee, "script")
    client = Client()
    client.force_login(cast.employee)

    listed = client.get("/api/v1/tokens").json()

    assert listed[0]["expires_at"][:10] == token.expires_at.date().isoformat()


# ---------------------------------------------------------------- only a session makes tokens


def test_a_token_cannot_create_another_token(cast):
    _token, raw = create_token(cast.employee, "script")

    response = Client().post("/api/v1/tokens", {"name": "offspring"}, content_type="application/json",
                             **bearer(raw))

    assert response.status_code == 403
    assert "cannot create another token" in response.json()["detail"]
    assert ApiToken.objects.filter(user=cast.employee).count() == 1


def test_a_logged_in_session_creates_a_token_that_then_works(cast):
    client = Client()
    client.force_login(cast.employee)

    response = client.post("/api/v1/tokens", {"name": "my script"}, content_type="application/json")

    assert response.status_code == 201
    assert Client().get("/api/v1/me", **bearer(response.json()["token"])).json()["username"] == "employee"


# ---------------------------------------------------------------- a token needs a name


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_the_api_refuses_a_blank_token_name_naming_the_field(cast, name):
    client = Client()
    client.force_login(cast.employee)

    response = client.post("/api/v1/tokens", {"name": name}, content_type="application/json")

    assert response.status_code == 400
    assert "name" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_the_tokens_page_refuses_a_blank_name_naming_the_field(cast):
    client = Client()
    client.force_login(cast.employee)

    response = client.post("/accounts/tokens/", {"name": "   "})

    assert response.status_code == 400
    assert b"name: Give the token a name" in response.content
    assert not ApiToken.objects.exists()


def test_the_tokens_page_creates_a_named_token_and_says_how_long_it_lasts(cast):
    client = Client()
    client.force_login(cast.employee)

    response = client.post("/accounts/tokens/", {"name": "report"})

    assert response.status_code == 200
    assert b"works for 90 days" in response.content
    assert ApiToken.objects.get(user=cast.employee).name == "report"


def test_the_command_refuses_a_blank_token_name_naming_the_option(cast):
    with pytest.raises(CommandError, match="--name"):
        call_command("token", "create", "employee", "--name", "  ")
    assert not ApiToken.objects.exists()


def test_the_command_prints_a_working_token(cast, capsys):
    call_command("token", "create", "employee", "--name", "nightly")

    raw = capsys.readouterr().out.strip()
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200

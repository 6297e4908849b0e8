import pytest

from compms.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_pages_redirect_anonymous_users_to_login(client):
    response = client.get("/frameworks/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/frameworks/")


def test_api_refuses_anonymous_and_revoked_tokens(api, cast):
    assert api(None).get("/api/v1/me").status_code == 401
    hr = api("hr")
    assert hr.get("/api/v1/me").json()["roles"] == ["employee", "hr"]
    ApiToken.objects.filter(user=cast.hr).update(revoked_at="2026-01-01T00:00:00Z")
    assert hr.get("/api/v1/me").status_code == 401


def test_token_created_on_the_page_works_once_shown_and_can_be_revoked(login_client, cast):
    client = login_client("employee")
    response = client.post("/accounts/tokens/", {"name": "my script"})
    raw = response.context["new_token"]
    assert raw.startswith("cms_")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token = ApiToken.objects.get(user=cast.employee)
    assert token.key_hash != raw  # only a hash is stored
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert client.logout() is None
    from django.test import Client

    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(login_client, cast):
    from compms.accounts.services import create_token

    token, _raw = create_token(cast.hr, "hr's")
    client = login_client("employee")
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_command_prints_a_working_token(cast, client):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("token", "create", "manager", stdout=out)
    raw = out.getvalue().strip()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["username"] == "manager"

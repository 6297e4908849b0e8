"""Shared fixtures: a fixed cast of users, API clients with bearer tokens, and a real browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The public test data lies in shared/ beside the checkout (as CI lays it out); COMPMS_SHARED_DATA overrides.
SHARED_DATA = Path(os.environ.get("COMPMS_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run"]
PASSWORD = "correct-horse-battery"

CAST_ROLES: dict[str, list[str]] = {
    "administrator": ["administrator"],
    "competency_manager": ["competency_manager", "employee"],
    "hr": ["hr", "employee"],
    "manager": ["manager", "employee"],
    "assessor": ["assessor", "employee"],
    "employee": ["employee"],
    "outsider": [],
}


@pytest.fixture
def shared_data() -> Path:
    """The public test data. A fresh clone alone has none: its tests skip (each feature they cover
    also has a test on small data of its own); COMPMS_REQUIRE_SHARED_DATA=1 makes absence a failure."""
    if not SHARED_DATA.is_dir():
        reason = f"public test data not found at {SHARED_DATA}; CI lays out ../shared/data (or set COMPMS_SHARED_DATA)"
        if os.environ.get("COMPMS_REQUIRE_SHARED_DATA"):
            pytest.fail(reason)
        pytest.skip(reason)
    return SHARED_DATA


@dataclass
class Cast:
    users: dict

    def __getattr__(self, name: str):
        try:
            return self.users[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def cast(db) -> Cast:
    from compms.accounts.services import create_user

    users = {}
    for username, roles in CAST_ROLES.items():
        user = create_user(username, PASSWORD, roles, first_name=username.replace("_", " ").title())
        if username == "administrator":
            user.is_staff = True
            user.is_superuser = True
            user.save()
        users[username] = user
    return Cast(users)


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, token: str | None) -> None:
        from django.test import Client

        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, **self.headers)

    def post(self, path: str, data=None, **kwargs):
        return self.client.post(path, data if data is not None else {}, content_type="application/json",
                                **self.headers, **kwargs)

    def post_file(self, path: str, files: dict):
        return self.client.post(path, files, **self.headers)

    def put(self, path: str, data=None):
        return self.client.put(path, data or {}, content_type="application/json", **self.headers)

    def patch(self, path: str, data=None):
        return self.client.patch(path, data or {}, content_type="application/json", **self.headers)

    def delete(self, path: str):
        return self.client.delete(path, **self.headers)


@pytest.fixture
def api(cast):
    """api('hr') -> an ApiClient authenticated as that member of the cast; api(None) -> anonymous."""
    from compms.accounts.services import create_token

    def make(who: str | None) -> ApiClient:
        if who is None:
            return ApiClient(None)
        _token, raw = create_token(cast.users[who], "tests")
        return ApiClient(raw)

    return make


@pytest.fixture
def login_client(cast, client):
    def make(who: str):
        client.force_login(cast.users[who])
        return client

    return make


# The migrations whose triggers keep tables append-only (each lists SQLITE_UP/DOWN, POSTGRES_UP/DOWN).
APPEND_ONLY_TRIGGERS = ("compms.audit.migrations.0002_forbid_changes_in_database",
                        "compms.evidence.migrations.0002_append_only_in_database")


@pytest.fixture(autouse=True)
def _audit_triggers_lifted_for_flush(request) -> Iterator[None]:
    """A transactional test (every browser test) ends with Django flushing all tables, which the
    append-only audit and evidence triggers refuse (on PostgreSQL even for an empty table: TRUNCATE). Drop them
    just before that flush and put them back right after it (flush sends post_migrate), so audit
    rows stay immutable everywhere else. This teardown runs before pytest-django's flush."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames))
    yield
    if not transactional:
        return
    import importlib

    from django.apps import apps
    from django.db import connection, connections
    from django.db.models.signals import post_migrate

    drop: list[str] = []
    create: list[str] = []
    for module in APPEND_ONLY_TRIGGERS:
        triggers = importlib.import_module(module)
        drop += {"sqlite": triggers.SQLITE_DOWN, "postgresql": triggers.POSTGRES_DOWN}.get(connection.vendor, [])
        create += {"sqlite": triggers.SQLITE_UP, "postgresql": triggers.POSTGRES_UP}.get(connection.vendor, [])
    audit_app = apps.get_app_config("audit")

    def reinstall(using: str = "default", **kwargs) -> None:
        post_migrate.disconnect(sender=audit_app, dispatch_uid="compms-audit-triggers")
        with connections[using].cursor() as cursor:
            for sql in create:
                cursor.execute(sql)

    post_migrate.connect(reinstall, sender=audit_app, weak=False, dispatch_uid="compms-audit-triggers")
    with connection.cursor() as cursor:
        for sql in drop:
            cursor.execute(sql)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        if os.environ.get("COMPMS_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is required for browser tests (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed: browser tests skipped (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def logged_in_page(page, cast):
    def as_user(who: str):
        page.goto("/accounts/login/")
        page.fill("#id_username", who)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login" not in url)
        return page

    return as_user

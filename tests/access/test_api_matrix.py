"""Every API operation in the OpenAPI document, called by each of the seven callers, against objects
that belong to someone outside the caller's scope, answers what tests/access/api_matrix.txt says.

The table is the specification a reviewer reads: one row an operation, one column a caller (see
tests/access/matrix.py for the outcome words). A new operation fails this test until it has a row.
`COMPMS_MATRIX_UPDATE=1` rewrites the table from what the code answers, for a reviewer to read in
the diff; it never passes a 5xx.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from tests.access.matrix import (
    CALLERS,
    HERE,
    World,
    build_world,
    differences_from_table,
    fill_path,
    outcome_of,
    read_table,
    run_in_savepoint,
)

TABLE = HERE / "api_matrix.txt"
HEADER = """# What each caller gets from each API operation (tests/access/test_api_matrix.py).
# Path parameters name objects of a person outside the demo manager's team (see tests/access/matrix.py).
# ok = 2xx, bad = 400/409/422 (allowed to try; the input was refused), 401/403/404/405 as HTTP says."""


# Optional fields sent all the same, so that a body names the outsider's objects (evidence for, enrol whom).
NAMES_AN_OBJECT = {"framework", "competency", "person_id", "session_id"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    for key in ("allOf", "anyOf"):
        if key in schema:
            options = [resolve(option, components) for option in schema[key]]
            chosen = next((o for o in options if o.get("type") != "null"), options[0])
            return chosen
    return schema


def example_value(name: str, schema: dict[str, Any], world: World, components: dict[str, Any]) -> Any:
    """A value of the right type that names a real object where the field names one."""
    schema = resolve(schema, components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if name in world.values and not isinstance(world[name], dict) and kind in ("integer", "string"):
        value = world[name]
        return str(value) if kind == "string" else value
    if kind == "integer":
        return 1
    if kind == "number":
        return 10.0
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return build_body(schema, world, components)
    if schema.get("format") == "date":
        return {"left_on": world["today"], "end_date": world["today"] + dt.timedelta(days=30)}.get(
            name, world["today"]).isoformat()
    if schema.get("format") == "date-time":
        return "2026-11-01T10:00:00Z"
    if name == "activity_id" or schema.get("format") in ("uri", "iri"):
        return "https://example.org/activities/matrix"
    if name in ("code", "external_id"):
        return "MATRIX-1"
    return "Matrix test"


def build_body(schema: dict[str, Any], world: World, components: dict[str, Any]) -> dict[str, Any]:
    schema = resolve(schema, components)
    properties = schema.get("properties", {})
    wanted = [name for name in properties if name in schema.get("required", []) or name in NAMES_AN_OBJECT]
    return {name: example_value(name, properties[name], world, components) for name in wanted}


def call(client: Client, method: str, path: str, operation: dict[str, Any], world: World,
         components: dict[str, Any], headers: dict[str, str]) -> Any:
    query = {p["name"]: example_value(p["name"], p.get("schema", {}), world, components)
             for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")}
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        body = build_body(content["multipart/form-data"]["schema"], world, components)
        for key, value in list(body.items()):
            if value == "Matrix test" and key == "file":
                body[key] = io.BytesIO(b"name\n")
        files = {k: v for k, v in body.items() if not isinstance(v, io.BytesIO)}
        for key, value in body.items():
            if isinstance(value, io.BytesIO):
                value.name = "matrix.csv"
                files[key] = value
        if query:
            path = path + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return getattr(client, method)(path, files, **headers)
    if "application/json" in content:
        body = build_body(content["application/json"]["schema"], world, components)
        if query:
            path = path + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return getattr(client, method)(path, body, content_type="application/json", **headers)
    if method in ("get", "delete"):
        return getattr(client, method)(path, query, **headers)
    return getattr(client, method)(path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
                                   **headers)


@pytest.mark.django_db
def test_every_operation_answers_each_caller_as_the_table_says(world: World) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    components = document.get("components", {}).get("schemas", {})
    observed: dict[str, dict[str, str]] = {}
    server_errors: list[str] = []
    clients = {caller: Client() for caller in CALLERS}
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            name = f"{method.upper()} {template}"
            path = fill_path(template, world)
            row = {}
            for caller in CALLERS:
                token = world["tokens"].get(caller)
                headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
                response = run_in_savepoint(lambda c=clients[caller], h=headers, m=method, p=path, o=operation:
                                            call(c, m, p, o, world, components, h))
                if response.status_code >= 500:
                    server_errors.append(f"{name} as {caller}: {response.status_code}")
                row[caller] = outcome_of(response.status_code, response.get("Location", ""))
            observed[name] = row
    assert server_errors == []
    cells = len(observed) * len(CALLERS)
    problems = differences_from_table(TABLE, HEADER, observed)
    assert problems == [], f"{len(problems)} of {cells} cells differ from {TABLE.name}:\n" + "\n".join(problems)
    assert cells >= 170 * len(CALLERS)


@pytest.mark.django_db
def test_no_operation_lets_an_anonymous_caller_in(world: World) -> None:
    """Read straight off the table, so that a careless regeneration cannot open the API to everyone."""
    table = read_table(TABLE)
    open_to_anonymous = [name for name, row in table.items() if row["anonymous"] not in ("401", "405")]
    # The xAPI statement resource authenticates itself (it answers 401 with its own header).
    assert open_to_anonymous == []

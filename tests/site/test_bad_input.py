"""No input can make the server answer 500: each kind of hostile input found by the attack on the
product is refused with a 400/422 that names the parameter, field or row."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from compms.access import SYSTEM
from compms.interop.base import NOTHING_TO_IMPORT, ImportFailed, importers
from tests.small_org import build_small_org, link_cast

pytestmark = pytest.mark.django_db
HUGE = "100000000000000000000"  # 10**20: past any 64-bit column


@pytest.fixture
def org(cast):
    build_small_org()
    link_cast(cast)


def named(response, name: str) -> bool:
    return name in response.content.decode()


# ---------------------------------------------------------------- integers beyond 64 bits


def test_a_huge_page_number_is_refused_naming_page(org, api) -> None:
    for page in (HUGE, str(2**62)):
        response = api("hr").get("/api/v1/people", page=page)
        assert response.status_code == 400, page
        assert named(response, "page")


def test_a_huge_id_in_the_path_is_refused_naming_it(org, api) -> None:
    response = api("hr").get(f"/api/v1/people/{HUGE}")
    assert response.status_code == 400
    assert named(response, "person_id")


def test_a_huge_integer_in_a_json_body_is_refused_naming_the_field(org, api) -> None:
    from compms.organisation.models import Role

    role = Role.objects.get(external_id="OPERATOR")
    response = api("hr").client.post(f"/api/v1/roles/{role.pk}/duties", f'{{"title": "x", "sort_order": {HUGE}}}',
                                     content_type="application/json", **api("hr").headers)
    assert response.status_code == 422
    assert named(response, "sort_order")


def test_a_huge_page_number_on_a_page_is_refused(org, login_client) -> None:
    response = login_client("hr").get("/audit/", {"page": HUGE})
    assert response.status_code == 400
    assert named(response, "page")


def test_a_huge_id_in_a_page_address_is_refused(org, login_client) -> None:
    response = login_client("hr").get(f"/training/sessions/{HUGE}/")
    assert response.status_code == 400
    assert named(response, "session_id")


# ---------------------------------------------------------------- database rules


def test_a_negative_sort_order_is_refused_naming_the_field(org, api) -> None:
    from compms.organisation.models import Role

    role = Role.objects.get(external_id="OPERATOR")
    response = api("hr").post(f"/api/v1/roles/{role.pk}/duties", {"title": "Inspect", "sort_order": -1})
    assert response.status_code == 422
    assert named(response, "sort_order")
    duty = api("hr").post(f"/api/v1/roles/{role.pk}/duties", {"title": "Inspect"}).json()
    response = api("hr").patch(f"/api/v1/duties/{duty['id']}", {"sort_order": -5})
    assert response.status_code == 422
    assert named(response, "sort_order")


def test_null_for_a_required_field_is_refused(org, api) -> None:
    from compms.organisation.models import Role

    role = Role.objects.get(external_id="OPERATOR")
    response = api("hr").post(f"/api/v1/roles/{role.pk}/duties", {"title": None})
    assert response.status_code == 422
    assert named(response, "title")


def test_a_negative_optimiser_budget_is_refused(org, api, login_client) -> None:
    response = api("hr").post("/api/v1/development/optimiser", {"budget": -1})
    assert response.status_code == 422
    assert named(response, "budget")
    for budget in ("-1", "NaN", "Infinity"):
        page = login_client("hr").post("/development/optimiser/", {"budget": budget})
        assert page.status_code == 200
        assert "Budget: give a number of zero or more." in page.content.decode(), budget


# ---------------------------------------------------------------- costs that cannot be stored


def _resources_file(tmp_path: Path, cost: str) -> Path:
    path = tmp_path / "resources.csv"
    path.write_text("resource_id,title,framework,competency_code,exit_level,cost,hours\n"
                    f"RES-1,Lockout course,SAFE,S1.1,3,{cost},4\n")
    return path


@pytest.mark.parametrize("cost", ["1e400", "inf", "nan", "-Infinity", "99999999999"])
def test_a_cost_no_column_can_hold_is_refused_in_the_catalogue_import(org, tmp_path, cost) -> None:
    with pytest.raises(ImportFailed) as refused:
        importers()["resources"].run(_resources_file(tmp_path, cost), SYSTEM, {})
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "cost")]


def test_a_cost_no_column_can_hold_is_refused_by_the_service(org) -> None:
    from django.core.exceptions import ValidationError

    from compms.development import services

    for cost in (Decimal("1e400"), "inf", "nan", "not a number"):
        with pytest.raises(ValidationError) as refused:
            services.create_resource(SYSTEM, resource_id="RES-2", title="Course", cost=cost)
        assert "cost" in refused.value.message_dict


def test_a_cost_of_1e400_in_the_api_is_refused(org, api) -> None:
    response = api("hr").client.post("/api/v1/development/resources", '{"resource_id": "R", "title": "T", '
                                     '"cost": 1e400}', content_type="application/json", **api("hr").headers)
    assert response.status_code == 422
    assert named(response, "cost")


def test_a_cost_stored_by_an_older_version_no_longer_breaks_pages(org, api, login_client, tmp_path) -> None:
    import importlib

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("only SQLite ever stored such a value: PostgreSQL's numeric column refuses it")
    importers()["resources"].run(_resources_file(tmp_path, "10"), SYSTEM, {})
    with connection.cursor() as cursor:  # what an unchecked import of 1e400 left behind on SQLite
        cursor.execute("UPDATE development_resource SET cost = 1e400, hours = 1e400")
    repair = importlib.import_module("compms.development.migrations.0004_repair_unreadable_numbers")
    repair.clamp_unreadable(None, SimpleNamespace(connection=connection))
    client = login_client("hr")
    for url in ("/development/", "/development/catalogue/RES-1/", "/training/"):
        assert client.get(url).status_code == 200, url
    assert api("hr").get("/api/v1/development/resources").status_code == 200
    assert api("hr").get("/api/v1/development/resources").json()["items"][0]["cost"] in ("9999999999.99",
                                                                                          9999999999.99)


# ---------------------------------------------------------------- NUL characters


def test_a_nul_in_a_query_parameter_is_refused_on_the_api_and_pages(org, api, login_client) -> None:
    response = api("hr").get("/api/v1/people", q="a\x00b")
    assert response.status_code == 400
    assert named(response, "q")
    assert login_client("hr").get("/organisation/", {"q": "a\x00b"}).status_code == 400


def test_a_nul_in_a_form_field_is_refused(org, login_client) -> None:
    response = login_client("hr").post("/organisation/people/E3/leave/", {"left_on": "2025-01-01\x00"})
    assert response.status_code == 400
    assert named(response, "left_on")


def test_a_nul_in_a_json_string_is_refused(org, api) -> None:
    response = api("hr").post("/api/v1/roles", {"external_id": "R\x00", "name": "Role"})
    assert response.status_code == 400
    assert named(response, "external_id")


def test_a_nul_in_the_path_is_refused(org, api) -> None:
    assert api("hr").get("/api/v1/development/resources/a%00b").status_code == 400


def test_an_uploaded_file_may_hold_any_bytes(org, api, tmp_path) -> None:
    # Files are binary: the check is on form fields, not on the file's content.
    response = api("hr").post_file("/api/v1/import/units", {"file": _upload(tmp_path, b"unit_id,name\nX,Y\x00\n")})
    assert response.status_code in (200, 400)
    assert "NUL character" not in response.content.decode()


def _upload(tmp_path: Path, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("units.csv", content, content_type="text/csv")


# ---------------------------------------------------------------- deeply nested JSON


def _nested(depth: int) -> str:
    return '{"name": ' + "[" * depth + "]" * depth + "}"


def test_deeply_nested_json_is_refused_before_it_is_parsed(org, api) -> None:
    hr = api("hr")
    response = hr.client.post("/api/v1/roles", _nested(5000), content_type="application/json", **hr.headers)
    assert response.status_code == 400
    assert "nested" in response.content.decode()
    response = hr.client.post("/api/v1/roles", _nested(10), content_type="application/json", **hr.headers)
    assert response.status_code == 422  # shallow enough: the schema's own answer (name is not a list)


def test_deeply_nested_xapi_statements_are_refused(org, api) -> None:
    hr = api("hr")
    statement = '[{"actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": "x"}, "object": ' + "[" * 200 \
        + "]" * 200 + "}]"
    response = hr.client.post("/api/v1/xapi/statements", statement, content_type="application/json", **hr.headers)
    assert response.status_code == 400
    assert "nested" in response.content.decode()


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    from compms.site.middleware import json_depth

    assert json_depth(b'{"a": "[[[[[[[[\\"[[[[", "b": [1, [2]]}') == 3


# ---------------------------------------------------------------- files


def test_an_unclosed_quote_is_refused_naming_its_row(org, tmp_path) -> None:
    path = tmp_path / "units.csv"
    path.write_text('unit_id,name,parent_id\nNEW,"Unclosed name,HQ\nOTHER,Other,HQ\n')
    with pytest.raises(ImportFailed) as refused:
        importers()["units"].run(path, SYSTEM, {})
    assert refused.value.errors[0].row == 2
    assert "not closed" in refused.value.errors[0].message


def test_an_unclosed_quote_before_a_quoted_cell_is_refused(org, tmp_path) -> None:
    path = tmp_path / "units.csv"
    path.write_text('unit_id,name,parent_id\nNEW,"Unclosed,HQ\nOTHER,"Other",HQ\n')
    with pytest.raises(ImportFailed) as refused:
        importers()["units"].run(path, SYSTEM, {})
    assert refused.value.errors[0].row == 2


HEADERS = {
    "units": "unit_id,name,parent_id", "roles": "role_id,name", "people": "employee_id,name,unit_id",
    "requirements": "role_id,framework,competency_code,level", "dacum": "role_id,duty,task",
    "evidence": "employee_id,framework,competency_code,level,source,assessed_on",
    "resources": "resource_id,title,framework,competency_code,exit_level",
    "framework-csv": "framework_code,code,name",
}


@pytest.mark.parametrize("fmt", sorted(HEADERS))
def test_a_header_only_file_says_nothing_was_imported(org, tmp_path, fmt) -> None:
    path = tmp_path / f"{fmt}.csv"
    path.write_text(HEADERS[fmt] + "\n")
    with pytest.raises(ImportFailed) as refused:
        importers()[fmt].run(path, SYSTEM, {})
    assert [e.message for e in refused.value.errors] == [NOTHING_TO_IMPORT]


def test_a_header_only_xlsx_says_nothing_was_imported(org, tmp_path) -> None:
    from compms.interop.base import write_table

    path = tmp_path / "units.xlsx"
    path.write_bytes(write_table(["unit_id", "name"], [], "xlsx"))
    with pytest.raises(ImportFailed) as refused:
        importers()["units"].run(path, SYSTEM, {})
    assert [e.message for e in refused.value.errors] == [NOTHING_TO_IMPORT]


def test_a_case_package_without_items_says_nothing_was_imported(org, tmp_path) -> None:
    path = tmp_path / "empty.json"
    path.write_text(json.dumps({"CFDocument": {"identifier": "6c1b2a52-0d0e-4f37-a7b0-36c1b0d0a001",
                                               "title": "Empty", "creator": "x", "lastChangeDateTime":
                                               "2025-01-01T00:00:00Z", "uri": "https://example.org/x"},
                                "CFItems": []}))
    with pytest.raises(ImportFailed) as refused:
        importers()["case"].run(path, SYSTEM, {})
    assert "nothing was imported" in str(refused.value)


# ---------------------------------------------------------------- leaving before starting


def test_leaving_before_starting_is_refused_in_the_api(org, api) -> None:
    from compms.organisation.models import Person

    person = Person.objects.get(employee_id="E3")  # started 2022-03-01
    response = api("hr").post(f"/api/v1/people/{person.pk}/leave", {"left_on": "2022-01-01"})
    assert response.status_code in (400, 422)
    assert named(response, "left_on")


def test_leaving_before_starting_is_refused_on_the_page(org, login_client) -> None:
    response = login_client("hr").post("/organisation/people/E3/leave/", {"left_on": "2022-01-01"})
    assert response.status_code == 400
    assert "cannot leave before" in response.content.decode()


def test_leaving_before_starting_is_refused_in_the_people_import(org, tmp_path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("employee_id,name,unit_id,start_date,left_on\nE9,New Person,OPS,2024-05-01,2024-04-30\n"
                    "E3,Carol Three,OPS,,2021-01-01\n")
    with pytest.raises(ImportFailed) as refused:
        importers()["people"].run(path, SYSTEM, {})
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "left_on"), (3, "left_on")]


# ---------------------------------------------------------------- found by the fuzz


def test_a_superscript_digit_as_an_id_is_an_unknown_id_not_a_crash(org, api) -> None:
    # "¹".isdigit() is true but int("¹") raises: the gap reports took it for a numeric id.
    assert api("hr").get("/api/v1/gaps/units/¹").status_code in (400, 404)
    assert api("hr").get("/api/v1/roles/¹/best-fit").status_code in (400, 404)


def test_a_password_of_many_digits_is_not_taken_for_a_number(cast, client) -> None:
    response = client.post("/accounts/login/", {"username": "hr", "password": "1" * 25})
    assert response.status_code != 400


@pytest.mark.parametrize("message, status, field", [
    ("NOT NULL constraint failed: organisation_duty.title", 422, "title"),
    ('null value in column "title" of relation "organisation_duty" violates not-null constraint', 422, "title"),
    ("UNIQUE constraint failed: organisation_role.external_id", 409, "external_id"),
])
def test_a_database_rule_a_service_missed_is_a_clear_refusal(rf, message, status, field) -> None:
    from django.db import IntegrityError

    from compms.api import constraint_refused

    response = constraint_refused(rf.get("/api/v1/roles"), IntegrityError(message))
    assert response.status_code == status
    assert field in response.content.decode()

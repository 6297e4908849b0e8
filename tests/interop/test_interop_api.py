"""The import/export endpoints of the REST API: who may call them, and what they answer."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compms.frameworks.models import Competency, Framework

from .test_case_errors import good_package
from .test_framework_table import SHEET

CASE_URL = "/api/v1/frameworks/import/case"
TABLE_URL = "/api/v1/frameworks/import/table"


def case_upload() -> dict:
    return {"file": SimpleUploadedFile("package.json", good_package().encode(), "application/json")}


def sheet_upload(text: str = SHEET, name: str = "plant.csv") -> dict:
    return {"file": SimpleUploadedFile(name, text.encode(), "text/csv")}


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [(None, 401), ("employee", 403), ("outsider", 403), ("hr", 403),
                                         ("competency_manager", 200), ("administrator", 200)])
def test_only_dictionary_editors_may_import(api, who, status):
    assert api(who).post_file(CASE_URL, case_upload()).status_code == status
    assert api(who).post_file(TABLE_URL, sheet_upload()).status_code == status
    assert Framework.objects.count() == (2 if status == 200 else 0)


@pytest.mark.django_db
def test_a_case_package_may_come_as_the_json_body_and_be_published(api):
    response = api("competency_manager").post(f"{CASE_URL}?publish=true", json.loads(good_package()))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["framework"] == "TEST-FRAMEWORK"
    assert body["counts"]["added"] == 3 and body["counts"]["association:isChildOf"] == 3
    assert "framework TEST-FRAMEWORK v1 (published): created" in body["summary"]


@pytest.mark.django_db
def test_refused_files_answer_400_with_the_row_errors_and_store_nothing(api):
    bad = SHEET.replace("OPS.2,OPS,", "OPS.2,NOPE,")
    response = api("competency_manager").post_file(TABLE_URL, sheet_upload(bad))
    assert response.status_code == 400
    assert response.json()["detail"] == [{"row": 4, "item": None, "field": "parent_code",
                                          "message": "parent 'NOPE' is not in the file"}]
    truncated = {"file": SimpleUploadedFile("p.json", good_package().encode()[:100], "application/json")}
    detail = api("competency_manager").post_file(CASE_URL, truncated).json()["detail"]
    assert detail[0]["message"].startswith("not valid JSON")
    assert api("competency_manager").post_file(TABLE_URL, sheet_upload(name="plant.txt")).json()["detail"][0][
        "message"] == "send a .csv or .xlsx file"
    assert (Framework.objects.count(), Competency.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_the_opensalt_layout_is_offered_through_the_api(api):
    sheet = "identifier,fullStatement,humanCodingScheme,smartLevel\n,Reading,R,1\n,Read closely,R.1,1.1\n"
    response = api("competency_manager").post_file(f"{TABLE_URL}?layout=opensalt&framework=READ", sheet_upload(sheet))
    assert response.status_code == 200, response.content
    assert Framework.objects.get(code="READ").draft().competencies.get(code="R.1").parent.code == "R"


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [(None, 401), ("outsider", 403), ("employee", 200), ("manager", 200)])
def test_employees_may_download(api, who, status):
    api("competency_manager").post_file(TABLE_URL, sheet_upload())
    case = api(who).get("/api/v1/frameworks/PLANT/export/case")
    assert case.status_code == status
    table = api(who).get("/api/v1/frameworks/PLANT/export/table", format="xlsx")
    assert table.status_code == status
    if status == 200:
        assert case["Content-Disposition"] == 'attachment; filename="PLANT-v1.case.json"'
        package = json.loads(case.content)
        assert len(package["CFItems"]) == 4
        assert table["Content-Type"].startswith("application/vnd.openxmlformats")
        csv_text = api(who).get("/api/v1/frameworks/PLANT/export/table").content.decode()
        assert csv_text.splitlines()[2].startswith("PLANT,Plant operations,OPS.1,OPS,Start the pump,skill,")


@pytest.mark.django_db
def test_the_downloaded_package_is_valid_case_1_1(api, assert_valid_case):
    """Checked against the official schema in the public test data (skipped when it is absent)."""
    api("competency_manager").post_file(TABLE_URL, sheet_upload())
    assert_valid_case(json.loads(api("employee").get("/api/v1/frameworks/PLANT/export/case").content))


@pytest.mark.django_db
def test_exports_of_unknown_frameworks_or_versions_are_404(api):
    api("competency_manager").post_file(TABLE_URL, sheet_upload())
    assert api("employee").get("/api/v1/frameworks/NOPE/export/case").status_code == 404
    assert api("employee").get("/api/v1/frameworks/PLANT/export/case", version=7).status_code == 404
    identifier = str(Framework.objects.get(code="PLANT").case_identifier)
    assert api("employee").get(f"/api/v1/frameworks/{identifier}/export/case").status_code == 200

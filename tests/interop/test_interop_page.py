"""The Import / export page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compms.frameworks.models import Competency, Framework

from .test_case_errors import good_package
from .test_framework_table import SHEET


@pytest.mark.django_db
def test_employees_see_downloads_but_no_upload_form(login_client):
    manager = login_client("competency_manager")
    manager.post("/interop/", {"file": SimpleUploadedFile("plant.csv", SHEET.encode())})
    employee = login_client("employee")
    page = employee.get("/interop/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="import-form"' not in html
    assert '/interop/export/PLANT/case/' in html and '/interop/export/PLANT/xlsx/' in html
    download = employee.get("/interop/export/PLANT/csv/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="PLANT-v1.csv"'
    refused = employee.post("/interop/", {"file": SimpleUploadedFile("plant.csv", SHEET.encode())})
    assert refused.status_code == 403


@pytest.mark.django_db
def test_people_without_a_role_get_nothing(login_client):
    outsider = login_client("outsider")
    assert outsider.get("/interop/").status_code == 403


@pytest.mark.django_db
def test_a_manager_uploads_a_case_package_and_sees_the_summary(login_client):
    manager = login_client("competency_manager")
    page = manager.get("/interop/")
    assert 'id="import-form"' in page.content.decode()
    response = manager.post("/interop/", {"file": SimpleUploadedFile("test.json", good_package().encode()),
                                          "publish": "on"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "framework TEST-FRAMEWORK v1 (published): created" in html
    assert Framework.objects.get(code="TEST-FRAMEWORK").latest_published() is not None


@pytest.mark.django_db
def test_a_refused_upload_lists_the_rows_and_stores_nothing(login_client):
    bad = SHEET.replace("Knowledge", "Wisdom")
    response = login_client("competency_manager").post(
        "/interop/", {"file": SimpleUploadedFile("plant.csv", bad.encode())})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported: 1 problem" in html
    assert "<td>4</td><td></td><td>kind</td><td>&#x27;Wisdom&#x27; is not a kind" in html
    assert (Framework.objects.count(), Competency.objects.count()) == (0, 0)

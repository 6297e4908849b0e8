"""A competency manager, in a real browser: uploads a spreadsheet with a mistake, reads what is wrong,
uploads the corrected file, and downloads the framework as CASE JSON."""

from __future__ import annotations

import json

import pytest

from compms.frameworks.models import Framework

from .test_framework_table import SHEET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_fixes_a_refused_sheet_then_downloads_the_framework(logged_in_page, tmp_path):
    bad, good = tmp_path / "bad.csv", tmp_path / "plant.csv"
    bad.write_text(SHEET.replace("OPS.2,OPS,", "OPS.2,OSP,"))
    good.write_text(SHEET)
    page = logged_in_page("competency_manager")
    page.goto("/interop/")

    page.get_by_label("File").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    errors = page.locator("#import-errors")
    assert "Nothing was imported: 1 problem" in errors.locator("h2").inner_text()
    assert errors.locator("tbody tr").inner_text().split("\t") == ["4", "", "parent_code",
                                                                    "parent 'OSP' is not in the file"]
    assert not Framework.objects.exists()

    page.get_by_label("File").set_input_files(str(good))
    page.get_by_label("Publish the version after importing").check()
    page.get_by_role("button", name="Import").click()
    assert "framework PLANT v1 (published): created" in page.locator("#import-result").inner_text()

    with page.expect_download() as download:
        page.locator("#export-list").get_by_role("link", name="CASE JSON").click()
    package = json.loads(download.value.path().read_text())
    assert download.value.suggested_filename == "PLANT-v1.case.json"
    assert sorted(item["humanCodingScheme"] for item in package["CFItems"]) == ["CALM", "OPS", "OPS.1", "OPS.2"]

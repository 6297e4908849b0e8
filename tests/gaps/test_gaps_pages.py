"""Gap analysis pages: what each reader sees, downloads, errors, and a query count that stays put."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from compms.access import SYSTEM
from compms.gaps import reports
from compms.gaps.loader import clear_cache
from compms.gaps.reports import ReportParams
from tests.gaps.conftest import build_random_org

D = dt.date
pytestmark = pytest.mark.django_db
DAY = "2025-09-01"


@pytest.fixture
def org(cast):
    return build_random_org(51, cast=cast)


def test_hr_sees_the_organisation_overview_with_its_figures(org, login_client):
    page = login_client("hr").get("/gaps/", {"as_of": DAY})

    assert page.status_code == 200
    report = reports.gap_report(SYSTEM, ReportParams(as_of=D(2025, 9, 1)))
    html = page.content.decode()
    assert "Gaps for the whole organisation" in html
    assert f"<div class=\"gaps-big\">{report.requirements}</div>" in html
    worst = max(report.competencies, key=lambda c: (c.people_short, c.levels_short))
    assert f"{worst.framework}:{worst.competency}" in html
    assert 'id="unit-table"' in html and "East" in html


def test_the_heatmap_is_an_svg_whose_cells_open_the_people_behind_them(org, login_client):
    client = login_client("hr")
    html = client.get("/gaps/heatmap/", {"as_of": DAY}).content.decode()

    assert "<svg" in html and "<script" not in html
    assert html.count('<a href="/gaps/cell/?') > 0
    first = html.split('<a href="/gaps/cell/?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    people = client.get("/gaps/cell/?" + first)
    assert people.status_code == 200
    assert 'id="people-table"' in people.content.decode()


def test_every_report_page_opens_for_hr(org, login_client):
    client = login_client("hr")
    for path in ("/gaps/roles/", "/gaps/roles/R1/", "/gaps/roles/R1/best-fit/", "/gaps/risk/", "/gaps/expiry/",
                 "/gaps/coverage/", "/gaps/distribution/", "/gaps/distribution/?competency=ALPHA:A2",
                 "/gaps/cell/?competency=ALPHA:A2&status=missing",
                 f"/gaps/profile/?person={org.people[4].employee_id}"):
        response = client.get(path, {"as_of": DAY} if "?" not in path else None)
        assert response.status_code == 200, path
        assert b"<svg" in response.content or path in ("/gaps/roles/", "/gaps/roles/R1/", "/gaps/expiry/",
                                                       "/gaps/roles/R1/best-fit/", "/gaps/distribution/",
                                                       "/gaps/cell/?competency=ALPHA:A2&status=missing"), path


def test_an_employee_is_sent_to_their_own_profile_and_kept_out_of_reports(org, login_client):
    client = login_client("employee")

    overview = client.get("/gaps/")
    assert overview.status_code == 302 and overview["Location"] == "/gaps/profile/"
    own = client.get("/gaps/profile/", {"role": "R3"})
    assert own.status_code == 200
    assert org.employee.name in own.content.decode() and 'id="profile-chart"' in own.content.decode()
    assert client.get("/gaps/profile/", {"person": org.people[5].employee_id, "role": "R3"}).status_code == 200
    # ...but the person asked for is ignored: an employee only ever sees themselves.
    page = client.get("/gaps/profile/", {"person": org.people[5].employee_id}).content.decode()
    assert org.people[5].name not in page
    assert client.get("/gaps/heatmap/").status_code == 403
    assert client.get("/gaps/roles/R1/best-fit/").status_code == 403


def test_a_manager_sees_their_reports_only_and_is_told_so(org, login_client):
    page = login_client("manager").get("/gaps/", {"as_of": DAY})

    html = page.content.decode()
    assert "You see the people you manage" in html
    report = reports.gap_report(org.manager.user, ReportParams(as_of=D(2025, 9, 1)))
    assert f"<div class=\"gaps-big\">{report.people}</div>" in html
    outsider = next(p for p in org.people if p.pk != org.manager.pk and f"/{org.manager.pk}/" not in p.manager_path)
    profile = login_client("manager").get("/gaps/profile/", {"person": outsider.employee_id, "role": "R1"})
    assert profile.status_code == 404


def test_tables_download_as_csv_and_xlsx(org, login_client):
    client = login_client("hr")
    csv = client.get("/gaps/", {"as_of": DAY, "export": "competencies", "format": "csv"})
    xlsx = client.get("/gaps/risk/", {"as_of": DAY, "export": "single_points", "format": "xlsx"})

    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("framework,competency,competency_name")
    assert len(lines) - 1 == len(reports.gap_report(SYSTEM, ReportParams(as_of=D(2025, 9, 1))).competencies)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header[:4] == ["unit", "unit_name", "framework", "competency"]
    assert xlsx["Content-Disposition"] == 'attachment; filename="gaps-single-points.xlsx"'


def test_a_bad_filter_explains_itself(org, login_client):
    client = login_client("hr")
    unknown = client.get("/gaps/", {"unit": "NOWHERE"})
    bad_date = client.get("/gaps/heatmap/", {"as_of": "1/2/2025"})

    assert unknown.status_code == 400 and "No unit with id" in unknown.content.decode()
    assert bad_date.status_code == 400 and "is not a date" in bad_date.content.decode()


# Page views load the organisation in a fixed set of bulk reads plus the session and the viewer's
# roles; a manager adds two (who they are, whom they manage).
PAGE_QUERY_BUDGET = {"hr": 16, "manager": 18}


@pytest.mark.parametrize("size", [8, 60])
@pytest.mark.parametrize("path", ["/gaps/", "/gaps/heatmap/", "/gaps/cell/?competency=ALPHA:A1", "/gaps/roles/",
                                  "/gaps/roles/R1/", "/gaps/roles/R1/best-fit/", "/gaps/risk/", "/gaps/expiry/",
                                  "/gaps/coverage/", "/gaps/distribution/?competency=ALPHA:A1"])
@pytest.mark.parametrize("who", ["hr", "manager"])
def test_report_pages_run_a_fixed_number_of_queries(cast, login_client, django_assert_max_num_queries, size, path,
                                                   who):
    build_random_org(60 + size, people=size, cast=cast)
    client = login_client(who)
    clear_cache()  # the cold load is where a query per person would hide

    with django_assert_max_num_queries(PAGE_QUERY_BUDGET[who]):
        assert client.get(path).status_code == 200

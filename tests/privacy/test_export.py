"""The subject-access export: everything about the person, nothing about anyone else, for HR and the person
themself only, with an audit record; bounded queries."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compms.access import SYSTEM
from compms.audit.models import AuditEntry
from compms.privacy.queries import subject_access_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def kim_records(org, add, cast):
    """Kim (user "employee"): two evidence records, one superseded by HR, and a 9-box rating by Mo; Lee (a
    colleague) has evidence with a note that must never appear in Kim's export."""
    from compms.evidence import services as evidence
    from compms.succession.models import TalentRating

    first = add(org.kim, org.p, 2, "manager", dt.date(2025, 10, 1))
    evidence.supersede_evidence(first, cast.hr, reason="Typo in the level", level=3, assessed_on=dt.date(2025, 10, 1))
    add(org.kim, org.q, 2, "test", dt.date(2026, 2, 1))
    add(org.lee, org.p, 4, "manager", dt.date(2026, 1, 1), note="LEE-SECRET-NOTE")
    TalentRating.objects.create(person=org.kim, performance=2, potential=3, rated_on=dt.date(2026, 1, 15),
                                rater=cast.manager, reason="Strong on pumps")
    TalentRating.objects.create(person=org.lee, performance=1, potential=1, rated_on=dt.date(2026, 1, 15),
                                rater=cast.manager, reason="LEE-RATING-REASON")
    return first


def test_the_export_holds_the_persons_records_with_who_recorded_them(org, kim_records, api):
    body = api("employee").get(f"/api/v1/people/{org.kim.pk}/privacy/export").json()

    assert body["person"]["name"] == "Kim" and body["person"]["employee_id"] == "E-KIM"
    assert body["account"]["username"] == "employee" and "password" not in body["account"]
    evidence = body["sections"]["evidence.Evidence.person"]
    # Three records: the superseded original, its replacement, and Q.
    assert evidence["count"] == 3
    statuses = sorted(row["status"] for row in evidence["rows"])
    assert statuses == ["active", "active", "superseded"]
    superseded = next(row for row in evidence["rows"] if row["status"] == "superseded")
    assert superseded["reason"] == "Typo in the level" and superseded["changed_by"].endswith("(hr)")
    rating = body["sections"]["succession.TalentRating.person"]["rows"]
    assert [(r["performance"], r["potential"], r["reason"]) for r in rating] == [(2, 3, "Strong on pumps")]
    assert body["sections"]["evidence.CurrentProficiency.person"]["count"] == 2
    tokens = body["sections"]["accounts.ApiToken.user"]["rows"]
    assert [t["name"] for t in tokens] == ["tests"] and "key_hash" not in tokens[0] and "hint" not in tokens[0]
    assert any(e["action"].startswith("evidence.") for e in body["audit_about_them"])


def test_the_export_names_nothing_about_another_person(org, kim_records, api):
    text = api("hr").get(f"/api/v1/people/{org.kim.pk}/privacy/export").content.decode()

    assert "LEE-SECRET-NOTE" not in text and "LEE-RATING-REASON" not in text
    assert "E-LEE" not in text and "E-OLU" not in text


def test_an_employee_exports_their_own_data_but_not_a_colleagues(org, kim_records, api, login_client):
    assert api("employee").get(f"/api/v1/people/{org.kim.pk}/privacy/export").status_code == 200
    assert api("employee").get(f"/api/v1/people/{org.lee.pk}/privacy/export").status_code == 404
    assert api("employee").get("/api/v1/people/999999/privacy/export").status_code == 404
    client = login_client("employee")
    assert client.get(f"/privacy/people/{org.lee.pk}/export/").status_code == 404
    me = client.get("/privacy/me/")
    assert me.status_code == 302 and me["Location"] == f"/privacy/people/{org.kim.pk}/export/"


def test_a_manager_is_refused_a_reports_export_and_hr_and_admin_get_anyones(org, kim_records, api):
    refused = api("manager").get(f"/api/v1/people/{org.kim.pk}/privacy/export")
    assert refused.status_code == 403 and "HR or by the person" in refused.json()["detail"]
    assert api("manager").get(f"/api/v1/people/{org.olu.pk}/privacy/export").status_code == 404
    assert api("hr").get(f"/api/v1/people/{org.lee.pk}/privacy/export").status_code == 200
    assert api("administrator").get(f"/api/v1/people/{org.kim.pk}/privacy/export").status_code == 200
    assert api("outsider").get(f"/api/v1/people/{org.kim.pk}/privacy/export").status_code == 404


def test_every_export_writes_an_audit_record(org, kim_records, api, login_client):
    api("hr").get(f"/api/v1/people/{org.kim.pk}/privacy/export")
    login_client("employee").get(f"/privacy/people/{org.kim.pk}/export.json")

    exports = AuditEntry.objects.filter(action="privacy.export", object_id=str(org.kim.pk)).order_by("id")
    assert [e.actor_name for e in exports] == ["hr", "employee"]
    assert exports[0].after["sections"]["evidence.Evidence.person"] == 3


def test_the_page_is_readable_and_links_the_json_download(org, kim_records, login_client):
    client = login_client("employee")
    page = client.get(f"/privacy/people/{org.kim.pk}/export/")
    html = page.content.decode()

    assert page.status_code == 200
    assert "Personal data held about Kim" in html and "Strong on pumps" in html and "Typo in the level" in html
    assert f'href="/privacy/people/{org.kim.pk}/export.json"' in html
    download = client.get(f"/privacy/people/{org.kim.pk}/export.json")
    assert download["Content-Disposition"].startswith("attachment;")
    assert json.loads(download.content)["sections"]["evidence.Evidence.person"]["count"] == 3
    person_page = client.get("/organisation/people/E-KIM/").content.decode()
    assert f'href="/privacy/people/{org.kim.pk}/export/"' in person_page
    # Not on a colleague's page for a manager: only HR and the person themself may export.
    assert "person-privacy-export" not in login_client("manager").get("/organisation/people/E-KIM/").content.decode()


def test_the_export_costs_the_same_queries_for_many_records_as_for_few(org, add, cast):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            subject_access_export(org.kim)
        return len(captured)

    from compms.organisation.models import PersonMove, Position

    add(org.kim, org.p, 2, "manager", dt.date(2025, 10, 1))
    few = queries()
    for day in range(1, 21):
        add(org.kim, org.q, 1 + day % 3, "test", dt.date(2025, 11, day))
        # An untitled position is labelled by its role and unit: still no query per row.
        seat = Position.objects.create(external_id=f"SEAT-{day}", role=org.technician, unit=org.unit)
        PersonMove.objects.create(person=org.kim, kind=PersonMove.Kind.POSITION_START,
                                  effective_on=dt.date(2025, 11, day), position=seat)
    assert queries() == few


def test_the_command_prints_the_export(org, kim_records, capsys):
    from django.core.management import call_command

    call_command("privacy", "export", "--person", "E-KIM")
    body = json.loads(capsys.readouterr().out)
    assert body["sections"]["evidence.Evidence.person"]["count"] == 3
    assert AuditEntry.objects.filter(action="privacy.export", actor_name="").count() == 1
    assert SYSTEM is not None


def test_a_leavers_export_covers_every_kind_of_record_they_have(quinn, api):
    sections = api("hr").get(f"/api/v1/people/{quinn.person.pk}/privacy/export").json()["sections"]
    counts = {key: section["count"] for key, section in sections.items() if section["count"]}

    assert counts == {
        "accounts.ApiToken.user": 1,
        "organisation.PersonMove.person": 1,  # left
        "evidence.Evidence.person": 4,  # original, its replacement, revoked, kept
        "evidence.CurrentProficiency.person": 2,
        "logbook.Entry.person": 1,
        "training.XapiStatement.person": 1,
        "succession.TalentRating.person": 1,
        "succession.Goal.person": 1,
    }
    xapi = sections["training.XapiStatement.person"]["rows"][0]
    assert xapi["raw"]["actor"]["mbox"] == "mailto:quinn.zephyrine@example.org"

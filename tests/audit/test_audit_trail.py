import csv
import io

import pytest

from compms.audit.models import AuditEntry
from compms.frameworks import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes(cast):
    version = services.create_framework(code="OPS", name="Operations", actor=cast.competency_manager)
    competency = services.create_competency(version, cast.competency_manager, code="SAF", name="Safety")
    services.update_competency(competency, cast.competency_manager, name="Operations safety")
    return competency


def test_hr_sees_each_change_with_before_and_after(login_client, changes):
    page = login_client("hr").get("/audit/?action=competency.update").content.decode()
    assert "competency.update" in page
    assert "Operations safety" in page and "competency_manager" in page
    entry = AuditEntry.objects.get(action="competency.update")
    assert entry.before["name"] == "Safety" and entry.after["name"] == "Operations safety"


def test_the_export_lists_the_filtered_changes(login_client, changes):
    response = login_client("hr").get("/audit/export?action=competency.")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(row["action"] for row in rows) == ["competency.create", "competency.update"]
    assert all(row["actor"] == "competency_manager" for row in rows)


def test_only_hr_and_administrators_read_the_trail(login_client, api, changes):
    assert login_client("employee").get("/audit/").status_code == 403
    assert api("manager").get("/api/v1/audit").status_code == 403
    listed = api("administrator").get("/api/v1/audit", action="competency.update").json()
    assert listed["count"] == 1 and listed["items"][0]["after"]["name"] == "Operations safety"


def test_no_api_method_changes_the_trail(api, changes):
    entry = AuditEntry.objects.get(action="competency.update")
    client = api("administrator")
    for response in (client.delete(f"/api/v1/audit/{entry.pk}"), client.put(f"/api/v1/audit/{entry.pk}", {}),
                     client.post("/api/v1/audit", {"action": "forged"})):
        assert response.status_code in (404, 405)
    assert AuditEntry.objects.filter(action="forged").count() == 0
    assert AuditEntry.objects.get(pk=entry.pk).after["name"] == "Operations safety"

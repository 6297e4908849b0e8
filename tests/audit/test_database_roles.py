"""The two-role PostgreSQL set-up of docs/operations.md, run as written: the application role does
its normal work and is refused every change to the audit trail and every deletion of evidence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from compms.access import SYSTEM
from compms.audit import chain
from compms.audit.models import AuditEntry
from compms.audit.services import record

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
APP_ROLE = "compms_app_role_test"


def documented_grants() -> list[str]:
    """The SQL block the owner runs after `compms migrate`: the one that starts with GRANT USAGE ON SCHEMA."""
    blocks = re.findall(r"```sql\n(.*?)```", OPERATIONS.read_text(), flags=re.S)
    grants = next(block for block in blocks if block.startswith("GRANT USAGE ON SCHEMA"))
    return [line.replace("compms_app", APP_ROLE) for line in grants.splitlines() if line.strip()]


def refused(sql: str) -> str:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except DatabaseError as error:
        return str(error)
    return ""


@pytest.fixture
def as_app_role(db):
    if connection.vendor != "postgresql":
        pytest.skip("database roles are a PostgreSQL set-up (set COMPMS_DATABASE_URL to a PostgreSQL database)")
    # Roles are cluster-wide but transactional: all of this is rolled back with the test.
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
        for statement in documented_grants():
            cursor.execute(statement)
        cursor.execute(f"SET ROLE {APP_ROLE}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


@pytest.mark.django_db
def test_the_application_role_works_but_cannot_touch_the_audit_trail_or_delete_evidence(as_app_role):
    entry = record(SYSTEM, "role.check", object_type="thing", object_id="1", after={"ok": True})
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert chain.verify().intact

    for sql in (f"UPDATE audit_auditentry SET note = 'x' WHERE id = {entry.pk}",
                f"DELETE FROM audit_auditentry WHERE id = {entry.pk}",
                "TRUNCATE audit_auditentry",
                "DELETE FROM evidence_evidence",
                "DELETE FROM evidence_claim",
                "TRUNCATE evidence_evidenceattachment"):
        assert "permission denied" in refused(sql), sql
    # Only the owner could lift the triggers.
    assert "must be owner" in refused("DROP TRIGGER audit_no_update_or_delete ON audit_auditentry")
    assert "must be owner" in refused("ALTER TABLE evidence_evidence DISABLE TRIGGER ALL")
    assert AuditEntry.objects.get(pk=entry.pk).note == ""

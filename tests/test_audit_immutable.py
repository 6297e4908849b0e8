import pytest
from django.db import DatabaseError, connection, transaction

from compms.audit.models import AuditEntry, AuditImmutable
from compms.audit.services import record

pytestmark = pytest.mark.django_db


def test_audit_entries_cannot_be_changed_or_deleted_by_any_path(cast):
    entry = record(cast.hr, "test.action", object_type="thing", object_id="1", after={"a": 1})
    entry.note = "tampered"
    with pytest.raises(AuditImmutable):
        entry.save()
    with pytest.raises(AuditImmutable):
        entry.delete()
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(note="tampered")
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    for sql in ("UPDATE audit_auditentry SET note = 'x'", "DELETE FROM audit_auditentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).note == ""

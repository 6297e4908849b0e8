"""Evidence, claims and attachments are append-only in the database itself: raw SQL (a script, a
superuser's shell, a bug that bypasses the models) cannot edit facts or delete rows; only the
transitions the services make (supersede, revoke, decide a claim once) go through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction

from compms.evidence import services
from compms.evidence.models import Claim, Evidence, EvidenceAttachment

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 3, 1)


def refused(sql: str, params: list | None = None) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params or [])
    except DatabaseError:
        return True
    return False


@pytest.fixture
def evidence(org, cast, on_day):
    on_day(TODAY)
    return services.record_evidence(cast.hr, person=org.kim, competency=org.p, level=3, source="manager",
                                    assessed_on=D(2026, 2, 1), note="Serviced pump 4 unsupervised",
                                    attachments=[SimpleUploadedFile("sheet.txt", b"signed off", "text/plain")])


@pytest.mark.parametrize("sql", [
    "UPDATE evidence_evidence SET level = 5",
    "UPDATE evidence_evidence SET assessed_on = '2020-01-01'",
    "UPDATE evidence_evidence SET source = 'assessor'",
    "UPDATE evidence_evidence SET note = 'something else'",
    "UPDATE evidence_evidence SET person_id = person_id + 1",
    # A fate change must come with its who/when, and a revoked record cannot point at a successor.
    "UPDATE evidence_evidence SET status = 'revoked'",
    "UPDATE evidence_evidence SET status = 'revoked', changed_at = '2026-03-01', superseded_by_id = id",
    "DELETE FROM evidence_evidence",
    "UPDATE evidence_evidenceattachment SET size = 1",
    "UPDATE evidence_evidenceattachment SET name = 'other.txt'",
    "DELETE FROM evidence_evidenceattachment",
])
def test_raw_sql_cannot_edit_or_delete_evidence(evidence, sql):
    assert refused(sql)
    stored = Evidence.objects.get(pk=evidence.pk)
    assert (stored.level, stored.source, stored.status, stored.note) == (3, "manager", "active",
                                                                          "Serviced pump 4 unsupervised")
    assert EvidenceAttachment.objects.filter(evidence=evidence, name="sheet.txt", size=10).exists()


def test_a_revoked_record_cannot_be_brought_back_or_revoked_again(evidence, cast):
    services.revoke_evidence(evidence, cast.hr, reason="Recorded against the wrong person")
    assert refused("UPDATE evidence_evidence SET status = 'active', changed_at = NULL, reason = ''")
    assert refused("UPDATE evidence_evidence SET reason = 'a different story', changed_at = '2026-03-02'")
    assert Evidence.objects.get(pk=evidence.pk).reason == "Recorded against the wrong person"


def test_supersede_and_revoke_still_work_and_keep_the_old_record(evidence, cast, org):
    newer = services.supersede_evidence(evidence, cast.hr, reason="Level was mistyped", level=2,
                                        assessed_on=D(2026, 2, 1))
    old = Evidence.objects.get(pk=evidence.pk)
    assert (old.status, old.superseded_by_id, old.reason, old.level) == ("superseded", newer.pk,
                                                                         "Level was mistyped", 3)
    services.revoke_evidence(newer, cast.hr, reason="Assessment withdrawn")
    assert Evidence.objects.get(pk=newer.pk).status == "revoked"
    assert Evidence.objects.filter(person=org.kim).count() == 2


def test_claims_are_decided_once_and_the_flows_still_work(org, cast, on_day):
    on_day(TODAY)
    claim = services.create_claim(cast.employee, competency=org.p, level=3, note="I service the pumps weekly")
    assert refused("UPDATE evidence_claim SET level = 5")
    assert refused("DELETE FROM evidence_claim")
    services.verify_claim(claim, cast.manager, level=2, comment="Seen on the job")
    claim.refresh_from_db()
    assert (claim.status, claim.review_evidence_id is not None) == ("verified", True)
    assert refused("UPDATE evidence_claim SET status = 'rejected', reviewed_at = '2026-03-02'")
    assert refused("UPDATE evidence_claim SET review_comment = 'never happened'")
    assert refused("UPDATE evidence_claim SET review_evidence_id = NULL")

    other = services.create_claim(cast.employee, competency=org.q, level=2)
    services.reject_claim(other, cast.manager, comment="Not seen yet")
    assert Claim.objects.get(pk=other.pk).status == "rejected"
    assert Evidence.objects.get(pk=other.self_evidence_id).status == "revoked"


def test_erasure_may_blank_free_text_and_deleting_a_user_clears_the_links(evidence, cast):
    """What anonymisation under the GDPR needs: words that may name someone can be blanked (never
    rewritten), and links to a deleted log-in become empty; the level and dates stay."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE evidence_evidence SET note = '' WHERE id = %s", [evidence.pk])
        cursor.execute("UPDATE evidence_evidenceattachment SET name = '', file = '' WHERE evidence_id = %s",
                       [evidence.pk])
    cast.hr.delete()
    stored = Evidence.objects.get(pk=evidence.pk)
    assert (stored.note, stored.recorded_by_id, stored.level, stored.assessed_on) == ("", None, 3, D(2026, 2, 1))
    assert EvidenceAttachment.objects.get(evidence=evidence).uploaded_by_id is None

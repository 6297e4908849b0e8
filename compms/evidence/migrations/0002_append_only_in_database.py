"""Database triggers that keep evidence append-only for every path, raw SQL included.

What the application may still do, and so what the triggers let through:
- evidence: an active record becomes superseded (pointing at its successor) or revoked, once, with
  its reason, who and when (`compms.evidence.services._mark`); its facts never change;
- claims: a pending claim is decided once (verified or rejected, by whom, when, with a comment) and
  gets the evidence its verification wrote (`_close_claim`, then `verify_claim`);
- attachments: never changed;
- on all three: a link to a deleted user becomes NULL (Django's SET_NULL), and free text that may
  name someone (notes, reasons, comments, an attachment's file name) may be blanked for erasure
  under the GDPR. Blanking removes words; it cannot change a level, a date or a decision.
Every DELETE is refused, and on PostgreSQL every TRUNCATE.
"""

from django.db import migrations

# SQLite has no IS DISTINCT FROM; `IS` compares NULLs as equal, which is what is needed here.
SQLITE_EVIDENCE_HOLDS = """
    NEW.id IS OLD.id AND NEW.person_id IS OLD.person_id AND NEW.competency_id IS OLD.competency_id
    AND NEW.competency_uuid IS OLD.competency_uuid AND NEW.context_id IS OLD.context_id
    AND NEW.level IS OLD.level AND NEW.source IS OLD.source AND NEW.assessed_on IS OLD.assessed_on
    AND NEW.valid_until IS OLD.valid_until AND NEW.recorded_at IS OLD.recorded_at
    AND NEW.assessor_id IS OLD.assessor_id AND NEW.import_batch_id IS OLD.import_batch_id
    AND (NEW.recorded_by_id IS OLD.recorded_by_id OR NEW.recorded_by_id IS NULL)
    AND (NEW.note IS OLD.note OR NEW.note = '')
    AND ((NEW.status IS OLD.status AND NEW.superseded_by_id IS OLD.superseded_by_id
          AND NEW.changed_at IS OLD.changed_at
          AND (NEW.changed_by_id IS OLD.changed_by_id OR NEW.changed_by_id IS NULL)
          AND (NEW.reason IS OLD.reason OR NEW.reason = ''))
         OR (OLD.status = 'active' AND NEW.status IN ('superseded', 'revoked') AND NEW.changed_at IS NOT NULL
             AND (NEW.superseded_by_id IS NULL) = (NEW.status = 'revoked')))
"""
SQLITE_CLAIM_HOLDS = """
    NEW.id IS OLD.id AND NEW.person_id IS OLD.person_id AND NEW.competency_id IS OLD.competency_id
    AND NEW.competency_uuid IS OLD.competency_uuid AND NEW.context_id IS OLD.context_id
    AND NEW.level IS OLD.level AND NEW.self_evidence_id IS OLD.self_evidence_id
    AND NEW.created_at IS OLD.created_at
    AND (NEW.created_by_id IS OLD.created_by_id OR NEW.created_by_id IS NULL)
    AND (NEW.note IS OLD.note OR NEW.note = '')
    AND (NEW.review_evidence_id IS OLD.review_evidence_id
         OR (OLD.review_evidence_id IS NULL AND NEW.status = 'verified'))
    AND ((NEW.status IS OLD.status AND NEW.reviewed_at IS OLD.reviewed_at
          AND (NEW.reviewed_by_id IS OLD.reviewed_by_id OR NEW.reviewed_by_id IS NULL)
          AND (NEW.review_comment IS OLD.review_comment OR NEW.review_comment = ''))
         OR (OLD.status = 'pending' AND NEW.status IN ('verified', 'rejected') AND NEW.reviewed_at IS NOT NULL))
"""
SQLITE_ATTACHMENT_HOLDS = """
    NEW.id IS OLD.id AND NEW.evidence_id IS OLD.evidence_id AND NEW.content_type IS OLD.content_type
    AND NEW.size IS OLD.size AND NEW.uploaded_at IS OLD.uploaded_at
    AND (NEW.uploaded_by_id IS OLD.uploaded_by_id OR NEW.uploaded_by_id IS NULL)
    AND (NEW.name IS OLD.name OR NEW.name = '') AND (NEW.file IS OLD.file OR NEW.file = '')
"""
GUARDED = [
    # (table, what a refusal says, SQLite condition an UPDATE must meet)
    ("evidence_evidence", "evidence is never edited or deleted: supersede or revoke it", SQLITE_EVIDENCE_HOLDS),
    ("evidence_claim", "a claim is decided once and never deleted", SQLITE_CLAIM_HOLDS),
    ("evidence_evidenceattachment", "evidence attachments are never changed or deleted", SQLITE_ATTACHMENT_HOLDS),
]

SQLITE_UP = []
SQLITE_DOWN = []
for _table, _message, _holds in GUARDED:
    SQLITE_UP += [
        f"CREATE TRIGGER {_table}_no_update BEFORE UPDATE ON {_table} WHEN NOT ({_holds}) "
        f"BEGIN SELECT RAISE(ABORT, '{_message}'); END;",
        f"CREATE TRIGGER {_table}_no_delete BEFORE DELETE ON {_table} BEGIN SELECT RAISE(ABORT, '{_message}'); END;",
    ]
    SQLITE_DOWN += [f"DROP TRIGGER IF EXISTS {_table}_no_update;", f"DROP TRIGGER IF EXISTS {_table}_no_delete;"]


def _postgres_condition(sqlite_condition: str) -> str:
    # The same rules; PostgreSQL spells NULL-safe equality IS NOT DISTINCT FROM.
    return sqlite_condition.replace(" IS OLD.", " IS NOT DISTINCT FROM OLD.")


POSTGRES_UP = []
POSTGRES_DOWN = []
for _table, _message, _holds in GUARDED:
    POSTGRES_UP += [
        f"""CREATE OR REPLACE FUNCTION {_table}_guard() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'UPDATE' THEN
                IF ({_postgres_condition(_holds)}) THEN RETURN NEW; END IF;
              END IF;
              RAISE EXCEPTION '{_message}';
            END; $$ LANGUAGE plpgsql;""",
        f"""CREATE TRIGGER {_table}_no_change BEFORE UPDATE OR DELETE ON {_table}
            FOR EACH ROW EXECUTE FUNCTION {_table}_guard();""",
        f"""CREATE TRIGGER {_table}_no_truncate BEFORE TRUNCATE ON {_table}
            FOR EACH STATEMENT EXECUTE FUNCTION {_table}_guard();""",
    ]
    POSTGRES_DOWN += [
        f"DROP TRIGGER IF EXISTS {_table}_no_truncate ON {_table};",
        f"DROP TRIGGER IF EXISTS {_table}_no_change ON {_table};",
        f"DROP FUNCTION IF EXISTS {_table}_guard();",
    ]


def forwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_evidence_claims_assessors_proficiency")]
    operations = [migrations.RunPython(forwards, backwards)]

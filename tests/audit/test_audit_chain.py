"""The audit trail is a hash chain: `compms audit verify` says the chain is intact, or names the
first entry where it breaks, even when someone with the power to lift the triggers changed a row."""

from __future__ import annotations

import importlib
import io
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections

from compms.access import SYSTEM
from compms.audit import chain
from compms.audit.models import AuditChainHead, AuditEntry
from compms.audit.services import record, record_many

TRIGGERS = importlib.import_module("compms.audit.migrations.0002_forbid_changes_in_database")


def verify_output() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def verify_failure() -> str:
    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify", stdout=io.StringIO())
    assert failed.value.returncode == 1
    return str(failed.value)


def as_superuser(*statements: str) -> None:
    """What someone who owns the tables can do: lift the triggers, change rows, put them back."""
    vendor = connection.vendor
    down = {"sqlite": TRIGGERS.SQLITE_DOWN, "postgresql": TRIGGERS.POSTGRES_DOWN}[vendor]
    up = {"sqlite": TRIGGERS.SQLITE_UP, "postgresql": TRIGGERS.POSTGRES_UP}[vendor]
    with connection.cursor() as cursor:
        for sql in (*down, *statements, *up):
            cursor.execute(sql)


@pytest.fixture
def five_entries(cast) -> list[AuditEntry]:
    """Five entries written after those the cast's creation wrote."""
    before = AuditEntry.objects.count()
    record(cast.hr, "person.update", object_type="organisation.person", object_id="7", object_repr="Kim",
           before={"name": "Kim", "level": 2.0}, after={"name": "Kim Lee", "tags": ("a", "b"), "n": {1: "x"}})
    record(SYSTEM, "job.run", note="nightly")
    record_many(cast.hr, "person.import", [{"object_type": "organisation.person", "object_id": str(n),
                                             "object_repr": f"Person {n}", "after": {"row": n}} for n in range(3)])
    return list(AuditEntry.objects.filter(seq__gt=before).order_by("seq"))


@pytest.mark.django_db
def test_entries_are_chained_in_the_order_they_were_written(five_entries):
    every = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in every] == list(range(1, len(every) + 1))
    assert [e.seq for e in five_entries] == [e.seq for e in every[-5:]]
    assert every[0].previous_hash == chain.GENESIS_HASH
    for earlier, later in zip(every, every[1:], strict=False):
        assert later.previous_hash == earlier.entry_hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.entry_hash) == (len(every), every[-1].entry_hash)


@pytest.mark.django_db
def test_an_intact_chain_verifies(five_entries):
    total = AuditEntry.objects.count()
    assert verify_output().startswith(f"chain intact: {total} entries, head {five_entries[-1].entry_hash}")


@pytest.mark.django_db
def test_an_empty_trail_verifies(db):
    assert verify_output().startswith("chain intact: 0 entries")


@pytest.mark.django_db
def test_a_changed_field_is_reported_at_that_entry(five_entries):
    target = five_entries[2]
    as_superuser(f"UPDATE audit_auditentry SET actor_name = 'someone else' WHERE id = {target.pk}")
    message = verify_failure()
    assert f"entry id {target.pk} (seq {target.seq}): content changed" in message
    assert f"{target.seq - 1} entries checked" in message


@pytest.mark.django_db
def test_a_changed_json_value_is_reported(five_entries):
    target = five_entries[0]
    forged = '{"name": "Kim Lee", "tags": ["a", "b"], "n": {"1": "y"}}'
    as_superuser(f"""UPDATE audit_auditentry SET "after" = '{forged}' WHERE id = {target.pk}""")
    assert f"entry id {target.pk} (seq {target.seq}): content changed" in verify_failure()


@pytest.mark.django_db
def test_a_rehashed_entry_breaks_the_next_link(five_entries):
    """A careful forger recomputes the changed entry's own hash; the next entry still points at the old one."""
    target = five_entries[1]
    values = {name: getattr(target, name) for name in chain.HASHED_FIELDS}
    values["note"] = "never ran"
    forged = chain.content_hash(values)
    as_superuser(f"UPDATE audit_auditentry SET note = 'never ran', entry_hash = '{forged}' WHERE id = {target.pk}")
    message = verify_failure()
    assert f"entry id {five_entries[2].pk} (seq {five_entries[2].seq}): link broken" in message
    assert f"entry id {target.pk}" in message


@pytest.mark.django_db
def test_a_deleted_entry_is_reported_at_the_next_one(five_entries):
    as_superuser(f"DELETE FROM audit_auditentry WHERE id = {five_entries[2].pk}")
    message = verify_failure()
    gone, next_one = five_entries[2], five_entries[3]
    assert f"entry id {next_one.pk} (seq {next_one.seq}): entry missing: entry seq {gone.seq}" in message


@pytest.mark.django_db
def test_entries_cut_off_the_end_are_reported(five_entries):
    as_superuser(f"DELETE FROM audit_auditentry WHERE id IN ({five_entries[3].pk}, {five_entries[4].pk})")
    total = five_entries[-1].seq
    assert f"the chain head records {total} entries, only {total - 2} are left" in verify_failure()


@pytest.mark.django_db
def test_new_entries_after_a_verified_chain_extend_it(five_entries, cast):
    record(cast.hr, "person.leave", object_type="organisation.person", object_id="7")
    assert verify_output().startswith(f"chain intact: {five_entries[-1].seq + 1} entries")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(cast):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with IMMEDIATE transactions; the race needs PostgreSQL")
    from django.db import transaction

    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(10):
                with transaction.atomic():
                    record(SYSTEM, "race.write", object_id=f"{n}-{i}")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert verify_output().startswith(f"chain intact: {AuditEntry.objects.count()} entries")
    assert AuditEntry.objects.filter(action="race.write").count() == 40


@pytest.mark.django_db
def test_the_audit_page_says_when_the_chain_was_last_verified(five_entries, login_client):
    page = login_client("hr").get("/audit/").content.decode()
    assert "Hash chain not verified yet." in page
    verify_output()
    page = login_client("hr").get("/audit/").content.decode()
    assert f"intact, {five_entries[-1].seq} entries." in page
    as_superuser(f"DELETE FROM audit_auditentry WHERE id = {five_entries[1].pk}")
    verify_failure()
    page = login_client("hr").get("/audit/").content.decode()
    assert "<strong>broken</strong>: chain broken at entry id" in page and "entry missing" in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_the_entries_written_before_it():
    from django.db.migrations.executor import MigrationExecutor

    before_chain = [("audit", "0002_forbid_changes_in_database")]
    latest = [key for key in MigrationExecutor(connection).loader.graph.leaf_nodes() if key[0] == "audit"]
    MigrationExecutor(connection).migrate(before_chain)
    with connection.cursor() as cursor:
        for n, (at, after) in enumerate([("2026-01-01 10:00:00.123456", '{"level": 2.0, "tags": ["a"]}'),
                                         ("2026-01-02 11:30:00", None), ("2026-01-03 09:00:00.5", '{"k": "é"}')]):
            cursor.execute("INSERT INTO audit_auditentry (at, actor_name, action, object_type, object_id, "
                           'object_repr, before, "after", note) VALUES (%s, %s, %s, %s, %s, %s, NULL, %s, %s)',
                           [f"{at}+00:00" if connection.vendor == "postgresql" else at, "hr", "old.change",
                            "thing", str(n), f"Thing {n}", after, ""])
    MigrationExecutor(connection).migrate(latest)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [(e.seq, e.object_id) for e in entries] == [(1, "0"), (2, "1"), (3, "2")]
    assert verify_output().startswith(f"chain intact: 3 entries, head {entries[-1].entry_hash}")
    record(SYSTEM, "new.change")  # the chain goes on from the migrated head
    assert verify_output().startswith("chain intact: 4 entries")
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET note = 'x'")  # the triggers are back

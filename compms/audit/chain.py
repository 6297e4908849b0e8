"""The hash chain that makes the audit trail tamper-evident.

Every entry carries its place in the chain (`seq`: 1, 2, 3, ... with no gaps), the hash of the
entry before it and a hash of its own canonical content, which includes that previous hash. So
changing an entry's content breaks its own hash, re-hashing it breaks the next entry's link, and
deleting one leaves a gap in `seq`. A single-row `AuditChainHead` holds the latest seq and hash:
writers lock it (SELECT ... FOR UPDATE on PostgreSQL; SQLite writers are already serialised by
IMMEDIATE transactions), so two concurrent transactions can never both extend the chain from the
same entry, and `verify` compares it with the last entry to notice entries cut off the end.

The triggers stop the application (and anyone without the owner role) from changing entries; the
chain catches whoever could drop the triggers, a superuser included. Anyone who can also rewrite
the head row could cut the tail undetected, so `verify` prints the head hash: an operator who keeps
it somewhere else (a ticket, a log shipped off the machine) can check later that it is still in
the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

GENESIS_HASH = "0" * 64
HEAD_ID = 1
# The columns hashed, in this order; changing the list would break every existing chain.
HASHED_FIELDS = ("seq", "at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr",
                 "before", "after", "note", "previous_hash")
_AT, _BEFORE, _AFTER = (HASHED_FIELDS.index(name) for name in ("at", "before", "after"))
VERIFY_CHUNK = 10_000


# One encoder for every hash: json.dumps would build a new one per call, a third of the cost.
# NaN is allowed because Django's JSONField stores it (as SQLite text) and refusing it here would fail the write.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _canonical_value(value: Any) -> Any:
    """What a value looks like after a trip through the database, so a hash computed before the
    INSERT equals one computed from the row read back (JSON keys become strings, tuples lists, and
    PostgreSQL's jsonb prints a float like 1e16 as an integer)."""
    kind = type(value)
    if kind is dict:
        return {key if type(key) is str else str(key): _canonical_value(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_canonical_value(item) for item in value]
    if kind is float and value.is_integer():
        return int(value)
    return value


def _canonical_time(at: dt.datetime) -> str:
    if at.tzinfo is not dt.UTC:
        at = (timezone.make_aware(at) if timezone.is_naive(at) else at).astimezone(dt.UTC)
    return at.isoformat(timespec="microseconds")


def _document_hash(document: list[Any]) -> str:
    """Hash a list of the HASHED_FIELDS values, in that order (changed in place)."""
    document[_AT] = _canonical_time(document[_AT])
    document[_BEFORE] = _canonical_value(document[_BEFORE])
    document[_AFTER] = _canonical_value(document[_AFTER])
    return hashlib.sha256(_ENCODER.encode(document).encode("utf-8")).hexdigest()


def content_hash(values: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of an entry's hashed fields: an array in HASHED_FIELDS order,
    objects with sorted keys, no spaces, UTF-8, the time in UTC with microseconds."""
    return _document_hash([values[name] for name in HASHED_FIELDS])


def _values_of(entry: Any) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def link(entries: Sequence[Any], using: str = "default") -> None:
    """Give unsaved entries their place in the chain, in the order given, and move the head.

    Must run inside the transaction that inserts them (the head stays locked until it commits)."""
    from compms.audit.models import AuditChainHead

    if not entries:
        return
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("audit entries are chained inside the transaction that writes them")
    heads = AuditChainHead.objects.using(using)
    head = heads.select_for_update().filter(pk=HEAD_ID).first()
    if head is None:
        # Only on a database whose head row is gone (a flushed test database): of two writers
        # creating it at once, the second's insert waits for the first and then does nothing.
        # Entries without their head make the next seq collide, so writes stop rather than fork.
        heads.bulk_create([AuditChainHead(pk=HEAD_ID, seq=0, entry_hash=GENESIS_HASH)], ignore_conflicts=True)
        head = heads.select_for_update().get(pk=HEAD_ID)
    seq, previous = head.seq, head.entry_hash
    for entry in entries:
        if timezone.is_naive(entry.at):
            entry.at = timezone.make_aware(entry.at)
        seq += 1
        entry.seq = seq
        entry.previous_hash = previous
        entry.entry_hash = content_hash(_values_of(entry))
        previous = entry.entry_hash
    heads.filter(pk=HEAD_ID).update(seq=seq, entry_hash=previous)


# ---------------------------------------------------------------- verification

@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    entry_id: int | None
    seq: int
    problem: str

    def __str__(self) -> str:
        where = f"entry id {self.entry_id} (seq {self.seq})" if self.entry_id is not None else f"seq {self.seq}"
        return f"chain broken at {where}: {self.problem}"


@dataclass(frozen=True)
class Verification:
    entries: int
    head_hash: str
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def __str__(self) -> str:
        if self.broken is not None:
            return f"{self.broken} ({self.entries} entries checked before it)"
        return f"chain intact: {self.entries} entries, head {self.head_hash}"


def _as_time(value: Any) -> dt.datetime:
    # Stored times are UTC; SQLite hands them back naive (as datetimes or text), PostgreSQL aware.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _pages(using: str) -> Iterator[list[tuple[Any, ...]]]:
    """Every entry in seq order as (id, entry_hash, *HASHED_FIELDS), a page at a time, read by seq
    (the unique index) with plain SQL: the ORM's per-value converters would cost more than the
    hashing, and paging bounds the memory a million rows need."""
    from compms.audit.models import AuditEntry

    connection = connections[using]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ("id", "entry_hash", *HASHED_FIELDS))
    sql = (f"SELECT {columns} FROM {quote(AuditEntry._meta.db_table)} "
           f"WHERE {quote('seq')} > %s ORDER BY {quote('seq')} LIMIT %s")
    last_seq = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [last_seq, VERIFY_CHUNK])
            page = cursor.fetchall()
        if not page:
            return
        yield page
        if len(page) < VERIFY_CHUNK:
            return
        last_seq = page[-1][2]


def verify(using: str = "default") -> Verification:
    """Walk the whole chain in seq order and report the first entry that does not hold."""
    from compms.audit.models import AuditChainHead

    seq_at, previous_at = 2 + HASHED_FIELDS.index("seq"), 2 + HASHED_FIELDS.index("previous_hash")
    expected_seq, previous, previous_id, checked = 1, GENESIS_HASH, None, 0
    for page in _pages(using):
        for row in page:
            entry_id, stored_hash, seq = row[0], row[1], row[seq_at]
            if seq != expected_seq:
                gone = (f"entry seq {expected_seq}" if seq == expected_seq + 1
                        else f"entries seq {expected_seq} to {seq - 1}")
                return Verification(checked, previous, Break(entry_id, seq,
                                                             f"entry missing: {gone} before it is gone"))
            if row[previous_at] != previous:
                before = f"entry id {previous_id}" if previous_id is not None else "the start of the chain"
                return Verification(checked, previous, Break(
                    entry_id, seq, f"link broken: its previous hash does not match {before}"))
            document = list(row[2:])
            document[_AT] = _as_time(document[_AT])
            for position in (_BEFORE, _AFTER):
                if isinstance(document[position], str):
                    document[position] = json.loads(document[position])
            if _document_hash(document) != stored_hash:
                return Verification(checked, previous, Break(
                    entry_id, seq, "content changed: its fields no longer match its hash"))
            expected_seq, previous, previous_id, checked = seq + 1, stored_hash, entry_id, checked + 1
    head = AuditChainHead.objects.using(using).filter(pk=HEAD_ID).first()
    head_seq, head_hash = (head.seq, head.entry_hash) if head is not None else (0, GENESIS_HASH)
    if head_seq != checked or head_hash != previous:
        if head_seq > checked:
            problem = f"entry missing: the chain head records {head_seq} entries, only {checked} are left"
        else:
            problem = f"the chain head (seq {head_seq}) does not match the last entry (seq {checked})"
        return Verification(checked, previous, Break(None, checked + 1 if head_seq > checked else checked,
                                                     problem))
    return Verification(checked, previous, None)

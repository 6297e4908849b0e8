"""Everything the gap reports need, loaded in bulk into numpy arrays and kept between requests.

A report over 40,000 people cannot afford a query per person, nor even an ORM object per evidence
record, so this module reads each table once with a handful of set-based queries and keeps the
result (a `Snapshot`) in a process-level cache. Reports then work on arrays only
(`compms.gaps.analysis`).

Loading. The organisation tables (units, people, roles, requirement lines, positions,
competencies) are small and come through `values_list`. Evidence is large (a million rows), so it
is read with raw SQL that packs each record into a few integers and concatenates a whole chunk into
one string in the database (`group_concat` / `string_agg`), which numpy parses in C: one Python
object per chunk instead of eight per record.

Freshness. Every request first reads a cheap `DataVersion` (one statement of indexed MAX look-ups)
and compares it with the cached snapshot's. Any service that writes evidence, requirement lines,
positions, people or units also writes an audit record in the same transaction, so the audit
trail's high-water mark moves with every such write. A changed version triggers a refresh:

- the organisation tables are read again in full (cheap);
- evidence is append-only: its facts never change after insert (`Evidence.save` refuses), only its
  status, and only from active to superseded or revoked. So the refresh reads the records with ids
  above the snapshot's watermark, and re-reads the ids of every inactive record to mark newly
  superseded or revoked ones. Only when the evidence table shrank (a test database being flushed)
  is everything read again.

Why the version carries a windowed count of audit rows and not just MAX(id): on PostgreSQL ids
come from a sequence when a row is inserted, not when it commits, so a transaction holding id 100
can commit after one holding 101; MAX(id) would not move when 100 appears. Counting the rows in the
last few thousand ids catches such a late commit. MAX(at) tells two databases with the same counts
apart (a test database rebuilt between tests).

Writes made without a service (plain `objects.create` or `update` in a test) write no audit row;
new rows still move a MAX(id), but an in-place `update` goes unseen. Tests that change data that
way call `clear_cache()`.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid as uuid_module
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connections
from django.db.models import Max

from compms.audit.models import AuditEntry
from compms.core.dates import NO_EXPIRY
from compms.core.gaparrays import SOURCE_CODE, EvidenceArrays
from compms.core.rollup import POLICIES, POLICY_DEFAULT
from compms.evidence.models import Evidence
from compms.frameworks.models import Competency, Framework, FrameworkVersion, ScaleLevel
from compms.organisation.models import Context, Person, Position, Requirement, Role, Unit

# How many of the latest audit ids the version counts (see the module docstring). A transaction
# that wrote its audit row more than this many audit rows before it committed would go unseen;
# services write their audit row last, just before they commit.
AUDIT_WINDOW = 5000
# Evidence is read in id ranges of this size (one string of about 40 bytes a row per range).
EVIDENCE_CHUNK = 250_000
# One evidence record packs into one integer: person id, competency id, active flag, level and
# source code, most significant first. Bits: source 4, level 7, active 1, competency 20, leaving 31
# for the person id.
SOURCE_BITS = 4
LEVEL_BITS = 7
COMPETENCY_BITS = 20
# Words per record in the numbers string: id, packed record, context id (+ two date ordinals on
# databases that compute them cheaply).
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


# ---------------------------------------------------------------- the data version

@dataclass(frozen=True)
class DataVersion:
    """A fingerprint that changes whenever data a gap report depends on changes."""

    audit_max_id: int
    audit_recent_rows: int
    audit_last_at: str
    evidence_max_id: int
    requirement_max_id: int
    position_max_id: int
    person_max_id: int
    unit_max_id: int
    role_max_id: int
    competency_max_id: int


def data_version(using: str = "default") -> DataVersion:
    """One statement of indexed look-ups; cheap enough to run on every request."""
    audit = AuditEntry._meta.db_table
    maxima = [f"(SELECT MAX(id) FROM {model._meta.db_table})"
              for model in (Evidence, Requirement, Position, Person, Unit, Role, Competency)]
    sql = (f"SELECT (SELECT MAX(id) FROM {audit}), "
           f"(SELECT COUNT(*) FROM {audit} WHERE id > COALESCE((SELECT MAX(id) FROM {audit}), 0) - %s), "
           f"(SELECT MAX(at) FROM {audit}), {', '.join(maxima)}")
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [AUDIT_WINDOW])
        row = cursor.fetchone()
    audit_max, audit_recent, audit_at, *rest = row
    return DataVersion(int(audit_max or 0), int(audit_recent or 0), str(audit_at or ""),
                       *(int(value or 0) for value in rest))


# ---------------------------------------------------------------- evidence columns

@dataclass
class EvidenceStore:
    """Every evidence record (any status) as parallel arrays, sorted by evidence id.

    `watermark_stamp` identifies the history the arrays hold: the `recorded_at` of the record with
    the highest id. Evidence is never deleted, so while that record still carries the same stamp the
    arrays are a true prefix of the table and may be extended; a database rebuilt from scratch
    fails the check and is read again in full."""

    pk: np.ndarray  # int64
    person_pk: np.ndarray  # int64
    competency_id: np.ndarray  # int64
    context_id: np.ndarray  # int64, 0 for none
    level: np.ndarray  # int16
    source_code: np.ndarray  # int8, position in SOURCES
    active: np.ndarray  # bool
    recorded_ord: np.ndarray  # int32
    valid_until_ord: np.ndarray  # int32, NO_EXPIRY when it never expires
    watermark_stamp: str = ""

    ARRAYS = ("pk", "person_pk", "competency_id", "context_id", "level", "source_code", "active",
              "recorded_ord", "valid_until_ord")

    @classmethod
    def empty(cls) -> EvidenceStore:
        return cls(pk=np.zeros(0, np.int64), person_pk=np.zeros(0, np.int64), competency_id=np.zeros(0, np.int64),
                   context_id=np.zeros(0, np.int64), level=np.zeros(0, np.int16),
                   source_code=np.zeros(0, np.int8), active=np.zeros(0, bool),
                   recorded_ord=np.zeros(0, np.int32), valid_until_ord=np.zeros(0, np.int32))

    @classmethod
    def from_columns(cls, pk: np.ndarray, packed: np.ndarray, context_id: np.ndarray, recorded_ord: np.ndarray,
                     valid_until_ord: np.ndarray) -> EvidenceStore:
        source = packed & ((1 << SOURCE_BITS) - 1)
        rest = packed >> SOURCE_BITS
        level = rest & ((1 << LEVEL_BITS) - 1)
        rest >>= LEVEL_BITS
        active = (rest & 1) == 1
        rest >>= 1
        competency = rest & ((1 << COMPETENCY_BITS) - 1)
        person = rest >> COMPETENCY_BITS
        return cls(pk=pk, person_pk=person, competency_id=competency, context_id=context_id,
                   level=level.astype(np.int16), source_code=source.astype(np.int8), active=active,
                   recorded_ord=recorded_ord.astype(np.int32), valid_until_ord=valid_until_ord.astype(np.int32))

    def __len__(self) -> int:
        return len(self.pk)

    @property
    def max_pk(self) -> int:
        return int(self.pk[-1]) if len(self.pk) else 0

    def extended(self, more: EvidenceStore) -> EvidenceStore:
        """A new store with `more` appended (new arrays: snapshots in use elsewhere stay as they are)."""
        joined = EvidenceStore(**{name: np.concatenate([getattr(self, name), getattr(more, name)])
                                  for name in self.ARRAYS})
        joined.watermark_stamp = more.watermark_stamp if len(more) else self.watermark_stamp
        return joined

    def mark_inactive(self, inactive_pks: np.ndarray) -> None:
        """Status only ever moves away from active, so the inactive ids are all a refresh needs."""
        active = np.ones(len(self.pk), dtype=bool)
        if len(inactive_pks) and len(self.pk):
            position = np.minimum(np.searchsorted(self.pk, inactive_pks), len(self.pk) - 1)
            found = self.pk[position] == inactive_pks
            active[position[found]] = False
        self.active = active


def yyyymmdd_to_ordinal(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Calendar dates to `date.toordinal()` values, vectorised (the days-from-civil algorithm)."""
    year = year.astype(np.int64) - (month <= 2)
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month.astype(np.int64) + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468 + EPOCH_ORDINAL


def iso_dates_to_ordinals(text: bytes, width: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Parse ISO dates laid out at fixed width: record i's date starts at byte i * width + offset.

    Returns (ordinals, present); '0000-00-00' stands for no date. SQLite keeps dates as ISO text,
    and copying the text out is far cheaper there than any date function, so the digits are read
    here, all records at once."""
    raw = np.frombuffer(text, dtype=np.uint8).reshape(-1, width)[:, offset:offset + 10].astype(np.int64) - 48
    year = raw[:, 0] * 1000 + raw[:, 1] * 100 + raw[:, 2] * 10 + raw[:, 3]
    month = raw[:, 5] * 10 + raw[:, 6]
    day = raw[:, 8] * 10 + raw[:, 9]
    present = month > 0
    ordinals = yyyymmdd_to_ordinal(np.where(present, year, 1970), np.where(present, month, 1),
                                   np.where(present, day, 1))
    return ordinals, present


# SQLite spells a source code cheaply as (first character's code point + length) mod 16, which
# happens to be distinct for the seven sources; this table turns it back into SOURCES positions (-1:
# not a known source). A CASE over seven string comparisons cost a third of the whole read.
SQLITE_SOURCE_CODE = np.full(16, -1, dtype=np.int64)
for _source, _code in SOURCE_CODE.items():
    _hashed = (ord(_source[0]) + len(_source)) % 16
    if SQLITE_SOURCE_CODE[_hashed] != -1:
        raise AssertionError(f"evidence sources {_source!r} and another share a SQLite source code")
    SQLITE_SOURCE_CODE[_hashed] = _code
# On SQLite the id and the context id share one number (fewer numbers to turn into text) while
# context ids stay below this bound; otherwise they come as separate numbers.
CONTEXT_BITS = 20


def _evidence_sql(vendor: str, context_inline: bool) -> str:
    """SELECT giving, for an id range, one string of numbers (and on SQLite a second of dates)."""
    table = Evidence._meta.db_table
    where = f"FROM {table} WHERE id > %s AND id <= %s"
    if vendor == "postgresql":
        source_case = " ".join(f"WHEN '{source}' THEN {code}" for source, code in SOURCE_CODE.items())
        packed = (f"((((person_id * {1 << COMPETENCY_BITS} + competency_id) * 2"
                  f" + (CASE WHEN status = 'active' THEN 1 ELSE 0 END)) * {1 << LEVEL_BITS} + level)"
                  f" * {1 << SOURCE_BITS} + (CASE source {source_case} END))")
        recorded = "(assessed_on - DATE '0001-01-01' + 1)"
        until = "COALESCE(valid_until - DATE '0001-01-01' + 1, 0)"
        text = " || ',' || ".join(f"({expr})::text" for expr in ("id", packed, "COALESCE(context_id, 0)",
                                                                    recorded, until))
        return f"SELECT string_agg({text}, ','), NULL {where}"
    # "%%": a literal % in SQL that also carries %s placeholders.
    packed = (f"((((person_id * {1 << COMPETENCY_BITS} + competency_id) * 2 + (status = 'active'))"
              f" * {1 << LEVEL_BITS} + level) * {1 << SOURCE_BITS} + (unicode(source) + length(source)) %% 16)")
    if context_inline:
        numbers = f"(id * {1 << CONTEXT_BITS} + COALESCE(context_id, 0)) || ',' || {packed}"
    else:
        numbers = f"id || ',' || {packed} || ',' || COALESCE(context_id, 0)"
    dates = "assessed_on || COALESCE(valid_until, '0000-00-00')"
    return f"SELECT group_concat({numbers}, ','), group_concat({dates}, '') {where}"


def read_evidence(after_pk: int = 0, using: str = "default") -> EvidenceStore:
    """Every evidence record with an id above `after_pk`, in id order."""
    connection = connections[using]
    table = Evidence._meta.db_table
    columns: list[tuple[np.ndarray, ...]] = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT MAX(id) FROM {table}), (SELECT MAX(id) FROM {Context._meta.db_table})")
        top, top_context = (int(value or 0) for value in cursor.fetchone())
        if top <= after_pk:
            return EvidenceStore.empty()
        context_inline = top_context < (1 << CONTEXT_BITS)
        sql = _evidence_sql(connection.vendor, context_inline)
        start = after_pk
        while start < top:
            end = min(start + EVIDENCE_CHUNK, top)
            cursor.execute(sql, [start, end])
            numbers, dates = cursor.fetchone()
            start = end
            if numbers:
                columns.append(_parse_chunk(numbers, dates, context_inline))
        if not columns:
            return EvidenceStore.empty()
        pk, packed, context, recorded, until = (np.concatenate(parts) for parts in zip(*columns))
        # Rows of one range come back in the order the database scanned them; id order makes
        # extending and status marking a binary search.
        order = np.argsort(pk, kind="stable")
        store = EvidenceStore.from_columns(pk[order], packed[order], context[order], recorded[order], until[order])
        store.watermark_stamp = _stamp_of(cursor, store.max_pk)
    return store


def _parse_chunk(numbers: str, dates: str | None, context_inline: bool) -> tuple[np.ndarray, ...]:
    """(id, packed record with a SOURCES code, context id, assessed ordinal, valid-until ordinal)."""
    values = np.fromstring(numbers, dtype=np.int64, sep=",")
    if dates is None:  # PostgreSQL: every field is a number already
        data = values.reshape(-1, 5)
        return data[:, 0], data[:, 1], data[:, 2], data[:, 3], np.where(data[:, 4] == 0, NO_EXPIRY, data[:, 4])
    if context_inline:
        data = values.reshape(-1, 2)
        pk, context, packed = data[:, 0] >> CONTEXT_BITS, data[:, 0] & ((1 << CONTEXT_BITS) - 1), data[:, 1]
    else:
        data = values.reshape(-1, 3)
        pk, packed, context = data[:, 0], data[:, 1], data[:, 2]
    source = SQLITE_SOURCE_CODE[packed & ((1 << SOURCE_BITS) - 1)]
    if (source < 0).any():
        raise ValueError("evidence with a source CompMS does not know; the gap reports cannot rank it")
    packed = (packed >> SOURCE_BITS << SOURCE_BITS) | source
    encoded = dates.encode("ascii")
    recorded, _ = iso_dates_to_ordinals(encoded, 20, 0)
    until, has_until = iso_dates_to_ordinals(encoded, 20, 10)
    return pk, packed, context, recorded, np.where(has_until, until, NO_EXPIRY)


def _stamp_of(cursor: Any, pk: int) -> str:
    cursor.execute(f"SELECT recorded_at FROM {Evidence._meta.db_table} WHERE id = %s", [pk])
    row = cursor.fetchone()
    return str(row[0]) if row else ""


def read_inactive_evidence_ids(using: str = "default") -> np.ndarray:
    table = Evidence._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE status <> 'active' ORDER BY id")
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


# ---------------------------------------------------------------- the organisation

@dataclass(frozen=True)
class Claim:
    """A competency (by stable uuid) in a context: what a requirement asks and evidence shows."""

    uuid: uuid_module.UUID
    context_id: int  # 0 for none
    framework: str
    code: str
    name: str
    context: str | None  # context code

    @property
    def label(self) -> str:
        where = f" @{self.context}" if self.context else ""
        return f"{self.framework}:{self.code}{where}"


@dataclass
class Snapshot:
    """The organisation and its evidence at one data version, as arrays with dense indices.

    Index spaces: units (sorted by path), people (active only, sorted by pk), roles (by name),
    frameworks (by code), claims (competency uuid x context). Requirement lines are per role;
    assignments are the distinct (person, role) pairs of positions held."""

    version: DataVersion
    loaded_at: float
    using: str  # the database alias it was loaded from
    # units
    unit_pk: np.ndarray
    unit_external_id: list[str]
    unit_name: list[str]
    unit_path: list[str]
    unit_parent: np.ndarray  # int64 unit index, -1 for a root
    # people
    person_pk: np.ndarray
    person_unit: np.ndarray  # int64 unit index
    person_employee_id: np.ndarray  # object
    person_name: np.ndarray  # object
    # roles
    role_pk: np.ndarray
    role_external_id: list[str]
    role_name: list[str]
    role_family: list[str]
    # frameworks
    framework_code: list[str]
    framework_name: list[str]
    # claims
    claims: list[Claim]
    claim_framework: np.ndarray  # int64 framework index
    claim_max_level: np.ndarray  # int64 top of the competency's scale (0 if unknown)
    # requirement lines, sorted by role
    line_role: np.ndarray
    line_claim: np.ndarray
    line_required: np.ndarray  # int16
    line_essential: np.ndarray  # bool
    role_line_start: np.ndarray  # int64, n_roles + 1 offsets into the line arrays
    # assignments
    assign_person: np.ndarray
    assign_role: np.ndarray
    # evidence of the people in the snapshot, on the index spaces, for the array engine
    evidence: EvidenceArrays
    evidence_policy: np.ndarray  # int8 position in POLICIES, per evidence row
    unit_subtree_end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # look-ups
    unit_index: dict[int, int] = field(default_factory=dict)
    unit_by_external_id: dict[str, int] = field(default_factory=dict)
    role_index: dict[int, int] = field(default_factory=dict)
    role_by_external_id: dict[str, int] = field(default_factory=dict)
    claim_index: dict[tuple[uuid_module.UUID, int], int] = field(default_factory=dict)
    framework_index: dict[str, int] = field(default_factory=dict)
    # per as-of results, filled by compms.gaps.analysis (bounded; see analysis.state)
    derived: dict[Any, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def n_units(self) -> int:
        return len(self.unit_pk)

    @property
    def n_people(self) -> int:
        return len(self.person_pk)

    @property
    def n_roles(self) -> int:
        return len(self.role_pk)

    @property
    def n_claims(self) -> int:
        return len(self.claims)

    def person_indices(self, pks: Sequence[int] | np.ndarray) -> np.ndarray:
        """Indices of the given person pks that are in the snapshot (others dropped)."""
        pks = np.asarray(pks, dtype=np.int64)
        if not len(pks) or not self.n_people:
            return np.zeros(0, dtype=np.int64)
        position = np.searchsorted(self.person_pk, pks)
        position = np.minimum(position, self.n_people - 1)
        return np.unique(position[self.person_pk[position] == pks])

    def subtree_units(self, unit: int) -> np.ndarray:
        """Unit indices of a unit and everything below it: a contiguous run, units being sorted by path."""
        return np.arange(unit, int(self.unit_subtree_end[unit]), dtype=np.int64)

    def children(self, unit: int | None) -> list[int]:
        if unit is None:
            return [int(u) for u in np.flatnonzero(self.unit_parent == -1)]
        return [int(u) for u in np.flatnonzero(self.unit_parent == unit)]

    def role_lines(self, role: int) -> slice:
        return slice(int(self.role_line_start[role]), int(self.role_line_start[role + 1]))


def _fetch(using: str, sql: str, params: list[Any]) -> list[tuple]:
    """Rows of a plain SELECT in one fetch: the ORM's row-by-row iteration costs more than the
    query for the 40,000-row tables (people, positions)."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _dense_unique(keys: np.ndarray, domain: int) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(keys, return_inverse=True)` for keys in [0, domain): a presence table when the
    domain is small (competencies x contexts usually is), which is linear instead of a sort."""
    if domain > 8_000_000:
        return np.unique(keys, return_inverse=True)
    present = np.zeros(max(domain, 1), dtype=bool)
    present[keys] = True
    unique = np.flatnonzero(present)
    index_of = np.full(max(domain, 1), -1, dtype=np.int64)
    index_of[unique] = np.arange(len(unique))
    return unique.astype(np.int64), index_of[keys]


def _subtree_ends(paths: list[str]) -> np.ndarray:
    """For units sorted by path, the index just past each unit's subtree (one pass with a stack)."""
    ends = np.arange(1, len(paths) + 1, dtype=np.int64)
    open_units: list[int] = []
    for i, path in enumerate(paths):
        while open_units and not path.startswith(paths[open_units[-1]]):
            ends[open_units.pop()] = i
        open_units.append(i)
    for unit in open_units:
        ends[unit] = len(paths)
    return ends


def _competency_tables(using: str) -> tuple[dict[int, tuple], dict[uuid_module.UUID, tuple[str, str, str, int]]]:
    """Per competency row: (uuid, framework id, policy); per uuid: the label of its best version.

    The label comes from the latest published version that has the uuid (else retired, else draft),
    the same rule as `compms.evidence.proficiency.competency_labels`."""
    status_rank = {FrameworkVersion.Status.PUBLISHED: 2, FrameworkVersion.Status.RETIRED: 1,
                   FrameworkVersion.Status.DRAFT: 0}
    scale_tops: dict[int, int] = {}
    for scale_id, top in (ScaleLevel.objects.using(using).values("scale_id").annotate(top=Max("value"))
                          .values_list("scale_id", "top")):
        scale_tops[scale_id] = top
    rows: dict[int, tuple] = {}
    best: dict[uuid_module.UUID, tuple[tuple[int, int], tuple[str, str, str, int]]] = {}
    for pk, comp_uuid, code, name, framework_code, policy, status, number, scale_id, default_scale_id in (
            Competency.objects.using(using).values_list(
                "pk", "uuid", "code", "name", "version__framework__code", "version__framework__rollup_policy",
                "version__status", "version__number", "scale_id", "version__default_scale_id")):
        rows[pk] = (comp_uuid, framework_code, policy)
        rank = (status_rank.get(status, 0), number)
        top = scale_tops.get(scale_id or default_scale_id, 0)
        if comp_uuid not in best or rank > best[comp_uuid][0]:
            best[comp_uuid] = (rank, (framework_code, code, name, top))
    return rows, {comp_uuid: label for comp_uuid, (_, label) in best.items()}


def _build(version: DataVersion, evidence: EvidenceStore, using: str) -> Snapshot:
    # -- units, sorted by path so a subtree is a contiguous run
    units = list(Unit.objects.using(using).order_by("path", "pk").values_list(
        "pk", "external_id", "name", "path", "parent_id"))
    unit_pk = np.array([u[0] for u in units], dtype=np.int64)
    unit_index = {pk: i for i, pk in enumerate(unit_pk.tolist())}
    unit_parent = np.array([unit_index.get(u[4], -1) if u[4] else -1 for u in units], dtype=np.int64)

    # -- active people, by pk
    people = _fetch(using, f"SELECT id, unit_id, employee_id, name FROM {Person._meta.db_table} "
                           f"WHERE active = %s ORDER BY id", [True])
    columns = list(zip(*people)) or [(), (), (), ()]
    person_pk = np.array(columns[0], dtype=np.int64)
    unit_of_pk = np.full(int(unit_pk.max()) + 1 if len(unit_pk) else 1, -1, dtype=np.int64)
    unit_of_pk[unit_pk] = np.arange(len(unit_pk))
    person_unit = unit_of_pk[np.array(columns[1], dtype=np.int64)]
    person_employee_id = np.array(columns[2], dtype=object)
    person_name = np.array(columns[3], dtype=object)

    # -- roles, frameworks, competencies, contexts
    roles = list(Role.objects.using(using).order_by("name", "external_id").values_list(
        "pk", "external_id", "name", "family"))
    role_pk = np.array([r[0] for r in roles], dtype=np.int64)
    role_index = {pk: i for i, pk in enumerate(role_pk.tolist())}
    frameworks = list(Framework.objects.using(using).order_by("code").values_list("code", "name"))
    framework_index = {code: i for i, (code, _) in enumerate(frameworks)}
    competency_rows, labels = _competency_tables(using)
    context_codes = dict(Context.objects.using(using).values_list("pk", "code"))

    # -- requirement lines
    lines = list(Requirement.objects.using(using).values_list(
        "role_id", "competency_uuid", "context_id", "level", "criticality", "competency_id"))

    # -- claims: every (uuid, context) a requirement or an evidence record names
    uuid_list: list[uuid_module.UUID] = sorted({row[0] for row in competency_rows.values()})
    uuid_index = {u: i for i, u in enumerate(uuid_list)}
    max_competency_id = max(competency_rows, default=0)
    uuid_of_competency = np.full(max_competency_id + 1, -1, dtype=np.int64)
    policy_of_competency = np.zeros(max_competency_id + 1, dtype=np.int8)
    for pk, (comp_uuid, _framework, policy) in competency_rows.items():
        uuid_of_competency[pk] = uuid_index[comp_uuid]
        policy_of_competency[pk] = POLICIES.index(policy) if policy in POLICIES else POLICIES.index(POLICY_DEFAULT)
    context_slots = max(context_codes, default=0) + 1

    # Evidence of people in the snapshot only: a leaver's records affect no report.
    if len(evidence) and len(person_pk):
        position = np.minimum(np.searchsorted(person_pk, evidence.person_pk), len(person_pk) - 1)
        keep = person_pk[position] == evidence.person_pk
    else:
        position = np.zeros(len(evidence), dtype=np.int64)
        keep = np.zeros(len(evidence), dtype=bool)
    ev_rows = np.flatnonzero(keep)
    ev_competency = evidence.competency_id[ev_rows]
    ev_key = uuid_of_competency[ev_competency] * context_slots + evidence.context_id[ev_rows]
    line_key = np.array([uuid_index[line[1]] * context_slots + (line[2] or 0) for line in lines], dtype=np.int64)
    claim_keys, inverse = _dense_unique(np.concatenate([line_key, ev_key]), len(uuid_list) * context_slots)
    line_claim_all = inverse[:len(line_key)]
    ev_claim_all = inverse[len(line_key):]

    claims: list[Claim] = []
    claim_framework = np.zeros(len(claim_keys), dtype=np.int64)
    claim_max_level = np.zeros(len(claim_keys), dtype=np.int64)
    for i, key in enumerate(claim_keys.tolist()):
        comp_uuid = uuid_list[key // context_slots]
        context_id = key % context_slots
        framework_code, code, name, top = labels[comp_uuid]
        claims.append(Claim(uuid=comp_uuid, context_id=context_id, framework=framework_code, code=code, name=name,
                            context=context_codes.get(context_id) if context_id else None))
        claim_framework[i] = framework_index.get(framework_code, -1)
        claim_max_level[i] = top
    claim_index = {(c.uuid, c.context_id): i for i, c in enumerate(claims)}

    # -- requirement lines sorted by role, then essential first, then competency code (report order)
    line_role = np.array([role_index[line[0]] for line in lines], dtype=np.int64)
    line_required = np.array([line[3] for line in lines], dtype=np.int16)
    line_essential = np.array([line[4] == Requirement.Criticality.ESSENTIAL for line in lines], dtype=bool)
    code_rank = np.array([claims[c].label for c in line_claim_all.tolist()], dtype=object)
    order = sorted(range(len(lines)), key=lambda i: (line_role[i], not line_essential[i], code_rank[i]))
    order_array = np.array(order, dtype=np.int64)
    line_role = line_role[order_array]
    line_claim = line_claim_all[order_array]
    line_required = line_required[order_array]
    line_essential = line_essential[order_array]
    role_line_start = np.searchsorted(line_role, np.arange(len(role_pk) + 1)).astype(np.int64)

    # -- assignments: distinct (active person, role) of positions held
    held = np.array(_fetch(using, f"SELECT holder_id, role_id FROM {Position._meta.db_table} "
                                  f"WHERE holder_id IS NOT NULL", []), dtype=np.int64).reshape(-1, 2)
    role_of_pk = np.full(int(role_pk.max()) + 1 if len(role_pk) else 1, -1, dtype=np.int64)
    role_of_pk[role_pk] = np.arange(len(role_pk))
    held_person = (np.minimum(np.searchsorted(person_pk, held[:, 0]), max(len(person_pk) - 1, 0))
                   if len(person_pk) else np.zeros(len(held), dtype=np.int64))
    active_holder = person_pk[held_person] == held[:, 0] if len(person_pk) else np.zeros(len(held), dtype=bool)
    pair = held_person[active_holder] * max(len(role_pk), 1) + role_of_pk[held[active_holder, 1]]
    pair = np.unique(pair)  # one assignment per person and role, sorted by person
    assignments = np.stack([pair // max(len(role_pk), 1), pair % max(len(role_pk), 1)], axis=1)

    return Snapshot(
        version=version, loaded_at=time.time(), using=using,
        unit_pk=unit_pk, unit_external_id=[u[1] for u in units], unit_name=[u[2] for u in units],
        unit_path=[u[3] for u in units], unit_parent=unit_parent,
        person_pk=person_pk, person_unit=person_unit, person_employee_id=person_employee_id,
        person_name=person_name,
        role_pk=role_pk, role_external_id=[r[1] for r in roles], role_name=[r[2] for r in roles],
        role_family=[r[3] for r in roles],
        framework_code=[f[0] for f in frameworks], framework_name=[f[1] for f in frameworks],
        claims=claims, claim_framework=claim_framework, claim_max_level=claim_max_level,
        line_role=line_role, line_claim=line_claim.astype(np.int64), line_required=line_required,
        line_essential=line_essential, role_line_start=role_line_start,
        assign_person=assignments[:, 0].copy(), assign_role=assignments[:, 1].copy(),
        evidence=EvidenceArrays(
            person_idx=position[ev_rows].astype(np.int32), comp_idx=ev_claim_all.astype(np.int32),
            level=evidence.level[ev_rows], source_code=evidence.source_code[ev_rows],
            recorded_ord=evidence.recorded_ord[ev_rows], valid_until_ord=evidence.valid_until_ord[ev_rows],
            active=evidence.active[ev_rows], evidence_id=evidence.pk[ev_rows]),
        evidence_policy=policy_of_competency[ev_competency],
        unit_subtree_end=_subtree_ends([u[3] for u in units]),
        unit_index={pk: i for pk, i in unit_index.items()},
        unit_by_external_id={u[1]: i for i, u in enumerate(units)},
        role_index=role_index,
        role_by_external_id={r[1]: i for i, r in enumerate(roles)},
        claim_index=claim_index,
        framework_index=framework_index,
    )


# ---------------------------------------------------------------- the cache

@dataclass
class _CacheEntry:
    snapshot: Snapshot
    evidence: EvidenceStore


_cache: dict[str, _CacheEntry] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every snapshot kept in this process (tests that write without services)."""
    with _cache_lock:
        _cache.clear()


def load_snapshot(using: str = "default") -> Snapshot:
    """The snapshot for the current data, from the cache when nothing changed.

    The version is read before the data, so data read afterwards is at least as new as the
    version it is filed under: a write racing with the load costs one extra refresh, never a
    stale answer."""
    version = data_version(using)
    entry = _cache.get(using)
    if entry is not None and entry.snapshot.version == version:
        return entry.snapshot
    with _cache_lock:
        entry = _cache.get(using)
        if entry is not None and entry.snapshot.version == version:
            return entry.snapshot  # another thread refreshed it meanwhile
        evidence = _current_evidence(entry.evidence if entry else None, version, using)
        snapshot = _build(version, evidence, using)
        _cache[using] = _CacheEntry(snapshot=snapshot, evidence=evidence)
        return snapshot


def _current_evidence(cached: EvidenceStore | None, version: DataVersion, using: str) -> EvidenceStore:
    """The cached evidence brought up to date, or all of it read again when that is not possible."""
    if cached is None:
        cached = disk_cache.load(using)
    if cached is not None and not _is_prefix(cached, version, using):
        cached = None
    if cached is None:
        evidence = read_evidence(0, using)
        disk_cache.save(using, evidence)
        return evidence
    newer = read_evidence(cached.max_pk, using) if version.evidence_max_id > cached.max_pk else EvidenceStore.empty()
    evidence = cached.extended(newer)
    connection = connections[using]
    if connection.vendor != "sqlite":
        # SQLite runs one writer at a time, so ids appear in commit order. Elsewhere a transaction
        # that drew its ids below the watermark may commit after it; the count tells.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {Evidence._meta.db_table}")
            if int(cursor.fetchone()[0]) != len(evidence):
                evidence = read_evidence(0, using)
                disk_cache.save(using, evidence)
                return evidence
    evidence.mark_inactive(read_inactive_evidence_ids(using))
    if len(newer) > disk_cache.RESAVE_AFTER_ROWS:
        disk_cache.save(using, evidence)
    return evidence


def _is_prefix(cached: EvidenceStore, version: DataVersion, using: str) -> bool:
    if version.evidence_max_id < cached.max_pk:
        return False
    if not len(cached):
        return True
    with connections[using].cursor() as cursor:
        return _stamp_of(cursor, cached.max_pk) == cached.watermark_stamp


class EvidenceDiskCache:
    """Arrays on disk, so a fresh process (a command, a new server worker) need not rebuild them:

    - the evidence arrays: read only what is newer (`_is_prefix` checks the file against the
      database before use);
    - named results of a computation tied to one exact `DataVersion` (today's rollup): used only
      when the version, and the key the caller gives, match exactly.

    Off for in-memory databases and with COMPMS_GAPS_DISK_CACHE=0. Files are replaced atomically,
    so concurrent processes read an old file or a new one, never half of one."""

    RESAVE_AFTER_ROWS = 20_000

    def folder(self, using: str) -> tuple[Path, str] | None:
        if os.environ.get("COMPMS_GAPS_DISK_CACHE", "1").strip().lower() in {"0", "false", "no", "off"}:
            return None
        db = connections[using].settings_dict
        name = str(db.get("NAME") or "")
        if connections[using].vendor == "sqlite" and (not name or "memory" in name):
            return None
        identity = f"{connections[using].vendor}|{db.get('HOST')}|{db.get('PORT')}|{name}"
        return Path(settings.DATA_DIR) / "cache", hashlib.sha256(identity.encode()).hexdigest()[:16]

    def path(self, using: str, kind: str = "evidence") -> Path | None:
        found = self.folder(using)
        return None if found is None else found[0] / f"gaps-{kind}-{found[1]}.npz"

    def load(self, using: str) -> EvidenceStore | None:
        data = self._read(self.path(using))
        if data is None or any(name not in data for name in (*EvidenceStore.ARRAYS, "watermark_stamp")):
            return None
        store = EvidenceStore(**{name: data[name] for name in EvidenceStore.ARRAYS})
        store.watermark_stamp = str(data["watermark_stamp"])
        return store

    def save(self, using: str, store: EvidenceStore) -> None:
        self._write(self.path(using), {"watermark_stamp": np.array(store.watermark_stamp),
                                       **{name: getattr(store, name) for name in EvidenceStore.ARRAYS}})

    def load_result(self, using: str, kind: str, version: DataVersion, key: str) -> dict[str, np.ndarray] | None:
        """Arrays saved by `save_result` for exactly this version and key, else None."""
        data = self._read(self.path(using, kind))
        if data is None or str(data.get("stamp", "")) != self._stamp(version, key):
            return None
        return data

    def save_result(self, using: str, kind: str, version: DataVersion, key: str, arrays: dict[str, np.ndarray]) -> None:
        self._write(self.path(using, kind), {"stamp": np.array(self._stamp(version, key)), **arrays})

    @staticmethod
    def _stamp(version: DataVersion, key: str) -> str:
        return f"{version!r}|{key}"

    @staticmethod
    def _read(path: Path | None) -> dict[str, np.ndarray] | None:
        if path is None or not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (OSError, ValueError, KeyError):
            return None  # a damaged or older file: compute instead

    @staticmethod
    def _write(path: Path | None, arrays: dict[str, np.ndarray]) -> None:
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.partial.npz")
            np.savez(partial, **arrays)
            os.replace(partial, path)  # atomic: readers see the old file or the new one
        except OSError:
            pass  # a cache that cannot be written only costs the next fresh process the work


disk_cache = EvidenceDiskCache()

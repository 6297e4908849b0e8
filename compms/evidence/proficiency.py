"""Proficiency derived from evidence: the stored current view, and any date from the evidence.

The rules live in `compms.core.rollup` (one key) and `compms.core.gaparrays` (many keys at once);
this module only loads evidence, hands it to them, and stores or returns the answer.

Keys. A proficiency belongs to (person, competency uuid, context); within one person the key is
`(competency_uuid, context_id)` with `context_id` None for "no context". Each key is rolled up
with the rollup policy of the framework its competency belongs to.

Keeping `CurrentProficiency` current:
- every service that writes evidence calls `refresh_current(keys)` in the same transaction, which
  re-derives only the touched keys from their evidence (scalar rollup, one read, one upsert);
- a bulk import calls `refresh_after_import(batch)`, which reads the touched people's evidence in
  one pass, rolls every key up with the array engine and upserts the touched keys in bulk.

Expiry without writes. A stored row is the rollup as of the day it was written. As days pass with
no new evidence, the set of evidence that counts can only shrink, and it shrinks only when some
record's `valid_until` passes; the stored winner stays the winner for as long as it is itself still
valid (a maximum stays a maximum in a subset that keeps it). So a stored row is exact today unless
its own `valid_until` is before today. Readers (`current_proficiencies`) therefore take stored rows
as they are and re-derive, in memory, only the held rows whose `valid_until < today`; an expired
certificate thus shows as `expired` (or a lower tier takes over) from the day after its last valid
day, with no job having run. `refresh_lapsed()` writes those re-derived rows back, for a nightly
job that keeps organisation-wide reads cheap.
"""

from __future__ import annotations

import uuid as uuid_module
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from compms.core.dates import NO_EXPIRY, from_ordinal
from compms.core.gaparrays import SOURCE_CODE, rollup_arrays
from compms.core.rollup import (
    NO_PROFICIENCY,
    POLICIES,
    SOURCES,
    STATUS_EXPIRED,
    STATUS_HELD,
    STATUS_NONE,
    EvidenceFact,
    Proficiency,
    rollup,
)
from compms.evidence.models import CurrentProficiency, Evidence, ImportBatch
from compms.frameworks.models import Competency, FrameworkVersion

# (competency_uuid, context_id or None) within one person.
Key = tuple[uuid_module.UUID, int | None]
# (person_id, competency_uuid, context_id or None) across people.
PersonKey = tuple[int, uuid_module.UUID, int | None]

# IN lists are chunked: SQLite allows 32,766 bound values, PostgreSQL plans long lists slowly.
IN_CHUNK = 900
# Beyond this many people a full scan of the active evidence is cheaper than chunked look-ups.
FULL_SCAN_PEOPLE = 4000
UPSERT_BATCH = 20_000
COPY_THRESHOLD = 2_000


def today() -> date:
    return timezone.localdate()


# ---------------------------------------------------------------- facts and policies

def fact_of(evidence: Evidence) -> EvidenceFact:
    return EvidenceFact(level=evidence.level, source=evidence.source, recorded_on=evidence.assessed_on,
                        valid_until=evidence.valid_until, revoked=evidence.status == Evidence.Status.REVOKED,
                        superseded=evidence.status == Evidence.Status.SUPERSEDED, evidence_id=evidence.pk)


def policies_by_competency(competency_ids: Iterable[int]) -> dict[int, str]:
    """Competency row id -> its framework's rollup policy."""
    ids = sorted(set(competency_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), IN_CHUNK):
        found.update(Competency.objects.filter(pk__in=ids[start:start + IN_CHUNK])
                     .values_list("pk", "version__framework__rollup_policy"))
    return found


def _load_active_evidence(person_keys: set[PersonKey]) -> dict[PersonKey, list[tuple[EvidenceFact, int]]]:
    """Active evidence of exactly these keys, as (fact, competency id) per key, in one read per chunk.

    Only active records are read: the rollup ignores revoked and superseded ones entirely (they
    neither count nor make a key "expired")."""
    by_key: dict[PersonKey, list[tuple[EvidenceFact, int]]] = defaultdict(list)
    people = sorted({key[0] for key in person_keys})
    uuids = sorted({key[1] for key in person_keys})
    fields = ("pk", "person_id", "competency_uuid", "context_id", "competency_id", "level", "source",
              "assessed_on", "valid_until")
    for start in range(0, len(people), IN_CHUNK):
        rows = Evidence.objects.filter(person_id__in=people[start:start + IN_CHUNK], status=Evidence.Status.ACTIVE)
        if len(uuids) <= IN_CHUNK:
            rows = rows.filter(competency_uuid__in=uuids)
        for pk, person_id, comp_uuid, context_id, competency_id, level, source, assessed_on, valid_until in (
                rows.values_list(*fields)):
            key = (person_id, comp_uuid, context_id)
            if key in person_keys:
                by_key[key].append((EvidenceFact(level=level, source=source, recorded_on=assessed_on,
                                                 valid_until=valid_until, evidence_id=pk), competency_id))
    return by_key


def rollup_keys(person_keys: Iterable[PersonKey], as_of: date) -> dict[PersonKey, Proficiency]:
    """Scalar rollup of each key from its active evidence, with its framework's policy.

    Keys without any active evidence come back as NO_PROFICIENCY."""
    person_keys = set(person_keys)
    evidence = _load_active_evidence(person_keys)
    policy_of = policies_by_competency(competency_id for items in evidence.values() for _, competency_id in items)
    result: dict[PersonKey, Proficiency] = {}
    for key in person_keys:
        items = evidence.get(key, [])
        if not items:
            result[key] = NO_PROFICIENCY
            continue
        # Every record of one key names the same competency uuid, so the same framework.
        policy = policy_of.get(items[0][1], "default")
        result[key] = rollup((fact for fact, _ in items), as_of, policy)
    return result


# ---------------------------------------------------------------- writing the stored view

UPSERT_COLUMNS = ("person_id", "competency_uuid", "context_id", "context_key", "level", "status", "verified",
                  "source", "evidence_id", "valid_until", "evidence_date", "updated_at")


def _upsert_sql() -> str:
    # INSERT ... ON CONFLICT DO UPDATE: the same syntax on SQLite (>= 3.24) and PostgreSQL.
    table = CurrentProficiency._meta.db_table
    updates = ", ".join(f"{c} = excluded.{c}" for c in UPSERT_COLUMNS[4:])
    return (f"INSERT INTO {table} ({', '.join(UPSERT_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(UPSERT_COLUMNS))}) "
            f"ON CONFLICT (person_id, competency_uuid, context_key) DO UPDATE SET {updates}")


def _execute_upsert(params: list[tuple]) -> None:
    if connection.vendor == "postgresql" and len(params) > COPY_THRESHOLD:
        _copy_upsert(params)
        return
    sql = _upsert_sql()
    with connection.cursor() as cursor:
        for start in range(0, len(params), UPSERT_BATCH):
            cursor.executemany(sql, params[start:start + UPSERT_BATCH])


def _copy_upsert(params: list[tuple]) -> None:
    """PostgreSQL bulk path: COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT.
    A row-by-row statement costs a round trip per row even when pipelined; COPY streams."""
    table = CurrentProficiency._meta.db_table
    columns = ", ".join(UPSERT_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in UPSERT_COLUMNS[4:])
    with connection.cursor() as cursor:
        # Same column types, no constraints (the id is filled by the real table).
        cursor.execute(f"CREATE TEMPORARY TABLE proficiency_load ON COMMIT DROP AS "
                       f"SELECT {columns} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY proficiency_load ({columns}) FROM STDIN") as copy:
            for row in params:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM proficiency_load "
                       f"ON CONFLICT (person_id, competency_uuid, context_key) DO UPDATE SET {updates}")
        cursor.execute("DROP TABLE proficiency_load")


def _write_rows(rows: list[tuple[int, uuid_module.UUID, int | None, Proficiency]]) -> None:
    """Upsert (person_id, uuid, context_id, Proficiency) rows: the incremental path's writer."""
    if not rows:
        return
    native_uuid = connection.features.has_native_uuid_field
    to_db_date = connection.ops.adapt_datefield_value
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    _execute_upsert([
        (person_id, comp_uuid if native_uuid else comp_uuid.hex, context_id, context_id or 0, p.level, p.status,
         p.verified, p.source, p.evidence_id, to_db_date(p.valid_until), to_db_date(p.evidence_date), now)
        for person_id, comp_uuid, context_id, p in rows
    ])


def refresh_current(person_keys: Iterable[PersonKey], as_of: date | None = None) -> dict[PersonKey, Proficiency]:
    """Re-derive and store the current proficiency of exactly these keys (the incremental path).

    Call inside the transaction that changed their evidence."""
    results = rollup_keys(person_keys, as_of or today())
    _write_rows([(key[0], key[1], key[2], proficiency) for key, proficiency in results.items()])
    return results


# ---------------------------------------------------------------- bulk path (imports)
# Everything below works on numpy columns end to end: a million evidence rows become a few
# hundred thousand proficiency rows without a Python object per row until the final parameter
# tuples handed to the database driver.

@dataclass(frozen=True)
class EvidenceColumns:
    """Active evidence as parallel numpy arrays, one element per record."""

    evidence_id: np.ndarray  # int64
    person_id: np.ndarray  # int64
    competency_id: np.ndarray  # int64
    context_id: np.ndarray  # int64, 0 for none
    level: np.ndarray  # int16
    source_code: np.ndarray  # int8, position in SOURCES
    recorded_ord: np.ndarray  # int32
    valid_until_ord: np.ndarray  # int32, NO_EXPIRY for none
    batch_id: np.ndarray  # int64, 0 for none


@dataclass(frozen=True)
class ProficiencyColumns:
    """Rolled-up proficiency per key as parallel arrays (what CurrentProficiency stores)."""

    uuids: list[uuid_module.UUID]  # uuid_idx points into this
    person_id: np.ndarray  # int64
    uuid_idx: np.ndarray  # int64
    context_id: np.ndarray  # int64, 0 for none
    level: np.ndarray  # int16
    held: np.ndarray  # bool; False means expired (every counted record lapsed)
    verified: np.ndarray  # bool
    source_code: np.ndarray  # int64, -1 when not held
    evidence_id: np.ndarray  # int64, -1 when not held
    valid_until_ord: np.ndarray  # int64, NO_EXPIRY when none or not held
    evidence_ord: np.ndarray  # int64, 0 when not held

    def __len__(self) -> int:
        return len(self.person_id)

    def proficiency(self, i: int) -> tuple[int, uuid_module.UUID, int | None, Proficiency]:
        """One row as plain values (for tests and small callers)."""
        if not self.held[i]:
            p = Proficiency(level=0, status=STATUS_EXPIRED, verified=False, source=None, valid_until=None,
                            evidence_date=None, evidence_id=None)
        else:
            p = Proficiency(level=int(self.level[i]), status=STATUS_HELD, verified=bool(self.verified[i]),
                            source=SOURCES[int(self.source_code[i])],
                            valid_until=from_ordinal(int(self.valid_until_ord[i])),
                            evidence_date=date.fromordinal(int(self.evidence_ord[i])),
                            evidence_id=int(self.evidence_id[i]))
        context = int(self.context_id[i])
        return int(self.person_id[i]), self.uuids[int(self.uuid_idx[i])], context or None, p


def _ordinal_sql(column: str) -> str:
    """SQL giving a date column as Python's date.toordinal() (NULL stays NULL)."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '0001-01-01' + 1)"
    # julianday('0001-01-01') is 1721425.5 and that day's ordinal is 1.
    return f"CAST(julianday({column}) - 1721424.5 AS INTEGER)"


def _read_active_columns(person_ids: set[int] | None) -> EvidenceColumns:
    """One pass over the active evidence of these people (all people when None)."""
    table = Evidence._meta.db_table
    source_case = " ".join(f"WHEN '{source}' THEN {code}" for source, code in SOURCE_CODE.items())
    select = (f"SELECT id, person_id, competency_id, COALESCE(context_id, 0), level, "
              f"CASE source {source_case} END, {_ordinal_sql('assessed_on')}, "
              f"COALESCE({_ordinal_sql('valid_until')}, {NO_EXPIRY}), COALESCE(import_batch_id, 0) "
              f"FROM {table} WHERE status = 'active'")
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        if person_ids is None or len(person_ids) > FULL_SCAN_PEOPLE:
            cursor.execute(select)
            rows = cursor.fetchall()
        else:
            ids = sorted(person_ids)
            for start in range(0, len(ids), IN_CHUNK):
                part = ids[start:start + IN_CHUNK]
                cursor.execute(f"{select} AND person_id IN ({', '.join(['%s'] * len(part))})", part)
                rows.extend(cursor.fetchall())
    data = np.array(rows, dtype=np.int64).reshape(-1, 9)
    del rows
    if person_ids is not None and len(person_ids) > FULL_SCAN_PEOPLE:
        data = data[np.isin(data[:, 1], np.fromiter(person_ids, dtype=np.int64, count=len(person_ids)))]
    return EvidenceColumns(
        evidence_id=data[:, 0], person_id=data[:, 1], competency_id=data[:, 2], context_id=data[:, 3],
        level=data[:, 4].astype(np.int16), source_code=data[:, 5].astype(np.int8),
        recorded_ord=data[:, 6].astype(np.int32), valid_until_ord=data[:, 7].astype(np.int32),
        batch_id=data[:, 8],
    )


def _competency_tables(competency_ids: np.ndarray) -> tuple[np.ndarray, list[uuid_module.UUID], np.ndarray]:
    """For the competency ids present: id -> dense uuid index, the uuids, and id -> policy code."""
    unique_ids = np.unique(competency_ids)
    size = int(unique_ids.max()) + 1 if len(unique_ids) else 1
    uuid_of_id = np.full(size, -1, dtype=np.int64)
    policy_of_id = np.zeros(size, dtype=np.int8)
    uuid_index: dict[uuid_module.UUID, int] = {}
    id_list = unique_ids.tolist()
    for start in range(0, len(id_list), IN_CHUNK):
        for pk, comp_uuid, policy in Competency.objects.filter(pk__in=id_list[start:start + IN_CHUNK]).values_list(
                "pk", "uuid", "version__framework__rollup_policy"):
            uuid_of_id[pk] = uuid_index.setdefault(comp_uuid, len(uuid_index))
            policy_of_id[pk] = POLICIES.index(policy) if policy in POLICIES else 0
    return uuid_of_id, sorted(uuid_index, key=uuid_index.__getitem__), policy_of_id


def rollup_columns(columns: EvidenceColumns, as_of: date, only_batch: int | None = None) -> ProficiencyColumns:
    """Roll every key in the columns up at once with the array engine (one run per rollup policy).

    With `only_batch`, only the keys that batch touched are returned."""
    uuid_of_id, uuids, policy_of_id = _competency_tables(columns.competency_id)
    uuid_idx = uuid_of_id[columns.competency_id]
    # A claim is competency uuid x context: one dense "competency" index per pair for the engine.
    context_slots = int(columns.context_id.max()) + 1 if len(columns.context_id) else 1
    claims, comp_idx = np.unique(uuid_idx * context_slots + columns.context_id, return_inverse=True)
    people, person_idx = np.unique(columns.person_id, return_inverse=True)
    n_claims = max(len(claims), 1)
    policy_of_row = policy_of_id[columns.competency_id]
    wanted_pairs = None
    if only_batch is not None:
        touched = columns.batch_id == only_batch
        wanted_pairs = np.unique(person_idx[touched].astype(np.int64) * n_claims + comp_idx[touched])

    pairs, levels, held, verified, source_rows = [], [], [], [], []
    for policy_code in np.unique(policy_of_row).tolist():
        rows = np.flatnonzero(policy_of_row == policy_code)
        table = rollup_arrays(
            person_idx=person_idx[rows].astype(np.int32), comp_idx=comp_idx[rows].astype(np.int32),
            level=columns.level[rows], source_code=columns.source_code[rows],
            recorded_ord=columns.recorded_ord[rows], valid_until_ord=columns.valid_until_ord[rows],
            active_mask=np.ones(len(rows), dtype=bool), as_of_ord=as_of.toordinal(), n_people=len(people),
            n_comps=n_claims, policy=POLICIES[policy_code], evidence_id=columns.evidence_id[rows],
        )
        keep = slice(None) if wanted_pairs is None else np.isin(table.pair_key, wanted_pairs)
        winner = table.winner[keep]
        pairs.append(table.pair_key[keep])
        levels.append(table.level[keep])
        held.append(winner >= 0)
        verified.append(table.verified[keep])
        source_rows.append(rows[np.where(winner >= 0, winner, 0)])

    def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    pair = joined(pairs, np.int64)
    is_held = joined(held, bool)
    source_row = joined(source_rows, np.int64)
    claim = claims[pair % n_claims] if len(pair) else np.zeros(0, dtype=np.int64)
    return ProficiencyColumns(
        uuids=uuids,
        person_id=people[pair // n_claims] if len(pair) else np.zeros(0, dtype=np.int64),
        uuid_idx=claim // context_slots,
        context_id=claim % context_slots,
        level=joined(levels, np.int16),
        held=is_held,
        verified=joined(verified, bool),
        source_code=np.where(is_held, columns.source_code[source_row], -1).astype(np.int64),
        evidence_id=np.where(is_held, columns.evidence_id[source_row], -1),
        valid_until_ord=np.where(is_held, columns.valid_until_ord[source_row], NO_EXPIRY).astype(np.int64),
        evidence_ord=np.where(is_held, columns.recorded_ord[source_row], 0).astype(np.int64),
    )


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _dates_for_db(ordinals: np.ndarray, missing: np.ndarray) -> list[Any]:
    """Date ordinals to what the driver takes (ISO text for SQLite, date objects for PostgreSQL),
    None where `missing`; vectorised through datetime64."""
    days = (np.where(missing, EPOCH_ORDINAL, ordinals) - EPOCH_ORDINAL).astype("datetime64[D]")
    values = days.astype(str).astype(object) if connection.vendor == "sqlite" else days.astype(object)
    values[missing] = None
    return values.tolist()


BULK_REINDEX_ROWS = 100_000


@contextmanager
def _competency_index_rebuilt_after(rows: int) -> Iterator[None]:
    """For a very large write on SQLite, drop the by-competency index and build it again afterwards.

    Inserting a few hundred thousand rows into an index keyed by random uuids costs about as much
    as the rest of the write; one sort when the index is created afterwards costs a few seconds.
    Inside the import's transaction, so readers (WAL mode) never see the table without it.
    PostgreSQL keeps its index: dropping it there would lock readers out until the commit."""
    if connection.vendor != "sqlite" or rows < BULK_REINDEX_ROWS:
        yield
        return
    index = next(i for i in CurrentProficiency._meta.indexes if i.name == "proficiency_by_competency")
    table = connection.ops.quote_name(CurrentProficiency._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(CurrentProficiency._meta.get_field(f).column)
                        for f in index.fields)
    name = connection.ops.quote_name(index.name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {name} ON {table} ({columns})")


def _write_columns(result: ProficiencyColumns) -> None:
    if len(result) == 0:
        return
    with _competency_index_rebuilt_after(len(result)):
        _upsert_columns(result)


def _upsert_columns(result: ProficiencyColumns) -> None:
    # Person order keeps the (person, uuid, context) unique index written page by page.
    order = np.argsort(result.person_id, kind="stable")
    native_uuid = connection.features.has_native_uuid_field
    uuid_values = np.array([u if native_uuid else u.hex for u in result.uuids], dtype=object)
    context_id = result.context_id[order]
    source_names = np.array([*SOURCES, None], dtype=object)  # index -1 -> None
    evidence_id = result.evidence_id[order].astype(object)
    evidence_id[evidence_id == -1] = None
    context = context_id.astype(object)
    context[context_id == 0] = None
    valid_until = result.valid_until_ord[order]
    evidence_ord = result.evidence_ord[order]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = list(zip(
        result.person_id[order].tolist(),
        uuid_values[result.uuid_idx[order]].tolist(),
        context.tolist(),
        context_id.tolist(),
        result.level[order].tolist(),
        np.where(result.held[order], STATUS_HELD, STATUS_EXPIRED).astype(object).tolist(),
        result.verified[order].tolist(),
        source_names[result.source_code[order]].tolist(),
        evidence_id.tolist(),
        _dates_for_db(valid_until, valid_until == NO_EXPIRY),
        _dates_for_db(evidence_ord, evidence_ord == 0),
        repeat(now),
    ))
    _execute_upsert(params)


def refresh_after_import(batch: ImportBatch, person_ids: set[int], as_of: date | None = None) -> int:
    """Set-based refresh of every key an import batch touched; returns the number of keys written."""
    result = rollup_columns(_read_active_columns(person_ids), as_of or today(), only_batch=batch.pk)
    _write_columns(result)
    return len(result)


def rebuild_all(as_of: date | None = None) -> int:
    """Recompute the whole stored view from the evidence (repair, or after a policy change)."""
    result = rollup_columns(_read_active_columns(None), as_of or today())
    CurrentProficiency.objects.all().delete()
    _write_columns(result)
    return len(result)


def refresh_lapsed(as_of: date | None = None) -> int:
    """Write back the rows whose winning evidence has expired since they were stored (nightly job)."""
    as_of = as_of or today()
    stale = CurrentProficiency.objects.filter(status=STATUS_HELD, valid_until__lt=as_of)
    keys = {(p, u, c) for p, u, c in stale.values_list("person_id", "competency_uuid", "context_id")}
    refresh_current(keys, as_of)
    return len(keys)


# ---------------------------------------------------------------- reading

def _stored_to_proficiency(row: CurrentProficiency) -> Proficiency:
    return Proficiency(level=row.level, status=row.status, verified=row.verified, source=row.source,
                       valid_until=row.valid_until, evidence_date=row.evidence_date, evidence_id=row.evidence_id)


def current_proficiencies(person_ids: Iterable[int], as_of: date | None = None,
                          competency_uuids: Iterable[uuid_module.UUID] | None = None
                          ) -> dict[PersonKey, Proficiency]:
    """Today's proficiency of these people from the stored view, correct even if evidence expired
    since it was stored (those rows are re-derived in memory; see the module docstring)."""
    as_of = as_of or today()
    ids = sorted(set(person_ids))
    uuids = sorted(set(competency_uuids)) if competency_uuids is not None else None
    result: dict[PersonKey, Proficiency] = {}
    lapsed: set[PersonKey] = set()
    for start in range(0, len(ids), IN_CHUNK):
        # A "none" row is left behind when every record of a key was revoked: same as no row.
        rows = CurrentProficiency.objects.filter(person_id__in=ids[start:start + IN_CHUNK]).exclude(
            status=STATUS_NONE)
        if uuids is not None:
            rows = rows.filter(competency_uuid__in=uuids)
        for row in rows:
            key = (row.person_id, row.competency_uuid, row.context_id)
            if row.status == STATUS_HELD and row.valid_until is not None and row.valid_until < as_of:
                lapsed.add(key)
            else:
                result[key] = _stored_to_proficiency(row)
    if lapsed:
        result.update(rollup_keys(lapsed, as_of))
    return result


def proficiencies_as_of(person_ids: Iterable[int], as_of: date | None = None,
                        competency_uuids: Iterable[uuid_module.UUID] | None = None) -> dict[PersonKey, Proficiency]:
    """These people's proficiency (in these competencies, or in every one they have evidence for) as of a
    date, in one read per chunk of people.

    Today comes from the stored view; any other date (past, or future to see what will have
    lapsed by then) is derived from the evidence with the same rollup."""
    now = today()
    as_of = as_of or now
    ids = sorted(set(person_ids))
    wanted = set(competency_uuids) if competency_uuids is not None else None
    if as_of == now:
        return current_proficiencies(ids, as_of, wanted)
    grouped: dict[PersonKey, list[EvidenceFact]] = defaultdict(list)
    competency_of_key: dict[PersonKey, int] = {}
    fields = ("pk", "person_id", "competency_uuid", "context_id", "competency_id", "level", "source",
              "assessed_on", "valid_until")
    for first in range(0, len(ids), IN_CHUNK):
        rows = Evidence.objects.filter(person_id__in=ids[first:first + IN_CHUNK], status=Evidence.Status.ACTIVE)
        if wanted is not None and len(wanted) <= IN_CHUNK:
            rows = rows.filter(competency_uuid__in=wanted)
        for pk, person_id, comp_uuid, context_id, competency_id, level, source, assessed_on, valid_until in (
                rows.values_list(*fields)):
            if wanted is not None and comp_uuid not in wanted:
                continue
            key = (person_id, comp_uuid, context_id)
            grouped[key].append(EvidenceFact(level=level, source=source, recorded_on=assessed_on,
                                             valid_until=valid_until, evidence_id=pk))
            competency_of_key[key] = competency_id
    policy_of = policies_by_competency(competency_of_key.values())
    result: dict[PersonKey, Proficiency] = {}
    for key, facts in grouped.items():
        if all(fact.recorded_on > as_of for fact in facts):
            continue  # nothing had been shown yet on that date: same as no evidence
        result[key] = rollup(facts, as_of, policy_of.get(competency_of_key[key], "default"))
    return result


def proficiency_as_of(person_id: int, as_of: date | None = None) -> dict[Key, Proficiency]:
    """One person's proficiency in every competency they have evidence for, as of a date."""
    return {(comp_uuid, context_id): p
            for (_, comp_uuid, context_id), p in proficiencies_as_of([person_id], as_of).items()}


# ---------------------------------------------------------------- labels for output

@dataclass(frozen=True)
class CompetencyLabel:
    framework: str
    code: str
    name: str


def competency_labels(uuids: Iterable[uuid_module.UUID]) -> dict[uuid_module.UUID, CompetencyLabel]:
    """Framework code, competency code and name per uuid, from the latest published version that has
    it (else the newest version of any status)."""
    wanted = sorted(set(uuids))
    status_rank = {FrameworkVersion.Status.PUBLISHED: 2, FrameworkVersion.Status.RETIRED: 1,
                   FrameworkVersion.Status.DRAFT: 0}
    best: dict[uuid_module.UUID, tuple[tuple[int, int], CompetencyLabel]] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        for comp_uuid, code, name, framework, status, number in Competency.objects.filter(
                uuid__in=wanted[start:start + IN_CHUNK]).values_list(
                "uuid", "code", "name", "version__framework__code", "version__status", "version__number"):
            rank = (status_rank.get(status, 0), number)
            if comp_uuid not in best or rank > best[comp_uuid][0]:
                best[comp_uuid] = (rank, CompetencyLabel(framework=framework, code=code, name=name))
    return {comp_uuid: label for comp_uuid, (_, label) in best.items()}


def context_codes(context_ids: Iterable[int | None]) -> Mapping[int, str]:
    from compms.organisation.models import Context

    ids = {c for c in context_ids if c}
    return dict(Context.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}

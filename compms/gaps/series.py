"""Proficiency on many dates at once: coverage over time and expiry waves.

`compms.core.gaparrays.rollup_arrays` answers one date per call, sorting every evidence row each
time. A chart of 25 months would sort a million rows 25 times. But the ranking of one pair's
records does not depend on the date: only which of them count does. So this module sorts the rows
once, in the same rank order the rollup uses (its own ranking keys, imported rather than restated
so the two can never drift apart), and then for each date takes, per pair, the best-ranked row
that counts on that date: a mask and one `maximum.reduceat` per date.

tests/gaps/test_series.py checks the answer against `rollup_arrays` date by date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from compms.core.gaparrays import (
    PROFICIENCY_EXPIRED,
    PROFICIENCY_HELD,
    PROFICIENCY_NONE,
    TIER_OF_SOURCE_CODE,
    EvidenceArrays,
    pack_sort_keys,
    ranking_keys,
)
from compms.core.rollup import POLICIES, POLICY_VERIFIED_ONLY, UNVERIFIED_TIER


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` for int64 keys by sorting (numpy's hash-based unique is several times slower on
    a million keys)."""
    ordered = np.sort(values.astype(np.int64))
    if not len(ordered):
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def in_sorted(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """`np.isin` against keys already sorted and unique: one binary search per value."""
    if not len(sorted_keys):
        return np.zeros(len(values), dtype=bool)
    position = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    return sorted_keys[position] == values


@dataclass(frozen=True)
class LevelSeries:
    """Level and status of each pair (sorted `pair_key`) on each date: arrays ``[n_dates, n_pairs]``."""

    n_comps: int
    pair_key: np.ndarray  # int64, sorted, unique
    level: np.ndarray  # int16
    status: np.ndarray  # int8 PROFICIENCY_* code

    def positions(self, person_idx: np.ndarray, comp_idx: np.ndarray) -> np.ndarray:
        """Column of each queried pair, or -1 where the pair has no evidence."""
        query = person_idx.astype(np.int64) * self.n_comps + comp_idx.astype(np.int64)
        if not len(self.pair_key):
            return np.full(len(query), -1, dtype=np.int64)
        position = np.minimum(np.searchsorted(self.pair_key, query), len(self.pair_key) - 1)
        return np.where(self.pair_key[position] == query, position, -1).astype(np.int64)

    def levels_of(self, columns: np.ndarray) -> np.ndarray:
        """``[n_dates, len(columns)]`` levels, 0 where a column is -1 (no evidence)."""
        if not len(self.pair_key):
            return np.zeros((self.level.shape[0], len(columns)), dtype=np.int16)
        safe = np.where(columns >= 0, columns, 0)
        return np.where(columns >= 0, self.level[:, safe], 0).astype(np.int16)

    def statuses_of(self, columns: np.ndarray) -> np.ndarray:
        """``[n_dates, len(columns)]`` PROFICIENCY_* codes, NONE where a column is -1."""
        if not len(self.pair_key):
            return np.full((self.status.shape[0], len(columns)), PROFICIENCY_NONE, dtype=np.int8)
        safe = np.where(columns >= 0, columns, 0)
        return np.where(columns >= 0, self.status[:, safe], PROFICIENCY_NONE).astype(np.int8)


def levels_on_dates(
    evidence: EvidenceArrays,
    policy_code: np.ndarray,
    n_comps: int,
    date_ordinals: Sequence[int],
    wanted_pairs: np.ndarray | None = None,
) -> LevelSeries:
    """Roll up every pair (or only `wanted_pairs`: sorted, unique pair keys) on each date.

    `policy_code` gives each evidence row's rollup policy (position in POLICIES); a pair's rows all
    share one policy since a competency belongs to one framework."""
    pair = evidence.person_idx.astype(np.int64) * n_comps + evidence.comp_idx.astype(np.int64)
    rows = np.flatnonzero(evidence.active)
    if wanted_pairs is not None:
        rows = rows[in_sorted(pair[rows], wanted_pairs)]
    # Sort once: by pair, then by the policy's rank (ascending), so a pair's best row comes last.
    # Pairs of different policies never mix, so each policy's rows are ranked with its own keys.
    order_parts: list[np.ndarray] = []
    for code in np.flatnonzero(np.bincount(policy_code[rows], minlength=len(POLICIES))).tolist():
        subset = rows[policy_code[rows] == code]
        keys = ranking_keys(
            POLICIES[code], TIER_OF_SOURCE_CODE[evidence.source_code[subset]], evidence.recorded_ord[subset],
            evidence.level[subset], evidence.valid_until_ord[subset], evidence.source_code[subset],
            evidence.evidence_id[subset])
        words = pack_sort_keys([pair[subset], *keys])
        order_parts.append(subset[np.lexsort(tuple(reversed(words)))])
    ordered = np.concatenate(order_parts) if order_parts else np.zeros(0, dtype=np.int64)
    # Policies were sorted separately; a stable sort on the pair alone merges them.
    ordered = ordered[np.argsort(pair[ordered], kind="stable")]

    sorted_pair = pair[ordered]
    n_dates = len(date_ordinals)
    if not len(ordered):
        empty = np.zeros((n_dates, 0), dtype=np.int16)
        return LevelSeries(n_comps, np.zeros(0, dtype=np.int64), empty, empty.astype(np.int8))
    starts = np.flatnonzero(np.concatenate([[True], sorted_pair[1:] != sorted_pair[:-1]]))
    recorded = evidence.recorded_ord[ordered]
    valid_until = evidence.valid_until_ord[ordered]
    level = evidence.level[ordered].astype(np.int16)
    considered_base = np.ones(len(ordered), dtype=bool)
    verified_only = policy_code[ordered] == POLICIES.index(POLICY_VERIFIED_ONLY)
    if verified_only.any():
        considered_base &= ~(verified_only & (TIER_OF_SOURCE_CODE[evidence.source_code[ordered]] == UNVERIFIED_TIER))
    position = np.arange(len(ordered), dtype=np.int64)
    # A pair has something to lapse from on a date when its earliest considered record is on or
    # before it; one minimum per pair, instead of a pass over the rows per date.
    first_recorded = np.minimum.reduceat(np.where(considered_base, recorded, np.iinfo(np.int32).max), starts)

    levels = np.zeros((n_dates, len(starts)), dtype=np.int16)
    statuses = np.zeros((n_dates, len(starts)), dtype=np.int8)
    for d, day in enumerate(date_ordinals):
        counted = considered_base & (recorded <= day) & (valid_until >= day)
        best = np.maximum.reduceat(np.where(counted, position, -1), starts)
        held = best >= 0
        levels[d] = np.where(held, level[np.where(held, best, 0)], 0)
        statuses[d] = np.where(held, PROFICIENCY_HELD,
                               np.where(first_recorded <= day, PROFICIENCY_EXPIRED, PROFICIENCY_NONE))
    return LevelSeries(n_comps=n_comps, pair_key=sorted_pair[starts], level=levels, status=statuses)

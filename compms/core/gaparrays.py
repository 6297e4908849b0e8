"""Vectorised rollup, requirement gaps, role fit and aggregates for a whole organisation.

The organisation gap report must answer for 40,000+ people in well under a second, so
nothing here loops per record in Python: evidence and requirements arrive as parallel
numpy arrays (one row per record), winners are chosen with one ``argsort`` of packed
keys plus per-group reductions, and counts are made with ``bincount``. Every function equals its scalar reference in
``compms.core.rollup`` / ``compms.core.fit`` exactly; tests/core checks that with
hypothesis.

Indices are dense 0-based integers the caller assigns (person 0..n_people-1,
competency 0..n_comps-1, unit 0..n_units-1). A "competency" index may equally stand for
a competency x context pair: the engine only needs one integer per claim.

Proficiencies are kept sparse, one row per (person, competency) pair that has any
evidence, sorted by ``person * n_comps + comp``; a dense 40,000 x 2,000 matrix is only
built on request, and for a subset of competencies if wanted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from compms.core.dates import NO_EXPIRY, expiry_ordinal
from compms.core.fit import DESIRABLE, ESSENTIAL, READY_FIT_EXACT, WEIGHTS
from compms.core.rollup import (
    POLICY_DEFAULT,
    POLICY_HIGHEST,
    POLICY_LATEST,
    POLICY_VERIFIED_ONLY,
    SOURCE_TIER,
    SOURCES,
    UNVERIFIED_TIER,
    EvidenceFact,
    check_policy,
)

# Source codes are positions in SOURCES, so the array engine and the scalar rollup share
# one tie-break order ("earlier in SOURCES wins").
SOURCE_CODE: Final[dict[str, int]] = {source: code for code, source in enumerate(SOURCES)}
TIER_OF_SOURCE_CODE: Final[np.ndarray] = np.array(
    [SOURCE_TIER[source] for source in SOURCES], dtype=np.int8
)

# Proficiency status codes: positions in rollup.PROFICIENCY_STATUSES.
PROFICIENCY_NONE: Final = 0
PROFICIENCY_HELD: Final = 1
PROFICIENCY_EXPIRED: Final = 2

# Requirement gap status codes: positions in fit.GAP_STATUSES.
GAP_MET: Final = 0
GAP_SHORT: Final = 1
GAP_MISSING: Final = 2
GAP_EXPIRED: Final = 3

NO_EVIDENCE_ID: Final = -1  # stands for EvidenceFact.evidence_id None; ranks below any real id

WEIGHT_ESSENTIAL: Final = WEIGHTS[ESSENTIAL]
WEIGHT_DESIRABLE: Final = WEIGHTS[DESIRABLE]


def _check_same_length(**arrays: np.ndarray) -> int:
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"parallel arrays differ in length: {lengths}")
    return next(iter(lengths.values()), 0)


def _check_index(name: str, index: np.ndarray, bound: int) -> None:
    # bincount and fancy indexing would silently grow or wrap on a bad index, turning a
    # caller's bug into plausible-looking wrong totals; one min/max pass is cheap.
    if len(index) and (index.min() < 0 or index.max() >= bound):
        raise ValueError(f"{name} must lie in [0, {bound}), got [{index.min()}, {index.max()}]")


def _count(index: np.ndarray, n: int, where: np.ndarray | None = None) -> np.ndarray:
    """How many rows fall in each of ``n`` bins, optionally only rows where ``where``."""
    # Counting a masked index stays in integers and skips bincount's float weights path.
    selected = index if where is None else index[where]
    return np.bincount(selected, minlength=n).astype(np.int64)


def _total(index: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    """Sum of integer ``values`` per bin."""
    # bincount sums in float64; exact while totals stay below 2**53.
    return np.rint(np.bincount(index, weights=values, minlength=n)).astype(np.int64)


def _pair_key(person_idx: np.ndarray, comp_idx: np.ndarray, n_comps: int) -> np.ndarray:
    # int64: person * n_comps is already 8e7 at 40,000 x 2,000 and int32 would overflow
    # at ~2e9, which a larger organisation with contexts could reach.
    return person_idx.astype(np.int64) * n_comps + comp_idx.astype(np.int64)


# --- Evidence -------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceArrays:
    """Evidence rows as parallel arrays (one element per evidence record).

    ``active`` is False for revoked or superseded records; ``valid_until_ord`` holds
    ``NO_EXPIRY`` for evidence that never expires; ``evidence_id`` holds
    ``NO_EVIDENCE_ID`` when unknown.
    """

    person_idx: np.ndarray  # int32
    comp_idx: np.ndarray  # int32
    level: np.ndarray  # int16
    source_code: np.ndarray  # int8, position in SOURCES
    recorded_ord: np.ndarray  # int32 date ordinal
    valid_until_ord: np.ndarray  # int32 date ordinal or NO_EXPIRY
    active: np.ndarray  # bool
    evidence_id: np.ndarray  # int64

    def __post_init__(self) -> None:
        _check_same_length(**{name: getattr(self, name) for name in self.__dataclass_fields__})

    def __len__(self) -> int:
        return len(self.level)

    @classmethod
    def from_facts(cls, rows: Iterable[tuple[int, int, EvidenceFact]]) -> EvidenceArrays:
        """Build from ``(person_idx, comp_idx, fact)`` triples (small data and tests)."""
        triples = list(rows)
        facts = [fact for _, _, fact in triples]
        return cls(
            person_idx=np.array([p for p, _, _ in triples], dtype=np.int32),
            comp_idx=np.array([c for _, c, _ in triples], dtype=np.int32),
            level=np.array([f.level for f in facts], dtype=np.int16),
            source_code=np.array([SOURCE_CODE[f.source] for f in facts], dtype=np.int8),
            recorded_ord=np.array([f.recorded_on.toordinal() for f in facts], dtype=np.int32),
            valid_until_ord=np.array(
                [expiry_ordinal(f.valid_until) for f in facts], dtype=np.int32
            ),
            active=np.array([not (f.revoked or f.superseded) for f in facts], dtype=bool),
            evidence_id=np.array(
                [NO_EVIDENCE_ID if f.evidence_id is None else f.evidence_id for f in facts],
                dtype=np.int64,
            ),
        )

    def rollup(
        self, as_of_ord: int, n_people: int, n_comps: int, policy: str = POLICY_DEFAULT
    ) -> ProficiencyTable:
        """``rollup_arrays`` over these rows."""
        return rollup_arrays(
            person_idx=self.person_idx,
            comp_idx=self.comp_idx,
            level=self.level,
            source_code=self.source_code,
            recorded_ord=self.recorded_ord,
            valid_until_ord=self.valid_until_ord,
            active_mask=self.active,
            as_of_ord=as_of_ord,
            n_people=n_people,
            n_comps=n_comps,
            policy=policy,
            evidence_id=self.evidence_id,
        )


@dataclass(frozen=True)
class ProficiencyTable:
    """Proficiency per (person, competency) pair that has any counted or lapsed evidence.

    Rows are sorted by ``pair_key = person * n_comps + comp``. Pairs absent from the
    table have level 0, status ``PROFICIENCY_NONE`` and are unverified. ``winner`` is
    the row of the evidence arrays that gave the level (-1 when not held), so callers
    can fetch source, dates and evidence id without the engine carrying them.
    """

    n_people: int
    n_comps: int
    pair_key: np.ndarray  # int64, sorted, unique
    level: np.ndarray  # int16
    status: np.ndarray  # int8 PROFICIENCY_* code
    verified: np.ndarray  # bool
    winner: np.ndarray  # int64 row index into the evidence arrays, -1 when not held

    @property
    def person_idx(self) -> np.ndarray:
        return (self.pair_key // self.n_comps).astype(np.int32)

    @property
    def comp_idx(self) -> np.ndarray:
        return (self.pair_key % self.n_comps).astype(np.int32)

    @property
    def expired(self) -> np.ndarray:
        return self.status == PROFICIENCY_EXPIRED

    def positions(self, person_idx: np.ndarray, comp_idx: np.ndarray) -> np.ndarray:
        """Row of each queried pair in this table, or -1 where the pair has no row."""
        query = _pair_key(np.asarray(person_idx), np.asarray(comp_idx), self.n_comps)
        if len(self.pair_key) == 0:
            return np.full(len(query), -1, dtype=np.int64)
        position = np.searchsorted(self.pair_key, query)
        position = np.minimum(position, len(self.pair_key) - 1)
        return np.where(self.pair_key[position] == query, position, -1).astype(np.int64)

    def lookup(
        self, person_idx: np.ndarray, comp_idx: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(level, status, verified)`` for query pairs; absent pairs give ``(0, NONE, False)``."""
        position = self.positions(person_idx, comp_idx)
        if len(self.pair_key) == 0:
            zeros = np.zeros(len(position), dtype=np.int16)
            return zeros, zeros.astype(np.int8), np.zeros(len(position), dtype=bool)
        found = position >= 0
        safe = np.where(found, position, 0)  # any valid row; masked out where not found
        level = np.where(found, self.level[safe], 0).astype(np.int16)
        status = np.where(found, self.status[safe], PROFICIENCY_NONE).astype(np.int8)
        verified = found & self.verified[safe]
        return level, status, verified

    def dense_levels(
        self,
        comps: Sequence[int] | np.ndarray | None = None,
        dtype: type[np.integer] = np.int8,
    ) -> np.ndarray:
        """A ``[n_people, len(comps)]`` level matrix (all competencies when ``comps`` is None).

        int8 by default: 40,000 x 2,000 is 80 MB, and no scale goes near 127 levels.
        """
        if len(self.level) and int(self.level.max()) > np.iinfo(dtype).max:
            raise ValueError(f"levels up to {int(self.level.max())} do not fit {dtype}")
        comps_array = (
            np.arange(self.n_comps) if comps is None else np.asarray(comps, dtype=np.int64)
        )
        _check_index("comps", comps_array, self.n_comps)
        if len(np.unique(comps_array)) != len(comps_array):
            raise ValueError("comps must not repeat a competency")
        column_of_comp = np.full(self.n_comps, -1, dtype=np.int64)
        column_of_comp[comps_array] = np.arange(len(comps_array))
        column = column_of_comp[self.comp_idx]
        wanted = column >= 0
        matrix = np.zeros((self.n_people, len(comps_array)), dtype=dtype)
        matrix[self.person_idx[wanted], column[wanted]] = self.level[wanted]
        return matrix


def pack_sort_keys(keys: list[np.ndarray]) -> list[np.ndarray]:
    """Pack sort keys (most significant first) into as few int64 words as their ranges allow.

    Comparing one int64 is far cheaper than comparing a tuple of arrays, and most keys
    need only a few bits (tier: 2, level: 3, a decade of dates: 12), so the pair and the
    leading rank keys usually share the first word. Order is preserved because each key
    is shifted to start at 0 and given enough bits for its whole range.
    """
    words: list[np.ndarray] = []
    word: np.ndarray | None = None
    used_bits = 0
    for key in keys:
        key = key.astype(np.int64)
        low = int(key.min()) if len(key) else 0
        span = (int(key.max()) - low) if len(key) else 0
        bits = max(1, span.bit_length())
        shifted = key - low
        if word is None or used_bits + bits > 62:
            if word is not None:
                words.append(word)
            word, used_bits = shifted, bits
        else:
            word = (word << bits) | shifted
            used_bits += bits
    if word is not None:
        words.append(word)
    return words


def _group_starts(sorted_group: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted array."""
    is_start = np.ones(len(sorted_group), dtype=bool)
    is_start[1:] = sorted_group[1:] != sorted_group[:-1]
    return np.flatnonzero(is_start)


def _keep_group_max(sorted_group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mask of the elements equal to their group's maximum (groups are runs in ``sorted_group``)."""
    starts = _group_starts(sorted_group)
    group_max = np.maximum.reduceat(values, starts)
    run_length = np.diff(np.append(starts, len(values)))
    return values == np.repeat(group_max, run_length)


def _lexicographic_max_per_group(group: np.ndarray, words: list[np.ndarray]) -> np.ndarray:
    """Index of one lexicographically largest ``words`` tuple per group, in group order.

    ``words[0]`` must carry the group in its most significant bits (``pack_sort_keys``
    with the group as first key). Why not ``np.lexsort``: on 1M rows it costs ~4x an
    ``argsort`` of one int64 word. Instead sort once on the first word, then narrow each
    group to the rows that tie on its maximum, word by word, with ``reduceat``; later
    words usually only see a handful of tied rows. Rows tied on every word are
    interchangeable, so the first of them is taken.
    """
    if len(group) == 0:
        return np.empty(0, dtype=np.int64)
    candidate = np.argsort(words[0])
    candidate = candidate[_keep_group_max(group[candidate], words[0][candidate])]
    for word in words[1:]:
        candidate = candidate[_keep_group_max(group[candidate], word[candidate])]
    return candidate[_group_starts(group[candidate])]


def ranking_keys(
    policy: str,
    tier: np.ndarray,
    recorded_ord: np.ndarray,
    level: np.ndarray,
    valid_until_ord: np.ndarray,
    source_code: np.ndarray,
    evidence_id: np.ndarray,
) -> list[np.ndarray]:
    """Policy rank keys, most significant first, larger = preferred (mirrors rollup.py)."""
    # The NO_EXPIRY sentinel would force ~31 bits into the packed key; any value above
    # the latest real expiry ranks the same.
    finite = valid_until_ord != NO_EXPIRY
    latest_real_expiry = int(valid_until_ord[finite].max()) if finite.any() else 0
    expiry = np.where(finite, valid_until_ord, latest_real_expiry + 1)
    stronger_tier = -tier.astype(np.int64)
    tail = [expiry, -source_code.astype(np.int64), evidence_id]
    if policy in (POLICY_DEFAULT, POLICY_VERIFIED_ONLY):
        return [stronger_tier, recorded_ord, level, *tail]
    if policy == POLICY_LATEST:
        return [recorded_ord, level, stronger_tier, *tail]
    if policy == POLICY_HIGHEST:
        return [level, stronger_tier, recorded_ord, *tail]
    raise AssertionError(policy)  # check_policy ran first


def rollup_arrays(
    person_idx: np.ndarray,
    comp_idx: np.ndarray,
    level: np.ndarray,
    source_code: np.ndarray,
    recorded_ord: np.ndarray,
    valid_until_ord: np.ndarray,
    active_mask: np.ndarray,
    as_of_ord: int,
    n_people: int,
    n_comps: int,
    policy: str = POLICY_DEFAULT,
    evidence_id: np.ndarray | None = None,
) -> ProficiencyTable:
    """Roll up every (person, competency) pair's evidence at once; equals ``rollup`` per pair.

    Takes ``source_code`` (position in ``SOURCES``) rather than a tier: the tier follows
    from it, and the full tie-break (tier, date, level, validity, source, evidence id)
    needs the source to match the scalar rollup exactly. ``evidence_id`` (int64, -1 for
    unknown) only matters for the last tie-break and defaults to all unknown. Records
    equal in every ranked field give the same proficiency; ``winner`` is then any one.
    """
    check_policy(policy)
    count = _check_same_length(
        person_idx=person_idx,
        comp_idx=comp_idx,
        level=level,
        source_code=source_code,
        recorded_ord=recorded_ord,
        valid_until_ord=valid_until_ord,
        active_mask=active_mask,
    )
    if evidence_id is None:
        evidence_id = np.full(count, NO_EVIDENCE_ID, dtype=np.int64)
    _check_same_length(level=level, evidence_id=evidence_id)
    _check_index("person_idx", person_idx, n_people)
    _check_index("comp_idx", comp_idx, n_comps)
    _check_index("source_code", source_code, len(SOURCES))

    tier = TIER_OF_SOURCE_CODE[source_code]
    considered = active_mask & (recorded_ord <= as_of_ord)
    if policy == POLICY_VERIFIED_ONLY:
        considered &= tier != UNVERIFIED_TIER
    counted = considered & (valid_until_ord >= as_of_ord)
    pair = _pair_key(person_idx, comp_idx, n_comps)

    # Per pair, the most preferred considered row by (counted, policy rank...): if it
    # counts it is the winner; if even it is lapsed, nothing counts and the pair is
    # "expired". The pair leads the packed keys, so groups come out sorted by pair.
    rows = np.flatnonzero(considered)
    keys = ranking_keys(
        policy,
        tier[rows],
        recorded_ord[rows],
        level[rows],
        valid_until_ord[rows],
        source_code[rows],
        evidence_id[rows],
    )
    words = pack_sort_keys([pair[rows], counted[rows], *keys])
    last_row = rows[_lexicographic_max_per_group(pair[rows], words)]
    is_held = counted[last_row]
    return ProficiencyTable(
        n_people=n_people,
        n_comps=n_comps,
        pair_key=pair[last_row],
        level=np.where(is_held, level[last_row], 0).astype(np.int16),
        status=np.where(is_held, PROFICIENCY_HELD, PROFICIENCY_EXPIRED).astype(np.int8),
        verified=is_held & (tier[last_row] < UNVERIFIED_TIER),
        winner=np.where(is_held, last_row, -1).astype(np.int64),
    )


# --- Requirements, gaps and fit ----------------------------------------------------------


@dataclass(frozen=True)
class RequirementRows:
    """Requirement rows as parallel arrays: ``person_idx`` needs ``comp_idx`` at ``required``."""

    person_idx: np.ndarray  # int32
    comp_idx: np.ndarray  # int32
    required: np.ndarray  # int16
    essential: np.ndarray  # bool (False = desirable)

    def __post_init__(self) -> None:
        _check_same_length(**{name: getattr(self, name) for name in self.__dataclass_fields__})

    def __len__(self) -> int:
        return len(self.required)

    @property
    def weight(self) -> np.ndarray:
        return np.where(self.essential, WEIGHT_ESSENTIAL, WEIGHT_DESIRABLE).astype(np.int64)


def merge_requirement_rows(rows: RequirementRows, n_comps: int) -> RequirementRows:
    """Vectorised ``fit.merge_requirements``: one row per (person, competency).

    Highest required level wins; essential if any row marks it essential. Output is
    sorted by (person, competency).
    """
    pair = _pair_key(rows.person_idx, rows.comp_idx, n_comps)
    # One argsort and per-run reductions: cheaper than np.unique(return_inverse) + ufunc.at.
    order = np.argsort(pair)
    sorted_pair = pair[order]
    if len(sorted_pair) == 0:
        starts = np.empty(0, dtype=np.int64)
        required = np.empty(0, dtype=np.int16)
        essential = np.empty(0, dtype=bool)
    else:
        starts = _group_starts(sorted_pair)
        required = np.maximum.reduceat(rows.required[order].astype(np.int16), starts)
        essential = np.logical_or.reduceat(rows.essential[order].astype(bool), starts)
    unique_pair = sorted_pair[starts]
    return RequirementRows(
        person_idx=(unique_pair // n_comps).astype(np.int32),
        comp_idx=(unique_pair % n_comps).astype(np.int32),
        required=required,
        essential=essential,
    )


@dataclass(frozen=True)
class GapArrays:
    """Per requirement row: the person's proficiency, gap and GAP_* status code."""

    proficiency: np.ndarray  # int16
    gap: np.ndarray  # int16
    status: np.ndarray  # int8 GAP_* code
    verified: np.ndarray  # bool

    @property
    def met(self) -> np.ndarray:
        return self.status == GAP_MET


def requirement_gaps_arrays(
    person_idx: np.ndarray,
    comp_idx: np.ndarray,
    required: np.ndarray,
    proficiencies: ProficiencyTable,
) -> GapArrays:
    """Vectorised ``fit.requirement_gap`` for many requirement rows at once.

    Same classification as ``fit.gap_status``: met when p >= r; otherwise expired or
    missing only when nothing counts (level 0), else short.
    """
    _check_same_length(person_idx=person_idx, comp_idx=comp_idx, required=required)
    level, proficiency_status, verified = proficiencies.lookup(person_idx, comp_idx)
    required = required.astype(np.int16)
    gap = np.maximum(required - level, 0).astype(np.int16)
    status = np.select(
        [
            level >= required,
            proficiency_status == PROFICIENCY_EXPIRED,
            proficiency_status == PROFICIENCY_NONE,
        ],
        [GAP_MET, GAP_EXPIRED, GAP_MISSING],
        default=GAP_SHORT,
    ).astype(np.int8)
    return GapArrays(proficiency=level, gap=gap, status=status, verified=verified)


@dataclass(frozen=True)
class FitArrays:
    """Per group (a person x role, or a person's merged profile): fit and readiness."""

    fit: np.ndarray  # float64
    ready: np.ndarray  # bool
    weighted_gap: np.ndarray  # int64
    weighted_required: np.ndarray  # int64


def fit_per_person_role(
    group_idx: np.ndarray,
    required: np.ndarray,
    essential: np.ndarray,
    gap: np.ndarray,
    n_groups: int,
) -> FitArrays:
    """Vectorised ``fit.role_fit`` summary for ``n_groups`` requirement profiles at once.

    ``group_idx`` says which profile each requirement row belongs to (the caller numbers
    its person x role assignments). A group with no rows has fit 1.0 and is ready, as
    ``role_fit`` says for an empty profile. Readiness is decided on exact integers.
    """
    _check_same_length(group_idx=group_idx, required=required, essential=essential, gap=gap)
    _check_index("group_idx", group_idx, n_groups)
    weight = np.where(essential, WEIGHT_ESSENTIAL, WEIGHT_DESIRABLE).astype(np.int64)

    weighted_gap = _total(group_idx, n_groups, weight * gap.astype(np.int64))
    weighted_required = _total(group_idx, n_groups, weight * required.astype(np.int64))
    essentials_unmet = _count(group_idx, n_groups, essential & (gap > 0))
    has_denominator = weighted_required > 0
    fit = np.ones(n_groups, dtype=np.float64)
    fit[has_denominator] = (
        weighted_required[has_denominator] - weighted_gap[has_denominator]
    ) / weighted_required[has_denominator]
    # fit >= n/d  <=>  d * (R - G) >= n * R, in integers so 0.9 exactly counts.
    numerator, denominator = READY_FIT_EXACT.numerator, READY_FIT_EXACT.denominator
    fit_reached = denominator * (weighted_required - weighted_gap) >= numerator * weighted_required
    ready = (essentials_unmet == 0) & (fit_reached | ~has_denominator)
    return FitArrays(
        fit=fit, ready=ready, weighted_gap=weighted_gap, weighted_required=weighted_required
    )


# --- Aggregates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompetencyAggregate:
    """Per competency, over requirement rows (one row per person x competency).

    ``people_short`` counts everyone not met; it splits into ``held_below`` (some level,
    too low), ``missing`` and ``expired``.
    """

    people_required: np.ndarray
    people_met: np.ndarray
    people_short: np.ndarray
    levels_short: np.ndarray
    held_below: np.ndarray
    missing: np.ndarray
    expired: np.ndarray


def aggregate_by_competency(
    comp_idx: np.ndarray, gap: np.ndarray, status: np.ndarray, n_comps: int
) -> CompetencyAggregate:
    """Organisation view per competency.

    Rows should be one per person x competency (``merge_requirement_rows``), otherwise a
    person holding two roles that need the same competency is counted twice.
    """
    _check_same_length(comp_idx=comp_idx, gap=gap, status=status)
    _check_index("comp_idx", comp_idx, n_comps)
    people_required = _count(comp_idx, n_comps)
    people_met = _count(comp_idx, n_comps, status == GAP_MET)
    return CompetencyAggregate(
        people_required=people_required,
        people_met=people_met,
        people_short=people_required - people_met,
        levels_short=_total(comp_idx, n_comps, gap),
        held_below=_count(comp_idx, n_comps, status == GAP_SHORT),
        missing=_count(comp_idx, n_comps, status == GAP_MISSING),
        expired=_count(comp_idx, n_comps, status == GAP_EXPIRED),
    )


@dataclass(frozen=True)
class UnitAggregate:
    """Per unit (1-D arrays) or per unit x competency (2-D ``[n_units, n_comps]`` arrays)."""

    requirements: np.ndarray
    met: np.ndarray
    levels_short: np.ndarray
    missing: np.ndarray
    expired: np.ndarray


def aggregate_by_unit(
    person_idx: np.ndarray,
    gap: np.ndarray,
    status: np.ndarray,
    person_unit: np.ndarray,
    n_units: int,
) -> UnitAggregate:
    """Requirements and how many are met, per unit (the unit a person belongs to directly).

    Rolling units up their tree is the caller's job: it needs the tree, not the gaps.
    """
    _check_same_length(person_idx=person_idx, gap=gap, status=status)
    _check_index("person_unit", person_unit, n_units)
    _check_index("person_idx", person_idx, len(person_unit))
    unit = person_unit[person_idx]
    return UnitAggregate(
        requirements=_count(unit, n_units),
        met=_count(unit, n_units, status == GAP_MET),
        levels_short=_total(unit, n_units, gap),
        missing=_count(unit, n_units, status == GAP_MISSING),
        expired=_count(unit, n_units, status == GAP_EXPIRED),
    )


def aggregate_by_unit_competency(
    person_idx: np.ndarray,
    comp_idx: np.ndarray,
    gap: np.ndarray,
    status: np.ndarray,
    person_unit: np.ndarray,
    n_units: int,
    n_comps: int,
) -> UnitAggregate:
    """The unit x competency heatmap: each field is an int32 ``[n_units, n_comps]`` matrix."""
    _check_same_length(person_idx=person_idx, comp_idx=comp_idx, gap=gap, status=status)
    _check_index("person_unit", person_unit, n_units)
    _check_index("person_idx", person_idx, len(person_unit))
    _check_index("comp_idx", comp_idx, n_comps)
    cell = person_unit[person_idx].astype(np.int64) * n_comps + comp_idx
    cells = n_units * n_comps

    def grid(counts: np.ndarray) -> np.ndarray:
        # int32 halves the heatmap's memory; no cell can hold 2**31 requirements.
        return counts.astype(np.int32).reshape(n_units, n_comps)

    return UnitAggregate(
        requirements=grid(_count(cell, cells)),
        met=grid(_count(cell, cells, status == GAP_MET)),
        levels_short=grid(_total(cell, cells, gap)),
        missing=grid(_count(cell, cells, status == GAP_MISSING)),
        expired=grid(_count(cell, cells, status == GAP_EXPIRED)),
    )

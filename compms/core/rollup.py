"""Rollup: a person's proficiency in one competency, derived from their evidence.

This is the scalar reference implementation of DESIGN.md "Rules the numbers follow".
``compms.core.gaparrays`` computes the same answer for millions of records at once and
is tested against this module, so this one favours being obviously right over speed.

The caller groups evidence per person x competency x context; this module never sees
those keys, only the facts of one group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

from compms.core.dates import NO_EXPIRY

# Assurance tiers from DESIGN.md: a lower number is stronger evidence.
SOURCE_TIER: Final[dict[str, int]] = {
    "assessor": 1,
    "certificate": 1,
    "manager": 2,
    "test": 2,
    "training": 2,
    "experience": 3,
    "self": 4,
}
# The order here is also the last-resort tie-break (earlier wins) and the source code
# the array engine stores, so never reorder it; append new sources at the end.
SOURCES: Final[tuple[str, ...]] = tuple(SOURCE_TIER)
# Evidence of this tier alone leaves a proficiency unverified.
UNVERIFIED_TIER: Final[int] = 4

POLICY_DEFAULT: Final = "default"
POLICY_LATEST: Final = "latest"
POLICY_HIGHEST: Final = "highest"
POLICY_VERIFIED_ONLY: Final = "verified_only"
POLICIES: Final[tuple[str, ...]] = (
    POLICY_DEFAULT,
    POLICY_LATEST,
    POLICY_HIGHEST,
    POLICY_VERIFIED_ONLY,
)

STATUS_HELD: Final = "held"  # some evidence counts as of the date
STATUS_EXPIRED: Final = "expired"  # nothing counts, but something would have had it not expired
STATUS_NONE: Final = "none"  # nothing counts and nothing expired: never evidenced (or revoked)
PROFICIENCY_STATUSES: Final[tuple[str, ...]] = (STATUS_NONE, STATUS_HELD, STATUS_EXPIRED)


@dataclass(frozen=True)
class EvidenceFact:
    """One evidence record, reduced to what the rollup needs.

    ``recorded_on`` is the date the evidence speaks for (assessed on, certified on),
    not the date someone typed it in: that is what "recorded on or before D" means.
    ``valid_until`` is the last day the evidence counts; ``None`` means it never expires.
    """

    level: int
    source: str
    recorded_on: date
    valid_until: date | None = None
    revoked: bool = False
    superseded: bool = False
    evidence_id: int | None = None

    def __post_init__(self) -> None:
        # Fail at the boundary: a typo in a source would otherwise silently rank as
        # nothing and a negative level would produce negative gaps downstream.
        if self.source not in SOURCE_TIER:
            raise ValueError(f"unknown evidence source {self.source!r}; expected one of {SOURCES}")
        if self.level < 0:
            raise ValueError(f"evidence level must be >= 0, got {self.level}")

    @property
    def tier(self) -> int:
        return SOURCE_TIER[self.source]


@dataclass(frozen=True)
class Proficiency:
    """A person's current level in one competency as of a date, with its provenance."""

    level: int
    status: str  # one of PROFICIENCY_STATUSES
    verified: bool
    source: str | None
    valid_until: date | None
    evidence_date: date | None
    evidence_id: int | None

    @property
    def held(self) -> bool:
        return self.status == STATUS_HELD


NO_PROFICIENCY: Final = Proficiency(
    level=0,
    status=STATUS_NONE,
    verified=False,
    source=None,
    valid_until=None,
    evidence_date=None,
    evidence_id=None,
)
EXPIRED_PROFICIENCY: Final = Proficiency(
    level=0,
    status=STATUS_EXPIRED,
    verified=False,
    source=None,
    valid_until=None,
    evidence_date=None,
    evidence_id=None,
)


# --- Ranking -------------------------------------------------------------------------
# Each policy is a sort key; the winning fact is the max. After the policy's own rule
# the same tail breaks every remaining tie, so the answer never depends on input order
# (the array engine must reproduce it exactly):
#   longer validity (never-expiring best) > earlier position in SOURCES > higher
#   evidence_id (the later-entered record; None counts as lowest).
# Keys use negative tier because a *lower* tier number is *stronger*.

_RankKey = tuple[int, ...]


def _tail(fact: EvidenceFact) -> _RankKey:
    expiry = NO_EXPIRY if fact.valid_until is None else fact.valid_until.toordinal()
    evidence_id = -1 if fact.evidence_id is None else fact.evidence_id
    return (expiry, -SOURCES.index(fact.source), evidence_id)


def _rank_best_tier_then_latest(fact: EvidenceFact) -> _RankKey:
    # DESIGN.md step 3: best tier present, most recent within it, ties on date -> higher level.
    return (-fact.tier, fact.recorded_on.toordinal(), fact.level, *_tail(fact))


def _rank_latest(fact: EvidenceFact) -> _RankKey:
    # Most recent of any tier; same day -> higher level; then the stronger source.
    return (fact.recorded_on.toordinal(), fact.level, -fact.tier, *_tail(fact))


def _rank_highest(fact: EvidenceFact) -> _RankKey:
    # Highest level; among equal levels report the strongest source, then the most
    # recent, so that a level also backed by an assessor is shown as verified.
    return (fact.level, -fact.tier, fact.recorded_on.toordinal(), *_tail(fact))


_RANKING: Final[dict[str, Callable[[EvidenceFact], _RankKey]]] = {
    POLICY_DEFAULT: _rank_best_tier_then_latest,
    POLICY_LATEST: _rank_latest,
    POLICY_HIGHEST: _rank_highest,
    POLICY_VERIFIED_ONLY: _rank_best_tier_then_latest,
}


def check_policy(policy: str) -> None:
    """Raise ``ValueError`` naming the policy unless it is one of ``POLICIES``."""
    if policy not in POLICIES:
        raise ValueError(f"unknown rollup policy {policy!r}; expected one of {POLICIES}")


def considered_by_policy(fact: EvidenceFact, policy: str) -> bool:
    """Whether a policy looks at this kind of evidence at all.

    ``verified_only`` ignores self-assessment entirely, so an expired self record
    cannot make a proficiency "expired" under it either.
    """
    return not (policy == POLICY_VERIFIED_ONLY and fact.tier == UNVERIFIED_TIER)


def rollup(
    evidence: Iterable[EvidenceFact], as_of: date, policy: str = POLICY_DEFAULT
) -> Proficiency:
    """Derive the proficiency that the evidence of one person x competency shows as of a date.

    Evidence counts when recorded on or before ``as_of``, neither revoked nor superseded,
    and ``valid_until`` is absent or on/after ``as_of`` (still valid on its last day).
    When nothing counts the level is 0, with status ``expired`` if some evidence would
    have counted had it not expired, else ``none``.

    ``verified`` is True when the reported level comes from evidence above the self
    tier. Under ``default`` and ``verified_only`` this is exactly DESIGN.md's "unverified
    = only tier 4 evidence exists"; under ``latest``/``highest`` a self record can win
    while stronger evidence exists, and the level it reports is then still unverified.
    """
    check_policy(policy)
    as_of_ordinal = as_of.toordinal()
    counted: list[EvidenceFact] = []
    any_expired = False
    for fact in evidence:
        if fact.revoked or fact.superseded or fact.recorded_on > as_of:
            continue
        if not considered_by_policy(fact, policy):
            continue
        expiry = NO_EXPIRY if fact.valid_until is None else fact.valid_until.toordinal()
        if expiry >= as_of_ordinal:
            counted.append(fact)
        else:
            any_expired = True

    if not counted:
        return EXPIRED_PROFICIENCY if any_expired else NO_PROFICIENCY

    winner = max(counted, key=_RANKING[policy])
    return Proficiency(
        level=winner.level,
        status=STATUS_HELD,
        verified=winner.tier < UNVERIFIED_TIER,
        source=winner.source,
        valid_until=winner.valid_until,
        evidence_date=winner.recorded_on,
        evidence_id=winner.evidence_id,
    )

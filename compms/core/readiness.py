"""Succession readiness, time to close gaps, bench strength and the 9-box grid (pure computation).

Readiness is derived from evidence, never typed in (a manager may override it, but the override is a
separate record kept next to the computed value):

- ``ready_now``: every essential requirement met and fit >= 0.9 (``compms.core.fit.is_ready``);
- otherwise the time the learning catalogue needs to close the gaps decides:
  ``ready_1_2_years`` when the hours needed, at ``pace_hours_per_month``, fit in 24 months;
  ``ready_3_plus_years`` beyond that (the gap between "2" and "3" years is deliberately folded into
  the later band: a plan longer than two years is not "soon" for a bench).

Hours to close one requirement gap (competency from level ``p`` to the required ``r``) are the
cheapest chain of catalogue resources that lifts the level step by step: a resource whose outcome
is (entry, exit, hours) takes a person at any level ``l`` with ``entry <= l < exit`` to ``exit``.
A step no resource covers costs ``DEFAULT_HOURS_PER_LEVEL`` hours, so every gap has a finite time.
A person's hours are the sum over their unmet requirements (learning is taken one after another).

Everything here is plain Python and numpy: no Django import.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from compms.core.fit import is_ready

READY_NOW: Final = "ready_now"
READY_1_2_YEARS: Final = "ready_1_2_years"
READY_3_PLUS_YEARS: Final = "ready_3_plus_years"
READINESS: Final[tuple[str, ...]] = (READY_NOW, READY_1_2_YEARS, READY_3_PLUS_YEARS)
READINESS_LABELS: Final[dict[str, str]] = {
    READY_NOW: "Ready now",
    READY_1_2_YEARS: "Ready in 1-2 years",
    READY_3_PLUS_YEARS: "Ready in 3+ years",
}
# Codes for the array path; position in READINESS.
READY_NOW_CODE: Final = 0
READY_SOON_CODE: Final = 1
READY_LATER_CODE: Final = 2

# Documented defaults (docs and the successors page name them).
DEFAULT_HOURS_PER_LEVEL: Final[float] = 40.0  # one level of one competency when no resource covers it
DEFAULT_PACE_HOURS_PER_MONTH: Final[float] = 8.0  # a working day a month of development
SOON_MONTHS: Final[float] = 24.0


@dataclass(frozen=True)
class Outcome:
    """What one learning resource does for one competency: from ``entry`` (or above) to ``exit``."""

    key: Hashable
    entry: int
    exit: int
    hours: float

    def __post_init__(self) -> None:
        if self.exit <= self.entry:
            raise ValueError(f"a resource must raise the level: entry {self.entry}, exit {self.exit}")
        if self.hours < 0:
            raise ValueError(f"hours must be >= 0, got {self.hours}")


def hours_to_close(
    current: int,
    required: int,
    outcomes: Iterable[Outcome],
    default_hours_per_level: float = DEFAULT_HOURS_PER_LEVEL,
) -> float:
    """Cheapest hours to lift one competency from ``current`` to ``required`` (0 when met).

    A shortest path over levels ``current..required``: each resource is an edge from every level it
    accepts to its exit level (capped at ``required``), and each single step has a default edge."""
    if current >= required:
        return 0.0
    span = required - current
    best = [float("inf")] * (span + 1)
    best[0] = 0.0
    usable = list(outcomes)
    for offset in range(span):
        here = best[offset]
        level = current + offset
        # default: one level at a time
        best[offset + 1] = min(best[offset + 1], here + default_hours_per_level)
        for outcome in usable:
            if outcome.entry <= level < outcome.exit:
                reach = min(outcome.exit, required) - current
                best[reach] = min(best[reach], here + outcome.hours)
    return best[span]


def hours_table(
    outcomes: Iterable[Outcome],
    max_level: int,
    default_hours_per_level: float = DEFAULT_HOURS_PER_LEVEL,
) -> np.ndarray:
    """``table[current, required]`` hours for one competency, for every pair of levels up to
    ``max_level``: the array path looks gaps up here instead of running the path per person."""
    usable = list(outcomes)
    size = max_level + 1
    table = np.zeros((size, size), dtype=np.float64)
    for current in range(size):
        for required in range(current + 1, size):
            table[current, required] = hours_to_close(current, required, usable, default_hours_per_level)
    return table


def months_for(hours: float, pace_hours_per_month: float = DEFAULT_PACE_HOURS_PER_MONTH) -> float:
    if pace_hours_per_month <= 0:
        raise ValueError("pace must be more than 0 hours a month")
    return hours / pace_hours_per_month


def readiness(
    weighted_gap: int,
    weighted_required: int,
    essentials_met: bool,
    hours_needed: float,
    pace_hours_per_month: float = DEFAULT_PACE_HOURS_PER_MONTH,
    soon_months: float = SOON_MONTHS,
) -> str:
    """The readiness band of one person for one role (module docstring)."""
    if is_ready(weighted_gap, weighted_required, essentials_met):
        return READY_NOW
    if months_for(hours_needed, pace_hours_per_month) <= soon_months:
        return READY_1_2_YEARS
    return READY_3_PLUS_YEARS


def readiness_codes(
    ready_now: np.ndarray,
    hours_needed: np.ndarray,
    pace_hours_per_month: float = DEFAULT_PACE_HOURS_PER_MONTH,
    soon_months: float = SOON_MONTHS,
) -> np.ndarray:
    """Vectorised ``readiness``: ``ready_now`` (bool, from the fit engine) and hours per person."""
    months = hours_needed / pace_hours_per_month
    return np.where(ready_now, READY_NOW_CODE,
                    np.where(months <= soon_months, READY_SOON_CODE, READY_LATER_CODE)).astype(np.int8)


# ---------------------------------------------------------------- bench strength

@dataclass(frozen=True)
class Bench:
    """How many successors a key position has in each band; ``flagged`` when none is ready now."""

    ready_now: int
    ready_soon: int
    ready_later: int

    @property
    def flagged(self) -> bool:
        return self.ready_now == 0

    @property
    def strength(self) -> str:
        """A colour word for charts: strong (2+ ready now), adequate (1 ready now), weak (none now but
        some within two years), none (nobody within two years)."""
        if self.ready_now >= 2:
            return "strong"
        if self.ready_now == 1:
            return "adequate"
        if self.ready_soon:
            return "weak"
        return "none"


def bench_of(bands: Sequence[str]) -> Bench:
    """Count successors per band; each entry is a person's effective readiness (override or computed)."""
    unknown = set(bands) - set(READINESS)
    if unknown:
        raise ValueError(f"unknown readiness {sorted(unknown)}; expected one of {READINESS}")
    return Bench(ready_now=sum(1 for b in bands if b == READY_NOW),
                 ready_soon=sum(1 for b in bands if b == READY_1_2_YEARS),
                 ready_later=sum(1 for b in bands if b == READY_3_PLUS_YEARS))


def effective_readiness(computed: str, override: str | None) -> str:
    """A manager's override wins over the computed band; the computed band is still reported."""
    return override if override else computed


# ---------------------------------------------------------------- 9-box

NINE_BOX_LABELS: Final[dict[tuple[int, int], str]] = {
    # (performance, potential) -> the usual box names
    (1, 1): "Talent risk", (2, 1): "Effective", (3, 1): "Trusted professional",
    (1, 2): "Inconsistent", (2, 2): "Core player", (3, 2): "High performer",
    (1, 3): "Rough diamond", (2, 3): "Emerging star", (3, 3): "Star",
}


def nine_box(performance: int, potential: int) -> int:
    """Box number 1..9, row by row from the bottom-left (low performance, low potential)."""
    for name, value in (("performance", performance), ("potential", potential)):
        if value not in (1, 2, 3):
            raise ValueError(f"{name} must be 1, 2 or 3, got {value}")
    return (potential - 1) * 3 + performance


def box_label(performance: int, potential: int) -> str:
    nine_box(performance, potential)
    return NINE_BOX_LABELS[(performance, potential)]


# ---------------------------------------------------------------- careers

def profile_similarity(a: Mapping[Hashable, int], b: Mapping[Hashable, int]) -> float:
    """Cosine similarity of two requirement profiles (competency -> required level), 0..1.

    Two roles asking the same competencies at similar levels score near 1; roles with nothing in
    common score 0. An empty profile is similar to nothing."""
    keys = set(a) | set(b)
    if not keys:
        return 0.0
    dot = sum(a.get(k, 0) * b.get(k, 0) for k in keys)
    norm = (sum(v * v for v in a.values()) ** 0.5) * (sum(v * v for v in b.values()) ** 0.5)
    return 0.0 if norm == 0 else dot / norm


def career_score(similarity: float, fit: float) -> float:
    """Equal weight to how alike the move is and how ready the person is for it."""
    return 0.5 * similarity + 0.5 * fit

"""Requirement gaps and role fit for one person (DESIGN.md "Rules the numbers follow").

Scalar reference implementation; ``compms.core.gaparrays`` does the same for a whole
organisation and is tested against this module.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Final

from compms.core.rollup import NO_PROFICIENCY, STATUS_EXPIRED, STATUS_NONE, Proficiency

ESSENTIAL: Final = "essential"
DESIRABLE: Final = "desirable"
WEIGHTS: Final[dict[str, int]] = {ESSENTIAL: 3, DESIRABLE: 1}
READY_FIT: Final[float] = 0.9
# Readiness is decided in exact rational arithmetic (0.9 has no exact binary form), so
# a person exactly on the threshold is ready however the float fit happens to round.
READY_FIT_EXACT: Final[Fraction] = Fraction(str(READY_FIT))

GAP_MET: Final = "met"
GAP_SHORT: Final = "short"
GAP_MISSING: Final = "missing"
GAP_EXPIRED: Final = "expired"
# Position in this tuple is the status code the array engine uses (0 met .. 3 expired).
GAP_STATUSES: Final[tuple[str, ...]] = (GAP_MET, GAP_SHORT, GAP_MISSING, GAP_EXPIRED)


@dataclass(frozen=True)
class Requirement:
    """One line of a requirement profile: competency (x context) ``key`` at ``required`` level."""

    key: Hashable
    required: int
    criticality: str

    def __post_init__(self) -> None:
        if self.criticality not in WEIGHTS:
            raise ValueError(
                f"unknown criticality {self.criticality!r}; expected one of {tuple(WEIGHTS)}"
            )
        if self.required < 0:
            raise ValueError(f"required level must be >= 0, got {self.required}")

    @property
    def weight(self) -> int:
        return WEIGHTS[self.criticality]


@dataclass(frozen=True)
class RequirementGap:
    """How one person stands against one requirement."""

    key: Hashable
    required: int
    proficiency: int
    gap: int
    status: str  # one of GAP_STATUSES
    criticality: str
    verified: bool
    source: str | None
    valid_until: date | None

    @property
    def met(self) -> bool:
        return self.status == GAP_MET

    @property
    def weight(self) -> int:
        return WEIGHTS[self.criticality]


@dataclass(frozen=True)
class RoleFit:
    """A person measured against one requirement profile.

    ``weighted_gap`` / ``weighted_required`` are the exact numerator and denominator of
    the fit, kept so reports can show "3/11" and sums stay exact.
    """

    fit: float
    ready: bool
    gaps: tuple[RequirementGap, ...]
    weighted_gap: int
    weighted_required: int


def gap_status(required: int, proficiency: Proficiency) -> str:
    """Classify a requirement against a proficiency.

    Decision: ``expired`` and ``missing`` only describe a level of 0 (nothing counts).
    Someone holding level 1 against a required 3 is ``short`` even if an older level-3
    certificate lapsed: they do hold the competency, just below the need, and the
    development action differs from renewing a lapsed one. A level-0 proficiency that
    *is* evidenced (an assessor recorded "none") is ``short``, not ``missing``: the
    person has been assessed, so the data is not missing.
    """
    if proficiency.level >= required:
        return GAP_MET
    if proficiency.status == STATUS_EXPIRED:
        return GAP_EXPIRED
    if proficiency.status == STATUS_NONE:
        return GAP_MISSING
    return GAP_SHORT


def requirement_gap(requirement: Requirement, proficiency: Proficiency) -> RequirementGap:
    """The gap of one requirement given the person's proficiency in its competency."""
    return RequirementGap(
        key=requirement.key,
        required=requirement.required,
        proficiency=proficiency.level,
        gap=max(0, requirement.required - proficiency.level),
        status=gap_status(requirement.required, proficiency),
        criticality=requirement.criticality,
        verified=proficiency.verified,
        source=proficiency.source,
        valid_until=proficiency.valid_until,
    )


def is_ready(weighted_gap: int, weighted_required: int, essentials_met: bool) -> bool:
    """Ready = every essential met and fit >= READY_FIT, compared exactly."""
    if not essentials_met:
        return False
    if weighted_required == 0:
        return True
    return Fraction(weighted_required - weighted_gap, weighted_required) >= READY_FIT_EXACT


def role_fit(
    requirements: Iterable[Requirement],
    proficiencies: Mapping[Hashable, Proficiency],
) -> RoleFit:
    """Measure one person against one requirement profile.

    ``proficiencies`` maps requirement keys to the person's proficiency; an absent key
    means no evidence at all (level 0, ``missing``). fit = 1 - sum(w*gap) / sum(w*r),
    and 1.0 when there are no requirements or every required level is 0.

    A key may appear only once: a profile listing a competency twice would count its
    gap twice. Combine several roles with ``merge_requirements`` first.
    """
    gaps: list[RequirementGap] = []
    seen: set[Hashable] = set()
    for requirement in requirements:
        if requirement.key in seen:
            raise ValueError(
                f"requirement {requirement.key!r} listed twice; merge_requirements() first"
            )
        seen.add(requirement.key)
        proficiency = proficiencies.get(requirement.key, NO_PROFICIENCY)
        gaps.append(requirement_gap(requirement, proficiency))

    weighted_gap = sum(g.weight * g.gap for g in gaps)
    weighted_required = sum(g.weight * g.required for g in gaps)
    fit = 1.0 if weighted_required == 0 else float(
        Fraction(weighted_required - weighted_gap, weighted_required)
    )
    essentials_met = all(g.met for g in gaps if g.criticality == ESSENTIAL)
    return RoleFit(
        fit=fit,
        ready=is_ready(weighted_gap, weighted_required, essentials_met),
        gaps=tuple(gaps),
        weighted_gap=weighted_gap,
        weighted_required=weighted_required,
    )


def merge_requirements(profiles: Iterable[Iterable[Requirement]]) -> list[Requirement]:
    """The union of several roles' requirement profiles, for a person holding them all.

    Each key appears once, at the highest level any profile requires (DESIGN.md).
    Decision: it is ``essential`` if *any* profile marks it essential, even a profile
    asking a lower level. Criticality says the work cannot be done without the
    competency; if one of the person's jobs cannot, the person cannot do without it.
    Keys keep the order of their first appearance, so reports are stable.
    """
    required_level: dict[Hashable, int] = {}
    essential: dict[Hashable, bool] = {}
    for profile in profiles:
        for requirement in profile:
            key = requirement.key
            required_level[key] = max(required_level.get(key, 0), requirement.required)
            essential[key] = essential.get(key, False) or requirement.criticality == ESSENTIAL
    return [
        Requirement(key=key, required=level, criticality=ESSENTIAL if essential[key] else DESIRABLE)
        for key, level in required_level.items()
    ]

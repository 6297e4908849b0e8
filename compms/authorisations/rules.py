"""The decision "may this person do this on day D?", on plain values (no Django), so it can be
property-tested without a database.

Rules, in order:
1. Without a grant made on or before D, the answer is no ("no grant").
2. A grant revoked, or suspended by hand, as of D is not in force (the reason given is repeated).
3. A grant past its own valid_until is not in force ("grant expired").
4. Every requirement (competency, level, context) must be held on D: proficiency status `held`, verified
   (self-assessment alone never authorises work), at or above the level. A requirement short on D
   suspends the grant for that day; it is reinstated on the first day all are held again.
Authorised when no reason remains; valid_until is then the earliest of the grant's expiry and the
valid_until of the evidence each requirement rests on (None when none of them expires).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from compms.core.rollup import NO_PROFICIENCY, STATUS_EXPIRED, STATUS_HELD, Proficiency

MANUAL_ACTIVE = "active"
MANUAL_SUSPENDED = "suspended"
MANUAL_REVOKED = "revoked"


@dataclass(frozen=True)
class Need:
    competency_uuid: uuid.UUID
    context_id: int | None
    level: int
    framework: str = ""
    code: str = ""
    name: str = ""
    context: str | None = None


@dataclass(frozen=True)
class GrantState:
    granted_on: date
    valid_until: date | None
    manual_state: str = MANUAL_ACTIVE  # as of the day asked about
    manual_reason: str = ""
    manual_on: date | None = None


@dataclass(frozen=True)
class Reason:
    why: str  # no_grant, revoked, suspended_by_hand, grant_expired, missing, expired, below_level, unverified
    message: str
    competency: str | None = None
    competency_name: str | None = None
    framework: str | None = None
    context: str | None = None
    held_level: int | None = None
    required_level: int | None = None
    expired_on: date | None = None

    def as_dict(self) -> dict:
        return {"why": self.why, "message": self.message, "competency": self.competency,
                "competency_name": self.competency_name, "framework": self.framework, "context": self.context,
                "held_level": self.held_level, "required_level": self.required_level,
                "expired_on": self.expired_on.isoformat() if self.expired_on else None}


@dataclass(frozen=True)
class Decision:
    authorised: bool
    reasons: tuple[Reason, ...] = ()
    valid_until: date | None = None
    grant: GrantState | None = None
    held: Mapping[tuple[uuid.UUID, int | None], Proficiency] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"authorised": self.authorised, "reasons": [r.as_dict() for r in self.reasons],
                "valid_until": self.valid_until.isoformat() if self.valid_until else None}


def requirement_shortfall(need: Need, held: Proficiency, expired_on: date | None = None,
                          expired_source: str | None = None) -> Reason | None:
    """Why `held` does not meet `need`, or None when it does."""
    label = f"{need.name} ({need.code})" + (f" at {need.context}" if need.context else "")
    common: dict[str, Any] = {"competency": need.code, "competency_name": need.name, "framework": need.framework,
              "context": need.context, "required_level": need.level}
    if held.status == STATUS_HELD and held.level >= need.level and held.verified:
        return None
    if held.status == STATUS_HELD and not held.verified and held.level >= need.level:
        return Reason("unverified", f"{label}: only self-assessed; level {need.level} must be verified",
                      held_level=held.level, **common)
    if held.status == STATUS_HELD and held.level > 0:
        return Reason("below_level", f"{label}: level {held.level} held but {need.level} needed",
                      held_level=held.level, **common)
    if held.status == STATUS_EXPIRED:
        what = (expired_source or "evidence").replace("_", " ")
        when = f" on {expired_on.isoformat()}" if expired_on else ""
        return Reason("expired", f"{label}: {what} expired{when}; level {need.level} needed",
                      held_level=0, expired_on=expired_on, **common)
    return Reason("missing", f"{label}: no current evidence; level {need.level} needed", held_level=0, **common)


def decide(needs: Sequence[Need], held: Mapping[tuple[uuid.UUID, int | None], Proficiency],
           grant: GrantState | None, as_of: date,
           expired_on: Mapping[tuple[uuid.UUID, int | None], tuple[date, str]] | None = None) -> Decision:
    """The answer for one person and one authorisation on `as_of` (see the module docstring)."""
    expired_on = expired_on or {}
    reasons: list[Reason] = []
    if grant is None or grant.granted_on > as_of:
        reasons.append(Reason("no_grant", "No grant of this authorisation"))
    else:
        since = f" on {grant.manual_on.isoformat()}" if grant.manual_on else ""
        because = f": {grant.manual_reason}" if grant.manual_reason else ""
        if grant.manual_state == MANUAL_REVOKED:
            reasons.append(Reason("revoked", f"Grant revoked{since}{because}"))
        elif grant.manual_state == MANUAL_SUSPENDED:
            reasons.append(Reason("suspended_by_hand", f"Grant suspended by hand{since}{because}"))
        if grant.valid_until is not None and grant.valid_until < as_of:
            reasons.append(Reason("grant_expired", f"Grant expired on {grant.valid_until.isoformat()}",
                                  expired_on=grant.valid_until))
    until: list[date] = [grant.valid_until] if grant is not None and grant.valid_until else []
    for need in needs:
        key = (need.competency_uuid, need.context_id)
        proficiency = held.get(key, NO_PROFICIENCY)
        lapse = expired_on.get(key)
        short = requirement_shortfall(need, proficiency, lapse[0] if lapse else None, lapse[1] if lapse else None)
        if short is not None:
            reasons.append(short)
        elif proficiency.valid_until is not None:
            until.append(proficiency.valid_until)
    authorised = not reasons
    return Decision(authorised=authorised, reasons=tuple(reasons),
                    valid_until=min(until) if authorised and until else None, grant=grant, held=held)

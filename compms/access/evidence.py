"""Evidence, claims and assessor registrations: who sees which.

- Evidence follows the person it is about (`restrict_by_person`): everyone for HR and administrators,
  own and reports' for a manager, own for anyone else; plus whatever the user recorded themselves.
- Claims: the same, and for an assessor the pending claims of others they may verify (the competency
  and level are covered by their assessor registration or their own verified level: `assessor_limit`),
  and the claims they reviewed themselves (so a reviewer sees the outcome of their own decision).
- Assessor registrations: all for HR and administrators, one's own for anyone else.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet

from compms.access.base import has_role, is_user, person_of, person_scope, reports_prefix, sees_everyone, sees_person
from compms.accounts.models import Role


def restrict_evidence(queryset: QuerySet, user: Any) -> QuerySet:
    """Evidence about people the user may see, and evidence they recorded themselves."""
    condition = person_scope(user, field="person")
    if condition is None:
        return queryset
    if not is_user(user):
        return queryset.none()
    return queryset.filter(condition | Q(recorded_by=user))


def can_see_evidence(user: Any, evidence: Any) -> bool:
    """The single-record form of `restrict_evidence`."""
    if is_user(user) and evidence.recorded_by_id is not None and evidence.recorded_by_id == user.pk:
        return True
    return sees_person(user, evidence.person)


@dataclass(frozen=True)
class AssessorCover:
    """One competency an assessor may assess, up to `limit`; `context_id` None covers every context."""

    competency_uuid: uuid_module.UUID
    context_id: int | None
    limit: int


def assessor_covers(assessor: Any, as_of: dt.date | None = None) -> list[AssessorCover]:
    """Everything a person may assess, in two queries: unexpired registrations (any context) and their
    own verified, held proficiency (in its context; with no context, in every context)."""
    from compms.evidence import proficiency as prof
    from compms.evidence.models import AssessorRegistration

    as_of = as_of or prof.today()
    covers = [AssessorCover(uuid_value, None, top) for uuid_value, top in
              AssessorRegistration.objects.filter(person=assessor).filter(
                  Q(valid_until__isnull=True) | Q(valid_until__gte=as_of)).values(
                  "competency_uuid").annotate(top=Max("max_level")).values_list("competency_uuid", "top")]
    for (_, competency_uuid, context_id), proficiency in prof.current_proficiencies([assessor.pk], as_of).items():
        if proficiency.held and proficiency.verified and proficiency.level > 0:
            covers.append(AssessorCover(competency_uuid, context_id, proficiency.level))
    return covers


def assessor_limit(assessor: Any, competency_uuid: uuid_module.UUID, context_id: int | None = None,
                   as_of: dt.date | None = None) -> int:
    """The highest level this person may assess a competency at in a context (0: not at all).

    Their own proficiency counts only when verified: a self-assessment is not a qualification."""
    wanted = uuid_module.UUID(str(competency_uuid))
    return max((c.limit for c in assessor_covers(assessor, as_of)
                if c.competency_uuid == wanted and c.context_id in (None, context_id)), default=0)


def covered_claims_q(assessor: Any, as_of: dt.date | None = None,
                     covers: list[AssessorCover] | None = None) -> Q:
    """Claims of other people, in any state, whose competency and level this assessor's cover reaches
    (`covers`: the assessor's, when the caller has read them already)."""
    covered = Q(pk__in=[])
    for cover in assessor_covers(assessor, as_of) if covers is None else covers:
        condition = Q(competency_uuid=cover.competency_uuid, level__lte=cover.limit)
        if cover.context_id is not None:
            condition &= Q(context_id=cover.context_id)
        covered |= condition
    return ~Q(person_id=assessor.pk) & covered


def assessable_claims_q(assessor: Any, as_of: dt.date | None = None,
                        covers: list[AssessorCover] | None = None) -> Q:
    """Pending claims of other people that this assessor may verify, as one filter."""
    from compms.evidence.models import Claim

    return Q(status=Claim.Status.PENDING) & covered_claims_q(assessor, as_of, covers)


def restrict_claims(queryset: QuerySet, user: Any) -> QuerySet:
    """Claims the user may see: all (HR, administrators, the system); their own; their reports' (managers);
    pending ones they may verify (assessors); and those they reviewed."""
    if sees_everyone(user):
        return queryset
    me = person_of(user)
    if me is None:
        return queryset.none()
    condition = Q(person_id=me.pk) | Q(reviewed_by=user)
    if has_role(user, Role.MANAGER):
        condition |= Q(person__manager_path__startswith=reports_prefix(me))
    if has_role(user, Role.ASSESSOR):
        condition |= assessable_claims_q(me)
    return queryset.filter(condition)


def restrict_registrations(queryset: QuerySet, user: Any) -> QuerySet:
    """Assessor registrations: all for HR and administrators; one's own for anyone else, so an assessor
    knows what they may assess."""
    if sees_everyone(user):
        return queryset
    if not is_user(user):
        return queryset.none()
    return queryset.filter(person__user=user)

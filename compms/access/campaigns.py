"""Competency audits (campaigns): HR and administrators launch, see and close every audit; a manager
sees the audits their reports take part in and reviews their reports; a participant fills in their own
self-assessment. The system (SYSTEM) may do everything; `None` nothing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from compms.access.base import is_system, manages, person_of, sees_everyone


def runs_audits(user: Any) -> bool:
    return sees_everyone(user)


def require_audit_admin(actor: Any) -> None:
    if not runs_audits(actor):
        raise PermissionDenied("Only HR and administrators may launch or close competency audits.")


def restrict_audits(queryset: QuerySet, user: Any) -> QuerySet:
    """Audits the user may follow: all (HR, administrators), those where they review someone (managers)."""
    if runs_audits(user):
        return queryset
    me = person_of(user)
    if me is None:
        return queryset.none()
    return queryset.filter(participants__manager=me).distinct()


def may_review_participant(user: Any, participant: Any) -> bool:
    """A participant's review is their manager's (direct or indirect), or the system's."""
    return is_system(user) or manages(user, participant.person)


def may_self_assess(user: Any, participant: Any) -> bool:
    """Only the invited person fills in their self-assessment (or the system, on their behalf)."""
    if is_system(user):
        return True
    me = person_of(user)
    return me is not None and me.pk == participant.person_id

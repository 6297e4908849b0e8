"""Assessments against the standard: the assessor sees their own (drafts and submitted); HR and
administrators see all; the assessed person sees their own once submitted; anyone else, nothing.
Only the assessor edits, and only a draft. Competency managers set the per-competency standard."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from compms.access.base import has_role, is_system, person_of, sees_everyone
from compms.accounts.models import Role


def restrict_assessments(queryset: QuerySet, user: Any) -> QuerySet:
    if sees_everyone(user):
        return queryset
    me = person_of(user)
    if me is None:
        return queryset.none()
    # The person sees the result, not the assessor's working notes before they are final.
    return queryset.filter(Q(assessor_id=me.pk) | Q(person_id=me.pk, status="submitted"))


def may_assess(user: Any) -> bool:
    """Holds the assessor role and an employee record (registrations and levels belong to a Person)."""
    return has_role(user, Role.ASSESSOR) and person_of(user) is not None


def may_edit_assessment(user: Any, assessment: Any) -> bool:
    if not assessment.is_draft:
        return False
    if is_system(user):
        return True
    me = person_of(user)
    return me is not None and me.pk == assessment.assessor_id


def may_set_assessment_standard(user: Any) -> bool:
    return is_system(user) or has_role(user, Role.COMPETENCY_MANAGER)

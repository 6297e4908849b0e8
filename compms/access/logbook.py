"""Logbook entries: a person sees their own entries and those they are named supervisor of; HR and
administrators see all. Only the named supervisor confirms or rejects an entry (or the system)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from compms.access.base import is_system, person_of, sees_everyone


def restrict_entries(queryset: QuerySet, user: Any) -> QuerySet:
    if sees_everyone(user):
        return queryset
    me = person_of(user)
    if me is None:
        return queryset.none()
    return queryset.filter(Q(person_id=me.pk) | Q(supervisor_id=me.pk))


def may_review_entry(user: Any, entry: Any) -> bool:
    if is_system(user):
        return True
    me = person_of(user)
    return me is not None and me.pk == entry.supervisor_id


def logbook_owner(user: Any, person: Any = None) -> Any:
    """Whose logbook an entry goes in: the user's own; only the system writes one for someone else."""
    return person if is_system(user) else person_of(user)

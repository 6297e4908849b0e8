"""Authorisations to work. Anyone logged in sees the definitions; a grant and the check are about a
person, so they follow the people rules (HR and administrators everyone, managers their team, a person
themself; anyone else is told the person does not exist). Who may grant is the authorisation's own
rule: its roles or its named people (HR when it names neither), never to oneself. Suspending,
reinstating and revoking by hand is for those who may grant it, and HR. Definitions are kept by
competency managers and HR."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from compms.access.base import has_role, is_system, is_user, person_of, restrict_by_person, sees_everyone, sees_person
from compms.accounts.models import Role


def restrict_grants(queryset: QuerySet, user: Any) -> QuerySet:
    return restrict_by_person(queryset, user)


def require_sees_person(user: Any, person: Any) -> None:
    if user is None or not sees_person(user, person):
        from compms.organisation.models import Person

        raise Person.DoesNotExist("No such person.")


def may_define(user: Any) -> bool:
    return is_system(user) or has_role(user, Role.COMPETENCY_MANAGER, Role.HR)


def require_define(user: Any) -> None:
    if not may_define(user):
        raise PermissionDenied("Only competency managers and HR define authorisations.")


def may_grant(user: Any, authorisation: Any, person: Any = None) -> bool:
    if is_system(user):
        return True
    if not is_user(user):
        return False
    me = person_of(user)
    if person is not None and me is not None and me.pk == person.pk:
        return False  # nobody authorises themself
    roles = authorisation.role_codes() or [Role.HR]
    if has_role(user, *roles):
        return True
    return me is not None and authorisation.granters.filter(pk=me.pk).exists()


def require_grant(user: Any, authorisation: Any, person: Any) -> None:
    require_sees_person(user, person)
    if not may_grant(user, authorisation, person):
        raise PermissionDenied(f"You may not grant {authorisation.name}.")


def may_change_grant(user: Any, grant: Any) -> bool:
    return sees_everyone(user) or may_grant(user, grant.authorisation, grant.person)


def require_change_grant(user: Any, grant: Any) -> None:
    require_sees_person(user, grant.person)
    if not may_change_grant(user, grant):
        raise PermissionDenied(f"You may not suspend, reinstate or revoke grants of {grant.authorisation.name}.")

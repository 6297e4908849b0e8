"""People and the organisation: who sees which people, who changes units, people, roles and profiles.

- HR and administrators (and the system) see everyone;
- a manager sees their own record and all their reports, direct and indirect;
- anyone else sees only their own record (through the Person linked to their log-in);
- a log-in with no Person, a deactivated log-in and `None` see nobody.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from compms.access.base import has_role, is_system, restrict_by_person, sees_person
from compms.accounts.models import Role

# Who sees every person in the organisation.
SEES_EVERYONE = (Role.HR,)
# Who edits units, people and positions.
ORGANISATION_EDITORS = (Role.HR,)
# Who edits job roles, their DACUM charts and requirement profiles.
ROLE_EDITORS = (Role.HR, Role.COMPETENCY_MANAGER)


def restrict_people(queryset: QuerySet, user: Any) -> QuerySet:
    """Any queryset of Person narrowed to the people the user may see."""
    return restrict_by_person(queryset, user, field="")


def visible_people(user: Any) -> QuerySet:
    """Every Person the user may see, as a queryset that callers filter further."""
    from compms.organisation.models import Person

    return restrict_people(Person.objects.all(), user)


def can_see_person(user: Any, person: Any) -> bool:
    return sees_person(user, person)


def require_person_visible(user: Any, person: Any) -> None:
    """A person the user may not see does not exist for them: the same answer as an unknown id."""
    if not can_see_person(user, person):
        from compms.organisation.models import Person

        raise Person.DoesNotExist("No such person.")


def can_read_organisation(user: Any) -> bool:
    """Units, roles and their profiles are internal but not personal: any CompMS role may read them. A
    log-in without any role is an account nobody has set up yet, and reads nothing."""
    return is_system(user) or has_role(user, *Role.values)


def require_organisation_reader(user: Any) -> None:
    if not can_read_organisation(user):
        raise PermissionDenied("Reading the organisation needs a CompMS role; ask an administrator for one.")


def can_edit_organisation(user: Any) -> bool:
    return is_system(user) or has_role(user, *ORGANISATION_EDITORS)


def can_edit_roles(user: Any) -> bool:
    return is_system(user) or has_role(user, *ROLE_EDITORS)


def require_organisation_editor(actor: Any) -> None:
    if not can_edit_organisation(actor):
        raise PermissionDenied("Only HR and administrators may change the organisation.")


def require_role_editor(actor: Any) -> None:
    if not can_edit_roles(actor):
        raise PermissionDenied("Only HR, competency managers and administrators may change job roles.")

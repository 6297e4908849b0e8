"""Who may see which people, and who may change the organisation and the roles.

This module is the one place for the rule. Pages, API endpoints and exports restrict every list of
people with `visible_people(user)` and check single records with `can_see_person`, so the three
can never disagree:

- HR and administrators see everyone;
- a manager sees their own record and all their reports, direct and indirect;
- anyone else sees only their own record (through the Person linked to their log-in);
- a log-in with no Person sees nobody (HR and administrators excepted).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from compms.accounts.access import has_role
from compms.accounts.models import Role
from compms.organisation.models import Person

# Who sees every person in the organisation.
SEES_EVERYONE = (Role.HR,)
# Who edits units, people and positions.
ORGANISATION_EDITORS = (Role.HR,)
# Who edits job roles, their DACUM charts and requirement profiles.
ROLE_EDITORS = (Role.HR, Role.COMPETENCY_MANAGER)


def person_of(user: Any) -> Person | None:
    """The Person linked to a log-in, or None (anonymous users and log-ins without an employee record)."""
    if not getattr(user, "is_authenticated", False):
        return None
    # Not cached on the user object: a link made during a request must count at once.
    return Person.objects.filter(user=user).first()


def visible_people(user: Any) -> QuerySet[Person]:
    """Every Person the user may see, as a queryset that callers filter further."""
    people = Person.objects.all()
    if has_role(user, *SEES_EVERYONE):
        return people
    me = person_of(user)
    if me is None:
        return people.none()
    if has_role(user, Role.MANAGER):
        # manager_path lists the whole manager chain, so one indexed filter finds indirect reports too.
        return people.filter(Q(pk=me.pk) | Q(manager_path__contains=f"/{me.pk}/"))
    return people.filter(pk=me.pk)


def can_see_person(user: Any, person: Person) -> bool:
    if has_role(user, *SEES_EVERYONE):
        return True
    me = person_of(user)
    if me is None:
        return False
    if person.pk == me.pk:
        return True
    return has_role(user, Role.MANAGER) and f"/{me.pk}/" in (person.manager_path or "")


def can_read_organisation(user: Any) -> bool:
    """Units, roles and their profiles are internal but not personal: any CompMS role may read them. A
    log-in without any role is an account nobody has set up yet, and reads nothing."""
    return has_role(user, *Role.values)


def require_organisation_reader(user: Any) -> None:
    if not can_read_organisation(user):
        raise PermissionDenied("Reading the organisation needs a CompMS role; ask an administrator for one.")


def can_edit_organisation(user: Any) -> bool:
    return has_role(user, *ORGANISATION_EDITORS)


def can_edit_roles(user: Any) -> bool:
    return has_role(user, *ROLE_EDITORS)


def require_organisation_editor(actor: Any) -> None:
    """`actor` None is a trusted internal caller (the command line, the demo builder)."""
    if actor is not None and not can_edit_organisation(actor):
        raise PermissionDenied("Only HR and administrators may change the organisation.")


def require_role_editor(actor: Any) -> None:
    if actor is not None and not can_edit_roles(actor):
        raise PermissionDenied("Only HR, competency managers and administrators may change job roles.")


def require_person_visible(user: Any, person: Person) -> None:
    if not can_see_person(user, person):
        raise Person.DoesNotExist("No such person.")

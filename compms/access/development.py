"""Who may see and change development data: the catalogue, needs and plans, mentors, the optimiser and
commissions.

- catalogue, templates, the training optimiser and commissions: HR and administrators (and the system);
- a person's plan and needs: the person, their managers (direct or indirect, by the manager's own path
  prefix) and HR;
- approving a plan: one of the person's managers or HR, never the person;
- the team plans page: managers (their reports) and HR and administrators (everyone: administrators
  may do anything any role may, with or without an employee record);
- a colleague suggested as a mentor: anyone reading the plan sees the mentor's name; their proficiency
  levels only when the reader may see that colleague anyway, or the colleague opted in to share them.

`None` is not a trusted caller: every check here refuses it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from compms.access.base import (
    has_role,
    is_system,
    manages,
    person_of,
    reports_prefix,
    restrict_by_person,
    sees_everyone,
    sees_person,
)
from compms.accounts.models import Role
from compms.organisation.models import Person

CATALOGUE_EDITORS = (Role.HR,)


def can_edit_catalogue(actor: Any) -> bool:
    return is_system(actor) or has_role(actor, *CATALOGUE_EDITORS)


def require_catalogue_editor(actor: Any) -> None:
    if not can_edit_catalogue(actor):
        raise PermissionDenied("Only HR and administrators may change the learning catalogue.")


def plan_people(user: Any) -> QuerySet[Person]:
    """Everyone whose development plan the user may read and change (the people they may see)."""
    return restrict_by_person(Person.objects.all(), user, field="")


def can_see_plan(user: Any, person: Person) -> bool:
    return sees_person(user, person)


def require_plan_editor(actor: Any, person: Person) -> None:
    if not can_see_plan(actor, person):
        raise PermissionDenied("You may only change your own plan or the plans of your reports.")


def can_approve_plan(actor: Any, person: Person) -> bool:
    return sees_everyone(actor) or manages(actor, person)


def can_see_team_plans(user: Any) -> bool:
    return is_system(user) or has_role(user, Role.MANAGER, Role.HR)


def team_people(user: Any) -> QuerySet[Person]:
    """The team plans page: a manager's reports; everyone for HR and administrators."""
    if sees_everyone(user):
        me = person_of(user)
        return Person.objects.exclude(pk=me.pk) if me is not None else Person.objects.all()
    me = person_of(user)
    if me is None or not has_role(user, Role.MANAGER):
        return Person.objects.none()
    return Person.objects.filter(manager_path__startswith=reports_prefix(me))


def can_plan_training(user: Any) -> bool:
    """The organisation-wide training optimiser and accepting its plan."""
    return is_system(user) or has_role(user, Role.HR)


def require_training_planner(actor: Any) -> None:
    if not can_plan_training(actor):
        raise PermissionDenied("The training optimiser is for HR and administrators.")


def can_manage_commissions(user: Any) -> bool:
    return is_system(user) or has_role(user, Role.HR)


def require_commission_manager(actor: Any) -> None:
    if not can_manage_commissions(actor):
        raise PermissionDenied("Only HR and administrators may commission training.")


def can_set_mentor_preference(actor: Any, person: Person) -> bool:
    """Sharing one's levels with colleagues is the person's own choice: only they (or the system) set it."""
    if is_system(actor):
        return True
    me = person_of(actor)
    return me is not None and me.pk == person.pk


def may_see_mentor_levels(viewer: Any, mentor: Person, shares_levels: bool) -> bool:
    """A suggested mentor's proficiency levels: when they opted in, or when the viewer may see their records
    anyway (HR, the mentor's managers, the mentor themself)."""
    return shares_levels or can_see_plan(viewer, mentor)

"""Who may see and change succession data (the one place for the rule).

- HR and administrators: everything, and they alone mark key positions, run talent pools and
  calibrate the 9-box.
- Managers: succession pages limited to their team (their own record and their reports): the
  successors listed and counted, nominations, overrides and ratings of their reports only.
- Everyone else: their own careers page, goals and learning; never who is nominated for what, nor
  anyone's ratings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied

from compms.accounts.access import has_role
from compms.accounts.models import Role
from compms.organisation.access import can_see_person, person_of, visible_people
from compms.organisation.models import Person


def is_hr(user: Any) -> bool:
    return has_role(user, Role.HR)


def can_see_succession(user: Any) -> bool:
    return has_role(user, Role.HR, Role.MANAGER)


def require_succession_reader(user: Any) -> None:
    if not can_see_succession(user):
        raise PermissionDenied("Succession plans are for HR and managers.")


def require_hr(actor: Any) -> None:
    """`actor` None is a trusted internal caller (the demo, the command line)."""
    if actor is not None and not is_hr(actor):
        raise PermissionDenied("Only HR and administrators may do this.")


def manages_person(user: Any, person: Person) -> bool:
    """HR, or a manager for one of their reports (not themselves)."""
    if is_hr(user):
        return True
    me = person_of(user)
    return (has_role(user, Role.MANAGER) and me is not None and person.pk != me.pk
            and can_see_person(user, person))


def require_manages(actor: Any, person: Person) -> None:
    if actor is not None and not manages_person(actor, person):
        raise PermissionDenied("Only HR or the person's manager may do this.")


def may_see_own_or_team(user: Any, person: Person) -> bool:
    """Careers and goals: the person, their managers, HR."""
    return can_see_person(user, person)


def visible_indices(user: Any, snapshot: Any) -> np.ndarray | None:
    """Snapshot person indices a user may see (None: everyone)."""
    if is_hr(user):
        return None
    pks = list(visible_people(user).values_list("pk", flat=True))
    return snapshot.person_indices(pks)

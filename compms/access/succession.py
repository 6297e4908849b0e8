"""Who may see and change succession data: key positions, successors, nominations, ratings, pools.

- HR and administrators (and the system actor): everything; they alone mark key positions, run talent
  pools and calibrate the 9-box.
- Managers: the succession pages, limited to their reports (direct and indirect, found by the manager's
  own path prefix). Never themselves: a manager does not read their own rating and its reason, nor
  whether they are nominated as a successor. A key position is in a manager's scope when one of its
  holders is one of their reports; outside it the holder's name and the risk of loss are hidden
  (the risk of loss is a judgement about the holder).
- Everyone else: their own careers page and goals; never who is nominated for what, nor any rating.

`None` is not a trusted caller: every check here refuses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from compms.access.base import has_role, is_hr, is_system, manages, person_of, reports_prefix, sees_everyone
from compms.accounts.models import Role
from compms.organisation.models import Person


def sees_all_succession(user: Any) -> bool:
    """HR, administrators and the system actor: no succession figure is narrowed for them."""
    return sees_everyone(user)


def can_see_succession(user: Any) -> bool:
    return is_system(user) or has_role(user, Role.HR, Role.MANAGER)


def require_succession_reader(user: Any) -> None:
    if not can_see_succession(user):
        raise PermissionDenied("Succession plans are for HR and managers.")


def can_run_succession(actor: Any) -> bool:
    """Marking key positions, talent pools and calibration."""
    return is_system(actor) or is_hr(actor)


def require_hr(actor: Any) -> None:
    if not can_run_succession(actor):
        raise PermissionDenied("Only HR and administrators may do this.")


def manages_person(user: Any, person: Person) -> bool:
    """HR or the system, or a manager for one of their reports (never for themselves)."""
    return sees_all_succession(user) or manages(user, person)


def require_manages(actor: Any, person: Person) -> None:
    if not manages_person(actor, person):
        raise PermissionDenied("Only HR or the person's manager may do this.")


def succession_people(user: Any) -> QuerySet[Person]:
    """The people whose succession data (ratings, nominations, successor listings, pool membership) the
    user may read: everyone for HR; a manager's reports, never the manager; nobody for anyone else."""
    people = Person.objects.all()
    if sees_all_succession(user):
        return people
    if not has_role(user, Role.MANAGER):
        return people.none()
    me = person_of(user)
    if me is None:
        return people.none()
    return people.filter(manager_path__startswith=reports_prefix(me))


def succession_person_pks(user: Any) -> set[int] | None:
    """`succession_people` as a set of pks, or None for "everyone" (saves a query of every person for HR)."""
    if sees_all_succession(user):
        return None
    return set(succession_people(user).values_list("pk", flat=True))


def visible_indices(user: Any, snapshot: Any) -> np.ndarray | None:
    """Snapshot person indices of `succession_people` (None: everyone)."""
    pks = succession_person_pks(user)
    if pks is None:
        return None
    return snapshot.person_indices(sorted(pks))


def key_positions_in_scope(user: Any, key_positions: Iterable[Any]) -> set[int] | None:
    """Pks of the key positions whose holder and risk of loss the user may read; None means all of them.

    A key position is in a manager's scope when one of its current holders is one of their reports (one
    query over the positions those reports hold). A vacant key position is in no manager's scope."""
    if sees_all_succession(user):
        return None
    from compms.organisation.models import Position

    seats = list(Position.objects.filter(holder__in=succession_people(user)).values_list("pk", "role_id", "unit_id"))
    held_positions = {pk for pk, _role, _unit in seats}
    held_role_units = {(role, unit) for _pk, role, unit in seats}
    return {kp.pk for kp in key_positions
            if (kp.position_id in held_positions if kp.position_id else (kp.role_id, kp.unit_id) in held_role_units)}


def can_see_careers(user: Any, person: Person) -> bool:
    """A person's career map, learning page and goals: the person, their managers, HR."""
    if sees_everyone(user) or manages(user, person):
        return True
    me = person_of(user)
    return me is not None and me.pk == person.pk


def may_set_goals(actor: Any, person: Person) -> bool:
    """Goals are the person's own: only they (or the system) set and close them."""
    if is_system(actor):
        return True
    me = person_of(actor)
    return me is not None and me.pk == person.pk

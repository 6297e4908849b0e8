"""Personal data: who may export everything held about a person, and who may anonymise a leaver.

- HR and administrators (and the system) export anyone's data and anonymise leavers;
- a person exports their own data (the right of access belongs to them);
- a manager may not export a report's data: the subject-access export holds records a manager may not read
  (9-box ratings, other reviewers' notes), and a request by the person goes through HR or the person themself.
  They get a 403 saying so, because they can see the person exists; anyone else gets the 404 of an unknown person.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from compms.access.base import is_hr, is_system, person_of, sees_person


def can_export_person(user: Any, person: Any) -> bool:
    if is_system(user) or is_hr(user):
        return True
    me = person_of(user)
    return me is not None and me.pk == person.pk


def require_export_allowed(user: Any, person: Any) -> None:
    if can_export_person(user, person):
        return
    if sees_person(user, person):
        raise PermissionDenied("A subject-access export is made by HR or by the person themself.")
    from compms.organisation.models import Person

    raise Person.DoesNotExist("No such person.")


def can_anonymise(user: Any) -> bool:
    return is_system(user) or is_hr(user)


def require_anonymiser(user: Any) -> None:
    if not can_anonymise(user):
        raise PermissionDenied("Only HR anonymises a leaver's personal data.")

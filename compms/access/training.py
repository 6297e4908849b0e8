"""Training: who sees which enrolments and who may act on them.

- HR and administrators ("training administrators") manage sessions, mandatory training and xAPI
  mappings, see every enrolment and may take any enrolment through any allowed step;
- a person sees and acts on their own enrolments; their manager (direct or indirect) on their reports';
- a trainer sees the enrolments of the sessions they train and records attendance and completion;
- nobody approves their own request. The system (SYSTEM) may do everything; `None` nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from compms.access.base import has_role, is_system, manages, person_of, person_scope
from compms.accounts.models import Role


def is_training_admin(user: Any) -> bool:
    return is_system(user) or has_role(user, Role.HR)


def require_training_admin(actor: Any) -> None:
    if not is_training_admin(actor):
        raise PermissionDenied("Only HR and administrators manage training sessions.")


def restrict_enrolments(queryset: QuerySet, user: Any) -> QuerySet:
    """Enrolments a user may see: all (training administrators), their own and their reports' (managers),
    their own (anyone else), and those of the sessions they train."""
    condition = person_scope(user, field="person")
    if condition is None:
        return queryset
    me = person_of(user)
    if me is None:
        return queryset.none()
    return queryset.filter(condition | Q(session__trainer=me))


def may_act_for(actor: Any, person: Any) -> bool:
    """Request or withdraw: the person themselves, their manager, or a training administrator."""
    if is_training_admin(actor):
        return True
    me = person_of(actor)
    return (me is not None and me.pk == person.pk) or manages(actor, person)


def may_decide(actor: Any, enrolment: Any) -> bool:
    """Approve or reject: the person's manager or a training administrator, never the person."""
    if is_system(actor):
        return True
    me = person_of(actor)
    if me is not None and me.pk == enrolment.person_id:
        return False
    return is_training_admin(actor) or manages(actor, enrolment.person)


def may_record_outcome(actor: Any, session: Any) -> bool:
    """Attendance and completion: a training administrator or the session's trainer."""
    if is_training_admin(actor):
        return True
    me = person_of(actor)
    return session is not None and me is not None and session.trainer_id == me.pk


def require_xapi_sender(actor: Any) -> None:
    """Statements come from the learning platform's integration user: an HR (or administrator) log-in
    with an API token, or the system. Employees may not post statements about anyone."""
    if not is_training_admin(actor):
        raise PermissionDenied("Only an HR or administrator integration user may send xAPI statements.")

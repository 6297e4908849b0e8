"""The actors and the named predicates every access rule is built from."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from compms.accounts.models import Role


class SystemActor:
    """The trusted internal caller: the command line, the demo builder, scheduled jobs.

    It holds every right, is never a person, and is recorded in the audit trail without a user."""

    is_authenticated = False
    is_active = True
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "the system"


SYSTEM = SystemActor()


def is_system(actor: Any) -> bool:
    return actor is SYSTEM


def is_user(actor: Any) -> bool:
    """A real, logged-in, active account (not the system, not anonymous, not a deactivated leaver)."""
    return bool(getattr(actor, "is_authenticated", False)) and bool(getattr(actor, "is_active", False))


def user_or_none(actor: Any) -> Any:
    """The log-in to store as whoever did something: None for the system actor and anonymous callers."""
    return actor if getattr(actor, "is_authenticated", False) else None


def has_role(user: Any, *roles: str) -> bool:
    """Administrators hold every role (see User.has_role). The system actor holds none: checks that
    let it through say so with `is_system`."""
    return is_user(user) and user.has_role(*roles)


def sees_everyone(user: Any) -> bool:
    """HR and administrators see every person and every record about them."""
    return is_system(user) or has_role(user, Role.HR)


def is_hr(user: Any) -> bool:
    return has_role(user, Role.HR)


def person_of(user: Any) -> Any:
    """The Person linked to a log-in, or None (the system, anonymous users, log-ins without an employee
    record)."""
    if not is_user(user):
        return None
    from compms.organisation.models import Person

    # Not cached on the user object: a link made during a request must count at once.
    return Person.objects.filter(user=user).first()


def reports_prefix(person: Any) -> str:
    """The manager_path every direct report of `person` carries and every indirect one starts with.

    Filtering on this prefix (`manager_path__startswith`) uses the index on manager_path."""
    return f"{person.manager_path or '/'}{person.pk}/"


def manages(user: Any, person: Any) -> bool:
    """A manager over one of their reports, direct or indirect (never themselves)."""
    if not has_role(user, Role.MANAGER):
        return False
    me = person_of(user)
    if me is None or me.pk == person.pk:
        return False
    return (person.manager_path or "").startswith(reports_prefix(me))


def is_admin(user: Any) -> bool:
    """An administrator log-in: may do anything any role may do (see User.has_role)."""
    return is_user(user) and Role.ADMINISTRATOR in user.role_codes()


def require_actor(actor: Any) -> None:
    """Refuse a missing actor: `None` is a forgotten argument, never the system (that is `SYSTEM`)."""
    if actor is None:
        raise PermissionDenied("No actor was given; trusted internal callers pass compms.access.SYSTEM.")


def require_role(user: Any, *roles: str) -> None:
    """Raise PermissionDenied (403 on pages and in the API) unless the user holds one of the roles.
    The system actor passes; `None` does not."""
    if is_system(user):
        return
    if not has_role(user, *roles):
        raise PermissionDenied("This needs the role: " + " or ".join(roles))


def role_required(*roles: str) -> Callable:
    """View decorator: the request's user must hold one of the roles."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def person_scope(user: Any, field: str = "person") -> Q | None:
    """The filter for rows about people the user may see, or None when they see everyone (HR,
    administrators, the system). Their own and their reports' (managers), their own (anyone else with
    an employee record), nothing (a log-in without one, a deactivated log-in, `None`).

    `field` is the lookup from the queryset's model to the Person ("" for Person itself)."""
    if sees_everyone(user):
        return None
    me = person_of(user)
    if me is None:
        return Q(pk__in=[])
    lookup = f"{field}__" if field else ""
    condition = Q(**{f"{lookup}pk": me.pk})
    if has_role(user, Role.MANAGER):
        # The manager's own prefix, so the filter can use the index on manager_path.
        condition |= Q(**{f"{lookup}manager_path__startswith": reports_prefix(me)})
    return condition


def restrict_by_person(queryset: QuerySet, user: Any, field: str = "person") -> QuerySet:
    """Narrow any queryset of rows about people to those the user may see (see `person_scope`)."""
    condition = person_scope(user, field)
    if condition is None:
        return queryset
    if condition == Q(pk__in=[]):
        return queryset.none()
    return queryset.filter(condition)


def sees_person(user: Any, person: Any) -> bool:
    """The single-object form of `restrict_by_person`, without a query when the user sees everyone."""
    if sees_everyone(user):
        return True
    me = person_of(user)
    if me is None:
        return False
    return me.pk == person.pk or manages(user, person)

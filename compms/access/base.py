"""The actors and the named predicates every access rule is built from."""

from __future__ import annotations

from typing import Any

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

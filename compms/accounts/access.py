"""Access rules in one place: who may do what. Pages, API endpoints and exports all call these."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from compms.accounts.models import Role

# Who may change a competency dictionary.
DICTIONARY_EDITORS = (Role.COMPETENCY_MANAGER,)
# Who sees the whole organisation.
ORGANISATION_VIEWERS = (Role.HR,)


def has_role(user: Any, *roles: str) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*roles)


def can_edit_dictionary(user: Any) -> bool:
    return has_role(user, *DICTIONARY_EDITORS)


def require_role(user: Any, *roles: str) -> None:
    """Raise PermissionDenied (403 on pages; the API maps it to 403 too) unless the user holds a role."""
    if not has_role(user, *roles):
        raise PermissionDenied("This needs the role: " + " or ".join(roles))


def role_required(*roles: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

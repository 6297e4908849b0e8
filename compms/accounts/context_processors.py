from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from compms.accounts.models import Role


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    codes = user.role_codes() if user is not None and user.is_authenticated else frozenset()
    is_admin = Role.ADMINISTRATOR in codes
    return {
        "user_roles": codes,
        "can_edit_dictionary": is_admin or Role.COMPETENCY_MANAGER in codes,
        "is_hr": is_admin or Role.HR in codes,
        "is_manager": is_admin or Role.MANAGER in codes,
        "is_assessor": is_admin or Role.ASSESSOR in codes,
    }

"""Competency dictionaries: anyone with a CompMS role reads them; competency managers change them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from compms.access.base import has_role, is_system
from compms.accounts.models import Role

# Who may change a competency dictionary.
DICTIONARY_EDITORS = (Role.COMPETENCY_MANAGER,)


def can_edit_dictionary(user: Any) -> bool:
    return is_system(user) or has_role(user, *DICTIONARY_EDITORS)


def require_dictionary_editor(actor: Any) -> None:
    if not can_edit_dictionary(actor):
        raise PermissionDenied("Only competency managers and administrators may change a dictionary.")

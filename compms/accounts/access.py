"""Kept so older imports work: the access rules live in `compms.access` (roles in `compms.access.base`,
dictionaries in `compms.access.frameworks`)."""

from compms.access.base import has_role, require_role, role_required
from compms.access.frameworks import DICTIONARY_EDITORS, can_edit_dictionary

__all__ = ["DICTIONARY_EDITORS", "can_edit_dictionary", "has_role", "require_role", "role_required"]

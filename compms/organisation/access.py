"""Kept so older imports work: who may see which people is decided in `compms.access.people`."""

from compms.access.base import person_of
from compms.access.people import (
    ORGANISATION_EDITORS,
    ROLE_EDITORS,
    SEES_EVERYONE,
    can_edit_organisation,
    can_edit_roles,
    can_read_organisation,
    can_see_person,
    require_organisation_editor,
    require_organisation_reader,
    require_person_visible,
    require_role_editor,
    restrict_people,
    visible_people,
)

__all__ = ["ORGANISATION_EDITORS", "ROLE_EDITORS", "SEES_EVERYONE", "can_edit_organisation", "can_edit_roles",
           "can_read_organisation", "can_see_person", "person_of", "require_organisation_editor",
           "require_organisation_reader", "require_person_visible", "require_role_editor", "restrict_people",
           "visible_people"]

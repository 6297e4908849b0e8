"""Gap reports: HR and administrators (and the system) report on the whole organisation, a manager on
their own reports; anyone with a CompMS role compares a person they may see (themselves) with a role."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from compms.access.base import has_role, is_system
from compms.accounts.models import Role


def can_view_reports(user: Any) -> bool:
    """Who may open organisation, unit and team gap reports."""
    return is_system(user) or has_role(user, Role.HR, Role.MANAGER)


def require_report_viewer(actor: Any) -> None:
    if not can_view_reports(actor):
        raise PermissionDenied("Gap reports are for HR and managers; you can compare yourself with a role.")

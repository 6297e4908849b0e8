"""Who may read and change strategy: objectives, targets and scenarios (pages, API and exports call it).

- HR and administrators (and the system actor) write objectives, targets and scenarios.
- HR, competency managers and managers read every objective, its gap figures and every scenario, and
  may evaluate scenarios (evaluating writes nothing).
- Everyone else (employees, assessors, log-ins without a role) is refused (403).

Why managers see all objectives, not only those scoped to their own subtree: objectives state where the
whole organisation is heading, and managers are the ones who turn the pipeline into development needs,
often for targets set above their own unit. The strategy figures are counts only; no page, export or
endpoint here lists people by name.

`None` is not a trusted caller: every check here refuses it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from compms.access.base import has_role, is_system
from compms.accounts.models import Role

STRATEGY_EDITORS = (Role.HR,)
STRATEGY_READERS = (Role.HR, Role.COMPETENCY_MANAGER, Role.MANAGER)


def can_read_strategy(user: Any) -> bool:
    return is_system(user) or has_role(user, *STRATEGY_READERS)


def can_edit_strategy(user: Any) -> bool:
    return is_system(user) or has_role(user, *STRATEGY_EDITORS)


def require_strategy_reader(user: Any) -> None:
    if not can_read_strategy(user):
        raise PermissionDenied("Strategy is open to HR, competency managers and managers.")


def require_strategy_editor(actor: Any) -> None:
    if not can_edit_strategy(actor):
        raise PermissionDenied("Only HR and administrators may change objectives, targets and scenarios.")

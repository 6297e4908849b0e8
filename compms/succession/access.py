"""Succession access now lives in `compms.access.succession` (the one place for access rules); this
module re-exports it for the succession app's own imports."""

from compms.access.base import is_hr
from compms.access.succession import (
    can_run_succession,
    can_see_careers,
    can_see_succession,
    key_positions_in_scope,
    manages_person,
    may_set_goals,
    require_hr,
    require_manages,
    require_succession_reader,
    sees_all_succession,
    succession_people,
    succession_person_pks,
    visible_indices,
)

__all__ = ["can_run_succession", "can_see_careers", "can_see_succession", "is_hr", "key_positions_in_scope",
           "manages_person", "may_set_goals", "require_hr", "require_manages", "require_succession_reader",
           "sees_all_succession", "succession_people", "succession_person_pks", "visible_indices"]

"""Strategy access now lives in `compms.access.strategy` (the one place for access rules); this module
re-exports it for the strategy app's own imports."""

from compms.access.strategy import (
    STRATEGY_EDITORS,
    STRATEGY_READERS,
    can_edit_strategy,
    can_read_strategy,
    require_strategy_editor,
    require_strategy_reader,
)

__all__ = ["STRATEGY_EDITORS", "STRATEGY_READERS", "can_edit_strategy", "can_read_strategy",
           "require_strategy_editor", "require_strategy_reader"]

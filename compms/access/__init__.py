"""Who may see and do what: the one place for every access rule in CompMS.

Pages, API endpoints, exports and commands all ask this package; no other module decides access.

- `base`: the actors and the named predicates every rule is built from (is HR, sees everyone,
  manages this person, the person behind a log-in, the system actor for trusted internal callers).
- one module per object kind (`people`, and more as they move here), each with a `restrict_*`
  function that narrows any queryset to what the user may see, as NetBox's `restrict()` does, and
  `can_*` / `require_*` checks for single objects.

The trusted internal caller (the command line, the demo builder, scheduled jobs) passes `SYSTEM`
as its actor. `None` is not a trusted caller: a check given `None` refuses, so a forgotten actor can
never open a door.
"""

from compms.access.base import (
    SYSTEM,
    SystemActor,
    has_role,
    is_hr,
    is_system,
    is_user,
    manages,
    person_of,
    reports_prefix,
    sees_everyone,
)

__all__ = ["SYSTEM", "SystemActor", "has_role", "is_hr", "is_system", "is_user", "manages", "person_of",
           "reports_prefix", "sees_everyone"]

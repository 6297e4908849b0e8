"""Who may see and do what: the one place for every access rule in CompMS.

Pages, API endpoints, exports and commands all ask this package; no other module decides access.

- `base`: the actors and the named predicates every rule is built from (is HR, sees everyone,
  manages this person, the person behind a log-in, the system actor for trusted internal callers).
- one module per object kind (`people`, `evidence`, `training`, `campaigns`, `logbook`, `reports`,
  `frameworks`, and `succession`, `development`, `strategy`), each with a `restrict_*`
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
    is_admin,
    is_hr,
    is_system,
    is_user,
    manages,
    person_of,
    person_scope,
    reports_prefix,
    require_actor,
    require_role,
    restrict_by_person,
    role_required,
    sees_everyone,
    sees_person,
    user_or_none,
)

__all__ = ["SYSTEM", "SystemActor", "has_role", "is_admin", "is_hr", "is_system", "is_user", "manages", "person_of",
           "person_scope", "reports_prefix", "require_actor", "require_role", "restrict_by_person", "role_required",
           "sees_everyone", "sees_person", "user_or_none"]

"""Organisation imports and exports: units, roles, people, requirements and DACUM charts, as CSV or .xlsx.

Every import is all-or-nothing: all rows are checked first, against lookups loaded in bulk (never a
query per row), and ImportFailed lists every bad row; only then is anything written, set-based
(bulk_create / bulk_update in batches, audit with record_many), inside one transaction. Imports are
idempotent: rows are matched by their external id (unit_id, role_id, employee_id; requirements by
role, competency and context; duties and tasks by title within their role), so importing the same
file twice changes nothing the second time. Each export writes the columns its import reads, so
export-then-import is a round trip. Columns are documented in docs/import-formats.md.

Each format is also a plain function (import_units, export_people, ...) for the web pages and the API.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils import timezone

from compms.access.people import (
    require_organisation_editor,
    require_organisation_reader,
    require_role_editor,
    visible_people,
)
from compms.accounts.models import User
from compms.accounts.services import end_access
from compms.audit.services import record_many
from compms.frameworks.models import Competency, Framework, FrameworkVersion
from compms.interop.base import (
    TABLE_CONTENT_TYPES,
    ExportFormat,
    ImportFailed,
    ImportFormat,
    ImportResult,
    RowError,
    TableRow,
    read_table,
    write_table,
)
from compms.organisation.models import (
    Context,
    Duty,
    Person,
    PersonMove,
    Position,
    Requirement,
    Role,
    Task,
    TaskCompetency,
    Unit,
)
from compms.organisation.services import (
    competency_max_levels,
    derive_profiles,
    derived_needs,
    new_position_id,
)

K = TypeVar("K", bound=Hashable)
BATCH = 1000

UNIT_COLUMNS = ("unit_id", "name", "parent_id")
ROLE_COLUMNS = ("role_id", "name", "family", "grade", "purpose")
PEOPLE_COLUMNS = ("employee_id", "name", "email", "unit_id", "manager_id", "role_id", "start_date")
PEOPLE_EXTRA_COLUMNS = ("left_on", "username")
REQUIREMENT_COLUMNS = ("role_id", "framework", "competency_code", "level", "criticality", "context")
REQUIREMENT_EXTRA_COLUMNS = ("note",)
DACUM_COLUMNS = ("role_id", "duty", "task", "framework", "competency_code", "level", "standard")
DACUM_EXTRA_COLUMNS = ("frequency", "importance")

TABLE_FORMAT_OPTION = ("--format", {"dest": "table_format", "choices": ["csv", "xlsx"], "default": "csv",
                                    "help": "csv (default) or xlsx"})


# ---------------------------------------------------------------- shared helpers

class RowErrors:
    """Collects every problem before anything is written."""

    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(self, row: int | None, column: str, message: str) -> None:
        self.items.append(RowError(row, column, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportFailed(sorted(self.items, key=lambda e: (e.row or 0, e.field)))


def _options(options: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return options or {}


def _table(path: Path | str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> tuple[
        list[TableRow], set[str]]:
    """The rows, and the columns the file has (an optional column left out leaves its field alone)."""
    rows = read_table(path, required, optional)
    # Every row carries every header name, so the first row tells which columns the file has.
    return rows, (set(rows[0].values) if rows else set()) | set(required)


def parse_date(value: str) -> dt.date:
    # A date-and-time (from a spreadsheet cell) counts by its date.
    return dt.date.fromisoformat(value.strip().split("T")[0])


def _date(errors: RowErrors, row: TableRow, column: str) -> dt.date | None:
    value = row.get(column)
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        errors.add(row.number, column, f"{value!r} is not a date (use YYYY-MM-DD)")
        return None


def _too_long(errors: RowErrors, row: TableRow, column: str, limit: int) -> bool:
    if len(row.get(column)) > limit:
        errors.add(row.number, column, f"at most {limit} characters")
        return True
    return False


def find_cycles(parent_of: Mapping[K, K | None], starts: Iterable[K]) -> list[list[K]]:
    """Loops in a parent map (unit -> parent unit, person -> manager), each as the list of its members."""
    state: dict[K, int] = {}  # 1: on the walk being followed; 2: finished
    cycles: list[list[K]] = []
    for start in starts:
        walk: list[K] = []
        node: K | None = start
        while node is not None and node not in state:
            state[node] = 1
            walk.append(node)
            node = parent_of.get(node)
        if node is not None and state.get(node) == 1:
            cycles.append(walk[walk.index(node):])
        for member in walk:
            state[member] = 2
    return cycles


def chain_paths(parent_of: Mapping[int, int | None]) -> dict[int, str]:
    """For each id, the ids from the top of its chain down to itself: "/1/5/9/" (no loops allowed)."""
    paths: dict[int, str] = {}
    for start in parent_of:
        chain: list[int] = []
        node: int | None = start
        while node is not None and node not in paths:
            chain.append(node)
            node = parent_of.get(node)
        base = paths[node] if node is not None else "/"
        for member in reversed(chain):
            base = f"{base}{member}/"
            paths[member] = base
    return paths


def _summary(noun: str, created: int, updated: int, unchanged: int, extra: str = "") -> ImportResult:
    line = f"{noun}: {created} created, {updated} updated, {unchanged} unchanged"
    return ImportResult(summary=[line + (f"; {extra}" if extra else "")],
                        counts={"created": created, "updated": updated, "unchanged": unchanged})


def _table_export(name: str, columns: list[str], rows: list[list[Any]], table_format: str) -> tuple[
        bytes, str, str]:
    table_format = table_format if table_format in TABLE_CONTENT_TYPES else "csv"
    return write_table(columns, rows, table_format), f"{name}.{table_format}", TABLE_CONTENT_TYPES[table_format]


def _check_reader(actor: Any) -> None:
    # The command line passes SYSTEM and exports everything; None is refused like anyone without a role.
    require_organisation_reader(actor)


def _audit(actor: Any, action: str, entries: list[dict[str, Any]]) -> None:
    if entries:
        record_many(actor, action, entries)


def _entry(obj_type: str, obj_id: Any, label: str, before: Any = None, after: Any = None,
           note: str = "") -> dict[str, Any]:
    return {"object_type": f"organisation.{obj_type}", "object_id": obj_id, "object_repr": label,
            "before": before, "after": after, "note": note}


def _latest_published_versions() -> dict[int, tuple[int, int]]:
    """framework id -> (version id, version number) of its latest published version."""
    latest: dict[int, tuple[int, int]] = {}
    for framework_id, version_id, number in FrameworkVersion.objects.filter(
            status=FrameworkVersion.Status.PUBLISHED).values_list("framework_id", "pk", "number"):
        if framework_id not in latest or number > latest[framework_id][1]:
            latest[framework_id] = (version_id, number)
    return latest


@dataclass(frozen=True)
class CompetencyRef:
    pk: int
    uuid: Any
    code: str
    kind: str
    top_level: int


class CompetencyLookup:
    """Resolves (framework code or CASE id, competency code) to a competency of the framework's latest
    published version, with its scale's top level: three queries for the whole file."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.frameworks: dict[str, tuple[int, str]] = {}
        for pk, code, case_id in Framework.objects.values_list("pk", "code", "case_identifier"):
            self.frameworks[code] = (pk, code)
            self.frameworks[str(case_id).lower()] = (pk, code)
        self.latest = _latest_published_versions()
        wanted_versions: set[int] = set()
        for framework_ref, _code in pairs:
            found = self.frameworks.get(framework_ref) or self.frameworks.get(framework_ref.lower())
            if found and found[0] in self.latest:
                wanted_versions.add(self.latest[found[0]][0])
        self.by_version_code: dict[tuple[int, str], CompetencyRef] = {}
        rows = list(Competency.objects.filter(version_id__in=wanted_versions).values_list(
            "pk", "version_id", "code", "uuid", "kind")) if wanted_versions else []
        tops = competency_max_levels(r[0] for r in rows)
        for pk, version_id, code, uuid, kind in rows:
            self.by_version_code[(version_id, code)] = CompetencyRef(pk, uuid, code, kind, tops.get(pk, 0))

    def resolve(self, errors: RowErrors, row: TableRow, framework_ref: str, code: str) -> CompetencyRef | None:
        found = self.frameworks.get(framework_ref) or self.frameworks.get(framework_ref.lower())
        if found is None:
            errors.add(row.number, "framework", f"no framework with code or CASE identifier {framework_ref!r}")
            return None
        framework_id, framework_code = found
        if framework_id not in self.latest:
            errors.add(row.number, "framework", f"{framework_code} has no published version yet")
            return None
        version_id, number = self.latest[framework_id]
        ref = self.by_version_code.get((version_id, code))
        if ref is None:
            errors.add(row.number, "competency_code", f"{code!r} is not a competency of {framework_code} "
                                                      f"v{number} (the latest published version)")
        return ref


def _level(errors: RowErrors, row: TableRow, competency: CompetencyRef | None) -> int | None:
    value = row.get("level")
    if not value:
        errors.add(row.number, "level", "a level is needed")
        return None
    try:
        level = int(value)
    except ValueError:
        errors.add(row.number, "level", f"{value!r} is not a whole number")
        return None
    if competency is not None and not 1 <= level <= competency.top_level:
        errors.add(row.number, "level", f"level {level} is outside the scale of {competency.code} "
                                        f"(1 to {competency.top_level})")
        return None
    return level


# ---------------------------------------------------------------- units

@transaction.atomic
def import_units(path: Path | str, actor: Any, options: Mapping[str, Any] | None = None) -> ImportResult:
    """unit_id, name, parent_id. Parents may come later in the file; loops are refused."""
    require_organisation_editor(actor)
    rows, columns = _table(path, ("unit_id", "name"), ("parent_id",))
    errors = RowErrors()
    units = {u.external_id: u for u in Unit.objects.all()}
    external_of = {u.pk: u.external_id for u in units.values()}
    first_row: dict[str, int] = {}
    wanted: dict[str, tuple[TableRow, str, str | None]] = {}
    for row in rows:
        unit_id, name = row.get("unit_id"), row.get("name")
        if not unit_id:
            errors.add(row.number, "unit_id", "a unit id is needed")
            continue
        if unit_id in first_row:
            errors.add(row.number, "unit_id", f"{unit_id!r} is already on row {first_row[unit_id]}")
            continue
        first_row[unit_id] = row.number
        _too_long(errors, row, "unit_id", 64)
        if not name:
            errors.add(row.number, "name", "a name is needed")
        _too_long(errors, row, "name", 300)
        if "parent_id" in columns:
            parent: str | None = row.get("parent_id") or None
        else:
            existing = units.get(unit_id)
            parent = external_of.get(existing.parent_id) if existing and existing.parent_id else None
        wanted[unit_id] = (row, name, parent)
    for unit_id, (row, _name, parent) in wanted.items():
        if parent == unit_id:
            errors.add(row.number, "parent_id", "a unit cannot be its own parent")
        elif parent and parent not in wanted and parent not in units:
            errors.add(row.number, "parent_id", f"no unit {parent!r} in the file or in CompMS")
    errors.raise_if_any()
    parent_of: dict[str, str | None] = {ext: external_of.get(u.parent_id) if u.parent_id else None
                                        for ext, u in units.items()}
    parent_of.update({unit_id: parent for unit_id, (_row, _name, parent) in wanted.items()})
    for cycle in find_cycles(parent_of, wanted):
        loop = " > ".join([*cycle, cycle[0]])
        for unit_id in cycle:
            if unit_id in wanted:
                errors.add(wanted[unit_id][0].number, "parent_id", f"units would sit under each other: {loop}")
    errors.raise_if_any()

    # What each existing unit looked like, for the audit, before anything changes.
    old_state = {ext: {"name": u.name, "parent": external_of.get(u.parent_id) if u.parent_id else None}
                 for ext, u in units.items()}
    new_units = [Unit(external_id=unit_id, name=name, path="", depth=0)
                 for unit_id, (_row, name, _parent) in wanted.items() if unit_id not in units]
    Unit.objects.bulk_create(new_units, batch_size=BATCH)
    units.update({u.external_id: u for u in new_units})
    pk_of = {ext: u.pk for ext, u in units.items()}
    parent_pk_of = {ext: pk_of[parent_of[ext]] if parent_of.get(ext) else None for ext in units}
    paths = chain_paths({u.pk: parent_pk_of[ext] for ext, u in units.items()})
    to_save: list[Unit] = []
    updated_entries: list[dict[str, Any]] = []
    for ext, unit in units.items():
        name = wanted[ext][1] if ext in wanted else unit.name
        path_now = paths[unit.pk]
        state_before = (unit.name, unit.parent_id, unit.path, unit.depth)
        unit.name, unit.parent_id, unit.path, unit.depth = name, parent_pk_of[ext], path_now, path_now.count("/") - 2
        if state_before != (unit.name, unit.parent_id, unit.path, unit.depth):
            to_save.append(unit)  # new units, and any unit below a moved one, get their path here
        after = {"name": unit.name, "parent": parent_of.get(ext)}
        if ext in old_state and ext in wanted and old_state[ext] != after:
            updated_entries.append(_entry("unit", unit.pk, unit.name, before=old_state[ext], after=after))
    Unit.objects.bulk_update(to_save, ["name", "parent", "path", "depth"], batch_size=BATCH)
    _audit(actor, "unit.create", [_entry("unit", u.pk, u.name, after={"external_id": u.external_id, "name": u.name,
                                                                      "parent": parent_of.get(u.external_id)})
                                  for u in new_units])
    _audit(actor, "unit.update", updated_entries)
    return _summary("units", len(new_units), len(updated_entries),
                    len(wanted) - len(new_units) - len(updated_entries))


def export_units(actor: Any, table_format: str = "csv") -> tuple[bytes, str, str]:
    """Parents before their children, so the file imports in one pass."""
    _check_reader(actor)
    external_of = dict(Unit.objects.values_list("pk", "external_id"))
    rows = [[ext, name, external_of.get(parent_id, "") if parent_id else ""]
            for ext, name, parent_id in Unit.objects.order_by("path").values_list("external_id", "name", "parent_id")]
    return _table_export("units", list(UNIT_COLUMNS), rows, table_format)


# ---------------------------------------------------------------- roles

@transaction.atomic
def import_roles(path: Path | str, actor: Any, options: Mapping[str, Any] | None = None) -> ImportResult:
    """role_id, name, family, grade, purpose. A column left out of the file leaves that field alone."""
    require_role_editor(actor)
    rows, columns = _table(path, ("role_id", "name"), ("family", "grade", "purpose"))
    errors = RowErrors()
    roles = {r.external_id: r for r in Role.objects.all()}
    first_row: dict[str, int] = {}
    fields = [c for c in ("name", "family", "grade", "purpose") if c in columns]
    for row in rows:
        role_id = row.get("role_id")
        if not role_id:
            errors.add(row.number, "role_id", "a role id is needed")
            continue
        if role_id in first_row:
            errors.add(row.number, "role_id", f"{role_id!r} is already on row {first_row[role_id]}")
            continue
        first_row[role_id] = row.number
        if not row.get("name"):
            errors.add(row.number, "name", "a name is needed")
        for column, limit in (("role_id", 64), ("name", 300), ("family", 200), ("grade", 60)):
            _too_long(errors, row, column, limit)
    errors.raise_if_any()
    created: list[Role] = []
    updated: list[tuple[Role, dict[str, str]]] = []
    for row in rows:
        role = roles.get(row.get("role_id"))
        if role is None:
            created.append(Role(external_id=row.get("role_id"), **{f: row.get(f) for f in fields}))
            continue
        before = {f: getattr(role, f) for f in fields}
        if any(before[f] != row.get(f) for f in fields):
            for f in fields:
                setattr(role, f, row.get(f))
            updated.append((role, before))
    Role.objects.bulk_create(created, batch_size=BATCH)
    Role.objects.bulk_update([r for r, _b in updated], fields, batch_size=BATCH)
    _audit(actor, "role.create", [_entry("role", r.pk, r.name, after={"external_id": r.external_id,
                                                                      **{f: getattr(r, f) for f in fields}})
                                  for r in created])
    _audit(actor, "role.update", [_entry("role", r.pk, r.name, before=b, after={f: getattr(r, f) for f in fields})
                                  for r, b in updated])
    return _summary("roles", len(created), len(updated), len(rows) - len(created) - len(updated))


def export_roles(actor: Any, table_format: str = "csv") -> tuple[bytes, str, str]:
    _check_reader(actor)
    roles = Role.objects.order_by("external_id").values_list("external_id", *ROLE_COLUMNS[1:])
    rows = [list(values) for values in roles]
    return _table_export("roles", list(ROLE_COLUMNS), rows, table_format)


# ---------------------------------------------------------------- people

@dataclass
class _PersonRow:
    row: TableRow
    employee_id: str
    name: str
    email: str | None  # None: column absent, leave alone
    unit_pk: int
    manager_id: str | None
    role_pk: int | None
    start_date: dt.date | None
    left_on: dt.date | None
    user_pk: int | None


@dataclass
class _PeopleWork:
    """What the people import will write, gathered before writing."""

    moves: list[PersonMove] = field(default_factory=list)
    audit: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    positions_filled: int = 0
    positions_created: int = 0
    positions_vacated: int = 0


@transaction.atomic
def import_people(path: Path | str, actor: Any, options: Mapping[str, Any] | None = None) -> ImportResult:
    """employee_id, name, email, unit_id, manager_id, role_id, start_date (+ left_on, username).

    Managers may come later in the file; manager loops are refused. Changes of unit or manager of
    someone already in CompMS are recorded as moves, effective on options["effective_on"] (default
    today). role_id puts the person in a position of that role in their unit, reusing a vacant one
    before creating a new one, and ends the other positions they held. left_on marks a leaver.
    """
    require_organisation_editor(actor)
    opts = _options(options)
    effective_on = opts.get("effective_on") or timezone.localdate()
    if isinstance(effective_on, str):
        try:
            effective_on = parse_date(effective_on)
        except ValueError:
            raise ImportFailed([RowError(None, "effective_on", f"{effective_on!r} is not a date (use YYYY-MM-DD)")]) \
                from None
    rows, columns = _table(path, ("employee_id", "name", "unit_id"),
                           ("email", "manager_id", "role_id", "start_date", *PEOPLE_EXTRA_COLUMNS))
    errors = RowErrors()
    units = {ext: (pk, name) for pk, ext, name in Unit.objects.values_list("pk", "external_id", "name")}
    roles = {ext: pk for pk, ext in Role.objects.values_list("pk", "external_id")}
    people = {p.employee_id: p for p in Person.objects.all()}
    users = dict(User.objects.values_list("username", "pk")) if "username" in columns else {}
    person_of_user = {p.user_id: p.employee_id for p in people.values() if p.user_id}
    employee_of = {p.pk: p.employee_id for p in people.values()}

    first_row: dict[str, int] = {}
    user_row: dict[int, int] = {}
    wanted: dict[str, _PersonRow] = {}
    for row in rows:
        employee_id = row.get("employee_id")
        if not employee_id:
            errors.add(row.number, "employee_id", "an employee id is needed")
            continue
        if employee_id in first_row:
            errors.add(row.number, "employee_id", f"duplicate employee id {employee_id!r} (already on row "
                                                  f"{first_row[employee_id]})")
            continue
        first_row[employee_id] = row.number
        _too_long(errors, row, "employee_id", 64)
        name = row.get("name")
        if not name:
            errors.add(row.number, "name", "a name is needed")
        _too_long(errors, row, "name", 300)
        email = row.get("email") if "email" in columns else None
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors.add(row.number, "email", f"{email!r} is not an e-mail address")
        unit = units.get(row.get("unit_id"))
        if not row.get("unit_id"):
            errors.add(row.number, "unit_id", "a unit is needed")
        elif unit is None:
            errors.add(row.number, "unit_id", f"no unit {row.get('unit_id')!r} (import units first)")
        role_pk = None
        if row.get("role_id"):
            role_pk = roles.get(row.get("role_id"))
            if role_pk is None:
                errors.add(row.number, "role_id", f"no role {row.get('role_id')!r} (import roles first)")
        user_pk = None
        if row.get("username"):
            user_pk = users.get(row.get("username"))
            if user_pk is None:
                errors.add(row.number, "username", f"no log-in named {row.get('username')!r}")
            elif user_pk in user_row:
                errors.add(row.number, "username", f"{row.get('username')!r} is already on row {user_row[user_pk]}")
            elif person_of_user.get(user_pk, employee_id) != employee_id:
                errors.add(row.number, "username", f"{row.get('username')!r} is linked to employee "
                                                   f"{person_of_user[user_pk]}")
            if user_pk is not None:
                user_row.setdefault(user_pk, row.number)
        if "manager_id" in columns:
            manager_id = row.get("manager_id")
        else:  # column left out: keep the manager someone already has
            current = people.get(employee_id)
            manager_id = employee_of.get(current.manager_id) if current and current.manager_id else None
        wanted[employee_id] = _PersonRow(
            row=row, employee_id=employee_id, name=name, email=email, unit_pk=unit[0] if unit else 0,
            manager_id=manager_id or None, role_pk=role_pk, start_date=_date(errors, row, "start_date"),
            left_on=_date(errors, row, "left_on"), user_pk=user_pk)
    for employee_id, item in wanted.items():
        started = item.start_date or (people[employee_id].start_date if employee_id in people else None)
        if item.left_on and started and item.left_on < started:
            errors.add(item.row.number, "left_on", f"{item.left_on} is before start_date {started}")
        if item.manager_id == employee_id:
            errors.add(item.row.number, "manager_id", "a person cannot be their own manager")
        elif item.manager_id and item.manager_id not in wanted and item.manager_id not in people:
            errors.add(item.row.number, "manager_id", f"unknown manager {item.manager_id!r}: not in the file "
                                                      "nor in CompMS")
    errors.raise_if_any()
    manager_of: dict[str, str | None] = {emp: employee_of.get(p.manager_id) if p.manager_id else None
                                         for emp, p in people.items()}
    manager_of.update({emp: item.manager_id for emp, item in wanted.items()})
    for cycle in find_cycles(manager_of, wanted):
        loop = " > ".join([*cycle, cycle[0]])
        for employee_id in cycle:
            if employee_id in wanted:
                errors.add(wanted[employee_id].row.number, "manager_id", f"managers would report to each other: {loop}")
    errors.raise_if_any()
    leaving = {emp for emp, item in wanted.items() if item.left_on and (emp not in people or people[emp].active)}
    _hand_over_teams(manager_of, leaving)

    work = _PeopleWork()
    created = _create_people(wanted, people, manager_of, effective_on, actor, work, units)
    updated = _update_people(wanted, people, manager_of, created, effective_on, actor, work, units)
    _place_in_positions(wanted, people, {p.employee_id for p in created}, effective_on, actor, work, units)
    _mark_leavers(wanted, people, actor, work, units)
    # Same as a leave recorded by hand: the leavers' log-ins, sessions and tokens end with this import.
    end_access([people[emp].user_id for emp in leaving if people[emp].user_id], actor,
               reason=f"left (people import, {len(leaving)} leavers)")
    PersonMove.objects.bulk_create(work.moves, batch_size=BATCH)
    for action, entries in work.audit.items():
        _audit(actor, action, entries)
    extra = (f"{len(work.moves)} history entries; positions: {work.positions_filled} filled "
             f"({work.positions_created} new), {work.positions_vacated} vacated")
    return _summary("people", len(created), len(updated), len(wanted) - len(created) - len(updated), extra)


def _hand_over_teams(manager_of: dict[str, str | None], leaving: set[str]) -> None:
    """Whoever still reports to a leaver once the file is in (their own row, if any, named no one else) moves
    to the leaver's own manager, or the first one up the chain who stays; nobody above: unmanaged, seen by
    HR. A row naming a new manager is how a file hands a team to a successor. Pointing someone at an
    ancestor can never make a loop."""
    if not leaving:
        return
    original = dict(manager_of)
    for emp, manager in original.items():
        while manager is not None and manager in leaving:
            manager = original.get(manager)
        manager_of[emp] = manager


def _person_label(person: Person | None) -> str:
    return f"{person.name} ({person.employee_id})" if person is not None else ""


class _UnitLabels:
    def __init__(self, units: Mapping[str, tuple[int, str]]) -> None:
        self.by_pk = {pk: f"{name} ({ext})" for ext, (pk, name) in units.items()}

    def __call__(self, pk: int | None) -> str:
        return self.by_pk.get(pk, "") if pk else ""


def _create_people(wanted: dict[str, _PersonRow], people: dict[str, Person], manager_of: dict[str, str | None],
                   effective_on: dt.date, actor: Any, work: _PeopleWork,
                   units: Mapping[str, tuple[int, str]]) -> list[Person]:
    """New people, created level by level down the manager tree so each knows its manager's id and
    manager path at creation: a handful of bulk inserts, whatever the size of the file."""
    label = _UnitLabels(units)
    pending = [emp for emp in wanted if emp not in people]
    created: list[Person] = []
    recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    chains: dict[str, str] = {}

    def chain(emp: str) -> str:
        """The manager_path of emp's direct reports, as it will be once this file is in."""
        if emp not in chains:
            walk: list[str] = []
            node: str | None = emp
            while node is not None and node not in chains:
                walk.append(node)
                node = manager_of.get(node)
            base = chains[node] if node is not None else "/"
            for member in reversed(walk):
                base = f"{base}{people[member].pk}/"
                chains[member] = base
        return chains[emp]

    while pending:
        ready = [emp for emp in pending if not manager_of.get(emp) or manager_of[emp] in people]
        if not ready:  # cannot happen once loops are refused; kept so a bug cannot spin forever
            raise RuntimeError("manager chain could not be resolved")
        level: list[Person] = []
        for emp in ready:
            item = wanted[emp]
            manager_emp = manager_of.get(emp)
            level.append(Person(employee_id=emp, name=item.name, email=item.email or "", unit_id=item.unit_pk,
                                manager=people[manager_emp] if manager_emp else None,
                                manager_path=chain(manager_emp) if manager_emp else "",
                                start_date=item.start_date, user_id=item.user_pk))
        Person.objects.bulk_create(level, batch_size=BATCH)
        for person in level:
            people[person.employee_id] = person
        created += level
        ready_set = set(ready)
        pending = [emp for emp in pending if emp not in ready_set]
    for person in created:
        work.moves.append(PersonMove(person=person, kind=PersonMove.Kind.JOINED,
                                     effective_on=person.start_date or effective_on,
                                     to_value=label(person.unit_id), recorded_by=recorded_by))
        work.audit["person.create"].append(_entry("person", person.pk, str(person), after={
            "employee_id": person.employee_id, "name": person.name, "email": person.email,
            "unit": person.unit_id, "manager": manager_of.get(person.employee_id), "start_date": person.start_date}))
    return created


def _update_people(wanted: dict[str, _PersonRow], people: dict[str, Person], manager_of: dict[str, str | None],
                   created: list[Person], effective_on: dt.date, actor: Any, work: _PeopleWork,
                   units: Mapping[str, tuple[int, str]]) -> list[Person]:
    """Changed details of people already in CompMS, their moves, and everyone's manager path."""
    label = _UnitLabels(units)
    recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    created_ids = {p.employee_id for p in created}
    pk_of = {emp: p.pk for emp, p in people.items()}
    by_pk = {p.pk: p for p in people.values()}
    chains = chain_paths({p.pk: (pk_of[manager_of[emp]] if manager_of.get(emp) else None)
                          for emp, p in people.items()})
    updated: list[Person] = []
    to_save: list[Person] = []
    for emp, person in people.items():
        manager_pk = pk_of[manager_of[emp]] if manager_of.get(emp) else None
        manager_path = chains[manager_pk] if manager_pk else ""
        item = wanted.get(emp)
        changed_paths = person.manager_path != manager_path
        person.manager_path = manager_path
        if item is None and emp not in created_ids and manager_pk != person.manager_id:
            # Not in the file, but their manager leaves in it: they move to whoever takes the team.
            work.moves.append(PersonMove(
                person=person, kind=PersonMove.Kind.MANAGER, effective_on=effective_on,
                from_value=_person_label(by_pk.get(person.manager_id)),
                to_value=_person_label(by_pk.get(manager_pk)), recorded_by=recorded_by))
            work.audit["person.move"].append(_entry("person", person.pk, str(person),
                                                    before={"manager": person.manager_id},
                                                    after={"manager": manager_pk}, note="their manager left"))
            person.manager_id = manager_pk
            to_save.append(person)
            continue
        if item is None or emp in created_ids:
            if changed_paths:
                to_save.append(person)
            continue
        before = {"name": person.name, "email": person.email, "unit": person.unit_id, "manager": person.manager_id,
                  "start_date": person.start_date, "user": person.user_id}
        if item.unit_pk != person.unit_id:
            work.moves.append(PersonMove(person=person, kind=PersonMove.Kind.UNIT, effective_on=effective_on,
                                         from_value=label(person.unit_id), to_value=label(item.unit_pk),
                                         recorded_by=recorded_by))
            person.unit_id = item.unit_pk
        if manager_pk != person.manager_id:
            work.moves.append(PersonMove(
                person=person, kind=PersonMove.Kind.MANAGER, effective_on=effective_on,
                from_value=_person_label(by_pk.get(person.manager_id)),
                to_value=_person_label(by_pk.get(manager_pk)), recorded_by=recorded_by))
            person.manager_id = manager_pk
        person.name = item.name
        if item.email is not None:
            person.email = item.email
        if "start_date" in item.row.values:
            person.start_date = item.start_date
        if "username" in item.row.values:
            person.user_id = item.user_pk
        after = {"name": person.name, "email": person.email, "unit": person.unit_id, "manager": person.manager_id,
                 "start_date": person.start_date, "user": person.user_id}
        if after != before:
            updated.append(person)
            work.audit["person.update"].append(_entry("person", person.pk, str(person), before=before, after=after))
        if after != before or changed_paths:
            to_save.append(person)
    Person.objects.bulk_update(to_save, ["name", "email", "unit", "manager", "manager_path", "start_date", "user"],
                               batch_size=BATCH)
    return updated


def _place_in_positions(wanted: dict[str, _PersonRow], people: dict[str, Person], created: set[str],
                        effective_on: dt.date, actor: Any, work: _PeopleWork,
                        units: Mapping[str, tuple[int, str]]) -> None:
    """role_id: the person holds a position of that role in their unit; other positions they held end.
    Vacated seats are reused before new ones are made, so people swapping seats need no new positions."""
    recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    role_names = dict(Role.objects.values_list("pk", "name"))
    unit_names = {pk: name for _ext, (pk, name) in units.items()}

    def seat_label(role_pk: int, unit_pk: int, title: str) -> str:
        return (title or f"{role_names.get(role_pk, '')} in {unit_names.get(unit_pk, '')}")[:300]

    placing = {emp: item for emp, item in wanted.items() if item.role_pk and not item.left_on}
    if not placing:
        return
    positions = list(Position.objects.all())
    held: dict[int, list[Position]] = defaultdict(list)
    vacant: dict[tuple[int, int], list[Position]] = defaultdict(list)
    for position in sorted(positions, key=lambda p: p.pk):
        if position.holder_id:
            held[position.holder_id].append(position)
        else:
            vacant[(position.role_id, position.unit_id)].append(position)
    changed: dict[int, Position] = {}
    needs_seat: list[tuple[Person, tuple[int, int]]] = []
    for emp, item in placing.items():
        person = people[emp]
        if not person.active:
            continue
        target = (item.role_pk, person.unit_id)
        holding = held.get(person.pk, [])
        keep = next((p for p in holding if (p.role_id, p.unit_id) == target), None)
        for position in holding:
            if position is keep:
                continue
            work.moves.append(PersonMove(person=person, kind=PersonMove.Kind.POSITION_END, effective_on=effective_on,
                                         from_value=seat_label(position.role_id, position.unit_id, position.title),
                                         position=position, recorded_by=recorded_by))
            work.audit["position.vacate"].append(_entry("position", position.pk, position.external_id, before={
                "holder": emp, "since": position.holder_since}, after={"ended": effective_on}))
            position.holder_id = None
            position.holder_since = None
            changed[position.pk] = position
            vacant[(position.role_id, position.unit_id)].append(position)
            work.positions_vacated += 1
        if keep is None:
            needs_seat.append((person, target))
    new_positions: list[Position] = []
    taken_ids = {p.external_id for p in positions}
    starts: list[tuple[Person, Position, dt.date]] = []
    for person, (role_pk, unit_pk) in needs_seat:
        # Someone new starts in the seat the day they join; a change for someone already here takes
        # effect with the rest of the file.
        since = (person.start_date or effective_on) if person.employee_id in created else effective_on
        pool = vacant.get((role_pk, unit_pk))
        if pool:
            position = pool.pop(0)
            changed[position.pk] = position
        else:
            external_id = new_position_id()
            while external_id in taken_ids:
                external_id = new_position_id()
            taken_ids.add(external_id)
            position = Position(external_id=external_id, role_id=role_pk, unit_id=unit_pk)
            new_positions.append(position)
        position.holder_id = person.pk
        position.holder_since = since
        starts.append((person, position, since))
    Position.objects.bulk_create(new_positions, batch_size=BATCH)
    Position.objects.bulk_update(list(changed.values()), ["holder", "holder_since"], batch_size=BATCH)
    work.positions_created += len(new_positions)
    # One audit row per position: a new seat is recorded with its first holder.
    new_ids = {p.pk for p in new_positions}
    for person, position, since in starts:
        work.moves.append(PersonMove(person=person, kind=PersonMove.Kind.POSITION_START, effective_on=since,
                                     to_value=seat_label(position.role_id, position.unit_id, position.title),
                                     position=position, recorded_by=recorded_by))
        if position.pk in new_ids:
            work.audit["position.create"].append(_entry("position", position.pk, position.external_id, after={
                "external_id": position.external_id, "role": position.role_id, "unit": position.unit_id,
                "holder": person.employee_id, "since": since}))
        else:
            work.audit["position.assign"].append(_entry("position", position.pk, position.external_id,
                                                        after={"holder": person.employee_id, "since": since}))
    work.positions_filled += len(starts)


def _mark_leavers(wanted: dict[str, _PersonRow], people: dict[str, Person], actor: Any, work: _PeopleWork,
                  units: Mapping[str, tuple[int, str]]) -> None:
    """left_on: the person leaves (stays on record, inactive, positions ended). Import never brings a
    leaver back: that is a decision for a person, not a file."""
    label = _UnitLabels(units)
    recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    leaving = {people[emp].pk: (people[emp], item.left_on) for emp, item in wanted.items()
               if item.left_on and (people[emp].active or people[emp].left_on != item.left_on)}
    if not leaving:
        return
    leaver_ids = [pk for pk, (person, _d) in leaving.items() if person.active]
    positions: list[Position] = []
    for start in range(0, len(leaver_ids), 500):
        positions += Position.objects.filter(holder_id__in=leaver_ids[start:start + 500]).select_related(
            "role", "unit")
    for position in positions:
        person, left_on = leaving[position.holder_id]
        work.moves.append(PersonMove(person=person, kind=PersonMove.Kind.POSITION_END, effective_on=left_on,
                                     from_value=str(position)[:300], position=position, recorded_by=recorded_by))
        work.audit["position.vacate"].append(_entry("position", position.pk, position.external_id, before={
            "holder": person.employee_id, "since": position.holder_since}, after={"ended": left_on}))
        position.holder_id = None
        position.holder_since = None
        work.positions_vacated += 1
    Position.objects.bulk_update(positions, ["holder", "holder_since"], batch_size=BATCH)
    for person, left_on in leaving.values():
        if person.active:
            work.moves.append(PersonMove(person=person, kind=PersonMove.Kind.LEFT, effective_on=left_on,
                                         from_value=label(person.unit_id), recorded_by=recorded_by))
        work.audit["person.leave"].append(_entry("person", person.pk, str(person),
                                                 before={"active": person.active, "left_on": person.left_on},
                                                 after={"active": False, "left_on": left_on}))
        person.active = False
        person.left_on = left_on
    Person.objects.bulk_update([p for p, _d in leaving.values()], ["active", "left_on"], batch_size=BATCH)


def export_people(actor: Any, table_format: str = "csv") -> tuple[bytes, str, str]:
    """The people the actor may see (everyone for HR and for SYSTEM, the command line). role_id is
    written for someone holding exactly one position, in their own unit: that is what the import can
    express; people with other arrangements get it blank, which the import
    reads as "leave positions alone"."""
    _check_reader(actor)
    people = visible_people(actor)
    unit_ext = dict(Unit.objects.values_list("pk", "external_id"))
    role_ext = dict(Role.objects.values_list("pk", "external_id"))
    employee_of = dict(Person.objects.values_list("pk", "employee_id"))
    usernames = dict(User.objects.filter(person__isnull=False).values_list("pk", "username"))
    seats: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for holder_id, role_id, unit_id in Position.objects.filter(holder__isnull=False).values_list(
            "holder_id", "role_id", "unit_id"):
        seats[holder_id].append((role_id, unit_id))
    rows = []
    for pk, emp, name, email, unit_id, manager_id, start_date, left_on, user_id in people.order_by(
            "employee_id").values_list("pk", "employee_id", "name", "email", "unit_id", "manager_id", "start_date",
                                       "left_on", "user_id"):
        held = seats.get(pk, [])
        role = role_ext[held[0][0]] if len(held) == 1 and held[0][1] == unit_id else ""
        rows.append([emp, name, email, unit_ext.get(unit_id, ""), employee_of.get(manager_id, "") if manager_id
                     else "", role, start_date.isoformat() if start_date else "",
                     left_on.isoformat() if left_on else "", usernames.get(user_id, "") if user_id else ""])
    return _table_export("people", [*PEOPLE_COLUMNS, *PEOPLE_EXTRA_COLUMNS], rows, table_format)


# ---------------------------------------------------------------- requirements

@transaction.atomic
def import_requirements(path: Path | str, actor: Any, options: Mapping[str, Any] | None = None) -> ImportResult:
    """role_id, framework, competency_code, level, criticality, context (+ note): lines set by hand.
    Matched by role, competency (across versions) and context. Lines not in the file stay as they are."""
    require_role_editor(actor)
    rows, columns = _table(path, ("role_id", "framework", "competency_code", "level"),
                           ("criticality", "context", *REQUIREMENT_EXTRA_COLUMNS))
    errors = RowErrors()
    roles = {ext: pk for pk, ext in Role.objects.values_list("pk", "external_id")}
    lookup = CompetencyLookup((row.get("framework"), row.get("competency_code")) for row in rows)
    contexts = dict(Context.objects.values_list("code", "pk"))
    parsed: list[tuple[TableRow, int, CompetencyRef, int, str, str, str]] = []
    first_row: dict[tuple[int, Any, str], int] = {}
    for row in rows:
        role_pk = roles.get(row.get("role_id"))
        if not row.get("role_id"):
            errors.add(row.number, "role_id", "a role id is needed")
        elif role_pk is None:
            errors.add(row.number, "role_id", f"no role {row.get('role_id')!r} (import roles first)")
        competency = None
        if not row.get("framework"):
            errors.add(row.number, "framework", "a framework code or CASE identifier is needed")
        elif not row.get("competency_code"):
            errors.add(row.number, "competency_code", "a competency code is needed")
        else:
            competency = lookup.resolve(errors, row, row.get("framework"), row.get("competency_code"))
        level = _level(errors, row, competency)
        criticality = (row.get("criticality") or Requirement.Criticality.ESSENTIAL).lower()
        if criticality not in Requirement.Criticality.values:
            errors.add(row.number, "criticality", f"{row.get('criticality')!r}: use essential or desirable")
        context = row.get("context")
        if context:
            try:
                validate_slug(context)
                if len(context) > 60:
                    raise ValidationError("too long")
            except ValidationError:
                errors.add(row.number, "context", f"{context!r}: a context code is letters, digits, - and _ "
                                                  "(at most 60)")
        if _too_long(errors, row, "note", 500):
            continue
        if role_pk is None or competency is None or level is None:
            continue
        key = (role_pk, competency.uuid, context)
        if key in first_row:
            errors.add(row.number, "competency_code", f"the same requirement is already on row {first_row[key]}")
            continue
        first_row[key] = row.number
        parsed.append((row, role_pk, competency, level, criticality, context, row.get("note")))
    errors.raise_if_any()

    new_contexts = [Context(code=code, name=code) for code in dict.fromkeys(p[5] for p in parsed if p[5])
                    if code not in contexts]
    Context.objects.bulk_create(new_contexts)
    contexts.update({c.code: c.pk for c in new_contexts})
    role_ids = {p[1] for p in parsed}
    existing: dict[tuple[int, Any, int | None], Requirement] = {}
    role_list = list(role_ids)
    for start in range(0, len(role_list), 500):
        for line in Requirement.objects.filter(role_id__in=role_list[start:start + 500]):
            existing[(line.role_id, line.competency_uuid, line.context_id)] = line
    needs = derived_needs(role_ids)
    user = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    fields = ("competency_id", "level", "criticality", "note", "manual", "derived_level")
    created: list[Requirement] = []
    updated: list[tuple[Requirement, dict[str, Any]]] = []
    for _row, role_pk, competency, level, criticality, context, note in parsed:
        context_pk = contexts[context] if context else None
        need = needs.get((role_pk, competency.uuid))
        line = existing.get((role_pk, competency.uuid, context_pk))
        values = {"competency_id": competency.pk, "level": level, "criticality": criticality,
                  "note": note if "note" in columns else (line.note if line else ""), "manual": True,
                  "derived_level": need.level if need else None}
        if line is None:
            created.append(Requirement(role_id=role_pk, competency_uuid=competency.uuid, context_id=context_pk,
                                       changed_by=user, changed_at=now, **values))
            continue
        before = {name: getattr(line, name) for name in fields}
        if before != values:
            for name, value in values.items():
                setattr(line, name, value)
            line.changed_by, line.changed_at = user, now
            updated.append((line, before))
    Requirement.objects.bulk_create(created, batch_size=BATCH)
    Requirement.objects.bulk_update([line for line, _b in updated], [*fields, "changed_by", "changed_at"],
                                    batch_size=BATCH)
    _audit(actor, "requirement.set", [
        _entry("requirement", line.pk, f"role {line.role_id}", before=before,
               after={name: getattr(line, name) for name in fields})
        for line, before in [*((c, None) for c in created), *updated]])
    return _summary("requirements", len(created), len(updated), len(parsed) - len(created) - len(updated),
                    f"{len(new_contexts)} new contexts" if new_contexts else "")


def export_requirements(actor: Any, table_format: str = "csv") -> tuple[bytes, str, str]:
    """The lines set by hand (lines that follow the tasks come back from the DACUM chart)."""
    _check_reader(actor)
    lines = (Requirement.objects.filter(manual=True)
             .order_by("role__external_id", "competency__version__framework__code", "competency__code",
                       "context__code")
             .values_list("role__external_id", "competency__version__framework__code", "competency__code", "level",
                          "criticality", "context__code", "note"))
    rows = [[role, framework, code, level, criticality, context or "", note]
            for role, framework, code, level, criticality, context, note in lines]
    return _table_export("requirements", [*REQUIREMENT_COLUMNS, *REQUIREMENT_EXTRA_COLUMNS], rows, table_format)


# ---------------------------------------------------------------- DACUM charts

@dataclass
class _TaskPlan:
    title: str
    frequency: str | None = None  # None: not stated in the file
    importance: int | None = None
    importance_stated: bool = False
    # competency uuid -> (competency, level, standard, row number)
    needs: dict[Any, tuple[CompetencyRef, int, str, int]] = field(default_factory=dict)
    frequency_row: int = 0
    importance_row: int = 0


@dataclass
class _DutyPlan:
    title: str
    tasks: dict[str, _TaskPlan] = field(default_factory=dict)


STANDARD_OF_KIND = {"skill": "performance", "knowledge": "knowledge", "behaviour": "behaviour"}


@transaction.atomic
def import_dacum(path: Path | str, actor: Any, options: Mapping[str, Any] | None = None) -> ImportResult:
    """role_id, duty, task, framework, competency_code, level, standard (+ frequency, importance).

    One row per competency a task needs (a task with none: competency columns blank; a duty with no
    task yet: task blank). Duties and tasks are matched by title within their role and ordered as they
    first appear. With options["replace"], duties, tasks and competency links of the roles in the file
    that the file does not mention are removed. The profiles of the roles are derived afterwards.
    """
    require_role_editor(actor)
    replace = bool(_options(options).get("replace"))
    rows, columns = _table(path, ("role_id", "duty", "task"),
                           ("framework", "competency_code", "level", "standard", *DACUM_EXTRA_COLUMNS))
    errors = RowErrors()
    roles = {ext: pk for pk, ext in Role.objects.values_list("pk", "external_id")}
    lookup = CompetencyLookup((row.get("framework"), row.get("competency_code")) for row in rows
                              if row.get("framework"))
    plans: dict[int, dict[str, _DutyPlan]] = {}
    for row in rows:
        role_pk = roles.get(row.get("role_id"))
        if not row.get("role_id"):
            errors.add(row.number, "role_id", "a role id is needed")
        elif role_pk is None:
            errors.add(row.number, "role_id", f"no role {row.get('role_id')!r} (import roles first)")
        duty_title, task_title = row.get("duty"), row.get("task")
        if not duty_title:
            errors.add(row.number, "duty", "a duty is needed")
        _too_long(errors, row, "duty", 300)
        _too_long(errors, row, "task", 500)
        names_competency = bool(row.get("framework") or row.get("competency_code"))
        if names_competency and not task_title:
            errors.add(row.number, "task", "a competency is needed by a task: name the task")
        competency, level, standard = None, None, ""
        if names_competency:
            if not row.get("framework"):
                errors.add(row.number, "framework", "a framework code or CASE identifier is needed")
            elif not row.get("competency_code"):
                errors.add(row.number, "competency_code", "a competency code is needed")
            else:
                competency = lookup.resolve(errors, row, row.get("framework"), row.get("competency_code"))
            level = _level(errors, row, competency)
            standard = row.get("standard").lower()
            if standard and standard not in TaskCompetency.Standard.values:
                errors.add(row.number, "standard", f"{row.get('standard')!r}: use performance, knowledge or "
                                                   "behaviour")
            elif not standard and competency is not None:
                standard = STANDARD_OF_KIND.get(competency.kind, "performance")
        elif row.get("level") or row.get("standard"):
            errors.add(row.number, "competency_code", "a level or standard needs a competency")
        frequency = row.get("frequency").lower()
        if frequency and frequency not in Task.Frequency.values:
            errors.add(row.number, "frequency", f"{row.get('frequency')!r}: use one of "
                                                f"{', '.join(Task.Frequency.values)}")
        importance = None
        if row.get("importance"):
            try:
                importance = int(row.get("importance"))
                if not 1 <= importance <= 5:
                    raise ValueError
            except ValueError:
                errors.add(row.number, "importance", f"{row.get('importance')!r}: a whole number 1 to 5")
                importance = None
        if role_pk is None or not duty_title:
            continue
        duty = plans.setdefault(role_pk, {}).setdefault(duty_title, _DutyPlan(duty_title))
        if not task_title:
            if frequency or importance is not None:
                errors.add(row.number, "task", "frequency and importance belong to a task: name the task")
            continue
        task = duty.tasks.setdefault(task_title, _TaskPlan(task_title))
        if "frequency" in columns:
            if frequency and task.frequency and frequency != task.frequency:
                errors.add(row.number, "frequency", f"the task is {task.frequency!r} on row {task.frequency_row}")
            elif frequency or task.frequency is None:
                task.frequency = frequency or task.frequency or ""
                task.frequency_row = task.frequency_row or row.number
        if "importance" in columns:
            if importance is not None and task.importance is not None and importance != task.importance:
                errors.add(row.number, "importance", f"the task has importance {task.importance} on row "
                                                     f"{task.importance_row}")
            elif importance is not None:
                task.importance, task.importance_row = importance, row.number
            task.importance_stated = True
        if competency is not None and level is not None:
            if competency.uuid in task.needs:
                errors.add(row.number, "competency_code", f"{competency.code} is already named for this task on "
                                                          f"row {task.needs[competency.uuid][3]}")
            else:
                task.needs[competency.uuid] = (competency, level, standard, row.number)
    errors.raise_if_any()
    return _write_dacum(plans, actor, replace, columns)


def _write_dacum(plans: dict[int, dict[str, _DutyPlan]], actor: Any, replace: bool,
                 columns: set[str]) -> ImportResult:
    role_ids = list(plans)
    duties = list(Duty.objects.filter(role_id__in=role_ids).order_by("sort_order", "id"))
    tasks = list(Task.objects.filter(duty__role_id__in=role_ids).order_by("sort_order", "id"))
    links = list(TaskCompetency.objects.filter(task__duty__role_id__in=role_ids).select_related("competency"))
    audit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    counts = defaultdict(int)

    # Duties: file order first, then (when kept) the ones the file does not mention, in their old order.
    duty_by_key = {(d.role_id, d.title): d for d in duties}
    new_duties: list[Duty] = []
    duty_updates: list[Duty] = []
    stale_duties: list[Duty] = []
    for role_pk, duty_plans in plans.items():
        order = 0
        for title in duty_plans:
            order += 1
            duty = duty_by_key.get((role_pk, title))
            if duty is None:
                duty = Duty(role_id=role_pk, title=title, sort_order=order)
                new_duties.append(duty)
                duty_by_key[(role_pk, title)] = duty
            elif duty.sort_order != order:
                duty.sort_order = order
                duty_updates.append(duty)
        for duty in (d for d in duties if d.role_id == role_pk and d.title not in duty_plans):
            if replace:
                stale_duties.append(duty)
            else:
                order += 1
                if duty.sort_order != order:
                    duty.sort_order = order
                    duty_updates.append(duty)
    Duty.objects.bulk_create(new_duties, batch_size=BATCH)
    Duty.objects.bulk_update(duty_updates, ["sort_order"], batch_size=BATCH)
    audit["duty.create"] += [_entry("duty", d.pk, d.title, after={"role": d.role_id, "title": d.title})
                             for d in new_duties]

    task_by_key = {(t.duty_id, t.title): t for t in tasks}
    new_tasks: list[Task] = []
    task_updates: dict[int, Task] = {}
    stale_tasks: list[Task] = []
    planned_tasks: list[tuple[Task, _TaskPlan]] = []
    for role_pk, duty_plans in plans.items():
        for duty_title, duty_plan in duty_plans.items():
            duty = duty_by_key[(role_pk, duty_title)]
            order = 0
            for title, plan in duty_plan.tasks.items():
                order += 1
                task = task_by_key.get((duty.pk, title))
                if task is None:
                    task = Task(duty_id=duty.pk, title=title, sort_order=order, frequency=plan.frequency or "",
                                importance=plan.importance)
                    new_tasks.append(task)
                else:
                    before = (task.sort_order, task.frequency, task.importance)
                    task.sort_order = order
                    if plan.frequency is not None:
                        task.frequency = plan.frequency
                    if plan.importance_stated:
                        task.importance = plan.importance
                    if (task.sort_order, task.frequency, task.importance) != before:
                        task_updates[task.pk] = task
                        audit["task.update"].append(_entry("task", task.pk, task.title, before=dict(zip(
                            ("sort_order", "frequency", "importance"), before, strict=True)), after={
                            "sort_order": task.sort_order, "frequency": task.frequency,
                            "importance": task.importance}))
                planned_tasks.append((task, plan))
            for task in (t for t in tasks if t.duty_id == duty.pk and t.title not in duty_plan.tasks):
                if replace:
                    stale_tasks.append(task)
                else:
                    order += 1
                    if task.sort_order != order:
                        task.sort_order = order
                        task_updates[task.pk] = task
    Task.objects.bulk_create(new_tasks, batch_size=BATCH)
    Task.objects.bulk_update(list(task_updates.values()), ["sort_order", "frequency", "importance"],
                             batch_size=BATCH)
    audit["task.create"] += [_entry("task", t.pk, t.title, after={"duty": t.duty_id, "frequency": t.frequency,
                                                                   "importance": t.importance}) for t in new_tasks]

    link_by_key = {(link.task_id, link.competency.uuid): link for link in links}
    new_links: list[TaskCompetency] = []
    link_updates: list[TaskCompetency] = []
    wanted_links: set[tuple[int, Any]] = set()
    for task, plan in planned_tasks:
        for uuid, (competency, level, standard, _row) in plan.needs.items():
            wanted_links.add((task.pk, uuid))
            link = link_by_key.get((task.pk, uuid))
            if link is None:
                link = TaskCompetency(task_id=task.pk, competency_id=competency.pk, level=level, standard=standard)
                new_links.append(link)
                continue
            before = {"competency": link.competency_id, "level": link.level, "standard": link.standard}
            after = {"competency": competency.pk, "level": level, "standard": standard}
            if before != after:
                link.competency_id, link.level, link.standard = competency.pk, level, standard
                link_updates.append(link)
                audit["task.competency.set"].append(_entry("taskcompetency", link.pk, f"{task.title}: "
                                                           f"{competency.code}", before=before, after=after))
    # Links of tasks the file names but no longer asks for; links of removed tasks go with their task.
    planned_ids = {task.pk for task, _plan in planned_tasks}
    stale_links = [link for key, link in link_by_key.items()
                   if key not in wanted_links and link.task_id in planned_ids] if replace else []
    TaskCompetency.objects.bulk_create(new_links, batch_size=BATCH)
    TaskCompetency.objects.bulk_update(link_updates, ["competency", "level", "standard"], batch_size=BATCH)
    audit["task.competency.set"] += [_entry("taskcompetency", link.pk, f"task {link.task_id}", after={
        "competency": link.competency_id, "level": link.level, "standard": link.standard}) for link in new_links]

    if replace:
        audit["task.competency.remove"] += [_entry("taskcompetency", link.pk, f"task {link.task_id}", before={
            "competency": link.competency_id, "level": link.level}) for link in stale_links]
        audit["task.delete"] += [_entry("task", t.pk, t.title, before={"duty": t.duty_id}) for t in stale_tasks]
        audit["duty.delete"] += [_entry("duty", d.pk, d.title, before={"role": d.role_id}) for d in stale_duties]
        TaskCompetency.objects.filter(pk__in=[link.pk for link in stale_links]).delete()
        Task.objects.filter(pk__in=[t.pk for t in stale_tasks]).delete()
        Duty.objects.filter(pk__in=[d.pk for d in stale_duties]).delete()
    for action, entries in audit.items():
        _audit(actor, action, entries)
    derived = derive_profiles(role_ids, actor)
    counts.update(duties_created=len(new_duties), tasks_created=len(new_tasks),
                  links_created=len(new_links), links_updated=len(link_updates), tasks_updated=len(task_updates),
                  removed=len(stale_links) + len(stale_tasks) + len(stale_duties))
    chart_line = (f"dacum: {len(plans)} roles; duties {len(new_duties)} new; tasks {len(new_tasks)} new, "
                  f"{len(task_updates)} updated; competency links {len(new_links)} new, {len(link_updates)} updated")
    if replace:
        chart_line += f"; removed {len(stale_duties)} duties, {len(stale_tasks)} tasks, {len(stale_links)} links"
    profile_line = (f"requirement profiles derived: {derived.created} lines added, {derived.updated} changed, "
                    f"{derived.removed} removed")
    summary = [chart_line, profile_line]
    return ImportResult(summary=summary, counts=dict(counts))


def export_dacum(actor: Any, table_format: str = "csv") -> tuple[bytes, str, str]:
    """One row per competency a task needs; a task without competencies and a duty without tasks get
    a row of their own, so the chart comes back whole."""
    _check_reader(actor)
    duties = Duty.objects.select_related("role").order_by("role__external_id", "sort_order", "id")
    tasks_of: dict[int, list[Task]] = defaultdict(list)
    for task in Task.objects.order_by("sort_order", "id"):
        tasks_of[task.duty_id].append(task)
    links_of: dict[int, list[TaskCompetency]] = defaultdict(list)
    for link in TaskCompetency.objects.select_related("competency__version__framework").order_by(
            "competency__version__framework__code", "competency__code"):
        links_of[link.task_id].append(link)
    rows: list[list[Any]] = []
    for duty in duties:
        role = duty.role.external_id
        if not tasks_of.get(duty.pk):
            rows.append([role, duty.title, "", "", "", "", "", "", ""])
        for task in tasks_of.get(duty.pk, []):
            extra = [task.frequency, task.importance if task.importance is not None else ""]
            if not links_of.get(task.pk):
                rows.append([role, duty.title, task.title, "", "", "", "", *extra])
            for link in links_of.get(task.pk, []):
                rows.append([role, duty.title, task.title, link.competency.version.framework.code,
                             link.competency.code, link.level, link.standard, *extra])
    return _table_export("dacum", [*DACUM_COLUMNS, *DACUM_EXTRA_COLUMNS], rows, table_format)


# ---------------------------------------------------------------- registry

def _runner(function: Any) -> Any:
    def run(path: Path | str, actor: Any, options: Mapping[str, Any] | None = None) -> ImportResult:
        return function(path, actor, options or {})

    return run


def _exporter(function: Any) -> Any:
    def run(target: Any, actor: Any, options: Mapping[str, Any] | None = None) -> tuple[bytes, str, str]:
        # The command line names the choice table_format (its --format); the web pages pass format.
        chosen = (options or {}).get("table_format") or (options or {}).get("format") or "csv"
        return function(actor, chosen)

    return run


IMPORT_FUNCTIONS = {
    "units": import_units,
    "roles": import_roles,
    "people": import_people,
    "requirements": import_requirements,
    "dacum": import_dacum,
}
EXPORT_FUNCTIONS = {
    "units": export_units,
    "roles": export_roles,
    "people": export_people,
    "requirements": export_requirements,
    "dacum": export_dacum,
}

IMPORTERS = [
    ImportFormat("units", "Organisation units: unit_id, name, parent_id", _runner(import_units)),
    ImportFormat("roles", "Job roles: role_id, name, family, grade, purpose", _runner(import_roles)),
    ImportFormat("people", "People: employee_id, name, email, unit_id, manager_id, role_id, start_date",
                 _runner(import_people),
                 options=(("--effective-on", {"dest": "effective_on", "default": None,
                                              "help": "date moves in this file take effect (default: today)"}),)),
    ImportFormat("requirements", "Requirement lines set by hand: role_id, framework, competency_code, level, "
                 "criticality, context", _runner(import_requirements)),
    ImportFormat("dacum", "DACUM charts: role_id, duty, task, framework, competency_code, level, standard",
                 _runner(import_dacum),
                 options=(("--replace", {"action": "store_true",
                                         "help": "remove duties, tasks and links of the file's roles that "
                                                 "the file does not mention"}),)),
]

EXPORTERS = [
    ExportFormat("units", "Organisation units (CSV or xlsx)", _exporter(export_units), options=(TABLE_FORMAT_OPTION,)),
    ExportFormat("roles", "Job roles", _exporter(export_roles), options=(TABLE_FORMAT_OPTION,)),
    ExportFormat("people", "People (restricted to what the user may see)", _exporter(export_people),
                 options=(TABLE_FORMAT_OPTION,)),
    ExportFormat("requirements", "Requirement lines set by hand", _exporter(export_requirements),
                 options=(TABLE_FORMAT_OPTION,)),
    ExportFormat("dacum", "DACUM charts", _exporter(export_dacum), options=(TABLE_FORMAT_OPTION,)),
]

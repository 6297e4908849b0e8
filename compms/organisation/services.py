"""The only writers of the organisation: units, people and their moves, positions, job roles with their
DACUM charts, and requirement profiles.

Every function validates first (ValidationError with a field -> message dict), then writes inside one
transaction together with its audit record. `actor` is the User doing it, or None for trusted internal
callers (the command line, the demo builder). Pages, API endpoints and imports all come through here.

Two materialised paths are kept right here and nowhere else:
- Unit.path: the ids from the root down to the unit itself ("/1/5/9/"), so a subtree is one
  `path__startswith` filter;
- Person.manager_path: the ids of the manager chain from the top, excluding the person ("/12/40/"),
  so someone's indirect reports are one `manager_path__contains="/<id>/"` filter.
Moving a unit or changing someone's manager re-paths everything below in one UPDATE.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from compms.access import user_or_none
from compms.access.people import require_organisation_editor, require_role_editor
from compms.audit.services import record, record_many, snapshot
from compms.frameworks.models import Competency, FrameworkVersion, ScaleLevel
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
from compms.validation import require_date


class _Unset:
    """Marks "argument not given" where None is a meaningful value (no parent, no manager)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()

UNIT_FIELDS = ("external_id", "name", "parent_id", "path", "depth")
PERSON_FIELDS = ("employee_id", "name", "email", "unit_id", "manager_id", "start_date", "active", "left_on",
                 "user_id")
ROLE_FIELDS = ("external_id", "name", "family", "grade", "purpose")
REQUIREMENT_FIELDS = ("competency_id", "context_id", "level", "criticality", "derived_level", "manual", "note")
# Roles are derived in slices so an IN list stays far below SQLite's limit on query parameters.
DERIVE_SLICE = 500


def _clean(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


_require_date = require_date


def unit_label(unit: Unit) -> str:
    """How a unit is named in move history: readable, and still findable if it is renamed later."""
    return f"{unit.name} ({unit.external_id})"


def person_label(person: Person | None) -> str:
    return str(person) if person is not None else ""


# ---------------------------------------------------------------- units

def child_path(parent: Unit | None, pk: int) -> str:
    return f"{parent.path if parent is not None else '/'}{pk}/"


def _validate_unit_fields(external_id: str, name: str, instance: Unit | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not external_id:
        errors["external_id"] = "A unit needs an id (unit_id)."
    elif len(external_id) > 64:
        errors["external_id"] = "A unit id has at most 64 characters."
    else:
        clash = Unit.objects.filter(external_id=external_id)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["external_id"] = f"Unit id {external_id!r} is already used."
    if not name:
        errors["name"] = "A unit needs a name."
    elif len(name) > 300:
        errors["name"] = "A unit name has at most 300 characters."
    return errors


@transaction.atomic
def create_unit(actor: Any, *, external_id: str, name: str, parent: Unit | None = None) -> Unit:
    require_organisation_editor(actor)
    external_id, name = _clean(external_id), _clean(name)
    errors = _validate_unit_fields(external_id, name, None)
    if errors:
        raise ValidationError(errors)
    if parent is not None:
        parent = Unit.objects.get(pk=parent.pk)
    unit = Unit.objects.create(external_id=external_id, name=name, parent=parent, path="",
                               depth=parent.depth + 1 if parent is not None else 0)
    unit.path = child_path(parent, unit.pk)
    unit.save(update_fields=["path"])
    record(actor, "unit.create", unit, after=snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def update_unit(unit: Unit, actor: Any, *, name: str | None = None, parent: Unit | None | _Unset = UNSET,
                external_id: str | None = None) -> Unit:
    """Rename a unit or move it under another parent (None: make it a root). Moving re-paths the whole
    subtree in one statement; a unit cannot move under itself or one of its descendants."""
    require_organisation_editor(actor)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit, UNIT_FIELDS)
    new_name = unit.name if name is None else _clean(name)
    new_external_id = unit.external_id if external_id is None else _clean(external_id)
    errors = _validate_unit_fields(new_external_id, new_name, unit)
    if errors:
        raise ValidationError(errors)
    unit.name, unit.external_id = new_name, new_external_id
    unit.save(update_fields=["name", "external_id"])
    if not isinstance(parent, _Unset) and (parent.pk if parent else None) != unit.parent_id:
        if parent is not None:
            parent = Unit.objects.get(pk=parent.pk)
            if parent.path.startswith(unit.path):
                raise ValidationError({"parent": f"{unit.name} cannot sit under itself or one of its own units "
                                                 f"({parent.name})."})
        old_path, new_path = unit.path, child_path(parent, unit.pk)
        depth_change = (parent.depth + 1 if parent is not None else 0) - unit.depth
        Unit.objects.filter(pk=unit.pk).update(parent=parent)
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_change,
        )
        unit.refresh_from_db()
    after = snapshot(unit, UNIT_FIELDS)
    if after != before:
        record(actor, "unit.update", unit, before=before, after=after)
    return unit


@transaction.atomic
def delete_unit(unit: Unit, actor: Any) -> None:
    """Remove an empty unit. A unit with sub-units, people or positions stays: move those first."""
    require_organisation_editor(actor)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    blockers = []
    if unit.children.exists():
        blockers.append("sub-units")
    if unit.people.exists():
        blockers.append("people")
    if unit.positions.exists():
        blockers.append("positions")
    if blockers:
        raise ValidationError({"unit": f"{unit.name} still has {', '.join(blockers)}: move them first."})
    record(actor, "unit.delete", unit, before=snapshot(unit, UNIT_FIELDS))
    unit.delete()


# ---------------------------------------------------------------- people

def reports_prefix(person: Person) -> str:
    """The manager_path every direct report of `person` carries (and every indirect one starts with)."""
    return f"{person.manager_path or '/'}{person.pk}/"


def _validate_person_fields(*, employee_id: str, name: str, email: str, instance: Person | None,
                            user: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not employee_id:
        errors["employee_id"] = "A person needs an employee id."
    elif len(employee_id) > 64:
        errors["employee_id"] = "An employee id has at most 64 characters."
    else:
        clash = Person.objects.filter(employee_id=employee_id)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["employee_id"] = f"Employee id {employee_id!r} is already used."
    if not name:
        errors["name"] = "A person needs a name."
    elif len(name) > 300:
        errors["name"] = "A name has at most 300 characters."
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = f"{email!r} is not an e-mail address."
    if user is not None:
        linked = Person.objects.filter(user=user)
        if instance is not None:
            linked = linked.exclude(pk=instance.pk)
        other = linked.first()
        if other is not None:
            errors["user"] = f"The log-in {user.get_username()} is already linked to {other}."
    return errors


@transaction.atomic
def create_person(actor: Any, *, employee_id: str, name: str, unit: Unit, email: str = "",
                  manager: Person | None = None, start_date: dt.date | None = None, user: Any = None) -> Person:
    require_organisation_editor(actor)
    employee_id, name, email = _clean(employee_id), _clean(name), _clean(email)
    errors = _validate_person_fields(employee_id=employee_id, name=name, email=email, instance=None, user=user)
    if unit is None:
        errors["unit"] = "A person belongs to a unit."
    if start_date is not None:
        start_date = _require_date(start_date, "start_date")
    if errors:
        raise ValidationError(errors)
    if manager is not None:
        manager = Person.objects.get(pk=manager.pk)
    person = Person.objects.create(
        employee_id=employee_id, name=name, email=email, unit=unit, manager=manager,
        manager_path=reports_prefix(manager) if manager is not None else "", start_date=start_date, user=user,
    )
    PersonMove.objects.create(person=person, kind=PersonMove.Kind.JOINED,
                              effective_on=start_date or timezone.localdate(), to_value=unit_label(unit),
                              recorded_by=user_or_none(actor))
    record(actor, "person.create", person, after=snapshot(person, PERSON_FIELDS))
    return person


@transaction.atomic
def update_person(person: Person, actor: Any, *, name: str | None = None, email: str | None = None,
                  employee_id: str | None = None, start_date: dt.date | None | _Unset = UNSET,
                  user: Any = UNSET) -> Person:
    """Correct a person's own details or link them to a log-in. Unit and manager changes are moves
    (`move_person`), so their history is kept."""
    require_organisation_editor(actor)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, PERSON_FIELDS)
    new_employee_id = person.employee_id if employee_id is None else _clean(employee_id)
    new_name = person.name if name is None else _clean(name)
    new_email = person.email if email is None else _clean(email)
    new_user = person.user if isinstance(user, _Unset) else user
    errors = _validate_person_fields(employee_id=new_employee_id, name=new_name, email=new_email,
                                     instance=person, user=new_user)
    if errors:
        raise ValidationError(errors)
    person.employee_id, person.name, person.email, person.user = new_employee_id, new_name, new_email, new_user
    if not isinstance(start_date, _Unset):
        person.start_date = None if start_date is None else _require_date(start_date, "start_date")
    person.save()
    after = snapshot(person, PERSON_FIELDS)
    if after != before:
        record(actor, "person.update", person, before=before, after=after)
    return person


def _would_cycle(person: Person, manager: Person) -> bool:
    return manager.pk == person.pk or f"/{person.pk}/" in (manager.manager_path or "")


@transaction.atomic
def move_person(person: Person, actor: Any, *, effective_on: dt.date, unit: Unit | None = None,
                manager: Person | None | _Unset = UNSET) -> Person:
    """Move a person to another unit and/or manager (None: no manager). Each change is kept as a
    PersonMove; a manager change re-paths all of the person's reports in one statement."""
    require_organisation_editor(actor)
    effective_on = _require_date(effective_on, "effective_on")
    person = Person.objects.select_for_update(of=("self",)).select_related("unit", "manager").get(pk=person.pk)
    before = snapshot(person, PERSON_FIELDS)
    moves: list[PersonMove] = []
    recorded_by = user_or_none(actor)
    if unit is not None and unit.pk != person.unit_id:
        moves.append(PersonMove(person=person, kind=PersonMove.Kind.UNIT, effective_on=effective_on,
                                from_value=unit_label(person.unit), to_value=unit_label(unit),
                                recorded_by=recorded_by))
        person.unit = unit
    if not isinstance(manager, _Unset) and (manager.pk if manager else None) != person.manager_id:
        if manager is not None:
            manager = Person.objects.get(pk=manager.pk)
            if _would_cycle(person, manager):
                raise ValidationError({"manager": f"{manager} reports to {person.name}, directly or not: "
                                                  "a manager cannot report to their own report."})
        old_prefix = reports_prefix(person)
        moves.append(PersonMove(person=person, kind=PersonMove.Kind.MANAGER, effective_on=effective_on,
                                from_value=person_label(person.manager), to_value=person_label(manager),
                                recorded_by=recorded_by))
        person.manager = manager
        person.manager_path = reports_prefix(manager) if manager is not None else ""
        new_prefix = reports_prefix(person)
        Person.objects.filter(manager_path__startswith=old_prefix).update(
            manager_path=Concat(Value(new_prefix), Substr("manager_path", len(old_prefix) + 1)))
    if not moves:
        return person
    person.save(update_fields=["unit", "manager", "manager_path"])
    PersonMove.objects.bulk_create(moves)
    record(actor, "person.move", person, before=before, after=snapshot(person, PERSON_FIELDS),
           note=f"effective {effective_on.isoformat()}")
    return person


@transaction.atomic
def mark_left(person: Person, actor: Any, *, left_on: dt.date, successor: Person | None = None) -> Person:
    """The person left the organisation, all in one transaction:

    - they stay on record (inactive) and give up their positions;
    - their log-in is deactivated, its sessions end and its API tokens are revoked, so the next request
      made with any of them is refused;
    - their team moves: every direct report is re-pointed to `successor` if given, else to the leaver's own
      manager (no manager above: the reports become unmanaged and only HR sees them), with the manager
      paths of the whole subtree recomputed, so the leaver is nobody's manager and sees nobody.

    A successor from inside the leaver's own team first takes the leaver's place under their manager.
    Recording a return later does not give the log-in back: that is `restore_access`, on purpose."""
    from compms.accounts.services import end_access

    require_organisation_editor(actor)
    left_on = _require_date(left_on, "left_on")
    person = Person.objects.select_for_update(of=("self",)).select_related("unit", "manager").get(pk=person.pk)
    if not person.active:
        raise ValidationError({"left_on": f"{person} already left on {person.left_on}."})
    if person.start_date is not None and left_on < person.start_date:
        raise ValidationError({"left_on": f"{person} started on {person.start_date}: they cannot leave before."})
    if successor is not None:
        successor = Person.objects.get(pk=successor.pk)
        if successor.pk == person.pk:
            raise ValidationError({"successor": "Someone leaving cannot take over their own team."})
        if not successor.active:
            raise ValidationError({"successor": f"{successor} has left the organisation."})
    before = snapshot(person, PERSON_FIELDS)
    held = Position.objects.select_for_update(of=("self",)).select_related("role", "unit").filter(holder=person)
    for position in held:
        _vacate(position, actor, end_date=left_on)
    _hand_over_team(person, actor, successor=successor, effective_on=left_on)
    person.active = False
    person.left_on = left_on
    person.save(update_fields=["active", "left_on"])
    PersonMove.objects.create(person=person, kind=PersonMove.Kind.LEFT, effective_on=left_on,
                              from_value=unit_label(person.unit), recorded_by=user_or_none(actor))
    record(actor, "person.leave", person, before=before, after=snapshot(person, PERSON_FIELDS),
           note=f"team handed to {person_label(successor or person.manager) or 'nobody (HR)'}")
    if person.user_id is not None:
        end_access([person.user_id], actor, reason=f"{person.name} ({person.employee_id}) left on {left_on}")
    return person


def _hand_over_team(leaver: Person, actor: Any, *, successor: Person | None, effective_on: dt.date) -> None:
    """Re-point the leaver's direct reports (move_person re-paths each one's subtree and keeps the history)."""
    new_manager = successor if successor is not None else leaver.manager
    if successor is not None and f"/{leaver.pk}/" in (successor.manager_path or ""):
        # Taking over from inside the team: step into the leaver's place first, so the team can report to
        # them without a loop.
        move_person(successor, actor, effective_on=effective_on, manager=leaver.manager)
        new_manager = Person.objects.get(pk=successor.pk)
    for report in Person.objects.filter(manager=leaver).exclude(pk=getattr(new_manager, "pk", None)).order_by("pk"):
        move_person(report, actor, effective_on=effective_on, manager=new_manager)


@transaction.atomic
def record_return(person: Person, actor: Any, *, start_date: dt.date, unit: Unit | None = None,
                  manager: Person | None | _Unset = UNSET) -> Person:
    """A leaver is re-hired: active again from `start_date`, optionally in another unit or under another
    manager. Their log-in stays deactivated: giving it back is a separate, deliberate `restore_access`."""
    require_organisation_editor(actor)
    start_date = _require_date(start_date, "start_date")
    person = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
    if person.active:
        raise ValidationError({"person": f"{person} has not left the organisation."})
    if person.left_on is not None and start_date < person.left_on:
        raise ValidationError({"start_date": f"{person} left on {person.left_on}: they cannot return before."})
    before = snapshot(person, PERSON_FIELDS)
    person.active = True
    person.left_on = None
    person.start_date = start_date
    person.save(update_fields=["active", "left_on", "start_date"])
    PersonMove.objects.create(person=person, kind=PersonMove.Kind.JOINED, effective_on=start_date,
                              to_value=unit_label(person.unit), recorded_by=user_or_none(actor))
    record(actor, "person.return", person, before=before, after=snapshot(person, PERSON_FIELDS),
           note="log-in not given back: that needs restore_access")
    if unit is not None or not isinstance(manager, _Unset):
        move_person(person, actor, effective_on=start_date, unit=unit, manager=manager)
    return Person.objects.get(pk=person.pk)


# ---------------------------------------------------------------- positions

def new_position_id() -> str:
    # Random rather than counted, so concurrent creations and bulk imports never collide on a number.
    return f"POS-{secrets.token_hex(5).upper()}"


@transaction.atomic
def create_position(actor: Any, *, role: Role, unit: Unit, external_id: str | None = None,
                    title: str = "") -> Position:
    require_organisation_editor(actor)
    external_id = _clean(external_id) if external_id is not None else ""
    errors: dict[str, str] = {}
    if external_id and Position.objects.filter(external_id=external_id).exists():
        errors["external_id"] = f"Position id {external_id!r} is already used."
    if len(external_id) > 64:
        errors["external_id"] = "A position id has at most 64 characters."
    if role is None:
        errors["role"] = "A position is a seat of a role."
    if unit is None:
        errors["unit"] = "A position belongs to a unit."
    if errors:
        raise ValidationError(errors)
    if not external_id:
        external_id = new_position_id()
        while Position.objects.filter(external_id=external_id).exists():
            external_id = new_position_id()
    position = Position.objects.create(external_id=external_id, role=role, unit=unit, title=_clean(title))
    record(actor, "position.create", position,
           after=snapshot(position, ["external_id", "role_id", "unit_id", "title"]))
    return position


@transaction.atomic
def delete_position(position: Position, actor: Any) -> None:
    require_organisation_editor(actor)
    position = Position.objects.select_for_update().get(pk=position.pk)
    if position.holder_id is not None:
        raise ValidationError({"position": "The position is filled: vacate it first."})
    record(actor, "position.delete", position,
           before=snapshot(position, ["external_id", "role_id", "unit_id", "title"]))
    position.delete()


@transaction.atomic
def assign_position(position: Position, actor: Any, *, person: Person, start_date: dt.date) -> Position:
    require_organisation_editor(actor)
    start_date = _require_date(start_date, "start_date")
    position = Position.objects.select_for_update(of=("self",)).select_related("role", "unit").get(pk=position.pk)
    person = Person.objects.get(pk=person.pk)
    if position.holder_id is not None:
        raise ValidationError({"position": f"{position} is held by someone else: vacate it first."})
    if not person.active:
        raise ValidationError({"person": f"{person} has left the organisation."})
    position.holder = person
    position.holder_since = start_date
    position.save(update_fields=["holder", "holder_since"])
    PersonMove.objects.create(person=person, kind=PersonMove.Kind.POSITION_START, effective_on=start_date,
                              to_value=str(position)[:300], position=position, recorded_by=user_or_none(actor))
    record(actor, "position.assign", position, after={"holder": person.employee_id, "since": start_date})
    return position


def _vacate(position: Position, actor: Any, *, end_date: dt.date) -> None:
    holder = position.holder
    PersonMove.objects.create(person=holder, kind=PersonMove.Kind.POSITION_END, effective_on=end_date,
                              from_value=str(position)[:300], position=position, recorded_by=user_or_none(actor))
    record(actor, "position.vacate", position,
           before={"holder": holder.employee_id, "since": position.holder_since}, after={"ended": end_date})
    position.holder = None
    position.holder_since = None
    position.save(update_fields=["holder", "holder_since"])


@transaction.atomic
def vacate_position(position: Position, actor: Any, *, end_date: dt.date) -> Position:
    require_organisation_editor(actor)
    end_date = _require_date(end_date, "end_date")
    position = (Position.objects.select_for_update(of=("self",)).select_related("role", "unit", "holder")
                .get(pk=position.pk))
    if position.holder_id is None:
        raise ValidationError({"position": f"{position} is already vacant."})
    _vacate(position, actor, end_date=end_date)
    return position


def roles_of(person: Person) -> list[Role]:
    """The roles a person holds, through the positions they fill."""
    return list(Role.objects.filter(positions__holder=person).distinct().order_by("name"))


# ---------------------------------------------------------------- roles

def _validate_role_fields(data: dict[str, str], instance: Role | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    external_id = data["external_id"]
    if not external_id:
        errors["external_id"] = "A role needs an id (role_id)."
    elif len(external_id) > 64:
        errors["external_id"] = "A role id has at most 64 characters."
    else:
        clash = Role.objects.filter(external_id=external_id)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["external_id"] = f"Role id {external_id!r} is already used."
    if not data["name"]:
        errors["name"] = "A role needs a name."
    for name, limit in (("name", 300), ("family", 200), ("grade", 60)):
        if len(data[name]) > limit:
            errors[name] = f"At most {limit} characters."
    return errors


@transaction.atomic
def create_role(actor: Any, *, external_id: str, name: str, family: str = "", grade: str = "",
                purpose: str = "") -> Role:
    require_role_editor(actor)
    data = {"external_id": _clean(external_id), "name": _clean(name), "family": _clean(family),
            "grade": _clean(grade), "purpose": (purpose or "").strip()}
    errors = _validate_role_fields(data, None)
    if errors:
        raise ValidationError(errors)
    role = Role.objects.create(**data)
    record(actor, "role.create", role, after=snapshot(role, ROLE_FIELDS))
    return role


@transaction.atomic
def update_role(role: Role, actor: Any, **fields: Any) -> Role:
    """Change any of external_id, name, family, grade, purpose."""
    require_role_editor(actor)
    unknown = set(fields) - set(ROLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    role = Role.objects.select_for_update().get(pk=role.pk)
    before = snapshot(role, ROLE_FIELDS)
    data = {**before, **{k: ("" if v is None else str(v).strip()) for k, v in fields.items()}}
    errors = _validate_role_fields(data, role)
    if errors:
        raise ValidationError(errors)
    for name, value in data.items():
        setattr(role, name, value)
    role.save()
    after = snapshot(role, ROLE_FIELDS)
    if after != before:
        record(actor, "role.update", role, before=before, after=after)
    return role


@transaction.atomic
def delete_role(role: Role, actor: Any) -> None:
    require_role_editor(actor)
    if role.positions.exists():
        raise ValidationError({"role": f"{role.name} still has positions: remove or change them first."})
    record(actor, "role.delete", role, before=snapshot(role, ROLE_FIELDS))
    role.delete()


# ---------------------------------------------------------------- DACUM chart: duties and tasks

def _next_order(queryset: Any) -> int:
    return (queryset.aggregate(m=Max("sort_order"))["m"] or 0) + 1


def _check_title(title: str, limit: int) -> str:
    title = _clean(title)
    if not title:
        raise ValidationError({"title": "A title is needed."})
    if len(title) > limit:
        raise ValidationError({"title": f"At most {limit} characters."})
    return title


MAX_SORT_ORDER = 2**31 - 1  # a positive integer column: CHECK >= 0, and int4 on PostgreSQL


def _check_sort_order(sort_order: int | None) -> None:
    if sort_order is not None and not (isinstance(sort_order, int) and 0 <= sort_order <= MAX_SORT_ORDER):
        raise ValidationError({"sort_order": f"Give a position from 0 to {MAX_SORT_ORDER}."})


@transaction.atomic
def add_duty(role: Role, actor: Any, *, title: str, sort_order: int | None = None) -> Duty:
    require_role_editor(actor)
    title = _check_title(title, 300)
    if role.duties.filter(title=title).exists():
        raise ValidationError({"title": f"{role.name} already has a duty {title!r}."})
    _check_sort_order(sort_order)
    if sort_order is None:
        sort_order = _next_order(role.duties.all())
    duty = Duty.objects.create(role=role, title=title, sort_order=sort_order)
    record(actor, "duty.create", duty, after={"role": role.external_id, "title": title, "sort_order": sort_order})
    return duty


@transaction.atomic
def update_duty(duty: Duty, actor: Any, *, title: str | None = None, sort_order: int | None = None) -> Duty:
    require_role_editor(actor)
    duty = Duty.objects.select_for_update().get(pk=duty.pk)
    before = snapshot(duty, ["title", "sort_order"])
    if title is not None:
        title = _check_title(title, 300)
        if Duty.objects.filter(role_id=duty.role_id, title=title).exclude(pk=duty.pk).exists():
            raise ValidationError({"title": f"The role already has a duty {title!r}."})
        duty.title = title
    _check_sort_order(sort_order)
    if sort_order is not None:
        duty.sort_order = sort_order
    duty.save()
    after = snapshot(duty, ["title", "sort_order"])
    if after != before:
        record(actor, "duty.update", duty, before=before, after=after)
    return duty


@transaction.atomic
def delete_duty(duty: Duty, actor: Any) -> None:
    """Remove a duty with its tasks; the role's profile is derived again without them."""
    require_role_editor(actor)
    role_id = duty.role_id
    record(actor, "duty.delete", duty, before={"title": duty.title, "tasks": duty.tasks.count()})
    duty.delete()
    derive_profiles([role_id], actor)


def _importance(value: Any) -> Any:
    # Forms hand over "" for "not known"; the model stores None.
    if value in ("", None):
        return None
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    return value


def _check_task_details(frequency: str, importance: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if frequency and frequency not in Task.Frequency.values:
        errors["frequency"] = f"Frequency must be one of {', '.join(Task.Frequency.values)} (or empty)."
    if importance is not None and not (isinstance(importance, int) and 1 <= importance <= 5):
        errors["importance"] = "Importance runs from 1 (low) to 5 (critical), or is empty."
    return errors


@transaction.atomic
def add_task(duty: Duty, actor: Any, *, title: str, frequency: str = "", importance: int | None = None,
             sort_order: int | None = None) -> Task:
    require_role_editor(actor)
    title = _check_title(title, 500)
    frequency = _clean(frequency).lower()
    importance = _importance(importance)
    errors = _check_task_details(frequency, importance)
    if duty.tasks.filter(title=title).exists():
        errors["title"] = f"The duty {duty.title!r} already has a task {title!r}."
    if errors:
        raise ValidationError(errors)
    _check_sort_order(sort_order)
    if sort_order is None:
        sort_order = _next_order(duty.tasks.all())
    task = Task.objects.create(duty=duty, title=title, frequency=frequency, importance=importance,
                               sort_order=sort_order)
    record(actor, "task.create", task, after=snapshot(task, ["duty_id", "title", "frequency", "importance",
                                                             "sort_order"]))
    return task


@transaction.atomic
def update_task(task: Task, actor: Any, *, title: str | None = None, frequency: str | None = None,
                importance: int | None | _Unset = UNSET, sort_order: int | None = None,
                duty: Duty | None = None) -> Task:
    """Change a task's wording, frequency, importance or order, or move it to another duty of the role."""
    require_role_editor(actor)
    task = Task.objects.select_for_update(of=("self",)).select_related("duty").get(pk=task.pk)
    fields = ["duty_id", "title", "frequency", "importance", "sort_order"]
    before = snapshot(task, fields)
    errors: dict[str, str] = {}
    if duty is not None and duty.pk != task.duty_id:
        if duty.role_id != task.duty.role_id:
            errors["duty"] = "A task can only move to another duty of the same role."
        task.duty = duty
    if title is not None:
        task.title = _check_title(title, 500)
    if frequency is not None:
        task.frequency = _clean(frequency).lower()
    if not isinstance(importance, _Unset):
        task.importance = _importance(importance)
    _check_sort_order(sort_order)
    if sort_order is not None:
        task.sort_order = sort_order
    errors.update(_check_task_details(task.frequency, task.importance))
    if Task.objects.filter(duty_id=task.duty_id, title=task.title).exclude(pk=task.pk).exists():
        errors["title"] = f"The duty already has a task {task.title!r}."
    if errors:
        raise ValidationError(errors)
    task.save()
    after = snapshot(task, fields)
    if after != before:
        record(actor, "task.update", task, before=before, after=after)
    return task


@transaction.atomic
def delete_task(task: Task, actor: Any) -> None:
    require_role_editor(actor)
    role_id = Duty.objects.filter(pk=task.duty_id).values_list("role_id", flat=True).get()
    record(actor, "task.delete", task, before=snapshot(task, ["duty_id", "title", "frequency", "importance"]))
    task.delete()
    derive_profiles([role_id], actor)


# ---------------------------------------------------------------- competencies and levels

def competency_max_levels(competency_ids: Iterable[int]) -> dict[int, int]:
    """The top level of each competency's effective scale (its own scale, else its version's default),
    in two queries whatever the number of competencies."""
    ids = list(set(competency_ids))
    scale_of: dict[int, int | None] = {}
    for start in range(0, len(ids), DERIVE_SLICE):
        for pk, own, default in Competency.objects.filter(pk__in=ids[start:start + DERIVE_SLICE]).values_list(
                "pk", "scale_id", "version__default_scale_id"):
            scale_of[pk] = own or default
    scale_ids = {s for s in scale_of.values() if s is not None}
    tops = dict(ScaleLevel.objects.filter(scale_id__in=scale_ids).values("scale_id")
                .annotate(top=Max("value")).values_list("scale_id", "top")) if scale_ids else {}
    return {pk: tops.get(scale, 0) if scale is not None else 0 for pk, scale in scale_of.items()}


def check_competency_level(competency: Competency, level: Any, *, field: str = "level") -> int:
    """A competency usable in a task or a requirement: in a published framework version, with a level
    1..top of its scale. Returns the level as an int."""
    competency = Competency.objects.select_related("version__framework").get(pk=competency.pk)
    if competency.version.status != FrameworkVersion.Status.PUBLISHED:
        raise ValidationError({"competency": f"{competency.code} is in {competency.version}: only competencies "
                                             "of a published framework version can be required."})
    top = competency_max_levels([competency.pk]).get(competency.pk, 0)
    try:
        level = int(level)
    except (TypeError, ValueError):
        raise ValidationError({field: "The level is a whole number."}) from None
    if not 1 <= level <= top:
        raise ValidationError({field: f"Level {level} is outside the scale of {competency.code} (1 to {top})."})
    return level


def default_standard(competency: Competency) -> str:
    """The standard a competency's kind suggests: skills are performance standards, and so on."""
    return {
        Competency.Kind.SKILL: TaskCompetency.Standard.PERFORMANCE,
        Competency.Kind.KNOWLEDGE: TaskCompetency.Standard.KNOWLEDGE,
        Competency.Kind.BEHAVIOUR: TaskCompetency.Standard.BEHAVIOUR,
    }.get(competency.kind, TaskCompetency.Standard.PERFORMANCE)


def _role_id_of_task(task: Task) -> int:
    return Duty.objects.filter(pk=task.duty_id).values_list("role_id", flat=True).get()


@transaction.atomic
def set_task_competency(task: Task, actor: Any, *, competency: Competency, level: int,
                        standard: str) -> TaskCompetency:
    """The task needs this competency at this level, as a performance, knowledge or behaviour standard.
    A competency already named by the task (in any version) is updated, not repeated. The role's
    profile is derived again."""
    require_role_editor(actor)
    level = check_competency_level(competency, level)
    standard = _clean(standard).lower() or default_standard(competency)
    if standard not in TaskCompetency.Standard.values:
        raise ValidationError({"standard": f"Standard must be one of {', '.join(TaskCompetency.Standard.values)}."})
    link = TaskCompetency.objects.select_for_update().filter(task=task, competency__uuid=competency.uuid).first()
    before = snapshot(link, ["competency_id", "level", "standard"]) if link else None
    if link is None:
        link = TaskCompetency.objects.create(task=task, competency=competency, level=level, standard=standard)
    else:
        link.competency, link.level, link.standard = competency, level, standard
        link.save(update_fields=["competency", "level", "standard"])
    after = snapshot(link, ["competency_id", "level", "standard"])
    if after != before:
        record(actor, "task.competency.set", link, object_repr=f"{task.title}: {competency.code}",
               before=before, after={**after, "task_id": task.pk})
    derive_profiles([_role_id_of_task(task)], actor)
    return link


@transaction.atomic
def remove_task_competency(link: TaskCompetency, actor: Any) -> None:
    require_role_editor(actor)
    link = TaskCompetency.objects.select_related("task", "competency").get(pk=link.pk)
    role_id = _role_id_of_task(link.task)
    record(actor, "task.competency.remove", link, object_repr=f"{link.task.title}: {link.competency.code}",
           before=snapshot(link, ["task_id", "competency_id", "level", "standard"]))
    link.delete()
    derive_profiles([role_id], actor)


# ---------------------------------------------------------------- requirement profiles

@dataclass(frozen=True)
class DerivedNeed:
    level: int
    competency_id: int  # the row to point at: the one behind the highest level (newest version on a tie)


def derived_needs(role_ids: Iterable[int]) -> dict[tuple[int, Any], DerivedNeed]:
    """(role id, competency uuid) -> the highest level any of the role's tasks needs."""
    ids = list(set(role_ids))
    needs: dict[tuple[int, Any], tuple[int, int, int]] = {}
    for start in range(0, len(ids), DERIVE_SLICE):
        rows = TaskCompetency.objects.filter(task__duty__role_id__in=ids[start:start + DERIVE_SLICE]).values_list(
            "task__duty__role_id", "competency__uuid", "level", "competency__version__number", "competency_id")
        for role_id, uuid, level, version_number, competency_id in rows:
            key = (role_id, uuid)
            candidate = (level, version_number, competency_id)
            if key not in needs or candidate > needs[key]:
                needs[key] = candidate
    return {key: DerivedNeed(level, competency_id) for key, (level, _n, competency_id) in needs.items()}


@dataclass
class DerivationSummary:
    created: int = 0
    updated: int = 0
    removed: int = 0


def derive_profiles(role_ids: Iterable[int], actor: Any) -> DerivationSummary:
    """Bring the requirement profiles of many roles in line with their DACUM charts, set-based.

    Per (role, competency): derived = the highest level any task needs. Lines without a context that
    nobody changed by hand follow it (created as essential when new, removed when no task needs the
    competency any more). Hand-set lines keep their level; only their `derived_level` is refreshed, so
    the profile can show both. Callers hold the transaction and have checked permission.
    """
    ids = list(set(role_ids))
    needs = derived_needs(ids)
    summary = DerivationSummary()
    now = timezone.now()
    to_update: list[Requirement] = []
    to_delete: list[int] = []
    audit: list[dict[str, Any]] = []
    covered: set[tuple[int, Any]] = set()
    existing: list[Requirement] = []
    for start in range(0, len(ids), DERIVE_SLICE):
        existing += Requirement.objects.filter(role_id__in=ids[start:start + DERIVE_SLICE])
    for line in existing:
        key = (line.role_id, line.competency_uuid)
        need = needs.get(key)
        new_derived = need.level if need else None
        before = snapshot(line, REQUIREMENT_FIELDS)
        if line.context_id is None and not line.manual:
            if need is None:
                to_delete.append(line.pk)
                audit.append({"object_type": "organisation.requirement", "object_id": line.pk,
                              "object_repr": f"role {line.role_id}", "before": before,
                              "note": "no task needs this competency any more"})
                continue
            covered.add(key)
            if (line.level, line.derived_level, line.competency_id) == (need.level, need.level, need.competency_id):
                continue
            line.level = line.derived_level = need.level
            line.competency_id = need.competency_id
            line.changed_at = now
        else:
            if line.context_id is None:
                covered.add(key)
            if line.derived_level == new_derived:
                continue
            line.derived_level = new_derived
        to_update.append(line)
        audit.append({"object_type": "organisation.requirement", "object_id": line.pk,
                      "object_repr": f"role {line.role_id}", "before": before,
                      "after": snapshot(line, REQUIREMENT_FIELDS)})
    new_lines = [
        Requirement(role_id=role_id, competency_id=need.competency_id, competency_uuid=uuid, level=need.level,
                    derived_level=need.level, criticality=Requirement.Criticality.ESSENTIAL, manual=False,
                    changed_at=now)
        for (role_id, uuid), need in needs.items() if (role_id, uuid) not in covered
    ]
    for start in range(0, len(to_delete), DERIVE_SLICE):
        Requirement.objects.filter(pk__in=to_delete[start:start + DERIVE_SLICE]).delete()
    Requirement.objects.bulk_update(to_update, ["level", "derived_level", "competency", "changed_at"],
                                    batch_size=500)
    Requirement.objects.bulk_create(new_lines, batch_size=1000)
    audit += [{"object_type": "organisation.requirement", "object_id": line.pk or "",
               "object_repr": f"role {line.role_id}",
               "after": snapshot(line, REQUIREMENT_FIELDS)} for line in new_lines]
    record_many(actor, "requirement.derive", audit)
    summary.created, summary.updated, summary.removed = len(new_lines), len(to_update), len(to_delete)
    return summary


@transaction.atomic
def derive_role(role: Role, actor: Any) -> DerivationSummary:
    """Derive one role's profile from its tasks (see derive_profiles); say how many lines changed."""
    require_role_editor(actor)
    return derive_profiles([role.pk], actor)


@transaction.atomic
def derive_requirements(role: Role, actor: Any) -> list[Requirement]:
    """Derive one role's profile from its tasks (see derive_profiles) and return its lines."""
    derive_role(role, actor)
    return list(Requirement.objects.filter(role=role).select_related("competency", "context")
                .order_by("competency__code", "context__code"))


def _check_criticality(criticality: str) -> str:
    criticality = _clean(criticality).lower() or Requirement.Criticality.ESSENTIAL
    if criticality not in Requirement.Criticality.values:
        raise ValidationError({"criticality": "Criticality is essential or desirable."})
    return criticality


@transaction.atomic
def set_requirement(role: Role, actor: Any, *, competency: Competency, level: int, criticality: str,
                    context: Context | None = None, note: str = "") -> Requirement:
    """Set a profile line by hand. It is marked manual (with who and when) and keeps its level when the
    profile is derived again."""
    require_role_editor(actor)
    level = check_competency_level(competency, level)
    criticality = _check_criticality(criticality)
    note = _clean(note)
    if len(note) > 500:
        raise ValidationError({"note": "At most 500 characters."})
    line = (Requirement.objects.select_for_update()
            .filter(role=role, competency_uuid=competency.uuid, context=context).first())
    before = snapshot(line, REQUIREMENT_FIELDS) if line else None
    need = derived_needs([role.pk]).get((role.pk, competency.uuid))
    if line is None:
        line = Requirement(role=role, competency_uuid=competency.uuid, context=context)
    line.competency = competency
    line.level = level
    line.criticality = criticality
    line.note = note
    line.derived_level = need.level if need else None
    line.manual = True
    line.changed_by = user_or_none(actor)
    line.changed_at = timezone.now()
    line.save()
    record(actor, "requirement.set", line, object_repr=f"{role.name}: {competency.code}", before=before,
           after=snapshot(line, REQUIREMENT_FIELDS))
    return line


@transaction.atomic
def remove_requirement(requirement: Requirement, actor: Any) -> None:
    """Remove a profile line. A line the role's tasks still need would only come back on the next
    derivation, so that is refused: change the tasks, or reset the line to the derived level."""
    require_role_editor(actor)
    line = (Requirement.objects.select_for_update(of=("self",)).select_related("competency", "role")
            .get(pk=requirement.pk))
    if line.context_id is None and derived_needs([line.role_id]).get((line.role_id, line.competency_uuid)):
        raise ValidationError({"requirement": f"Tasks of {line.role.name} need {line.competency.code}: remove it "
                                              "from those tasks, or reset the line to the derived level."})
    record(actor, "requirement.remove", line, object_repr=f"{line.role.name}: {line.competency.code}",
           before=snapshot(line, REQUIREMENT_FIELDS))
    line.delete()


@transaction.atomic
def reset_requirement_to_derived(requirement: Requirement, actor: Any) -> Requirement:
    """Undo a manual change: the line follows the tasks again."""
    require_role_editor(actor)
    line = (Requirement.objects.select_for_update(of=("self",)).select_related("competency", "role")
            .get(pk=requirement.pk))
    if line.context_id is not None:
        raise ValidationError({"requirement": "A line with a context is always set by hand; remove it instead."})
    need = derived_needs([line.role_id]).get((line.role_id, line.competency_uuid))
    if need is None:
        raise ValidationError({"requirement": f"No task of {line.role.name} needs {line.competency.code}: "
                                              "there is no derived level to return to; remove the line instead."})
    before = snapshot(line, REQUIREMENT_FIELDS)
    line.level = line.derived_level = need.level
    line.competency_id = need.competency_id
    line.manual = False
    line.changed_by = None
    line.changed_at = timezone.now()
    line.note = ""
    line.save()
    record(actor, "requirement.reset", line, object_repr=f"{line.role.name}: {line.competency.code}",
           before=before, after=snapshot(line, REQUIREMENT_FIELDS))
    return line


# ---------------------------------------------------------------- contexts

@transaction.atomic
def create_context(actor: Any, *, code: str, name: str = "", description: str = "") -> Context:
    """A place a competency is exercised (site, equipment, condition), for requirement lines."""
    require_role_editor(actor)
    code = _clean(code)
    context = Context(code=code, name=_clean(name) or code, description=(description or "").strip())
    try:
        context.full_clean()
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    context.save()
    record(actor, "context.create", context, after=snapshot(context, ["code", "name", "description"]))
    return context

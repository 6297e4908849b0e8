"""REST API for the organisation: units, people, positions, job roles with their DACUM charts and
requirement profiles, and the organisation's file imports and exports.

Endpoints are thin: reads go through `queries` and lists of people always start from
`access.visible_people`; writes call `services`, which check permission (PermissionDenied -> 403)
and validate (ValidationError -> 400). A person the caller may not see answers 404, so the API does
not confirm that an employee id exists.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from compms.access import reports_prefix
from compms.access.people import require_organisation_reader, visible_people
from compms.accounts import services as account_services
from compms.accounts.models import User
from compms.frameworks.models import Competency
from compms.interop.base import ImportFailed
from compms.organisation import queries, services
from compms.organisation.imports import EXPORT_FUNCTIONS, IMPORT_FUNCTIONS
from compms.organisation.models import (
    Context,
    Duty,
    Person,
    Position,
    Requirement,
    Role,
    Task,
    TaskCompetency,
    Unit,
)

router = Router(tags=["organisation"])
PEOPLE_STATUSES: dict[str, bool | None] = {"active": True, "left": False, "all": None}


# ---------------------------------------------------------------- schemas: references

class UnitRef(Schema):
    id: int
    external_id: str
    name: str


class PersonRef(Schema):
    id: int
    employee_id: str
    name: str


class RoleRef(Schema):
    id: int
    external_id: str
    name: str


class CompetencyRef(Schema):
    id: int
    uuid: str
    code: str
    name: str
    kind: str
    framework: str
    version: int

    @staticmethod
    def resolve_uuid(obj: Competency) -> str:
        return str(obj.uuid)

    @staticmethod
    def resolve_framework(obj: Competency) -> str:
        return obj.version.framework.code

    @staticmethod
    def resolve_version(obj: Competency) -> int:
        return obj.version.number


class ContextRef(Schema):
    id: int
    code: str
    name: str


# ---------------------------------------------------------------- schemas: units

class UnitOut(Schema):
    id: int
    external_id: str
    name: str
    parent_id: int | None
    path: str
    depth: int


class UnitNodeOut(Schema):
    id: int
    external_id: str
    name: str
    people: int = Field(description="Active people in this unit itself")
    people_in_subtree: int
    children: list[UnitNodeOut]


UnitNodeOut.model_rebuild()


class UnitIn(Schema):
    external_id: str
    name: str
    parent_id: int | None = None


class UnitPatch(Schema):
    external_id: str | None = None
    name: str | None = None
    parent_id: int | None = Field(None, description="Give null to make the unit a root; leave out to keep it")


def _node(node: queries.UnitNode) -> dict[str, Any]:
    return {"id": node.unit.pk, "external_id": node.unit.external_id, "name": node.unit.name,
            "people": node.people, "people_in_subtree": node.people_in_subtree,
            "children": [_node(child) for child in node.children]}


# ---------------------------------------------------------------- schemas: people and positions

class PersonBase(Schema):
    id: int
    employee_id: str
    name: str
    email: str
    unit: UnitRef
    manager: PersonRef | None
    start_date: dt.date | None
    active: bool
    left_on: dt.date | None


class PersonOut(PersonBase):
    roles: list[RoleRef]

    @staticmethod
    def resolve_roles(obj: Person) -> list[Role]:
        # Uses the positions prefetched with the page (queries.people_for), never a query per row.
        seen: dict[int, Role] = {}
        for position in obj.positions.all():
            seen.setdefault(position.role_id, position.role)
        return sorted(seen.values(), key=lambda role: role.name)


class HeldPositionOut(Schema):
    id: int
    external_id: str
    title: str
    role: RoleRef
    unit: UnitRef
    holder_since: dt.date | None


class MoveOut(Schema):
    kind: str
    effective_on: dt.date
    from_value: str
    to_value: str
    position_id: int | None
    recorded_at: dt.datetime
    recorded_by: str

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str:
        return obj.recorded_by.get_username() if obj.recorded_by_id else ""


class PersonDetailOut(PersonBase):
    roles: list[RoleRef]
    username: str
    login_active: bool | None = Field(None, description="Whether the linked log-in may sign in; null: no log-in")
    direct_reports: int
    all_reports: int
    positions: list[HeldPositionOut]
    history: list[MoveOut]


class PersonIn(Schema):
    employee_id: str
    name: str
    unit_id: int
    email: str = ""
    manager_id: int | None = None
    start_date: dt.date | None = None
    user_id: int | None = None


class PersonPatch(Schema):
    employee_id: str | None = None
    name: str | None = None
    email: str | None = None
    start_date: dt.date | None = None
    user_id: int | None = Field(None, description="null unlinks the log-in; leave out to keep it")


class PersonMoveIn(Schema):
    effective_on: dt.date
    unit_id: int | None = None
    manager_id: int | None = Field(None, description="null: no manager; leave out to keep the manager")


class LeaveIn(Schema):
    left_on: dt.date
    successor_id: int | None = Field(None, description="Who takes over the leaver's direct reports; leave out "
                                                        "to give them to the leaver's own manager")


class ReturnIn(Schema):
    start_date: dt.date
    unit_id: int | None = Field(None, description="Leave out to return to the unit they left")
    manager_id: int | None = Field(None, description="null: no manager; leave out to keep the manager")


class PositionOut(Schema):
    id: int
    external_id: str
    title: str
    role: RoleRef
    unit: UnitRef
    holder: PersonRef | None = Field(description="Shown only when the caller may see the holder")
    holder_since: dt.date | None
    vacant: bool

    @staticmethod
    def resolve_holder(obj: Position) -> Person | None:
        return obj.holder if obj.holder_id and getattr(obj, "holder_visible", False) else None

    @staticmethod
    def resolve_holder_since(obj: Position) -> dt.date | None:
        return obj.holder_since if getattr(obj, "holder_visible", False) else None

    @staticmethod
    def resolve_vacant(obj: Position) -> bool:
        return obj.holder_id is None


class PositionIn(Schema):
    role_id: int
    unit_id: int
    external_id: str | None = None
    title: str = ""


class AssignIn(Schema):
    person_id: int
    start_date: dt.date


class VacateIn(Schema):
    end_date: dt.date


# ---------------------------------------------------------------- schemas: roles, DACUM, profile

class RoleOut(Schema):
    id: int
    external_id: str
    name: str
    family: str
    grade: str
    purpose: str


class TaskCompetencyOut(Schema):
    id: int
    competency: CompetencyRef
    level: int
    standard: str


class TaskOut(Schema):
    id: int
    title: str
    sort_order: int
    frequency: str
    importance: int | None
    competencies: list[TaskCompetencyOut]


class DutyOut(Schema):
    id: int
    title: str
    sort_order: int
    tasks: list[TaskOut]


class RoleDetailOut(RoleOut):
    duties: list[DutyOut]


class RoleIn(Schema):
    external_id: str
    name: str
    family: str = ""
    grade: str = ""
    purpose: str = ""


class RolePatch(Schema):
    external_id: str | None = None
    name: str | None = None
    family: str | None = None
    grade: str | None = None
    purpose: str | None = None


# Positions are stored in a positive integer column (a CHECK >= 0; int4 on PostgreSQL).
SortOrder = Annotated[int, Field(ge=0, le=2**31 - 1, description="Position, 0 first")]


class DutyIn(Schema):
    title: str
    sort_order: SortOrder | None = None


class DutyPatch(Schema):
    title: str | None = None
    sort_order: SortOrder | None = None


class TaskIn(Schema):
    title: str
    frequency: str = ""
    importance: int | None = None
    sort_order: SortOrder | None = None


class TaskPatch(Schema):
    title: str | None = None
    frequency: str | None = None
    importance: int | None = None
    sort_order: SortOrder | None = None
    duty_id: int | None = None


class TaskCompetencyIn(Schema):
    competency_id: int
    level: int
    standard: str = Field("", description="performance, knowledge or behaviour; empty: from the competency's kind")


class SourceOut(Schema):
    duty_id: int
    duty: str
    task_id: int
    task: str
    level: int
    standard: str


class RequirementOut(Schema):
    id: int
    competency: CompetencyRef
    level: int
    derived_level: int | None
    criticality: str
    context: ContextRef | None
    manual: bool
    origin: Literal["tasks", "manual", "adjusted"]
    changed_by: str
    changed_at: dt.datetime
    note: str
    sources: list[SourceOut]


class RequirementIn(Schema):
    competency_id: int
    level: int
    criticality: str = "essential"
    context: str | None = Field(None, description="Context code; created if new")
    note: str = ""


class DerivationOut(Schema):
    created: int
    updated: int
    removed: int
    requirements: list[RequirementOut]


class OrganisationImportOut(Schema):
    format: str
    summary: list[str]
    counts: dict[str, int]


class RowErrorOut(Schema):
    row: int | None
    item: str | None
    field: str
    message: str


class ErrorOut(Schema):
    detail: Any


def _profile(role: Role) -> list[dict[str, Any]]:
    lines = []
    for line in queries.role_profile(role):
        requirement = line.requirement
        lines.append({
            "id": requirement.pk, "competency": requirement.competency, "level": requirement.level,
            "derived_level": requirement.derived_level, "criticality": requirement.criticality,
            "context": requirement.context, "manual": requirement.manual, "origin": line.origin,
            "changed_by": line.changed_by_name, "changed_at": requirement.changed_at, "note": requirement.note,
            "sources": [{"duty_id": s.duty_id, "duty": s.duty_title, "task_id": s.task_id, "task": s.task_title,
                         "level": s.level, "standard": s.standard} for s in line.sources],
        })
    return lines


# ---------------------------------------------------------------- lookups

def _visible_person(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(visible_people(request.user).select_related("unit", "manager"), pk=pk)


def _optional(model: Any, pk: int | None) -> Any:
    return get_object_or_404(model, pk=pk) if pk is not None else None


# ---------------------------------------------------------------- units

@router.get("/units", response=list[UnitOut], summary="All units, parents before children")
def list_units(request: HttpRequest) -> QuerySet[Unit]:
    require_organisation_reader(request.user)
    return Unit.objects.order_by("path")


@router.get("/units/tree", response=list[UnitNodeOut], summary="The unit tree with head counts")
def units_tree(request: HttpRequest, root: int | None = None) -> list[dict[str, Any]]:
    require_organisation_reader(request.user)
    return [_node(node) for node in queries.unit_tree(_optional(Unit, root))]


@router.get("/units/{unit_id}", response=UnitOut)
def get_unit(request: HttpRequest, unit_id: int) -> Unit:
    require_organisation_reader(request.user)
    return get_object_or_404(Unit, pk=unit_id)


@router.post("/units", response={201: UnitOut}, summary="Create a unit (HR)")
def create_unit(request: HttpRequest, payload: UnitIn) -> Status:
    unit = services.create_unit(request.user, external_id=payload.external_id, name=payload.name,
                                parent=_optional(Unit, payload.parent_id))
    return Status(201, unit)


@router.patch("/units/{unit_id}", response=UnitOut, summary="Rename or move a unit (HR)")
def update_unit(request: HttpRequest, unit_id: int, payload: UnitPatch) -> Unit:
    unit = get_object_or_404(Unit, pk=unit_id)
    changes: dict[str, Any] = {"name": payload.name, "external_id": payload.external_id}
    if "parent_id" in payload.model_fields_set:
        changes["parent"] = _optional(Unit, payload.parent_id)
    return services.update_unit(unit, request.user, **changes)


# ---------------------------------------------------------------- people

@router.get("/people", response=list[PersonOut], summary="People the caller may see, filtered and paged")
@paginate(PageNumberPagination, page_size=50)
def list_people(request: HttpRequest, q: str = "", unit: int | None = None, subunits: bool = True,
                manager: int | None = None, direct: bool = False, role: int | None = None,
                status: str = "active") -> QuerySet[Person]:
    require_organisation_reader(request.user)
    # status is a plain str: the paginating wrapper cannot resolve a Literal annotation here.
    if status not in PEOPLE_STATUSES:
        raise ValidationError({"status": "Use active, left or all."})
    active = PEOPLE_STATUSES[status]
    return queries.people_for(
        request.user, q=q.strip(), unit=_optional(Unit, unit), subunits=subunits,
        manager=_manager_for_filter(manager), direct_only=direct,
        role=_optional(Role, role), active=active)


def _manager_for_filter(manager_id: int | None) -> Person | None:
    """The manager whose reports a list asks for, with their own path (the prefix filter needs it); an
    unknown id (or one no database integer can hold) is a stand-in that matches nobody."""
    if manager_id is None:
        return None
    found = None
    if -2**63 <= manager_id < 2**63:
        found = Person.objects.only("pk", "manager_path").filter(pk=manager_id).first()
    return found or Person(pk=manager_id)


@router.get("/people/{person_id}", response=PersonDetailOut)
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    require_organisation_reader(request.user)
    person = _visible_person(request, person_id)
    positions = list(queries.positions_of(person))
    reports = visible_people(request.user).filter(manager_path__startswith=reports_prefix(person), active=True)
    return {
        "id": person.pk, "employee_id": person.employee_id, "name": person.name, "email": person.email,
        "unit": person.unit, "manager": person.manager, "start_date": person.start_date, "active": person.active,
        "left_on": person.left_on, "username": person.user.get_username() if person.user_id else "",
        "login_active": person.user.is_active if person.user_id else None,
        "roles": sorted({p.role_id: p.role for p in positions}.values(), key=lambda r: r.name),
        "direct_reports": reports.filter(manager=person).count(), "all_reports": reports.count(),
        "positions": positions, "history": list(queries.person_history(person)),
    }


@router.post("/people", response={201: PersonDetailOut}, summary="Add a person (HR)")
def create_person(request: HttpRequest, payload: PersonIn) -> Status:
    person = services.create_person(
        request.user, employee_id=payload.employee_id, name=payload.name, email=payload.email,
        unit=get_object_or_404(Unit, pk=payload.unit_id), manager=_optional(Person, payload.manager_id),
        start_date=payload.start_date, user=_optional(User, payload.user_id))
    return Status(201, get_person(request, person.pk))


@router.patch("/people/{person_id}", response=PersonDetailOut, summary="Correct a person's details (HR)")
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> dict[str, Any]:
    person = _visible_person(request, person_id)
    changes: dict[str, Any] = {"employee_id": payload.employee_id, "name": payload.name, "email": payload.email}
    if "start_date" in payload.model_fields_set:
        changes["start_date"] = payload.start_date
    if "user_id" in payload.model_fields_set:
        changes["user"] = _optional(User, payload.user_id)
    services.update_person(person, request.user, **changes)
    return get_person(request, person_id)


@router.post("/people/{person_id}/move", response=PersonDetailOut,
             summary="Move a person to another unit and/or manager, kept as history (HR)")
def move_person(request: HttpRequest, person_id: int, payload: PersonMoveIn) -> dict[str, Any]:
    person = _visible_person(request, person_id)
    changes: dict[str, Any] = {"unit": _optional(Unit, payload.unit_id)}
    if "manager_id" in payload.model_fields_set:
        changes["manager"] = _optional(Person, payload.manager_id)
    services.move_person(person, request.user, effective_on=payload.effective_on, **changes)
    return get_person(request, person_id)


@router.post("/people/{person_id}/leave", response=PersonDetailOut,
             summary="Record that a person left: their log-in, sessions and tokens end, their team moves (HR)")
def mark_left(request: HttpRequest, person_id: int, payload: LeaveIn) -> dict[str, Any]:
    person = _visible_person(request, person_id)
    successor = _visible_person(request, payload.successor_id) if payload.successor_id is not None else None
    services.mark_left(person, request.user, left_on=payload.left_on, successor=successor)
    return get_person(request, person_id)


@router.post("/people/{person_id}/return", response=PersonDetailOut,
             summary="Record that a leaver is back; their log-in stays off until restore-access (HR)")
def record_return(request: HttpRequest, person_id: int, payload: ReturnIn) -> dict[str, Any]:
    person = _visible_person(request, person_id)
    changes: dict[str, Any] = {"unit": _optional(Unit, payload.unit_id)}
    if "manager_id" in payload.model_fields_set:
        changes["manager"] = (_visible_person(request, payload.manager_id)
                              if payload.manager_id is not None else None)
    services.record_return(person, request.user, start_date=payload.start_date, **changes)
    return get_person(request, person_id)


@router.post("/people/{person_id}/restore-access", response=PersonDetailOut,
             summary="Give a returned person's log-in back, deliberately (HR)")
def restore_access(request: HttpRequest, person_id: int) -> dict[str, Any]:
    account_services.restore_access(_visible_person(request, person_id), request.user)
    return get_person(request, person_id)


# ---------------------------------------------------------------- positions

def _positions_for(request: HttpRequest, positions: QuerySet[Position]) -> QuerySet[Position]:
    # Whether the caller may see each holder, worked out by the database in the same query.
    visible = visible_people(request.user).filter(pk=OuterRef("holder_id"))
    return positions.annotate(holder_visible=Exists(visible))


@router.get("/positions", response=list[PositionOut], summary="Positions (seats of a role in a unit)")
@paginate(PageNumberPagination, page_size=50)
def list_positions(request: HttpRequest, unit: int | None = None, subunits: bool = False, role: int | None = None,
                   vacant: bool | None = None) -> QuerySet[Position]:
    require_organisation_reader(request.user)
    return _positions_for(request, queries.positions_in(_optional(Unit, unit), subunits=subunits,
                                                        role=_optional(Role, role), vacant=vacant))


def _position(request: HttpRequest, position_id: int) -> Position:
    return get_object_or_404(_positions_for(request, Position.objects.select_related("role", "unit", "holder")),
                             pk=position_id)


@router.get("/positions/{position_id}", response=PositionOut)
def get_position(request: HttpRequest, position_id: int) -> Position:
    require_organisation_reader(request.user)
    return _position(request, position_id)


@router.post("/positions", response={201: PositionOut}, summary="Create a position (HR)")
def create_position(request: HttpRequest, payload: PositionIn) -> Status:
    position = services.create_position(request.user, role=get_object_or_404(Role, pk=payload.role_id),
                                        unit=get_object_or_404(Unit, pk=payload.unit_id),
                                        external_id=payload.external_id, title=payload.title)
    return Status(201, _position(request, position.pk))


@router.post("/positions/{position_id}/assign", response=PositionOut, summary="Fill a vacant position (HR)")
def assign_position(request: HttpRequest, position_id: int, payload: AssignIn) -> Position:
    position = get_object_or_404(Position, pk=position_id)
    services.assign_position(position, request.user, person=_visible_person(request, payload.person_id),
                             start_date=payload.start_date)
    return _position(request, position_id)


@router.post("/positions/{position_id}/vacate", response=PositionOut, summary="Vacate a position (HR)")
def vacate_position(request: HttpRequest, position_id: int, payload: VacateIn) -> Position:
    services.vacate_position(get_object_or_404(Position, pk=position_id), request.user, end_date=payload.end_date)
    return _position(request, position_id)


# ---------------------------------------------------------------- roles and DACUM charts

@router.get("/roles", response=list[RoleOut], summary="Job roles")
@paginate(PageNumberPagination, page_size=100)
def list_roles(request: HttpRequest, q: str = "", family: str = "") -> QuerySet[Role]:
    require_organisation_reader(request.user)
    return queries.roles_list(q=q.strip(), family=family)


def _role_detail(role: Role) -> dict[str, Any]:
    return {**{name: getattr(role, name) for name in ("id", "external_id", "name", "family", "grade", "purpose")},
            "duties": [{"id": d.pk, "title": d.title, "sort_order": d.sort_order,
                        "tasks": [{"id": t.pk, "title": t.title, "sort_order": t.sort_order, "frequency": t.frequency,
                                   "importance": t.importance, "competencies": list(t.competencies.all())}
                                  for t in d.tasks.all()]}
                       for d in queries.role_chart(role)]}


@router.get("/roles/{role_id}", response=RoleDetailOut, summary="A role with its duties, tasks and competencies")
def get_role(request: HttpRequest, role_id: int) -> dict[str, Any]:
    require_organisation_reader(request.user)
    return _role_detail(get_object_or_404(Role, pk=role_id))


@router.post("/roles", response={201: RoleDetailOut}, summary="Create a role (HR, competency managers)")
def create_role(request: HttpRequest, payload: RoleIn) -> Status:
    return Status(201, _role_detail(services.create_role(request.user, **payload.dict())))


@router.patch("/roles/{role_id}", response=RoleDetailOut, summary="Change a role (HR, competency managers)")
def update_role(request: HttpRequest, role_id: int, payload: RolePatch) -> dict[str, Any]:
    role = get_object_or_404(Role, pk=role_id)
    return _role_detail(services.update_role(role, request.user, **payload.dict(exclude_unset=True)))


@router.post("/roles/{role_id}/duties", response={201: DutyOut}, summary="Add a duty")
def add_duty(request: HttpRequest, role_id: int, payload: DutyIn) -> Status:
    duty = services.add_duty(get_object_or_404(Role, pk=role_id), request.user, title=payload.title,
                             sort_order=payload.sort_order)
    return Status(201, {"id": duty.pk, "title": duty.title, "sort_order": duty.sort_order, "tasks": []})


@router.patch("/duties/{duty_id}", response=DutyOut, summary="Rename or reorder a duty")
def update_duty(request: HttpRequest, duty_id: int, payload: DutyPatch) -> dict[str, Any]:
    duty = services.update_duty(get_object_or_404(Duty, pk=duty_id), request.user, title=payload.title,
                                sort_order=payload.sort_order)
    return _duty_out(duty)


def _duty_out(duty: Duty) -> dict[str, Any]:
    chart = {d.pk: d for d in queries.role_chart(duty.role)}
    current = chart[duty.pk]
    return {"id": current.pk, "title": current.title, "sort_order": current.sort_order,
            "tasks": [{"id": t.pk, "title": t.title, "sort_order": t.sort_order, "frequency": t.frequency,
                       "importance": t.importance, "competencies": list(t.competencies.all())}
                      for t in current.tasks.all()]}


@router.delete("/duties/{duty_id}", response={204: None}, summary="Remove a duty and its tasks")
def delete_duty(request: HttpRequest, duty_id: int) -> Status:
    services.delete_duty(get_object_or_404(Duty, pk=duty_id), request.user)
    return Status(204, None)


def _task_out(task_id: int) -> dict[str, Any]:
    task = Task.objects.prefetch_related(
        "competencies__competency__version__framework").get(pk=task_id)
    return {"id": task.pk, "title": task.title, "sort_order": task.sort_order, "frequency": task.frequency,
            "importance": task.importance, "competencies": list(task.competencies.all())}


@router.post("/duties/{duty_id}/tasks", response={201: TaskOut}, summary="Add a task to a duty")
def add_task(request: HttpRequest, duty_id: int, payload: TaskIn) -> Status:
    task = services.add_task(get_object_or_404(Duty, pk=duty_id), request.user, **payload.dict())
    return Status(201, _task_out(task.pk))


@router.patch("/tasks/{task_id}", response=TaskOut, summary="Change a task")
def update_task(request: HttpRequest, task_id: int, payload: TaskPatch) -> dict[str, Any]:
    changes = payload.dict(exclude_unset=True)
    if "duty_id" in changes:
        changes["duty"] = _optional(Duty, changes.pop("duty_id"))
    services.update_task(get_object_or_404(Task, pk=task_id), request.user, **changes)
    return _task_out(task_id)


@router.delete("/tasks/{task_id}", response={204: None}, summary="Remove a task")
def delete_task(request: HttpRequest, task_id: int) -> Status:
    services.delete_task(get_object_or_404(Task, pk=task_id), request.user)
    return Status(204, None)


@router.post("/tasks/{task_id}/competencies", response={200: TaskCompetencyOut},
             summary="Say a task needs a competency at a level (the profile is derived again)")
def set_task_competency(request: HttpRequest, task_id: int, payload: TaskCompetencyIn) -> TaskCompetency:
    link = services.set_task_competency(get_object_or_404(Task, pk=task_id), request.user,
                                        competency=get_object_or_404(Competency, pk=payload.competency_id),
                                        level=payload.level, standard=payload.standard)
    return TaskCompetency.objects.select_related("competency__version__framework").get(pk=link.pk)


@router.delete("/task-competencies/{link_id}", response={204: None}, summary="Remove a competency from a task")
def remove_task_competency(request: HttpRequest, link_id: int) -> Status:
    services.remove_task_competency(get_object_or_404(TaskCompetency, pk=link_id), request.user)
    return Status(204, None)


# ---------------------------------------------------------------- requirement profiles

@router.get("/roles/{role_id}/requirements", response=list[RequirementOut],
            summary="The role's requirement profile, each line with where it came from")
def role_requirements(request: HttpRequest, role_id: int) -> list[dict[str, Any]]:
    require_organisation_reader(request.user)
    return _profile(get_object_or_404(Role, pk=role_id))


@router.post("/roles/{role_id}/requirements", response=RequirementOut,
             summary="Set a requirement line by hand (kept when the profile is derived again)")
def set_requirement(request: HttpRequest, role_id: int, payload: RequirementIn) -> dict[str, Any]:
    role = get_object_or_404(Role, pk=role_id)
    context = None
    if payload.context:
        context = Context.objects.filter(code=payload.context.strip()).first() or services.create_context(
            request.user, code=payload.context)
    competency = get_object_or_404(Competency, pk=payload.competency_id)
    line = services.set_requirement(role, request.user, competency=competency, level=payload.level,
                                    criticality=payload.criticality, context=context, note=payload.note)
    return next(item for item in _profile(role) if item["id"] == line.pk)


@router.post("/roles/{role_id}/derive", response=DerivationOut,
             summary="Derive the profile from the tasks again (manual lines keep their level)")
def derive(request: HttpRequest, role_id: int) -> dict[str, Any]:
    role = get_object_or_404(Role, pk=role_id)
    summary = services.derive_role(role, request.user)
    return {"created": summary.created, "updated": summary.updated, "removed": summary.removed,
            "requirements": _profile(role)}


@router.post("/requirements/{requirement_id}/reset", response=RequirementOut,
             summary="Undo a manual change: the line follows the tasks again")
def reset_requirement(request: HttpRequest, requirement_id: int) -> dict[str, Any]:
    line = services.reset_requirement_to_derived(get_object_or_404(Requirement, pk=requirement_id), request.user)
    return next(item for item in _profile(line.role) if item["id"] == line.pk)


@router.delete("/requirements/{requirement_id}", response={204: None}, summary="Remove a requirement line")
def remove_requirement(request: HttpRequest, requirement_id: int) -> Status:
    services.remove_requirement(get_object_or_404(Requirement, pk=requirement_id), request.user)
    return Status(204, None)


# ---------------------------------------------------------------- imports and exports

def _import(request: HttpRequest, name: str, upload: UploadedFile, options: dict[str, Any]) -> Status:
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return Status(400, {"detail": [{"row": None, "item": None, "field": "file",
                                        "message": "send a .csv or .xlsx file"}]})
    with tempfile.TemporaryDirectory(prefix="compms-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            result = IMPORT_FUNCTIONS[name](path, request.user, options)
        except ImportFailed as failure:
            return Status(400, {"detail": failure.as_dicts()})
    return Status(200, {"format": name, "summary": result.summary, "counts": result.counts})


IMPORT_RESPONSES = {200: OrganisationImportOut, 400: ErrorOut}


# One literal path per format (rather than /import/{format}) so formats of other apps stay free to
# register their own. Permission is the importer's: HR for units and people, HR or competency
# managers for roles, requirements and DACUM charts.
@router.post("/import/units", response=IMPORT_RESPONSES, summary="Import units (all-or-nothing)")
def import_units(request: HttpRequest, file: File[UploadedFile]) -> Any:
    return _import(request, "units", file, {})


@router.post("/import/roles", response=IMPORT_RESPONSES, summary="Import roles (all-or-nothing)")
def import_roles(request: HttpRequest, file: File[UploadedFile]) -> Any:
    return _import(request, "roles", file, {})


@router.post("/import/people", response=IMPORT_RESPONSES, summary="Import people (all-or-nothing)")
def import_people(request: HttpRequest, file: File[UploadedFile], effective_on: dt.date | None = None) -> Any:
    return _import(request, "people", file, {"effective_on": effective_on})


@router.post("/import/requirements", response=IMPORT_RESPONSES,
             summary="Import requirement lines set by hand (all-or-nothing)")
def import_requirements(request: HttpRequest, file: File[UploadedFile]) -> Any:
    return _import(request, "requirements", file, {})


@router.post("/import/dacum", response=IMPORT_RESPONSES, summary="Import DACUM charts (all-or-nothing)")
def import_dacum(request: HttpRequest, file: File[UploadedFile], replace: bool = False) -> Any:
    return _import(request, "dacum", file, {"replace": replace})


def _export(request: HttpRequest, name: str, table_format: str) -> HttpResponse:
    require_organisation_reader(request.user)
    # People are restricted to those the caller may see; the rest is organisation structure.
    content, filename, content_type = EXPORT_FUNCTIONS[name](request.user, table_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _register_export(name: str) -> None:
    def export(request: HttpRequest, format: Literal["csv", "xlsx"] = "csv") -> HttpResponse:
        return _export(request, name, format)

    export.__name__ = f"export_{name}"
    router.get(f"/export/{name}", summary=f"Export {name} as CSV or xlsx (round-trips with the import)",
               operation_id=f"organisation_export_{name}")(export)


for _name in EXPORT_FUNCTIONS:
    _register_export(_name)

"""Read helpers for the organisation, shared by pages, the API and exports. Each answers in a fixed,
small number of queries whatever the size of the organisation. Anything that lists people takes the
viewing user and starts from `visible_people`, so nobody sees more through a helper than the rule allows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from compms.access import reports_prefix
from compms.access.people import visible_people
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

# ---------------------------------------------------------------- units


@dataclass
class UnitNode:
    unit: Unit
    people: int  # active people in this unit itself
    children: list[UnitNode] = field(default_factory=list)

    @property
    def people_in_subtree(self) -> int:
        return self.people + sum(child.people_in_subtree for child in self.children)


def unit_tree(root: Unit | None = None) -> list[UnitNode]:
    """The units as a tree (roots first, children by name), with head counts, in one query."""
    units = Unit.objects.annotate(active_people=Count("people", filter=Q(people__active=True)))
    if root is not None:
        units = units.filter(path__startswith=root.path)
    nodes = {u.pk: UnitNode(u, u.active_people) for u in units.order_by("depth", "name")}
    roots: list[UnitNode] = []
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_id) if node.unit.parent_id else None
        if parent is None or (root is not None and node.unit.pk == root.pk):
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


def flatten_tree(nodes: list[UnitNode]) -> list[UnitNode]:
    """Depth-first order, for indented lists."""
    out: list[UnitNode] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def subtree_units(unit: Unit) -> QuerySet[Unit]:
    """The unit and every unit below it."""
    return Unit.objects.filter(path__startswith=unit.path)


def unit_ancestors(unit: Unit) -> list[Unit]:
    """From the root down to the unit's parent, for breadcrumbs."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part][:-1]
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


# ---------------------------------------------------------------- people

def filter_people(people: QuerySet[Person], *, q: str = "", unit: Unit | None = None, subunits: bool = True,
                  manager: Person | None = None, direct_only: bool = False, role: Role | None = None,
                  active: bool | None = True) -> QuerySet[Person]:
    """The filters of the people list, the same for the page, the API and exports.

    unit: people in the unit (and its sub-units unless subunits=False); manager: their reports (direct
    only, or indirect too); role: people holding a position of the role; active None: current and left.
    """
    if q:
        people = people.filter(Q(name__icontains=q) | Q(employee_id__icontains=q) | Q(email__icontains=q))
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path) if subunits else people.filter(unit=unit)
    if manager is not None:
        people = people.filter(manager=manager) if direct_only else people.filter(
            manager_path__startswith=reports_prefix(manager))
    if role is not None:
        people = people.filter(pk__in=Position.objects.filter(role=role, holder__isnull=False)
                               .values("holder_id"))
    if active is not None:
        people = people.filter(active=active)
    return people


def people_for(user: Any, **filters: Any) -> QuerySet[Person]:
    """The people a user may see, filtered (see filter_people), ready for a list: unit, manager and
    held positions are loaded with the page, not one query per row."""
    return (filter_people(visible_people(user), **filters)
            .select_related("unit", "manager")
            .prefetch_related(Prefetch("positions", queryset=Position.objects.select_related("role", "unit")))
            .order_by("name", "employee_id"))


def people_in_subtree(user: Any, unit: Unit, *, active: bool | None = True) -> QuerySet[Person]:
    return people_for(user, unit=unit, active=active)


def reports_of(user: Any, person: Person, *, direct_only: bool = False,
               active: bool | None = True) -> QuerySet[Person]:
    """Someone's reports as far as the viewing user may see them."""
    return people_for(user, manager=person, direct_only=direct_only, active=active)


def person_history(person: Person) -> QuerySet[PersonMove]:
    """Moves, newest first, with who recorded them."""
    return person.moves.select_related("recorded_by", "position").order_by("-effective_on", "-id")


def positions_of(person: Person) -> QuerySet[Position]:
    return person.positions.select_related("role", "unit").order_by("role__name")


def positions_in(unit: Unit | None = None, *, subunits: bool = False, role: Role | None = None,
                 vacant: bool | None = None) -> QuerySet[Position]:
    positions = Position.objects.select_related("role", "unit", "holder")
    if unit is not None:
        positions = positions.filter(unit__path__startswith=unit.path) if subunits else positions.filter(unit=unit)
    if role is not None:
        positions = positions.filter(role=role)
    if vacant is not None:
        positions = positions.filter(holder__isnull=vacant)
    return positions.order_by("unit__path", "role__name", "external_id")


# ---------------------------------------------------------------- roles: chart and profile

def role_chart(role: Role) -> list[Duty]:
    """Duties in order, each with its tasks in order and each task's competencies, in four queries."""
    links = TaskCompetency.objects.select_related("competency__version__framework").order_by(
        "competency__code")
    tasks = Task.objects.order_by("sort_order", "id").prefetch_related(Prefetch("competencies", queryset=links))
    return list(role.duties.order_by("sort_order", "id").prefetch_related(Prefetch("tasks", queryset=tasks)))


@dataclass(frozen=True)
class RequirementSource:
    """A task that asks for the competency of a profile line."""

    duty_id: int
    duty_title: str
    task_id: int
    task_title: str
    level: int
    standard: str


@dataclass(frozen=True)
class ProfileLine:
    requirement: Requirement
    sources: list[RequirementSource]

    @property
    def competency(self) -> Any:
        return self.requirement.competency

    @property
    def framework_code(self) -> str:
        return self.requirement.competency.version.framework.code

    @property
    def context(self) -> Context | None:
        return self.requirement.context

    @property
    def origin(self) -> str:
        """`tasks` (follows the chart), `manual` (set by hand, no task needs it) or `adjusted`
        (tasks need it, and someone changed the line by hand)."""
        if not self.requirement.manual:
            return "tasks"
        return "adjusted" if self.requirement.derived_level is not None else "manual"

    @property
    def changed_by_name(self) -> str:
        user = self.requirement.changed_by
        return user.get_username() if user is not None else ""


def role_profile(role: Role) -> list[ProfileLine]:
    """The role's requirement profile with, for each line, the tasks it comes from and whether (and by
    whom) it was changed by hand. Three queries."""
    lines = list(Requirement.objects.filter(role=role)
                 .select_related("competency__version__framework", "context", "changed_by")
                 .order_by("competency__code", "context__code"))
    sources: dict[Any, list[RequirementSource]] = defaultdict(list)
    links = (TaskCompetency.objects.filter(task__duty__role=role)
             .select_related("task__duty", "competency")
             .order_by("task__duty__sort_order", "task__duty_id", "task__sort_order", "task_id"))
    for link in links:
        sources[link.competency.uuid].append(RequirementSource(
            duty_id=link.task.duty_id, duty_title=link.task.duty.title, task_id=link.task_id,
            task_title=link.task.title, level=link.level, standard=link.standard))
    return [ProfileLine(line, sources.get(line.competency_uuid, [])) for line in lines]


def roles_list(*, q: str = "", family: str = "") -> QuerySet[Role]:
    roles = Role.objects.annotate(
        duty_count=Count("duties", distinct=True),
        requirement_count=Count("requirements", distinct=True),
        position_count=Count("positions", distinct=True),
    )
    if q:
        roles = roles.filter(Q(name__icontains=q) | Q(external_id__icontains=q) | Q(family__icontains=q))
    if family:
        roles = roles.filter(family=family)
    return roles.order_by("name")


def role_families() -> list[str]:
    return list(Role.objects.exclude(family="").values_list("family", flat=True).distinct().order_by("family"))

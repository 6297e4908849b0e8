"""Read-only queries behind the organisation pages, shaped for templates.

Every helper here loads what a page needs in a fixed number of queries, whatever the size of the
organisation or the role: the unit tree is one query plus one aggregated head count, a DACUM chart is
one query per level of the chart (duties, tasks, task competencies), never one per row.
Nothing here writes; the services in `services.py` are the only writers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from compms.frameworks.models import Competency, FrameworkVersion, LevelIndicator, ScaleLevel
from compms.organisation.models import (
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

# ---------------------------------------------------------------- unit tree


@dataclass
class UnitNode:
    unit: Unit
    direct_count: int = 0
    total_count: int = 0
    children: list[UnitNode] = field(default_factory=list)


@dataclass(frozen=True)
class TreeStep:
    """One step of a pre-order walk, so a template can draw nested lists without recursion."""

    kind: str  # "open" (a node starts) or "close" (the node's children end)
    node: UnitNode | None = None


def unit_tree() -> list[UnitNode]:
    """All units as a forest with head counts of active people: direct and whole subtree.

    Two queries: the units (ordered by path, so parents come before children) and one GROUP BY count.
    """
    units = list(Unit.objects.only("id", "name", "external_id", "parent_id", "path", "depth").order_by("path"))
    direct = dict(
        Person.objects.filter(active=True).values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )
    nodes = {unit.pk: UnitNode(unit, direct_count=direct.get(unit.pk, 0)) for unit in units}
    roots: list[UnitNode] = []
    for unit in units:
        node = nodes[unit.pk]
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent is not None else roots).append(node)
    for root in roots:
        _sum_subtree(root)
    _sort_by_name(roots)
    return roots


def _sum_subtree(root: UnitNode) -> None:
    # Iterative post-order: trees can be deeper than Python's recursion limit allows for comfort.
    stack: list[tuple[UnitNode, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            node.total_count = node.direct_count + sum(child.total_count for child in node.children)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in node.children)


def _sort_by_name(nodes: list[UnitNode]) -> None:
    stack = [nodes]
    while stack:
        level = stack.pop()
        level.sort(key=lambda n: n.unit.name.lower())
        stack.extend(n.children for n in level)


def tree_steps(roots: list[UnitNode]) -> list[TreeStep]:
    steps: list[TreeStep] = []
    stack: list[TreeStep] = [TreeStep("open", root) for root in reversed(roots)]
    while stack:
        step = stack.pop()
        steps.append(step)
        if step.kind == "open" and step.node is not None and step.node.children:
            stack.append(TreeStep("close"))
            stack.extend(TreeStep("open", child) for child in reversed(step.node.children))
    return steps


# ---------------------------------------------------------------- people


def search_people(visible: QuerySet[Person], query: str = "", unit: Unit | None = None) -> QuerySet[Person]:
    """Filter an already access-restricted queryset by name, employee id or e-mail, and by unit subtree."""
    people = visible.select_related("unit", "manager")
    query = query.strip()
    if query:
        people = people.filter(
            Q(name__icontains=query) | Q(employee_id__istartswith=query) | Q(email__icontains=query)
        )
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    return people.order_by("name", "employee_id")


@dataclass
class PersonPage:
    person: Person
    unit_chain: list[Unit]
    manager_visible: bool
    reports: list[Person]
    hidden_report_count: int
    positions: list[Position]
    moves: list[PersonMove]


def person_page(person: Person, visible: QuerySet[Person]) -> PersonPage:
    """What the person page shows. `visible` is what the viewer may see, so links and reports never
    reveal people outside it."""
    chain_ids = [int(part) for part in person.unit.path.strip("/").split("/") if part]
    chain = {u.pk: u for u in Unit.objects.filter(pk__in=chain_ids)}
    reports = list(person.reports.filter(active=True).select_related("unit").order_by("name"))
    related_ids = [r.pk for r in reports] + ([person.manager_id] if person.manager_id else [])
    visible_ids = set(visible.filter(pk__in=related_ids).values_list("pk", flat=True)) if related_ids else set()
    shown_reports = [r for r in reports if r.pk in visible_ids]
    positions = list(Position.objects.filter(holder=person).select_related("role", "unit").order_by("role__name"))
    moves = list(person.moves.select_related("position__role", "recorded_by").order_by("-effective_on", "-id"))
    return PersonPage(
        person=person,
        unit_chain=[chain[pk] for pk in chain_ids if pk in chain],
        manager_visible=person.manager_id in visible_ids,
        reports=shown_reports,
        hidden_report_count=len(reports) - len(shown_reports),
        positions=positions,
        moves=moves,
    )


# ---------------------------------------------------------------- roles


def _count_per_role(model: type[Duty] | type[Requirement]) -> Coalesce:
    # A correlated count per role: joining duties and requirements together would multiply the rows.
    counts = model.objects.filter(role=OuterRef("pk")).order_by().values("role").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counts), 0)


def role_list(query: str = "", family: str = "") -> QuerySet[Role]:
    roles = Role.objects.annotate(duty_count=_count_per_role(Duty), requirement_count=_count_per_role(Requirement))
    query = query.strip()
    if query:
        roles = roles.filter(Q(name__icontains=query) | Q(external_id__icontains=query)
                             | Q(purpose__icontains=query))
    if family:
        roles = roles.filter(family=family)
    return roles.order_by("name", "external_id")


def role_families() -> list[str]:
    return list(Role.objects.exclude(family="").order_by("family").values_list("family", flat=True).distinct())


def duty_letter(index: int) -> str:
    """DACUM charts name duties A, B, C ... Z, AA, AB ...; tasks are A1, A2, B1 ..."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


@dataclass
class TaskCard:
    task: Task
    code: str
    competencies: list[TaskCompetency]


@dataclass
class DutyRow:
    duty: Duty
    letter: str
    cards: list[TaskCard]


def dacum_chart(role: Role) -> list[DutyRow]:
    """Duties in order, each with its task cards and the competencies each task needs (3 queries)."""
    task_competencies = TaskCompetency.objects.select_related(
        "competency__version__framework").order_by("competency__code")
    duties = role.duties.order_by("sort_order", "id").prefetch_related(
        Prefetch("tasks", queryset=Task.objects.order_by("sort_order", "id").prefetch_related(
            Prefetch("competencies", queryset=task_competencies))))
    rows = []
    for index, duty in enumerate(duties):
        letter = duty_letter(index)
        cards = [TaskCard(task, f"{letter}{number}", list(task.competencies.all()))
                 for number, task in enumerate(duty.tasks.all(), start=1)]
        rows.append(DutyRow(duty, letter, cards))
    return rows


@dataclass(frozen=True)
class RequirementSource:
    task_code: str
    task_title: str
    level: int
    standard: str


@dataclass
class ProfileLine:
    requirement: Requirement
    sources: list[RequirementSource]

    @property
    def differs_from_derived(self) -> bool:
        req = self.requirement
        return req.derived_level is not None and req.derived_level != req.level


def requirement_profile(role: Role, chart: list[DutyRow]) -> list[ProfileLine]:
    """The role's requirement lines with, for each, the tasks that ask for it (taken from the chart
    already loaded, so this costs one query)."""
    sources: dict[Any, list[RequirementSource]] = defaultdict(list)
    for row in chart:
        for card in row.cards:
            for tc in card.competencies:
                sources[tc.competency.uuid].append(
                    RequirementSource(card.code, card.task.title, tc.level, tc.get_standard_display()))
    requirements = role.requirements.select_related(
        "competency__version__framework", "context", "changed_by").order_by("competency__code", "context__code")
    return [ProfileLine(req, sources.get(req.competency_uuid, [])) for req in requirements]


# ---------------------------------------------------------------- competencies for the editor


def published_versions() -> list[FrameworkVersion]:
    """The latest published version of each framework, in framework-code order (one query)."""
    latest: dict[int, FrameworkVersion] = {}
    versions = FrameworkVersion.objects.filter(status=FrameworkVersion.Status.PUBLISHED).select_related(
        "framework").order_by("framework__code", "-number")
    for version in versions:
        latest.setdefault(version.framework_id, version)
    return list(latest.values())


def find_published_competency(framework_code: str, code: str,
                              versions: list[FrameworkVersion] | None = None) -> Competency | None:
    versions = published_versions() if versions is None else versions
    version = next((v for v in versions if v.framework.code == framework_code), None)
    if version is None:
        return None
    return (Competency.objects.filter(version=version, code=code.strip())
            .select_related("version__framework", "version__default_scale", "scale").first())


def competency_suggestions(framework_code: str, text: str, limit: int = 20) -> list[dict[str, str]]:
    version = next((v for v in published_versions() if v.framework.code == framework_code), None)
    if version is None or not text.strip():
        return []
    text = text.strip()
    matches = (Competency.objects.filter(version=version)
               .filter(Q(code__istartswith=text) | Q(name__icontains=text))
               .order_by("code").values("code", "name", "kind")[:limit])
    return list(matches)


# ---------------------------------------------------------------- scale descriptors and indicators


def level_texts(pairs: Iterable[tuple[Competency, int]]) -> tuple[dict[tuple[int, int], ScaleLevel],
                                                                  dict[tuple[int, int], str]]:
    """For (competency, level) pairs: the scale level (name + descriptor) keyed by (scale id, level) and
    the competency's indicator keyed by (competency id, level). Two queries for any number of pairs.
    Competencies must come with `version` and `scale` loaded (select_related)."""
    pairs = list(pairs)
    scale_ids = {scale_id for c, _ in pairs if (scale_id := c.scale_id or c.version.default_scale_id)}
    levels = {lvl for _, lvl in pairs}
    scale_levels = {
        (sl.scale_id, sl.value): sl
        for sl in ScaleLevel.objects.filter(scale_id__in=scale_ids, value__in=levels)
    } if scale_ids else {}
    indicators = {
        (ind.competency_id, ind.level): ind.text
        for ind in LevelIndicator.objects.filter(competency_id__in={c.pk for c, _ in pairs}, level__in=levels)
    } if pairs else {}
    return scale_levels, indicators


def effective_scale_id(competency: Competency) -> int | None:
    return competency.scale_id or competency.version.default_scale_id

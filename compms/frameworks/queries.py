"""Read-only queries behind the dictionary pages: a version's tree in one query, ancestor paths
and subtrees through recursive SQL, and search across frameworks. Nothing here writes."""

from __future__ import annotations

import uuid as uuid_lib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from compms.frameworks.models import Competency, Framework, FrameworkVersion, LevelIndicator

# Recursive walks stop here, so a corrupt parent cycle cannot loop forever.
MAX_DEPTH = 500


# ---------------------------------------------------------------- versions

def default_version(versions: Iterable[FrameworkVersion]) -> FrameworkVersion | None:
    """The version people should see first: the latest published, else the latest draft,
    else (only retired ones left) the latest of any status."""
    ordered = sorted(versions, key=lambda v: v.number, reverse=True)
    for status in (FrameworkVersion.Status.PUBLISHED, FrameworkVersion.Status.DRAFT):
        for version in ordered:
            if version.status == status:
                return version
    return ordered[0] if ordered else None


def searchable_version_ids(framework: Framework | None = None) -> list[int]:
    """The latest published version and any drafts of each framework (of one, if given).
    Retired and superseded published versions are left out so a search shows current wording."""
    rows = FrameworkVersion.objects.filter(
        status__in=[FrameworkVersion.Status.PUBLISHED, FrameworkVersion.Status.DRAFT])
    if framework is not None:
        rows = rows.filter(framework=framework)
    latest_published: dict[int, tuple[int, int]] = {}
    ids: list[int] = []
    for pk, framework_id, number, status in rows.values_list("id", "framework_id", "number", "status"):
        if status == FrameworkVersion.Status.DRAFT:
            ids.append(pk)
        elif framework_id not in latest_published or number > latest_published[framework_id][0]:
            latest_published[framework_id] = (number, pk)
    return ids + [pk for _number, pk in latest_published.values()]


# ---------------------------------------------------------------- one competency

def find_competency(version: FrameworkVersion, ref: str,
                    queryset: QuerySet[Competency] | None = None) -> Competency | None:
    """A competency of `version` by its uuid or, failing that, by its code."""
    items = (queryset if queryset is not None else Competency.objects.all()).filter(version=version)
    try:
        as_uuid = uuid_lib.UUID(ref)
    except ValueError:
        as_uuid = None
    if as_uuid is not None:
        found = items.filter(uuid=as_uuid).first()
        if found is not None:
            return found
    return items.filter(code=ref).first()


def _competency_sql_names() -> dict[str, str]:
    quote = connection.ops.quote_name
    meta = Competency._meta
    return {"table": quote(meta.db_table), "id": quote(meta.pk.column),
            "parent": quote(meta.get_field("parent").column)}


def ancestor_paths(competency_ids: Sequence[int]) -> dict[int, list[Competency]]:
    """For each id, its ancestors from the root down (itself excluded), all in one recursive query."""
    if not competency_ids:
        return {}
    names = _competency_sql_names()
    marks = ", ".join(["%s"] * len(competency_ids))
    sql = f"""
        WITH RECURSIVE chain(start_id, node_id, parent_id, depth) AS (
            SELECT {names['id']}, {names['id']}, {names['parent']}, 0
              FROM {names['table']} WHERE {names['id']} IN ({marks})
            UNION ALL
            SELECT chain.start_id, c.{names['id']}, c.{names['parent']}, chain.depth + 1
              FROM {names['table']} c JOIN chain ON c.{names['id']} = chain.parent_id
             WHERE chain.depth < %s
        )
        SELECT c.*, chain.start_id AS path_start, chain.depth AS path_depth
          FROM chain JOIN {names['table']} c ON c.{names['id']} = chain.node_id
         WHERE chain.depth > 0
    """
    paths: dict[int, list[tuple[int, Competency]]] = {pk: [] for pk in competency_ids}
    for node in Competency.objects.raw(sql, [*competency_ids, MAX_DEPTH]):
        paths[node.path_start].append((node.path_depth, node))
    return {start: [node for _depth, node in sorted(steps, key=lambda step: -step[0])]
            for start, steps in paths.items()}


def descendants(competency: Competency) -> list[Competency]:
    """Everything below a competency (what deleting it also removes), in one recursive query."""
    names = _competency_sql_names()
    sql = f"""
        WITH RECURSIVE below(node_id, depth) AS (
            SELECT {names['id']}, 1 FROM {names['table']} WHERE {names['parent']} = %s
            UNION ALL
            SELECT c.{names['id']}, below.depth + 1
              FROM {names['table']} c JOIN below ON c.{names['parent']} = below.node_id
             WHERE below.depth < %s
        )
        SELECT c.* FROM below JOIN {names['table']} c ON c.{names['id']} = below.node_id
    """
    return sorted(Competency.objects.raw(sql, [competency.pk, MAX_DEPTH]), key=lambda c: c.code)


# ---------------------------------------------------------------- the tree of a version

@dataclass
class TreeNode:
    id: int
    uuid: uuid_lib.UUID
    parent_id: int | None
    code: str
    name: str
    kind: str
    item_type: str
    children: list[TreeNode] = field(default_factory=list)


@dataclass(frozen=True)
class TreeRow:
    """One node in display order. `opens` means its children follow, nested inside it;
    `closes` is how many open parents end right after this row (a range, for the template)."""

    node: TreeNode
    depth: int
    opens: bool
    closes: range


@dataclass
class Tree:
    roots: list[TreeNode]
    size: int

    def rows(self) -> list[TreeRow]:
        order = _preorder(self.roots)
        rows = []
        for index, (node, depth) in enumerate(order):
            next_depth = order[index + 1][1] if index + 1 < len(order) else 0
            opens = next_depth == depth + 1
            rows.append(TreeRow(node=node, depth=depth, opens=opens,
                                closes=range(0 if opens else depth - next_depth)))
        return rows


def _preorder(roots: list[TreeNode]) -> list[tuple[TreeNode, int]]:
    # Iterative, so a tree of any depth renders without hitting Python's recursion limit.
    order: list[tuple[TreeNode, int]] = []
    seen: set[int] = set()
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        node, depth = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        order.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(node.children) if child.id not in seen)
    return order


def load_tree(version: FrameworkVersion) -> Tree:
    """The whole competency tree of a version from a single query, however large or deep."""
    nodes: dict[int, TreeNode] = {}
    fields = ("id", "uuid", "parent_id", "code", "name", "kind", "item_type")
    for row in (Competency.objects.filter(version=version).order_by("sort_order", "code")
                .values_list(*fields)):
        node = TreeNode(*row)
        nodes[node.id] = node
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    # Nodes caught in a parent cycle are reachable from no root; list them at the top rather than lose them.
    reachable = {node.id for node, _depth in _preorder(roots)}
    roots.extend(node for node in nodes.values() if node.id not in reachable)
    return Tree(roots=roots, size=len(nodes))


# ---------------------------------------------------------------- search

@dataclass(frozen=True)
class SearchHit:
    competency: Competency
    path: list[Competency]
    matched_indicator: bool


@dataclass(frozen=True)
class SearchResult:
    text: str
    hits: list[SearchHit]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.hits)


def search_competencies(text: str, version_ids: Sequence[int], limit: int = 100) -> SearchResult:
    """Competencies whose code, name, description or any level indicator contains `text`
    (case-insensitive), best matches first: exact code, then code or name, then the rest."""
    text = (text or "").strip()
    if not text or not version_ids:
        return SearchResult(text=text, hits=[], total=0)
    indicator_match = Exists(LevelIndicator.objects.filter(competency=OuterRef("pk"), text__icontains=text))
    matches: QuerySet[Competency] = (
        Competency.objects.filter(version_id__in=version_ids)
        .annotate(matched_indicator=indicator_match)
        .filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(description__icontains=text)
                | Q(matched_indicator=True))
    )
    total = matches.count()
    ranked = (
        matches.annotate(rank=Case(When(code__iexact=text, then=Value(0)),
                                   When(Q(code__icontains=text) | Q(name__icontains=text), then=Value(1)),
                                   default=Value(2), output_field=IntegerField()))
        .select_related("version__framework")
        .order_by("rank", "version__framework__code", "-version__number", "code")[:limit]
    )
    found = list(ranked)
    paths = ancestor_paths([c.pk for c in found])
    hits = [SearchHit(competency=c, path=paths.get(c.pk, []), matched_indicator=bool(c.matched_indicator))
            for c in found]
    return SearchResult(text=text, hits=hits, total=total)


def scale_rows(levels: Iterable[Any], indicators: dict[int, str]) -> list[dict[str, Any]]:
    """Levels of a scale side by side with a competency's indicator for each; indicators for
    levels the scale lacks (e.g. imported data) are kept at the end so nothing is hidden."""
    rows = [{"value": level.value, "name": level.name, "descriptor": level.descriptor,
             "indicator": indicators.get(level.value, "")} for level in levels]
    known = {row["value"] for row in rows}
    rows.extend({"value": value, "name": "(not in this scale)", "descriptor": "", "indicator": text}
                for value, text in sorted(indicators.items()) if value not in known)
    return rows

"""The bulk writer behind dictionary imports (CASE packages and spreadsheets).

A parser turns a file into a DictionaryPlan: the whole dictionary as the file says it should be.
`import_dictionary` checks the plan, compares it with the framework's current content and writes only
the differences into the framework's draft version (a new draft copied from the latest published version
when there is none), in one transaction, with one audit row per changed object. Competencies are matched
by their stable uuid (or by code, for spreadsheets without a uuid column), so importing the same file
again changes nothing and never duplicates anything.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify

from compms.audit.services import record, record_many
from compms.frameworks import services as framework_services
from compms.frameworks.models import (
    Competency,
    Framework,
    FrameworkVersion,
    LevelIndicator,
    Relation,
    Scale,
    ScaleLevel,
)
from compms.interop.base import ImportFailed, RowError
from compms.interop.models import CaseSource

BATCH = 2000
CODE_MAX = Competency._meta.get_field("code").max_length
NAME_MAX = Competency._meta.get_field("name").max_length
ITEM_TYPE_MAX = Competency._meta.get_field("item_type").max_length


@dataclass(frozen=True)
class Where:
    """Where a planned object came from, so errors can name the row or item."""

    row: int | None = None
    item: str = ""

    def error(self, field_name: str, message: str) -> RowError:
        return RowError(self.row, field_name, message, self.item)

    def __str__(self) -> str:
        return f"row {self.row}" if self.row is not None else f"item {self.item}"


@dataclass
class PlannedLevel:
    value: int
    name: str
    descriptor: str = ""
    case_identifier: uuid.UUID | None = None


@dataclass
class PlannedScale:
    key: str
    name: str
    levels: list[PlannedLevel]
    where: Where
    code: str = ""  # blank: keep the matched scale's code, or derive one from the name
    description: str = ""
    case_identifier: uuid.UUID | None = None
    is_default: bool = False


@dataclass
class PlannedCompetency:
    key: str  # identity inside the source file (CASE identifier, or code)
    name: str
    where: Where
    uuid: uuid.UUID | None = None  # None: match by code, else a new uuid
    code: str = ""  # blank: keep a previously generated code or generate one from code_hint
    code_hint: str = ""
    description: str = ""
    kind: str = Competency.Kind.SKILL
    item_type: str = ""
    parent: str | None = None  # key of the parent
    sort_order: int = 0
    scale: str | None = None  # key of a PlannedScale or code of a scale in the version; None: default
    indicators: dict[int, str] = field(default_factory=dict)
    esco_uri: str = ""
    sfia_code: str = ""
    external_ids: dict[str, Any] | None = None  # None: keep what the competency has
    extra: dict[str, Any] | None = None  # None: keep what the competency has


@dataclass
class PlannedRelation:
    uuid: uuid.UUID
    source: str  # key of a planned competency
    kind: str
    where: Where
    target: str | None = None  # key of a planned competency, or None for an external item
    target_uri: str = ""
    target_identifier: str = ""
    target_title: str = ""
    case_type: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# How the source calls our fields, for error messages ({level} is filled in for indicators).
TABLE_LABELS = {"code": "code", "parent": "parent_code", "name": "name", "kind": "kind", "scale": "scale",
                "indicator": "indicator_{level}", "uuid": "uuid"}


@dataclass
class DictionaryPlan:
    source: str  # e.g. "CASE package", "spreadsheet", shown in summaries and the audit trail
    framework_code: str  # code for a new framework, or to find one when case_identifier is None
    framework_name: str
    competencies: list[PlannedCompetency]
    case_identifier: uuid.UUID | None = None
    framework_fields: dict[str, str] = field(default_factory=dict)  # description, publisher, source_uri
    relations: list[PlannedRelation] | None = None  # None: leave the version's relations alone
    scales: list[PlannedScale] = field(default_factory=list)
    case_source: dict[str, Any] | None = None  # {"document": ..., "definitions": ...} kept for export
    suggested_code: str = ""  # code for a new framework when framework_code is blank and this one is free
    # Fields the source does not give (a column left out of a sheet): existing competencies keep theirs.
    keep: frozenset[str] = frozenset()
    labels: dict[str, str] = field(default_factory=lambda: dict(TABLE_LABELS))


@dataclass
class DictionaryImport:
    framework: Framework
    version: FrameworkVersion
    created_framework: bool = False
    new_draft: bool = False
    published: bool = False
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    relations_added: int = 0
    relations_updated: int = 0
    relations_removed: int = 0
    scales_changed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.relations_added
                    or self.relations_updated or self.relations_removed or self.scales_changed)

    def summary(self) -> list[str]:
        version = self.version
        how = "created" if self.created_framework else ("new draft" if self.new_draft else "updated")
        if not self.changed and not self.created_framework:
            how = "no changes"
        total = self.added + self.updated + self.unchanged
        lines = [f"framework {self.framework.code} v{version.number} ({version.status}): {how}",
                 (f"competencies: {total} (added {self.added}, updated {self.updated}, removed {self.removed}, "
                  f"unchanged {self.unchanged})")]
        if self.relations_added or self.relations_updated or self.relations_removed:
            lines.append(f"relations: added {self.relations_added}, updated {self.relations_updated}, "
                         f"removed {self.relations_removed}")
        if self.scales_changed:
            lines.append(f"scales added or changed: {self.scales_changed}")
        return lines


# ---------------------------------------------------------------- checks that need no database

def find_cycles(parent_of: dict[str, str | None]) -> list[list[str]]:
    """Each cycle in a child -> parent map, once, as the list of keys on it."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    cycles = []
    for start in parent_of:
        path = []
        node: str | None = start
        while node is not None and node in parent_of and node not in state:
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            cycles.append(path[path.index(node):])
        for visited in path:
            state[visited] = 2
    return cycles


def check_plan(plan: DictionaryPlan) -> list[RowError]:
    labels = plan.labels
    errors: list[RowError] = []
    keys = {c.key for c in plan.competencies}
    first_code: dict[str, PlannedCompetency] = {}
    first_uuid: dict[uuid.UUID, PlannedCompetency] = {}
    for c in plan.competencies:
        if not c.name.strip():
            errors.append(c.where.error(labels["name"], "a competency needs a name"))
        if c.kind not in Competency.Kind.values:
            errors.append(c.where.error(labels["kind"], f"{c.kind!r} is not a kind "
                                        f"(use {', '.join(Competency.Kind.values)})"))
        if c.code:
            if len(c.code) > CODE_MAX:
                errors.append(c.where.error(labels["code"], f"longer than {CODE_MAX} characters"))
            elif c.code in first_code:
                errors.append(c.where.error(labels["code"], f"duplicate code {c.code!r} "
                                            f"(also on {first_code[c.code].where})"))
            else:
                first_code[c.code] = c
        if c.uuid is not None:
            if c.uuid in first_uuid:
                errors.append(c.where.error(labels["uuid"], f"duplicate identifier {c.uuid} "
                                            f"(also on {first_uuid[c.uuid].where})"))
            else:
                first_uuid[c.uuid] = c
        if c.parent is not None and c.parent not in keys:
            errors.append(c.where.error(labels["parent"], f"parent {c.parent!r} is not in the file"))
    by_key = {c.key: c for c in plan.competencies}
    for cycle in find_cycles({c.key: c.parent for c in plan.competencies}):
        chain = " -> ".join([*cycle, cycle[0]])
        for key in cycle:
            errors.append(by_key[key].where.error(labels["parent"], f"parent cycle: {chain}"))
    for r in plan.relations or []:
        if r.kind not in Relation.Kind.values:
            errors.append(r.where.error("kind", f"unknown relation kind {r.kind!r}"))
    for s in plan.scales:
        values = sorted(level.value for level in s.levels)
        if values != list(range(len(values))) or not values:
            errors.append(s.where.error("levels", f"scale {s.name!r}: levels must run 0..n without gaps or "
                                                  f"repeats; got {values}"))
    return errors


def outline_numbers(plan: DictionaryPlan) -> dict[str, str]:
    """Each competency's position in the tree as "2.1.3" (by sort order, then file order): the
    readable fallback code for items that have none."""
    children: dict[str | None, list[tuple[int, int, str]]] = defaultdict(list)
    for index, c in enumerate(plan.competencies):
        children[c.parent].append((c.sort_order, index, c.key))
    numbers: dict[str, str] = {}
    stack: list[tuple[str | None, str]] = [(None, "")]
    while stack:
        parent, prefix = stack.pop()
        for rank, (_order, _index, key) in enumerate(sorted(children.get(parent, [])), start=1):
            numbers[key] = f"{prefix}{rank}"
            stack.append((key, f"{prefix}{rank}."))
    return numbers


# ---------------------------------------------------------------- the version's current content

@dataclass
class _Content:
    version: FrameworkVersion
    by_uuid: dict[uuid.UUID, Competency]
    by_code: dict[str, Competency]
    uuid_of: dict[int, uuid.UUID]  # competency pk -> uuid
    indicators: dict[int, dict[int, str]]
    relations: dict[uuid.UUID, Relation]
    scales: list[Scale]


def _load(version: FrameworkVersion) -> _Content:
    competencies = list(version.competencies.all())
    indicators: dict[int, dict[int, str]] = defaultdict(dict)
    for competency_id, level, text in LevelIndicator.objects.filter(competency__version=version).values_list(
            "competency_id", "level", "text"):
        indicators[competency_id][level] = text
    return _Content(
        version=version,
        by_uuid={c.uuid: c for c in competencies},
        by_code={c.code: c for c in competencies},
        uuid_of={c.pk: c.uuid for c in competencies},
        indicators=indicators,
        relations={r.uuid: r for r in Relation.objects.filter(version=version).select_related("target")},
        scales=list(version.scales.prefetch_related("levels")),
    )


# Metadata that a round trip through another system may add or refresh without changing the meaning
# of a competency or relation; a difference only there is not worth a new draft.
_VOLATILE_TOP = ("imported_code", "child_association")
_VOLATILE_CASE = ("uri", "lastChangeDateTime", "originNodeURI", "destinationNodeURI", "CFItemTypeURI")


def comparable_extra(extra: dict[str, Any] | None, code: str = "") -> dict[str, Any]:
    result = {k: v for k, v in (extra or {}).items() if k not in _VOLATILE_TOP}
    if isinstance(result.get("case"), dict):
        case = {k: v for k, v in result["case"].items() if k not in _VOLATILE_CASE
                and not (k == "humanCodingScheme" and v == code)}
        if case:
            result["case"] = case
        else:
            del result["case"]
    return result


# CASE association type written for each relation kind when a relation has no case_type of its own.
CASE_TYPE_OF_KIND = {"related": "isRelatedTo", "exact_match": "exactMatchOf", "prerequisite": "precedes",
                     "broader": "isPartOf", "replaced_by": "replacedBy"}


@dataclass
class _Diff:
    content: _Content
    scale_match: dict[str, Scale | None]  # planned scale key -> the scale it updates (None: new)
    scales_to_write: list[PlannedScale]
    desired: dict[uuid.UUID, dict[str, Any]]  # what each planned competency should be, by uuid
    added: list[uuid.UUID]
    changed: list[uuid.UUID]
    removed: list[Competency]
    unchanged: int
    relations_new: list[PlannedRelation]
    relations_changed: list[tuple[Relation, PlannedRelation]]
    relations_removed: list[Relation]
    uuid_of_key: dict[str, uuid.UUID]

    @property
    def empty(self) -> bool:
        return not (self.scales_to_write or self.added or self.changed or self.removed or self.relations_new
                    or self.relations_changed or self.relations_removed)


def _scale_code(wanted: str, taken: set[str]) -> str:
    base = (slugify(wanted) or "scale")[:55]
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


def _diff(plan: DictionaryPlan, content: _Content) -> _Diff:
    labels = plan.labels
    errors: list[RowError] = []
    version = content.version
    scales_by_case = {s.case_identifier: s for s in content.scales}
    scales_by_code = {s.code: s for s in content.scales}
    default_scale = next((s for s in content.scales if s.pk == version.default_scale_id), None)

    # Scales first: competencies refer to them.
    scale_match: dict[str, Scale | None] = {}
    taken_codes = {s.code for s in content.scales}
    scales_to_write = []
    planned_max: dict[str, int] = {}
    default_planned: PlannedScale | None = None
    for ps in plan.scales:
        match = scales_by_case.get(ps.case_identifier) if ps.case_identifier else None
        if match is None and ps.is_default:
            match = default_scale
        if match is None and ps.code:
            match = scales_by_code.get(ps.code)
        scale_match[ps.key] = match
        if ps.is_default:
            default_planned = ps
        planned_max[ps.key] = max(level.value for level in ps.levels)
        if match is None:
            ps.code = _scale_code(ps.code or ps.name, taken_codes)
            taken_codes.add(ps.code)
            scales_to_write.append(ps)
            continue
        ps.code = ps.code or match.code
        if ps.code != match.code:
            if ps.code in taken_codes:
                ps.code = _scale_code(ps.code, taken_codes)
            taken_codes.add(ps.code)
        have = [(lvl.value, lvl.name, lvl.descriptor, lvl.case_identifier) for lvl in match.levels.all()]
        have_ids = {value: case_identifier for value, _name, _descriptor, case_identifier in have}
        want = [(lvl.value, lvl.name, lvl.descriptor, lvl.case_identifier or have_ids.get(lvl.value))
                for lvl in sorted(ps.levels, key=lambda lv: lv.value)]
        if (ps.code, ps.name, ps.description, ps.case_identifier or match.case_identifier, want) != (
                match.code, match.name, match.description, match.case_identifier, have) or (
                ps.is_default and version.default_scale_id != match.pk):
            scales_to_write.append(ps)

    def scale_token(c: PlannedCompetency) -> tuple[str, Any] | None:
        if c.scale is None or (default_planned is not None and c.scale == default_planned.key):
            return None
        if c.scale in scale_match:
            match = scale_match[c.scale]
            return ("pk", match.pk) if match is not None else ("new", c.scale)
        existing = scales_by_code.get(c.scale)
        return ("pk", existing.pk) if existing is not None else ("unknown", c.scale)

    def max_level(token: tuple[str, Any] | None) -> tuple[str, int]:
        if token is None:
            if default_planned is not None:
                return default_planned.name, planned_max[default_planned.key]
            return (default_scale.name, default_scale.max_level) if default_scale else ("(none)", 0)
        kind, ref = token
        if kind == "new":
            return next(ps.name for ps in plan.scales if ps.key == ref), planned_max[ref]
        scale = next(s for s in content.scales if s.pk == ref)
        matched_plan = next((ps for ps in plan.scales if scale_match.get(ps.key) is scale), None)
        return (scale.name, planned_max[matched_plan.key]) if matched_plan else (scale.name, scale.max_level)

    # Identity: uuid when the source has one, else the code (spreadsheets without a uuid column).
    # Rows that name their uuid claim their competency first; check_plan has refused repeated uuids.
    planned: dict[uuid.UUID, PlannedCompetency] = {c.uuid: c for c in plan.competencies if c.uuid is not None}
    for c in plan.competencies:
        if c.uuid is None:
            existing = content.by_code.get(c.code)
            if existing is not None and existing.uuid in planned:
                errors.append(c.where.error(labels["code"], f"code {c.code!r} belongs to the competency that "
                                            f"{planned[existing.uuid].where} names by uuid"))
                continue
            c.uuid = existing.uuid if existing is not None else uuid.uuid4()
            planned[c.uuid] = c
    uuid_of_key = {c.key: c.uuid for c in plan.competencies if c.uuid is not None}

    # Codes: the file's own, else keep a code generated earlier, else generate one.
    numbers = outline_numbers(plan)
    taken = {c.code for c in plan.competencies if c.code}
    for c in plan.competencies:
        if c.code:
            continue
        existing = content.by_uuid.get(c.uuid)
        if (existing is not None and (existing.extra or {}).get("imported_code") == existing.code
                and existing.code not in taken):
            c.code = existing.code
        else:
            base = (c.code_hint or numbers[c.key])[:CODE_MAX - 4]
            c.code, n = base, 2
            while c.code in taken:
                c.code, n = f"{base}-{n}", n + 1
        taken.add(c.code)
    for c in plan.competencies:
        if c.extra is not None:
            c.extra["imported_code"] = c.code

    desired: dict[uuid.UUID, dict[str, Any]] = {}
    added, changed = [], []
    unchanged = 0
    for key, c in planned.items():
        token = scale_token(c)
        if token is not None and token[0] == "unknown":
            errors.append(c.where.error(labels["scale"], f"no scale with code {token[1]!r} in "
                                        f"{version.framework.code} v{version.number}"))
            continue
        scale_name, top = max_level(token)
        for level in sorted(c.indicators):
            if level < 1 or level > top:
                errors.append(c.where.error(labels["indicator"].format(level=level),
                                            f"level {level} is beyond the scale {scale_name} (levels 1..{top})"))
        existing = content.by_uuid.get(key)
        want = {"code": c.code, "name": c.name.strip(), "description": c.description, "kind": c.kind,
                "item_type": c.item_type[:ITEM_TYPE_MAX], "sort_order": c.sort_order, "esco_uri": c.esco_uri,
                "sfia_code": c.sfia_code,
                "external_ids": c.external_ids if c.external_ids is not None else
                (existing.external_ids if existing else {}),
                "extra": c.extra if c.extra is not None else (existing.extra if existing else {}),
                "parent": uuid_of_key.get(c.parent) if c.parent else None, "scale": token,
                "indicators": {level: text for level, text in c.indicators.items() if text.strip()}}
        desired[key] = want
        if existing is None:
            added.append(key)
            continue
        have = {name: getattr(existing, name) for name in ("code", "name", "description", "kind", "item_type",
                                                             "sort_order", "esco_uri", "sfia_code", "external_ids")}
        have["parent"] = content.uuid_of.get(existing.parent_id) if existing.parent_id else None
        have["scale"] = ("pk", existing.scale_id) if existing.scale_id else None
        have["indicators"] = content.indicators.get(existing.pk, {})
        for name in plan.keep:
            want[name] = have[name]
        if "parent" in plan.keep and want["parent"] not in planned:
            want["parent"] = None  # the old parent is not in the file, so it goes
        comparable_want = {k: v for k, v in want.items() if k != "extra"}
        if comparable_want != have or (comparable_extra(want["extra"], want["code"])
                                       != comparable_extra(existing.extra, existing.code)):
            changed.append(key)
        else:
            unchanged += 1
    removed = [c for key, c in content.by_uuid.items() if key not in planned]

    relations_new, relations_changed, relations_removed = [], [], []
    if plan.relations is not None:
        seen = set()
        for r in plan.relations:
            seen.add(r.uuid)
            existing_relation = content.relations.get(r.uuid)
            if existing_relation is None:
                relations_new.append(r)
                continue
            target_uuid = uuid_of_key.get(r.target) if r.target else None
            have_target = content.uuid_of.get(existing_relation.target_id) if existing_relation.target_id else None
            same_type = (existing_relation.case_type == r.case_type
                         or (not existing_relation.case_type and CASE_TYPE_OF_KIND.get(r.kind) == r.case_type))
            if (content.uuid_of.get(existing_relation.source_id) != uuid_of_key[r.source]
                    or existing_relation.kind != r.kind or have_target != target_uuid
                    or (existing_relation.target_id is not None and have_target is None)
                    or (r.target is None and (existing_relation.target_uri, existing_relation.target_identifier,
                                              existing_relation.target_title)
                        != (r.target_uri, r.target_identifier, r.target_title))
                    or not same_type or comparable_extra(existing_relation.extra) != comparable_extra(r.extra)):
                relations_changed.append((existing_relation, r))
        relations_removed = [r for key, r in content.relations.items() if key not in seen]

    if errors:
        raise ImportFailed(errors)
    return _Diff(content, scale_match, scales_to_write, desired, added, changed, removed, unchanged,
                 relations_new, relations_changed, relations_removed, uuid_of_key)


# ---------------------------------------------------------------- writing

def _write_scales(diff: _Diff) -> dict[str, Scale]:
    """Create or update the planned scales; returns every planned scale key -> Scale in the draft."""
    version = diff.content.version
    scales: dict[str, Scale] = {key: s for key, s in diff.scale_match.items() if s is not None}
    for ps in diff.scales_to_write:
        scale = diff.scale_match.get(ps.key)
        if scale is None:
            scale = Scale(version=version)
        scale.code, scale.name, scale.description = ps.code, ps.name[:200], ps.description
        if ps.case_identifier:
            scale.case_identifier = ps.case_identifier
        scale.save()
        old = {lvl.value: lvl for lvl in scale.levels.all()}
        wanted = {lvl.value for lvl in ps.levels}
        ScaleLevel.objects.filter(scale=scale).exclude(value__in=wanted).delete()
        for lvl in ps.levels:
            row = old.get(lvl.value) or ScaleLevel(scale=scale, value=lvl.value)
            row.name, row.descriptor = lvl.name[:200], lvl.descriptor
            if lvl.case_identifier:
                row.case_identifier = lvl.case_identifier
            row.save()
        if ps.is_default and version.default_scale_id != scale.pk:
            version.default_scale = scale
            version.save(update_fields=["default_scale"])
        scales[ps.key] = scale
    return scales


def _check_removable(removed: list[Competency], version: FrameworkVersion, plan: DictionaryPlan) -> None:
    """A competency still named by a relation of another framework version would take that relation
    with it; refuse rather than change a dictionary that is not being imported."""
    if not removed:
        return
    foreign = (Relation.objects.filter(target__in=removed).exclude(version=version)
               .select_related("source__version__framework", "target"))
    errors = [RowError(None, plan.labels["code"], f"{r.target.code} cannot be removed: {r.source.code} in "
                       f"{r.source.version.framework.code} v{r.source.version.number} relates to it",
                       str(r.target.uuid)) for r in foreign]
    if errors:
        raise ImportFailed(errors)


def update_rows(model: type[models.Model], rows: list[models.Model], fields: list[str]) -> None:
    """Write `fields` of each row with one UPDATE ... WHERE pk = %s run as executemany. Django's
    bulk_update builds a CASE expression per field and row instead, which takes tens of seconds for
    a thousand competencies."""
    if not rows:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(c.column)} = %s' for c in columns)} "
           f"WHERE {quote(meta.pk.column)} = %s")
    params = [[c.get_db_prep_save(getattr(row, c.attname), connection) for c in columns] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


SNAPSHOT_FIELDS = ("code", "name", "description", "kind", "item_type", "sort_order", "esco_uri", "sfia_code")


def _snapshot(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values.get(name) for name in SNAPSHOT_FIELDS}


def _apply(diff: _Diff, plan: DictionaryPlan, actor: Any, result: DictionaryImport) -> None:
    content = diff.content
    version = content.version
    scales = _write_scales(diff)

    def scale_of(token: tuple[str, Any] | None) -> int | None:
        if token is None:
            return None
        return token[1] if token[0] == "pk" else scales[token[1]].pk

    audit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ps in diff.scales_to_write:
        audit["scale.import"].append({"object_type": "frameworks.scale", "object_id": scales[ps.key].pk,
                                      "object_repr": ps.name, "note": plan.source,
                                      "after": {"code": ps.code, "levels": [lvl.value for lvl in ps.levels]}})
    _check_removable(diff.removed, version, plan)

    # Codes may move between competencies (or to a new one from one removed), so first park every code
    # that changes or goes on a unique placeholder: the (version, code) constraint holds throughout.
    changed = [content.by_uuid[key] for key in diff.changed]
    before = {c.uuid: _snapshot(vars(c)) for c in changed}
    before_removal = {c.uuid: _snapshot(vars(c)) for c in diff.removed}
    parked = [c for c in changed if c.code != diff.desired[c.uuid]["code"]] + diff.removed
    for c in parked:
        c.code = f"~import~{c.pk}"
    update_rows(Competency, parked, ["code"])

    # New rows go in a tree level at a time, so each is created with its parent already in place.
    pk_of = {key: c.pk for key, c in content.by_uuid.items()}
    fields = ["code", "name", "description", "kind", "item_type", "sort_order", "esco_uri", "sfia_code",
              "external_ids", "extra"]
    pending = list(diff.added)
    while pending:
        ready = [key for key in pending if diff.desired[key]["parent"] in pk_of or not diff.desired[key]["parent"]]
        rows = [Competency(version=version, uuid=key, scale_id=scale_of(diff.desired[key]["scale"]),
                           parent_id=pk_of.get(diff.desired[key]["parent"]),
                           **{name: diff.desired[key][name] for name in fields}) for key in ready]
        Competency.objects.bulk_create(rows, batch_size=BATCH)
        if any(row.pk is None for row in rows):  # a backend that does not hand back primary keys
            rows = list(version.competencies.filter(uuid__in=ready))
        pk_of.update({row.uuid: row.pk for row in rows})
        pending = [key for key in pending if key not in pk_of]

    for c in changed:
        want = diff.desired[c.uuid]
        for name in fields:
            setattr(c, name, want[name])
        c.scale_id = scale_of(want["scale"])
        c.parent_id = pk_of[want["parent"]] if want["parent"] else None
    update_rows(Competency, changed, [*fields, "scale", "parent"])

    # Only now, with every remaining competency under its new parent, can the removed ones go (a
    # deleted parent takes its children with it).
    for relation in diff.relations_removed:
        audit["relation.delete"].append({"object_type": "frameworks.relation", "object_id": relation.pk,
                                         "object_repr": str(relation.uuid), "note": plan.source,
                                         "before": {"kind": relation.kind, "case_type": relation.case_type}})
    Relation.objects.filter(pk__in=[r.pk for r in diff.relations_removed]).delete()
    for competency in diff.removed:
        snap = before_removal[competency.uuid]
        audit["competency.delete"].append({"object_type": "frameworks.competency", "object_id": competency.pk,
                                           "object_repr": f"{snap['code']} {snap['name']}", "note": plan.source,
                                           "before": snap})
    try:
        Competency.objects.filter(pk__in=[c.pk for c in diff.removed]).delete()
    except ProtectedError as exc:
        blocked = sorted({str(obj) for obj in exc.protected_objects})[:20]
        raise ImportFailed([RowError(None, plan.labels["code"], "competencies missing from the file are still "
                                     f"used elsewhere and cannot be removed: {', '.join(blocked)}")]) from None

    LevelIndicator.objects.filter(competency_id__in=[pk_of[key] for key in diff.changed]).delete()
    LevelIndicator.objects.bulk_create(
        (LevelIndicator(competency_id=pk_of[key], level=level, text=text)
         for key in diff.changed + diff.added for level, text in sorted(diff.desired[key]["indicators"].items())),
        batch_size=BATCH,
    )

    def relation_fields(r: PlannedRelation) -> dict[str, Any]:
        return {"source_id": pk_of[diff.uuid_of_key[r.source]], "kind": r.kind,
                "target_id": pk_of[diff.uuid_of_key[r.target]] if r.target else None,
                "target_uri": r.target_uri, "target_identifier": r.target_identifier,
                "target_title": r.target_title, "case_type": r.case_type, "extra": r.extra}

    Relation.objects.bulk_create((Relation(version=version, uuid=r.uuid, **relation_fields(r))
                                  for r in diff.relations_new), batch_size=BATCH)
    updated_relations = []
    for relation, r in diff.relations_changed:
        for name, value in relation_fields(r).items():
            setattr(relation, name, value)
        updated_relations.append(relation)
    update_rows(Relation, updated_relations, ["source", "kind", "target", "target_uri", "target_identifier",
                                              "target_title", "case_type", "extra"])

    for key in diff.added:
        want = diff.desired[key]
        audit["competency.create"].append({"object_type": "frameworks.competency", "object_id": pk_of[key],
                                           "object_repr": f"{want['code']} {want['name']}", "note": plan.source,
                                           "after": {**_snapshot(want), "uuid": key}})
    for c in changed:
        audit["competency.update"].append({"object_type": "frameworks.competency", "object_id": c.pk,
                                           "object_repr": str(c), "note": plan.source, "before": before[c.uuid],
                                           "after": _snapshot(vars(c))})
    for r in diff.relations_new:
        audit["relation.create"].append({"object_type": "frameworks.relation", "object_repr": str(r.uuid),
                                         "note": plan.source, "after": {"kind": r.kind, "case_type": r.case_type}})
    for relation, r in diff.relations_changed:
        audit["relation.update"].append({"object_type": "frameworks.relation", "object_id": relation.pk,
                                         "object_repr": str(r.uuid), "note": plan.source,
                                         "after": {"kind": r.kind, "case_type": r.case_type}})
    for action, entries in audit.items():
        record_many(actor, action, entries)
    result.added, result.updated, result.removed = len(diff.added), len(diff.changed), len(diff.removed)
    result.relations_added = len(diff.relations_new)
    result.relations_updated = len(diff.relations_changed)
    result.relations_removed = len(diff.relations_removed)
    result.scales_changed = len(diff.scales_to_write)


# ---------------------------------------------------------------- the entry point

def _find_framework(plan: DictionaryPlan) -> Framework | None:
    """By CASE document identifier when the source has one, else by code."""
    if plan.case_identifier is not None:
        framework = Framework.objects.filter(case_identifier=plan.case_identifier).first()
        if framework is not None:
            if plan.framework_code and framework.code != plan.framework_code:
                raise ImportFailed([RowError(None, "framework", f"this package was imported before as "
                                             f"{framework.code}, not {plan.framework_code}")])
            return framework
    framework = Framework.objects.filter(code=plan.framework_code).first() if plan.framework_code else None
    if framework is not None and plan.case_identifier is not None:
        raise ImportFailed([RowError(None, "framework", f"{framework.code} is CASE document "
                                     f"{framework.case_identifier}, not {plan.case_identifier}")])
    return framework


def _validation_errors(exc: ValidationError, where: str = "framework") -> ImportFailed:
    if hasattr(exc, "error_dict"):
        return ImportFailed([RowError(None, name, " ".join(messages))
                             for name, messages in exc.message_dict.items()])
    return ImportFailed([RowError(None, where, " ".join(exc.messages))])


def import_dictionary(plan: DictionaryPlan, actor: Any, *, publish: bool = False) -> DictionaryImport:
    """Bring a framework's dictionary in line with the plan. All or nothing: raises ImportFailed with
    every problem found, and then nothing has been stored."""
    framework_services.check_editor(actor)
    errors = check_plan(plan)
    if errors:
        raise ImportFailed(errors)
    try:
        with transaction.atomic():
            return _import(plan, actor, publish)
    except ValidationError as exc:
        raise _validation_errors(exc) from None


def _import(plan: DictionaryPlan, actor: Any, publish: bool) -> DictionaryImport:
    framework = _find_framework(plan)
    created = framework is None
    if created:
        version = framework_services.create_framework(
            code=plan.framework_code or _free_code(plan),
            name=plan.framework_name or plan.framework_code, actor=actor,
            description=plan.framework_fields.get("description", ""),
            publisher=plan.framework_fields.get("publisher", ""))
        framework = version.framework
        if plan.case_identifier is not None:
            framework.case_identifier = plan.case_identifier
            framework.save(update_fields=["case_identifier"])
    else:
        framework = Framework.objects.select_for_update().get(pk=framework.pk)
    _update_framework_fields(framework, plan, actor)

    base = framework.draft() or framework.latest_published() or framework.versions.order_by("-number").first()
    diff = _diff(plan, _load(base))
    result = DictionaryImport(framework=framework, version=base, created_framework=created)
    if not diff.empty:
        if not base.is_editable:
            base = framework_services.new_version(framework, actor)
            result.new_draft = True
            diff = _diff(plan, _load(base))
        result.version = base
        _apply(diff, plan, actor, result)
    result.unchanged = diff.unchanged
    if publish and result.version.is_editable:
        result.version = framework_services.publish(result.version, actor)
        result.published = True
    record(actor, "framework.import", framework, note=plan.source,
           after={"version": result.version.number, "added": result.added, "updated": result.updated,
                  "removed": result.removed, "relations_added": result.relations_added,
                  "relations_updated": result.relations_updated, "relations_removed": result.relations_removed,
                  "published": result.published})
    return result


def _update_framework_fields(framework: Framework, plan: DictionaryPlan, actor: Any) -> None:
    wanted = {"name": plan.framework_name, **plan.framework_fields}
    changes = {name: value for name, value in wanted.items() if value and getattr(framework, name) != value}
    if changes:
        before = {name: getattr(framework, name) for name in changes}
        for name, value in changes.items():
            setattr(framework, name, value)
        framework.save(update_fields=list(changes))
        record(actor, "framework.update", framework, before=before, after=changes, note=plan.source)
    if plan.case_source is not None:
        CaseSource.objects.update_or_create(framework=framework, defaults={**plan.case_source,
                                                                           "updated_at": timezone.now()})


def _free_code(plan: DictionaryPlan) -> str:
    if plan.suggested_code and not Framework.objects.filter(code=plan.suggested_code).exists():
        return plan.suggested_code
    return framework_code_from(plan.framework_name)


_CODE_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


def framework_code_from(title: str) -> str:
    """A free framework code from a title: "What Standards Could Be" -> WHAT-STANDARDS-COULD-BE."""
    base = _CODE_CHARS.sub("-", slugify(title)).strip("-").upper()[:50] or "CASE"
    code, n = base, 2
    while Framework.objects.filter(code=code).exists():
        code, n = f"{base}-{n}", n + 1
    return code

"""1EdTech CASE (Competencies and Academic Standards Exchange) packages, versions 1.0 and 1.1.

Import: one CFPackage becomes one framework (the CFDocument) holding its competencies (CFItems), their
tree (isChildOf associations), relations (the other CFAssociations) and scales with level indicators
(CFRubrics). Export: a CASE 1.1 CFPackage of one framework version. The mapping, field by field, is in
docs/import-formats.md ("CASE packages").

Real packages are sloppy, so reading is lenient where nothing is lost: unknown keys are ignored,
numbers given as strings are read as numbers, and associations to items outside the package are
kept as external references. It is strict where guessing would corrupt the dictionary: missing
identifiers, a cycle in the tree, duplicate codes, associations whose required end is missing and
indicator levels beyond their scale all refuse the whole package.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from compms.frameworks.models import (
    Competency,
    Framework,
    FrameworkVersion,
    LevelIndicator,
    Relation,
)
from compms.interop.base import ImportFailed, RowError
from compms.interop.services import (
    CASE_TYPE_OF_KIND,
    NAME_MAX,
    DictionaryImport,
    DictionaryPlan,
    PlannedCompetency,
    PlannedLevel,
    PlannedRelation,
    PlannedScale,
    Where,
    check_plan,
    import_dictionary,
)
from compms.validation import web_link_problem

CASE_CONTENT_TYPE = "application/json"
EXTENSION_KEY = "compms"  # our own fields inside CASE `extensions` objects

# associationType -> relation kind. Direction is kept as CASE has it: the relation's source is the
# association's origin, its target the destination ("A precedes B" -> A prerequisite B: A comes first).
KIND_OF_CASE_TYPE = {"isRelatedTo": "related", "exactMatchOf": "exact_match", "precedes": "prerequisite",
                     "replacedBy": "replaced_by", "isPartOf": "broader", "isChildOf": "broader"}
DIRECTED_KINDS = {"prerequisite", "replaced_by", "broader"}
CASE_11_TYPES = {"isChildOf", "isPeerOf", "isPartOf", "exactMatchOf", "precedes", "isRelatedTo", "replacedBy",
                 "exemplar", "hasSkillLevel", "isTranslationOf"}
EXT_TYPE = re.compile(r"^ext:[a-zA-Z0-9.\-_|]+$")

_KNOWLEDGE_WORDS = {"knowledge", "understanding", "understand", "concept", "concepts", "know"}
_BEHAVIOUR_WORDS = {"behaviour", "behaviours", "behavior", "behaviors", "behavioural", "behavioral", "attitude",
                    "attitudes", "disposition", "dispositions", "value", "values", "trait", "traits", "mindset"}


def kind_from_item_type(item_type: str) -> str:
    words = set(re.findall(r"[a-z]+", item_type.lower()))
    if words & _KNOWLEDGE_WORDS:
        return Competency.Kind.KNOWLEDGE
    if words & _BEHAVIOUR_WORDS:
        return Competency.Kind.BEHAVIOUR
    return Competency.Kind.SKILL


# ---------------------------------------------------------------- cleaning kept fields
# Fields we keep verbatim for the round trip are coerced into their CASE 1.1 shape (or dropped when
# they cannot be), so an export of anything we imported validates against the 1.1 schema.

def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _texts(value: Any) -> list[str] | None:
    if isinstance(value, str):  # CASE 1.0 files give e.g. educationLevel as "KG,01,02"
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [text for text in map(_text, value) if text is not None]
    return None


def _link(value: Any, generic: bool = False) -> dict[str, str] | None:
    if not isinstance(value, dict) or _text(value.get("identifier")) in (None, ""):
        return None
    link = {"title": _text(value.get("title")) or "", "identifier": _text(value.get("identifier")),
            "uri": _text(value.get("uri")) or ""}
    target_type = value.get("targetType")
    if generic and isinstance(target_type, str) and (target_type == "CASE" or EXT_TYPE.match(target_type)):
        link["targetType"] = target_type
    return link


def _links(value: Any) -> list[dict[str, str]] | None:
    if not isinstance(value, list):
        return None
    return [link for link in map(_link, value) if link is not None]


def _date(value: Any) -> str | None:
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()[:10]
    return None


def case_datetime(value: Any) -> str | None:
    """ISO 8601 with a UTC offset, as 1.1 requires; naive times (common in 1.0 files) are read as UTC."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "text": _text, "texts": _texts, "link": _link, "node": lambda v: _link(v, generic=True), "links": _links,
    "date": _date, "datetime": case_datetime, "int": _int,
    "object": lambda v: v if isinstance(v, dict) else None,
}


def _clean(raw: dict[str, Any], spec: dict[str, str]) -> dict[str, Any]:
    out = {}
    for name, kind in spec.items():
        if raw.get(name) is not None:
            value = _CLEANERS[kind](raw[name])
            if value is not None:
                out[name] = value
    return out


# CFItem fields kept in Competency.extra["case"] (fullStatement, abbreviatedStatement and CFItemType
# live in the competency's own columns; humanCodingScheme is kept so an export can give back exactly
# what came in, including "none").
ITEM_SPEC = {"uri": "text", "humanCodingScheme": "text", "alternativeLabel": "text", "listEnumeration": "text",
             "conceptKeywords": "texts", "conceptKeywordsURI": "link", "notes": "text", "subject": "texts",
             "subjectURI": "links", "language": "text", "educationLevel": "texts", "CFItemTypeURI": "link",
             "licenseURI": "link", "statusStartDate": "date", "statusEndDate": "date",
             "lastChangeDateTime": "datetime", "extensions": "object"}
DOCUMENT_SPEC = {"uri": "text", "frameworkType": "text", "creator": "text", "officialSourceURL": "text",
                 "publisher": "text", "subject": "texts", "subjectURI": "links", "language": "text",
                 "version": "text", "adoptionStatus": "text", "statusStartDate": "date", "statusEndDate": "date",
                 "licenseURI": "link", "notes": "text", "lastChangeDateTime": "datetime", "extensions": "object"}
ASSOCIATION_SPEC = {"uri": "text", "sequenceNumber": "int", "originNodeURI": "node", "destinationNodeURI": "node",
                    "CFAssociationGroupingURI": "link", "lastChangeDateTime": "datetime", "notes": "text",
                    "extensions": "object"}
_DEFINITION_COMMON = {"identifier": "text", "uri": "text", "title": "text", "description": "text",
                      "lastChangeDateTime": "datetime", "extensions": "object"}
DEFINITION_SPECS = {
    "CFItemTypes": {**_DEFINITION_COMMON, "hierarchyCode": "text", "typeCode": "text"},
    "CFConcepts": {**_DEFINITION_COMMON, "keywords": "text", "hierarchyCode": "text"},
    "CFSubjects": {**_DEFINITION_COMMON, "hierarchyCode": "text"},
    "CFLicenses": {**_DEFINITION_COMMON, "licenseText": "text"},
    "CFAssociationGroupings": dict(_DEFINITION_COMMON),
}
# Required by the 1.1 schema: filled in on export when a kept definition lacks them.
DEFINITION_REQUIRED = {"CFItemTypes": ("title", "description", "hierarchyCode"),
                       "CFConcepts": ("title", "hierarchyCode"), "CFSubjects": ("title", "hierarchyCode"),
                       "CFLicenses": ("title", "licenseText"), "CFAssociationGroupings": ("title",)}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip()) if isinstance(value, (str, uuid.UUID)) and str(value).strip() else None
    except ValueError:
        return None


def _node_key(value: Any) -> str:
    """An association end's identifier, spelled like our item keys when it is a UUID."""
    text = _text(value) or ""
    parsed = _uuid(text)
    return str(parsed) if parsed else text.strip()


def _natural(text: str) -> tuple[tuple[int, Any], ...]:
    return tuple((0, int(part)) if part.isdecimal() else (1, part.lower())
                 for part in re.findall(r"\d+|\D+", text))


def shorten(text: str, limit: int = NAME_MAX) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- reading

def load_package(data: bytes | str) -> dict[str, Any]:
    try:
        package = json.loads(data)
    except UnicodeDecodeError as exc:
        raise ImportFailed([RowError(None, "", f"the file is not UTF-8 text ({exc.reason})")]) from None
    except json.JSONDecodeError as exc:
        raise ImportFailed([RowError(None, "", f"not valid JSON (truncated or damaged?): {exc.msg} at line "
                                               f"{exc.lineno} column {exc.colno}")]) from None
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise ImportFailed([RowError(None, "CFDocument", "not a CASE package: the top level needs a CFDocument "
                                                         "object")])
    return package


@dataclass
class PackageStats:
    items: int = 0
    associations: Counter = field(default_factory=Counter)
    rubrics: int = 0

    def lines(self) -> list[str]:
        by_type = ", ".join(f"{name} {count}" for name, count in sorted(self.associations.items(),
                                                                         key=lambda pair: (-pair[1], pair[0])))
        line = f"CASE package: {self.items} items, {sum(self.associations.values())} associations"
        return [line + (f" ({by_type})" if by_type else "") + (f", {self.rubrics} rubrics" if self.rubrics else "")]


def _list(package: dict[str, Any], name: str, errors: list[RowError]) -> list[Any]:
    value = package.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(RowError(None, name, "must be a list"))
        return []
    return value


def build_plan(package: dict[str, Any], *, framework_code: str = "", rename_duplicate_codes: bool = False,
               where_of: Callable[[str], Where] | None = None) -> tuple[DictionaryPlan, PackageStats]:
    """The dictionary a CASE package describes. Raises ImportFailed listing every problem found."""
    errors: list[RowError] = []

    def where(identifier: str) -> Where:
        return where_of(identifier) if where_of else Where(item=identifier)

    document = package["CFDocument"]
    document_id = _uuid(document.get("identifier"))
    if document_id is None:
        errors.append(RowError(None, "identifier", "missing or not a UUID", "CFDocument"))
    title = (_text(document.get("title")) or "").strip()
    if not title:
        errors.append(RowError(None, "title", "the document needs a title", "CFDocument"))
    document_key = str(document_id) if document_id else ""

    definitions_raw = package.get("CFDefinitions")
    definitions: dict[str, list[dict[str, Any]]] = {}
    if isinstance(definitions_raw, dict):
        for name, spec in DEFINITION_SPECS.items():
            entries = definitions_raw.get(name)
            cleaned = [_clean(entry, spec) for entry in entries if isinstance(entry, dict)] if isinstance(
                entries, list) else []
            cleaned = [entry for entry in cleaned if _uuid(entry.get("identifier"))]
            if cleaned:
                definitions[name] = cleaned
    item_type_titles = {_node_key(t["identifier"]): t.get("title", "") for t in definitions.get("CFItemTypes", [])}

    stats = PackageStats()
    items: dict[str, PlannedCompetency] = {}
    codes: dict[str, str] = {}  # humanCodingScheme -> first item identifier
    raw_items = _list(package, "CFItems", errors)
    if not raw_items and "CFItems" not in {e.field for e in errors}:
        errors.append(RowError(None, "CFItems", "nothing was imported: the package has no CFItems"))
    for index, raw in enumerate(raw_items):
        label = f"CFItems[{index}]"
        if not isinstance(raw, dict):
            errors.append(RowError(None, "", "an item must be an object", label))
            continue
        identifier = _uuid(raw.get("identifier"))
        if identifier is None:
            missing = raw.get("identifier") in (None, "")
            errors.append(RowError(None, "identifier", "missing" if missing else
                                   f"{raw.get('identifier')!r} is not a UUID", _text(raw.get("identifier")) or label))
            continue
        key = str(identifier)
        at = where(key)
        if key in items:
            errors.append(at.error("identifier", "the package lists this item twice"))
            continue
        full = _text(raw.get("fullStatement")) or ""
        if not full.strip():
            errors.append(at.error("fullStatement", "missing: every CFItem needs a fullStatement"))
        abbreviated = (_text(raw.get("abbreviatedStatement")) or "").strip()
        human_code = (_text(raw.get("humanCodingScheme")) or "").strip()
        code = human_code
        if human_code in codes:
            if rename_duplicate_codes:
                n = 2
                while f"{human_code}-{n}" in codes:
                    n += 1
                code = f"{human_code}-{n}"
            else:
                errors.append(at.error("humanCodingScheme", f"duplicate code {human_code!r} (also item "
                                                            f"{codes[human_code]})"))
                code = ""  # reported once is enough
        if code:
            codes[code] = key
        kept = _clean(raw, ITEM_SPEC)
        item_type = (_text(raw.get("CFItemType")) or "").strip()
        if not item_type and "CFItemTypeURI" in kept:
            type_link = kept["CFItemTypeURI"]
            item_type = item_type_titles.get(_node_key(type_link["identifier"])) or type_link["title"]
        ours = kept.get("extensions", {}).get(EXTENSION_KEY, {})
        if "extensions" in kept:
            kept["extensions"] = {k: v for k, v in kept["extensions"].items() if k != EXTENSION_KEY}
            if not kept["extensions"]:
                del kept["extensions"]
        ours = ours if isinstance(ours, dict) else {}
        esco_uri = _text(ours.get("escoUri")) or ""
        if esco_uri and web_link_problem(esco_uri):
            errors.append(at.error("extensions", f"escoUri: {web_link_problem(esco_uri)}"))
        kind = ours.get("kind") if ours.get("kind") in Competency.Kind.values else kind_from_item_type(item_type)
        name = shorten((abbreviated or full).strip()) or key  # a missing statement is reported above
        items[key] = PlannedCompetency(
            key=key, uuid=identifier, code=code, name=name, where=at,
            description=full if full.strip() != name else "", kind=kind, item_type=item_type,
            esco_uri=esco_uri, sfia_code=_text(ours.get("sfiaCode")) or "",
            external_ids=ours.get("externalIds") if isinstance(ours.get("externalIds"), dict) else {},
            extra={"case": kept},
        )
    stats.items = len(items)

    relations: list[PlannedRelation] = []
    parent_links: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    seen_associations: set[uuid.UUID] = set()
    for index, raw in enumerate(_list(package, "CFAssociations", errors)):
        label = f"CFAssociations[{index}]"
        if not isinstance(raw, dict):
            errors.append(RowError(None, "", "an association must be an object", label))
            continue
        identifier = _uuid(raw.get("identifier"))
        name = _text(raw.get("identifier")) or label
        association_type = (_text(raw.get("associationType")) or "").strip()
        origin, destination = raw.get("originNodeURI"), raw.get("destinationNodeURI")
        problems = []
        if identifier is None:
            problems.append(("identifier", "missing or not a UUID"))
        elif identifier in seen_associations:
            problems.append(("identifier", "the package lists this association twice"))
        if not association_type:
            problems.append(("associationType", "missing"))
        for end_name, end in (("originNodeURI", origin), ("destinationNodeURI", destination)):
            if not isinstance(end, dict) or not _node_key(end.get("identifier")):
                problems.append((end_name, "missing, or without an identifier"))
        if problems:
            errors += [RowError(None, f, m, name) for f, m in problems]
            continue
        seen_associations.add(identifier)
        stats.associations[association_type] += 1
        origin_key, destination_key = _node_key(origin["identifier"]), _node_key(destination["identifier"])
        kept = _clean(raw, ASSOCIATION_SPEC)
        if "sequenceNumber" in raw and raw["sequenceNumber"] not in (None, "") and "sequenceNumber" not in kept:
            errors.append(RowError(None, "sequenceNumber", f"{raw['sequenceNumber']!r} is not a whole number", name))
            continue
        at = where(origin_key) if origin_key in items else Where(item=str(identifier))
        if origin_key == destination_key:
            errors.append(at.error(association_type, f"association {identifier} relates an item to itself"))
            continue
        if association_type == "isChildOf":
            if origin_key not in items:
                errors.append(RowError(None, "originNodeURI", f"isChildOf from {origin_key}, which is not an item "
                                       "of this package", str(identifier)))
            elif destination_key != document_key and destination_key not in items:
                errors.append(at.error("isChildOf", f"parent {destination_key} is neither the document nor an "
                                                    f"item of this package (association {identifier})"))
            else:
                parent_links[origin_key].append((index, {"identifier": str(identifier), **kept,
                                                         "parent": destination_key}))
            continue
        if origin_key in items:
            source, target_key, external, reverse = origin_key, destination_key, destination, False
        elif destination_key in items:
            source, target_key, external, reverse = destination_key, origin_key, origin, True
        else:
            errors.append(RowError(None, "originNodeURI", f"neither end of this {association_type} association "
                                   "is an item of this package", str(identifier)))
            continue
        relations.append(_relation(identifier, association_type, source, target_key, external, reverse, kept,
                                   items, where(source)))

    # The tree: an item's first isChildOf (in file order) gives its parent; any further ones are kept as
    # "broader" relations with case_type isChildOf, so the export lists them again.
    unsequenced: dict[str | None, list[PlannedCompetency]] = defaultdict(list)
    for key, links in parent_links.items():
        _index, link = links[0]
        parent = link.pop("parent")
        item = items[key]
        item.parent = parent if parent != document_key else None
        sequence = link.get("sequenceNumber")
        if sequence is None:
            unsequenced[item.parent].append(item)
        else:
            item.sort_order = sequence
        item.extra["child_association"] = {**{k: v for k, v in link.items() if k not in (
            "originNodeURI", "destinationNodeURI", "sequenceNumber")}, "destination": parent}
        for _index, other in links[1:]:
            parent = other.pop("parent")
            node = other.get("destinationNodeURI") or {"identifier": parent, "uri": "", "title": ""}
            relations.append(_relation(uuid.UUID(other.pop("identifier")), "isChildOf", key, parent, node, False,
                                       other, items, item.where))

    # Without a sequenceNumber, siblings go in the order a reader expects: by listEnumeration, then
    # humanCodingScheme, numbers compared as numbers (L1.2 before L1.10), after any numbered siblings.
    unsequenced[None] += [item for key, item in items.items() if key not in parent_links]  # no isChildOf at all
    numbered_up_to: Counter = Counter()
    for item in items.values():
        numbered_up_to[item.parent] = max(numbered_up_to[item.parent], item.sort_order)
    for parent, group in unsequenced.items():
        start = numbered_up_to[parent]  # unsequenced items still have sort_order 0 here
        group.sort(key=lambda i: (_natural(i.extra["case"].get("listEnumeration", "")),
                                  _natural(i.extra["case"].get("humanCodingScheme", ""))))
        for rank, item in enumerate(group, start=start + 1):
            item.sort_order = rank

    scales = _rubric_scales(package, items, errors, stats)
    kept_document = _clean(document, DOCUMENT_SPEC)
    ours = kept_document.get("extensions", {}).pop(EXTENSION_KEY, None)
    if kept_document.get("extensions") == {}:
        del kept_document["extensions"]
    suggested_code = _text(ours.get("code")) if isinstance(ours, dict) else None
    publisher = (_text(document.get("publisher")) or _text(document.get("creator")) or "").strip()
    source_uri = _text(document.get("officialSourceURL")) or _text(document.get("uri")) or ""
    plan = DictionaryPlan(
        source="CASE package", framework_code=framework_code, framework_name=title[:300],
        competencies=list(items.values()), case_identifier=document_id,
        framework_fields={"description": _text(document.get("description")) or "", "publisher": publisher[:300],
                          "source_uri": source_uri if source_uri.startswith(("http://", "https://"))
                          and len(source_uri) <= 500 else ""},
        relations=relations, scales=scales,
        case_source={"document": kept_document, "definitions": definitions}, suggested_code=suggested_code or "",
        labels={"code": "humanCodingScheme", "parent": "isChildOf", "name": "fullStatement", "kind": "extensions",
                "scale": "CFRubrics", "indicator": "CFRubricCriterionLevels (level {level})", "uuid": "identifier"},
    )
    errors += check_plan(plan)
    if errors:
        raise ImportFailed(errors)
    return plan, stats


def _relation(identifier: uuid.UUID, association_type: str, source: str, target_key: str, external: dict[str, Any],
              reverse: bool, kept: dict[str, Any], items: dict[str, PlannedCompetency], at: Where) -> PlannedRelation:
    kind = KIND_OF_CASE_TYPE.get(association_type, "other")
    if reverse and kind in DIRECTED_KINDS:
        # Our relation starts at the package's item, so a directed association that points *into* the
        # package would read backwards under its usual name; keep it as "other" with its CASE type.
        kind = "other"
    extra: dict[str, Any] = {"case": kept}
    if reverse:
        extra["reversed"] = True
    inside = target_key in items
    uri = "" if inside else (_text(external.get("uri")) or "")
    # What our export invents for an external end (the uri as identifier, a urn:uuid: uri) is not data.
    if uri == _urn(target_key):
        uri = ""
    title = "" if inside else (_text(external.get("title")) or "")
    if title in (target_key, uri):
        title = ""
    return PlannedRelation(
        uuid=identifier, source=source, kind=kind, where=at, target=target_key if inside else None,
        target_uri=uri[:500], target_identifier="" if inside or target_key == uri else target_key[:100],
        target_title=title[:500], case_type=association_type[:60], extra=extra,
    )


def _rubric_scales(package: dict[str, Any], items: dict[str, PlannedCompetency], errors: list[RowError],
                   stats: PackageStats) -> list[PlannedScale]:
    """CFRubrics -> scales and level indicators.

    A rubric becomes a scale. If it has a criterion that names no item, that criterion lists the scale's
    levels (position = level value, quality = name, description = descriptor; this is how we export).
    Otherwise the scale is derived: each criterion's levels are ranked by position (then score, then
    order) as levels 1..k, and level 0 "None" is added. Each criterion that names an item gives that
    competency its scale and one indicator per level (the level's description)."""
    scales = []
    claimed: dict[str, str] = {}  # item key -> rubric identifier
    rubrics = package.get("CFRubrics")
    for r_index, rubric in enumerate(rubrics if isinstance(rubrics, list) else []):
        label = f"CFRubrics[{r_index}]"
        rubric_id = _uuid(rubric.get("identifier")) if isinstance(rubric, dict) else None
        if rubric_id is None:
            errors.append(RowError(None, "identifier", "missing or not a UUID", label))
            continue
        stats.rubrics += 1
        rubric_key = str(rubric_id)
        raw_criteria = rubric.get("CFRubricCriteria")
        criteria = [c for c in raw_criteria if isinstance(c, dict)] if isinstance(raw_criteria, list) else []
        levels_block = next((c for c in criteria if not _criterion_item(c)), None)
        ours = (rubric.get("extensions") or {}).get(EXTENSION_KEY) if isinstance(rubric.get("extensions"),
                                                                                  dict) else None
        ours = ours if isinstance(ours, dict) else {}
        scale = PlannedScale(key=rubric_key, name=((_text(rubric.get("title")) or "").strip() or "Rubric")[:200],
                             levels=[], where=Where(item=rubric_key), code=(_text(ours.get("code")) or "")[:60],
                             description=_text(rubric.get("description")) or "", case_identifier=rubric_id,
                             is_default=ours.get("defaultScale") is True)
        explicit = levels_block is not None
        if explicit:
            for level in _levels(levels_block):
                value = _int(level.get("position"))
                if value is None:
                    errors.append(RowError(None, "position", "a scale level needs a whole-number position",
                                           rubric_key))
                    continue
                scale.levels.append(PlannedLevel(value, ((_text(level.get("quality")) or "").strip()
                                                         or f"Level {value}")[:200],
                                                 _text(level.get("description")) or "",
                                                 _uuid(level.get("identifier"))))
            if scale.levels and 0 not in {lvl.value for lvl in scale.levels}:
                scale.levels.append(PlannedLevel(0, "None"))
        names: dict[int, str] = {}
        for criterion in criteria:
            if criterion is levels_block:
                continue
            item_key = _criterion_item(criterion)
            item = items.get(item_key)
            if item is None:
                errors.append(RowError(None, "CFItemURI", f"criterion {criterion.get('identifier')} names item "
                                       f"{item_key}, which is not in the package", rubric_key))
                continue
            if item_key in claimed:
                errors.append(item.where.error("CFRubrics", f"the item has criteria in two rubrics "
                                                            f"({claimed[item_key]} and {rubric_key})"))
                continue
            claimed[item_key] = rubric_key
            item.scale = rubric_key
            raw_levels = _levels(criterion)
            if explicit:
                numbered = [(_int(lv.get("position")), lv) for lv in raw_levels]
            else:
                order = sorted(range(len(raw_levels)), key=lambda i: (
                    _int(raw_levels[i].get("position")) if _int(raw_levels[i].get("position")) is not None
                    else float("inf"),
                    _number(raw_levels[i].get("score")) if _number(raw_levels[i].get("score")) is not None
                    else float("inf"), i))
                numbered = [(rank, raw_levels[i]) for rank, i in enumerate(order, start=1)]
            for value, level in numbered:
                if value is None:
                    errors.append(item.where.error("CFRubricCriterionLevels", "a level needs a whole-number "
                                                                              "position"))
                    continue
                if value in item.indicators:
                    errors.append(item.where.error("CFRubricCriterionLevels", f"two levels at position {value}"))
                    continue
                text = (_text(level.get("description")) or _text(level.get("quality"))
                        or _text(level.get("feedback")) or "")
                item.indicators[value] = text
                quality = (_text(level.get("quality")) or "").strip()
                if quality:
                    names.setdefault(value, quality[:200])
        if not explicit:
            top = max((max(item.indicators, default=0) for item in items.values() if item.scale == rubric_key),
                      default=0)
            scale.levels = [PlannedLevel(0, "None")] + [PlannedLevel(n, names.get(n, f"Level {n}"))
                                                        for n in range(1, top + 1)]
        scales.append(scale)
    return scales


def _criterion_item(criterion: dict[str, Any]) -> str:
    link = criterion.get("CFItemURI")
    return _node_key(link.get("identifier")) if isinstance(link, dict) else ""


def _levels(container: dict[str, Any]) -> list[dict[str, Any]]:
    levels = container.get("CFRubricCriterionLevels")
    return [level for level in levels if isinstance(level, dict)] if isinstance(levels, list) else []


def import_case(data: bytes | str, actor: Any, *, publish: bool = False, framework_code: str = "",
                rename_duplicate_codes: bool = False) -> tuple[DictionaryImport, PackageStats]:
    from compms.frameworks.services import check_editor

    check_editor(actor)  # before reading anything: a refusal should not depend on the file
    plan, stats = build_plan(load_package(data), framework_code=framework_code,
                             rename_duplicate_codes=rename_duplicate_codes)
    return import_dictionary(plan, actor, publish=publish), stats


# ---------------------------------------------------------------- writing

def choose_version(framework: Framework, number: int | None = None) -> FrameworkVersion:
    """The version asked for, else the latest published one, else the draft."""
    if number is not None:
        version = framework.versions.filter(number=number).first()
        if version is None:
            raise FrameworkVersion.DoesNotExist(f"{framework.code} has no version {number}.")
        return version
    version = framework.latest_published() or framework.draft() or framework.versions.order_by("-number").first()
    if version is None:
        raise FrameworkVersion.DoesNotExist(f"{framework.code} has no versions.")
    return version


def _urn(identifier: Any) -> str:
    return f"urn:uuid:{identifier}"


def _stamp(moment: dt.datetime | None) -> str:
    return (moment or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")


ADOPTION_STATUS = {"draft": "Draft", "published": "Adopted", "retired": "Deprecated"}


def tree_order(competencies: list[Competency]) -> list[Competency]:
    """Parents before children, siblings by sort order then code."""
    children: dict[int | None, list[Competency]] = defaultdict(list)
    for c in competencies:
        children[c.parent_id].append(c)
    ordered: list[Competency] = []
    stack = sorted(children[None], key=lambda c: (c.sort_order, c.code), reverse=True)
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(sorted(children[node.pk], key=lambda c: (c.sort_order, c.code), reverse=True))
    return ordered


def export_package(framework: Framework, version: FrameworkVersion) -> dict[str, Any]:
    stamp = _stamp(version.published_at or version.created_at)
    source = framework.case_source if hasattr(framework, "case_source") else None
    kept_document = dict(source.document) if source else {}
    kept_definitions = {name: [dict(e) for e in entries] for name, entries in (source.definitions if source
                                                                               else {}).items()}
    competencies = tree_order(list(version.competencies.select_related("scale")))
    indicators: dict[int, dict[int, str]] = defaultdict(dict)
    for competency_id, level, text in LevelIndicator.objects.filter(competency__version=version).values_list(
            "competency_id", "level", "text"):
        indicators[competency_id][level] = text

    document_id = str(framework.case_identifier)
    document_uri = kept_document.get("uri") or _urn(document_id)
    creator = kept_document.pop("creator", "") or framework.publisher or "CompMS"
    document = {**kept_document, "identifier": document_id, "uri": document_uri, "creator": creator,
                "title": framework.name, "lastChangeDateTime": stamp, "caseVersion": "1.1",
                "version": version.label or str(version.number), "adoptionStatus": ADOPTION_STATUS[version.status]}
    if framework.description:
        document["description"] = framework.description
    document["extensions"] = {**document.get("extensions", {}), EXTENSION_KEY: {"code": framework.code}}
    if framework.publisher and framework.publisher != creator:
        document["publisher"] = framework.publisher
    document_link = {"title": framework.name, "identifier": document_id, "uri": document_uri}

    item_types = {t.get("title", ""): t for t in kept_definitions.get("CFItemTypes", [])}
    items, links = [], {}
    for c in competencies:
        item = _export_item(c, stamp, item_types, framework)
        items.append(item)
        links[c.pk] = {"title": item.get("humanCodingScheme") or shorten(c.name, 60), "identifier": item["identifier"],
                       "uri": item["uri"]}
    if item_types:
        kept_definitions["CFItemTypes"] = list(item_types.values())

    associations = []
    for c in competencies:
        destination = dict(links[c.parent_id] if c.parent_id else document_link)
        kept = dict((c.extra or {}).get("child_association") or {})
        if kept.pop("destination", None) != destination["identifier"]:
            kept = {"identifier": str(uuid.uuid5(c.uuid, f"isChildOf:{destination['identifier']}"))}
        associations.append({**kept, "uri": kept.get("uri") or _urn(kept["identifier"]),
                             "associationType": "isChildOf", "sequenceNumber": c.sort_order,
                             "originNodeURI": dict(links[c.pk]), "destinationNodeURI": destination,
                             "lastChangeDateTime": kept.get("lastChangeDateTime") or stamp})
    for relation in Relation.objects.filter(version=version).select_related("target").order_by("source__sort_order",
                                                                                                "pk"):
        associations.append(_export_relation(relation, links, stamp))

    package: dict[str, Any] = {"CFDocument": document, "CFItems": items, "CFAssociations": associations}
    definitions = {}
    for name, entries in kept_definitions.items():
        for entry in entries:
            entry.setdefault("uri", _urn(entry["identifier"]))
            entry.setdefault("lastChangeDateTime", stamp)
            for required in DEFINITION_REQUIRED[name]:
                entry.setdefault(required, "")
        if entries:
            definitions[name] = entries
    if definitions:
        package["CFDefinitions"] = definitions
    rubrics = _export_rubrics(version, competencies, indicators, links, stamp)
    if rubrics:
        package["CFRubrics"] = rubrics
    return package


def _export_item(c: Competency, stamp: str, item_types: dict[str, dict[str, Any]],
                 framework: Framework) -> dict[str, Any]:
    extra = c.extra or {}
    kept = dict(extra.get("case") or {})
    imported = "case" in extra
    item: dict[str, Any] = {"identifier": str(c.uuid), "uri": kept.pop("uri", "") or _urn(c.uuid)}
    item["fullStatement"] = c.description or c.name
    if c.description and c.name != shorten(c.description):
        item["abbreviatedStatement"] = c.name
    # The code goes out as humanCodingScheme, except where it was generated or renamed on import and not
    # changed since: then the source's own value (possibly none) goes back out.
    original_code = kept.pop("humanCodingScheme", None)
    if imported and extra.get("imported_code") == c.code:
        if original_code:
            item["humanCodingScheme"] = original_code
    else:
        item["humanCodingScheme"] = c.code
    type_link = kept.pop("CFItemTypeURI", None)
    if c.item_type:
        item["CFItemType"] = c.item_type
        if type_link is not None and type_link.get("title") == c.item_type:
            item["CFItemTypeURI"] = type_link
        else:
            definition = item_types.get(c.item_type)
            if definition is None:
                identifier = str(uuid.uuid5(framework.case_identifier, f"item-type:{c.item_type}"))
                definition = {"identifier": identifier, "uri": _urn(identifier), "title": c.item_type,
                              "description": "", "hierarchyCode": ""}
                item_types[c.item_type] = definition
            item["CFItemTypeURI"] = {"title": c.item_type, "identifier": definition["identifier"],
                                     "uri": definition.get("uri") or _urn(definition["identifier"])}
    extensions = kept.pop("extensions", {})
    ours = {}
    if c.kind != kind_from_item_type(c.item_type):
        ours["kind"] = c.kind
    if c.esco_uri:
        ours["escoUri"] = c.esco_uri
    if c.sfia_code:
        ours["sfiaCode"] = c.sfia_code
    if c.external_ids:
        ours["externalIds"] = c.external_ids
    item.update(kept)
    item["lastChangeDateTime"] = kept.get("lastChangeDateTime") or stamp
    if ours:
        extensions = {**extensions, EXTENSION_KEY: ours}
    if extensions:
        item["extensions"] = extensions
    return item


def _export_case_type(relation: Relation) -> str:
    case_type = relation.case_type or CASE_TYPE_OF_KIND.get(relation.kind, "ext:other")
    if case_type in CASE_11_TYPES or EXT_TYPE.match(case_type):
        return case_type
    return "ext:" + re.sub(r"[^a-zA-Z0-9.\-_]", "_", case_type)


def _export_relation(relation: Relation, links: dict[int, dict[str, str]], stamp: str) -> dict[str, Any]:
    kept = dict((relation.extra or {}).get("case") or {})
    source = dict(links[relation.source_id])
    if relation.target_id and relation.target_id in links:
        target = dict(links[relation.target_id])
    elif relation.target_id:  # a competency of another framework
        target = {"title": relation.target.code, "identifier": str(relation.target.uuid),
                  "uri": ((relation.target.extra or {}).get("case") or {}).get("uri") or _urn(relation.target.uuid)}
    else:
        identifier = relation.target_identifier or relation.target_uri
        target = {"title": relation.target_title or identifier, "identifier": identifier,
                  "uri": relation.target_uri or (_urn(identifier) if _uuid(identifier) else identifier)}
    origin, destination = (target, source) if (relation.extra or {}).get("reversed") else (source, target)
    # Keep the source file's own node titles and uris where the ends are still the same items.
    for name, end in (("originNodeURI", origin), ("destinationNodeURI", destination)):
        old = kept.pop(name, None)
        if old and old.get("identifier") == end["identifier"]:
            end.update(old)
    association = {"identifier": str(relation.uuid), "uri": kept.pop("uri", "") or _urn(relation.uuid),
                   "associationType": _export_case_type(relation), "originNodeURI": origin,
                   "destinationNodeURI": destination, **kept}
    association["lastChangeDateTime"] = kept.get("lastChangeDateTime") or stamp
    return association


def _export_rubrics(version: FrameworkVersion, competencies: list[Competency], indicators: dict[int, dict[int, str]],
                    links: dict[int, dict[str, str]], stamp: str) -> list[dict[str, Any]]:
    """One CFRubric per scale: a first criterion naming no item lists the scale's levels, then one
    criterion per competency with indicators on that scale."""
    rubrics = []
    for scale in version.scales.prefetch_related("levels").order_by("code"):
        rubric_id = str(scale.case_identifier)
        levels = list(scale.levels.all())
        level_names = {lvl.value: lvl.name for lvl in levels}
        block_id = str(uuid.uuid5(scale.case_identifier, "levels"))
        criteria = [{"identifier": block_id, "uri": _urn(block_id), "category": "scale levels",
                     "description": f"Levels of the scale {scale.name}", "position": 0, "rubricId": rubric_id,
                     "lastChangeDateTime": stamp,
                     "CFRubricCriterionLevels": [
                         {"identifier": str(lvl.case_identifier), "uri": _urn(lvl.case_identifier),
                          "quality": lvl.name, "description": lvl.descriptor, "score": lvl.value,
                          "position": lvl.value, "rubricCriterionId": block_id, "lastChangeDateTime": stamp}
                         for lvl in levels]}]
        is_default = version.default_scale_id == scale.pk
        for c in competencies:
            on_scale = c.scale_id == scale.pk or (c.scale_id is None and is_default)
            if not on_scale or not indicators.get(c.pk):
                continue
            criterion_id = str(uuid.uuid5(c.uuid, f"criterion:{scale.case_identifier}"))
            criteria.append({
                "identifier": criterion_id, "uri": _urn(criterion_id), "CFItemURI": dict(links[c.pk]),
                "position": len(criteria), "rubricId": rubric_id, "lastChangeDateTime": stamp,
                "CFRubricCriterionLevels": [
                    {"identifier": str(uuid.uuid5(c.uuid, f"indicator:{scale.case_identifier}:{level}")),
                     "uri": _urn(uuid.uuid5(c.uuid, f"indicator:{scale.case_identifier}:{level}")),
                     "quality": level_names.get(level, f"Level {level}"), "description": text, "score": level,
                     "position": level, "rubricCriterionId": criterion_id, "lastChangeDateTime": stamp}
                    for level, text in sorted(indicators[c.pk].items())]})
        rubric = {"identifier": rubric_id, "uri": _urn(rubric_id), "title": scale.name, "lastChangeDateTime": stamp,
                  "CFRubricCriteria": criteria,
                  "extensions": {EXTENSION_KEY: {"code": scale.code, "defaultScale": is_default}}}
        if scale.description:
            rubric["description"] = scale.description
        rubrics.append(rubric)
    return rubrics


def export_case(framework_ref: str, *, version_number: int | None = None) -> tuple[bytes, str]:
    from compms.frameworks.services import resolve_framework

    framework = resolve_framework(framework_ref)
    version = choose_version(framework, version_number)
    package = export_package(framework, version)
    content = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    return content, f"{framework.code}-v{version.number}.case.json"

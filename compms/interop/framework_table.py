"""Competency dictionaries as spreadsheets (CSV or .xlsx), one row per competency.

Two layouts are read:
- "compms" (ours, also what the export writes): framework_code, framework_name, code, parent_code, name,
  kind, description, item_type, scale, sort_order, esco_uri, sfia_code, uuid, indicator_1..indicator_N;
- "opensalt": OpenSALT's CASE spreadsheet (identifier, fullStatement, humanCodingScheme, smartLevel, ...),
  where the tree is given by smartLevel ("3.6.2" sits under "3.6"). Its rows are turned into a CASE
  package and imported exactly like one, so a later CASE export gives the same items back.
Both are documented in docs/import-formats.md ("Competency dictionary spreadsheet").
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from compms.frameworks.models import Competency, Framework, LevelIndicator
from compms.frameworks.services import check_editor, resolve_framework
from compms.interop.base import ImportFailed, RowError, TableRow, read_table, write_table
from compms.interop.case import PackageStats, build_plan, choose_version, tree_order
from compms.interop.services import (
    TABLE_LABELS,
    DictionaryImport,
    DictionaryPlan,
    PlannedCompetency,
    Where,
    check_plan,
    import_dictionary,
)
from compms.validation import web_link_problem

MAX_INDICATOR_COLUMNS = 100
COLUMNS = ["framework_code", "framework_name", "code", "parent_code", "name", "kind", "description", "item_type",
           "scale", "sort_order", "esco_uri", "sfia_code", "uuid"]
INDICATOR_COLUMNS = tuple(f"indicator_{n}" for n in range(1, MAX_INDICATOR_COLUMNS + 1))
KIND_SPELLINGS = {"skill": "skill", "knowledge": "knowledge", "behaviour": "behaviour", "behavior": "behaviour"}
# A column left out of the sheet leaves that field of existing competencies as it is.
KEPT_WHEN_ABSENT = {"parent_code": "parent", "kind": "kind", "description": "description", "item_type": "item_type",
                    "scale": "scale", "esco_uri": "esco_uri", "sfia_code": "sfia_code"}
SFIA_MAX = Competency._meta.get_field("sfia_code").max_length

OPENSALT_COLUMNS = ("identifier", "fullStatement", "humanCodingScheme", "smartLevel", "listEnumeration",
                    "abbreviatedStatement", "conceptKeywords", "notes", "language", "educationLevel",
                    "CFItemType", "license", "lastChangeDateTime")
_OPENSALT_KEYS = {name.lower(): name for name in OPENSALT_COLUMNS}  # read_table lower-cases headers
_SMART_LEVEL = re.compile(r"^\d+(\.\d+)*$")


# ---------------------------------------------------------------- our layout

def build_table_plan(rows: list[TableRow], *, framework_code: str = "") -> DictionaryPlan:
    errors: list[RowError] = []
    codes_in_file = {row.get("framework_code") for row in rows if row.get("framework_code")}
    code = framework_code.strip()
    if not code:
        if len(codes_in_file) == 1:
            code = codes_in_file.pop()
        elif not codes_in_file:
            errors.append(RowError(None, "framework_code", "name the framework: fill the framework_code column "
                                                           "or give --framework"))
        else:
            code = next(row.get("framework_code") for row in rows if row.get("framework_code"))
    name = next((row.get("framework_name") for row in rows if row.get("framework_name")), "")

    competencies = []
    siblings: Counter = Counter()
    for row in rows:
        at = Where(row=row.number)
        if row.get("framework_code") and code and row.get("framework_code") != code:
            errors.append(at.error("framework_code", f"one framework per file: this row is for "
                                                     f"{row.get('framework_code')!r}, the file for {code!r}"))
        competency_code = row.get("code")
        if not competency_code:
            errors.append(at.error("code", "a competency needs a code"))
            continue
        kind = KIND_SPELLINGS.get(row.get("kind").lower() or "skill")
        if kind is None:
            errors.append(at.error("kind", f"{row.get('kind')!r} is not a kind (use skill, knowledge or behaviour)"))
        row_uuid = None
        if row.get("uuid"):
            try:
                row_uuid = uuid.UUID(row.get("uuid"))
            except ValueError:
                errors.append(at.error("uuid", f"{row.get('uuid')!r} is not a UUID"))
        sort_order = None
        if row.get("sort_order"):
            try:
                sort_order = int(row.get("sort_order"))
            except ValueError:
                errors.append(at.error("sort_order", f"{row.get('sort_order')!r} is not a whole number"))
        esco_uri = row.get("esco_uri")
        if esco_uri and web_link_problem(esco_uri):
            errors.append(at.error("esco_uri", "must be an http(s) URI, e.g. http://data.europa.eu/esco/skill/…"))
        if len(row.get("sfia_code")) > SFIA_MAX:
            errors.append(at.error("sfia_code", f"longer than {SFIA_MAX} characters"))
        indicators = {}
        for column in INDICATOR_COLUMNS:
            if row.get(column):
                indicators[int(column.rsplit("_", 1)[1])] = row.get(column)
        parent = row.get("parent_code") or None
        siblings[parent] += 1
        competencies.append(PlannedCompetency(
            key=competency_code, name=row.get("name"), where=at, uuid=row_uuid, code=competency_code,
            description=row.get("description"), kind=kind or "skill", item_type=row.get("item_type"),
            parent=parent, sort_order=sort_order if sort_order is not None else siblings[parent],
            scale=row.get("scale") or None, indicators=indicators, esco_uri=esco_uri,
            sfia_code=row.get("sfia_code"),
        ))
    if not rows:
        errors.append(RowError(None, "", "the file has no competencies"))
    present = set(rows[0].values) if rows else set()
    keep = {name for column, name in KEPT_WHEN_ABSENT.items() if column not in present}
    if not present & set(INDICATOR_COLUMNS):
        keep.add("indicators")
    if not present & {"parent_code", "sort_order"}:
        keep.add("sort_order")  # without the tree, a row's position says nothing about its siblings
    plan = DictionaryPlan(source="spreadsheet", framework_code=code, framework_name=name,
                          competencies=competencies, labels=dict(TABLE_LABELS), keep=frozenset(keep))
    errors += check_plan(plan)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.row or 0)))
    return plan


# ---------------------------------------------------------------- OpenSALT's layout

def opensalt_package(rows: list[TableRow], document_id: uuid.UUID, title: str) -> tuple[dict[str, Any], dict]:
    """OpenSALT spreadsheet rows as a CASE package, plus where each item came from (for errors).
    Items without an identifier get one derived from the framework and their smartLevel, so that
    importing the same sheet again finds them."""
    errors: list[RowError] = []
    items, associations, where = [], [], {}
    identifier_of: dict[str, str] = {}
    for row in rows:
        smart_level = row.get("smartlevel")
        if not _SMART_LEVEL.match(smart_level):
            errors.append(RowError(row.number, "smartLevel", f"{smart_level!r} is not a position like 3.6.2"))
            continue
        if smart_level in identifier_of:
            errors.append(RowError(row.number, "smartLevel", f"{smart_level} appears twice"))
            continue
        identifier = row.get("identifier") or str(uuid.uuid5(document_id, f"smartLevel:{smart_level}"))
        identifier_of[smart_level] = identifier
        where[_canonical(identifier)] = Where(row=row.number, item=identifier)
        item = {_OPENSALT_KEYS[key]: value for key, value in row.values.items()
                if value and key in _OPENSALT_KEYS and key not in ("smartlevel", "license")}
        item["identifier"] = identifier
        items.append(item)
    for row in rows:
        smart_level = row.get("smartlevel")
        if smart_level not in identifier_of:
            continue
        parent_level, _, position = smart_level.rpartition(".")
        if parent_level and parent_level not in identifier_of:
            errors.append(RowError(row.number, "smartLevel", f"no row has smartLevel {parent_level}, the parent of "
                                                             f"{smart_level}"))
            continue
        child = identifier_of[smart_level]
        parent = identifier_of[parent_level] if parent_level else str(document_id)
        associations.append({"identifier": str(uuid.uuid5(document_id, f"isChildOf:{child}")),
                             "associationType": "isChildOf", "sequenceNumber": int(position),
                             "originNodeURI": {"identifier": child, "title": "", "uri": ""},
                             "destinationNodeURI": {"identifier": parent, "title": "", "uri": ""}})
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.row or 0))
    package = {"CFDocument": {"identifier": str(document_id), "title": title}, "CFItems": items,
               "CFAssociations": associations}
    return package, {"where": where, "smart_level": {_canonical(v): k for k, v in identifier_of.items()}}


def _canonical(identifier: str) -> str:
    try:
        return str(uuid.UUID(identifier))
    except ValueError:
        return identifier


def build_opensalt_plan(rows: list[TableRow], *, framework_code: str, framework_name: str = ""
                        ) -> tuple[DictionaryPlan, PackageStats]:
    if not framework_code:
        raise ImportFailed([RowError(None, "framework", "an OpenSALT sheet names no framework: give its code "
                                                        "(--framework)")])
    existing = Framework.objects.filter(code=framework_code).first()
    # A new framework gets a document identifier derived from its code, so the same sheet imported into
    # an empty database gives the same identifiers every time.
    document_id = existing.case_identifier if existing else uuid.uuid5(uuid.NAMESPACE_URL,
                                                                        f"compms:framework:{framework_code}")
    title = framework_name or (existing.name if existing else framework_code)
    package, lookup = opensalt_package(rows, document_id, title)
    where = lookup["where"]
    # Published OpenSALT sheets repeat humanCodingScheme values (the Common Core ELA sheet has CCRA.L.6
    # twice), so repeats get a -2, -3 suffix here; the original value is kept for the CASE export.
    plan, stats = build_plan(package, framework_code=framework_code, rename_duplicate_codes=True,
                             where_of=lambda identifier: where.get(identifier, Where(item=identifier)))
    for competency in plan.competencies:
        competency.code_hint = lookup["smart_level"].get(competency.key, "")
    plan.source = "OpenSALT spreadsheet"
    plan.case_source = None  # the sheet says nothing about the document; keep what an earlier import kept
    plan.framework_name = framework_name or ("" if existing else framework_code)  # "": keep the current name
    return plan, stats


# ---------------------------------------------------------------- entry points

def import_table(path: Path | str, actor: Any, *, framework_code: str = "", layout: str = "compms",
                 publish: bool = False, framework_name: str = "") -> tuple[DictionaryImport, PackageStats | None]:
    check_editor(actor)
    if layout == "opensalt":
        rows = read_table(path, required=("fullstatement", "smartlevel"), optional=tuple(_OPENSALT_KEYS))
        plan, stats = build_opensalt_plan(rows, framework_code=framework_code, framework_name=framework_name)
        return import_dictionary(plan, actor, publish=publish), stats
    if layout != "compms":
        raise ImportFailed([RowError(None, "layout", f"unknown layout {layout!r} (use compms or opensalt)")])
    rows = read_table(path, required=("code", "name"),
                      optional=tuple(c for c in COLUMNS if c not in ("code", "name")) + INDICATOR_COLUMNS)
    plan = build_table_plan(rows, framework_code=framework_code)
    if framework_name:
        plan.framework_name = framework_name
    return import_dictionary(plan, actor, publish=publish), None


def table_rows(framework: Framework, version_number: int | None = None) -> tuple[list[str], list[list[Any]], str]:
    version = choose_version(framework, version_number)
    competencies = tree_order(list(version.competencies.select_related("scale")))
    code_of = {c.pk: c.code for c in competencies}
    indicators: dict[int, dict[int, str]] = {}
    for competency_id, level, text in LevelIndicator.objects.filter(competency__version=version).values_list(
            "competency_id", "level", "text"):
        indicators.setdefault(competency_id, {})[level] = text
    top = max([s.max_level for s in version.scales.prefetch_related("levels")]
              + [max(levels) for levels in indicators.values()] + [0])
    columns = COLUMNS + [f"indicator_{n}" for n in range(1, top + 1)]
    rows = []
    for c in competencies:
        by_level = indicators.get(c.pk, {})
        rows.append([framework.code, framework.name, c.code, code_of.get(c.parent_id, ""), c.name, c.kind,
                     c.description, c.item_type, c.scale.code if c.scale_id else "", c.sort_order, c.esco_uri,
                     c.sfia_code, str(c.uuid)] + [by_level.get(n, "") for n in range(1, top + 1)])
    return columns, rows, f"{framework.code}-v{version.number}"


def export_table(framework_ref: str, fmt: str = "csv", *, version_number: int | None = None) -> tuple[bytes, str]:
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown table format {fmt!r} (use csv or xlsx)")
    framework = resolve_framework(framework_ref)
    columns, rows, stem = table_rows(framework, version_number)
    return write_table(columns, rows, fmt), f"{stem}.{fmt}"

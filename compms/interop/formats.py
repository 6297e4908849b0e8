"""The formats `compms import` / `compms export` offer from this app: CASE packages and competency
dictionary spreadsheets. The web page and the API call the same functions (case.py, framework_table.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compms.interop.base import TABLE_CONTENT_TYPES, ExportFormat, ImportFormat, ImportResult
from compms.interop.case import CASE_CONTENT_TYPE, PackageStats, export_case, import_case
from compms.interop.framework_table import export_table, import_table
from compms.interop.services import DictionaryImport


def import_result(outcome: DictionaryImport, stats: PackageStats | None) -> ImportResult:
    counts = {"added": outcome.added, "updated": outcome.updated, "removed": outcome.removed,
              "unchanged": outcome.unchanged, "relations_added": outcome.relations_added,
              "relations_updated": outcome.relations_updated, "relations_removed": outcome.relations_removed}
    if stats is not None:
        counts["items"] = stats.items
        counts["associations"] = sum(stats.associations.values())
        counts.update({f"association:{name}": n for name, n in stats.associations.items()})
    return ImportResult(summary=(stats.lines() if stats else []) + outcome.summary(), counts=counts,
                        object_code=outcome.framework.code)


def _run_case(path: Path, actor: Any, options: dict[str, Any]) -> ImportResult:
    outcome, stats = import_case(path.read_bytes(), actor, publish=options.get("publish", False),
                                 framework_code=options.get("framework") or "",
                                 rename_duplicate_codes=options.get("rename_duplicate_codes", False))
    return import_result(outcome, stats)


def _run_table(path: Path, actor: Any, options: dict[str, Any]) -> ImportResult:
    outcome, stats = import_table(path, actor, framework_code=options.get("framework") or "",
                                  layout=options.get("layout") or "compms", publish=options.get("publish", False),
                                  framework_name=options.get("framework_name") or "")
    return import_result(outcome, stats)


def _export_case(target: str, actor: Any, options: dict[str, Any]) -> tuple[bytes, str, str]:
    content, filename = export_case(target, version_number=options.get("version_number"))
    return content, filename, CASE_CONTENT_TYPE


def _export_table(target: str, actor: Any, options: dict[str, Any]) -> tuple[bytes, str, str]:
    fmt = options.get("table_format") or "csv"
    content, filename = export_table(target, fmt, version_number=options.get("version_number"))
    return content, filename, TABLE_CONTENT_TYPES[fmt]


_PUBLISH = ("--publish", {"action": "store_true", "help": "publish the draft after importing"})
_VERSION = ("--version", {"dest": "version_number", "type": int, "default": None,
                          "help": "version number (default: the latest published, else the draft)"})

IMPORTERS = [
    ImportFormat(
        name="case", run=_run_case, extensions=(".json",),
        help="1EdTech CASE 1.0/1.1 package (JSON): creates or updates the framework with that CFDocument "
             "identifier, in its draft version",
        options=(_PUBLISH,
                 ("--framework", {"default": "", "help": "code for the framework if it is new "
                                                         "(default: from the document title)"}),
                 ("--rename-duplicate-codes", {"action": "store_true",
                                               "help": "give repeated humanCodingScheme values a -2, -3 suffix "
                                                       "instead of refusing the package"})),
    ),
    ImportFormat(
        name="framework-csv", run=_run_table,
        help="competency dictionary spreadsheet (.csv or .xlsx; see docs/import-formats.md)",
        options=(_PUBLISH,
                 ("--framework", {"default": "", "help": "framework code (else the framework_code column)"}),
                 ("--framework-name", {"default": "", "help": "name for a new framework"}),
                 ("--layout", {"choices": ["compms", "opensalt"], "default": "compms",
                               "help": "compms (default) or opensalt (OpenSALT's CASE spreadsheet)"})),
    ),
]

EXPORTERS = [
    ExportFormat(name="case", run=_export_case, needs_target=True, target_help="framework code or CASE identifier",
                 help="CASE 1.1 package (JSON) of a framework version", options=(_VERSION,)),
    ExportFormat(name="framework-csv", run=_export_table, needs_target=True,
                 target_help="framework code or CASE identifier",
                 help="competency dictionary spreadsheet of a framework version",
                 options=(_VERSION, ("--format", {"dest": "table_format", "choices": ["csv", "xlsx"],
                                                  "default": "csv"}))),
]

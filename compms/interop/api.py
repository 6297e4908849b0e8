"""REST endpoints for importing and exporting competency dictionaries (CASE packages and spreadsheets).

Imports need a dictionary editor (competency manager or administrator) and are all-or-nothing: a
refused file answers 400 with {"detail": [{row, item, field, message}, ...]} and stores nothing.
Exports may be read by anyone holding a CompMS role, like the dictionary itself.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from compms.access import has_role
from compms.access.frameworks import can_edit_dictionary
from compms.accounts.models import Role
from compms.interop.base import TABLE_CONTENT_TYPES, ImportFailed, ImportResult, RowError
from compms.interop.case import CASE_CONTENT_TYPE, export_case, import_case
from compms.interop.formats import import_result
from compms.interop.framework_table import export_table, import_table

router = Router(tags=["import/export"])


class RowErrorOut(Schema):
    row: int | None
    item: str | None
    field: str
    message: str


class ImportFailedOut(Schema):
    detail: list[RowErrorOut]


class ErrorOut(Schema):
    detail: Any


class FrameworkImportOut(Schema):
    framework: str
    summary: list[str]
    counts: dict[str, int]


def require_editor(request: HttpRequest) -> None:
    if not can_edit_dictionary(request.user):
        raise PermissionDenied("Only competency managers and administrators may import a dictionary.")


def require_reader(request: HttpRequest) -> None:
    if not has_role(request.user, *Role.values):
        raise PermissionDenied("Reading the competency dictionary needs a CompMS role.")


def _out(result: ImportResult) -> dict[str, Any]:
    return {"framework": result.object_code, "summary": result.summary, "counts": result.counts}


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post("/frameworks/import/case", response={200: FrameworkImportOut, 400: ImportFailedOut, 403: ErrorOut},
             summary="Import a CASE package")
def import_case_package(request: HttpRequest, file: Annotated[UploadedFile | None, File()] = None,
                        publish: bool = False,
                        framework: str = "", rename_duplicate_codes: bool = False):
    """Send the package as a multipart `file`, or as the JSON request body. Creates the framework, or
    updates the one with the same CFDocument identifier in its draft version; `publish` publishes it."""
    require_editor(request)
    if file is not None:
        data = file.read()
    elif request.content_type.startswith("multipart/"):
        # The form was read to look for `file`: what it held instead is not a package.
        data = b""
    else:
        data = request.body
    if not data:
        return Status(400, {"detail": [{"row": None, "item": None, "field": "file", "message": "no package sent"}]})
    try:
        outcome, stats = import_case(data, request.user, publish=publish, framework_code=framework,
                                     rename_duplicate_codes=rename_duplicate_codes)
    except ImportFailed as failure:
        return Status(400, {"detail": failure.as_dicts()})
    return Status(200, _out(import_result(outcome, stats)))


def save_upload(upload: UploadedFile | Any, directory: str) -> Path:
    """An upload as a file with its own extension, which read_table needs to tell CSV from .xlsx."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFailed([RowError(None, "file", "send a .csv or .xlsx file")])
    path = Path(directory) / f"upload{suffix}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


@router.post("/frameworks/import/table", response={200: FrameworkImportOut, 400: ImportFailedOut, 403: ErrorOut},
             summary="Import a competency dictionary spreadsheet")
def import_table_file(request: HttpRequest, file: Annotated[UploadedFile, File()], framework: str = "",
                      layout: Literal["compms", "opensalt"] = "compms", publish: bool = False,
                      framework_name: str = ""):
    """A .csv or .xlsx `file` in the layout of docs/import-formats.md, or OpenSALT's (`layout=opensalt`)."""
    require_editor(request)
    try:
        with tempfile.TemporaryDirectory() as directory:
            outcome, stats = import_table(save_upload(file, directory), request.user, framework_code=framework,
                                          layout=layout, publish=publish, framework_name=framework_name)
    except ImportFailed as failure:
        return Status(400, {"detail": failure.as_dicts()})
    return Status(200, _out(import_result(outcome, stats)))


@router.get("/frameworks/{code}/export/case", response={200: None, 403: ErrorOut, 404: ErrorOut},
            summary="Export a framework version as a CASE 1.1 package")
def export_case_package(request: HttpRequest, code: str, version: int | None = None):
    require_reader(request)
    content, filename = export_case(code, version_number=version)
    return _download(content, filename, CASE_CONTENT_TYPE)


@router.get("/frameworks/{code}/export/table", response={200: None, 403: ErrorOut, 404: ErrorOut},
            summary="Export a framework version as a spreadsheet")
def export_table_file(request: HttpRequest, code: str, format: Literal["csv", "xlsx"] = "csv",
                      version: int | None = None):
    require_reader(request)
    content, filename = export_table(code, format, version_number=version)
    return _download(content, filename, TABLE_CONTENT_TYPES[format])

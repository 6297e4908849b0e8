"""The "Import / export" page: competency managers upload CASE packages or dictionary spreadsheets;
anyone with a CompMS role downloads a framework as CASE JSON, CSV or .xlsx. Same functions as the
API and the `compms import` / `compms export` commands."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from compms.access import has_role
from compms.access.frameworks import can_edit_dictionary
from compms.accounts.models import Role
from compms.frameworks.models import Framework, FrameworkVersion
from compms.interop.api import save_upload
from compms.interop.base import TABLE_CONTENT_TYPES, ImportFailed, ImportResult, RowError
from compms.interop.case import CASE_CONTENT_TYPE, export_case, import_case
from compms.interop.formats import import_result
from compms.interop.framework_table import export_table, import_table


def _require_reader(request: HttpRequest) -> None:
    if not has_role(request.user, *Role.values):
        raise PermissionDenied("Reading the competency dictionary needs a CompMS role.")


def _import_upload(request: HttpRequest) -> ImportResult:
    upload = request.FILES.get("file")
    if upload is None:
        raise ImportFailed([RowError(None, "file", "choose a file to import")])
    publish = request.POST.get("publish") == "on"
    framework = request.POST.get("framework", "").strip()
    if Path(upload.name).suffix.lower() == ".json":
        outcome, stats = import_case(upload.read(), request.user, publish=publish, framework_code=framework,
                                     rename_duplicate_codes=request.POST.get("rename_duplicate_codes") == "on")
        return import_result(outcome, stats)
    with tempfile.TemporaryDirectory() as directory:
        outcome, stats = import_table(save_upload(upload, directory), request.user, framework_code=framework,
                                      layout=request.POST.get("layout", "compms"), publish=publish,
                                      framework_name=request.POST.get("framework_name", "").strip())
    return import_result(outcome, stats)


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    may_import = can_edit_dictionary(request.user)
    context: dict = {"may_import": may_import}
    status = 200
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied("Only competency managers and administrators may import a dictionary.")
        try:
            context["result"] = _import_upload(request)
        except ImportFailed as failure:
            context["errors"] = failure.errors[:200]
            context["more_errors"] = max(0, len(failure.errors) - 200)
            status = 400
    frameworks = Framework.objects.prefetch_related("versions").order_by("code")
    rows = []
    for framework in frameworks:
        versions = sorted(framework.versions.all(), key=lambda v: -v.number)
        shown = (next((v for v in versions if v.status == FrameworkVersion.Status.PUBLISHED), None)
                 or next((v for v in versions if v.status == FrameworkVersion.Status.DRAFT), None))
        if shown is not None:
            rows.append({"framework": framework, "version": shown})
    context["rows"] = rows
    return render(request, "interop/index.html", context, status=status)


@require_GET
def download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    _require_reader(request)
    version = request.GET.get("version")
    number = int(version) if version and version.isdecimal() else None
    try:
        if fmt == "case":
            content, filename = export_case(code, version_number=number)
            content_type = CASE_CONTENT_TYPE
        elif fmt in TABLE_CONTENT_TYPES:
            content, filename = export_table(code, fmt, version_number=number)
            content_type = TABLE_CONTENT_TYPES[fmt]
        else:
            raise Http404("Unknown export format.")
    except (Framework.DoesNotExist, FrameworkVersion.DoesNotExist) as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

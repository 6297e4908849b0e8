"""`compms import resources FILE` and `compms export resources`: the learning catalogue as a table.

One row per resource x competency it develops. Rows sharing a resource_id describe one resource, so
they must agree on its title, cost and hours (the first row's values are the resource's). All or
nothing: every row is checked, errors name the row and field, and nothing is stored unless all rows
are good. An existing resource_id is updated and its outcomes replaced by the file's.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db.models import Max

from compms.access.people import require_organisation_reader
from compms.development import services
from compms.development.models import Resource, ResourceOutcome
from compms.development.services import OutcomeSpec
from compms.frameworks.models import Competency, FrameworkVersion, ScaleLevel
from compms.interop.base import (
    TABLE_CONTENT_TYPES,
    ExportFormat,
    ImportFailed,
    ImportFormat,
    ImportResult,
    RowError,
    read_table,
    write_table,
)
from compms.validation import number_problem, web_link_problem

COLUMNS = ("resource_id", "title", "kind", "framework", "competency_code", "entry_level", "exit_level", "cost",
           "hours", "modality", "provider", "validity_months")
REQUIRED = ("resource_id", "title", "framework", "competency_code", "exit_level")
OPTIONAL = tuple(c for c in COLUMNS if c not in REQUIRED) + ("link",)
# Columns every row of one resource must repeat identically.
MUST_AGREE = ("title", "cost", "hours")


def _competency_lookup() -> dict[tuple[str, str], tuple[Competency, int]]:
    """(framework code, competency code) -> (competency of the newest published version, scale top)."""
    scale_top = dict(ScaleLevel.objects.values("scale_id").annotate(top=Max("value")).values_list("scale_id", "top"))
    found: dict[tuple[str, str], tuple[Competency, int]] = {}
    for competency in (Competency.objects.filter(version__status=FrameworkVersion.Status.PUBLISHED)
                       .select_related("version__framework").order_by("version__number")):
        top = scale_top.get(competency.scale_id or competency.version.default_scale_id, 0)
        found[(competency.version.framework.code, competency.code)] = (competency, top)
    return found


def _decimal(text: str) -> Decimal:
    value = Decimal(text or "0")
    if not value.is_finite():
        raise InvalidOperation
    return value


def import_resources_file(path: Path | str, actor: Any, options: dict[str, Any] | None = None) -> ImportResult:
    services.require_catalogue_editor(actor)
    rows = read_table(path, REQUIRED, OPTIONAL)
    lookup = _competency_lookup()
    errors: list[RowError] = []
    resources: dict[str, Resource] = {}
    first_values: dict[str, dict[str, str]] = {}
    outcomes: dict[str, list[OutcomeSpec]] = {}
    seen_outcome: dict[tuple[str, Any], int] = {}
    for row in rows:
        n = row.number
        before = len(errors)
        resource_id = row.get("resource_id")
        if not resource_id:
            errors.append(RowError(n, "resource_id", "resource_id is empty"))
            continue
        kind = row.get("kind") or Resource.Kind.COURSE
        if kind not in Resource.Kind.values:
            errors.append(RowError(n, "kind", f"unknown kind {kind!r} (expected one of "
                                              f"{', '.join(Resource.Kind.values)})"))
        if not row.get("title"):
            errors.append(RowError(n, "title", "title is empty"))
        cost = hours = Decimal(0)
        for name in ("cost", "hours"):
            model_field = Resource._meta.get_field(name)
            checked, problem = number_problem(row.get(name) or "0", max_digits=model_field.max_digits,
                                              decimal_places=model_field.decimal_places)
            if problem or checked is None:
                errors.append(RowError(n, name, f"{name} cannot be negative" if problem == "cannot be negative"
                                       else problem or "not a number"))
                continue
            value = checked
            if name == "cost":
                cost = value
            else:
                hours = value
        validity = None
        if row.get("validity_months"):
            try:
                validity = int(row.get("validity_months"))
                if validity < 1:
                    raise ValueError
            except ValueError:
                errors.append(RowError(n, "validity_months", f"{row.get('validity_months')!r} is not a whole "
                                                             "number of months above 0"))
        if row.get("link") and web_link_problem(row.get("link")):
            errors.append(RowError(n, "link", str(web_link_problem(row.get("link")))))
        found = lookup.get((row.get("framework"), row.get("competency_code")))
        if found is None:
            errors.append(RowError(n, "competency_code", f"no competency {row.get('competency_code')!r} in a "
                                                         f"published version of framework {row.get('framework')!r}"))
        entry = exit_level = -1
        for name in ("entry_level", "exit_level"):
            text = row.get(name) or ("0" if name == "entry_level" else "")
            try:
                value = int(text)
                if value < 0:
                    raise ValueError
            except ValueError:
                errors.append(RowError(n, name, f"{text!r} is not a level (a whole number from 0)"))
                continue
            if name == "entry_level":
                entry = value
            else:
                exit_level = value
        if entry >= 0 and exit_level >= 0:
            if exit_level <= entry:
                errors.append(RowError(n, "exit_level", f"exit level {exit_level} must be above entry level {entry}"))
            elif found is not None and found[1] and exit_level > found[1]:
                errors.append(RowError(n, "exit_level", f"level {exit_level} is beyond the scale of "
                                                        f"{row.get('competency_code')} (0..{found[1]})"))
        if resource_id in first_values:
            for name in MUST_AGREE:
                mine, theirs = row.get(name), first_values[resource_id][name]
                same = (_same_number(mine, theirs) if name in ("cost", "hours") else mine == theirs)
                if not same:
                    errors.append(RowError(n, name, f"{name} {mine!r} differs from {theirs!r} on an earlier row of "
                                                    f"resource {resource_id}"))
        if found is not None:
            key = (resource_id, found[0].uuid)
            if key in seen_outcome:
                errors.append(RowError(n, "competency_code", f"{row.get('competency_code')} is already listed for "
                                                             f"{resource_id} on row {seen_outcome[key]}"))
            seen_outcome[key] = n
        if len(errors) > before:
            continue
        if resource_id not in resources:
            first_values[resource_id] = {name: row.get(name) for name in MUST_AGREE}
            resources[resource_id] = Resource(
                resource_id=resource_id, title=row.get("title"), kind=kind, cost=cost, hours=hours,
                modality=row.get("modality"), provider=row.get("provider"), validity_months=validity,
                link=row.get("link"))
        outcomes.setdefault(resource_id, []).append(OutcomeSpec(found[0], entry, exit_level))
    if errors:
        raise ImportFailed(errors)
    if not resources:
        raise ImportFailed([RowError(None, "", "the file has no rows")])
    created, updated = services.import_resources(actor, list(resources.values()), outcomes)
    count = sum(len(v) for v in outcomes.values())
    return ImportResult(summary=[f"{created} resources created, {updated} updated, {count} competency outcomes."],
                        counts={"created": created, "updated": updated, "outcomes": count})


def _same_number(a: str, b: str) -> bool:
    try:
        return _decimal(a) == _decimal(b)
    except InvalidOperation:
        return a == b


def export_resources(target: Any, actor: Any, options: dict[str, Any] | None = None) -> tuple[bytes, str, str]:
    # The catalogue is readable by anyone with a CompMS role (and the command line, as the system).
    require_organisation_reader(actor)
    # The command line calls its --format table_format; pages pass format.
    fmt = (options or {}).get("table_format") or (options or {}).get("format") or "csv"
    rows = []
    for outcome in (ResourceOutcome.objects.select_related("resource", "competency__version__framework")
                    .order_by("resource__resource_id", "competency__code")):
        r = outcome.resource
        rows.append([r.resource_id, r.title, r.kind, outcome.competency.version.framework.code,
                     outcome.competency.code, outcome.entry_level, outcome.exit_level, str(r.cost), str(r.hours),
                     r.modality, r.provider, r.validity_months, r.link])
    return write_table(list(COLUMNS) + ["link"], rows, fmt), f"resources.{fmt}", TABLE_CONTENT_TYPES[fmt]


IMPORTERS = [ImportFormat(name="resources", help="Learning catalogue: one row per resource x competency "
                                                 "(resource_id, title, framework, competency_code, exit_level, ...)",
                          run=import_resources_file)]
EXPORTERS = [ExportFormat(name="resources", help="Learning catalogue, one row per resource x competency",
                          run=export_resources,
                          options=(("--format", {"dest": "table_format", "choices": ["csv", "xlsx"],
                                                 "default": "csv"}),))]

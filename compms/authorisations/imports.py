"""`compms import authorisations FILE`: authorisation definitions as a table, one row per requirement.

Rows sharing a `code` describe one authorisation and must agree on its name, description, unit,
validity_months and granted_by_roles. All or nothing: every row is checked, each error names its row
and column, and nothing is stored unless all rows are good. An existing code is updated (its
requirements replaced by the file's); grants already made keep their own dates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from compms.access.authorisations import require_define
from compms.accounts.models import Role
from compms.authorisations import services
from compms.authorisations.services import RequirementSpec
from compms.evidence import services as evidence_services
from compms.frameworks.models import Competency, FrameworkVersion
from compms.interop.base import ImportFailed, ImportFormat, ImportResult, RowError, read_table
from compms.organisation.models import Context, Unit

REQUIRED = ("code", "name", "framework", "competency_code", "level")
OPTIONAL = ("description", "unit", "validity_months", "granted_by_roles", "context")
MUST_AGREE = ("name", "description", "unit", "validity_months", "granted_by_roles")


def _competency(framework: str, code: str) -> Competency | None:
    """The competency in the newest published version of the framework (by code or CASE identifier)."""
    rows = Competency.objects.filter(version__status=FrameworkVersion.Status.PUBLISHED, code=code)
    found = rows.filter(version__framework__code=framework).order_by("-version__number").first()
    if found is None:
        try:
            found = rows.filter(version__framework__case_identifier=framework).order_by("-version__number").first()
        except (ValidationError, ValueError):
            found = None
    return found


def import_authorisations_file(path: Path | str, actor: Any, options: dict[str, Any] | None = None) -> ImportResult:
    require_define(actor)
    rows = read_table(path, REQUIRED, OPTIONAL)
    errors: list[RowError] = []
    first: dict[str, dict[str, str]] = {}
    specs: dict[str, list[RequirementSpec]] = {}
    settings_of: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, Any, Any], int] = {}
    units = {u.external_id: u for u in Unit.objects.all()}
    contexts = {c.code: c for c in Context.objects.all()}
    for row in rows:
        n = row.number
        code = row.get("code").strip()
        if not code or len(code) > 60 or not all(ch.isalnum() or ch in "-_" for ch in code):
            errors.append(RowError(n, "code", f"{code!r} is not a code (1-60 letters, digits, '-' or '_')"))
            continue
        if code in first:
            for name in MUST_AGREE:
                if row.get(name).strip() != first[code][name]:
                    errors.append(RowError(n, name, f"{name} {row.get(name)!r} differs from {first[code][name]!r} "
                                                    f"on an earlier row of authorisation {code}"))
        else:
            first[code] = {name: row.get(name).strip() for name in MUST_AGREE}
            values: dict[str, Any] = {"name": row.get("name").strip(), "description": row.get("description").strip()}
            if not values["name"]:
                errors.append(RowError(n, "name", "name is empty"))
            unit_id = row.get("unit").strip()
            values["unit"] = units.get(unit_id) if unit_id else None
            if unit_id and values["unit"] is None:
                errors.append(RowError(n, "unit", f"no unit {unit_id!r}"))
            months = row.get("validity_months").strip()
            values["validity_months"] = None
            if months:
                if not months.isdigit() or not 1 <= int(months) <= 600:
                    errors.append(RowError(n, "validity_months", f"{months!r} is not a number of months (1-600)"))
                else:
                    values["validity_months"] = int(months)
            roles = row.get("granted_by_roles").split()
            unknown = [r for r in roles if r not in Role.values]
            if unknown:
                errors.append(RowError(n, "granted_by_roles", f"unknown role(s) {', '.join(unknown)} "
                                                              f"(expected: {', '.join(Role.values)})"))
            values["granted_by_roles"] = roles
            settings_of[code] = values
        competency = _competency(row.get("framework").strip(), row.get("competency_code").strip())
        if competency is None:
            errors.append(RowError(n, "competency_code", f"no competency {row.get('competency_code')!r} in a "
                                                         f"published version of framework {row.get('framework')!r}"))
        context_code = row.get("context").strip()
        context = contexts.get(context_code) if context_code else None
        if context_code and context is None:
            errors.append(RowError(n, "context", f"no context {context_code!r}"))
        level_text = row.get("level").strip()
        level = int(level_text) if level_text.isdigit() else -1
        if level < 1:
            errors.append(RowError(n, "level", f"{level_text!r} is not a level (a whole number from 1)"))
        elif competency is not None and level > evidence_services.max_level_of(competency):
            errors.append(RowError(n, "level", f"level {level} is beyond the scale of {competency.code} "
                                               f"(1..{evidence_services.max_level_of(competency)})"))
        if competency is not None:
            key = (code, competency.uuid, context_code)
            if key in seen:
                errors.append(RowError(n, "competency_code", f"{competency.code} is already named on row {seen[key]} "
                                                             f"for authorisation {code}"))
            seen[key] = n
            if level >= 1:
                specs.setdefault(code, []).append(RequirementSpec(competency=competency, level=level, context=context))
    if errors:
        raise ImportFailed(errors)
    with transaction.atomic():
        for code, values in settings_of.items():
            services.define_authorisation(actor, code=code, requirements=specs.get(code, []), **values)
    requirement_count = sum(len(v) for v in specs.values())
    summary = f"{len(settings_of)} authorisation(s) with {requirement_count} requirement(s) stored."
    return ImportResult(summary=[summary],
                        counts={"authorisations": len(settings_of), "requirements": requirement_count})


IMPORTERS = [ImportFormat(name="authorisations", run=import_authorisations_file,
                          help="Authorisations to work: one row per competency and level an authorisation needs")]

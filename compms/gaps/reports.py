"""The gap reports as the pages, the API and the command line ask for them.

One function per question; each takes the viewer (`actor`: a User, or None for a trusted caller such
as the command line), resolves the filters a user typed (unit, role and framework by their ids,
competency by uuid or FRAMEWORK:CODE, as-of date), checks access, and answers from the cached
arrays (`compms.gaps.loader`, `compms.gaps.analysis`). Pages, API endpoints and commands call
these and only render.

Access (the rule lives in compms.organisation.access):
- HR and administrators see the whole organisation;
- managers see gaps aggregated over the people `visible_people` gives them (themselves and their
  reports, direct and indirect) and nobody else, whatever unit they pick;
- anyone else may only compare themselves with a role (`person_against_role`).
A filter naming something that does not exist is a ValidationError naming the field.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError

from compms.access import person_of, require_actor, sees_everyone
from compms.access.people import can_see_person, visible_people
from compms.access.reports import can_view_reports, require_report_viewer  # noqa: F401 (the gap pages ask here)
from compms.core.fit import Requirement as FitRequirement
from compms.core.fit import role_fit
from compms.evidence import proficiency as prof
from compms.evidence.gaps import RequirementLine, RoleGaps
from compms.gaps import analysis
from compms.gaps.analysis import CRITICALITIES, Filters, Scope
from compms.gaps.loader import Snapshot, load_snapshot
from compms.organisation.models import Person, Requirement, Role


@dataclass(frozen=True)
class ReportParams:
    """Filters as typed by a user (all optional): ids and codes, not database rows."""

    unit: str | None = None
    role: str | None = None
    framework: str | None = None
    criticality: str | None = None
    as_of: dt.date | None = None


# ---------------------------------------------------------------- access

def visible_indices(snapshot: Snapshot, actor: Any) -> np.ndarray | None:
    """Person indices the actor may see, or None for everyone. A missing actor is refused rather than
    shown an empty organisation, so a forgotten argument is noticed."""
    require_actor(actor)
    if sees_everyone(actor):
        return None
    pks = list(visible_people(actor).values_list("pk", flat=True))
    return snapshot.person_indices(pks)


# ---------------------------------------------------------------- resolving what the user typed

def _digits(text: str) -> bool:
    # isdecimal, not isdigit: "¹" is a digit that int() refuses.
    return text.isdecimal() and len(text) < 19


def resolve_unit(snapshot: Snapshot, ref: str | None, field: str = "unit") -> int | None:
    """A unit by external id (as in imports), or by numeric id (as in /api/v1/units/{id})."""
    if ref is None or str(ref).strip() == "":
        return None
    ref = str(ref).strip()
    found = snapshot.unit_by_external_id.get(ref)
    if found is None and _digits(ref):
        found = snapshot.unit_index.get(int(ref))
    if found is None:
        raise ValidationError({field: f"No unit with id {ref!r}."})
    return found


def resolve_role(snapshot: Snapshot, ref: str | None, field: str = "role") -> int | None:
    """A role by external id, or by numeric id (as in /api/v1/roles/{id})."""
    if ref is None or str(ref).strip() == "":
        return None
    ref = str(ref).strip()
    found = snapshot.role_by_external_id.get(ref)
    if found is None and _digits(ref):
        found = snapshot.role_index.get(int(ref))
    if found is None:
        raise ValidationError({field: f"No role with id {ref!r}."})
    return found


def resolve_framework(snapshot: Snapshot, code: str | None) -> int | None:
    if code is None or str(code).strip() == "":
        return None
    found = snapshot.framework_index.get(str(code).strip())
    if found is None:
        raise ValidationError({"framework": f"No framework with code {code!r}."})
    return found


def resolve_claim(snapshot: Snapshot, ref: str | None, context: str | None = None,
                  field: str = "competency") -> int:
    """A competency by uuid or FRAMEWORK:CODE, optionally in a context (by code)."""
    if ref is None or str(ref).strip() == "":
        raise ValidationError({field: "Name a competency: its uuid or FRAMEWORK:CODE."})
    ref = str(ref).strip()
    context = (context or "").strip() or None
    candidates = []
    try:
        wanted_uuid = uuid_module.UUID(ref)
    except ValueError:
        framework, _, code = ref.partition(":")
        candidates = [i for i, c in enumerate(snapshot.claims) if c.framework == framework and c.code == code]
    else:
        candidates = [i for i, c in enumerate(snapshot.claims) if c.uuid == wanted_uuid]
    for i in candidates:
        if snapshot.claims[i].context == context:
            return i
    raise ValidationError({field: f"No requirement or evidence names competency {ref!r}"
                                  + (f" in context {context!r}." if context else ".")})


def resolve_criticality(value: str | None) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    if value not in CRITICALITIES:
        raise ValidationError({"criticality": f"Use one of {', '.join(CRITICALITIES)}."})
    return value


def make_scope(snapshot: Snapshot, actor: Any, params: ReportParams) -> Scope:
    filters = Filters(
        as_of=params.as_of or prof.today(), unit=resolve_unit(snapshot, params.unit),
        role=resolve_role(snapshot, params.role), framework=resolve_framework(snapshot, params.framework),
        criticality=resolve_criticality(params.criticality))
    return Scope(filters=filters, visible=visible_indices(snapshot, actor))


def report_context(actor: Any, params: ReportParams) -> tuple[Snapshot, Scope]:
    """Access check, then the snapshot and the resolved scope: the start of every report."""
    require_report_viewer(actor)
    snapshot = load_snapshot()
    return snapshot, make_scope(snapshot, actor, params)


# ---------------------------------------------------------------- the questions

def gap_report(actor: Any, params: ReportParams) -> analysis.GapReport:
    """Per competency, per unit and per role, for the organisation or a unit's subtree."""
    snapshot, scope = report_context(actor, params)
    return analysis.gap_report(snapshot, scope)


def best_fit(actor: Any, role_ref: str, params: ReportParams, top: int = 10,
             exclude_holders: bool = False) -> tuple[Snapshot, Scope, analysis.BestFit]:
    """The people in scope (unit and as-of date of `params`) ranked against a role's whole profile."""
    require_report_viewer(actor)
    snapshot = load_snapshot()
    role = resolve_role(snapshot, role_ref)
    if role is None:
        raise ValidationError({"role": "Name a role."})
    if top < 1 or top > 1000:
        raise ValidationError({"top": "Ask for between 1 and 1000 people."})
    scope = make_scope(snapshot, actor, ReportParams(unit=params.unit, as_of=params.as_of))
    return snapshot, scope, analysis.best_fit(snapshot, scope, role, top=top, exclude_holders=exclude_holders)


def person_against_role(actor: Any, person: Person, role: Role, as_of: dt.date | None = None) -> RoleGaps:
    """Any person (that the actor may see) measured against any role's profile, with their gaps.

    Works from one person's evidence (`proficiency_as_of`), not the organisation arrays, so it is as
    quick as `compms gaps --person`; the answer has the same shape as one role of that report."""
    if not can_see_person(actor, person):
        raise Person.DoesNotExist("No such person.")
    as_of = as_of or prof.today()
    lines = list(Requirement.objects.filter(role=role).select_related("competency__version__framework", "context")
                 .order_by("-criticality", "competency__code", "id"))
    proficiencies = prof.proficiency_as_of(person.pk, as_of) if lines else {}
    fit = role_fit([FitRequirement(key=(r.competency_uuid, r.context_id), required=r.level,
                                   criticality=r.criticality) for r in lines], proficiencies)
    requirements = [
        RequirementLine(
            framework=r.competency.version.framework.code, competency=r.competency.code,
            competency_name=r.competency.name, context=r.context.code if r.context else None,
            required=g.required, proficiency=g.proficiency, gap=g.gap, status=g.status, criticality=g.criticality,
            verified=g.verified, source=g.source, valid_until=g.valid_until)
        for r, g in zip(lines, fit.gaps)]
    return RoleGaps(role=role.external_id, role_name=role.name, fit=fit.fit, ready=fit.ready,
                    requirements=requirements)


def role_gaps_dict(person: Person, as_of: dt.date, gaps: RoleGaps) -> dict[str, Any]:
    """JSON of a person-against-role comparison: a person gaps report with this one role."""
    return {
        "person": person.employee_id, "person_name": person.name, "as_of": as_of.isoformat(),
        "role": gaps.role, "role_name": gaps.role_name, "fit": gaps.fit, "ready": gaps.ready,
        "requirements": [
            {"framework": line.framework, "competency": line.competency, "competency_name": line.competency_name,
             "context": line.context, "required": line.required, "proficiency": line.proficiency,
             "gap": line.gap, "status": line.status, "criticality": line.criticality, "verified": line.verified,
             "source": line.source, "valid_until": line.valid_until.isoformat() if line.valid_until else None}
            for line in gaps.requirements],
    }


def comparable_person(actor: Any, employee_id: str | None) -> Person:
    """The person a profile comparison is about: by employee id, or the actor's own record.

    Someone who may not see the person gets the same answer as for an unknown id."""
    if not employee_id:
        me = person_of(actor)
        if me is None:
            raise ValidationError({"person": "Name a person by employee id."})
        return me
    person = Person.objects.filter(employee_id=employee_id).select_related("unit").first()
    if person is None or not can_see_person(actor, person):
        raise Person.DoesNotExist(f"No person with employee id {employee_id!r}.")
    return person


def role_by_ref(ref: str | None) -> Role:
    ref = (ref or "").strip()
    if not ref:
        raise ValidationError({"role": "Name a role."})
    role = Role.objects.filter(external_id=ref).first()
    if role is None and _digits(ref):
        role = Role.objects.filter(pk=int(ref)).first()
    if role is None:
        raise Role.DoesNotExist(f"No role with id {ref!r}.")
    return role

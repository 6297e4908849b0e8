"""A person's gaps against the role(s) they hold (DESIGN.md "Requirement gap" and "Role fit").

Loads what the calculation needs in a few queries (positions held -> roles -> requirement lines;
the person's proficiency as of the date), then hands plain values to `compms.core.fit.role_fit`.
The command (`compms gaps --person`), the API (/people/{id}/gaps) and pages all call `person_gaps`.

A requirement is matched to proficiency by (competency uuid, context): a requirement without a
context needs evidence without one, as the same competency in another context is another claim.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from compms.core.fit import Requirement as FitRequirement
from compms.core.fit import role_fit
from compms.evidence import proficiency as prof
from compms.organisation.models import Person, Position, Requirement


@dataclass(frozen=True)
class RequirementLine:
    framework: str
    competency: str
    competency_name: str
    context: str | None
    required: int
    proficiency: int
    gap: int
    status: str  # met | short | missing | expired
    criticality: str  # essential | desirable
    verified: bool
    source: str | None
    valid_until: dt.date | None


@dataclass(frozen=True)
class RoleGaps:
    role: str  # the role's external id
    role_name: str
    fit: float
    ready: bool
    requirements: list[RequirementLine]


@dataclass(frozen=True)
class PersonGaps:
    person: str  # employee id
    person_name: str
    as_of: dt.date
    roles: list[RoleGaps]

    def as_dict(self) -> dict[str, Any]:
        """The documented JSON shape (dates as ISO strings)."""
        return {
            "person": self.person,
            "as_of": self.as_of.isoformat(),
            "roles": [
                {"role": role.role, "fit": role.fit, "ready": role.ready,
                 "requirements": [
                     {"framework": line.framework, "competency": line.competency, "required": line.required,
                      "proficiency": line.proficiency, "gap": line.gap, "status": line.status,
                      "criticality": line.criticality, "verified": line.verified, "source": line.source,
                      "valid_until": line.valid_until.isoformat() if line.valid_until else None}
                     for line in role.requirements]}
                for role in self.roles
            ],
        }


def roles_held(person: Person) -> list[Any]:
    """The roles of the positions a person holds, each once, by name."""
    roles = {position.role.pk: position.role for position in
             Position.objects.filter(holder=person).select_related("role")}
    return sorted(roles.values(), key=lambda role: (role.name, role.external_id))


def person_gaps(person: Person, as_of: dt.date | None = None) -> PersonGaps:
    as_of = as_of or prof.today()
    roles = roles_held(person)
    lines = list(Requirement.objects.filter(role__in=roles)
                 .select_related("competency__version__framework", "context")
                 .order_by("role_id", "-criticality", "competency__code", "id")) if roles else []
    proficiencies = prof.proficiency_as_of(person.pk, as_of) if lines else {}
    by_role: dict[int, list[Requirement]] = {}
    for line in lines:
        by_role.setdefault(line.role_id, []).append(line)
    result = []
    for role in roles:
        requirements = by_role.get(role.pk, [])
        # "essential" sorts after "desirable"; the query above ordered by -criticality for that.
        fit = role_fit(
            [FitRequirement(key=(r.competency_uuid, r.context_id), required=r.level, criticality=r.criticality)
             for r in requirements],
            proficiencies,
        )
        out = []
        for requirement, gap in zip(requirements, fit.gaps):
            competency = requirement.competency
            out.append(RequirementLine(
                framework=competency.version.framework.code, competency=competency.code,
                competency_name=competency.name, context=requirement.context.code if requirement.context else None,
                required=gap.required, proficiency=gap.proficiency, gap=gap.gap, status=gap.status,
                criticality=gap.criticality, verified=gap.verified, source=gap.source,
                valid_until=gap.valid_until))
        result.append(RoleGaps(role=role.external_id, role_name=role.name, fit=fit.fit, ready=fit.ready,
                               requirements=out))
    return PersonGaps(person=person.employee_id, person_name=person.name, as_of=as_of, roles=result)

"""Person-level answers the organisation reports must add up to.

Computed one person at a time, the slow obvious way: `compms.evidence.gaps.person_gaps` (the person
service) for each role a person holds, and `compms.core.fit.role_fit` over `merge_requirements` of
their roles for their own gaps (a competency counted once, at the highest level any role asks).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from compms.core.fit import GAP_MET, RequirementGap, merge_requirements, role_fit
from compms.core.fit import Requirement as FitRequirement
from compms.evidence import proficiency as prof
from compms.evidence.gaps import person_gaps
from compms.frameworks.models import Competency
from compms.organisation.models import Context, Person, Position, Requirement

Key = tuple[Any, int | None]  # (competency uuid, context id)


@dataclass
class PersonAnswer:
    person: Person
    unit_path: str
    roles: dict[str, tuple[float, bool]]  # role external id -> (fit, ready), from person_gaps
    role_lines: dict[str, list[RequirementGap]]  # role external id -> its lines, by role_fit
    merged: list[RequirementGap]  # the person's own gaps, each competency once
    proficiency: dict[Key, Any]


def labels() -> dict[Key, tuple[str, str, str | None]]:
    """(uuid, context id) -> (framework, code, context code) for every competency and context."""
    contexts = {None: None, **dict(Context.objects.values_list("pk", "code"))}
    out = {}
    for comp_uuid, framework, code in Competency.objects.values_list("uuid", "version__framework__code", "code"):
        for context_id, context_code in contexts.items():
            out[(comp_uuid, context_id)] = (framework, code, context_code)
    return out


def answers(as_of: dt.date, people: list[Person] | None = None) -> list[PersonAnswer]:
    result = []
    people = people if people is not None else list(Person.objects.filter(active=True).select_related("unit"))
    for person in people:
        report = person_gaps(person, as_of)
        roles = {r.role: (r.fit, r.ready) for r in report.roles}
        proficiency = prof.proficiency_as_of(person.pk, as_of)
        profiles = []
        role_lines = {}
        for position in Position.objects.filter(holder=person).select_related("role"):
            lines = [FitRequirement(key=(r.competency_uuid, r.context_id), required=r.level, criticality=r.criticality)
                     for r in Requirement.objects.filter(role=position.role)]
            profiles.append(lines)
            role_lines[position.role.external_id] = list(role_fit(lines, proficiency).gaps)
        merged = list(role_fit(merge_requirements(profiles), proficiency).gaps) if profiles else []
        result.append(PersonAnswer(person=person, unit_path=person.unit.path, roles=roles, role_lines=role_lines,
                                   merged=merged, proficiency=proficiency))
    return result


def competency_totals(rows: list[tuple[PersonAnswer, RequirementGap]]) -> dict[tuple, tuple[int, ...]]:
    """(framework, code, context) -> (people_required, met, short, levels_short, held_below, missing, expired)."""
    names = labels()
    totals: dict[tuple, Counter] = defaultdict(Counter)
    for _answer, gap in rows:
        count = totals[names[gap.key]]
        count["required"] += 1
        count["not_met"] += gap.status != GAP_MET
        count["levels"] += gap.gap
        count[gap.status] += 1  # met, short (held below), missing or expired
    return {key: (c["required"], c["met"], c["not_met"], c["levels"], c["short"], c["missing"], c["expired"])
            for key, c in totals.items()}


def merged_rows(people: list[PersonAnswer]) -> list[tuple[PersonAnswer, RequirementGap]]:
    return [(answer, gap) for answer in people for gap in answer.merged]


def role_rows(people: list[PersonAnswer], role: str) -> list[tuple[PersonAnswer, RequirementGap]]:
    return [(answer, gap) for answer in people for gap in answer.role_lines.get(role, [])]

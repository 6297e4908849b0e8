"""Load what the training optimiser needs and run it: `compms plan`, the optimiser page and the API.

Needs come from the gap engine's cached snapshot (`compms.gaps.loader` / `analysis.state`): one row
per person x competency (x context) with the merged requirement of every role the person holds and
their proficiency today. A resource outcome names a competency uuid; it serves that competency's
needs in any context (a course teaches the competency, wherever it is then exercised).

Capacity: a resource with scheduled sessions starting today or later has their free places (capacity
minus places taken); a resource without upcoming sessions is unlimited (e-learning and reading need
no session; places on a course can be commissioned).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from compms.core import optimiser
from compms.core.gaparrays import WEIGHT_DESIRABLE, WEIGHT_ESSENTIAL
from compms.development import services
from compms.development.models import Resource, ResourceOutcome
from compms.evidence import proficiency as prof
from compms.gaps import analysis
from compms.gaps.loader import load_snapshot


@dataclass
class Enrolment:
    person_id: int
    employee_id: str
    person_name: str
    resource_id: int
    resource_code: str
    resource_title: str
    cost: float
    hours: float


@dataclass
class PlanReport:
    scope: str
    budget: float
    hours_per_person: float | None
    enrolments: list[Enrolment]
    total_cost: float
    gap_closed: float
    weighted_gap: float
    upper_bound: float
    optimality_gap: float
    status: str
    budget_shadow_price: float
    stats: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope, "budget": self.budget, "hours_per_person": self.hours_per_person,
            "total_cost": round(self.total_cost, 2), "gap_closed": self.gap_closed, "weighted_gap": self.weighted_gap,
            # No bound (the solver ran out of time before it had one) is null, not Infinity: JSON has none.
            "upper_bound": self.upper_bound if np.isfinite(self.upper_bound) else None,
            "optimality_gap": self.optimality_gap, "status": self.status,
            "marginal_gap_per_budget_unit": self.budget_shadow_price, "stats": self.stats,
            "enrolments": [e.__dict__ for e in self.enrolments],
        }


def session_capacity(resource_pks: list[int], today: dt.date) -> dict[int, float] | None:
    """Free places per resource on its upcoming scheduled sessions (capacity minus places taken), for
    resources that have such sessions; None when the training app has no sessions table."""
    free = services.open_places(resource_pks, today)
    return None if free is None else {pk: float(n) for pk, n in free.items()}


def load_problem(unit_pk: int | None, as_of: dt.date | None = None
                 ) -> tuple[optimiser.Needs, optimiser.Catalogue, Any, list[Resource]]:
    as_of = as_of or prof.today()
    snapshot = load_snapshot()
    state = analysis.state(snapshot, as_of)
    unit_index = None
    if unit_pk is not None:
        unit_index = snapshot.unit_index.get(unit_pk)
        if unit_index is None:
            raise ValueError(f"no unit with id {unit_pk}")
    rows = analysis.requirement_rows(snapshot, state, analysis.Scope(analysis.Filters(as_of=as_of, unit=unit_index)))
    short = rows.gap > 0
    needs = optimiser.Needs(person=rows.person[short].astype(np.int64), competency=rows.claim[short].astype(np.int64),
                            proficiency=rows.level[short].astype(np.int64),
                            required=rows.required[short].astype(np.int64),
                            weight=np.where(rows.essential[short], WEIGHT_ESSENTIAL, WEIGHT_DESIRABLE).astype(np.int64))

    resources = list(Resource.objects.filter(active=True).order_by("pk"))
    index_of = {r.pk: i for i, r in enumerate(resources)}
    claims_of_uuid: dict[Any, list[int]] = {}
    for i, claim in enumerate(snapshot.claims):
        claims_of_uuid.setdefault(claim.uuid, []).append(i)
    out_r, out_c, out_e, out_x = [], [], [], []
    for resource_pk, comp_uuid, entry, exit_level in ResourceOutcome.objects.filter(
            resource__active=True).values_list("resource_id", "competency_uuid", "entry_level", "exit_level"):
        for claim in claims_of_uuid.get(comp_uuid, []):
            out_r.append(index_of[resource_pk])
            out_c.append(claim)
            out_e.append(entry)
            out_x.append(exit_level)
    places = session_capacity([r.pk for r in resources], as_of)
    # A resource with no upcoming session is not limited: e-learning and reading need none, and places
    # on a course can be commissioned (see services.raise_commissions).
    capacity = np.array([np.inf if places is None else places.get(r.pk, np.inf) for r in resources],
                        dtype=np.float64)
    catalogue = optimiser.Catalogue(
        cost=np.array([float(r.cost) for r in resources], dtype=np.float64),
        hours=np.array([float(r.hours) for r in resources], dtype=np.float64), capacity=capacity,
        outcome_resource=np.array(out_r, dtype=np.int64), outcome_competency=np.array(out_c, dtype=np.int64),
        outcome_entry=np.array(out_e, dtype=np.int64), outcome_exit=np.array(out_x, dtype=np.int64))
    return needs, catalogue, snapshot, resources


def plan_training(*, unit_pk: int | None, budget: float, hours_per_person: float | None = None,
                  time_limit: float = optimiser.DEFAULT_TIME_LIMIT,
                  mip_rel_gap: float = optimiser.DEFAULT_MIP_REL_GAP, scope_label: str = "") -> PlanReport:
    if budget < 0:
        raise ValueError("budget cannot be negative")
    needs, catalogue, snapshot, resources = load_problem(unit_pk)
    result = optimiser.optimise(needs, catalogue, budget, hours_per_person, time_limit=time_limit,
                                mip_rel_gap=mip_rel_gap)
    order = np.lexsort((result.enrolment_resource, result.enrolment_person))
    enrolments = []
    for p, r in zip(result.enrolment_person[order].tolist(), result.enrolment_resource[order].tolist()):
        resource = resources[r]
        enrolments.append(Enrolment(
            person_id=int(snapshot.person_pk[p]), employee_id=str(snapshot.person_employee_id[p]),
            person_name=str(snapshot.person_name[p]), resource_id=resource.pk, resource_code=resource.resource_id,
            resource_title=resource.title, cost=float(resource.cost), hours=float(resource.hours)))
    return PlanReport(scope=scope_label or ("organisation" if unit_pk is None else f"unit {unit_pk}"), budget=budget,
                      hours_per_person=hours_per_person, enrolments=enrolments, total_cost=result.cost,
                      gap_closed=result.gain, weighted_gap=result.weighted_gap_total, upper_bound=result.upper_bound,
                      optimality_gap=result.optimality_gap, status=result.status,
                      budget_shadow_price=result.budget_shadow_price, stats=result.stats)

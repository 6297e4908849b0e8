"""Training optimiser: which (person, learning resource) enrolments close the most weighted gap.

Pure computation (numpy + scipy, no Django). The caller passes parallel arrays with dense 0-based
indices; ``compms.development.optimise`` loads them from the database.

Gain rule (DESIGN.md "Rules the numbers follow" applied to learning):
- a need is (person, competency) with proficiency p below required level r and weight w
  (3 essential, 1 desirable);
- a resource outcome (competency, entry e, exit x) is *eligible* for the need when e <= p < x
  and p < r; its gain is w * (min(x, r) - p): nothing counts beyond the required level;
- a person's gain on one need is counted once: the best gain among the resources chosen for them
  (two courses that both lift Q from 1 to 2 do not lift it twice).

Model (a mixed-integer programme solved with HiGHS through ``scipy.optimize.milp``):
- x[t, r] integer: how many people of class t take resource r (a class is a set of people whose
  needs are identical, so they are interchangeable; with ``aggregate=False`` each person is a class
  of one and x is binary);
- z[t, r, j] continuous: how many people of class t have need j served by resource r;
  z <= x, and for each need j of the class sum_r z <= m_t (each person counts a need once), which
  makes a person's gain the best single chosen resource, exactly, when m_t = 1;
- budget: sum cost_r * x <= B; hours: per class sum hours_r * x <= H * m_t (and a resource longer
  than H is never a candidate); capacity: sum_t x[t, r] <= capacity_r.
Only candidate pairs exist: a (class, resource) pair is a variable only if the resource closes one
of the class's actual gaps.

Aggregation is a relaxation when m_t > 1 (hours and "count once" are enforced per class, not per
person), so its optimum is an upper bound on the true optimum. The chosen counts are then handed
out to real people greedily (most marginal gain first, within each person's hours); the value
achieved that way is exact, and ``optimality_gap`` is measured against the solver's upper bound,
so the reported gap is honest: the true optimum lies between ``gain`` and ``upper_bound``.

Marginal value of budget: the LP relaxation's dual price of the budget row (weighted gap closed
per extra unit of money, at the margin of the relaxed problem); see ``budget_shadow_price``.

When people hardly share needs the class model is as large as a per-person one and too slow; the
per-person path at the end of this module (``_optimise_people``) then runs instead.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

WEIGHT_ESSENTIAL: Final = 3
WEIGHT_DESIRABLE: Final = 1
DEFAULT_TIME_LIMIT: Final = 25.0
DEFAULT_MIP_REL_GAP: Final = 0.01
_EPS: Final = 1e-9
MAX_BUNDLES_PER_CLASS: Final = 50_000
MAX_BUNDLE_CLASSES: Final = 2_000
# Above this many classes aggregation no longer pays: the lean per-person model runs instead.
MAX_CLASS_MODEL_CLASSES: Final = 2_000


@dataclass(frozen=True)
class Needs:
    """One row per (person, competency) the person is short in: proficiency < required."""

    person: np.ndarray  # int, 0..n_people-1
    competency: np.ndarray  # int, 0..n_competencies-1
    proficiency: np.ndarray  # int
    required: np.ndarray  # int
    weight: np.ndarray  # int (3 essential, 1 desirable)


@dataclass(frozen=True)
class Catalogue:
    """Resources (one row each) and their outcomes (one row per resource x competency)."""

    cost: np.ndarray  # float, per resource
    hours: np.ndarray  # float, per resource
    capacity: np.ndarray  # float, places per resource; np.inf for unlimited
    outcome_resource: np.ndarray  # int, resource index
    outcome_competency: np.ndarray  # int
    outcome_entry: np.ndarray  # int
    outcome_exit: np.ndarray  # int

    @property
    def n_resources(self) -> int:
        return len(self.cost)


@dataclass(frozen=True)
class Candidates:
    """Every eligible (need, resource) pair with its gain; ``need`` indexes rows of ``Needs``."""

    need: np.ndarray
    resource: np.ndarray
    gain: np.ndarray  # int, weighted levels closed if this resource serves this need


@dataclass
class PlanResult:
    enrolment_person: np.ndarray  # int, person index per chosen enrolment
    enrolment_resource: np.ndarray  # int, resource index per chosen enrolment
    gain: float  # weighted gap closed by the enrolments, counted per the gain rule
    cost: float
    upper_bound: float  # no plan within the limits closes more than this
    optimality_gap: float  # (upper_bound - gain) / upper_bound, 0 when both are 0
    status: str  # "optimal", "time_limit", "infeasible", "empty"
    budget_shadow_price: float  # LP relaxation: weighted gap per extra unit of budget
    weighted_gap_total: float  # the weighted gap of every need considered, closable or not
    stats: dict[str, float] = field(default_factory=dict)


def gain_of(proficiency: int, required: int, weight: int, entry: int, exit_level: int) -> int:
    """Scalar reference of the gain rule: what one resource outcome closes on one need."""
    if not (entry <= proficiency < exit_level) or proficiency >= required:
        return 0
    return weight * (min(exit_level, required) - proficiency)


def candidates(needs: Needs, catalogue: Catalogue) -> Candidates:
    """All eligible (need, resource) pairs, found with one sort and a vectorised range join."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(needs.person) or not len(catalogue.outcome_resource):
        return Candidates(empty, empty, empty)
    order = np.argsort(catalogue.outcome_competency, kind="stable")
    out_comp = catalogue.outcome_competency[order]
    start = np.searchsorted(out_comp, needs.competency, side="left")
    stop = np.searchsorted(out_comp, needs.competency, side="right")
    counts = stop - start
    need_idx = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    offsets = np.arange(len(need_idx), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    outcome = order[np.repeat(start, counts) + offsets]
    prof = needs.proficiency[need_idx]
    required = needs.required[need_idx]
    entry = catalogue.outcome_entry[outcome]
    exit_level = catalogue.outcome_exit[outcome]
    eligible = (entry <= prof) & (prof < exit_level) & (prof < required)
    gain = needs.weight[need_idx] * (np.minimum(exit_level, required) - prof)
    keep = eligible & (gain > 0)
    need_idx, resource, gain = need_idx[keep], catalogue.outcome_resource[outcome][keep], gain[keep]
    # A resource listing the same competency twice would make two rows for one (need, resource):
    # keep the better, since a person takes the resource once.
    if len(need_idx):
        key_order = np.lexsort((-gain, resource, need_idx))
        need_idx, resource, gain = need_idx[key_order], resource[key_order], gain[key_order]
        first = np.ones(len(need_idx), dtype=bool)
        first[1:] = (need_idx[1:] != need_idx[:-1]) | (resource[1:] != resource[:-1])
        need_idx, resource, gain = need_idx[first], resource[first], gain[first]
    return Candidates(need_idx.astype(np.int64), resource.astype(np.int64), gain.astype(np.int64))


@dataclass(frozen=True)
class _Classes:
    """People grouped by identical needs. ``member_order`` lists people class by class."""

    of_person: dict[int, int]
    members: list[np.ndarray]
    # class needs: one row per (class, need signature) with the rows of Needs of its first member
    need_class: np.ndarray
    need_row: np.ndarray  # representative Needs row


def _classes(needs: Needs, cands: Candidates, aggregate: bool) -> _Classes:
    """Group people whose closable needs are identical (same competencies, levels and weights)."""
    rows = np.unique(cands.need)  # only needs some resource can serve matter
    by_person: dict[int, list[int]] = {}
    for row in rows.tolist():
        by_person.setdefault(int(needs.person[row]), []).append(row)
    signature_class: dict[tuple, int] = {}
    members: list[list[int]] = []
    need_class: list[int] = []
    need_row: list[int] = []
    of_person: dict[int, int] = {}
    for person, person_rows in by_person.items():
        person_rows.sort(key=lambda r: int(needs.competency[r]))
        signature = tuple((int(needs.competency[r]), int(needs.proficiency[r]), int(needs.required[r]),
                           int(needs.weight[r])) for r in person_rows) if aggregate else (person,)
        t = signature_class.get(signature)
        if t is None:
            t = len(members)
            signature_class[signature] = t
            members.append([])
            for r in person_rows:
                need_class.append(t)
                need_row.append(r)
        members[t].append(person)
        of_person[person] = t
    return _Classes(of_person=of_person, members=[np.array(m, dtype=np.int64) for m in members],
                    need_class=np.array(need_class, dtype=np.int64), need_row=np.array(need_row, dtype=np.int64))


def optimise(needs: Needs, catalogue: Catalogue, budget: float, hours_per_person: float | None = None, *,
             aggregate: bool = True, time_limit: float = DEFAULT_TIME_LIMIT,
             mip_rel_gap: float = DEFAULT_MIP_REL_GAP, with_shadow_price: bool = True,
             method: str = "auto") -> PlanResult:
    """Choose enrolments maximising weighted gap closed within budget, hours per person and capacity.

    ``method``: "auto" uses the class model when people fall into few classes of identical needs,
    else the per-person model (LP relaxation, rounding and greedy fill, then the MIP only if that
    plan is further than ``mip_rel_gap`` from the bound). Without session capacities the
    per-person model starts from each person's exact options (the concave hull of value against
    cost over the subsets of their candidates that fit the hours) and a multiple-choice knapsack
    over them, whose bound is at least as tight as the LP relaxation; with capacities it starts
    from the LP relaxation rounded down. "frontier" and "lp_round" force one of those starts and
    skip the MIP (the tests check both for feasibility and an honest bound)."""
    if method not in ("auto", "lp_round", "frontier"):
        raise ValueError(f"unknown method {method!r}")
    started = time.perf_counter()
    weighted_total = float(np.sum(needs.weight * np.maximum(needs.required - needs.proficiency, 0)))
    cands = candidates(needs, catalogue)
    if hours_per_person is not None and len(cands.need):
        fits = catalogue.hours[cands.resource] <= hours_per_person + _EPS
        cands = Candidates(cands.need[fits], cands.resource[fits], cands.gain[fits])
    affordable = catalogue.cost[cands.resource] <= budget + _EPS
    cands = Candidates(cands.need[affordable], cands.resource[affordable], cands.gain[affordable])
    stats: dict[str, float] = {"candidate_pairs": float(len(cands.need))}
    empty = np.zeros(0, dtype=np.int64)
    if not len(cands.need):
        return PlanResult(empty, empty, 0.0, 0.0, 0.0, 0.0, "empty", 0.0, weighted_total, stats)

    if method != "auto" or not aggregate:
        return _optimise_people(needs, catalogue, cands, budget, hours_per_person, time_limit=time_limit,
                                mip_rel_gap=mip_rel_gap, with_shadow_price=with_shadow_price,
                                use_mip=method == "auto", method=method, started=started, weighted_total=weighted_total,
                                stats=stats)
    classes = _classes(needs, cands, aggregate)
    n_classes = len(classes.members)
    if n_classes > MAX_CLASS_MODEL_CLASSES:
        stats["classes"] = float(n_classes)
        return _optimise_people(needs, catalogue, cands, budget, hours_per_person, time_limit=time_limit,
                                mip_rel_gap=mip_rel_gap, with_shadow_price=with_shadow_price, use_mip=True,
                                method=method, started=started, weighted_total=weighted_total, stats=stats)
    multiplicity = np.array([len(m) for m in classes.members], dtype=np.float64)

    # Candidate triples on the class level: (class need j, resource r, gain), from the representative
    # member of each class (every member has the same needs, so the same candidates).
    class_need_of_row = {int(row): j for j, row in enumerate(classes.need_row.tolist())}
    j_of_cand = np.array([class_need_of_row.get(int(row), -1) for row in cands.need.tolist()], dtype=np.int64)
    representative = j_of_cand >= 0
    trip_j = j_of_cand[representative]
    trip_r = cands.resource[representative]
    trip_g = cands.gain[representative].astype(np.float64)
    trip_t = classes.need_class[trip_j]

    # The bundle model is exact but enumerates bundles in Python per class: worth it when people
    # collapse into few classes (then the class model's hours-on-average relaxation is what loses);
    # with mostly one-person classes the model below is already per person and exact in hours.
    if hours_per_person is not None and n_classes <= MAX_BUNDLE_CLASSES:
        try:
            return _optimise_bundles(needs, catalogue, budget, float(hours_per_person), classes, trip_j, trip_r,
                                     trip_g, time_limit=time_limit, mip_rel_gap=mip_rel_gap,
                                     with_shadow_price=with_shadow_price, started=started,
                                     weighted_total=weighted_total, stats=stats)
        except OverflowError:
            # Too many useful bundles for some class (a catalogue of many tiny resources): fall
            # back to the class-aggregated model below, whose reported gap stays honest.
            stats["bundle_overflow"] = 1.0

    # Arcs: unique (class, resource).
    n_res = catalogue.n_resources
    arc_key = trip_t * n_res + trip_r
    arc_keys, trip_arc = np.unique(arc_key, return_inverse=True)
    arc_t = arc_keys // n_res
    arc_r = arc_keys % n_res
    n_arcs, n_trips, n_j = len(arc_keys), len(trip_j), len(classes.need_row)

    # Variables: x (arcs) then z (triples).
    n_vars = n_arcs + n_trips
    objective = np.concatenate([np.zeros(n_arcs), -trip_g])
    integrality = np.concatenate([np.ones(n_arcs), np.zeros(n_trips)])
    upper = np.concatenate([multiplicity[arc_t], multiplicity[trip_t]])
    capacity = catalogue.capacity[arc_r]
    upper[:n_arcs] = np.minimum(upper[:n_arcs], np.floor(capacity + _EPS))

    blocks: list[sp.csr_matrix] = []
    rhs: list[np.ndarray] = []
    # z - x <= 0
    trip_rows = np.arange(n_trips)
    blocks.append(sp.csr_matrix((np.concatenate([np.ones(n_trips), -np.ones(n_trips)]),
                                 (np.concatenate([trip_rows, trip_rows]),
                                  np.concatenate([n_arcs + trip_rows, trip_arc]))), shape=(n_trips, n_vars)))
    rhs.append(np.zeros(n_trips))
    # each need of each class counted once per person: sum_r z <= m_t
    blocks.append(sp.csr_matrix((np.ones(n_trips), (trip_j, n_arcs + trip_rows)), shape=(n_j, n_vars)))
    rhs.append(multiplicity[classes.need_class])
    # budget
    budget_row = sum(b.shape[0] for b in blocks)
    blocks.append(sp.csr_matrix((catalogue.cost[arc_r], (np.zeros(n_arcs, dtype=np.int64), np.arange(n_arcs))),
                                shape=(1, n_vars)))
    rhs.append(np.array([float(budget)]))
    # hours per person, per class
    if hours_per_person is not None:
        blocks.append(sp.csr_matrix((catalogue.hours[arc_r], (arc_t, np.arange(n_arcs))), shape=(n_classes, n_vars)))
        rhs.append(multiplicity * float(hours_per_person))
        # A valid cut that makes the per-class hours row much tighter: a person fits at most one
        # resource longer than half their hours, so a class takes at most m of those.
        long_arcs = np.flatnonzero(catalogue.hours[arc_r] > float(hours_per_person) / 2 + _EPS)
        if len(long_arcs):
            blocks.append(sp.csr_matrix((np.ones(len(long_arcs)), (arc_t[long_arcs], long_arcs)),
                                        shape=(n_classes, n_vars)))
            rhs.append(multiplicity.copy())
    # capacity per resource with a finite number of places
    limited = np.isfinite(catalogue.capacity)
    if limited.any():
        limited_res = np.flatnonzero(limited)
        row_of_res = np.full(n_res, -1, dtype=np.int64)
        row_of_res[limited_res] = np.arange(len(limited_res))
        arcs_limited = np.flatnonzero(limited[arc_r])
        blocks.append(sp.csr_matrix((np.ones(len(arcs_limited)), (row_of_res[arc_r[arcs_limited]], arcs_limited)),
                                    shape=(len(limited_res), n_vars)))
        rhs.append(catalogue.capacity[limited_res].astype(np.float64))
    matrix = sp.vstack(blocks, format="csr")
    upper_rhs = np.concatenate(rhs)
    stats.update(classes=float(n_classes), people=float(len(classes.of_person)), integer_variables=float(n_arcs),
                 continuous_variables=float(n_trips), rows=float(matrix.shape[0]),
                 build_seconds=time.perf_counter() - started)

    solve_started = time.perf_counter()
    result = milp(objective, integrality=integrality, bounds=Bounds(np.zeros(n_vars), upper),
                  constraints=LinearConstraint(matrix, -np.inf, upper_rhs),
                  options={"time_limit": float(time_limit), "mip_rel_gap": float(mip_rel_gap), "disp": False})
    stats["solve_seconds"] = time.perf_counter() - solve_started
    if result.x is None:
        return PlanResult(empty, empty, 0.0, 0.0, 0.0, 0.0, "infeasible" if result.status == 2 else "time_limit",
                          0.0, weighted_total, stats)
    status = "optimal" if result.status == 0 else "time_limit"
    bound = -float(getattr(result, "mip_dual_bound", result.fun) or result.fun)
    counts = np.rint(result.x[:n_arcs]).astype(np.int64)

    person, resource = _hand_out(needs, catalogue, classes, counts, arc_t, arc_r, hours_per_person)
    gain, _best = plan_value(needs, catalogue, person, resource)
    cost = float(catalogue.cost[resource].sum()) if len(resource) else 0.0
    bound = max(bound, gain)
    gap = 0.0 if bound <= _EPS else max(0.0, (bound - gain) / bound)

    shadow = 0.0
    if with_shadow_price:
        lp_started = time.perf_counter()
        lp = linprog(objective, A_ub=matrix, b_ub=upper_rhs, bounds=np.column_stack([np.zeros(n_vars), upper]),
                     method="highs", options={"time_limit": float(time_limit)})
        if lp.status == 0 and lp.ineqlin is not None:
            # The LP minimises -gain, so the budget row's marginal is d(-gain)/dB <= 0.
            shadow = max(0.0, -float(lp.ineqlin.marginals[budget_row]))
        stats["lp_seconds"] = time.perf_counter() - lp_started
    stats["total_seconds"] = time.perf_counter() - started
    return PlanResult(person, resource, gain, cost, bound, gap, status, shadow, weighted_total, stats)


@dataclass(frozen=True)
class _Bundles:
    """Per-person bundles of resources, one row each: the class that may take it, its members
    (resource indices, flattened with ``offsets``), its value for one member, and its cost."""

    klass: np.ndarray
    offsets: np.ndarray  # bundle b holds resources[offsets[b]:offsets[b + 1]]
    resources: np.ndarray
    value: np.ndarray
    cost: np.ndarray


def _class_bundles(gains: np.ndarray, resources: np.ndarray, catalogue: Catalogue, hours_limit: float,
                   budget: float) -> list[tuple[tuple[int, ...], float, float]]:
    """Every useful set of resources one member of a class can take within the hours limit.

    ``gains[i, k]`` is what resource ``resources[i]`` closes on the class's k-th need. A bundle is
    kept only when each of its resources adds something the others do not (a resource adding
    nothing only costs money, time and a place, so the bundle without it is at least as good), and
    bundles beaten on value and cost by a bundle of unlimited resources are dropped (a person moved
    to the better bundle frees budget and takes no limited place). Returns (resources, value, cost).
    """
    hours = catalogue.hours[resources]
    cost = catalogue.cost[resources]
    unlimited = ~np.isfinite(catalogue.capacity[resources])
    n = len(resources)
    # Resource dominance: r is never needed when an unlimited r' closes at least as much on every
    # need for no more money and no more hours (ties broken by position, so one of twins stays).
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        at_least = ((gains >= gains[i]).all(axis=1) & (cost <= cost[i] + _EPS) & (hours <= hours[i] + _EPS)
                    & unlimited)
        at_least[i] = False
        strictly = ((gains > gains[i]).any(axis=1) | (cost < cost[i] - _EPS) | (hours < hours[i] - _EPS)
                    | (np.arange(n) < i))
        if (at_least & strictly & keep).any():
            keep[i] = False
    order = np.flatnonzero(keep)
    # Longest first, so the hours limit prunes the search early.
    order = order[np.argsort(-hours[order], kind="stable")]
    g = gains[order]
    h, c = hours[order], cost[order]
    found: list[tuple[tuple[int, ...], float, float]] = []

    def extend(start: int, chosen: list[int], best: np.ndarray, hours_used: float, cost_used: float) -> None:
        for i in range(start, len(order)):
            if hours_used + h[i] > hours_limit + _EPS or cost_used + c[i] > budget + _EPS:
                continue
            new_best = np.maximum(best, g[i])
            if not (new_best > best).any():
                continue
            members = chosen + [i]
            # Every earlier member must still add something of its own next to the newcomer; if
            # one does not, no superset of this bundle is useful either.
            if len(members) > 1 and any(
                    not (g[m] > np.max(g[[o for o in members if o != m]], axis=0)).any() for m in chosen):
                continue
            found.append((tuple(int(resources[order[m]]) for m in members), float(new_best.sum()),
                          cost_used + float(c[i])))
            if len(found) > MAX_BUNDLES_PER_CLASS:
                raise OverflowError
            extend(i + 1, members, new_best, hours_used + float(h[i]), cost_used + float(c[i]))

    extend(0, [], np.zeros(gains.shape[1]), 0.0, 0.0)
    if not found:
        return found
    # Pareto filter against bundles made only of unlimited resources.
    all_unlimited = np.array([bool(np.all(~np.isfinite(catalogue.capacity[list(b)]))) for b, _, _ in found])
    values = np.array([v for _, v, _ in found])
    costs = np.array([k for _, _, k in found])
    by_cost = np.lexsort((-values, costs))
    kept: list[tuple[tuple[int, ...], float, float]] = []
    best_unlimited = -np.inf
    for b in by_cost.tolist():
        if values[b] > best_unlimited + _EPS:
            kept.append(found[b])
            if all_unlimited[b]:
                best_unlimited = values[b]
    return kept


def _bundles(classes: _Classes, catalogue: Catalogue, trip_j: np.ndarray, trip_r: np.ndarray, trip_g: np.ndarray,
             hours_limit: float, budget: float) -> _Bundles:
    n_classes = len(classes.members)
    # Class-local need positions: the k-th need of class t.
    local = np.zeros(len(classes.need_class), dtype=np.int64)
    first_of_class = np.searchsorted(classes.need_class, np.arange(n_classes))
    local[:] = np.arange(len(classes.need_class)) - first_of_class[classes.need_class]
    n_needs = np.bincount(classes.need_class, minlength=n_classes)
    trip_t = classes.need_class[trip_j]
    order = np.argsort(trip_t, kind="stable")
    bounds = np.searchsorted(trip_t[order], np.arange(n_classes + 1))
    klass: list[int] = []
    members: list[int] = []
    offsets = [0]
    value: list[float] = []
    cost: list[float] = []
    for t in range(n_classes):
        rows = order[bounds[t]:bounds[t + 1]]
        if not len(rows):
            continue
        resources, res_pos = np.unique(trip_r[rows], return_inverse=True)
        gains = np.zeros((len(resources), int(n_needs[t])))
        np.maximum.at(gains, (res_pos, local[trip_j[rows]]), trip_g[rows])
        for bundle, v, k in _class_bundles(gains, resources, catalogue, hours_limit, budget):
            klass.append(t)
            members.extend(bundle)
            offsets.append(len(members))
            value.append(v)
            cost.append(k)
    return _Bundles(np.array(klass, dtype=np.int64), np.array(offsets, dtype=np.int64),
                    np.array(members, dtype=np.int64), np.array(value), np.array(cost))


def _optimise_bundles(needs: Needs, catalogue: Catalogue, budget: float, hours_limit: float, classes: _Classes,
                      trip_j: np.ndarray, trip_r: np.ndarray, trip_g: np.ndarray, *, time_limit: float,
                      mip_rel_gap: float, with_shadow_price: bool, started: float, weighted_total: float,
                      stats: dict[str, float]) -> PlanResult:
    """The model with an hours limit: one integer column per (class, bundle) counting the members
    who take that bundle. Every bundle fits the hours limit, so the limit holds for every person by
    construction, and handing the counts out to members loses nothing: the solver's objective is the
    value of the plan, and its bound is a bound on the true optimum."""
    empty = np.zeros(0, dtype=np.int64)
    bundles = _bundles(classes, catalogue, trip_j, trip_r, trip_g, hours_limit, budget)
    n_classes = len(classes.members)
    multiplicity = np.array([len(m) for m in classes.members], dtype=np.float64)
    n_b = len(bundles.klass)
    if not n_b:
        return PlanResult(empty, empty, 0.0, 0.0, 0.0, 0.0, "empty", 0.0, weighted_total, stats)
    sizes = np.diff(bundles.offsets)
    bundle_of_member = np.repeat(np.arange(n_b), sizes)
    upper = multiplicity[bundles.klass].copy()
    limited = np.isfinite(catalogue.capacity)
    member_cap = np.where(limited[bundles.resources], catalogue.capacity[bundles.resources], np.inf)
    min_cap = np.full(n_b, np.inf)
    np.minimum.at(min_cap, bundle_of_member, member_cap)
    upper = np.minimum(upper, np.floor(min_cap + _EPS))

    blocks = [sp.csr_matrix((np.ones(n_b), (bundles.klass, np.arange(n_b))), shape=(n_classes, n_b)),
              sp.csr_matrix(bundles.cost.reshape(1, -1))]
    rhs = [multiplicity, np.array([float(budget)])]
    budget_row = n_classes
    if limited.any():
        limited_res = np.flatnonzero(limited)
        row_of_res = np.full(catalogue.n_resources, -1, dtype=np.int64)
        row_of_res[limited_res] = np.arange(len(limited_res))
        on_limited = limited[bundles.resources]
        blocks.append(sp.csr_matrix((np.ones(int(on_limited.sum())),
                                     (row_of_res[bundles.resources[on_limited]], bundle_of_member[on_limited])),
                                    shape=(len(limited_res), n_b)))
        rhs.append(catalogue.capacity[limited_res].astype(np.float64))
    matrix = sp.vstack(blocks, format="csr")
    upper_rhs = np.concatenate(rhs)
    objective = -bundles.value
    stats.update(classes=float(n_classes), people=float(len(classes.of_person)), integer_variables=float(n_b),
                 continuous_variables=0.0, bundles=float(n_b), rows=float(matrix.shape[0]),
                 build_seconds=time.perf_counter() - started)
    solve_started = time.perf_counter()
    result = milp(objective, integrality=np.ones(n_b), bounds=Bounds(np.zeros(n_b), upper),
                  constraints=LinearConstraint(matrix, -np.inf, upper_rhs),
                  options={"time_limit": float(time_limit), "mip_rel_gap": float(mip_rel_gap), "disp": False})
    stats["solve_seconds"] = time.perf_counter() - solve_started
    if result.x is None:
        return PlanResult(empty, empty, 0.0, 0.0, 0.0, 0.0, "infeasible" if result.status == 2 else "time_limit",
                          0.0, weighted_total, stats)
    status = "optimal" if result.status == 0 else "time_limit"
    bound = -float(getattr(result, "mip_dual_bound", result.fun) or result.fun)
    counts = np.rint(result.x).astype(np.int64)

    # Hand out: members of a class are interchangeable, so the first members take the first
    # chosen bundle, the next ones the next, and so on.
    chosen_person: list[np.ndarray] = []
    chosen_resource: list[np.ndarray] = []
    next_member = np.zeros(n_classes, dtype=np.int64)
    for b in np.flatnonzero(counts > 0).tolist():
        t = int(bundles.klass[b])
        start = int(next_member[t])
        people = classes.members[t][start:start + int(counts[b])]
        next_member[t] = start + len(people)
        members = bundles.resources[bundles.offsets[b]:bundles.offsets[b + 1]]
        chosen_person.append(np.repeat(people, len(members)))
        chosen_resource.append(np.tile(members, len(people)))
    person = np.concatenate(chosen_person).astype(np.int64) if chosen_person else empty
    resource = np.concatenate(chosen_resource).astype(np.int64) if chosen_resource else empty
    gain, _best = plan_value(needs, catalogue, person, resource)
    cost = float(catalogue.cost[resource].sum()) if len(resource) else 0.0
    bound = max(bound, gain)
    gap = 0.0 if bound <= _EPS else max(0.0, (bound - gain) / bound)

    shadow = 0.0
    if with_shadow_price:
        lp_started = time.perf_counter()
        lp = linprog(objective, A_ub=matrix, b_ub=upper_rhs, bounds=np.column_stack([np.zeros(n_b), upper]),
                     method="highs", options={"time_limit": float(time_limit)})
        if lp.status == 0 and lp.ineqlin is not None:
            shadow = max(0.0, -float(lp.ineqlin.marginals[budget_row]))
        stats["lp_seconds"] = time.perf_counter() - lp_started
    stats["total_seconds"] = time.perf_counter() - started
    return PlanResult(person, resource, gain, cost, bound, gap, status, shadow, weighted_total, stats)


def _hand_out(needs: Needs, catalogue: Catalogue, classes: _Classes, counts: np.ndarray, arc_t: np.ndarray,
              arc_r: np.ndarray, hours_per_person: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Turn per-class counts into enrolments of real people.

    Within a class, the longest resources go first; each place goes to the member it helps most
    (marginal gain over what they already get), then to the one with most hours left. A place no
    member can take within their hours is dropped (and its cost not spent)."""
    chosen_person: list[np.ndarray] = []
    chosen_resource: list[np.ndarray] = []
    # Gains per (class need, resource) from the representative member.
    cands = candidates(Needs(needs.person[classes.need_row], needs.competency[classes.need_row],
                             needs.proficiency[classes.need_row], needs.required[classes.need_row],
                             needs.weight[classes.need_row]), catalogue)
    gain_of_pair: dict[tuple[int, int], float] = {}
    for j, r, g in zip(cands.need.tolist(), cands.resource.tolist(), cands.gain.tolist()):
        gain_of_pair[(j, r)] = float(g)
    needs_of_class: dict[int, np.ndarray] = {}
    for t in np.unique(classes.need_class).tolist():
        needs_of_class[t] = np.flatnonzero(classes.need_class == t)
    used = np.flatnonzero(counts > 0)
    by_class: dict[int, list[int]] = {}
    for arc in used.tolist():
        by_class.setdefault(int(arc_t[arc]), []).append(arc)
    for t, arcs in by_class.items():
        members = classes.members[t]
        js = needs_of_class[t]
        if len(members) == 1:
            chosen_person.append(np.repeat(members, len(arcs)))
            chosen_resource.append(arc_r[arcs])
            continue
        best = np.zeros((len(members), len(js)))
        hours_left = np.full(len(members), np.inf if hours_per_person is None else float(hours_per_person))
        arcs.sort(key=lambda a: -float(catalogue.hours[arc_r[a]]))
        for arc in arcs:
            r = int(arc_r[arc])
            gain_vector = np.array([gain_of_pair.get((int(j), r), 0.0) for j in js])
            marginal = np.maximum(gain_vector[None, :] - best, 0.0).sum(axis=1)
            fits = hours_left + _EPS >= catalogue.hours[r]
            order = np.lexsort((-hours_left, -marginal))
            picked = order[fits[order]][: int(counts[arc])]
            best[picked] = np.maximum(best[picked], gain_vector[None, :])
            hours_left[picked] -= catalogue.hours[r]
            chosen_person.append(members[picked])
            chosen_resource.append(np.full(len(picked), r, dtype=np.int64))
    if not chosen_person:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return (np.concatenate(chosen_person).astype(np.int64), np.concatenate(chosen_resource).astype(np.int64))


def plan_value(needs: Needs, catalogue: Catalogue, person: np.ndarray,
               resource: np.ndarray) -> tuple[float, np.ndarray]:
    """The exact value of a set of enrolments: per need, the best gain among the person's resources.

    Returns (total gain, best gain per row of ``needs``)."""
    best = np.zeros(len(needs.person))
    if not len(person):
        return 0.0, best
    cands = candidates(needs, catalogue)
    n_res = max(catalogue.n_resources, 1)
    chosen = np.unique(person.astype(np.int64) * n_res + resource.astype(np.int64))
    taken = np.isin(needs.person[cands.need].astype(np.int64) * n_res + cands.resource, chosen)
    np.maximum.at(best, cands.need[taken], cands.gain[taken].astype(np.float64))
    return float(best.sum()), best


# ------------------------------------------------------------------ per-person model at scale
#
# When people hardly share needs (real evidence makes almost everyone different), classes do not
# shrink the model and the class MIP has hundreds of thousands of integer columns: HiGHS finds no
# plan within the time limit. The per-person path below keeps the model lean and always has a plan:
#
# 1. Only pairs that can appear in a feasible plan: the resource closes one of the person's gaps, is
#    affordable, fits the hours limit and has a place. A pair beaten by an unlimited resource that
#    closes at least as much on every need of that person, for no more money and no more hours, is
#    dropped (swapping to the better one never loses; if the person already has it, the beaten one
#    adds nothing).
# 2. "Counted once" needs variables only where two or more of a person's candidates touch the same
#    need; a need with one candidate puts its gain straight on the enrolment column.
# 3. Hours rows only for people whose candidates together exceed the limit; capacity rows only for
#    resources with fewer places than candidates.
# 4. A start and a bound: without binding capacities, each person's exact options (the concave hull
#    of value against cost over their subsets within the hours, ``_frontier``) and the multiple-
#    choice knapsack over them (``_frontier_plan``), whose LP optimum is the Lagrangian bound of the
#    whole problem; with binding capacities, the LP relaxation of the model. The start is rounded
#    down and filled greedily by marginal gain per unit of cost within budget, hours and places.
#    Only when that plan is further from the bound than ``mip_rel_gap`` does the MIP run, with the
#    time left; the better plan wins and the bound is the tighter of the two.


@dataclass(frozen=True)
class _PersonModel:
    pair_person: np.ndarray  # per enrolment column
    pair_resource: np.ndarray
    cand_need: np.ndarray  # per (need, pair) candidate, sorted by pair
    cand_pair: np.ndarray
    cand_gain: np.ndarray
    matrix: sp.csr_matrix
    rhs: np.ndarray
    objective: np.ndarray  # minimised: minus gain
    upper: np.ndarray
    integrality: np.ndarray
    budget_row: int
    capacity_rows: int  # resources whose places are fewer than the people who could take them


def _drop_dominated_pairs(needs: Needs, catalogue: Catalogue, cands: Candidates,
                          hours_matter: bool) -> Candidates:
    """Drop (person, resource) pairs beaten by another candidate of the same person (see step 1)."""
    n_res = max(catalogue.n_resources, 1)
    person = needs.person[cands.need].astype(np.int64)
    pair_key = person * n_res + cands.resource
    pair_keys, cand_pair = np.unique(pair_key, return_inverse=True)
    pair_r = pair_keys % n_res
    # Pairs of candidate pairs of the same person that share a need: (a, b) where b might beat a. A
    # pair b beats a only if it serves every need a serves, so b must share a's first need.
    by_need = np.argsort(cands.need, kind="stable")
    need_sorted = cands.need[by_need]
    starts = np.searchsorted(need_sorted, cands.need, side="left")
    stops = np.searchsorted(need_sorted, cands.need, side="right")
    # The first need (lowest index) of each pair.
    first_need = np.full(len(pair_keys), np.iinfo(np.int64).max)
    np.minimum.at(first_need, cand_pair, cands.need)
    is_first = cands.need == first_need[cand_pair]
    a_cand = np.flatnonzero(is_first)
    counts = (stops - starts)[a_cand]
    a_rep = np.repeat(a_cand, counts)
    offsets = np.arange(len(a_rep)) - np.repeat(np.cumsum(counts) - counts, counts)
    b_cand = by_need[np.repeat(starts[a_cand], counts) + offsets]
    a_pair, b_pair = cand_pair[a_rep], cand_pair[b_cand]
    keep = a_pair != b_pair
    a_pair, b_pair = a_pair[keep], b_pair[keep]
    ra, rb = pair_r[a_pair], pair_r[b_pair]
    cost, hours, cap = catalogue.cost, catalogue.hours, catalogue.capacity
    ok = (~np.isfinite(cap[rb])) & (cost[rb] <= cost[ra] + _EPS)
    if hours_matter:
        ok &= hours[rb] <= hours[ra] + _EPS
    a_pair, b_pair = a_pair[ok], b_pair[ok]
    if not len(a_pair):
        return cands
    # b must close at least as much as a on every need of a. Count a's needs where it does.
    # Vectorised: look up b's gain on each of a's needs through a sorted (pair, need) key.
    n_needs = max(len(needs.person), 1)
    key = cand_pair.astype(np.int64) * n_needs + cands.need
    key_order = np.argsort(key)
    sorted_key = key[key_order]
    # Expand each (a, b) over a's candidates.
    pair_order = np.argsort(cand_pair, kind="stable")
    pair_start = np.searchsorted(cand_pair[pair_order], np.arange(len(pair_keys)), side="left")
    pair_count = np.bincount(cand_pair, minlength=len(pair_keys))
    n_each = pair_count[a_pair]
    row = np.repeat(np.arange(len(a_pair)), n_each)
    off = np.arange(len(row)) - np.repeat(np.cumsum(n_each) - n_each, n_each)
    a_c = pair_order[np.repeat(pair_start[a_pair], n_each) + off]
    lookup = b_pair[row].astype(np.int64) * n_needs + cands.need[a_c]
    pos = np.searchsorted(sorted_key, lookup)
    pos = np.minimum(pos, len(sorted_key) - 1)
    found = sorted_key[pos] == lookup
    b_gain = np.where(found, cands.gain[key_order[pos]], -1)
    covers = np.bincount(row, weights=(b_gain >= cands.gain[a_c]).astype(np.float64), minlength=len(a_pair))
    beats = covers >= n_each - 0.5
    # Among exact twins (same gains, cost, hours) keep one: b beats a only if strictly better
    # somewhere or it comes first.
    strictly = np.bincount(row, weights=(b_gain > cands.gain[a_c]).astype(np.float64), minlength=len(a_pair)) > 0
    strictly |= cost[pair_r[b_pair]] < cost[pair_r[a_pair]] - _EPS
    if hours_matter:
        strictly |= hours[pair_r[b_pair]] < hours[pair_r[a_pair]] - _EPS
    strictly |= pair_r[b_pair] < pair_r[a_pair]
    beaten = np.zeros(len(pair_keys), dtype=bool)
    # A beaten pair's beater may itself be beaten, but only by an even better pair (dominance is
    # transitive and twins are ordered), so dropping every beaten pair keeps a best one.
    beaten[a_pair[beats & strictly]] = True
    keep_cand = ~beaten[cand_pair]
    return Candidates(cands.need[keep_cand], cands.resource[keep_cand], cands.gain[keep_cand])


def _person_model(needs: Needs, catalogue: Catalogue, cands: Candidates, budget: float,
                  hours_per_person: float | None) -> _PersonModel:
    n_res = max(catalogue.n_resources, 1)
    pair_key = needs.person[cands.need].astype(np.int64) * n_res + cands.resource
    pair_keys, cand_pair = np.unique(pair_key, return_inverse=True)
    order = np.argsort(cand_pair, kind="stable")
    cand_need, cand_pair, cand_gain = cands.need[order], cand_pair[order], cands.gain[order].astype(np.float64)
    pair_p, pair_r = pair_keys // n_res, pair_keys % n_res
    n_pairs = len(pair_keys)
    per_need = np.bincount(cand_need, minlength=len(needs.person))
    single = per_need[cand_need] == 1
    # Gains of needs with one candidate sit on the enrolment column itself.
    x_gain = np.bincount(cand_pair[single], weights=cand_gain[single], minlength=n_pairs)
    shared = np.flatnonzero(~single)
    n_z = len(shared)
    n_vars = n_pairs + n_z
    z_cols = n_pairs + np.arange(n_z)
    blocks: list[sp.csr_matrix] = []
    rhs: list[np.ndarray] = []
    if n_z:
        # z <= x: a need is served by a resource only if the person takes it.
        rows = np.arange(n_z)
        blocks.append(sp.csr_matrix((np.concatenate([np.ones(n_z), -np.ones(n_z)]),
                                     (np.concatenate([rows, rows]), np.concatenate([z_cols, cand_pair[shared]]))),
                                    shape=(n_z, n_vars)))
        rhs.append(np.zeros(n_z))
        # Each shared need counted once.
        shared_needs, need_row = np.unique(cand_need[shared], return_inverse=True)
        blocks.append(sp.csr_matrix((np.ones(n_z), (need_row, z_cols)), shape=(len(shared_needs), n_vars)))
        rhs.append(np.ones(len(shared_needs)))
    budget_row = sum(b.shape[0] for b in blocks)
    blocks.append(sp.csr_matrix((catalogue.cost[pair_r], (np.zeros(n_pairs, dtype=np.int64), np.arange(n_pairs))),
                                shape=(1, n_vars)))
    rhs.append(np.array([float(budget)]))
    if hours_per_person is not None:
        hours = catalogue.hours[pair_r]
        people, person_row = np.unique(pair_p, return_inverse=True)
        total = np.bincount(person_row, weights=hours, minlength=len(people))
        binding = total > float(hours_per_person) + _EPS
        if binding.any():
            row_of = np.cumsum(binding) - 1
            cols = np.flatnonzero(binding[person_row])
            blocks.append(sp.csr_matrix((hours[cols], (row_of[person_row[cols]], cols)),
                                        shape=(int(binding.sum()), n_vars)))
            rhs.append(np.full(int(binding.sum()), float(hours_per_person)))
    limited = np.isfinite(catalogue.capacity)
    if limited.any():
        takers = np.bincount(pair_r, minlength=catalogue.n_resources)
        tight = np.zeros(0, dtype=np.int64)
        tight = np.flatnonzero(limited & (takers > np.floor(catalogue.capacity + _EPS)))
        if len(tight):
            row_of_res = np.full(catalogue.n_resources, -1, dtype=np.int64)
            row_of_res[tight] = np.arange(len(tight))
            cols = np.flatnonzero(row_of_res[pair_r] >= 0)
            blocks.append(sp.csr_matrix((np.ones(len(cols)), (row_of_res[pair_r[cols]], cols)),
                                        shape=(len(tight), n_vars)))
            rhs.append(np.floor(catalogue.capacity[tight] + _EPS))
    capacity_rows = int(blocks[-1].shape[0]) if limited.any() and len(tight) else 0
    matrix = sp.vstack(blocks, format="csr")
    objective = -np.concatenate([x_gain, cand_gain[shared]])
    integrality = np.concatenate([np.ones(n_pairs), np.zeros(n_z)])
    return _PersonModel(pair_p, pair_r, cand_need, cand_pair, cand_gain, matrix, np.concatenate(rhs), objective,
                        np.ones(n_vars), integrality, budget_row, capacity_rows)


def _round_and_fill(needs: Needs, catalogue: Catalogue, model: _PersonModel, start: np.ndarray, budget: float,
                    hours_per_person: float | None) -> np.ndarray:
    """A feasible plan from a (fractional) starting point: keep the columns at 1, then add pairs
    greedily by marginal gain per unit of cost (free ones first, by gain) while budget, the
    person's hours and the resource's places allow. Returns a boolean mask over pairs."""
    n_pairs = len(model.pair_person)
    pair_r, pair_p = model.pair_resource, model.pair_person
    cost, hours = catalogue.cost[pair_r], catalogue.hours[pair_r]
    chosen = np.zeros(n_pairs, dtype=bool)
    best = np.zeros(len(needs.person))
    hours_used: dict[int, float] = {}
    places = np.floor(np.where(np.isfinite(catalogue.capacity), catalogue.capacity, 1e18) + _EPS)
    spent = 0.0
    limit = np.inf if hours_per_person is None else float(hours_per_person)
    bounds = np.searchsorted(model.cand_pair, np.arange(n_pairs + 1))

    def take(k: int) -> None:
        nonlocal spent
        chosen[k] = True
        spent += float(cost[k])
        p = int(pair_p[k])
        hours_used[p] = hours_used.get(p, 0.0) + float(hours[k])
        places[pair_r[k]] -= 1
        lo, hi = bounds[k], bounds[k + 1]
        np.maximum.at(best, model.cand_need[lo:hi], model.cand_gain[lo:hi])

    def fits(k: int) -> bool:
        return (spent + cost[k] <= budget + _EPS and hours_used.get(int(pair_p[k]), 0.0) + hours[k] <= limit + _EPS
                and places[pair_r[k]] >= 1)

    # Most-integral first, so a rounding error on the budget row never pushes a later one out.
    for k in np.flatnonzero(start >= 1 - 1e-6)[np.argsort(-start[start >= 1 - 1e-6], kind="stable")].tolist():
        if fits(k):
            take(k)

    def marginal_of(k: int) -> float:
        lo, hi = bounds[k], bounds[k + 1]
        return float(np.maximum(model.cand_gain[lo:hi] - best[model.cand_need[lo:hi]], 0.0).sum())

    def priority(gain: float, k: int) -> float:
        # Free resources first (by gain), then gain per unit of cost.
        return -(gain * 1e12 if cost[k] <= _EPS else gain / cost[k])

    marginal = np.bincount(model.cand_pair, weights=np.maximum(model.cand_gain - best[model.cand_need], 0.0),
                           minlength=n_pairs)
    open_pairs = np.flatnonzero(~chosen & (marginal > _EPS))
    heap = [(priority(float(marginal[k]), k), k) for k in open_pairs.tolist()]
    heapq.heapify(heap)
    while heap:
        key, k = heapq.heappop(heap)
        if not fits(k):
            continue  # budget, hours and places only shrink: it will never fit again
        now = marginal_of(k)
        if now <= _EPS:
            continue
        new_key = priority(now, k)
        if heap and new_key > heap[0][0] + 1e-12:
            heapq.heappush(heap, (new_key, k))  # worth less than when queued: look again later
            continue
        take(k)
    return chosen


def _optimise_people(needs: Needs, catalogue: Catalogue, cands: Candidates, budget: float,
                     hours_per_person: float | None, *, time_limit: float, mip_rel_gap: float,
                     with_shadow_price: bool, use_mip: bool, method: str, started: float, weighted_total: float,
                     stats: dict[str, float]) -> PlanResult:
    empty = np.zeros(0, dtype=np.int64)
    has_place = np.floor(catalogue.capacity[cands.resource] + _EPS) >= 1
    cands = Candidates(cands.need[has_place], cands.resource[has_place], cands.gain[has_place])
    if not len(cands.need):
        return PlanResult(empty, empty, 0.0, 0.0, 0.0, 0.0, "empty", 0.0, weighted_total, stats)
    cands = _drop_dominated_pairs(needs, catalogue, cands, hours_per_person is not None)
    model = _person_model(needs, catalogue, cands, budget, hours_per_person)
    n_pairs, n_vars = len(model.pair_person), len(model.objective)
    n_people = float(len(np.unique(model.pair_person)))
    stats.setdefault("classes", n_people)
    stats.update(people=n_people, integer_variables=float(n_pairs), continuous_variables=float(n_vars - n_pairs),
                 rows=float(model.matrix.shape[0]), kept_pairs=float(n_pairs),
                 build_seconds=time.perf_counter() - started)

    _, per_person = np.unique(model.pair_person, return_counts=True)
    use_frontier = (method != "lp_round" and model.capacity_rows == 0
                    and int(per_person.max()) <= MAX_SUBSET_CANDIDATES)
    if use_frontier:
        # Only the budget ties people together: each person's exact options as a concave hull,
        # then a multiple-choice knapsack whose LP bound is at least as tight as the model's LP.
        frontier_started = time.perf_counter()
        frontier = _frontier(model, catalogue, budget, hours_per_person)
        picked, bound, price = _frontier_plan(frontier, budget)
        start = np.zeros(n_pairs)
        start[picked] = 1.0
        shadow = price if with_shadow_price else 0.0
        stats.update(frontier_seconds=time.perf_counter() - frontier_started,
                     hull_points=float(len(frontier.point_person)))
        stats["bound_from"] = 1.0  # 1: person hulls (Lagrangian), 0: LP relaxation
    else:
        lp_started = time.perf_counter()
        lp = linprog(model.objective, A_ub=model.matrix, b_ub=model.rhs,
                     bounds=np.column_stack([np.zeros(n_vars), model.upper]), method="highs",
                     options={"time_limit": max(1.0, float(time_limit) - (time.perf_counter() - started))})
        stats["lp_seconds"] = time.perf_counter() - lp_started
        lp_solved = lp.status == 0 and lp.x is not None
        bound = -float(lp.fun) if lp_solved else np.inf
        shadow = 0.0
        if lp_solved and with_shadow_price and lp.ineqlin is not None:
            # The LP minimises -gain, so the budget row's marginal is d(-gain)/dB <= 0.
            shadow = max(0.0, -float(lp.ineqlin.marginals[model.budget_row]))
        start = lp.x[:n_pairs] if lp.x is not None else np.zeros(n_pairs)
        stats["bound_from"] = 0.0

    greedy_started = time.perf_counter()
    chosen = _round_and_fill(needs, catalogue, model, start, budget, hours_per_person)
    stats["greedy_seconds"] = time.perf_counter() - greedy_started
    person, resource = model.pair_person[chosen], model.pair_resource[chosen]
    gain, _best = plan_value(needs, catalogue, person, resource)
    status = "optimal" if bound - gain <= _EPS else "rounded"

    def gap_of(value: float) -> float:
        return 0.0 if bound <= _EPS else max(0.0, (bound - value) / bound)

    time_left = float(time_limit) - (time.perf_counter() - started)
    if use_mip and gap_of(gain) > mip_rel_gap and time_left > 1.0:
        mip_started = time.perf_counter()
        result = milp(model.objective, integrality=model.integrality, bounds=Bounds(np.zeros(n_vars), model.upper),
                      constraints=LinearConstraint(model.matrix, -np.inf, model.rhs),
                      options={"time_limit": time_left, "mip_rel_gap": float(mip_rel_gap), "disp": False})
        stats["mip_seconds"] = time.perf_counter() - mip_started
        mip_bound = getattr(result, "mip_dual_bound", None)
        if result.status == 0 and result.x is not None:
            bound = min(bound, -float(result.fun) if mip_bound is None else -float(mip_bound))
        elif mip_bound is not None and np.isfinite(mip_bound):
            bound = min(bound, -float(mip_bound))
        if result.x is not None:
            # Re-check the MIP's plan exactly (integrality tolerance) and keep the better plan.
            mip_chosen = _round_and_fill(needs, catalogue, model, np.rint(result.x[:n_pairs]), budget,
                                         hours_per_person)
            mip_gain, _ = plan_value(needs, catalogue, model.pair_person[mip_chosen],
                                     model.pair_resource[mip_chosen])
            if mip_gain > gain + _EPS:
                person, resource, gain = model.pair_person[mip_chosen], model.pair_resource[mip_chosen], mip_gain
        status = "optimal" if result.status == 0 else "time_limit"
    bound = max(bound, gain)
    if not np.isfinite(bound):
        # No bound at all (the LP ran out of time and no MIP bound): say so rather than guess.
        stats["no_bound"] = 1.0
        status = "time_limit"
    gap = gap_of(gain) if np.isfinite(bound) else 1.0
    cost = float(catalogue.cost[resource].sum()) if len(resource) else 0.0
    stats["total_seconds"] = time.perf_counter() - started
    return PlanResult(person.astype(np.int64), resource.astype(np.int64), gain, cost,
                      float(bound) if np.isfinite(bound) else float("inf"), gap, status, shadow, weighted_total, stats)


MAX_SUBSET_CANDIDATES: Final = 20  # 2**20 subsets of one person's candidates is still quick in numpy
_SUBSET_CHUNK: Final = 4_000_000  # numbers per numpy block when enumerating subsets


@dataclass(frozen=True)
class _Frontier:
    """Per person, the upper concave hull of (cost, value) over every subset of their candidates that
    fits the hours limit: points as (person, subset bitmask, cost, value), hull by hull."""

    person_start: np.ndarray  # first pair column of each person (their candidates are contiguous)
    point_person: np.ndarray  # index into person_start
    point_mask: np.ndarray
    point_cost: np.ndarray
    point_value: np.ndarray


def _frontier(model: _PersonModel, catalogue: Catalogue, budget: float,
              hours_per_person: float | None) -> _Frontier:
    """Enumerate each person's subsets (their candidate count is small once dominated pairs are
    gone), keep those within hours and budget, and reduce them to the concave hull of value
    against cost: for every price of money, a person's best subset is a hull point."""
    people, person_start, k_of = np.unique(model.pair_person, return_index=True, return_counts=True)
    person_of_pair = np.repeat(np.arange(len(people)), k_of)
    # Local need numbers: needs of one person are numbered 0.. in order of appearance.
    uniq_need, need_inv = np.unique(model.cand_need, return_inverse=True)
    owner = person_of_pair[model.cand_pair]
    need_owner = np.zeros(len(uniq_need), dtype=np.int64)
    need_owner[need_inv] = owner
    by_owner = np.argsort(need_owner, kind="stable")
    first = np.searchsorted(need_owner[by_owner], np.arange(len(people)))
    local_of_need = np.empty(len(uniq_need), dtype=np.int64)
    local_of_need[by_owner] = np.arange(len(uniq_need)) - first[need_owner[by_owner]]
    cand_local_need = local_of_need[need_inv]
    n_need = np.bincount(need_owner, minlength=len(people))
    cand_local_pair = model.cand_pair - person_start[owner]
    pair_hours = catalogue.hours[model.pair_resource]
    pair_cost = catalogue.cost[model.pair_resource]
    limit = np.inf if hours_per_person is None else float(hours_per_person)

    out_person: list[np.ndarray] = []
    out_mask: list[np.ndarray] = []
    out_cost: list[np.ndarray] = []
    out_value: list[np.ndarray] = []
    for k in np.unique(k_of).tolist():
        group = np.flatnonzero(k_of == k)
        n_sub = 1 << k
        width = int(n_need[group].max())
        step = max(1, _SUBSET_CHUNK // (n_sub * max(width, 1)))
        for lo in range(0, len(group), step):
            chunk = group[lo:lo + step]
            pos = np.full(len(people), -1, dtype=np.int64)
            pos[chunk] = np.arange(len(chunk))
            sel = np.flatnonzero(pos[owner] >= 0)
            gains = np.zeros((len(chunk), k, width))
            gains[pos[owner[sel]], cand_local_pair[sel], cand_local_need[sel]] = model.cand_gain[sel]
            cols = person_start[chunk][:, None] + np.arange(k)[None, :]
            best = np.zeros((len(chunk), n_sub, width))
            hours = np.zeros((len(chunk), n_sub))
            cost = np.zeros((len(chunk), n_sub))
            for bit in range(k):
                half = 1 << bit
                # Subsets containing `bit` as their highest member = subsets below it plus `bit`.
                best[:, half:2 * half] = np.maximum(best[:, :half], gains[:, bit][:, None, :])
                hours[:, half:2 * half] = hours[:, :half] + pair_hours[cols[:, bit]][:, None]
                cost[:, half:2 * half] = cost[:, :half] + pair_cost[cols[:, bit]][:, None]
            value = best.sum(axis=2)
            value[(hours > limit + _EPS) | (cost > budget + _EPS)] = -1.0
            # Pareto: sorted by cost (then value descending), keep strictly increasing values.
            order = np.lexsort((-value, cost), axis=-1)
            value_sorted = np.take_along_axis(value, order, axis=1)
            running = np.maximum.accumulate(value_sorted, axis=1)
            keep = np.ones_like(value_sorted, dtype=bool)
            keep[:, 1:] = value_sorted[:, 1:] > running[:, :-1] + _EPS
            keep &= value_sorted >= 0
            rows, at = np.nonzero(keep)
            masks = order[rows, at]
            out_person.append(chunk[rows])
            out_mask.append(masks.astype(np.int64))
            out_cost.append(cost[rows, masks])
            out_value.append(value[rows, masks])
    point_person = np.concatenate(out_person)
    point_mask = np.concatenate(out_mask)
    point_cost = np.concatenate(out_cost)
    point_value = np.concatenate(out_value)
    order = np.lexsort((point_cost, point_person))
    point_person, point_mask = point_person[order], point_mask[order]
    point_cost, point_value = point_cost[order], point_value[order]

    # Upper concave hull per person (monotone chain on points sorted by cost; the cheapest point
    # costs nothing: the empty subset is always allowed).
    keep = np.zeros(len(point_person), dtype=bool)
    bounds = np.searchsorted(point_person, np.arange(len(people) + 1))
    costs, values = point_cost.tolist(), point_value.tolist()
    for p in range(len(people)):
        hull: list[int] = []
        for i in range(int(bounds[p]), int(bounds[p + 1])):
            while len(hull) >= 2:
                a, b = hull[-2], hull[-1]
                # Drop b when it lies on or below the chord from a to i.
                if (values[b] - values[a]) * (costs[i] - costs[a]) <= (values[i] - values[a]) * (costs[b] - costs[a]):
                    hull.pop()
                else:
                    break
            hull.append(i)
        keep[hull] = True
    return _Frontier(person_start, point_person[keep], point_mask[keep], point_cost[keep], point_value[keep])


def _frontier_plan(frontier: _Frontier, budget: float) -> tuple[np.ndarray, float, float]:
    """The multiple-choice knapsack over the hulls: climb the steepest hull segments first.

    Returns (chosen pair columns, upper bound, budget price). Taking segments by falling value per
    unit cost until one does not fit is the optimum of the LP relaxation (that segment taken in
    part), which bounds every plan; the plan itself skips that segment and keeps climbing the other
    people's hulls within the budget left."""
    pp, cost, value = frontier.point_person, frontier.point_cost, frontier.point_value
    base = np.flatnonzero(np.r_[True, pp[1:] != pp[:-1]])  # each person's cheapest hull point
    seg = np.flatnonzero(np.r_[False, pp[1:] == pp[:-1]])  # segment ending at point i
    d_cost = cost[seg] - cost[seg - 1]
    d_value = value[seg] - value[seg - 1]
    slope = d_value / d_cost
    order = np.lexsort((seg, -slope))
    at = np.full(int(pp.max()) + 1 if len(pp) else 0, -1, dtype=np.int64)
    at[pp[base]] = base
    spent = float(cost[base].sum())
    bound = float(value[base].sum())
    blocked = np.zeros(len(at), dtype=bool)
    broken = False
    price = 0.0
    for s in order.tolist():
        i = int(seg[s])
        p = int(pp[i])
        if blocked[p] or at[p] != i - 1:
            blocked[p] = True
            continue
        if spent + d_cost[s] <= budget + _EPS:
            spent += float(d_cost[s])
            at[p] = i
            if not broken:
                bound += float(d_value[s])
        else:
            if not broken:
                broken = True
                price = float(slope[s])
                bound += float(d_value[s]) * max(0.0, budget - spent) / float(d_cost[s])
            blocked[p] = True
    chosen: list[int] = []
    for p, i in enumerate(at.tolist()):
        if i < 0:
            continue
        mask = int(frontier.point_mask[i])
        start = int(frontier.person_start[p])
        bit = 0
        while mask:
            if mask & 1:
                chosen.append(start + bit)
            mask >>= 1
            bit += 1
    return np.array(chosen, dtype=np.int64), bound, price

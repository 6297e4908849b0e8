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
"""

from __future__ import annotations

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
             mip_rel_gap: float = DEFAULT_MIP_REL_GAP, with_shadow_price: bool = True) -> PlanResult:
    """Choose enrolments maximising weighted gap closed within budget, hours per person and capacity."""
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

    classes = _classes(needs, cands, aggregate)
    n_classes = len(classes.members)
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

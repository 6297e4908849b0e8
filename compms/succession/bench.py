"""Benchmark: successors of a key position computed over everyone in the database.

Run against a demo database of 40,000 people (docs/performance.md, section "Successors"):

    .venv/bin/compms shell -c "from compms.succession.bench import run; run()"

The snapshot (the gap engine's arrays, kept in a process cache) is loaded first and timed on its own:
a running server pays it once and again only after writes. What is measured is what a request for
a successor list costs on a warm cache: measuring everyone against the role, hours to close the gaps,
readiness bands, overrides, ranking, emergency cover.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from compms.gaps.loader import load_snapshot
from compms.organisation.models import Position
from compms.succession import analysis
from compms.succession.models import KeyPosition


def run(repeats: int = 5, out: Callable[[str], None] = print) -> dict[str, float]:
    started = time.perf_counter()
    snapshot = load_snapshot()
    load_seconds = time.perf_counter() - started
    key = KeyPosition.objects.select_related("role", "unit", "position").first()
    if key is None:  # an unmarked demo: measure the busiest role's first filled seat, not stored
        seat = Position.objects.filter(holder__isnull=False).select_related("role", "unit").first()
        if seat is None:
            raise SystemExit("No filled position to measure; build the demo first (compms demo).")
        key = KeyPosition(pk=0, position=seat, role=seat.role, unit=seat.unit)
    timings = []
    report = None
    for _ in range(repeats):
        started = time.perf_counter()
        report = analysis.successors(key, overrides={} if not key.pk else None,
                                     nominated_pks=set() if not key.pk else None)
        timings.append(time.perf_counter() - started)
    best, worst = min(timings), max(timings)
    lines = len(range(*snapshot.role_lines(snapshot.role_index[key.role_id]).indices(len(snapshot.line_role))))
    out(f"people {snapshot.n_people}, evidence rows {len(snapshot.evidence.level)}, role lines {lines}")
    out(f"snapshot load (cold) {load_seconds:.2f} s")
    out(f"successors: best {best * 1000:.0f} ms, worst {worst * 1000:.0f} ms over {repeats} runs; "
        f"{report.considered if report else 0} considered, {len(report.successors) if report else 0} listed")
    return {"load": load_seconds, "best": best, "worst": worst}

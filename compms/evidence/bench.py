"""Benchmark of `compms import evidence`: generate a file of N rows, then time the import.

    COMPMS_DATA_DIR=/tmp/compms-bench .venv/bin/python -m compms.evidence.bench --rows 1000000

On SQLite (the default) the benchmark starts from a fresh database file in COMPMS_DATA_DIR, which
it deletes first, so never point it at a data folder you care about. With COMPMS_DATABASE_URL set
it uses that database as it is (migrated, bench people and framework added if missing): give it a
scratch database. The figure is recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_FRAMEWORK = "BENCH"
SOURCES = ("assessor", "certificate", "manager", "test", "training", "experience", "self")


@dataclass(frozen=True)
class BenchResult:
    rows: int
    people: int
    generate_seconds: float
    import_seconds: float
    import_cpu_seconds: float
    proficiencies: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.import_seconds if self.import_seconds else 0.0


def ensure_bench_data(people: int, competencies: int) -> None:
    """A published framework of `competencies` competencies and `people` people in one unit."""
    from compms.access import SYSTEM
    from compms.frameworks import services as frameworks
    from compms.frameworks.models import Competency, Framework
    from compms.organisation.models import Person, Unit

    if not Framework.objects.filter(code=BENCH_FRAMEWORK).exists():
        version = frameworks.create_framework(code=BENCH_FRAMEWORK, name="Benchmark framework", actor=SYSTEM)
        Competency.objects.bulk_create(
            Competency(version=version, code=f"C{n:04d}", name=f"Competency {n}", sort_order=n)
            for n in range(1, competencies + 1))
        frameworks.publish(version, SYSTEM)
    unit = Unit.objects.filter(external_id="BENCH").first()
    if unit is None:
        unit = Unit.objects.create(external_id="BENCH", name="Benchmark unit", path="/")
        Unit.objects.filter(pk=unit.pk).update(path=f"/{unit.pk}/")
    have = set(Person.objects.filter(employee_id__startswith="B").values_list("employee_id", flat=True))
    Person.objects.bulk_create(
        (Person(employee_id=f"B{n:06d}", name=f"Bench person {n}", unit=unit)
         for n in range(1, people + 1) if f"B{n:06d}" not in have), batch_size=5000)


def write_rows(path: Path, rows: int, people: int, competencies: int, seed: int = 1) -> None:
    """A CSV of plausible historical evidence: dates over five years, a third with an expiry."""
    rng = random.Random(seed)
    today = dt.date.today()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["employee_id", "framework", "competency_code", "level", "source", "assessed_on",
                         "valid_until", "assessor_id", "context", "note"])
        for _ in range(rows):
            assessed = today - dt.timedelta(days=rng.randrange(1, 5 * 365))
            until = (assessed + dt.timedelta(days=rng.randrange(180, 1100))).isoformat() if rng.random() < 0.33 else ""
            writer.writerow([f"B{rng.randrange(1, people + 1):06d}", BENCH_FRAMEWORK,
                             f"C{rng.randrange(1, competencies + 1):04d}", rng.randrange(0, 6),
                             rng.choice(SOURCES), assessed.isoformat(), until, "", "", ""])


def run_benchmark(rows: int, people: int, competencies: int, work_dir: Path) -> BenchResult:
    from compms.access import SYSTEM
    from compms.evidence.imports import import_evidence_file
    from compms.evidence.models import CurrentProficiency

    ensure_bench_data(people, competencies)
    path = work_dir / f"bench-evidence-{rows}.csv"
    started = time.perf_counter()
    write_rows(path, rows, people, competencies)
    generated = time.perf_counter()
    cpu_started = time.process_time()
    outcome = import_evidence_file(path, SYSTEM)
    finished = time.perf_counter()
    cpu_used = time.process_time() - cpu_started
    path.unlink()
    return BenchResult(rows=outcome.rows, people=outcome.people, generate_seconds=generated - started,
                       import_seconds=finished - generated, import_cpu_seconds=cpu_used,
                       proficiencies=CurrentProficiency.objects.count())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=40_000)
    parser.add_argument("--competencies", type=int, default=200)
    args = parser.parse_args()

    os.environ.setdefault("COMPMS_DATA_DIR", str(Path(tempfile.gettempdir()) / "compms-bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compms.settings")
    if not os.environ.get("COMPMS_DATABASE_URL"):
        Path(os.environ["COMPMS_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (Path(os.environ["COMPMS_DATA_DIR"]) / f"compms.sqlite3{suffix}").unlink(missing_ok=True)

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    result = run_benchmark(args.rows, args.people, args.competencies, Path(os.environ["COMPMS_DATA_DIR"]))
    print(f"database: {connection.vendor}")
    print(f"generated {args.rows} rows in {result.generate_seconds:.1f} s")
    print(f"imported {result.rows} rows for {result.people} people in {result.import_seconds:.1f} s "
          f"({result.rows_per_second:,.0f} rows/s; {result.import_cpu_seconds:.1f} s of CPU in this process); "
          f"{result.proficiencies} current proficiencies stored")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()

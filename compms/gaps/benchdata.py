"""Plausible evidence for the demo organisation, written as an evidence import file.

`compms bench` needs evidence to measure gap reports on. When the demo was built without any, this
writes a CSV in the `compms import evidence` format and the bench imports it through the ordinary
import path (so the import itself is measured too).

What the file looks like, per person holding a position, per requirement line of their roles:
- about 1 in 12 requirements has no evidence at all (a `missing` gap);
- otherwise one main record, its level spread around the required level (most meet it), from a
  mix of sources; certificates and assessments often carry an expiry, so some have already lapsed
  (`expired` gaps) and some lapse within the coming year (expiry waves);
- some requirements also carry an older self-assessment, and everyone has a few records in
  competencies no role of theirs asks for.
Everything comes from one seeded generator, so a seed gives the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from compms.organisation.models import Position, Requirement

HEADER = ["employee_id", "framework", "competency_code", "level", "source", "assessed_on", "valid_until",
          "assessor_id", "context", "note"]
MAIN_SOURCES = ("assessor", "certificate", "manager", "test", "training", "experience", "self")
MAIN_SOURCE_SHARE = (0.25, 0.15, 0.2, 0.1, 0.15, 0.05, 0.1)
MISSING_SHARE = 1 / 12
SELF_SHARE = 0.3
EXTRA_PER_PERSON = 3
EXPIRING_SOURCES = {"assessor", "certificate"}
EXPIRY_SHARE = 0.5  # of assessor and certificate records
HISTORY_DAYS = 4 * 365


def write_demo_evidence(path: Path, today: dt.date, seed: int = 1, max_level: int = 5) -> int:
    """Write the file; returns the number of evidence rows written."""
    rng = np.random.default_rng(seed)
    people: dict[int, str] = {}
    roles_of: dict[int, list[int]] = {}
    for person_id, employee_id, role_id in (
            Position.objects.filter(holder__isnull=False, holder__active=True)
            .order_by("holder_id", "role_id").values_list("holder_id", "holder__employee_id", "role_id")):
        people[person_id] = employee_id
        roles_of.setdefault(person_id, []).append(role_id)
    lines: dict[int, list[tuple[str, str, int]]] = {}
    every_competency: set[tuple[str, str]] = set()
    for role_id, framework, code, level in Requirement.objects.order_by("role_id", "id").values_list(
            "role_id", "competency__version__framework__code", "competency__code", "level"):
        lines.setdefault(role_id, []).append((framework, code, level))
        every_competency.add((framework, code))
    catalogue = sorted(every_competency)

    # One row per person x requirement line (a person holding two roles gets both lines; the rollup
    # copes with duplicates, and the generator should not need to know the merge rule).
    employee: list[str] = []
    framework: list[str] = []
    code: list[str] = []
    required: list[int] = []
    for person_id, role_ids in roles_of.items():
        for role_id in role_ids:
            for fw, cc, level in lines.get(role_id, ()):
                employee.append(people[person_id])
                framework.append(fw)
                code.append(cc)
                required.append(level)
    n = len(required)
    required_arr = np.array(required, dtype=np.int64)
    has_main = rng.random(n) >= MISSING_SHARE
    # Most people meet their requirements; a tail falls one or two levels short, a few exceed them.
    offset = rng.choice([-2, -1, 0, 0, 0, 0, 1], size=n)
    level = np.clip(required_arr + offset, 0, max_level)
    source = rng.choice(len(MAIN_SOURCES), size=n, p=MAIN_SOURCE_SHARE)
    assessed_days_ago = rng.integers(1, HISTORY_DAYS, size=n)
    validity_days = rng.integers(365, 3 * 365, size=n)
    expiring = np.isin(source, [MAIN_SOURCES.index(s) for s in EXPIRING_SOURCES]) & (rng.random(n) < EXPIRY_SHARE)
    has_self = rng.random(n) < SELF_SHARE
    self_level = np.clip(required_arr + rng.choice([-1, 0, 1], size=n), 0, max_level)
    self_days_ago = rng.integers(1, HISTORY_DAYS, size=n)

    def day(days_ago: int) -> str:
        return (today - dt.timedelta(days=int(days_ago))).isoformat()

    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(n):
            if has_main[i]:
                valid_until = ""
                if expiring[i]:
                    valid_until = (today - dt.timedelta(days=int(assessed_days_ago[i]))
                                   + dt.timedelta(days=int(validity_days[i]))).isoformat()
                writer.writerow([employee[i], framework[i], code[i], int(level[i]), MAIN_SOURCES[source[i]],
                                 day(assessed_days_ago[i]), valid_until, "", "", ""])
                written += 1
            if has_self[i]:
                writer.writerow([employee[i], framework[i], code[i], int(self_level[i]), "self",
                                 day(self_days_ago[i]), "", "", "", ""])
                written += 1
        person_list = list(people.values())
        extra_competency = rng.integers(0, len(catalogue), size=(len(person_list), EXTRA_PER_PERSON))
        extra_level = rng.integers(1, max_level + 1, size=(len(person_list), EXTRA_PER_PERSON))
        extra_source = rng.choice(len(MAIN_SOURCES), size=(len(person_list), EXTRA_PER_PERSON),
                                  p=MAIN_SOURCE_SHARE)
        extra_days = rng.integers(1, HISTORY_DAYS, size=(len(person_list), EXTRA_PER_PERSON))
        if catalogue:
            for p, employee_id in enumerate(person_list):
                for k in range(EXTRA_PER_PERSON):
                    fw, cc = catalogue[extra_competency[p, k]]
                    writer.writerow([employee_id, fw, cc, int(extra_level[p, k]),
                                     MAIN_SOURCES[extra_source[p, k]], day(extra_days[p, k]), "", "", "", ""])
                    written += 1
    return written

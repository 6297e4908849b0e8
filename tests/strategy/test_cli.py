"""`run_strategy`, which `compms gaps --strategy OBJECTIVE` calls."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management.base import CommandError

from compms.strategy.cli import run_strategy


def run(code: str | int, fmt: str) -> str:
    out = io.StringIO()
    run_strategy(code, fmt, out)
    return out.getvalue()


def test_table_names_the_objective_and_the_figures(world) -> None:
    text = run("pumps-2027", "table")
    assert text.startswith("PUMPS-2027: Pump skills for the new line (active, due 2027-03-01), as of 2026-03-01")
    heading = next(line for line in text.splitlines() if line.startswith("Target"))
    row = next(line for line in text.splitlines() if line.startswith(str(world.target.pk) + " "))
    assert heading.split() == ["Target", "Competency", "Context", "Level", "Scope", "Due", "Demand", "Today",
                               "Supply", "Gap", "Pipeline"]
    assert row.split()[-5:] == ["4", "4", "3", "1", "0"]
    assert f"target {world.target.pk}: 2026-03-01 4," in text


def test_json_and_csv_by_id(world) -> None:
    body = json.loads(run(world.objective.pk, "json"))
    assert body["targets"][0]["gap"] == 1
    rows = list(csv.DictReader(io.StringIO(run(str(world.objective.pk), "csv"))))
    assert (rows[0]["objective"], rows[0]["supply"], rows[0]["pipeline"]) == ("PUMPS-2027", "3", "0")


def test_unknown_objective_or_format(world) -> None:
    with pytest.raises(CommandError, match="no objective"):
        run("NOPE", "table")
    with pytest.raises(CommandError, match="--format"):
        run("PUMPS-2027", "yaml")

"""A small organisation written through the ordinary importers, for tests that need a little of
everything (exports, the API fuzz): one published framework with three competencies, three units,
two roles with requirements, four people and some evidence. Names can be chosen, so a test can put
hostile text ("=HYPERLINK(...)", control characters) where a user would type it."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

PLAIN_NAME = "Plain name"


def _write(directory: Path, name: str, rows: list[list[Any]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path = directory / f"{name}.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def build_small_org(competency_name: str = PLAIN_NAME, person_name: str = PLAIN_NAME,
                    note: str = PLAIN_NAME) -> None:
    from compms.access import SYSTEM
    from compms.interop.base import importers

    run = importers()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        run["framework-csv"].run(_write(directory, "framework", [
            ["framework_code", "framework_name", "code", "parent_code", "name", "description"],
            ["SAFE", "Safety", "S1", "", "Safety basics", "Top"],
            ["SAFE", "Safety", "S1.1", "S1", competency_name, "Locks out a machine"],
            ["SAFE", "Safety", "S1.2", "S1", "First aid", ""],
        ]), SYSTEM, {"publish": True})
        run["units"].run(_write(directory, "units", [
            ["unit_id", "name", "parent_id"], ["HQ", "Head office", ""], ["OPS", "Operations", "HQ"],
            ["LAB", "Laboratory", "HQ"],
        ]), SYSTEM, {})
        run["roles"].run(_write(directory, "roles", [
            ["role_id", "name", "family"], ["OPERATOR", "Operator", "Operations"], ["CHEMIST", "Chemist", "Lab"],
        ]), SYSTEM, {})
        run["people"].run(_write(directory, "people", [
            ["employee_id", "name", "email", "unit_id", "manager_id", "role_id", "start_date"],
            ["E1", "Boss One", "boss@example.org", "HQ", "", "", "2020-01-01"],
            ["E2", person_name, "two@example.org", "OPS", "E1", "OPERATOR", "2021-02-01"],
            ["E3", "Carol Three", "three@example.org", "OPS", "E1", "OPERATOR", "2022-03-01"],
            ["E4", "Dan Four", "four@example.org", "LAB", "E1", "CHEMIST", "2023-04-01"],
        ]), SYSTEM, {})
        run["requirements"].run(_write(directory, "requirements", [
            ["role_id", "framework", "competency_code", "level", "criticality"],
            ["OPERATOR", "SAFE", "S1.1", "3", "essential"], ["OPERATOR", "SAFE", "S1.2", "2", "desirable"],
            ["CHEMIST", "SAFE", "S1.2", "4", "essential"],
        ]), SYSTEM, {})
        run["evidence"].run(_write(directory, "evidence", [
            ["employee_id", "framework", "competency_code", "level", "source", "assessed_on", "note"],
            ["E2", "SAFE", "S1.1", "2", "manager", "2025-01-10", note],
            ["E3", "SAFE", "S1.1", "3", "test", "2025-02-10", ""],
            ["E4", "SAFE", "S1.2", "1", "self", "2025-03-10", ""],
        ]), SYSTEM, {})


def link_cast(cast: Any, *, hr: bool = True) -> None:
    """The cast's manager is Boss One (E1), the employee is E2 and HR (unless hr=False) is Dan Four (E4)."""
    from compms.organisation.models import Person

    Person.objects.filter(employee_id="E1").update(user=cast.manager)
    Person.objects.filter(employee_id="E2").update(user=cast.employee)
    if hr:
        Person.objects.filter(employee_id="E4").update(user=cast.hr)

"""Helpers for the import/export tests: the CASE 1.1 schema validator and a comparable picture of a
framework's dictionary (what a user would see: identities, codes, tree, relations, scales)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from compms.frameworks.models import Framework, LevelIndicator
from compms.interop.case import choose_version
from compms.interop.services import CASE_TYPE_OF_KIND


@pytest.fixture
def case_dir(shared_data: Path) -> Path:
    return shared_data / "case"


@pytest.fixture
def case_validator(case_dir: Path) -> jsonschema.Validator:
    schema = json.loads((case_dir / "case-v1p1-cfpackage.official.schema.json").read_text())
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)


@pytest.fixture
def assert_valid_case(case_validator: jsonschema.Validator) -> Callable[[dict[str, Any]], None]:
    def check(package: dict[str, Any]) -> None:
        problems = [f"{e.json_path}: {e.message[:200]}" for e in case_validator.iter_errors(package)]
        assert problems == []

    return check


def dictionary_of(code: str, number: int | None = None) -> dict[str, Any]:
    framework = Framework.objects.get(code=code)
    version = choose_version(framework, number)
    competencies = {c.pk: c for c in version.competencies.select_related("scale")}
    indicators: dict[int, dict[int, str]] = {}
    for i in LevelIndicator.objects.filter(competency__version=version):
        indicators.setdefault(i.competency_id, {})[i.level] = i.text
    return {
        "framework": (framework.code, framework.name, str(framework.case_identifier)),
        "competencies": {
            str(c.uuid): {"code": c.code, "name": c.name, "description": c.description, "kind": c.kind,
                          "item_type": c.item_type, "sort_order": c.sort_order, "esco_uri": c.esco_uri,
                          "sfia_code": c.sfia_code, "scale": c.scale.code if c.scale_id else None,
                          "parent": str(competencies[c.parent_id].uuid) if c.parent_id else None,
                          "indicators": indicators.get(c.pk, {})}
            for c in competencies.values()},
        "relations": {
            str(r.uuid): (str(competencies[r.source_id].uuid), r.kind,
                          str(competencies[r.target_id].uuid) if r.target_id in competencies else None,
                          r.target_identifier, r.target_uri, r.target_title,
                          r.case_type or CASE_TYPE_OF_KIND.get(r.kind, ""))
            for r in version.relations.all()},
        "scales": {s.code: (s.name, str(s.case_identifier), s.pk == version.default_scale_id,
                            [(lvl.value, lvl.name, lvl.descriptor) for lvl in s.levels.all()])
                   for s in version.scales.prefetch_related("levels")},
    }


def depth_of(code: str) -> int:
    """Levels in the tree of a framework's current version (a flat list has depth 1)."""
    framework = Framework.objects.get(code=code)
    parents = dict(choose_version(framework).competencies.values_list("pk", "parent_id"))

    def depth(pk: int) -> int:
        return 1 + (depth(parents[pk]) if parents[pk] else 0)

    return max(map(depth, parents), default=0)

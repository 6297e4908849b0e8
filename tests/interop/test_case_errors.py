"""Bad CASE packages are refused as a whole, with errors naming the item and field; sloppy but
readable ones are accepted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from compms.access import SYSTEM
from compms.frameworks.models import Competency, Framework, FrameworkVersion, Relation, Scale
from compms.interop.base import ImportFailed
from compms.interop.case import import_case

DOCUMENT = "d1000000-0000-4000-8000-000000000000"
RUBRIC = "e1000000-0000-4000-8000-000000000000"


def ident(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def item(n: int, **fields: Any) -> dict[str, Any]:
    return {"identifier": ident(n), "uri": f"https://example.org/items/{n}", "fullStatement": f"Statement {n}",
            "lastChangeDateTime": "2024-01-01T00:00:00+00:00", **fields}


def link(identifier: str) -> dict[str, str]:
    return {"identifier": identifier, "uri": f"https://example.org/{identifier}", "title": ""}


def association(n: int, origin: str, kind: str, destination: str, **fields: Any) -> dict[str, Any]:
    return {"identifier": ident(1000 + n), "uri": f"https://example.org/a/{n}", "associationType": kind,
            "originNodeURI": link(origin), "destinationNodeURI": link(destination),
            "lastChangeDateTime": "2024-01-01T00:00:00+00:00", **fields}


def package(items: list[dict], associations: list[dict], **more: Any) -> str:
    document = {"identifier": DOCUMENT, "uri": "https://example.org/doc", "creator": "Test",
                "title": "Test framework", "lastChangeDateTime": "2024-01-01T00:00:00+00:00"}
    return json.dumps({"CFDocument": document, "CFItems": items, "CFAssociations": associations, **more})


def good_package() -> str:
    return package([item(1, humanCodingScheme="A"), item(2, humanCodingScheme="A.1"),
                    item(3, humanCodingScheme="A.2")],
                   [association(1, ident(1), "isChildOf", DOCUMENT), association(2, ident(2), "isChildOf", ident(1)),
                    association(3, ident(3), "isChildOf", ident(1))])


def counts() -> tuple[int, ...]:
    return (Framework.objects.count(), FrameworkVersion.objects.count(), Competency.objects.count(),
            Relation.objects.count(), Scale.objects.count())


def refused(data: str | bytes, **options: Any) -> list[str]:
    before = counts()
    with pytest.raises(ImportFailed) as failure:
        import_case(data, SYSTEM, **options)
    assert counts() == before  # nothing stored
    return [str(error) for error in failure.value.errors]


@pytest.mark.django_db
def test_truncated_json_is_refused(case_dir):
    text = (case_dir / "opensalt_smartlevel.json").read_bytes()
    errors = refused(text[: len(text) // 2])
    assert len(errors) == 1 and errors[0].startswith("file: not valid JSON (truncated or damaged?)")


@pytest.mark.django_db
def test_a_file_that_is_not_a_case_package_is_refused(case_dir):
    errors = refused((case_dir / "case-v1p1-cfpackage.official.schema.json").read_bytes())
    assert errors == ["field CFDocument: not a CASE package: the top level needs a CFDocument object"]


@pytest.mark.django_db
def test_missing_identifiers_are_named():
    data = json.loads(good_package())
    del data["CFItems"][1]["identifier"]
    data["CFAssociations"][2]["identifier"] = ""
    data["CFDocument"]["identifier"] = "not-a-uuid"
    errors = refused(json.dumps(data))
    assert "item CFDocument, field identifier: missing or not a UUID" in errors
    assert "item CFItems[1], field identifier: missing" in errors
    assert "item CFAssociations[2], field identifier: missing or not a UUID" in errors


@pytest.mark.django_db
def test_a_cycle_in_the_tree_is_refused_naming_its_items():
    data = package([item(1), item(2), item(3)],
                   [association(1, ident(1), "isChildOf", ident(3)), association(2, ident(3), "isChildOf", ident(2)),
                    association(3, ident(2), "isChildOf", ident(1))])
    errors = refused(data)
    assert len(errors) == 3
    assert all("field isChildOf: parent cycle" in e for e in errors)
    assert {e.split(",")[0] for e in errors} == {f"item {ident(n)}" for n in (1, 2, 3)}


@pytest.mark.django_db
def test_duplicate_codes_are_refused_unless_renaming_is_asked_for():
    data = package([item(1, humanCodingScheme="A"), item(2, humanCodingScheme="A")],
                   [association(1, ident(1), "isChildOf", DOCUMENT), association(2, ident(2), "isChildOf", DOCUMENT)])
    errors = refused(data)
    assert errors == [f"item {ident(2)}, field humanCodingScheme: duplicate code 'A' (also item {ident(1)})"]
    outcome, _stats = import_case(data, SYSTEM, rename_duplicate_codes=True)
    assert sorted(outcome.version.competencies.values_list("code", flat=True)) == ["A", "A-2"]


@pytest.mark.django_db
def test_associations_with_a_missing_required_end_are_refused():
    data = package([item(1)],
                   [association(1, ident(9), "isChildOf", DOCUMENT),  # the child is not in the package
                    association(2, ident(1), "isChildOf", ident(8)),  # nor is the parent
                    association(3, ident(7), "isRelatedTo", ident(6)),  # neither end is
                    {**association(4, ident(1), "precedes", ident(5)), "destinationNodeURI": {"uri": "x"}}])
    errors = refused(data)
    assert f"item {ident(1001)}, field originNodeURI: isChildOf from {ident(9)}, which is not an item of this " \
           "package" in errors
    assert any(e.startswith(f"item {ident(1)}, field isChildOf: parent {ident(8)} is neither") for e in errors)
    assert f"item {ident(1003)}, field originNodeURI: neither end of this isRelatedTo association is an item of " \
           "this package" in errors
    assert f"item {ident(1004)}, field destinationNodeURI: missing, or without an identifier" in errors


@pytest.mark.django_db
def test_an_indicator_level_beyond_its_scale_is_refused():
    rubric = {"identifier": RUBRIC, "uri": "https://example.org/r", "title": "Three levels",
              "lastChangeDateTime": "2024-01-01T00:00:00+00:00",
              "CFRubricCriteria": [
                  {"identifier": ident(500), "uri": "u", "lastChangeDateTime": "2024-01-01T00:00:00+00:00",
                   "CFRubricCriterionLevels": [{"identifier": ident(500 + n), "uri": "u", "position": n,
                                                "quality": f"L{n}", "lastChangeDateTime": "2024-01-01T00:00:00Z"}
                                               for n in range(4)]},
                  {"identifier": ident(600), "uri": "u", "lastChangeDateTime": "2024-01-01T00:00:00+00:00",
                   "CFItemURI": link(ident(2)),
                   "CFRubricCriterionLevels": [{"identifier": ident(601), "uri": "u", "position": 5,
                                                "description": "Too high", "lastChangeDateTime": "2024-01-01"}]}]}
    data = json.loads(good_package())
    data["CFRubrics"] = [rubric]
    errors = refused(json.dumps(data))
    assert errors == [(f"item {ident(2)}, field CFRubricCriterionLevels (level 5): level 5 is beyond the scale "
                       "Three levels (levels 1..3)")]


@pytest.mark.django_db
def test_a_bad_reimport_leaves_the_framework_as_it_was():
    import_case(good_package(), SYSTEM, publish=True)
    data = json.loads(good_package())
    data["CFItems"][0]["fullStatement"] = "Changed"
    data["CFItems"][2]["humanCodingScheme"] = "A.1"
    errors = refused(json.dumps(data))
    assert errors == [f"item {ident(3)}, field humanCodingScheme: duplicate code 'A.1' (also item {ident(2)})"]
    framework = Framework.objects.get()
    assert framework.versions.count() == 1
    assert framework.latest_published().competencies.get(code="A").name == "Statement 1"


@pytest.mark.django_db
def test_sloppy_but_readable_packages_are_accepted():
    data = json.loads(good_package())
    data["CFPackageURI"] = "https://example.org/package"  # unknown keys at every level are ignored
    data["CFItems"][0].update(CFDocumentURI=link(DOCUMENT), educationalLevel="06", notes=None)
    data["CFAssociations"][1]["sequenceNumber"] = "2"
    data["CFAssociations"][2]["sequenceNumber"] = "1"
    data["CFItems"][1]["lastChangeDateTime"] = "2017-08-23 23:48:01"  # no T, no offset
    outcome, _stats = import_case(json.dumps(data), SYSTEM)
    children = outcome.version.competencies.get(code="A").children.order_by("sort_order")
    assert list(children.values_list("code", "sort_order")) == [("A.2", 1), ("A.1", 2)]
    assert children.get(code="A.1").extra["case"]["lastChangeDateTime"] == "2017-08-23T23:48:01+00:00"


@pytest.mark.django_db
def test_a_rubric_from_elsewhere_becomes_a_scale_with_indicators():
    criterion_levels = [{"identifier": ident(700 + n), "uri": "u", "quality": name, "score": n,
                         "description": f"{name} work", "lastChangeDateTime": "2024-01-01T00:00:00Z"}
                        for n, name in ((3, "Proficient"), (1, "Beginning"), (2, "Developing"))]
    rubric = {"identifier": RUBRIC, "uri": "https://example.org/r", "title": "Writing rubric",
              "lastChangeDateTime": "2024-01-01T00:00:00Z",
              "CFRubricCriteria": [{"identifier": ident(600), "uri": "u", "CFItemURI": link(ident(2)),
                                    "lastChangeDateTime": "2024-01-01T00:00:00Z",
                                    "CFRubricCriterionLevels": criterion_levels}]}
    data = json.loads(good_package())
    data["CFRubrics"] = [rubric]
    outcome, _stats = import_case(json.dumps(data), SYSTEM)
    competency = outcome.version.competencies.get(code="A.1")
    scale = competency.scale
    assert scale.name == "Writing rubric" and str(scale.case_identifier) == RUBRIC
    assert list(scale.levels.values_list("value", "name")) == [(0, "None"), (1, "Beginning"), (2, "Developing"),
                                                               (3, "Proficient")]
    assert dict(competency.indicators.values_list("level", "text")) == {1: "Beginning work", 2: "Developing work",
                                                                        3: "Proficient work"}
    assert outcome.version.competencies.get(code="A").scale is None  # the framework's default scale

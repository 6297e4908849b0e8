"""CASE export: valid CASE 1.1, faithful to what was imported, and stable through a round trip."""

from __future__ import annotations

import json

import pytest

from compms.access import SYSTEM
from compms.frameworks import services
from compms.frameworks.models import Competency, Framework
from compms.frameworks.services import LevelSpec
from compms.interop.case import export_case, import_case

from .conftest import dictionary_of
from .test_case_import import ACT_MATH, PACKAGES, SMARTLEVEL, WHAT_STANDARDS

IGNORED_ITEM_KEYS = {"CFDocumentURI", "educationalLevel", "CFItemAssociationURI"}  # outside the spec


def exported(code: str, **kwargs) -> dict:
    content, _filename = export_case(code, **kwargs)
    return json.loads(content)


def without_stamps(package: dict) -> dict:
    """The package minus the times our own versions stamp (they differ between two databases)."""
    text = json.dumps({k: v for k, v in package.items() if k != "CFDocument"})
    for rubric in package.get("CFRubrics", []):
        text = text.replace(rubric["lastChangeDateTime"], "STAMP")
    return json.loads(text)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_export_is_valid_case_1_1_and_survives_a_fresh_import(case_dir, assert_valid_case, name):
    code = PACKAGES[name][0]
    import_case((case_dir / name).read_bytes(), SYSTEM)
    before = dictionary_of(code)
    first = exported(code)
    assert_valid_case(first)
    assert first["CFDocument"]["caseVersion"] == "1.1"

    # Into the same database: nothing changes.
    again, _stats = import_case(json.dumps(first), SYSTEM)
    assert not again.changed

    # Into an empty one: the same dictionary, the same uuids, codes, tree and relations.
    Framework.objects.all().delete()
    assert Competency.objects.count() == 0
    import_case(json.dumps(first), SYSTEM)
    assert dictionary_of(code) == before
    assert without_stamps(exported(code)) == without_stamps(first)


@pytest.mark.django_db
@pytest.mark.parametrize("name", [WHAT_STANDARDS, ACT_MATH, SMARTLEVEL])
def test_export_gives_back_the_items_and_associations_that_came_in(case_dir, name):
    original = json.loads((case_dir / name).read_text())
    import_case(json.dumps(original), SYSTEM)
    package = exported(PACKAGES[name][0])
    items = {i["identifier"]: i for i in package["CFItems"]}
    assert set(items) == {i["identifier"] for i in original["CFItems"]}
    for source in original["CFItems"]:
        kept = {k: v for k, v in source.items() if v is not None and k not in IGNORED_ITEM_KEYS}
        out = items[source["identifier"]]
        assert set(out) == set(kept)  # e.g. an item with no humanCodingScheme goes out with none
        for key, value in kept.items():
            if key == "lastChangeDateTime":
                assert out[key][:19] == value[:19]  # the same moment, now with its UTC offset
            else:
                assert out[key] == value, (source["identifier"], key)
    associations = {a["identifier"]: a for a in package["CFAssociations"]}
    assert set(associations) == {a["identifier"] for a in original["CFAssociations"]}
    for source in original["CFAssociations"]:
        out = associations[source["identifier"]]
        assert out["associationType"] == source["associationType"]
        assert out["originNodeURI"]["identifier"] == source["originNodeURI"]["identifier"]
        assert out["destinationNodeURI"]["identifier"] == source["destinationNodeURI"]["identifier"]
        if source.get("sequenceNumber") is not None:
            assert out["sequenceNumber"] == int(source["sequenceNumber"])


def build_native_dictionary() -> Framework:
    """A dictionary made in CompMS: two scales, indicators, kinds, ESCO/SFIA ids, relations."""
    version = services.create_framework(code="OPS", name="Operations", actor=SYSTEM, description="Site operations")
    sfia = services.create_scale(version, code="sfia", name="SFIA responsibility",
                                 levels=[LevelSpec(n, f"Level {n}", f"SFIA level {n}") for n in range(8)], actor=SYSTEM)
    safety = services.create_competency(version, SYSTEM, code="SAF", name="Safety", kind="knowledge",
                                        item_type="Domain", description="Knowing the safety rules of the site")
    permit = services.create_competency(version, SYSTEM, code="SAF.01", name="Permit to work", parent=safety,
                                        item_type="Competency", esco_uri="http://data.europa.eu/esco/skill/x1",
                                        indicators={1: "Knows when a permit is needed", 3: "Issues permits"})
    lead = services.create_competency(version, SYSTEM, code="LEAD", name="Leading teams", kind="behaviour",
                                      scale=sfia, sfia_code="PEMT", indicators={5: "Leads a shift", 7: "Sets policy"})
    services.add_relation(permit, SYSTEM, kind="prerequisite", target=safety)
    services.add_relation(lead, SYSTEM, kind="related", target_uri="http://example.org/skills/teamwork",
                          target_title="Teamwork")
    services.publish(version, SYSTEM)
    return version.framework


@pytest.mark.django_db
def test_a_dictionary_made_here_is_valid_case_1_1(assert_valid_case):
    """Checked against the official schema in the public test data (skipped when it is absent)."""
    build_native_dictionary()
    assert_valid_case(exported("OPS"))


@pytest.mark.django_db
def test_a_dictionary_made_here_keeps_scales_indicators_and_relations_through_case():
    build_native_dictionary()
    before = dictionary_of("OPS")
    package = exported("OPS")
    items = {i["humanCodingScheme"]: i for i in package["CFItems"]}
    assert items["SAF"]["fullStatement"] == "Knowing the safety rules of the site"
    assert items["SAF"]["abbreviatedStatement"] == "Safety"
    assert items["SAF"]["CFItemType"] == "Domain" and items["SAF"]["extensions"]["compms"] == {"kind": "knowledge"}
    rubrics = {r["title"]: r for r in package["CFRubrics"]}
    assert set(rubrics) == {"Proficiency", "SFIA responsibility"}
    lead_criterion = next(c for c in rubrics["SFIA responsibility"]["CFRubricCriteria"]
                          if c.get("CFItemURI", {}).get("title") == "LEAD")
    assert [(lv["position"], lv["quality"], lv["description"]) for lv in lead_criterion["CFRubricCriterionLevels"]] \
        == [(5, "Level 5", "Leads a shift"), (7, "Level 7", "Sets policy")]

    again, _stats = import_case(json.dumps(package), SYSTEM)
    assert not again.changed and Framework.objects.get(code="OPS").versions.count() == 1

    Framework.objects.all().delete()
    import_case(json.dumps(package), SYSTEM)
    assert dictionary_of("OPS") == before


@pytest.mark.django_db
def test_identifiers_stay_the_same_across_versions(case_dir):
    import_case((case_dir / WHAT_STANDARDS).read_bytes(), SYSTEM, publish=True)
    framework = Framework.objects.get(code="WHAT-STANDARDS-COULD-BE")
    draft = services.new_version(framework, SYSTEM)
    services.update_competency(draft.competencies.get(code="CCSS.Math.Content.7.RP.A"), SYSTEM, name="Proportions")
    services.publish(draft, SYSTEM)
    v1, v2 = exported(framework.code, version_number=1), exported(framework.code)
    assert v2["CFDocument"]["version"] == "2"
    assert [i["identifier"] for i in v1["CFItems"]] == [i["identifier"] for i in v2["CFItems"]]
    assert {a["identifier"] for a in v1["CFAssociations"]} == {a["identifier"] for a in v2["CFAssociations"]}
    renamed = next(i for i in v2["CFItems"] if i["humanCodingScheme"] == "CCSS.Math.Content.7.RP.A")
    # The item had only a fullStatement, which became the name: renaming changes the statement.
    assert renamed["fullStatement"] == "Proportions" and "abbreviatedStatement" not in renamed

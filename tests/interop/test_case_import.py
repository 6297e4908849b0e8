"""Importing the real CASE packages in the shared data folder. Every expected number below was
counted by hand in the files themselves."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from compms.access import SYSTEM
from compms.frameworks.models import Competency, Framework, FrameworkVersion, Relation
from compms.interop.case import import_case

from .conftest import depth_of

WHAT_STANDARDS = "opensalt_what_standards_could_be.json"
ACT_MATH = "opensalt_act_holistic_math_ordering.json"
SMARTLEVEL = "opensalt_smartlevel.json"

# file -> (framework code made from the title, items, associations by type, tree depth)
PACKAGES = {
    WHAT_STANDARDS: ("WHAT-STANDARDS-COULD-BE", 16,
                     {"isChildOf": 16, "exactMatchOf": 16, "precedes": 3, "exemplar": 2, "isRelatedTo": 2}, 3),
    ACT_MATH: ("ACT-HOLISTIC-FRAMEWORK-MATH", 28, {"isChildOf": 28}, 5),
    SMARTLEVEL: ("SMARTLEVEL-TEST", 14, {"isChildOf": 14}, 2),
}


def load(case_dir: Path, name: str) -> bytes:
    return (case_dir / name).read_bytes()


def current(code: str) -> FrameworkVersion:
    framework = Framework.objects.get(code=code)
    return framework.draft() or framework.latest_published()


def test_the_shared_folder_holds_the_packages_these_tests_know(case_dir):
    packages = {p.name for p in case_dir.glob("*.json") if "CFDocument" in json.loads(p.read_text())}
    assert packages == set(PACKAGES)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_each_shared_package_imports_with_its_items_associations_and_tree(case_dir, name):
    code, items, by_type, depth = PACKAGES[name]
    outcome, stats = import_case(load(case_dir, name), SYSTEM)
    assert outcome.framework.code == code
    assert stats.items == items and dict(stats.associations) == by_type
    version = current(code)
    assert version.status == "draft" and version.number == 1
    assert version.competencies.count() == items
    # Every association except the tree links is kept as a relation.
    assert Relation.objects.filter(version=version).count() == sum(by_type.values()) - by_type["isChildOf"]
    assert depth_of(code) == depth


@pytest.mark.django_db
def test_what_standards_could_be_keeps_texts_types_and_relations(case_dir):
    import_case(load(case_dir, WHAT_STANDARDS), SYSTEM)
    version = current("WHAT-STANDARDS-COULD-BE")
    framework = version.framework
    assert framework.name == "What Standards Could Be"
    assert str(framework.case_identifier) == "20c5134f-423d-4097-a971-3dd5152bf507"
    assert framework.publisher == "Brandon Dorman"  # the package has a creator and no publisher

    ratio = version.competencies.get(code="CCSS.Math.Content.6.RP.A.1")
    assert str(ratio.uuid) == "b6f61076-aa12-450b-8f9d-b86bc071f85e"
    assert ratio.name == ("Understand the concept of a ratio and use ratio language to describe a ratio "
                          "relationship between two quantities.")
    assert ratio.item_type == "Standard" and ratio.kind == "skill"
    assert ratio.parent.code == "CCSS.Math.Content.6.RP.A"
    assert ratio.extra["case"]["listEnumeration"] == "1."
    assert ratio.extra["case"]["notes"].startswith('For example, "The ratio of wings to beaks')
    assert "educationalLevel" not in ratio.extra["case"]  # a key outside the spec, ignored

    roots = list(version.competencies.filter(parent=None).order_by("sort_order").values_list("code", "sort_order"))
    # The two clusters hang off the document with sequenceNumber "1" and "2" (strings in the file).
    assert roots == [("CCSS.Math.Content.6.RP.A", 1), ("CCSS.Math.Content.7.RP.A", 2)]
    children = list(version.competencies.get(code="CCSS.Math.Content.6.RP.A.3").children.order_by("sort_order")
                    .values_list("code", flat=True))
    assert children == [f"CCSS.Math.Content.6.RP.A.3{letter}" for letter in "abcd"]

    relations = Relation.objects.filter(version=version).select_related("source", "target")
    assert Counter(r.kind for r in relations) == {"exact_match": 16, "prerequisite": 3, "other": 2, "related": 2}
    assert {r.case_type for r in relations if r.kind == "other"} == {"exemplar"}
    # "6.RP.A.1 precedes 6.RP.A.2": source is the origin, i.e. what comes first.
    inside = {(r.source.code, r.target.code) for r in relations if r.kind == "prerequisite" and r.target_id}
    assert inside == {("CCSS.Math.Content.6.RP.A.1", "CCSS.Math.Content.6.RP.A.2"),
                      ("CCSS.Math.Content.6.RP.A.3", "CCSS.Math.Content.7.RP.A.3")}
    # Associations to items outside the package are external references.
    external = relations.get(kind="related", source__code="CCSS.Math.Content.7.RP.A")
    assert external.target_id is None
    assert external.target_identifier == "69901c60-9e78-5cf0-a13e-e6a2ab3d7316"
    assert external.target_uri == "http://opensalt-staging.opened.com/uri/69901c60-9e78-5cf0-a13e-e6a2ab3d7316"
    assert external.target_title == "Destination"
    assert sum(1 for r in relations if r.target_id is None) == 21  # 23 less the two inside


@pytest.mark.django_db
def test_act_math_uses_abbreviated_statements_as_names_and_orders_siblings_naturally(case_dir):
    import_case(load(case_dir, ACT_MATH), SYSTEM)
    version = current("ACT-HOLISTIC-FRAMEWORK-MATH")
    top = version.competencies.get(parent=None)
    assert top.code == "H.A.MATH.GM"
    assert top.name == "Geometry and Measurement"
    assert top.description == ("Properties and measurements of and relationships among two?- and three-dimensional "
                               "shapes")
    level_one = version.competencies.get(code="H.A.MATH.GM.PF.2DFP.L1")
    # The file lists L1.1, L1.10, L1.11, ... with no sequenceNumber: shown as L1.1, L1.2, ..., L1.24.
    order = list(level_one.children.order_by("sort_order").values_list("code", flat=True))
    assert order == [f"H.A.MATH.GM.PF.2DFP.L1.{n}" for n in range(1, 25)]
    eight = version.competencies.get(code="H.A.MATH.GM.PF.2DFP.L1.8")
    assert eight.name == "Informally define two-dimensional figures (e.g., shapes that are flat)"
    assert eight.description == ""


@pytest.mark.django_db
def test_items_without_a_human_code_get_outline_codes(case_dir):
    import_case(load(case_dir, SMARTLEVEL), SYSTEM)
    codes = dict(current("SMARTLEVEL-TEST").competencies.values_list("name", "code"))
    assert codes["Item 1"] == "1" and codes["Item 2"] == "2"
    assert codes["Item 1.10"] == "1.10" and codes["Item 2.2"] == "2.2"
    assert len(set(codes.values())) == 14


@pytest.mark.django_db
def test_the_command_prints_the_framework_and_counts_and_publishes(case_dir):
    out = io.StringIO()
    call_command("import", "case", str(case_dir / WHAT_STANDARDS), "--publish", stdout=out)
    text = out.getvalue()
    assert "framework WHAT-STANDARDS-COULD-BE v1 (published)" in text
    assert "16 items, 39 associations (exactMatchOf 16, isChildOf 16, precedes 3, exemplar 2, isRelatedTo 2)" in text
    assert "added 16" in text
    assert Framework.objects.get(code="WHAT-STANDARDS-COULD-BE").latest_published().number == 1


@pytest.mark.django_db
def test_reimport_updates_in_place_and_never_duplicates(case_dir, tmp_path):
    import_case(load(case_dir, WHAT_STANDARDS), SYSTEM, publish=True)
    package = json.loads(load(case_dir, WHAT_STANDARDS))
    item = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "CCSS.Math.Content.6.RP.A.1")
    item["fullStatement"] = "Understand ratios."

    again, _stats = import_case(json.dumps(package), SYSTEM)
    assert (again.added, again.updated, again.removed) == (0, 1, 0)
    framework = Framework.objects.get(code="WHAT-STANDARDS-COULD-BE")
    draft, published = framework.draft(), framework.latest_published()
    assert (draft.number, published.number) == (2, 1)  # the published version stays as it was
    assert draft.competencies.get(code="CCSS.Math.Content.6.RP.A.1").name == "Understand ratios."
    assert published.competencies.get(code="CCSS.Math.Content.6.RP.A.1").name.startswith("Understand the concept")
    assert draft.competencies.count() == 16 and Relation.objects.filter(version=draft).count() == 23
    assert Framework.objects.count() == 1

    # The same file once more: nothing to do, no third version.
    third, _stats = import_case(json.dumps(package), SYSTEM)
    assert not third.changed and framework.versions.count() == 2
    assert Competency.objects.filter(version=draft).count() == 16


@pytest.mark.django_db
def test_reimport_removes_what_the_package_no_longer_has(case_dir):
    import_case(load(case_dir, WHAT_STANDARDS), SYSTEM)
    package = json.loads(load(case_dir, WHAT_STANDARDS))
    gone = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "CCSS.Math.Content.6.RP.A.3d")
    package["CFItems"].remove(gone)
    package["CFAssociations"] = [a for a in package["CFAssociations"]
                                 if gone["identifier"] not in (a["originNodeURI"]["identifier"],
                                                               a["destinationNodeURI"]["identifier"])]
    outcome, _stats = import_case(json.dumps(package), SYSTEM)
    assert (outcome.added, outcome.updated, outcome.removed, outcome.relations_removed) == (0, 0, 1, 1)
    version = current("WHAT-STANDARDS-COULD-BE")
    assert version.number == 1 and version.competencies.count() == 15
    assert not version.competencies.filter(code="CCSS.Math.Content.6.RP.A.3d").exists()

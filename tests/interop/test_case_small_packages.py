"""CASE import on small packages written here, so a checkout without the public test data still
covers what the tests on the real OpenSALT packages (test_case_import.py) cover: texts, types, the
tree and its order, relations inside and outside the package, outline codes, the command, and
re-imports that update or remove in place."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command

from compms.access import SYSTEM
from compms.frameworks import services
from compms.frameworks.models import Framework, FrameworkVersion, Relation
from compms.interop.base import ImportFailed
from compms.interop.case import export_case, import_case

from .conftest import depth_of, dictionary_of

DOCUMENT = "a0000000-0000-4000-8000-000000000000"
OUTSIDE = "f0000000-0000-4000-8000-000000000099"
STAMP = "2024-05-01T10:00:00+00:00"


def uid(n: int) -> str:
    return f"a0000000-0000-4000-8000-{n:012d}"


def node(identifier: str, title: str = "") -> dict[str, str]:
    return {"identifier": identifier, "uri": f"https://case.example.org/uri/{identifier}", "title": title}


class Package:
    """A CASE package built item by item, as an authoring tool would write it."""

    def __init__(self, title: str, **document: Any) -> None:
        self.document = {"identifier": DOCUMENT, "uri": f"https://case.example.org/uri/{DOCUMENT}", "title": title,
                         "creator": "Pat Author", "lastChangeDateTime": STAMP, **document}
        self.items: list[dict[str, Any]] = []
        self.associations: list[dict[str, Any]] = []

    def item(self, n: int, parent: int | None = None, sequence: Any = None, **fields: Any) -> None:
        self.items.append({"identifier": uid(n), "uri": f"https://case.example.org/uri/{uid(n)}",
                           "lastChangeDateTime": STAMP, **fields})
        extra = {"sequenceNumber": sequence} if sequence is not None else {}
        self.associate("isChildOf", uid(n), uid(parent) if parent else DOCUMENT, **extra)

    def associate(self, kind: str, origin: str, destination: str, title: str = "", **fields: Any) -> None:
        n = len(self.associations) + 1
        self.associations.append({"identifier": f"b0000000-0000-4000-8000-{n:012d}",
                                  "uri": f"https://case.example.org/uri/assoc-{n}", "associationType": kind,
                                  "originNodeURI": node(origin), "destinationNodeURI": node(destination, title),
                                  "lastChangeDateTime": STAMP, **fields})

    def json(self) -> str:
        return json.dumps({"CFDocument": self.document, "CFItems": self.items, "CFAssociations": self.associations})


def ratios() -> Package:
    """Two clusters (sequence numbers given as strings, listed out of order), standards under them,
    four sub-standards, and relations of every kind, one of them to an item outside the package."""
    package = Package("Ratios and Rates")
    package.item(2, sequence="2", humanCodingScheme="RP.B", fullStatement="Rates", CFItemType="Cluster")
    package.item(1, sequence="1", humanCodingScheme="RP.A", fullStatement="Ratios", CFItemType="Cluster")
    package.item(10, parent=1, sequence=1, humanCodingScheme="RP.A.1", CFItemType="Standard",
                 fullStatement="Understand the concept of a ratio.", listEnumeration="1.",
                 notes="For example, wings to beaks.", educationalLevel=["06"])
    package.item(11, parent=1, sequence=2, humanCodingScheme="RP.A.2", fullStatement="Use unit rates.",
                 CFItemType="Standard")
    package.item(20, parent=2, sequence=1, humanCodingScheme="RP.B.1", fullStatement="Compute unit rates.",
                 CFItemType="Standard")
    for letter, sequence in zip("abcd", (1, 2, 3, 4), strict=True):
        package.item(100 + sequence, parent=11, sequence=sequence, humanCodingScheme=f"RP.A.2{letter}",
                     fullStatement=f"Part {letter}.")
    package.associate("precedes", uid(10), uid(11))
    package.associate("exemplar", uid(20), uid(101))
    package.associate("isRelatedTo", uid(1), OUTSIDE, title="Proportional reasoning")
    package.associate("exactMatchOf", uid(20), "f0000000-0000-4000-8000-000000000098", title="Elsewhere")
    return package


def current(code: str) -> FrameworkVersion:
    framework = Framework.objects.get(code=code)
    return framework.draft() or framework.latest_published()


@pytest.mark.django_db
def test_a_package_imports_with_its_texts_types_tree_and_relations():
    outcome, stats = import_case(ratios().json(), SYSTEM)
    assert outcome.framework.code == "RATIOS-AND-RATES"
    assert stats.items == 9
    assert dict(stats.associations) == {"isChildOf": 9, "precedes": 1, "exemplar": 1, "isRelatedTo": 1,
                                        "exactMatchOf": 1}
    version = current("RATIOS-AND-RATES")
    assert (version.status, version.number, version.competencies.count()) == ("draft", 1, 9)
    assert version.framework.publisher == "Pat Author"  # a creator and no publisher
    assert str(version.framework.case_identifier) == DOCUMENT
    assert depth_of("RATIOS-AND-RATES") == 3

    ratio = version.competencies.get(code="RP.A.1")
    assert (str(ratio.uuid), ratio.name, ratio.item_type, ratio.parent.code) == (
        uid(10), "Understand the concept of a ratio.", "Standard", "RP.A")
    assert ratio.extra["case"]["listEnumeration"] == "1."
    assert ratio.extra["case"]["notes"] == "For example, wings to beaks."
    assert "educationalLevel" not in ratio.extra["case"]  # outside the spec (the spec says educationLevel)
    roots = list(version.competencies.filter(parent=None).order_by("sort_order").values_list("code", "sort_order"))
    assert roots == [("RP.A", 1), ("RP.B", 2)]
    parts = version.competencies.get(code="RP.A.2").children.order_by("sort_order").values_list("code", flat=True)
    assert list(parts) == ["RP.A.2a", "RP.A.2b", "RP.A.2c", "RP.A.2d"]

    relations = Relation.objects.filter(version=version).select_related("source", "target")
    assert Counter(r.kind for r in relations) == {"prerequisite": 1, "other": 1, "related": 1, "exact_match": 1}
    assert {(r.source.code, r.target.code) for r in relations if r.target_id} == {("RP.A.1", "RP.A.2"),
                                                                                   ("RP.B.1", "RP.A.2a")}
    assert relations.get(kind="other").case_type == "exemplar"
    external = relations.get(kind="related")
    assert (external.target_id, external.target_identifier, external.target_title) == (
        None, OUTSIDE, "Proportional reasoning")
    assert external.target_uri == f"https://case.example.org/uri/{OUTSIDE}"


@pytest.mark.django_db
def test_abbreviated_statements_become_names_and_siblings_sort_naturally():
    package = Package("Geometry")
    package.item(1, humanCodingScheme="GM", abbreviatedStatement="Geometry and Measurement",
                 fullStatement="Properties of shapes")
    for n in (1, 10, 11, 2, 3):  # the order an export sorted as text would give, no sequence numbers
        package.item(10 + n, parent=1, humanCodingScheme=f"GM.L1.{n}", fullStatement=f"Skill {n}")
    import_case(package.json(), SYSTEM)
    version = current("GEOMETRY")
    top = version.competencies.get(parent=None)
    assert (top.name, top.description) == ("Geometry and Measurement", "Properties of shapes")
    order = top.children.order_by("sort_order").values_list("code", flat=True)
    assert list(order) == ["GM.L1.1", "GM.L1.2", "GM.L1.3", "GM.L1.10", "GM.L1.11"]
    two = version.competencies.get(code="GM.L1.2")
    assert (two.name, two.description) == ("Skill 2", "")


@pytest.mark.django_db
def test_items_without_a_human_code_get_outline_codes():
    package = Package("Outline")
    package.item(1, sequence=1, fullStatement="Item 1")
    package.item(2, sequence=2, fullStatement="Item 2")
    for n in range(1, 11):
        package.item(10 + n, parent=1, sequence=n, fullStatement=f"Item 1.{n}")
    package.item(30, parent=2, sequence=1, fullStatement="Item 2.1")
    import_case(package.json(), SYSTEM)
    codes = dict(current("OUTLINE").competencies.values_list("name", "code"))
    assert (codes["Item 1"], codes["Item 2"], codes["Item 1.10"], codes["Item 2.1"]) == ("1", "2", "1.10", "2.1")
    assert len(set(codes.values())) == 13


@pytest.mark.django_db
def test_the_command_prints_the_framework_and_counts_and_publishes(tmp_path):
    path = tmp_path / "ratios.json"
    path.write_text(ratios().json())
    out = io.StringIO()
    call_command("import", "case", str(path), "--publish", stdout=out)
    text = out.getvalue()
    assert "framework RATIOS-AND-RATES v1 (published)" in text
    assert "9 items, 13 associations (isChildOf 9, exactMatchOf 1, exemplar 1, isRelatedTo 1, precedes 1)" in text
    assert "added 9" in text
    assert Framework.objects.get(code="RATIOS-AND-RATES").latest_published().number == 1


@pytest.mark.django_db
def test_reimport_updates_in_place_and_never_duplicates():
    import_case(ratios().json(), SYSTEM, publish=True)
    changed = ratios()
    next(i for i in changed.items if i["humanCodingScheme"] == "RP.A.1")["fullStatement"] = "Understand ratios."

    again, _stats = import_case(changed.json(), SYSTEM)
    assert (again.added, again.updated, again.removed) == (0, 1, 0)
    framework = Framework.objects.get(code="RATIOS-AND-RATES")
    draft, published = framework.draft(), framework.latest_published()
    assert (draft.number, published.number) == (2, 1)  # the published version stays as it was
    assert draft.competencies.get(code="RP.A.1").name == "Understand ratios."
    assert published.competencies.get(code="RP.A.1").name == "Understand the concept of a ratio."
    assert draft.competencies.count() == 9 and Relation.objects.filter(version=draft).count() == 4

    third, _stats = import_case(changed.json(), SYSTEM)
    assert not third.changed and framework.versions.count() == 2 and Framework.objects.count() == 1


@pytest.mark.django_db
def test_reimport_removes_what_the_package_no_longer_has():
    import_case(ratios().json(), SYSTEM)
    smaller = ratios()
    gone = next(i for i in smaller.items if i["humanCodingScheme"] == "RP.A.2a")
    smaller.items.remove(gone)
    smaller.associations = [a for a in smaller.associations
                            if gone["identifier"] not in (a["originNodeURI"]["identifier"],
                                                          a["destinationNodeURI"]["identifier"])]
    outcome, _stats = import_case(smaller.json(), SYSTEM)
    assert (outcome.added, outcome.updated, outcome.removed, outcome.relations_removed) == (0, 0, 1, 1)
    version = current("RATIOS-AND-RATES")
    assert version.number == 1 and version.competencies.count() == 8
    assert not version.competencies.filter(code="RP.A.2a").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("content", [ratios().json()[:-200].encode(), b'{"type": "object", "properties": {}}'])
def test_truncated_json_or_a_file_that_is_not_a_package_is_refused(content):
    with pytest.raises(ImportFailed) as failure:
        import_case(content, SYSTEM)
    assert failure.value.errors and Framework.objects.count() == 0


@pytest.mark.django_db
def test_identifiers_stay_the_same_across_versions():
    import_case(ratios().json(), SYSTEM, publish=True)
    framework = Framework.objects.get(code="RATIOS-AND-RATES")
    draft = services.new_version(framework, SYSTEM)
    services.update_competency(draft.competencies.get(code="RP.B"), SYSTEM, name="Rates of change")
    services.publish(draft, SYSTEM)
    v1 = json.loads(export_case(framework.code, version_number=1)[0])
    v2 = json.loads(export_case(framework.code)[0])
    assert v2["CFDocument"]["version"] == "2"
    assert [i["identifier"] for i in v1["CFItems"]] == [i["identifier"] for i in v2["CFItems"]]
    assert {a["identifier"] for a in v1["CFAssociations"]} == {a["identifier"] for a in v2["CFAssociations"]}
    renamed = next(i for i in v2["CFItems"] if i["humanCodingScheme"] == "RP.B")
    assert renamed["fullStatement"] == "Rates of change"


def outline() -> Package:
    package = Package("Outline", version="3")
    package.item(1, sequence=1, fullStatement="Item 1", abbreviatedStatement="One", CFItemType="Domain")
    package.item(2, parent=1, sequence=1, fullStatement="Item 1.1", language="en")
    return package


@pytest.mark.django_db
@pytest.mark.parametrize("make", [ratios, outline])
def test_export_gives_back_what_came_in_and_survives_a_fresh_import(make):
    original = json.loads(make().json())
    outcome, _stats = import_case(json.dumps(original), SYSTEM)
    code = outcome.framework.code
    before = dictionary_of(code)
    package = json.loads(export_case(code)[0])
    assert package["CFDocument"]["caseVersion"] == "1.1"

    items = {i["identifier"]: i for i in package["CFItems"]}
    assert set(items) == {i["identifier"] for i in original["CFItems"]}
    for source in original["CFItems"]:
        kept = {k: v for k, v in source.items() if k != "educationalLevel"}  # outside the spec: dropped
        out = items[source["identifier"]]
        # Everything given comes back; the export adds only the item type's URI it made.
        assert set(kept) <= set(out) and set(out) - set(kept) <= {"CFItemTypeURI"}, source["identifier"]
        for key, value in kept.items():
            assert (out[key][:19] if key == "lastChangeDateTime" else out[key]) == (
                value[:19] if key == "lastChangeDateTime" else value), (source["identifier"], key)
    associations = {a["identifier"]: a for a in package["CFAssociations"]}
    assert set(associations) == {a["identifier"] for a in original["CFAssociations"]}
    for source in original["CFAssociations"]:
        out = associations[source["identifier"]]
        assert (out["associationType"], out["originNodeURI"]["identifier"],
                out["destinationNodeURI"]["identifier"]) == (source["associationType"],
                                                             source["originNodeURI"]["identifier"],
                                                             source["destinationNodeURI"]["identifier"])
        if source.get("sequenceNumber") is not None:
            assert out["sequenceNumber"] == int(source["sequenceNumber"])

    again, _stats = import_case(json.dumps(package), SYSTEM)
    assert not again.changed  # into the same database: nothing changes
    Framework.objects.all().delete()
    import_case(json.dumps(package), SYSTEM)  # into an empty one: the same dictionary
    assert dictionary_of(code) == before

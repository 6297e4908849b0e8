"""The competency dictionary through the REST API, as a script or integration would use it.

Who may call what is covered table-wise in tests/accounts/test_access_matrix.py; here the
competency manager does the writing and the facts checked are what a client sees.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compms.access import SYSTEM
from compms.audit.models import AuditEntry
from compms.frameworks import services
from compms.frameworks.models import Competency, Framework, FrameworkVersion

pytestmark = pytest.mark.django_db

BASE = "/api/v1/frameworks"


@pytest.fixture
def editor(api):
    return api("competency_manager")


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def build_ops_tree(editor) -> None:
    """OPS v1 (draft): SAF > (SAF.01, SAF.02) and ELEC > ELEC.01, added through the API."""
    assert editor.post(BASE, {"code": "OPS", "name": "Operations"}).status_code == 201
    for body in (
        {"code": "SAF", "name": "Operations safety", "kind": "knowledge", "item_type": "Domain"},
        {"code": "SAF.01", "name": "Permit to work", "parent": "SAF",
         "indicators": {"1": "Knows when a permit is needed", "3": "Issues permits"}},
        {"code": "SAF.02", "name": "Isolation", "parent": "SAF"},
        {"code": "ELEC", "name": "Electrical work", "kind": "knowledge", "item_type": "Domain"},
        {"code": "ELEC.01", "name": "Live working", "parent": "ELEC", "kind": "behaviour"},
    ):
        response = editor.post(f"{BASE}/OPS/competencies", body)
        assert response.status_code == 201, response.content


# ---------------------------------------------------------------- building and reading a dictionary

def test_a_new_framework_starts_as_a_draft_with_the_standard_scale(editor):
    response = editor.post(BASE, {"code": "OPS", "name": "Operations", "description": "Plant operations"})

    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "OPS" and body["description"] == "Plant operations"
    assert [(v["number"], v["status"], v["competency_count"]) for v in body["versions"]] == [(1, "draft", 0)]
    assert body["default_version"] == 1
    scales = editor.get(f"{BASE}/OPS/scales").json()
    assert [(lvl["value"], lvl["name"]) for lvl in scales[0]["levels"]] == [
        (0, "None"), (1, "Awareness"), (2, "Working"), (3, "Practitioner"), (4, "Advanced"), (5, "Expert")]
    assert scales[0]["is_default"] is True


def test_a_framework_can_bring_its_own_levels(editor):
    levels = [{"value": 0, "name": "None"}, {"value": 1, "name": "Follows", "descriptor": "Under supervision"},
              {"value": 2, "name": "Assists"}, {"value": 3, "name": "Applies", "descriptor": "Alone"}]
    response = editor.post(BASE, {"code": "SFIA-LIKE", "name": "Digital", "scale_name": "Responsibility",
                                  "levels": levels})

    assert response.status_code == 201
    scale = editor.get(f"{BASE}/SFIA-LIKE/scales").json()[0]
    assert scale["name"] == "Responsibility"
    assert [(lvl["value"], lvl["name"], lvl["descriptor"]) for lvl in scale["levels"]] == [
        (0, "None", ""), (1, "Follows", "Under supervision"), (2, "Assists", ""), (3, "Applies", "Alone")]


def test_competencies_form_a_tree_that_lists_and_filters_by_parent(editor):
    build_ops_tree(editor)

    assert codes(editor.get(f"{BASE}/OPS/competencies")) == ["ELEC", "ELEC.01", "SAF", "SAF.01", "SAF.02"]
    assert codes(editor.get(f"{BASE}/OPS/competencies", parent="SAF")) == ["SAF.01", "SAF.02"]
    assert codes(editor.get(f"{BASE}/OPS/competencies", top_level="true")) == ["ELEC", "SAF"]
    assert codes(editor.get(f"{BASE}/OPS/competencies", parent="NO-SUCH")) == []
    row = editor.get(f"{BASE}/OPS/competencies", q="SAF.01").json()["items"][0]
    assert row["parent"] == "SAF" and row["children_count"] == 0


def test_competency_detail_has_indicators_scale_children_and_relations(editor):
    build_ops_tree(editor)
    editor.post(f"{BASE}/OPS/competencies/SAF.02/relations", {"kind": "prerequisite", "target": "SAF.01"})

    domain = editor.get(f"{BASE}/OPS/competencies/SAF").json()
    permit = editor.get(f"{BASE}/OPS/competencies/SAF.01").json()
    isolation = editor.get(f"{BASE}/OPS/competencies/SAF.02").json()

    assert domain["children"] == ["SAF.01", "SAF.02"] and domain["children_count"] == 2
    assert domain["kind"] == "knowledge" and domain["item_type"] == "Domain" and domain["parent"] is None
    assert permit["parent"] == "SAF"
    assert permit["indicators"] == {"1": "Knows when a permit is needed", "3": "Issues permits"}
    assert permit["scale"]["code"] == "default" and len(permit["scale"]["levels"]) == 6
    assert (permit["framework"], permit["version"], permit["version_status"]) == ("OPS", 1, "draft")
    assert [(r["kind"], r["target"]) for r in isolation["relations"]] == [("prerequisite", "SAF.01")]
    assert [(r["kind"], r["source"]) for r in permit["related_from"]] == [("prerequisite", "SAF.02")]


def test_publishing_freezes_the_version_and_edits_name_its_status(editor):
    build_ops_tree(editor)

    published = editor.post(f"{BASE}/OPS/versions/1/publish")
    assert published.status_code == 200
    assert published.json()["status"] == "published" and published.json()["published_at"]

    # With no draft the write has nowhere to go, and the answer says how to make one.
    response = editor.post(f"{BASE}/OPS/competencies", {"code": "NEW", "name": "New"})
    assert response.status_code == 400
    assert "no draft" in response.json()["detail"]["version"][0]
    assert "/api/v1/frameworks/OPS/versions" in response.json()["detail"]["version"][0]
    # Naming the published version outright is refused with its status.
    for response in (editor.patch(f"{BASE}/OPS/competencies/SAF.01?version=1", {"name": "Changed"}),
                     editor.delete(f"{BASE}/OPS/competencies/SAF.01?version=1"),
                     editor.post(f"{BASE}/OPS/competencies/SAF.01/relations?version=1",
                                 {"kind": "related", "target": "SAF.02"})):
        assert response.status_code == 400
        assert "is published" in response.json()["detail"]["version"][0]
    assert editor.get(f"{BASE}/OPS/competencies/SAF.01").json()["name"] == "Permit to work"
    assert Competency.objects.filter(version__framework__code="OPS").count() == 5


def test_new_version_copies_keep_uuids_and_compare_shows_the_changes(editor):
    build_ops_tree(editor)
    editor.post(f"{BASE}/OPS/versions/1/publish")
    v1 = {c["code"]: c["uuid"] for c in editor.get(f"{BASE}/OPS/competencies").json()["items"]}

    copied = editor.post(f"{BASE}/OPS/versions")
    assert copied.status_code == 201
    assert (copied.json()["number"], copied.json()["status"], copied.json()["competency_count"]) == (2, "draft", 5)
    assert copied.json()["notes"] == "Copied from v1"
    v2 = {c["code"]: c["uuid"] for c in editor.get(f"{BASE}/OPS/competencies", version=2).json()["items"]}
    assert v2 == v1

    # Edit the draft: rename one, move one, remove one, add one.
    assert editor.patch(f"{BASE}/OPS/competencies/SAF.01", {"name": "Permit to work (issuer)"}).status_code == 200
    assert editor.patch(f"{BASE}/OPS/competencies/ELEC.01", {"parent": "SAF"}).status_code == 200
    assert editor.delete(f"{BASE}/OPS/competencies/SAF.02").status_code == 204
    assert editor.post(f"{BASE}/OPS/competencies", {"code": "SAF.03", "name": "Confined spaces",
                                                    "parent": "SAF"}).status_code == 201

    diff = editor.get(f"{BASE}/OPS/versions/1/compare/2").json()
    assert [c["code"] for c in diff["added"]] == ["SAF.03"]
    assert [c["code"] for c in diff["removed"]] == ["SAF.02"]
    assert [(c["code"], c["fields"]) for c in diff["changed"]] == [("ELEC.01", ["parent"]), ("SAF.01", ["name"])]
    assert diff["changed"][1]["uuid"] == v1["SAF.01"]

    # Readers still see v1 until v2 is published; then v2 becomes the default.
    assert "SAF.02" in codes(editor.get(f"{BASE}/OPS/competencies"))
    assert editor.get(f"{BASE}/OPS/competencies/SAF.01").json()["name"] == "Permit to work"
    assert editor.post(f"{BASE}/OPS/versions/2/publish").status_code == 200
    assert codes(editor.get(f"{BASE}/OPS/competencies")) == ["ELEC", "ELEC.01", "SAF", "SAF.01", "SAF.03"]
    assert editor.get(f"{BASE}/OPS").json()["default_version"] == 2


def test_a_second_draft_is_refused_and_retire_only_takes_published_versions(editor):
    build_ops_tree(editor)

    response = editor.post(f"{BASE}/OPS/versions")
    assert response.status_code == 400
    assert response.json()["detail"]["version"] == ["OPS already has a draft (v1)."]
    assert editor.post(f"{BASE}/OPS/versions/1/retire").status_code == 400
    editor.post(f"{BASE}/OPS/versions/1/publish")
    retired = editor.post(f"{BASE}/OPS/versions/1/retire")
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    # Only a retired version is left: readers still get it rather than nothing.
    assert editor.get(f"{BASE}/OPS").json()["default_version"] == 1
    assert len(codes(editor.get(f"{BASE}/OPS/competencies"))) == 5


def test_new_version_can_copy_a_named_version(editor):
    build_ops_tree(editor)
    editor.post(f"{BASE}/OPS/versions/1/publish")
    editor.post(f"{BASE}/OPS/versions")
    editor.delete(f"{BASE}/OPS/competencies/ELEC")
    editor.post(f"{BASE}/OPS/versions/2/publish")

    response = editor.post(f"{BASE}/OPS/versions?from_version=1")

    assert response.status_code == 201
    assert response.json()["number"] == 3 and response.json()["notes"] == "Copied from v1"
    assert "ELEC" in codes(editor.get(f"{BASE}/OPS/competencies", version=3))


def test_new_version_needs_no_request_body(editor, cast):
    from django.test import Client

    build_ops_tree(editor)
    editor.post(f"{BASE}/OPS/versions/1/publish")
    client = Client()
    client.force_login(cast.competency_manager)

    response = client.post(f"{BASE}/OPS/versions")

    assert response.status_code == 201 and response.json()["number"] == 2


# ---------------------------------------------------------------- changing competencies

def test_patch_changes_only_the_fields_sent(editor):
    build_ops_tree(editor)
    editor.patch(f"{BASE}/OPS/competencies/SAF.01", {"description": "Issue and close permits."})

    response = editor.patch(f"{BASE}/OPS/competencies/SAF.01", {"code": "SAF.10", "indicators": {"2": "Checks"}})

    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["parent"]) == ("SAF.10", "Permit to work", "SAF")
    assert body["description"] == "Issue and close permits."
    assert body["indicators"] == {"2": "Checks"}
    assert editor.get(f"{BASE}/OPS/competencies/SAF.01").status_code == 404


def test_put_replaces_the_whole_competency(editor):
    build_ops_tree(editor)
    editor.patch(f"{BASE}/OPS/competencies/SAF.01", {"description": "Old text", "sfia_code": "PTW"})

    response = editor.put(f"{BASE}/OPS/competencies/SAF.01", {"code": "SAF.01", "name": "Permits",
                                                              "kind": "knowledge"})

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["kind"], body["description"], body["sfia_code"]) == ("Permits", "knowledge", "", "")
    assert body["parent"] is None and body["indicators"] == {}
    assert codes(editor.get(f"{BASE}/OPS/competencies", top_level="true")) == ["ELEC", "SAF", "SAF.01"]


def test_deleting_a_branch_removes_its_subtree(editor):
    build_ops_tree(editor)

    assert editor.delete(f"{BASE}/OPS/competencies/SAF").status_code == 204

    assert codes(editor.get(f"{BASE}/OPS/competencies")) == ["ELEC", "ELEC.01"]


def test_a_competency_cannot_move_under_its_own_child(editor):
    build_ops_tree(editor)

    response = editor.patch(f"{BASE}/OPS/competencies/SAF", {"parent": "SAF.01"})

    assert response.status_code == 400
    assert "parent" in response.json()["detail"]
    assert editor.get(f"{BASE}/OPS/competencies/SAF").json()["parent"] is None


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"code": "SAF.01", "name": "Twice"}, "code", "already used in OPS v1"),
    ({"code": "X", "name": ""}, "name", "needs a name"),
    ({"code": "X", "name": "X", "kind": "talent"}, "kind", "skill, knowledge, behaviour"),
    ({"code": "X", "name": "X", "parent": "NOPE"}, "parent", "No competency 'NOPE' in OPS v1"),
    ({"code": "X", "name": "X", "scale": "sfia"}, "scale", "No scale 'sfia' in OPS v1"),
    ({"code": "X", "name": "X", "indicators": {"9": "Too high"}}, "indicators", "Level 9 is beyond"),
])
def test_invalid_competencies_are_refused_by_field(editor, body, field, words):
    build_ops_tree(editor)

    response = editor.post(f"{BASE}/OPS/competencies", body)

    assert response.status_code == 400
    assert words in " ".join(response.json()["detail"][field])
    assert Competency.objects.count() == 5


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "OPS", "name": "Again"}, "code"),
    ({"code": "has space", "name": "Bad code"}, "code"),
    ({"code": "NEW", "name": "  "}, "name"),
    ({"code": "NEW", "name": "Gappy", "levels": [{"value": 0, "name": "None"}, {"value": 2, "name": "Two"}]},
     "levels"),
])
def test_invalid_frameworks_are_refused_by_field(editor, body, field):
    editor.post(BASE, {"code": "OPS", "name": "Operations"})

    response = editor.post(BASE, body)

    assert response.status_code == 400
    assert field in response.json()["detail"]
    assert list(Framework.objects.values_list("code", flat=True)) == ["OPS"]


def test_unknown_things_answer_404(editor):
    build_ops_tree(editor)

    for path in (f"{BASE}/NOPE", f"{BASE}/NOPE/competencies", f"{BASE}/OPS/versions/7",
                 f"{BASE}/OPS/versions/1/compare/7", f"{BASE}/OPS/competencies/NOPE",
                 f"{BASE}/OPS/competencies?version=7", f"{BASE}/OPS/scales?version=7"):
        response = editor.get(path)
        assert response.status_code == 404, path
        assert response.json()["detail"]
    assert editor.get(f"{BASE}/OPS/competencies/NOPE").json()["detail"] == "No competency 'NOPE' in OPS v1."
    assert editor.patch(f"{BASE}/OPS/competencies/NOPE", {"name": "x"}).status_code == 404
    assert editor.delete(f"{BASE}/OPS/competencies/NOPE").status_code == 404
    assert editor.post(f"{BASE}/NOPE/versions/1/publish").status_code == 404


# ---------------------------------------------------------------- relations

def test_relations_inside_across_frameworks_and_to_the_outside(editor):
    build_ops_tree(editor)
    editor.post(BASE, {"code": "LEAD", "name": "Leadership"})
    editor.post(f"{BASE}/LEAD/competencies", {"code": "L1", "name": "Safety leadership", "kind": "behaviour"})
    # Relations across frameworks may only point at published competencies, which cannot change.
    assert editor.post(f"{BASE}/LEAD/versions/1/publish").status_code == 200

    inside = editor.post(f"{BASE}/OPS/competencies/SAF.01/relations", {"kind": "related", "target": "SAF.02"})
    across = editor.post(f"{BASE}/OPS/competencies/SAF.01/relations",
                         {"kind": "broader", "target": "L1", "target_framework": "LEAD"})
    outside = editor.post(f"{BASE}/OPS/competencies/SAF.01/relations",
                          {"kind": "exact_match", "target_uri": "http://data.europa.eu/esco/skill/x",
                           "target_title": "issue permits"})

    assert [r.status_code for r in (inside, across, outside)] == [201, 201, 201]
    assert (across.json()["target_framework"], across.json()["target_version"]) == ("LEAD", 1)
    relations = editor.get(f"{BASE}/OPS/competencies/SAF.01").json()["relations"]
    assert sorted((r["kind"], r["target"] or r["target_title"]) for r in relations) == [
        ("broader", "L1"), ("exact_match", "issue permits"), ("related", "SAF.02")]
    assert [r["source"] for r in editor.get(f"{BASE}/LEAD/competencies/L1").json()["related_from"]] == ["SAF.01"]

    assert editor.delete(f"{BASE}/OPS/competencies/SAF.01/relations?kind=related&target=SAF.02").status_code == 204
    assert editor.delete(f"{BASE}/OPS/competencies/SAF.01/relations?uuid={outside.json()['uuid']}").status_code \
        == 204
    remaining = editor.get(f"{BASE}/OPS/competencies/SAF.01").json()["relations"]
    assert [(r["kind"], r["target"]) for r in remaining] == [("broader", "L1")]


def test_bad_relations_are_refused(editor):
    build_ops_tree(editor)
    url = f"{BASE}/OPS/competencies/SAF.01/relations"

    assert editor.post(url, {"kind": "related", "target": "SAF.01"}).json()["detail"]["target"] == [
        "A competency cannot relate to itself."]
    assert "kind" in editor.post(url, {"kind": "likes", "target": "SAF.02"}).json()["detail"]
    assert "target" in editor.post(url, {"kind": "related"}).json()["detail"]
    assert "target" in editor.post(url, {"kind": "related", "target": "NOPE"}).json()["detail"]
    assert "target_framework" in editor.post(url, {"kind": "related", "target": "L1",
                                                   "target_framework": "NOPE"}).json()["detail"]
    assert editor.delete(f"{url}?kind=related&target=SAF.02").status_code == 404
    assert editor.delete(url).status_code == 400
    assert editor.get(f"{BASE}/OPS/competencies/SAF.01").json()["relations"] == []


# ---------------------------------------------------------------- lists, filters, pagination, search

def make_framework(code: str, names: list[tuple[str, str, str]], publish: bool = True) -> FrameworkVersion:
    """A framework built straight through the services, for list and search tests."""
    version = services.create_framework(code=code, name=f"{code} framework", actor=SYSTEM)
    for comp_code, name, kind in names:
        services.create_competency(version, SYSTEM, code=comp_code, name=name, kind=kind)
    if publish:
        services.publish(version, SYSTEM)
    return version


def test_competency_lists_are_paginated_and_filtered(editor):
    make_framework("BIG", [(f"C{n:02d}", f"Competency {n}", "knowledge" if n % 3 == 0 else "skill")
                           for n in range(1, 13)])

    first = editor.get(f"{BASE}/BIG/competencies", page_size=5).json()
    last = editor.get(f"{BASE}/BIG/competencies", page_size=5, page=3).json()

    assert first["count"] == 12 and [c["code"] for c in first["items"]] == ["C01", "C02", "C03", "C04", "C05"]
    assert [c["code"] for c in last["items"]] == ["C11", "C12"]
    assert codes(editor.get(f"{BASE}/BIG/competencies", kind="knowledge")) == ["C03", "C06", "C09", "C12"]
    assert codes(editor.get(f"{BASE}/BIG/competencies", q="competency 1")) == ["C01", "C10", "C11", "C12"]
    assert codes(editor.get(f"{BASE}/BIG/competencies", q="competency 1", kind="knowledge")) == ["C12"]
    response = editor.get(f"{BASE}/BIG/competencies", kind="talent")
    assert response.status_code == 400 and "kind" in response.json()["detail"]


def test_framework_list_filters_by_version_status_and_text(editor):
    make_framework("ALPHA", [("A1", "Welding", "skill")])
    make_framework("BETA", [("B1", "Rigging", "skill")], publish=False)
    old = make_framework("GAMMA", [("G1", "Scaffolding", "skill")])
    services.retire(old, SYSTEM)

    listed = editor.get(BASE).json()
    assert listed["count"] == 3
    assert [(f["code"], f["published_version"], f["draft_version"]) for f in listed["items"]] == [
        ("ALPHA", 1, None), ("BETA", None, 1), ("GAMMA", None, None)]
    assert codes(editor.get(BASE, status="draft")) == ["BETA"]
    assert codes(editor.get(BASE, status="published")) == ["ALPHA"]
    assert codes(editor.get(BASE, status="retired")) == ["GAMMA"]
    assert codes(editor.get(BASE, q="gam")) == ["GAMMA"]
    assert codes(editor.get(BASE, page_size=2, page=2)) == ["GAMMA"]
    assert editor.get(BASE, status="frozen").status_code == 400


def test_search_finds_competencies_across_frameworks_in_their_default_version(editor):
    alpha = make_framework("ALPHA", [("A1", "Permit to work", "skill"), ("A2", "Welding", "skill")])
    make_framework("BETA", [("B1", "Permit issuing", "knowledge")], publish=False)
    draft = services.new_version(alpha.framework, SYSTEM)
    services.create_competency(draft, SYSTEM, code="A3", name="Permit audits")

    response = editor.get("/api/v1/competencies/search", q="permit")

    assert response.status_code == 200
    # ALPHA's default is still v1 (A3 exists only in its draft); BETA has only a draft.
    assert [(h["framework"], h["version"], h["code"]) for h in response.json()["items"]] == [
        ("ALPHA", 1, "A1"), ("BETA", 1, "B1")]
    assert [h["code"] for h in editor.get("/api/v1/competencies/search", q="permit",
                                          kind="knowledge").json()["items"]] == ["B1"]
    assert editor.get("/api/v1/competencies/search", q="  ").status_code == 400


def test_lists_cost_the_same_queries_whatever_their_length(editor):
    make_framework("SMALL", [(f"S{n:02d}", f"Small {n}", "skill") for n in range(5)])
    make_framework("LARGE", [(f"L{n:02d}", f"Large {n}", "skill") for n in range(50)])
    editor.get(f"{BASE}/SMALL/competencies")  # warm the token's last-used stamp

    def queries_for(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert editor.get(path).status_code == 200
        return len(captured)

    assert queries_for(f"{BASE}/SMALL/competencies") == queries_for(f"{BASE}/LARGE/competencies")
    two_frameworks = queries_for(BASE)
    for code in ("MORE1", "MORE2", "MORE3"):
        make_framework(code, [("X", "X", "skill")])
    assert queries_for(BASE) == two_frameworks


# ---------------------------------------------------------------- audit and sessions

def test_api_writes_are_audited_under_the_caller(editor, cast):
    build_ops_tree(editor)

    entry = AuditEntry.objects.filter(action="competency.create", object_repr__startswith="SAF.01").get()

    assert entry.actor_id == cast.competency_manager.pk
    assert entry.after["indicators"] == {"1": "Knows when a permit is needed", "3": "Issues permits"}


def test_a_logged_in_browser_session_can_read_the_api(login_client, editor):
    build_ops_tree(editor)

    assert login_client("employee").get(f"{BASE}/OPS/competencies/SAF").json()["children"] == ["SAF.01", "SAF.02"]


# ---------------------------------------------------------------- OpenAPI document and docs page

def test_openapi_document_is_consistent(client):
    from jsonschema import Draft202012Validator

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")

    def resolve(ref: str) -> Any:
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(document):
        assert ref.startswith("#/"), ref
        resolve(ref)  # raises KeyError when it points nowhere
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    operation_ids = []
    dictionary_operations = 0
    for path, operations in document["paths"].items():
        declared = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            operation_ids.append(operation["operationId"])
            dictionary_operations += operation.get("tags") == ["frameworks"]
            assert operation["responses"], (method, path)
            in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert in_path == declared, (method, path)
    assert len(operation_ids) == len(set(operation_ids))
    assert dictionary_operations == 18


def test_docs_page_loads_swagger_from_this_server_only(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"} <= set(assets)
    assert not re.search(r"https?://", html)  # nothing fetched from a CDN
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content if served.streaming else [served.content])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_offline_in_a_browser(page, live_server):
    outside: list[str] = []

    def only_this_server(route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto("/api/v1/docs")

    # Swagger UI is a 1.4 MB script: give a busy CI machine time to parse it.
    page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)
    assert "CompMS API" in page.inner_text(".swagger-ui .info .title")
    page.get_by_text("/api/v1/frameworks/{code}/competencies", exact=True).first.wait_for(timeout=30_000)
    assert outside == []

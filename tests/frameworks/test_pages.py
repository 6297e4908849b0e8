"""The competency dictionary pages, as the cast sees them: who sees edit controls, who may post,
what a draft/published version allows, what the tree, search, competency and compare pages show."""

from __future__ import annotations

import re

import pytest

from compms.access import SYSTEM
from compms.audit.models import AuditEntry
from compms.frameworks import services
from compms.frameworks.models import Competency, Framework, FrameworkVersion, LevelIndicator, Relation

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(cast) -> FrameworkVersion:
    """Draft v1 of OPS: SAF (domain) > SAF.01 Permit to work > SAF.01.1 Isolation, and ELEC."""
    version = services.create_framework(code="OPS", name="Operations", actor=SYSTEM,
                                        description="Field operations dictionary")
    safety = services.create_competency(version, SYSTEM, code="SAF", name="Operations safety", kind="knowledge",
                                        item_type="Domain")
    permit = services.create_competency(
        version, SYSTEM, code="SAF.01", name="Permit to work", parent=safety, item_type="Competency",
        description="Plans, issues and closes permits for hazardous work.",
        esco_uri="http://data.europa.eu/esco/skill/permit-example", sfia_code="HSIN",
        external_ids={"case": "CF-1234"},
        indicators={1: "Knows when a permit is needed", 3: "Issues permits for routine isolations"},
    )
    services.create_competency(version, SYSTEM, code="SAF.01.1", name="Electrical isolation", parent=permit,
                               kind="skill", item_type="Element")
    services.create_competency(version, SYSTEM, code="ELEC", name="Electrical maintenance", kind="skill")
    return version


def competency(version: FrameworkVersion, code: str) -> Competency:
    return Competency.objects.get(version=version, code=code)


def url(version: FrameworkVersion, code: str, suffix: str = "") -> str:
    item = competency(version, code)
    return f"/frameworks/{version.framework.code}/v{version.number}/c/{item.uuid}/{suffix}"


def edit_data(item: Competency, **changes: str) -> dict[str, str]:
    data = {"code": item.code, "name": item.name, "kind": item.kind, "description": item.description,
            "item_type": item.item_type, "parent": item.parent.code if item.parent else "", "scale": "",
            "esco_uri": item.esco_uri, "sfia_code": item.sfia_code}
    data.update({f"indicator_{i.level}": i.text for i in item.indicators.all()})
    data.update(changes)
    return data


# ---------------------------------------------------------------- who sees and may do what

EDIT_MARKERS = ("New framework", "Publish v1", "Add top-level competency", "Add child competency",
                "Delete…", ">Edit<", "Add relation")


def page_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_employee_sees_the_dictionary_but_no_edit_controls(login_client, ops):
    client = login_client("employee")
    pages = page_text(client, "/frameworks/") + page_text(client, "/frameworks/OPS/") + page_text(
        client, url(ops, "SAF.01"))
    assert "Permit to work" in pages
    assert [marker for marker in EDIT_MARKERS if marker in pages] == []


def test_competency_manager_sees_the_edit_controls(login_client, ops):
    client = login_client("competency_manager")
    pages = page_text(client, "/frameworks/") + page_text(client, "/frameworks/OPS/") + page_text(
        client, url(ops, "SAF.01"))
    assert [marker for marker in EDIT_MARKERS if marker not in pages] == []


def test_employee_posts_are_refused_and_change_nothing(login_client, ops):
    client = login_client("employee")
    permit = competency(ops, "SAF.01")
    relation = services.add_relation(permit, SYSTEM, kind="related", target=competency(ops, "ELEC"))
    audit_rows = AuditEntry.objects.count()
    posts = {
        "/frameworks/": {"code": "NEW", "name": "New"},
        "/frameworks/OPS/v1/publish/": {},
        "/frameworks/OPS/versions/new/": {},
        "/frameworks/OPS/v1/retire/": {},
        "/frameworks/OPS/v1/new-competency/": {"code": "X", "name": "X", "kind": "skill"},
        url(ops, "SAF.01", "edit/"): edit_data(permit, name="Hijacked"),
        url(ops, "SAF.01", "delete/"): {},
        url(ops, "SAF.01", "relations/"): {"kind": "related", "target": "SAF"},
        url(ops, "SAF.01", f"relations/{relation.pk}/remove/"): {},
    }
    for path, data in posts.items():
        assert client.post(path, data).status_code == 403, path
    assert client.get(url(ops, "SAF.01", "edit/")).status_code == 403
    permit.refresh_from_db()
    ops.refresh_from_db()
    assert (permit.name, ops.status, Framework.objects.count(), ops.competencies.count()) == (
        "Permit to work", "draft", 1, 4)
    assert Relation.objects.count() == 1
    assert AuditEntry.objects.count() == audit_rows


# ---------------------------------------------------------------- editing a draft

def test_competency_manager_edits_a_competency_in_a_draft(login_client, ops):
    client = login_client("competency_manager")
    permit = competency(ops, "SAF.01")
    data = edit_data(permit, name="Permit to work (hazardous tasks)", parent="", kind="skill",
                     indicator_3="Issues permits, including multi-party isolations", indicator_5="Audits the system")
    data.pop("indicator_1")
    response = client.post(url(ops, "SAF.01", "edit/"), data)
    assert response.status_code == 302
    assert response["Location"] == url(ops, "SAF.01")
    permit.refresh_from_db()
    assert (permit.name, permit.parent_id) == ("Permit to work (hazardous tasks)", None)
    assert dict(LevelIndicator.objects.filter(competency=permit).values_list("level", "text")) == {
        3: "Issues permits, including multi-party isolations", 5: "Audits the system"}
    assert AuditEntry.objects.filter(action="competency.update", object_id=str(permit.pk)).count() == 1
    page = page_text(client, url(ops, "SAF.01"))
    assert "Permit to work (hazardous tasks)" in page and "Competency SAF.01 saved." in page


def test_validation_errors_show_next_to_the_field_and_nothing_is_saved(login_client, ops):
    client = login_client("competency_manager")
    permit = competency(ops, "SAF.01")
    response = client.post(url(ops, "SAF.01", "edit/"), edit_data(permit, code="ELEC", name="Renamed"))
    assert response.status_code == 400
    html = response.content.decode()
    code_error = re.search(r'<ul class="errorlist" id="id_code_error">(.*?)</ul>', html, re.S)
    assert code_error and "Code &#x27;ELEC&#x27; is already used in OPS v1." in code_error.group(1)
    response = client.post(url(ops, "SAF.01", "edit/"), edit_data(permit, parent="NOPE", name="Renamed"))
    parent_error = re.search(r'id="id_parent_error">(.*?)</ul>', response.content.decode(), re.S)
    assert parent_error and "No competency with code &#x27;NOPE&#x27;" in parent_error.group(1)
    permit.refresh_from_db()
    assert (permit.code, permit.name, permit.parent.code) == ("SAF.01", "Permit to work", "SAF")


def test_an_indicator_beyond_a_new_scale_is_refused_without_half_saving(login_client, ops):
    # The service saves the fields before it checks indicators; the transaction must undo that.
    small = services.create_scale(ops, code="basic", name="Basic", actor=SYSTEM,
                                  levels=[services.LevelSpec(0, "None"), services.LevelSpec(1, "Can do"),
                                          services.LevelSpec(2, "Can teach")])
    client = login_client("competency_manager")
    permit = competency(ops, "SAF.01")
    response = client.post(url(ops, "SAF.01", "edit/"), edit_data(permit, scale=str(small.pk), name="Renamed"))
    assert response.status_code == 400
    indicators_box = re.search(r'<fieldset id="indicators">(.*?)</fieldset>', response.content.decode(), re.S)
    assert indicators_box and "Level 3 is beyond the scale Basic (levels 1..2)." in indicators_box.group(1)
    permit.refresh_from_db()
    assert (permit.name, permit.scale_id) == ("Permit to work", None)


def test_editing_a_published_version_is_refused_with_a_clear_message(login_client, ops):
    services.publish(ops, SYSTEM)
    client = login_client("competency_manager")
    permit = competency(ops, "SAF.01")
    response = client.post(url(ops, "SAF.01", "edit/"), edit_data(permit, name="Sneaky change"))
    assert response.status_code == 400
    assert "OPS v1 is published: make a new draft version to edit it." in response.content.decode()
    response = client.get(url(ops, "SAF.01", "edit/"), follow=True)
    assert response.redirect_chain[-1][0] == url(ops, "SAF.01")
    page = response.content.decode()
    assert "make a new draft version to edit it" in page
    assert "New draft version from v1" in page and "Add child competency" not in page
    permit.refresh_from_db()
    assert permit.name == "Permit to work"


def test_add_child_and_delete_with_confirmation(login_client, ops):
    client = login_client("competency_manager")
    create_page = page_text(client, f"/frameworks/OPS/v1/new-competency/?parent={competency(ops, 'SAF.01').uuid}")
    assert 'value="SAF.01"' in create_page and "Level 3 · Practitioner" in create_page
    response = client.post("/frameworks/OPS/v1/new-competency/",
                           {"code": "SAF.01.2", "name": "Gas isolation", "kind": "skill", "parent": "SAF.01",
                            "indicator_2": "Isolates a gas line with a supervisor"})
    child = competency(ops, "SAF.01.2")
    assert response["Location"] == url(ops, "SAF.01.2")
    assert (child.parent.code, list(child.indicators.values_list("level", flat=True))) == ("SAF.01", [2])

    confirm = page_text(client, url(ops, "SAF", "delete/"))
    assert "3 competencies below it will be deleted too" in confirm
    assert all(code in confirm for code in ("SAF.01", "SAF.01.1", "SAF.01.2"))
    assert Competency.objects.filter(version=ops).count() == 5  # looking does not delete
    response = client.post(url(ops, "SAF", "delete/"))
    assert response["Location"] == "/frameworks/OPS/?version=1"
    assert list(Competency.objects.filter(version=ops).values_list("code", flat=True)) == ["ELEC"]


def test_relations_by_code_by_framework_code_and_by_uri(login_client, ops):
    other = services.create_framework(code="LEAD", name="Leadership", actor=SYSTEM)
    services.create_competency(other, SYSTEM, code="COACH", name="Coaching others")
    services.publish(other, SYSTEM)  # relations across frameworks point only at published competencies
    client = login_client("competency_manager")
    add = url(ops, "SAF.01", "relations/")
    client.post(add, {"kind": "prerequisite", "target": "ELEC"})
    client.post(add, {"kind": "related", "target": "LEAD:COACH"})
    client.post(add, {"kind": "exact_match", "target": "http://data.europa.eu/esco/skill/abc",
                      "target_title": "issue work permits"})
    response = client.post(add, {"kind": "related", "target": "NOPE"})
    assert response.status_code == 400
    target_error = re.search(r'id="id_target_error">(.*?)</ul>', response.content.decode(), re.S)
    assert target_error and "No competency with code &#x27;NOPE&#x27; in OPS v1" in target_error.group(1)

    relations = Relation.objects.filter(source=competency(ops, "SAF.01")).select_related("target__version")
    assert sorted((r.kind, r.target.code if r.target else r.target_uri) for r in relations) == [
        ("exact_match", "http://data.europa.eu/esco/skill/abc"), ("prerequisite", "ELEC"), ("related", "COACH")]
    assert {r.target.version_id for r in relations if r.target} == {ops.pk, other.pk}

    page = page_text(client, url(ops, "SAF.01"))
    assert "issue work permits" in page and 'href="http://data.europa.eu/esco/skill/abc"' in page
    assert "in LEAD v1" in page
    # The other end lists the relation as incoming.
    assert "SAF.01</code> Permit to work</a>" in page_text(client, url(ops, "ELEC"))

    external = relations.get(kind="exact_match")
    client.post(url(ops, "SAF.01", f"relations/{external.pk}/remove/"))
    assert not Relation.objects.filter(pk=external.pk).exists()


# ---------------------------------------------------------------- versions

def test_framework_lifecycle_through_the_pages(login_client, cast):
    client = login_client("competency_manager")
    response = client.post("/frameworks/", {"code": "GRID", "name": "Grid operations", "description": ""})
    assert response["Location"] == "/frameworks/GRID/"
    duplicate = client.post("/frameworks/", {"code": "GRID", "name": "Again"})
    code_error = re.search(r'id="id_code_error">(.*?)</ul>', duplicate.content.decode(), re.S)
    assert code_error and "already exists" in code_error.group(1)

    client.post("/frameworks/GRID/v1/publish/")
    assert "An empty version cannot be published." in page_text(client, "/frameworks/GRID/?version=1")
    version = FrameworkVersion.objects.get(framework__code="GRID", number=1)
    services.create_competency(version, SYSTEM, code="SW", name="Switching")
    client.post("/frameworks/GRID/v1/publish/")
    client.post("/frameworks/GRID/versions/new/", {"source": "1"})
    client.post("/frameworks/GRID/v1/retire/")
    statuses = dict(FrameworkVersion.objects.filter(framework__code="GRID").values_list("number", "status"))
    assert statuses == {1: "retired", 2: "draft"}
    # With only a retired version and a draft, the draft is what the framework page shows first.
    assert "Competencies in v2" in page_text(client, "/frameworks/GRID/")


def test_framework_page_shows_latest_published_by_default_and_any_version_on_request(login_client, ops):
    services.publish(ops, SYSTEM)
    draft = services.new_version(ops.framework, SYSTEM)
    services.update_competency(competency(draft, "ELEC"), SYSTEM, name="Electrical maintenance (HV)")
    client = login_client("employee")
    default = page_text(client, "/frameworks/OPS/")
    assert "Competencies in v1" in default and "Electrical maintenance (HV)" not in default
    chosen = page_text(client, "/frameworks/OPS/?version=2")
    assert "Competencies in v2" in chosen and "Electrical maintenance (HV)" in chosen
    assert client.get("/frameworks/OPS/?version=9").status_code == 404


def test_compare_shows_added_removed_and_changed_fields(login_client, ops):
    services.publish(ops, SYSTEM)
    draft = services.new_version(ops.framework, SYSTEM)
    services.update_competency(competency(draft, "ELEC"), SYSTEM, name="Electrical maintenance (HV)")
    services.delete_competency(competency(draft, "SAF.01.1"), SYSTEM)
    services.create_competency(draft, SYSTEM, code="CYB", name="Cyber hygiene")
    client = login_client("employee")
    html = page_text(client, "/frameworks/OPS/compare?from=1&to=2")
    assert "1 added, 1 removed, 1 changed." in html
    added = re.search(r'id="added".*?</section>', html, re.S).group(0)
    removed = re.search(r'id="removed".*?</section>', html, re.S).group(0)
    changed = re.search(r'id="changed".*?</section>', html, re.S).group(0)
    assert "CYB" in added and "SAF.01.1" in removed
    assert re.search(r"<td>name</td>\s*<td class=\"before\">Electrical maintenance</td>\s*"
                     r"<td class=\"after\">Electrical maintenance \(HV\)</td>", changed)


# ---------------------------------------------------------------- competency page

def test_competency_page_shows_path_scale_indicators_and_external_ids(login_client, ops):
    services.add_relation(competency(ops, "SAF.01.1"), SYSTEM, kind="broader", target=competency(ops, "SAF.01"))
    client = login_client("employee")
    html = page_text(client, url(ops, "SAF.01.1").replace(str(competency(ops, "SAF.01.1").uuid), "SAF.01.1"))
    breadcrumb = re.search(r'<nav class="breadcrumb".*?</nav>', html, re.S).group(0)
    assert re.findall(r">([A-Z0-9.]+(?: v1)?)</(?:a|span)>", breadcrumb) == ["OPS v1", "SAF", "SAF.01", "SAF.01.1"]

    html = page_text(client, url(ops, "SAF.01"))
    scale = re.search(r'id="scale".*?</section>', html, re.S).group(0)
    assert "Proficiency" in scale and "(framework default)" in scale
    assert re.search(r"<td>3</td><td>Practitioner</td><td>Works independently[^<]*</td>"
                     r"<td>Issues permits for routine isolations</td>", scale)
    assert re.search(r"<td>2</td><td>Working</td><td>[^<]*</td><td>—</td>", scale)
    assert "SAF.01.1</code> Electrical isolation" in re.search(r'id="children".*?</section>', html, re.S).group(0)
    assert 'id="relations-out"' not in html  # the broader relation runs from the child, so it is incoming here
    incoming = re.search(r'id="relations-in".*?</table>', html, re.S).group(0)
    assert re.search(r"<td>Broader</td>\s*<td><a [^>]+><code>SAF.01.1</code> Electrical isolation</a>", incoming)
    external = re.search(r'id="external-ids".*?</section>', html, re.S).group(0)
    assert all(text in external for text in ("http://data.europa.eu/esco/skill/permit-example", "HSIN", "CF-1234"))


def test_unknown_framework_version_or_competency_is_404(login_client, ops):
    client = login_client("employee")
    assert client.get("/frameworks/NOPE/").status_code == 404
    assert client.get("/frameworks/OPS/v7/c/SAF/").status_code == 404
    assert client.get("/frameworks/OPS/v1/c/NOPE/").status_code == 404


# ---------------------------------------------------------------- the tree in a fixed number of queries

def build_tree(version: FrameworkVersion, roots: int, depth: int) -> None:
    """`roots` chains of `depth` nested competencies each."""
    for root in range(roots):
        parent = None
        for level in range(depth):
            parent = services.create_competency(version, SYSTEM, code=f"T{root}.{level}", name=f"Node {root}.{level}",
                                                parent=parent)


@pytest.mark.parametrize(("roots", "depth"), [(1, 2), (6, 15)])
def test_tree_page_uses_a_fixed_number_of_queries(login_client, cast, django_assert_max_num_queries, roots, depth):
    version = services.create_framework(code="BIG", name="Big", actor=SYSTEM)
    build_tree(version, roots, depth)
    client = login_client("competency_manager")
    with django_assert_max_num_queries(6):
        response = client.get("/frameworks/BIG/")
    html = response.content.decode()
    # Every node is there, each chain nested `depth` deep, the innermost closed just once.
    assert html.count('<li class="leaf">') == roots
    assert html.count('<ul class="tree">') == roots * (depth - 1)
    assert html.count("</ul></details></li>") == roots * (depth - 1)
    assert f"T{roots - 1}.{depth - 1}</code> Node {roots - 1}.{depth - 1}" in html


# ---------------------------------------------------------------- search

def test_search_finds_by_code_name_description_and_indicator(login_client, ops):
    client = login_client("employee")

    def found(query: str, **params: str) -> list[str]:
        html = client.get("/frameworks/search", {"q": query, **params}).content.decode()
        return re.findall(r"<td><a href=\"[^\"]+\"><code>([^<]+)</code>", html)

    assert found("saf.01") == ["SAF.01", "SAF.01.1"]  # the exact code first
    assert found("PERMIT TO") == ["SAF.01"]
    assert found("hazardous work") == ["SAF.01"]  # description
    assert found("routine isolations") == ["SAF.01"]  # indicator
    assert found("nothing like this") == []
    html = page_text(client, "/frameworks/search?q=isolation")
    assert re.search(r'<td class="path"><a [^>]+>SAF</a> › <a [^>]+>SAF.01</a> › SAF.01.1</td>', html)


def test_search_covers_latest_published_and_drafts_and_can_be_limited_to_a_framework(login_client, ops):
    services.publish(ops, SYSTEM)
    draft = services.new_version(ops.framework, SYSTEM)
    services.update_competency(competency(draft, "ELEC"), SYSTEM, name="Electrical maintenance (HV)")
    other = services.create_framework(code="LEAD", name="Leadership", actor=SYSTEM)
    services.create_competency(other, SYSTEM, code="LEAD.E", name="Electrical safety leadership")
    client = login_client("employee")
    html = page_text(client, "/frameworks/search?q=electrical")
    versions_found = re.findall(r"<td>(\w+) <span class=\"badge \w+\">v(\d)", html)
    # ELEC and SAF.01.1 in OPS v1 and v2, plus LEAD.E.
    assert sorted(versions_found) == [("LEAD", "1"), ("OPS", "1"), ("OPS", "1"), ("OPS", "2"), ("OPS", "2")]
    limited = page_text(client, "/frameworks/search?q=electrical&framework=OPS&version=2")
    assert re.findall(r"<td>(\w+) <span class=\"badge \w+\">v(\d)", limited) == [("OPS", "2"), ("OPS", "2")]
    # A retired version drops out of the search; the newer published one stays.
    services.publish(draft, SYSTEM)
    services.retire(ops, SYSTEM)
    html = page_text(client, "/frameworks/search?q=electrical&framework=OPS")
    assert re.findall(r"<td>(\w+) <span class=\"badge \w+\">v(\d)", html) == [("OPS", "2"), ("OPS", "2")]


def test_competency_page_queries_do_not_grow_with_relations(login_client, ops, django_assert_max_num_queries):
    permit = competency(ops, "SAF.01")
    for code in ("SAF", "ELEC", "SAF.01.1"):
        services.add_relation(permit, SYSTEM, kind="related", target=competency(ops, code))
        services.add_relation(competency(ops, code), SYSTEM, kind="broader", target=permit)
    client = login_client("competency_manager")
    path = url(ops, "SAF.01")
    with django_assert_max_num_queries(12):
        html = client.get(path).content.decode()
    assert html.count("Remove</button>") == 3
    incoming = re.search(r'id="relations-in".*?</table>', html, re.S).group(0)
    assert len(re.findall(r"<td>Broader</td>", incoming)) == 3


def test_tree_escapes_what_people_typed(login_client, ops):
    services.create_competency(ops, SYSTEM, code="V<1>", name="Valves & <b>pumps</b>", item_type="<i>Element</i>",
                               parent=competency(ops, "ELEC"))
    html = page_text(login_client("employee"), "/frameworks/OPS/")
    assert "<code>V&lt;1&gt;</code> Valves &amp; &lt;b&gt;pumps&lt;/b&gt;" in html
    assert '<span class="muted">&lt;i&gt;Element&lt;/i&gt;</span>' in html and "<b>pumps" not in html

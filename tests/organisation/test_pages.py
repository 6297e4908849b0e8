"""The organisation pages as people in each role see them: who shows up, who may edit roles, what the
job description says, and that list pages cost the same number of queries at any size."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest

from compms.access import SYSTEM
from compms.frameworks import services as dictionary
from compms.frameworks.models import Competency
from compms.organisation import jobdescription, services
from compms.organisation.models import Duty, Person, Requirement, Role, Task, TaskCompetency, Unit

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- fixtures


@dataclass
class Org:
    units: dict[str, Unit]
    people: dict[str, Person]


@pytest.fixture
def org(cast) -> Org:
    """Company > Operations > Maintenance, and Company > Finance.

    Morgan (the cast's manager) manages Erin (the cast's employee), who in turn manages Dana: Dana is an
    indirect report of Morgan. Harper is the cast's HR person; Olive, in Finance, reports to nobody here.
    The cast's outsider has no Person at all.
    """
    company = services.create_unit(SYSTEM, external_id="CO", name="Company")
    operations = services.create_unit(SYSTEM, external_id="OPS", name="Operations", parent=company)
    maintenance = services.create_unit(SYSTEM, external_id="MNT", name="Maintenance", parent=operations)
    finance = services.create_unit(SYSTEM, external_id="FIN", name="Finance", parent=company)
    morgan = services.create_person(SYSTEM, employee_id="E001", name="Morgan Manager", unit=operations,
                                    email="morgan@example.org", user=cast.manager, start_date=dt.date(2020, 1, 6))
    erin = services.create_person(SYSTEM, employee_id="E002", name="Erin Employee", unit=operations, manager=morgan,
                                  email="erin@example.org", user=cast.employee, start_date=dt.date(2021, 3, 1))
    dana = services.create_person(SYSTEM, employee_id="E003", name="Dana Deep", unit=maintenance, manager=erin)
    harper = services.create_person(SYSTEM, employee_id="E004", name="Harper Hr", unit=company, user=cast.hr)
    olive = services.create_person(SYSTEM, employee_id="E005", name="Olive Other", unit=finance)
    return Org(units={"CO": company, "OPS": operations, "MNT": maintenance, "FIN": finance},
               people={"morgan": morgan, "erin": erin, "dana": dana, "harper": harper, "olive": olive})


@pytest.fixture
def dictionary_v1() -> dict[str, Competency]:
    """A published framework on the default 0-5 scale, with indicators at some levels."""
    version = dictionary.create_framework(code="SAFE", name="Site safety", actor=SYSTEM)
    permit = dictionary.create_competency(version, SYSTEM, code="PTW", name="Permit to work", kind="knowledge",
                                          indicators={3: "Issues and closes permits for routine isolations."})
    lockout = dictionary.create_competency(version, SYSTEM, code="LOTO", name="Lock-out tag-out",
                                           indicators={2: "Applies personal locks under supervision."})
    rescue = dictionary.create_competency(version, SYSTEM, code="RESC", name="Confined space rescue")
    dictionary.publish(version, SYSTEM)
    return {"PTW": permit, "LOTO": lockout, "RESC": rescue}


@pytest.fixture
def technician(dictionary_v1) -> Role:
    """A hand-built role: two duties, three tasks, competencies on two of them."""
    role = services.create_role(SYSTEM, external_id="TECH-1", name="Field technician", family="Maintenance",
                                grade="T2", purpose="Keeps the plant's valves and pumps safe and running.")
    isolate = services.add_duty(role, SYSTEM, title="Isolate equipment")
    maintain = services.add_duty(role, SYSTEM, title="Maintain pumps")
    request = services.add_task(isolate, SYSTEM, title="Request a permit to work", frequency="daily", importance=5)
    apply_locks = services.add_task(isolate, SYSTEM, title="Apply personal locks", frequency="daily", importance=4)
    services.add_task(maintain, SYSTEM, title="Replace pump seals", frequency="monthly")
    services.set_task_competency(request, SYSTEM, competency=dictionary_v1["PTW"], level=3, standard="knowledge")
    services.set_task_competency(apply_locks, SYSTEM, competency=dictionary_v1["LOTO"], level=2, standard="")
    services.set_task_competency(apply_locks, SYSTEM, competency=dictionary_v1["PTW"], level=2, standard="")
    return role


def text_of(response: Any) -> str:
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def people_listed(response: Any) -> list[str]:
    page = response.context["people_page"]
    return [] if page is None else [p.name for p in page.object_list]


# ---------------------------------------------------------------- who sees whom


@pytest.mark.parametrize(("who", "expected"), [
    ("hr", ["Dana Deep", "Erin Employee", "Harper Hr", "Morgan Manager", "Olive Other"]),
    ("administrator", ["Dana Deep", "Erin Employee", "Harper Hr", "Morgan Manager", "Olive Other"]),
    ("manager", ["Dana Deep", "Erin Employee", "Morgan Manager"]),
    ("employee", ["Erin Employee"]),
    ("outsider", []),
])
def test_people_under_the_top_unit_are_only_those_the_viewer_may_see(login_client, org, who, expected):
    response = login_client(who).get("/organisation/", {"unit": org.units["CO"].pk})
    assert response.status_code == 200
    assert people_listed(response) == expected


def test_search_finds_people_by_name_employee_id_and_email_within_what_is_visible(login_client, org):
    hr = login_client("hr")
    assert people_listed(hr.get("/organisation/", {"q": "olive"})) == ["Olive Other"]
    assert people_listed(hr.get("/organisation/", {"q": "e003"})) == ["Dana Deep"]
    assert people_listed(hr.get("/organisation/", {"q": "morgan@example"})) == ["Morgan Manager"]
    manager = login_client("manager")
    assert people_listed(manager.get("/organisation/", {"q": "olive"})) == []
    assert people_listed(manager.get("/organisation/", {"q": "E00"})) == ["Dana Deep", "Erin Employee",
                                                                         "Morgan Manager"]


def test_unit_filter_covers_the_whole_subtree(login_client, org):
    response = login_client("hr").get("/organisation/", {"unit": org.units["OPS"].pk})
    assert people_listed(response) == ["Dana Deep", "Erin Employee", "Morgan Manager"]


def test_tree_shows_every_unit_with_whole_subtree_and_direct_head_counts(login_client, org):
    services.mark_left(org.people["olive"], SYSTEM, left_on=dt.date(2026, 1, 31))
    response = login_client("employee").get("/organisation/")
    html = response.content.decode()
    # Company: 4 active people in all (Olive left), 1 placed directly (Harper).
    company = re.search(rf'<li id="unit-{org.units["CO"].pk}".*?</summary>', html, re.S).group(0)
    assert ">4</span>" in company and "(1)" in company
    operations = re.search(rf'<li id="unit-{org.units["OPS"].pk}".*?</summary>', html, re.S).group(0)
    assert ">3</span>" in operations and "(2)" in operations
    finance = re.search(rf'<li id="unit-{org.units["FIN"].pk}".*?</li>', html, re.S).group(0)
    assert "Finance" in finance and ">0</span>" in finance


@pytest.mark.parametrize(("who", "visible", "hidden"), [
    ("manager", ["E001", "E002", "E003"], ["E004", "E005"]),
    ("employee", ["E002"], ["E001", "E003", "E004", "E005"]),
    ("hr", ["E001", "E002", "E003", "E004", "E005"], []),
    ("outsider", [], ["E001", "E002", "E003", "E004", "E005"]),
])
def test_person_pages_answer_404_outside_what_the_viewer_may_see(login_client, org, who, visible, hidden):
    client = login_client(who)
    for employee_id in visible:
        assert client.get(f"/organisation/people/{employee_id}/").status_code == 200, employee_id
    for employee_id in hidden + ["NOBODY"]:
        # Same answer for someone hidden and someone who does not exist: the page reveals nothing.
        assert client.get(f"/organisation/people/{employee_id}/").status_code == 404, employee_id


def test_person_page_shows_unit_manager_reports_positions_and_history(login_client, org, technician, cast):
    erin, dana = org.people["erin"], org.people["dana"]
    position = services.create_position(SYSTEM, role=technician, unit=org.units["OPS"], title="Technician, shift A")
    services.assign_position(position, SYSTEM, person=erin, start_date=dt.date(2024, 5, 1))
    services.move_person(erin, cast.hr, effective_on=dt.date(2025, 2, 1), unit=org.units["MNT"])

    response = login_client("manager").get("/organisation/people/E002/")
    text = text_of(response)
    assert "Unit Maintenance MNT" in text
    assert 'href="/organisation/people/E001/">Morgan Manager' in response.content.decode()
    assert 'href="/organisation/people/E003/">Dana Deep' in response.content.decode()
    assert 'href="/organisation/roles/TECH-1/">Field technician' in response.content.decode()
    assert "Technician, shift A · Operations · since 2024-05-01" in text
    history = [(m.kind, m.effective_on.isoformat()) for m in response.context["page"].moves]
    assert history == [("unit", "2025-02-01"), ("position_start", "2024-05-01"), ("joined", "2021-03-01")]
    assert "2025-02-01 Moved unit Operations (OPS) Maintenance (MNT)" in text
    assert 'id="person-competence"' in response.content.decode()
    assert dana.manager_id == erin.pk


def test_own_page_names_the_manager_without_linking_to_a_page_the_employee_cannot_open(login_client, org):
    response = login_client("employee").get("/organisation/people/E002/")
    html = response.content.decode()
    assert "Morgan Manager" in html
    assert "/organisation/people/E001/" not in html
    # Erin manages Dana, but an employee without the manager role does not see their reports' pages.
    assert "Dana Deep" not in html


# ---------------------------------------------------------------- roles: reading


def test_role_list_filters_by_family_and_search(login_client, technician):
    services.create_role(SYSTEM, external_id="ACC-1", name="Accountant", family="Finance")
    services.create_role(SYSTEM, external_id="ACC-2", name="Payroll clerk", family="Finance",
                         purpose="Pays everyone on time.")
    client = login_client("employee")
    names = lambda response: [role.name for role in response.context["roles_page"].object_list]  # noqa: E731
    assert names(client.get("/organisation/roles/")) == ["Accountant", "Field technician", "Payroll clerk"]
    assert names(client.get("/organisation/roles/", {"family": "Finance"})) == ["Accountant", "Payroll clerk"]
    assert names(client.get("/organisation/roles/", {"q": "on time"})) == ["Payroll clerk"]
    only = client.get("/organisation/roles/", {"q": "tech-1"})
    assert names(only) == ["Field technician"]
    assert "<td>Maintenance</td><td>T2</td><td>2</td><td>2</td>" in only.content.decode()  # duties, requirements


def test_role_page_draws_the_dacum_chart_and_the_profile_with_its_sources(login_client, technician):
    response = login_client("employee").get("/organisation/roles/TECH-1/")
    chart = response.context["chart"]
    assert [(row.letter, row.duty.title, [card.code for card in row.cards]) for row in chart] == [
        ("A", "Isolate equipment", ["A1", "A2"]), ("B", "Maintain pumps", ["B1"])]
    rows = {line.requirement.competency.code: line for line in (e.line for e in response.context["entries"])}
    assert {code: line.requirement.level for code, line in rows.items()} == {"LOTO": 2, "PTW": 3}
    assert [(s.task_code, s.level) for s in rows["PTW"].sources] == [("A1", 3), ("A2", 2)]
    text = text_of(response)
    assert "A1 Request a permit to work (level 3)" in text
    assert "A2 Apply personal locks (level 2)" in text
    assert "Manual change" not in text


def test_a_manual_change_is_shown_with_who_and_when_beside_the_derived_level(login_client, technician, cast,
                                                                               dictionary_v1):
    services.set_requirement(technician, cast.competency_manager, competency=dictionary_v1["PTW"], level=4,
                             criticality="essential", note="Site rule: permits need a senior")
    text = text_of(login_client("employee").get("/organisation/roles/TECH-1/"))
    today = dt.date.today().isoformat()
    assert (f"PTW Permit to work SAFE v1 4 derived: 3 Essential – Manual change by Competency Manager on "
            f"{today}: “Site rule: permits need a senior”") in text


# ---------------------------------------------------------------- roles: who may edit


EDIT_POSTS = [
    ("roles/", {"new-external_id": "X-1", "new-name": "Sneaky role"}),
    ("roles/TECH-1/edit/", {"role-name": "Renamed"}),
    ("roles/TECH-1/duties/add/", {"newduty-title": "Sneak in"}),
    ("roles/TECH-1/duties/{duty}/update/", {"duty{duty}-title": "Renamed duty"}),
    ("roles/TECH-1/duties/{duty}/delete/", {}),
    ("roles/TECH-1/duties/{duty}/tasks/add/", {"newtask{duty}-title": "Sneaky task"}),
    ("roles/TECH-1/tasks/{task}/update/", {"task{task}-title": "Renamed task"}),
    ("roles/TECH-1/tasks/{task}/delete/", {}),
    ("roles/TECH-1/tasks/{task}/competencies/", {"attach{task}-framework": "SAFE", "attach{task}-code": "RESC",
                                                 "attach{task}-level": "2"}),
    ("roles/TECH-1/task-competencies/{link}/remove/", {}),
    ("roles/TECH-1/requirements/derive/", {}),
    ("roles/TECH-1/requirements/add/", {"newreq-framework": "SAFE", "newreq-code": "RESC", "newreq-level": "1",
                                        "newreq-criticality": "desirable"}),
    ("roles/TECH-1/requirements/{req}/update/", {"req{req}-level": "5", "req{req}-criticality": "essential"}),
    ("roles/TECH-1/requirements/{req}/reset/", {}),
    ("roles/TECH-1/requirements/{req}/remove/", {}),
]


def chart_state(role: Role) -> list[Any]:
    return [
        sorted(Role.objects.values_list("external_id", "name")),
        sorted(Duty.objects.filter(role=role).values_list("title", flat=True)),
        sorted(Task.objects.filter(duty__role=role).values_list("title", flat=True)),
        sorted(TaskCompetency.objects.filter(task__duty__role=role).values_list("competency__code", "level")),
        sorted(Requirement.objects.filter(role=role).values_list("competency__code", "level", "manual")),
    ]


def fill(template: str, ids: dict[str, int]) -> str:
    return template.format(**ids)


def test_employee_sees_no_edit_controls_and_every_edit_post_is_refused(login_client, technician):
    client = login_client("employee")
    for url in ("/organisation/roles/TECH-1/", "/organisation/roles/"):
        html = client.get(url).content.decode()
        post_forms = re.findall(r'<form method="post"[^>]*>', html)
        assert post_forms == ['<form method="post" action="/accounts/logout/" class="inline">']
        assert "Edit role" not in html and "New role" not in html
    assert client.get("/organisation/roles/TECH-1/edit/").status_code == 403
    link = TaskCompetency.objects.filter(task__duty__role=technician).first()
    ids = {"duty": link.task.duty_id, "task": link.task_id, "link": link.pk,
           "req": Requirement.objects.filter(role=technician).first().pk}
    before = chart_state(technician)
    for url, data in EDIT_POSTS:
        response = client.post("/organisation/" + fill(url, ids), {fill(k, ids): v for k, v in data.items()})
        assert response.status_code == 403, url
    assert chart_state(technician) == before


@pytest.mark.parametrize("who", ["manager", "assessor", "outsider"])
def test_other_non_editors_are_refused_too(login_client, technician, who):
    client = login_client(who)
    assert client.post("/organisation/roles/TECH-1/duties/add/", {"newduty-title": "Nope"}).status_code == 403
    assert client.get("/organisation/roles/TECH-1/edit/").status_code == 403
    assert not Duty.objects.filter(title="Nope").exists()


@pytest.mark.parametrize("who", ["competency_manager", "hr", "administrator"])
def test_role_editors_see_the_edit_button(login_client, technician, who):
    client = login_client(who)
    assert 'id="edit-role"' in client.get("/organisation/roles/TECH-1/").content.decode()
    assert client.get("/organisation/roles/TECH-1/edit/").status_code == 200


# ---------------------------------------------------------------- the role editor at work


def test_building_a_role_in_the_editor_derives_its_profile(login_client, dictionary_v1):
    client = login_client("competency_manager")
    response = client.post("/organisation/roles/", {"new-external_id": "OPS-2", "new-name": "Control room operator",
                                                    "new-family": "Operations"})
    assert response.status_code == 302 and response["Location"] == "/organisation/roles/OPS-2/edit/"
    client.post("/organisation/roles/OPS-2/duties/add/", {"newduty-title": "Run the plant"})
    duty = Duty.objects.get(role__external_id="OPS-2")
    client.post(f"/organisation/roles/OPS-2/duties/{duty.pk}/tasks/add/",
                {f"newtask{duty.pk}-title": "Start up a pump", f"newtask{duty.pk}-frequency": "weekly",
                 f"newtask{duty.pk}-importance": "4"})
    task = Task.objects.get(duty=duty)
    assert (task.frequency, task.importance) == ("weekly", 4)
    response = client.post(f"/organisation/roles/OPS-2/tasks/{task.pk}/competencies/",
                           {f"attach{task.pk}-framework": "SAFE", f"attach{task.pk}-code": "LOTO",
                            f"attach{task.pk}-level": "3"})
    assert response.status_code == 302
    link = TaskCompetency.objects.get(task=task)
    assert link.standard == "performance"  # LOTO is a skill: a performance standard unless told otherwise
    page = client.get("/organisation/roles/OPS-2/edit/")
    assert "A1 Start up a pump (level 3)" in text_of(page)
    assert [(r.competency.code, r.level, r.manual) for r in Requirement.objects.filter(role__external_id="OPS-2")] \
        == [("LOTO", 3, False)]


def test_editor_shows_validation_errors_beside_the_field_and_stores_nothing(login_client, technician):
    client = login_client("competency_manager")
    duty = Duty.objects.get(role=technician, title="Maintain pumps")
    task = Task.objects.get(title="Replace pump seals")

    response = client.post(f"/organisation/roles/TECH-1/duties/{duty.pk}/tasks/add/",
                           {f"newtask{duty.pk}-title": "Replace pump seals"})
    assert response.status_code == 400
    assert field_error(response, f"id_newtask{duty.pk}-title") == "The duty 'Maintain pumps' already has a task " \
                                                                  "'Replace pump seals'."

    response = client.post(f"/organisation/roles/TECH-1/tasks/{task.pk}/competencies/",
                           {f"attach{task.pk}-framework": "SAFE", f"attach{task.pk}-code": "NOPE",
                            f"attach{task.pk}-level": "2"})
    assert response.status_code == 400
    assert field_error(response, f"id_attach{task.pk}-code") == "No competency 'NOPE' in the published version " \
                                                                "of SAFE."

    response = client.post(f"/organisation/roles/TECH-1/tasks/{task.pk}/competencies/",
                           {f"attach{task.pk}-framework": "SAFE", f"attach{task.pk}-code": "RESC",
                            f"attach{task.pk}-level": "7"})
    assert response.status_code == 400
    assert field_error(response, f"id_attach{task.pk}-level") == "Level 7 is outside the scale of RESC (1 to 5)."
    assert not TaskCompetency.objects.filter(task=task).exists()


def field_error(response: Any, input_id: str) -> str:
    """The error message printed in the same field block as the input with this id."""
    html = response.content.decode()
    block = re.search(rf'<div class="org-field has-error">((?:(?!</div>).)*id="{re.escape(input_id)}".*?)</div>',
                      html, re.S)
    assert block is not None, f"no error shown beside {input_id}"
    errors = re.findall(r'<span class="field-error" role="alert">(.*?)</span>', block.group(1))
    import html as html_lib

    return " ".join(html_lib.unescape(e) for e in errors)


def test_code_suggestions_come_from_the_chosen_published_framework_for_editors_only(login_client,
                                                                                     dictionary_v1):
    response = login_client("competency_manager").get("/organisation/competencies/lookup/",
                                                      {"framework": "SAFE", "q": "lo"})
    assert response.json() == {"results": [{"code": "LOTO", "name": "Lock-out tag-out", "kind": "skill"}]}
    by_name = login_client("hr").get("/organisation/competencies/lookup/", {"framework": "SAFE", "q": "permit"})
    assert [r["code"] for r in by_name.json()["results"]] == ["PTW"]
    assert login_client("employee").get("/organisation/competencies/lookup/",
                                        {"framework": "SAFE", "q": "lo"}).status_code == 403


def test_adjusting_a_requirement_by_hand_and_resetting_it(login_client, technician):
    client = login_client("hr")
    line = Requirement.objects.get(role=technician, competency__code="LOTO")
    response = client.post(f"/organisation/roles/TECH-1/requirements/{line.pk}/update/",
                           {f"req{line.pk}-level": "4", f"req{line.pk}-criticality": "desirable",
                            f"req{line.pk}-note": "Works alone on night shifts"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.level, line.derived_level, line.criticality, line.manual) == (4, 2, "desirable", True)
    # Changing the chart does not move a hand-set level; the derived level beside it does follow.
    task = Task.objects.get(title="Apply personal locks")
    client.post(f"/organisation/roles/TECH-1/tasks/{task.pk}/competencies/",
                {f"attach{task.pk}-framework": "SAFE", f"attach{task.pk}-code": "LOTO", f"attach{task.pk}-level": "3"})
    line.refresh_from_db()
    assert (line.level, line.derived_level) == (4, 3)
    assert "Reset to derived (3)" in client.get("/organisation/roles/TECH-1/edit/").content.decode()

    client.post(f"/organisation/roles/TECH-1/requirements/{line.pk}/reset/")
    line.refresh_from_db()
    assert (line.level, line.manual) == (3, False)


def test_renaming_reordering_and_deleting_duties_and_editing_tasks(login_client, technician):
    client = login_client("competency_manager")
    isolate = Duty.objects.get(role=technician, title="Isolate equipment")
    maintain = Duty.objects.get(role=technician, title="Maintain pumps")
    client.post("/organisation/roles/TECH-1/edit/", {"role-name": "Plant technician", "role-family": "Maintenance",
                                                     "role-grade": "T3", "role-purpose": "Keeps the plant safe."})
    client.post(f"/organisation/roles/TECH-1/duties/{maintain.pk}/update/",
                {f"duty{maintain.pk}-title": "Maintain rotating equipment", f"duty{maintain.pk}-sort_order": "0"})
    seals = Task.objects.get(title="Replace pump seals")
    client.post(f"/organisation/roles/TECH-1/tasks/{seals.pk}/update/",
                {f"task{seals.pk}-title": "Replace mechanical seals", f"task{seals.pk}-frequency": "quarterly",
                 f"task{seals.pk}-importance": "3", f"task{seals.pk}-sort_order": "1"})
    chart = client.get("/organisation/roles/TECH-1/").context["chart"]
    assert [(row.letter, row.duty.title) for row in chart] == [("A", "Maintain rotating equipment"),
                                                              ("B", "Isolate equipment")]
    seals.refresh_from_db()
    assert (seals.title, seals.frequency, seals.importance) == ("Replace mechanical seals", "quarterly", 3)
    technician.refresh_from_db()
    assert (technician.name, technician.grade, technician.purpose) == ("Plant technician", "T3",
                                                                        "Keeps the plant safe.")

    client.post(f"/organisation/roles/TECH-1/duties/{isolate.pk}/delete/")
    assert list(Duty.objects.filter(role=technician).values_list("title", flat=True)) == [
        "Maintain rotating equipment"]
    # The isolation tasks named every competency: with them gone, the derived profile is empty.
    assert not Requirement.objects.filter(role=technician).exists()


def test_deleting_a_task_takes_its_competencies_out_of_the_profile(login_client, technician):
    client = login_client("competency_manager")
    task = Task.objects.get(title="Apply personal locks")
    assert client.post(f"/organisation/roles/TECH-1/tasks/{task.pk}/delete/").status_code == 302
    assert sorted(Requirement.objects.filter(role=technician).values_list("competency__code", "level")) == [
        ("PTW", 3)]


# ---------------------------------------------------------------- job description


def test_job_description_markdown_has_duties_tasks_and_level_descriptors(login_client, technician):
    response = login_client("employee").get("/organisation/roles/TECH-1/job-description.md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tech-1-job-description.md"'
    text = response.content.decode()
    assert text.startswith("# Job description: Field technician\n")
    assert "Keeps the plant's valves and pumps safe and running." in text
    assert "### A. Isolate equipment" in text and "### B. Maintain pumps" in text
    assert "- **A1** Request a permit to work (Daily, importance 5/5)" in text
    assert "  - needs PTW Permit to work at level 3 (knowledge and understanding standard)" in text
    assert "- **B1** Replace pump seals (Monthly)" in text
    # Each required level with the scale's descriptor and the competency's own indicator at that level.
    assert "#### PTW Permit to work: level 3 Practitioner" in text
    assert "- Level descriptor: Works independently, including non-routine situations." in text
    assert "- At this level: Issues and closes permits for routine isolations." in text
    assert "#### LOTO Lock-out tag-out: level 2 Working" in text
    assert "- At this level: Applies personal locks under supervision." in text
    assert text.index("### A. Isolate") < text.index("### B. Maintain") < text.index("## Competency profile")


def test_job_description_page_is_printable_and_links_its_downloads(login_client, technician):
    response = login_client("employee").get("/organisation/roles/TECH-1/job-description")
    html = response.content.decode()
    assert "@media print" in html and "default-src 'none'" in html
    assert 'href="/organisation/roles/TECH-1/job-description.md"' in html
    text = text_of(response)
    assert "PTW Permit to work SAFE · Knowledge (knowledge and understanding standard) 3 Practitioner " \
           "Works independently, including non-routine situations. At this level: Issues and closes permits " \
           "for routine isolations." in text


def test_job_description_pdf_answers_503_with_a_reason_when_chromium_is_missing(login_client, technician,
                                                                               monkeypatch):
    monkeypatch.setenv("COMPMS_CHROMIUM", "/nonexistent/chromium")
    response = login_client("employee").get("/organisation/roles/TECH-1/job-description.pdf")
    assert response.status_code == 503
    assert "/nonexistent/chromium, which is not installed" in text_of(response)


@pytest.mark.skipif(not jobdescription.chromium_path() or not __import__("os").path.exists(
    jobdescription.chromium_path()), reason="Chromium not installed")
def test_job_description_pdf_is_printed_by_chromium(login_client, technician):
    response = login_client("employee").get("/organisation/roles/TECH-1/job-description.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


# ---------------------------------------------------------------- query counts stay flat


def grow_organisation(units: int, people_per_unit: int) -> None:
    parent = Unit.objects.get(external_id="OPS")
    for number in range(units):
        unit = services.create_unit(SYSTEM, external_id=f"U{number}", name=f"Unit {number}",
                                    parent=parent if number % 2 else None)
        manager = Person.objects.get(employee_id="E001")
        for index in range(people_per_unit):
            services.create_person(SYSTEM, employee_id=f"P{number}-{index}", name=f"Person {number}-{index}",
                                   unit=unit, manager=manager)


@pytest.mark.parametrize("size", [(2, 2), (25, 6)])
def test_tree_and_search_pages_cost_the_same_queries_at_any_size(login_client, org, size,
                                                                  django_assert_max_num_queries):
    grow_organisation(*size)
    for who in ("hr", "manager"):
        client = login_client(who)
        # Session, user, roles, (the viewer's Person), units, head counts, people count, people page.
        with django_assert_max_num_queries(8):
            response = client.get("/organisation/", {"q": "Person", "unit": org.units["CO"].pk})
        # Unit 1, 3, 5... sit under Operations; the others are roots outside Company.
        assert response.context["people_page"].paginator.count == (2 if size == (2, 2) else 12 * 6)
        assert response.context["unit_count"] == 4 + size[0]
        with django_assert_max_num_queries(10):
            assert client.get("/organisation/people/E001/").status_code == 200


def grow_roles(count: int, competencies: dict[str, Competency]) -> None:
    """`count` roles; the first, R0, gets a bigger DACUM chart as `count` grows (two tasks per duty, each
    naming a competency)."""
    for number in range(count):
        services.create_role(SYSTEM, external_id=f"R{number}", name=f"Role {number}", family=f"F{number % 3}")
    role = Role.objects.get(external_id="R0")
    for duty_number in range(1 + count // 3):
        duty = services.add_duty(role, SYSTEM, title=f"Duty {duty_number}")
        for task_number, code in enumerate(("LOTO", "PTW")):
            task = services.add_task(duty, SYSTEM, title=f"Task {task_number}", frequency="weekly")
            services.set_task_competency(task, SYSTEM, competency=competencies[code],
                                         level=1 + (duty_number + task_number) % 5, standard="")


@pytest.mark.parametrize("size", [1, 12])
def test_role_pages_cost_the_same_queries_at_any_size(login_client, technician, dictionary_v1, size,
                                                       django_assert_max_num_queries):
    grow_roles(size, dictionary_v1)
    client = login_client("competency_manager")
    with django_assert_max_num_queries(6):
        assert len(client.get("/organisation/roles/").context["roles_page"].object_list) == size + 1
    with django_assert_max_num_queries(8):
        assert len(client.get("/organisation/roles/R0/").context["chart"]) == 1 + size // 3
    with django_assert_max_num_queries(10):
        assert client.get("/organisation/roles/R0/edit/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/organisation/roles/R0/job-description").status_code == 200



# ---------------------------------------------------------------- import and export files


def upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_import_lists_every_bad_row_and_stores_nothing(login_client, org):
    units_before = sorted(Unit.objects.values_list("external_id", flat=True))
    bad = b"unit_id,name,parent_id\nPLANT,Plant,CO\nPUMPS,,PLANT\nVALVES,Valves,NOWHERE\n"
    response = login_client("hr").post("/organisation/import/", {"kind": "units", "file": upload("units.csv", bad)})
    assert response.status_code == 400
    errors = [(e.row, e.field) for e in response.context["errors"]]
    assert errors == [(3, "name"), (4, "parent_id")]
    text = text_of(response)
    assert "Nothing was imported: 2 problems" in text
    assert re.search(r"Row Field Problem 3 name \S", text)
    assert sorted(Unit.objects.values_list("external_id", flat=True)) == units_before


def test_import_of_a_good_file_stores_it_and_says_so(login_client, org):
    from compms.interop.base import write_table

    client = login_client("hr")
    good = write_table(["unit_id", "name", "parent_id"], [["PLANT", "Plant", "CO"], ["PUMPS", "Pump house", "PLANT"]],
                       "xlsx")
    response = client.post("/organisation/import/", {"kind": "units", "file": upload("units.xlsx", good)},
                           follow=True)
    assert response.redirect_chain == [("/organisation/import/", 302)]
    assert "units.xlsx:" in text_of(response)
    pumps = Unit.objects.get(external_id="PUMPS")
    assert (pumps.parent.external_id, pumps.parent.parent.external_id) == ("PLANT", "CO")


def test_import_refuses_other_file_types_beside_the_file_field(login_client, org):
    response = login_client("hr").post("/organisation/import/",
                                       {"kind": "units", "file": upload("units.txt", b"unit_id,name\nX,Y\n")})
    assert response.status_code == 400
    assert field_error(response, "id_file") == "Upload a .csv or .xlsx file."
    assert not Unit.objects.filter(external_id="X").exists()


@pytest.mark.parametrize("who", ["employee", "manager", "competency_manager", "outsider"])
def test_import_and_export_are_for_hr_only(login_client, org, who):
    client = login_client(who)
    assert client.get("/organisation/import/").status_code == 403
    response = client.post("/organisation/import/", {"kind": "units",
                                                     "file": upload("u.csv", b"unit_id,name\nSNEAK,Sneak\n")})
    assert response.status_code == 403
    assert client.get("/organisation/export/people/").status_code == 403
    assert not Unit.objects.filter(external_id="SNEAK").exists()


def test_export_links_download_the_organisation_files(login_client, org):
    client = login_client("hr")
    page = client.get("/organisation/import/").content.decode()
    assert 'href="/organisation/export/units/?format=csv"' in page
    response = client.get("/organisation/export/units/", {"format": "csv"})
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "unit_id,name,parent_id"
    assert "MNT,Maintenance,OPS" in lines
    xlsx = client.get("/organisation/export/people/", {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"  # a zip container: the .xlsx workbook
    assert client.get("/organisation/export/nonsense/").status_code == 404

"""Issue 10 in development: mentors are named but their levels stay private unless they opt in, nobody the
caller may not see is named in a message, the commission raise endpoint is reachable, and an administrator
gets the team plans page.

Kim (log-in employee) and Lee report to Mo (log-in manager); Olu is outside Mo's team. All three are
technicians needing P at 3. Lee holds P 4 and Olu P 1, so both are suggested to Kim as mentors for P.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from compms.access import SYSTEM
from compms.audit.models import AuditEntry
from compms.development import services
from compms.development.models import MentorPreference, PlanAction


@pytest.fixture
def mentors(org: Any, add: Any, on_day: Any) -> Any:
    on_day(dt.date(2026, 3, 1))
    add(org.lee, org.p, 4, "assessor", dt.date(2026, 1, 5))
    add(org.olu, org.p, 1, "manager", dt.date(2026, 1, 5))
    return org


def mentor_rows(html: str) -> str:
    return html[html.index('id="mentors"'):html.index("</table>", html.index('id="mentors"'))]


# ---------------------------------------------------------------- mentor levels

@pytest.mark.django_db
def test_an_employee_sees_mentors_names_but_not_their_levels(mentors, api, login_client) -> None:
    plan = api("employee").get("/api/v1/development/people/E-KIM/plan").json()
    assert [(m["name"], m["competency_code"], m["level"]) for m in plan["mentors"]] == [
        ("Lee", "P", None), ("Olu", "P", None)]
    table = mentor_rows(login_client("employee").get("/development/me/").content.decode())
    assert "Lee" in table and "Olu" in table
    assert "<td>4</td>" not in table and "<td>1</td>" not in table and "not shared" in table


@pytest.mark.django_db
def test_a_manager_sees_the_levels_of_their_own_reports_only(mentors, api) -> None:
    plan = api("manager").get("/api/v1/development/people/E-KIM/plan").json()
    assert [(m["name"], m["level"]) for m in plan["mentors"]] == [("Lee", 4), ("Olu", None)]
    assert [(m["name"], m["level"]) for m in api("hr").get("/api/v1/development/people/E-KIM/plan").json()[
        "mentors"]] == [("Lee", 4), ("Olu", 1)]


@pytest.mark.django_db
def test_a_colleague_who_opts_in_shows_their_levels(mentors, api) -> None:
    services.set_mentor_preference(SYSTEM, mentors.olu, share_levels=True)
    plan = api("employee").get("/api/v1/development/people/E-KIM/plan").json()
    assert [(m["name"], m["level"]) for m in plan["mentors"]] == [("Lee", None), ("Olu", 1)]


@pytest.mark.django_db
def test_a_person_opts_in_on_their_own_page_and_the_choice_is_audited(mentors, login_client) -> None:
    client = login_client("employee")
    page = client.get("/development/me/").content.decode()
    assert 'id="share-levels"' in page and "checked" not in page[page.index('id="share-levels"'):][:40]
    done = client.post("/development/people/E-KIM/", {"action": "mentor_preference", "share_levels": "on"},
                       follow=True)
    assert b"now see your levels" in done.content
    assert MentorPreference.objects.get(person=mentors.kim).share_levels is True
    entry = AuditEntry.objects.filter(action="development.mentor_preference.set").get()
    assert (entry.before, entry.after) == ({"share_levels": False}, {"share_levels": True})
    client.post("/development/people/E-KIM/", {"action": "mentor_preference"})  # unticked: name only again
    assert MentorPreference.objects.get(person=mentors.kim).share_levels is False


@pytest.mark.django_db
def test_only_the_person_chooses_what_colleagues_see(mentors, cast, login_client) -> None:
    with pytest.raises(PermissionDenied):
        services.set_mentor_preference(cast.manager, mentors.kim, share_levels=True)
    with pytest.raises(PermissionDenied):
        services.set_mentor_preference(None, mentors.kim, share_levels=True)
    refused = login_client("manager").post("/development/people/E-KIM/", {"action": "mentor_preference",
                                                                           "share_levels": "on"})
    assert refused.status_code == 403 and not MentorPreference.objects.exists()
    # The form is on one's own plan only.
    assert 'id="share-levels"' not in login_client("manager").get("/development/people/E-KIM/").content.decode()


# ---------------------------------------------------------------- add mentor names nobody unseen

@pytest.mark.django_db
def test_adding_a_mentor_outside_the_suggestions_answers_as_for_nobody(mentors, login_client) -> None:
    client = login_client("employee")
    hidden = client.post("/development/people/E-KIM/", {"action": "add_mentor", "mentor": "E-HANA"})
    missing = client.post("/development/people/E-KIM/", {"action": "add_mentor", "mentor": "E-NOBODY"})
    assert hidden.status_code == missing.status_code == 404
    assert b"Hana" not in hidden.content
    assert not PlanAction.objects.exists()
    added = client.post("/development/people/E-KIM/", {"action": "add_mentor", "mentor": "E-LEE"}, follow=True)
    assert b"Mentoring by Lee added to the plan." in added.content
    assert PlanAction.objects.get().mentor == mentors.lee


@pytest.mark.django_db
def test_hr_may_name_any_colleague_as_mentor(mentors, login_client) -> None:
    added = login_client("hr").post("/development/people/E-KIM/", {"action": "add_mentor", "mentor": "E-AVA"},
                                    follow=True)
    assert b"Mentoring by Ava Assessor added to the plan." in added.content


# ---------------------------------------------------------------- optimiser accept names nobody

@pytest.mark.django_db
def test_optimiser_accept_refuses_before_looking_anyone_up(org, api) -> None:
    body = {"enrolments": [["E-LEE", "NOPE"], ["E-NOBODY", "NOPE"]]}
    refused = api("employee").post("/api/v1/development/optimiser/accept", body)
    assert refused.status_code == 403 and "E-" not in refused.content.decode()
    unknown = api("hr").post("/api/v1/development/optimiser/accept", {"enrolments": [["E-NOBODY", "NOPE"]]})
    assert unknown.status_code == 404 and unknown.json() == {"detail": "No such person."}
    no_resource = api("hr").post("/api/v1/development/optimiser/accept", {"enrolments": [["E-LEE", "NOPE"]]})
    assert no_resource.status_code == 400 and "NOPE" in no_resource.content.decode()


# ---------------------------------------------------------------- wrong refusals

@pytest.mark.django_db
def test_raising_commissions_over_the_api_is_not_shadowed(org, api) -> None:
    services.add_goal(SYSTEM, org.kim, competency=org.q, target_level=2)  # nothing in the catalogue teaches Q
    raised = api("hr").post("/api/v1/development/commissions/raise")
    assert raised.status_code == 200
    assert [(c["kind"], c["competency_code"], c["level"]) for c in raised.json()] == [("new_resource", "Q", 2)]
    assert api("employee").post("/api/v1/development/commissions/raise").status_code == 403


@pytest.mark.django_db
def test_an_administrator_gets_the_team_plans_page(org, login_client) -> None:
    page = login_client("administrator").get("/development/team/")
    assert page.status_code == 200
    assert b"/development/people/E-KIM/" in page.content and b"/development/people/E-OLU/" in page.content
    assert login_client("employee").get("/development/team/").status_code == 403


# ---------------------------------------------------------------- None is no trusted caller

@pytest.mark.django_db
def test_none_is_refused_and_the_system_passes(org) -> None:
    with pytest.raises(PermissionDenied):
        services.create_resource(None, resource_id="X", title="X")
    with pytest.raises(PermissionDenied):
        services.add_goal(None, org.kim, competency=org.q, target_level=2)
    with pytest.raises(PermissionDenied):
        services.raise_commissions(None)
    assert services.create_resource(SYSTEM, resource_id="X", title="X").resource_id == "X"


@pytest.mark.django_db
def test_the_catalogue_export_needs_a_reader(org, cast) -> None:
    from compms.development.imports import export_resources

    services.create_resource(SYSTEM, resource_id="X", title="X")
    for refused in (None, cast.outsider):
        with pytest.raises(PermissionDenied):
            export_resources(None, refused, {})
    content, name, _ = export_resources(None, cast.employee, {})
    assert name == "resources.csv"

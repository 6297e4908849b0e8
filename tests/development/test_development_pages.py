"""Development pages with the cast: a person's plan, the manager's approval, the catalogue, HR's
optimiser and commissions. Kim (the employee log-in) and Lee report to Mo (the manager log-in); all
three technicians (Kim, Lee, Olu) need P at 3 (essential) and Q at 2 (desirable) and hold nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from compms.access import SYSTEM
from compms.development import services
from compms.development.models import Commission, DevelopmentNeed, DevelopmentPlan, PlanAction, Resource


def resource(code: str, cost: int, hours: int, *outcomes, link: str = "") -> Resource:
    return services.create_resource(SYSTEM, resource_id=code, title=f"{code} course", cost=cost, hours=hours,
                                    link=link, outcomes=[services.OutcomeSpec(c, e, x) for c, e, x in outcomes])


@pytest.mark.django_db
def test_employee_makes_needs_from_gaps_on_their_own_plan_and_sees_no_one_elses(org, login_client) -> None:
    resource("PUMP-1", 100, 8, (org.p, 0, 3))
    client = login_client("employee")
    page = client.get("/development/me/")
    assert page.status_code == 200
    assert b"Make needs from 2 gaps" in page.content
    assert b"approve-plan" not in page.content  # nobody approves their own plan
    made = client.post("/development/people/E-KIM/", {"action": "needs_from_gaps"}, follow=True)
    assert b"2 development needs made from gaps." in made.content
    assert sorted(DevelopmentNeed.objects.filter(person=org.kim).values_list("competency__code", "target_level")) == [
        ("P", 3), ("Q", 2)]
    # The recommended course can be added in one click.
    assert b"PUMP-1 course" in made.content
    client.post("/development/people/E-KIM/", {"action": "add_resource", "resource": "PUMP-1"})
    assert PlanAction.objects.get(plan__person=org.kim).resource.resource_id == "PUMP-1"
    # Lee's plan is not Kim's business: 404, and a post changes nothing.
    assert client.get("/development/people/E-LEE/").status_code == 404
    assert client.post("/development/people/E-LEE/", {"action": "needs_from_gaps"}).status_code == 404
    assert not DevelopmentNeed.objects.filter(person=org.lee).exists()


@pytest.mark.django_db
def test_employee_sets_a_goal_of_their_own(org, login_client) -> None:
    client = login_client("employee")
    client.post("/development/people/E-KIM/", {"action": "add_goal", "competency": org.q.pk, "target_level": 4,
                                               "target_date": "2026-12-31"})
    goal = DevelopmentNeed.objects.get(person=org.kim)
    assert (goal.origin, goal.target_level, goal.target_date) == ("goal", 4, dt.date(2026, 12, 31))
    refused = client.post("/development/people/E-KIM/", {"action": "add_goal", "competency": org.q.pk,
                                                         "target_level": 0}, follow=True)
    assert b"a goal needs a target level of at least 1" in refused.content


@pytest.mark.django_db
def test_manager_approves_a_reports_plan_from_the_team_page(org, login_client) -> None:
    course = resource("PUMP-1", 100, 8, (org.p, 0, 3))
    services.add_action(SYSTEM, org.kim, kind="resource", resource=course)
    services.submit_plan(SYSTEM, org.kim)
    client = login_client("manager")
    team = client.get("/development/team/")
    assert team.status_code == 200
    assert b"/development/people/E-KIM/" in team.content and b"/development/people/E-LEE/" in team.content
    assert b"E-OLU" not in team.content  # Olu is not Mo's report
    plan = client.get("/development/people/E-KIM/")
    assert b"approve-plan" in plan.content
    client.post("/development/people/E-KIM/", {"action": "approve"})
    stored = DevelopmentPlan.objects.get(person=org.kim)
    assert stored.status == "approved" and stored.approved_by.username == "manager"
    # The employee cannot approve by posting either.
    services.add_action(SYSTEM, org.kim, kind="task", task="Strip a pump with Lee")
    login_client("employee").post("/development/people/E-KIM/", {"action": "approve"})
    assert DevelopmentPlan.objects.get(person=org.kim).status == "draft"


@pytest.mark.django_db
def test_catalogue_lists_resources_and_the_detail_opens_the_link(org, login_client) -> None:
    resource("PUMP-1", 100, 8, (org.p, 0, 3), link="https://learning.example/pump")
    client = login_client("employee")
    listed = client.get("/development/?q=PUMP")
    assert b"/development/catalogue/PUMP-1/" in listed.content
    detail = client.get("/development/catalogue/PUMP-1/")
    assert b'href="https://learning.example/pump"' in detail.content
    assert b'enctype="multipart/form-data"' not in detail.content  # only HR uploads
    assert b'enctype="multipart/form-data"' in login_client("hr").get("/development/catalogue/PUMP-1/").content


@pytest.mark.django_db
def test_hr_runs_the_optimiser_and_accepts_the_plan(org, login_client) -> None:
    from compms.training.models import Enrolment

    resource("PUMP-1", 100, 8, (org.p, 0, 3))
    assert login_client("employee").get("/development/optimiser/").status_code == 403
    client = login_client("hr")
    # Budget 250 buys two places; each closes P from 0 to 3 for an essential line: 3 x 3 = 9.
    result = client.post("/development/optimiser/", {"unit": "", "budget": "250", "hours": "40"})
    assert result.status_code == 200
    text = result.content.decode()
    assert '<dd id="enrolment-count">2</dd>' in text
    assert "200.00 of 250.00" in text
    # 18 of the 33 weighted levels short (3 people x (3 x 3 + 1 x 2)).
    assert '<dd id="gap-closed">18 of 33</dd>' in text
    token = text.split('name="token" value="')[1].split('"')[0]
    accepted = client.post("/development/optimiser/accept", {"token": token}, follow=True)
    assert b"2 enrolment requests sent to training" in accepted.content
    assert Enrolment.objects.filter(status="requested", resource__resource_id="PUMP-1").count() == 2
    # The same plan cannot be accepted twice.
    again = client.post("/development/optimiser/accept", {"token": token}, follow=True)
    assert b"no longer available" in again.content
    assert Enrolment.objects.count() == 2


@pytest.mark.django_db
def test_commission_pages_are_for_hr_and_move_a_commission_along(org, login_client, cast) -> None:
    services.add_goal(SYSTEM, org.kim, competency=org.q, target_level=5)  # nothing in the catalogue teaches Q
    assert login_client("manager").get("/development/commissions/").status_code == 403
    client = login_client("hr")
    client.post("/development/commissions/raise")
    commission = Commission.objects.get()
    assert (commission.kind, commission.competency.code, commission.level) == ("new_resource", "Q", 5)
    listed = client.get("/development/commissions/")
    assert f"/development/commissions/{commission.pk}/".encode() in listed.content
    client.post(f"/development/commissions/{commission.pk}/", {"action": "move", "status": "approved"})
    client.post(f"/development/commissions/{commission.pk}/", {"action": "move", "status": "in_progress"})
    refused = client.post(f"/development/commissions/{commission.pk}/", {"action": "move", "status": "delivered"},
                          follow=True)
    assert b"link the resource the provider delivered first" in refused.content
    resource("QUAL-5", 300, 16, (org.q, 0, 5))
    client.post(f"/development/commissions/{commission.pk}/", {"action": "link", "resource": "QUAL-5"})
    client.post(f"/development/commissions/{commission.pk}/", {"action": "move", "status": "delivered"})
    commission.refresh_from_db()
    assert commission.status == "delivered" and commission.resource.resource_id == "QUAL-5"
    detail = client.get(f"/development/commissions/{commission.pk}/")
    assert b"move-form" not in detail.content  # a delivered commission offers no more moves

"""Commissioning: the status machine, links, auto-raise and the API. Kim, Lee and Olu (technicians)
need P at 3 and Q at 2 and hold nothing; Kim and Lee report to Mo."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from compms.access import SYSTEM
from compms.development import services
from compms.development.models import Resource


def resource(code: str, cost: int, *outcomes) -> Resource:
    return services.create_resource(SYSTEM, resource_id=code, title=code, cost=cost, hours=8,
                                    outcomes=[services.OutcomeSpec(c, e, x) for c, e, x in outcomes])


@pytest.mark.django_db
def test_a_commission_moves_only_forward_and_stops_when_closed(org, cast) -> None:
    course = resource("PUMP-1", 100, (org.p, 0, 3))
    commission = services.create_commission(cast.hr, kind="places", resource=course, places=4, budget=400,
                                            provider="Acme")
    assert commission.title == "4 places on PUMP-1 PUMP-1" and commission.status == "requested"
    with pytest.raises(ValidationError) as skipped:
        services.move_commission(commission, cast.hr, "delivered")
    assert "a requested commission cannot become delivered" in str(skipped.value)
    for step in ("approved", "in_progress", "delivered"):
        commission = services.move_commission(commission, cast.hr, step)
    assert commission.status == "delivered"
    with pytest.raises(ValidationError):
        services.move_commission(commission, cast.hr, "cancelled")
    with pytest.raises(PermissionDenied):
        services.create_commission(cast.manager, kind="places", resource=course, places=1)


@pytest.mark.django_db
def test_a_commission_names_what_it_needs(org, cast) -> None:
    with pytest.raises(ValidationError) as places:
        services.create_commission(cast.hr, kind="places", places=0)
    assert set(places.value.message_dict) == {"resource", "places"}
    with pytest.raises(ValidationError) as new:
        services.create_commission(cast.hr, kind="new_resource", budget=-5)
    assert set(new.value.message_dict) == {"competency", "level", "budget"}


@pytest.mark.django_db
def test_sessions_of_another_resource_cannot_be_linked(org, cast) -> None:
    from compms.training.services import create_session

    pump, quality = resource("PUMP-1", 100, (org.p, 0, 3)), resource("QUAL-1", 50, (org.q, 0, 2))
    commission = services.create_commission(cast.hr, kind="places", resource=pump, places=2)
    mine = create_session(cast.hr, resource=pump, starts_on=dt.date(2099, 5, 1), capacity=2, place="Plant")
    other = create_session(cast.hr, resource=quality, starts_on=dt.date(2099, 5, 1), capacity=2, place="Plant")
    with pytest.raises(ValidationError) as wrong:
        services.link_commission(commission, cast.hr, session_ids=[mine.pk, other.pk])
    assert f"not sessions of PUMP-1: [{other.pk}]" in str(wrong.value)
    services.link_commission(commission, cast.hr, session_ids=[mine.pk])
    commission.refresh_from_db()
    assert commission.session_ids == [mine.pk]


@pytest.mark.django_db
def test_raise_commissions_for_unserved_needs_and_full_courses(org, cast) -> None:
    from compms.training.services import create_session

    # Needs: Kim and Lee want P at 3 (a course exists), Kim and Olu want Q at 2 (no resource) and
    # Olu wants Q at 4 (no resource): two new-resource commissions, Q->2 for two people and Q->4.
    pump = resource("PUMP-1", 100, (org.p, 0, 3))
    resource("QUAL-LOW", 10, (org.q, 1, 2))  # needs level 1 to enter: nobody qualifies
    for person in (org.kim, org.lee):
        need = services.add_goal(SYSTEM, person, competency=org.p, target_level=3)
        services.add_action(SYSTEM, person, kind="resource", resource=pump, need=need)
    services.add_goal(SYSTEM, org.kim, competency=org.q, target_level=2, target_date=dt.date(2026, 9, 1))
    services.add_goal(SYSTEM, org.olu, competency=org.q, target_level=2, target_date=dt.date(2026, 7, 1))
    services.add_goal(SYSTEM, org.olu, competency=org.q, target_level=4)
    # One session with one free place for two people waiting on PUMP-1: one place short.
    create_session(cast.hr, resource=pump, starts_on=dt.date(2099, 5, 1), capacity=1, place="Plant")

    raised = services.raise_commissions(cast.hr)
    summary = sorted((c.kind, c.competency.code if c.competency else c.resource.resource_id, c.level, c.places,
                      c.due_on, c.needs.count()) for c in raised)
    assert summary == [("new_resource", "Q", 2, 2, dt.date(2026, 7, 1), 2),
                       ("new_resource", "Q", 4, 1, None, 1),
                       ("places", "PUMP-1", None, 1, None, 2)]
    places = next(c for c in raised if c.kind == "places")
    assert places.budget == 100 and all(c.raised_automatically for c in raised)
    # Nothing changed: nothing new to raise.
    assert services.raise_commissions(cast.hr) == []
    # Cancelling frees the needs for a later run.
    services.move_commission(places, cast.hr, "cancelled")
    assert [c.kind for c in services.raise_commissions(cast.hr)] == ["places"]


@pytest.mark.django_db
def test_commissions_api(org, api) -> None:
    course = resource("PUMP-1", 100, (org.p, 0, 3))
    assert api("manager").get("/api/v1/development/commissions").status_code == 403
    made = api("hr").post("/api/v1/development/commissions",
                          {"kind": "places", "resource_id": course.resource_id, "places": 3, "budget": "300"})
    assert made.status_code == 201, made.json()
    assert made.json()["allowed_moves"] == ["approved", "cancelled"]
    pk = made.json()["id"]
    bad = api("hr").post(f"/api/v1/development/commissions/{pk}/status", {"status": "delivered"})
    assert bad.status_code == 400
    assert api("hr").post(f"/api/v1/development/commissions/{pk}/status",
                          {"status": "approved"}).json()["status"] == "approved"
    assert [c["id"] for c in api("hr").get("/api/v1/development/commissions?status=approved").json()["items"]] == [pk]

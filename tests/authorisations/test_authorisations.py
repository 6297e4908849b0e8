"""Authorisations to work, by hand-worked cases on the evidence tests' small organisation.

Authorisation GAS-TEST ("Authorised gas tester") needs Pump maintenance (P) at level 3 and Quality
checks (Q) at level 2, lasts 12 months, and is granted by HR or managers. Today is 2026-03-01."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from compms.access import SYSTEM
from compms.authorisations import queries, services
from compms.authorisations.models import Authorisation, Grant, GrantEvent
from compms.authorisations.services import RequirementSpec
from compms.interop.base import ImportFailed, importers

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)
D = dt.date


@pytest.fixture(autouse=True)
def fixed_day(on_day) -> None:
    on_day(TODAY)


@pytest.fixture
def gas(org) -> Authorisation:
    return services.define_authorisation(
        SYSTEM, code="GAS-TEST", name="Authorised gas tester", validity_months=12,
        granted_by_roles=["hr", "manager"],
        requirements=[RequirementSpec(org.p, 3), RequirementSpec(org.q, 2)])


@pytest.fixture
def kim_competent(org, add) -> None:
    add(org.kim, org.p, 3, "certificate", D(2026, 1, 10), valid_until=D(2026, 6, 30))
    add(org.kim, org.q, 2, "test", D(2026, 2, 1))


def check(cast, who, employee_id="E-KIM", as_of=None) -> dict:
    return queries.check(cast.users[who] if who != "system" else SYSTEM, employee_id, "GAS-TEST", as_of)


def test_grant_is_refused_naming_the_competency_that_is_short(org, add, gas, cast):
    add(org.kim, org.p, 2, "assessor", D(2026, 2, 1))
    add(org.kim, org.q, 2, "test", D(2026, 2, 1))
    with pytest.raises(ValidationError) as refused:
        services.grant(cast.hr, person=org.kim, authorisation=gas)
    assert refused.value.message_dict["requirements"] == ["Pump maintenance (P): level 2 held but 3 needed"]
    assert not Grant.objects.exists()


def test_grant_when_met_records_the_evidence_and_lasts_until_the_earliest_expiry(org, gas, kim_competent, cast):
    grant = services.grant(cast.manager, person=org.kim, authorisation=gas, note="Observed on site")
    assert grant.valid_until == D(2027, 3, 1)
    assert grant.granted_by_name == "Mo Manager"
    assert [(e["competency"], e["level"], e["source"], e["valid_until"]) for e in grant.evidence_snapshot] == [
        ("P", 3, "certificate", "2026-06-30"), ("Q", 2, "test", None)]
    # The certificate runs out before the grant does: the check says so.
    assert check(cast, "hr") == {"authorised": True, "reasons": [], "valid_until": "2026-06-30"}


def test_nobody_grants_to_themself_and_an_employee_may_not_grant(org, gas, kim_competent, cast, add):
    with pytest.raises(PermissionDenied):
        services.grant(cast.employee, person=org.kim, authorisation=gas)
    add(org.mo, org.p, 3, "certificate", D(2026, 1, 10))
    add(org.mo, org.q, 2, "test", D(2026, 2, 1))
    with pytest.raises(PermissionDenied):
        services.grant(cast.manager, person=org.mo, authorisation=gas)


def test_suspended_automatically_the_day_after_the_certificate_lapses_and_reinstated_by_new_evidence(
        org, gas, kim_competent, cast, add, on_day):
    services.grant(cast.hr, person=org.kim, authorisation=gas)
    assert check(cast, "hr", as_of=D(2026, 6, 30))["authorised"] is True  # the last valid day still counts
    lapsed = check(cast, "hr", as_of=D(2026, 7, 1))
    assert lapsed["authorised"] is False
    assert lapsed["valid_until"] is None
    [reason] = lapsed["reasons"]
    assert (reason["why"], reason["competency"], reason["competency_name"], reason["expired_on"]) == (
        "expired", "P", "Pump maintenance", "2026-06-30")
    assert reason["message"] == "Pump maintenance (P): certificate expired on 2026-06-30; level 3 needed"
    # On 5 July a new certificate restores it: reinstated with no one touching the grant.
    on_day(D(2026, 7, 5))
    assert check(cast, "hr")["authorised"] is False  # before the new evidence is recorded
    add(org.kim, org.p, 3, "certificate", D(2026, 7, 5), valid_until=D(2027, 7, 31))
    assert check(cast, "hr") == {"authorised": True, "reasons": [], "valid_until": "2027-03-01"}
    # Asked about the past, the answer stays what it was on that day.
    assert check(cast, "hr", as_of=D(2026, 7, 2))["authorised"] is False
    assert Grant.objects.get().status == "active"  # the automatic part is never stored on the grant


def test_refresh_records_the_automatic_transitions_once(org, gas, kim_competent, cast, add, on_day):
    services.grant(cast.hr, person=org.kim, authorisation=gas)
    on_day(D(2026, 7, 1))
    out = StringIO()
    call_command("authorisations", "refresh", stdout=out)
    assert out.getvalue().startswith("1 ")
    call_command("authorisations", "refresh", stdout=StringIO())  # nothing new the second time
    add(org.kim, org.p, 3, "certificate", D(2026, 7, 1), valid_until=D(2027, 7, 31))
    call_command("authorisations", "refresh", stdout=StringIO())
    assert list(GrantEvent.objects.values_list("action", "effective_on")) == [
        ("granted", TODAY), ("auto_suspended", D(2026, 7, 1)), ("auto_reinstated", D(2026, 7, 1))]


def test_suspend_reinstate_and_revoke_by_hand_need_a_reason(org, gas, kim_competent, cast):
    grant = services.grant(cast.hr, person=org.kim, authorisation=gas)
    with pytest.raises(ValidationError):
        services.suspend(cast.hr, grant, reason="  ")
    services.suspend(cast.manager, grant, reason="Near miss under investigation")
    answer = check(cast, "hr")
    assert answer["authorised"] is False
    assert [r["message"] for r in answer["reasons"]] == [
        "Grant suspended by hand on 2026-03-01: Near miss under investigation"]
    services.reinstate(cast.hr, grant, reason="Investigation closed")
    assert check(cast, "hr")["authorised"] is True
    services.revoke(cast.hr, grant, reason="Left the gas team")
    assert [r["why"] for r in check(cast, "hr")["reasons"]] == ["revoked"]
    with pytest.raises(ValidationError):
        services.reinstate(cast.hr, Grant.objects.get(), reason="Changed my mind")
    with pytest.raises(PermissionDenied):
        services.suspend(cast.employee, Grant.objects.get(), reason="mine")


def test_no_grant_is_a_reason_even_when_competent(org, gas, kim_competent, cast):
    assert check(cast, "hr") == {"authorised": False, "valid_until": None, "reasons": [
        {"why": "no_grant", "message": "No grant of this authorisation", "competency": None, "competency_name": None,
         "framework": None, "context": None, "held_level": None, "required_level": None, "expired_on": None}]}


def test_api_and_cli_give_the_same_answer(org, gas, kim_competent, cast, api):
    services.grant(cast.hr, person=org.kim, authorisation=gas)
    for as_of in (None, "2026-07-01"):
        params = {"employee_id": "E-KIM", "authorisation": "GAS-TEST"} | ({"as_of": as_of} if as_of else {})
        response = api("hr").get("/api/v1/authorisations/check", **params)
        assert response.status_code == 200
        out = StringIO()
        call_command("authorisations", "check", "--person", "E-KIM", "--authorisation", "GAS-TEST",
                     *(["--as-of", as_of] if as_of else []), "--format", "json", stdout=out)
        assert json.loads(out.getvalue()) == response.json()
    text = StringIO()
    call_command("authorisations", "check", "--person", "E-KIM", "--authorisation", "GAS-TEST",
                 "--as-of", "2026-07-01", stdout=text)
    assert "certificate expired on 2026-06-30" in text.getvalue()


def test_check_access_follows_the_people_rules(org, gas, kim_competent, cast, api):
    services.grant(cast.hr, person=org.kim, authorisation=gas)
    url = "/api/v1/authorisations/check"
    assert api("employee").get(url, employee_id="E-KIM", authorisation="GAS-TEST").status_code == 200
    assert api("employee").get(url, employee_id="E-LEE", authorisation="GAS-TEST").status_code == 404
    assert api("manager").get(url, employee_id="E-LEE", authorisation="GAS-TEST").status_code == 200
    assert api("manager").get(url, employee_id="E-OLU", authorisation="GAS-TEST").status_code == 404
    assert api("hr").get(url, employee_id="E-OLU", authorisation="GAS-TEST").status_code == 200
    assert api("outsider").get(url, employee_id="E-KIM", authorisation="GAS-TEST").status_code == 404
    assert api("hr").get(url, employee_id="E-NOBODY", authorisation="GAS-TEST").status_code == 404
    assert api("hr").get(url, employee_id="E-KIM", authorisation="NOPE").status_code == 404
    assert api(None).get(url, employee_id="E-KIM", authorisation="GAS-TEST").status_code == 401


def test_grant_through_the_api(org, gas, kim_competent, api):
    refused = api("employee").post("/api/v1/authorisations/GAS-TEST/grants", {"employee_id": "E-KIM"})
    assert refused.status_code == 403
    made = api("manager").post("/api/v1/authorisations/GAS-TEST/grants", {"employee_id": "E-KIM"})
    assert made.status_code == 201
    assert made.json()["valid_until"] == "2027-03-01"
    short = api("hr").post("/api/v1/authorisations/GAS-TEST/grants", {"employee_id": "E-LEE"})
    assert short.status_code == 400
    assert "Pump maintenance (P): no current evidence; level 3 needed" in str(short.json())
    grant_id = made.json()["id"]
    assert api("hr").post(f"/api/v1/authorisation-grants/{grant_id}/suspend", {"reason": ""}).status_code == 400
    assert api("hr").post(f"/api/v1/authorisation-grants/{grant_id}/suspend",
                          {"reason": "Audit"}).json()["status"] == "suspended"


def test_register_page_shows_status_in_words_and_only_whom_the_user_may_see(org, gas, kim_competent, add, cast,
                                                                               login_client):
    add(org.olu, org.p, 3, "certificate", D(2026, 1, 10))
    add(org.olu, org.q, 2, "test", D(2026, 2, 1))
    services.grant(SYSTEM, person=org.kim, authorisation=gas)
    olu_grant = services.grant(SYSTEM, person=org.olu, authorisation=gas)
    services.suspend(SYSTEM, olu_grant, reason="Audit")
    page = login_client("hr").get("/authorisations/GAS-TEST/").content.decode()
    assert "Authorised gas tester" in page and "Pump maintenance at level 3" in page
    assert "Kim" in page and "Authorised" in page and "Olu" in page and "Suspended by hand" in page
    mine = login_client("employee").get("/authorisations/GAS-TEST/").content.decode()
    assert "Kim" in mine and "Olu" not in mine and "Revoke" not in mine
    export = login_client("hr").get("/authorisations/GAS-TEST/", {"format": "csv"})
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("authorisation,employee_id,name,unit,status")
    assert "Authorised gas tester,E-KIM,Kim,Plant,Authorised,2026-03-01,the system,2026-06-30," in lines
    unit_page = login_client("hr").get("/authorisations/", {"unit": "U1"}).content.decode()
    assert "Suspended by hand" in unit_page


def test_pages_grant_and_suspend_with_a_reason(org, gas, kim_competent, cast, login_client):
    client = login_client("manager")
    assert client.post("/authorisations/GAS-TEST/", {"employee_id": "E-KIM"}).status_code == 302
    grant = Grant.objects.get()
    client.post(f"/authorisations/grants/{grant.pk}/change/", {"action": "suspend", "reason": "Near miss"})
    grant.refresh_from_db()
    assert (grant.status, grant.status_reason) == ("suspended", "Near miss")
    # Someone who may not see Kim is told the grant does not exist.
    assert login_client("assessor").post(f"/authorisations/grants/{grant.pk}/change/",
                                         {"action": "revoke", "reason": "x"}).status_code == 404


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "authorisations.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_defines_authorisations_one_row_per_requirement(org, tmp_path, cast):
    path = write(tmp_path, "code,name,validity_months,framework,competency_code,level,context,granted_by_roles\n"
                           "PERMIT-N,Permit issuer North,24,OPS,P,3,north-site,hr\n"
                           "PERMIT-N,Permit issuer North,24,OPS,Q,2,,hr\n")
    out = StringIO()
    call_command("import", "authorisations", str(path), stdout=out)
    assert "1 authorisation(s) with 2 requirement(s)" in out.getvalue()
    permit = Authorisation.objects.get(code="PERMIT-N")
    assert (permit.validity_months, permit.role_codes()) == (24, ["hr"])
    assert [(n.code, n.level, n.context) for n in queries.needs_of(permit)] == [("P", 3, "North site"), ("Q", 2, None)]


def test_import_is_all_or_nothing_with_row_numbers(org, tmp_path):
    path = write(tmp_path, "code,name,framework,competency_code,level,granted_by_roles\n"
                           "GOOD,Good one,OPS,P,3,\n"
                           "BAD,Bad one,OPS,NOPE,3,\n"
                           "BAD,Bad one,OPS,Q,9,wizard\n")
    with pytest.raises(ImportFailed) as failed:
        importers()["authorisations"].run(path, SYSTEM, {})
    assert sorted((e.row, e.field) for e in failed.value.errors) == [
        (3, "competency_code"), (4, "granted_by_roles"), (4, "level")]
    assert "no competency 'NOPE' in a published version of framework 'OPS'" in str(failed.value)
    assert not Authorisation.objects.exists()


def test_hr_sees_the_grant_suspended_on_the_register_after_the_certificate_lapses(org, gas, kim_competent, cast,
                                                                                   login_client, on_day):
    services.grant(SYSTEM, person=org.kim, authorisation=gas)
    on_day(D(2026, 7, 1))
    page = login_client("hr").get("/authorisations/GAS-TEST/").content.decode()
    assert "Suspended: a competency under it is not held" in page
    assert "Pump maintenance (P): certificate expired on 2026-06-30; level 3 needed" in page
    xlsx = login_client("hr").get("/authorisations/GAS-TEST/", {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx.content[:2] == b"PK"


def test_the_check_costs_a_fixed_number_of_queries(org, gas, kim_competent, cast, django_assert_max_num_queries):
    services.grant(SYSTEM, person=org.kim, authorisation=gas)
    # person, authorisation, requirements, grants, grant events, proficiency (+ lapsed evidence when expired)
    with django_assert_max_num_queries(8):
        assert check(cast, "system")["authorised"] is True
    with django_assert_max_num_queries(10):
        assert check(cast, "system", as_of=D(2026, 7, 1))["authorised"] is False

"""Anonymising a leaver after the retention period: the name goes, the facts and the figures stay."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from compms.access import SYSTEM
from compms.audit.models import AuditEntry
from compms.evidence.models import Evidence
from compms.organisation.models import Person, PersonMove
from compms.privacy import services
from compms.privacy.models import Anonymisation
from tests.privacy.conftest import TODAY

pytestmark = pytest.mark.django_db
PERSONAL = ("Quinn", "Zephyrine", "quinn.zephyrine@example.org", "E-QZ7", "q.zephyrine")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("privacy", "anonymise", *args, stdout=out)
    return out.getvalue()


def assert_no_personal_text(text: str) -> None:
    found = [word for word in PERSONAL if word.lower() in text.lower()]
    assert found == [], f"still names the person: {found}"


@pytest.fixture
def recent_leaver(org):
    """Lee left a year ago: within the retention period."""
    from compms.organisation import services as organisation

    return organisation.mark_left(org.lee, SYSTEM, left_on=dt.date(2025, 12, 1))


def test_an_active_person_is_refused(org):
    with pytest.raises(ValidationError) as refused:
        services.anonymise_person(org.kim, SYSTEM, today=TODAY)
    assert "has not left" in str(refused.value)
    assert not Anonymisation.objects.exists() and Person.objects.get(pk=org.kim.pk).name == "Kim"


def test_within_the_retention_period_hr_must_give_a_reason(org, recent_leaver, cast):
    with pytest.raises(ValidationError) as refused:
        services.anonymise_person(recent_leaver, cast.hr, today=TODAY)
    assert "ends on 2031-12-01" in str(refused.value)

    done = services.anonymise_person(recent_leaver, cast.hr, today=TODAY, early_reason="Erasure request ER-1")
    assert done.early and done.reason == "Erasure request ER-1"


def test_only_hr_anonymises(org, quinn, cast, api):
    with pytest.raises(PermissionDenied):
        services.anonymise_person(quinn.person, cast.manager, today=TODAY)
    assert api("manager").post(f"/api/v1/people/{quinn.person.pk}/privacy/anonymise").status_code == 403
    assert api("employee").post(f"/api/v1/people/{quinn.person.pk}/privacy/anonymise").status_code == 403


def test_the_dry_run_lists_who_and_why_and_changes_nothing(org, quinn, recent_leaver):
    audit_rows = AuditEntry.objects.count()

    out = run("--due", "--dry-run")

    assert "would anonymise E-QZ7 Quinn Zephyrine: left 2019-06-30, retention (6 years) ended 2025-06-30" in out
    assert "E-LEE" not in out and "1 person would be anonymised." in out
    assert Person.objects.get(pk=quinn.person.pk).name == "Quinn Zephyrine"
    assert not Anonymisation.objects.exists() and AuditEntry.objects.count() == audit_rows


def test_due_anonymises_only_those_past_retention_and_a_second_run_does_nothing(org, quinn, recent_leaver):
    out = run("--due")

    quinn_now = Person.objects.get(pk=quinn.person.pk)
    assert quinn_now.name.startswith("Former employee ") and quinn_now.employee_id.startswith("ANON-")
    assert quinn_now.email == "" and "Quinn" not in out
    assert Person.objects.get(pk=org.lee.pk).name == "Lee"  # left a year ago: kept
    assert Person.objects.get(pk=org.kim.pk).name == "Kim"  # still here
    records = AuditEntry.objects.filter(action="privacy.anonymise")
    assert records.count() == 1
    assert_no_personal_text(str(records[0].after) + records[0].object_repr + records[0].note)

    audit_rows = AuditEntry.objects.count()
    again = run("--due")
    assert "0 people anonymised." in again and AuditEntry.objects.count() == audit_rows
    assert Person.objects.get(pk=quinn.person.pk).name == quinn_now.name
    # The single-person path is idempotent too.
    assert services.anonymise_person(quinn_now, SYSTEM, today=TODAY).pseudonym == quinn_now.anonymisation.pseudonym
    assert AuditEntry.objects.count() == audit_rows


def test_the_pseudonym_is_stable_and_the_login_is_scrubbed(org, quinn):
    expected = services.pseudonym_token(quinn.person)
    run("--due")
    user = type(quinn.user).objects.get(pk=quinn.user.pk)
    person = Person.objects.get(pk=quinn.person.pk)

    assert person.name == f"Former employee {expected}" and person.employee_id == f"ANON-{expected}"
    assert user.username == f"former-{expected.lower()}" and not user.is_active
    assert (user.email, user.first_name, user.last_name) == ("", "", "") and not user.has_usable_password()


def test_evidence_keeps_its_facts_and_free_text_stops_naming_the_person(org, quinn):
    before = list(Evidence.objects.filter(person=quinn.person).order_by("pk").values_list(
        "competency_id", "level", "source", "status", "assessed_on", "reason"))
    run("--due")

    after = list(Evidence.objects.filter(person_id=quinn.person.pk).order_by("pk").values_list(
        "competency_id", "level", "source", "status", "assessed_on", "reason"))
    assert after == before and len(after) == 4  # original, replacement, revoked, kept
    # The note that named Quinn is blanked (the evidence triggers allow only that); the others are kept.
    assert Evidence.objects.get(pk=quinn.evidence[0].pk).note == ""
    lee_move = PersonMove.objects.get(person=org.lee, kind=PersonMove.Kind.MANAGER)
    pseudonym = Person.objects.get(pk=quinn.person.pk)
    assert lee_move.from_value == f"{pseudonym.name} ({pseudonym.employee_id})"
    from compms.logbook.models import Entry
    from compms.succession.models import Goal, TalentRating

    assert_no_personal_text(Entry.objects.get(person_id=quinn.person.pk).description)
    assert_no_personal_text(TalentRating.objects.get(person_id=quinn.person.pk).reason)
    assert_no_personal_text(Goal.objects.get(person_id=quinn.person.pk).note)
    from compms.training.models import XapiStatement

    statement = XapiStatement.objects.get(person_id=quinn.person.pk)
    assert_no_personal_text(str(statement.raw))
    assert statement.raw["object"] == {"id": "urn:course:pumps"}  # what was done is kept


def test_after_anonymisation_no_page_names_the_person(org, quinn, login_client, api):
    run("--due")
    person = Person.objects.get(pk=quinn.person.pk)
    client = login_client("hr")

    pages = {
        "person": client.get(f"/organisation/people/{person.employee_id}/"),
        "evidence": client.get(f"/evidence/people/{person.employee_id}/"),
        "audit": client.get("/audit/", {"object_type": "organisation.person", "object_id": person.pk}),
        "audit export": client.get("/audit/export"),
        "export": client.get(f"/privacy/people/{person.pk}/export/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert_no_personal_text(response.content.decode())
    assert person.name in pages["person"].content.decode()
    api_pages = [api("hr").get(f"/api/v1/people/{person.pk}"), api("hr").get("/api/v1/audit"),
                 api("hr").get(f"/api/v1/people/{person.pk}/privacy/export")]
    for response in api_pages:
        assert response.status_code == 200
        assert_no_personal_text(response.content.decode())


def test_the_audit_trail_is_not_rewritten(org, quinn):
    stored_before = list(AuditEntry.objects.order_by("id").values_list("id", "object_repr", "before", "after"))
    run("--due")
    stored_after = list(AuditEntry.objects.order_by("id").values_list("id", "object_repr", "before", "after"))
    assert stored_after[:len(stored_before)] == stored_before


def test_the_audit_chain_still_verifies_after_anonymisation(org, quinn):
    run("--due")
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)  # raises CommandError on the first broken link
    assert out.getvalue()


def test_a_plain_word_user_name_is_not_erased_from_other_peoples_text(org, cast, add):
    """Kim logs in as "employee", an ordinary word: other people's text that says "employee" is left alone."""
    from compms.organisation import services as organisation

    add(org.lee, org.p, 2, "manager", dt.date(2026, 1, 5), note="Lee coached a new employee")
    type(cast.employee).objects.filter(pk=cast.employee.pk).update(first_name="Kim")
    organisation.mark_left(org.kim, SYSTEM, left_on=dt.date(2026, 6, 30))
    services.anonymise_person(org.kim, cast.hr, today=TODAY, early_reason="Erasure request ER-7")

    assert Evidence.objects.get(person=org.lee).note == "Lee coached a new employee"
    new_username = type(cast.employee).objects.get(pk=cast.employee.pk).username
    assert new_username.startswith("former-")
    # On the log-in's own audit entries the user name is replaced where it names them, never the role.
    from compms.privacy.queries import mask_audit_entries

    created = mask_audit_entries(AuditEntry.objects.filter(action="user.create", object_id=str(cast.employee.pk)))
    assert created[0].object_repr == new_username
    assert created[0].after == {"roles": ["employee"], "username": new_username}


def test_organisation_gap_figures_are_identical_before_and_after(org, quinn, add):
    from compms.gaps import reports
    from compms.gaps.loader import clear_cache
    from compms.gaps.reports import ReportParams

    add(org.kim, org.p, 3, "manager", dt.date(2026, 1, 10))
    add(org.lee, org.q, 1, "test", dt.date(2026, 1, 10))
    params = ReportParams(as_of=TODAY)
    clear_cache()
    before = reports.gap_report(SYSTEM, params).as_dict()

    run("--due")
    clear_cache()
    after = reports.gap_report(SYSTEM, params).as_dict()

    assert after == before
    assert before["requirements"] == 6  # Kim, Lee and Olu hold Technician (P and Q); Quinn left


def test_hr_anonymises_one_leaver_from_the_confirm_page(org, quinn, login_client):
    client = login_client("hr")
    person_page = client.get("/organisation/people/E-QZ7/").content.decode()
    assert f'href="/privacy/people/{quinn.person.pk}/anonymise/"' in person_page
    page = client.get(f"/privacy/people/{quinn.person.pk}/anonymise/")
    assert page.status_code == 200 and "ended on 2025-06-30" in page.content.decode()

    done = client.post(f"/privacy/people/{quinn.person.pk}/anonymise/")
    person = Person.objects.get(pk=quinn.person.pk)
    assert done.status_code == 302 and done["Location"] == f"/organisation/people/{person.employee_id}/"
    assert person.anonymisation.actor.username == "hr" and not person.anonymisation.early


def test_the_confirm_page_refuses_an_active_person_and_asks_a_reason_early(org, recent_leaver, login_client):
    client = login_client("hr")
    assert "has not left" in client.get(f"/privacy/people/{org.kim.pk}/anonymise/").content.decode()
    refused = client.post(f"/privacy/people/{org.kim.pk}/anonymise/")
    assert refused.status_code == 400 and Person.objects.get(pk=org.kim.pk).name == "Kim"
    early = client.post(f"/privacy/people/{org.lee.pk}/anonymise/")
    assert early.status_code == 400 and "ends on 2031-12-01" in early.content.decode()


def test_the_api_anonymises_and_lists_who_is_due(org, quinn, recent_leaver, api):
    due = api("hr").get("/api/v1/privacy/anonymisations/due").json()
    assert [(p["employee_id"], p["retention_ended_on"]) for p in due] == [("E-QZ7", "2025-06-30")]

    refused = api("hr").post(f"/api/v1/people/{org.lee.pk}/privacy/anonymise")
    assert refused.status_code == 400 and "reason" in refused.json()["detail"]
    body = api("hr").post(f"/api/v1/people/{quinn.person.pk}/privacy/anonymise").json()
    assert body["name"].startswith("Former employee ") and body["early"] is False
    assert api("hr").get("/api/v1/privacy/anonymisations/due").json() == []


def test_the_single_person_command_refuses_an_active_person(org):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="has not left"):
        run("--person", "E-KIM")

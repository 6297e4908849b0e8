"""The restrict_* functions of compms.access against one worked organisation, and the rule that only SYSTEM
is trusted: None is refused.

    Ann (pk 1, log-in "manager")      Dee (pk 12, manager of a sibling team)      Hana (HR)   Ava (assessor)
      Ben (pk 2, log-in "employee")     Eve (pk 13, path /12/)
        Cy (pk 3, path /1/2/)
    Odd (pk 30): a stale path "/12/1/" that mentions Ann's id but not under Ann's own prefix /1/.

Ann sees herself, Ben and Cy (an indirect report), never Dee's team (/12/ shares the digit 1 with /1/) and
never Odd: a filter matching "/1/" anywhere in the path (the old rule) takes Odd in; the prefix does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from compms.access import SYSTEM, person_scope, reports_prefix
from compms.access.campaigns import restrict_audits
from compms.access.evidence import restrict_claims, restrict_evidence, restrict_registrations
from compms.access.logbook import restrict_entries
from compms.access.people import restrict_people, visible_people
from compms.access.training import restrict_enrolments

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)


@dataclass
class World:
    ann: Any
    ben: Any
    cy: Any
    dee: Any
    eve: Any
    odd: Any
    hana: Any
    ava: Any
    p: Any
    q: Any


@pytest.fixture
def world(cast: Any, monkeypatch: pytest.MonkeyPatch) -> World:
    from compms.evidence import proficiency as prof
    from compms.frameworks import services as frameworks
    from compms.organisation.models import Person, Unit

    monkeypatch.setattr(prof, "today", lambda: TODAY)
    unit = Unit.objects.create(external_id="U", name="Unit", path="/")

    def person(pk: int, name: str, path: str, manager: Any = None, user: Any = None) -> Any:
        return Person.objects.create(pk=pk, employee_id=f"E-{name.upper()}", name=name, unit=unit, manager=manager,
                                     manager_path=path, user=user)

    ann = person(1, "Ann", "", user=cast.manager)
    ben = person(2, "Ben", "/1/", ann, cast.employee)
    cy = person(3, "Cy", "/1/2/", ben)
    dee = person(12, "Dee", "")
    eve = person(13, "Eve", "/12/", dee)
    odd = person(30, "Odd", "/12/1/", eve)
    hana = person(20, "Hana", "", user=cast.hr)
    ava = person(21, "Ava", "", user=cast.assessor)
    version = frameworks.create_framework(code="OPS", name="Operations", actor=SYSTEM)
    p = frameworks.create_competency(version, SYSTEM, code="P", name="Pump maintenance")
    q = frameworks.create_competency(version, SYSTEM, code="Q", name="Quality checks")
    frameworks.publish(version, SYSTEM)
    return World(ann, ben, cy, dee, eve, odd, hana, ava, p, q)


def names(queryset: Any) -> set[str]:
    return set(queryset.values_list("name", flat=True))


EVERYONE = {"Ann", "Ben", "Cy", "Dee", "Eve", "Odd", "Hana", "Ava"}


def test_people_each_caller_sees(world: World, cast: Any) -> None:
    from compms.organisation.models import Person

    everyone = Person.objects.all()
    assert names(restrict_people(everyone, cast.hr)) == EVERYONE
    assert names(restrict_people(everyone, cast.administrator)) == EVERYONE
    assert names(restrict_people(everyone, SYSTEM)) == EVERYONE
    # Own subtree with the indirect report; not the sibling team /12/, not the stale path /12/1/.
    assert names(restrict_people(everyone, cast.manager)) == {"Ann", "Ben", "Cy"}
    assert names(restrict_people(everyone, cast.employee)) == {"Ben"}
    assert names(restrict_people(everyone, cast.assessor)) == {"Ava"}
    # Log-ins without an employee record, anonymous and None: nobody.
    assert names(restrict_people(everyone, cast.competency_manager)) == set()
    assert names(restrict_people(everyone, cast.outsider)) == set()
    assert names(restrict_people(everyone, None)) == set()


def test_a_deactivated_log_in_sees_nothing(world: World, cast: Any) -> None:
    from compms.accounts.models import User

    cast.manager.is_active = False
    cast.manager.save()
    leaver = User.objects.get(pk=cast.manager.pk)
    assert names(visible_people(leaver)) == set()
    cast.hr.is_active = False
    cast.hr.save()
    assert names(visible_people(User.objects.get(pk=cast.hr.pk))) == set()


def test_the_manager_filter_is_the_managers_own_path_prefix(world: World, cast: Any) -> None:
    """startswith on the prefix (an indexable LIKE '/1/%'), never contains (LIKE '%/1/%')."""
    from compms.organisation.models import Person

    assert reports_prefix(world.ann) == "/1/" and reports_prefix(world.ben) == "/1/2/"
    sql = str(restrict_people(Person.objects.all(), cast.manager).query)
    assert "LIKE /1/%" in sql and "%/1/" not in sql
    assert person_scope(cast.hr) is None  # everyone: no filter at all


def test_evidence_and_claims_follow_the_person(world: World, cast: Any) -> None:
    from compms.evidence import services
    from compms.evidence.models import Claim, Evidence

    for who in (world.ben, world.cy, world.eve):
        services.record_evidence(SYSTEM, person=who, competency=world.p, level=2, source="certificate",
                                 assessed_on=dt.date(2025, 1, 1))
    services.create_claim(cast.employee, competency=world.q, level=1)  # Ben's claim
    services.create_claim(SYSTEM, person=world.eve, competency=world.q, level=1)
    evidence, claims = Evidence.objects.all(), Claim.objects.all()

    def whose(rows: Any) -> set[str]:
        return set(rows.values_list("person__name", flat=True))

    assert whose(restrict_evidence(evidence, cast.hr)) == {"Ben", "Cy", "Eve"}
    assert whose(restrict_evidence(evidence, SYSTEM)) == {"Ben", "Cy", "Eve"}
    assert whose(restrict_evidence(evidence, cast.manager)) == {"Ben", "Cy"}
    assert whose(restrict_evidence(evidence, cast.employee)) == {"Ben"}
    assert whose(restrict_evidence(evidence, cast.outsider)) == set()
    assert whose(restrict_evidence(evidence, None)) == set()
    assert whose(restrict_claims(claims, cast.manager)) == {"Ben"}
    assert whose(restrict_claims(claims, cast.employee)) == {"Ben"}
    assert whose(restrict_claims(claims, cast.hr)) == {"Ben", "Eve"}
    assert whose(restrict_claims(claims, None)) == set()
    # Ava holds no registration and no verified level in Q: no claim is hers to verify.
    assert whose(restrict_claims(claims, cast.assessor)) == set()
    services.register_assessor(SYSTEM, person=world.ava, competency=world.q, max_level=2)
    assert whose(restrict_claims(claims, cast.assessor)) == {"Ben", "Eve"}
    registrations = services.AssessorRegistration.objects.all()
    assert restrict_registrations(registrations, cast.assessor).count() == 1
    assert restrict_registrations(registrations, cast.employee).count() == 0
    assert restrict_registrations(registrations, None).count() == 0


def test_enrolments_entries_and_audits(world: World, cast: Any) -> None:
    from compms.campaigns.models import Audit, Participant
    from compms.development.models import Resource
    from compms.logbook.models import Entry
    from compms.training.models import Enrolment

    resource = Resource.objects.create(resource_id="R-PUMP", title="Pump course")
    for who in (world.ben, world.cy, world.eve):
        Enrolment.objects.create(person=who, resource=resource)
    enrolments = Enrolment.objects.all()
    whose = lambda rows: set(rows.values_list("person__name", flat=True))  # noqa: E731
    assert whose(restrict_enrolments(enrolments, cast.hr)) == {"Ben", "Cy", "Eve"}
    assert whose(restrict_enrolments(enrolments, cast.manager)) == {"Ben", "Cy"}
    assert whose(restrict_enrolments(enrolments, cast.employee)) == {"Ben"}
    assert whose(restrict_enrolments(enrolments, None)) == set()

    Entry.objects.create(person=world.cy, supervisor=world.ben, performed_on=TODAY, hours=1, description="x")
    Entry.objects.create(person=world.eve, supervisor=world.dee, performed_on=TODAY, hours=1, description="y")
    entries = Entry.objects.all()
    assert whose(restrict_entries(entries, cast.employee)) == {"Cy"}  # Ben supervises Cy's entry
    assert whose(restrict_entries(entries, cast.hr)) == {"Cy", "Eve"}
    assert whose(restrict_entries(entries, None)) == set()

    audit = Audit.objects.create(name="Spring", deadline=TODAY)
    Participant.objects.create(audit=audit, person=world.ben, unit=world.ben.unit, manager=world.ann)
    assert restrict_audits(Audit.objects.all(), cast.manager).count() == 1
    assert restrict_audits(Audit.objects.all(), cast.employee).count() == 0
    assert restrict_audits(Audit.objects.all(), None).count() == 0
    assert restrict_audits(Audit.objects.all(), SYSTEM).count() == 1


def test_none_is_refused_where_it_used_to_be_trusted(world: World, cast: Any) -> None:
    """Every writer that skipped its check for actor None now refuses it; SYSTEM passes."""
    from compms.campaigns import services as campaigns
    from compms.evidence import services as evidence
    from compms.frameworks import services as frameworks
    from compms.gaps import reports
    from compms.organisation import services as organisation
    from compms.training import services as training

    with pytest.raises(PermissionDenied):
        evidence.record_evidence(None, person=world.ben, competency=world.p, level=2, source="certificate",
                                 assessed_on=dt.date(2025, 1, 1))
    with pytest.raises(PermissionDenied):
        evidence.create_claim(None, person=world.ben, competency=world.p, level=2)
    with pytest.raises(PermissionDenied):
        evidence.register_assessor(None, person=world.ava, competency=world.p, max_level=2)
    with pytest.raises(PermissionDenied):
        frameworks.create_framework(code="X", name="X", actor=None)
    with pytest.raises(PermissionDenied):
        organisation.create_unit(None, external_id="NEW", name="New unit")
    with pytest.raises(PermissionDenied):
        training.require_training_admin(None)
    with pytest.raises(PermissionDenied):
        campaigns.launch_audit(None, name="A", deadline=TODAY, unit=world.ben.unit)
    with pytest.raises(PermissionDenied):
        reports.gap_report(None, reports.ReportParams(as_of=TODAY))
    claim = evidence.create_claim(SYSTEM, person=world.ben, competency=world.p, level=2)
    with pytest.raises(PermissionDenied):
        evidence.verify_claim(claim, None)
    assert evidence.verify_claim(claim, SYSTEM).status == "verified"
    assert organisation.create_unit(SYSTEM, external_id="NEW", name="New unit").name == "New unit"

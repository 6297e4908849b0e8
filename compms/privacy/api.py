"""Personal data over the API: the subject-access export, the list of leavers due for anonymisation, and the
anonymisation of one leaver (HR)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination

from compms.access.privacy import require_anonymiser
from compms.evidence import proficiency as prof
from compms.organisation.models import Person
from compms.privacy import services
from compms.privacy.queries import mask_audit_entries

router = Router(tags=["privacy"])


class AnonymiseIn(Schema):
    reason: str = ""


class AnonymisationOut(Schema):
    person_id: int
    pseudonym: str
    name: str
    employee_id: str
    anonymised_at: dt.datetime
    left_on: dt.date
    retention_years: int
    early: bool


class DuePersonOut(Schema):
    person_id: int
    employee_id: str
    name: str
    left_on: dt.date
    retention_ended_on: dt.date


def _person(person_id: int) -> Person:
    # An unknown id and a person out of the caller's sight give the same 404 (the access checks raise it too).
    return get_object_or_404(Person.objects.select_related("user"), pk=person_id)


def anonymisation_out(done: Any) -> dict[str, Any]:
    person = done.person
    return {"person_id": person.pk, "pseudonym": done.pseudonym, "name": person.name,
            "employee_id": person.employee_id, "anonymised_at": done.anonymised_at, "left_on": done.left_on,
            "retention_years": done.retention_years, "early": done.early}


@router.get("/people/{person_id}/privacy/export", response=dict[str, Any],
            summary="Everything held about a person (HR, administrators, the person themself)")
def export_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """A subject-access export. Managers are refused: it holds records they may not read. Writes an audit
    record. The document's sections are named `app.Model.field` after the relation they come from."""
    return services.export_person_data(_person(person_id), request.user)


@router.get("/privacy/anonymisations/due", response=list[DuePersonOut],
            summary="Leavers past the retention period, not yet anonymised (HR)")
def due_for_anonymisation(request: HttpRequest) -> list[dict[str, Any]]:
    require_anonymiser(request.user)
    return [{"person_id": p.pk, "employee_id": p.employee_id, "name": p.name, "left_on": p.left_on,
             "retention_ended_on": services.retention_ends(p)}
            for p in services.due_for_anonymisation(prof.today())]


@router.post("/people/{person_id}/privacy/anonymise", response=AnonymisationOut,
             summary="Anonymise a leaver (HR); before the retention period ends only with a reason")
def anonymise(request: HttpRequest, person_id: int, body: AnonymiseIn) -> dict[str, Any]:
    """Idempotent: a person already anonymised is answered as before. 400 for a person who has not left, or
    whose retention period has not ended and no `reason` was given."""
    require_anonymiser(request.user)
    done = services.anonymise_person(_person(person_id), request.user, today=prof.today(),
                                     early_reason=body.reason)
    return anonymisation_out(done)


class AnonymisedAuditPagination(PageNumberPagination):
    """The audit API's pages, with anonymised people shown under their pseudonym (see
    `queries.mask_audit_entries`)."""

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        result[self.items_attribute] = mask_audit_entries(result[self.items_attribute])
        return result

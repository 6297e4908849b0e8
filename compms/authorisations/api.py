"""Authorisations to work in the API: the check, the definitions, and grants (grant, suspend, reinstate,
revoke). Each endpoint is thin: it calls `queries` or `services`, as the pages and the CLI do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from compms.access.authorisations import require_sees_person
from compms.authorisations import queries, services
from compms.authorisations.models import Authorisation, Grant

router = Router(tags=["authorisations"])


class ReasonOut(Schema):
    why: str
    message: str
    competency: str | None = None
    competency_name: str | None = None
    framework: str | None = None
    context: str | None = None
    held_level: int | None = None
    required_level: int | None = None
    expired_on: str | None = None


class CheckOut(Schema):
    authorised: bool
    reasons: list[ReasonOut]
    valid_until: str | None


class ErrorOut(Schema):
    detail: Any


class AuthorisationRequirementOut(Schema):
    framework: str
    competency: str
    competency_name: str
    level: int
    context: str | None


class AuthorisationOut(Schema):
    code: str
    name: str
    description: str
    validity_months: int | None
    granted_by_roles: list[str]
    requirements: list[AuthorisationRequirementOut]


class GrantIn(Schema):
    employee_id: str
    note: str = ""


class GrantReasonIn(Schema):
    reason: str


class GrantOut(Schema):
    id: int
    employee_id: str
    authorisation: str
    granted_by: str
    granted_on: dt.date
    valid_until: dt.date | None
    status: str
    status_reason: str
    evidence: list[dict]


def _authorisation_out(authorisation: Authorisation) -> dict[str, Any]:
    return {"code": authorisation.code, "name": authorisation.name, "description": authorisation.description,
            "validity_months": authorisation.validity_months, "granted_by_roles": authorisation.role_codes(),
            "requirements": [{"framework": n.framework, "competency": n.code, "competency_name": n.name,
                              "level": n.level, "context": n.context} for n in queries.needs_of(authorisation)]}


def _grant_out(grant: Grant) -> dict[str, Any]:
    return {"id": grant.pk, "employee_id": grant.person.employee_id, "authorisation": grant.authorisation.code,
            "granted_by": grant.granted_by_name, "granted_on": grant.granted_on, "valid_until": grant.valid_until,
            "status": grant.status, "status_reason": grant.status_reason, "evidence": grant.evidence_snapshot}


@router.get("/authorisations/check", response={200: CheckOut, 404: ErrorOut},
            summary="May this person do this today (or on as_of)? With each reason naming the competency")
def check(request: HttpRequest, employee_id: str, authorisation: str, as_of: dt.date | None = None) -> Any:
    return queries.check(request.user, employee_id, authorisation, as_of)


@router.get("/authorisations", response=list[AuthorisationOut], summary="Every authorisation to work")
def list_authorisations(request: HttpRequest) -> Any:
    return [_authorisation_out(a) for a in Authorisation.objects.all()]


@router.get("/authorisations/{code}", response={200: AuthorisationOut, 404: ErrorOut},
            summary="One authorisation and the competencies it needs")
def get_authorisation(request: HttpRequest, code: str) -> Any:
    return _authorisation_out(queries.find_authorisation(code))


@router.post("/authorisations/{code}/grants", response={201: GrantOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="Grant the authorisation today; refused unless every requirement is met today")
def grant(request: HttpRequest, code: str, payload: GrantIn) -> Any:
    authorisation = queries.find_authorisation(code)
    person = queries.find_person(request.user, payload.employee_id)
    return Status(201, _grant_out(services.grant(request.user, person=person, authorisation=authorisation,
                                                 note=payload.note)))


def _grant(request: HttpRequest, grant_id: int) -> Grant:
    found = Grant.objects.select_related("person", "authorisation").filter(pk=grant_id).first()
    if found is None:
        raise Grant.DoesNotExist("No such grant.")
    require_sees_person(request.user, found.person)
    return found


@router.post("/authorisation-grants/{grant_id}/suspend", response={200: GrantOut, 400: ErrorOut, 403: ErrorOut,
                                                                    404: ErrorOut}, summary="Suspend a grant by hand")
def suspend(request: HttpRequest, grant_id: int, payload: GrantReasonIn) -> Any:
    return _grant_out(services.suspend(request.user, _grant(request, grant_id), reason=payload.reason))


@router.post("/authorisation-grants/{grant_id}/reinstate", response={200: GrantOut, 400: ErrorOut, 403: ErrorOut,
                                                                      404: ErrorOut},
             summary="Reinstate a grant suspended by hand")
def reinstate(request: HttpRequest, grant_id: int, payload: GrantReasonIn) -> Any:
    return _grant_out(services.reinstate(request.user, _grant(request, grant_id), reason=payload.reason))


@router.post("/authorisation-grants/{grant_id}/revoke", response={200: GrantOut, 400: ErrorOut, 403: ErrorOut,
                                                                   404: ErrorOut}, summary="Revoke a grant")
def revoke(request: HttpRequest, grant_id: int, payload: GrantReasonIn) -> Any:
    return _grant_out(services.revoke(request.user, _grant(request, grant_id), reason=payload.reason))

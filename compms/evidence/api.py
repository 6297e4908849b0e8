"""REST API for evidence, claims, assessor registrations, proficiency and a person's gaps.

Thin: every write calls `compms.evidence.services`, reads go through `proficiency` and `gaps`.
Access to a person's data follows `compms.organisation.access` (HR sees everyone, a manager their
reports, anyone else only themselves): an unknown employee id is 404, a known one the user may
not see is 403. A write that loses a race with another user's (a claim already reviewed, a
record already corrected) is 409 and changes nothing.
"""

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from compms.access.evidence import can_see_evidence, restrict_registrations
from compms.access.people import can_see_person
from compms.evidence import proficiency as prof
from compms.evidence import services
from compms.evidence.gaps import person_gaps
from compms.evidence.imports import import_evidence_file
from compms.evidence.models import AssessorRegistration, Claim, Evidence, EvidenceAttachment
from compms.frameworks.models import Competency, FrameworkVersion
from compms.interop.base import ImportFailed
from compms.organisation.models import Context, Person
from compms.site import uploads

router = Router(tags=["evidence"])


# ---------------------------------------------------------------- look-ups and access

def person_for(request: HttpRequest, employee_id: str) -> Person:
    person = Person.objects.filter(employee_id=employee_id).first()
    if person is None:
        raise Person.DoesNotExist(f"No person with employee id {employee_id!r}.")
    if not can_see_person(request.user, person):
        raise PermissionDenied("You may not see this person's records.")
    return person


def person_by_employee_id(employee_id: str, field: str) -> Person:
    person = Person.objects.filter(employee_id=employee_id).first()
    if person is None:
        raise ValidationError({field: f"No person with employee id {employee_id!r}."})
    return person


def resolve_competency(framework: str | None, code: str | None, competency_uuid: UUID | None) -> Competency:
    """The competency row of the latest published version that has it (by code or by uuid)."""
    rows = Competency.objects.filter(version__status=FrameworkVersion.Status.PUBLISHED).select_related(
        "version__framework").order_by("-version__number")
    if competency_uuid is not None:
        found = rows.filter(uuid=competency_uuid).first()
    elif framework and code:
        found = rows.filter(version__framework__code=framework, code=code).first()
    else:
        raise ValidationError({"competency": "Name the competency: framework and competency code, or its uuid."})
    if found is None:
        raise ValidationError({"competency": "No such competency in a published framework version."})
    return found


def resolve_context(code: str | None) -> Context | None:
    if not code:
        return None
    context = Context.objects.filter(code=code).first()
    if context is None:
        raise ValidationError({"context": f"No context with code {code!r}."})
    return context


def evidence_visible(request: HttpRequest, evidence: Evidence) -> None:
    if not can_see_evidence(request.user, evidence):
        raise PermissionDenied("You may not see this person's evidence.")


def evidence_rows() -> QuerySet[Evidence]:
    return Evidence.objects.select_related(
        "person", "competency__version__framework", "context", "recorded_by", "assessor", "changed_by",
    ).prefetch_related("attachments")


def load_evidence(request: HttpRequest, evidence_id: int) -> Evidence:
    evidence = evidence_rows().filter(pk=evidence_id).first()
    if evidence is None:
        raise Evidence.DoesNotExist("No such evidence.")
    evidence_visible(request, evidence)
    return evidence


class MappedRows:
    """A queryset the paginator can count and slice, turning only the page it takes into dicts."""

    def __init__(self, rows: QuerySet, to_dict: Callable[[Any], dict[str, Any]]) -> None:
        self.rows = rows
        self.to_dict = to_dict

    def all(self) -> "MappedRows":
        return self

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [self.to_dict(row) for row in self.rows[page]]


def conflict(exc: services.Conflict) -> Status:
    return Status(409, {"detail": str(exc)})


# ---------------------------------------------------------------- schemas

class ErrorOut(Schema):
    detail: Any


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str


class EvidenceOut(Schema):
    id: int
    person: str = Field(description="Employee id")
    person_name: str
    framework: str
    competency: str = Field(description="Competency code in the version the evidence was recorded against")
    competency_name: str
    competency_uuid: UUID
    context: str | None
    level: int
    source: str
    assessed_on: dt.date
    valid_until: dt.date | None
    recorded_by: str | None
    recorded_at: dt.datetime
    assessor: str | None = Field(None, description="Employee id of the assessor")
    note: str
    status: str = Field(description="active, superseded or revoked")
    superseded_by: int | None
    reason: str
    changed_by: str | None
    changed_at: dt.datetime | None
    import_batch: int | None
    attachments: list[AttachmentOut]


class EvidenceDetailOut(EvidenceOut):
    history: list[EvidenceOut] = Field(description="The chain of corrections this record belongs to, oldest first")


class EvidenceIn(Schema):
    employee_id: str
    framework: str | None = Field(None, description="Framework code (with `competency`)")
    competency: str | None = Field(None, description="Competency code in the latest published version")
    competency_uuid: UUID | None = Field(None, description="Instead of framework + competency")
    level: int
    source: str = Field(description="assessor, certificate, manager, test, training or experience")
    assessed_on: dt.date
    valid_until: dt.date | None = None
    context: str | None = Field(None, description="Context code")
    assessor_id: str | None = Field(None, description="Employee id of the assessor (default: you, as assessor)")
    note: str = ""


class SupersedeIn(Schema):
    reason: str
    level: int
    assessed_on: dt.date
    valid_until: dt.date | None = None
    source: str | None = Field(None, description="Default: the same source as the corrected record")
    note: str = ""


class RevokeIn(Schema):
    reason: str


class EvidenceFilters(Schema):
    status: str | None = Field(None, description="active, superseded or revoked (default: all)")
    source: str | None = None
    framework: str | None = None
    competency: str | None = Field(None, description="Competency code")


def attachment_out(attachment: EvidenceAttachment) -> dict[str, Any]:
    return {"id": attachment.pk, "name": attachment.name, "size": attachment.size,
            "content_type": attachment.content_type,
            "url": f"/api/v1/evidence/{attachment.evidence_id}/attachments/{attachment.pk}"}


def evidence_out(evidence: Evidence) -> dict[str, Any]:
    competency = evidence.competency
    return {
        "id": evidence.pk, "person": evidence.person.employee_id, "person_name": evidence.person.name,
        "framework": competency.version.framework.code, "competency": competency.code,
        "competency_name": competency.name, "competency_uuid": evidence.competency_uuid,
        "context": evidence.context.code if evidence.context_id else None, "level": evidence.level,
        "source": evidence.source, "assessed_on": evidence.assessed_on, "valid_until": evidence.valid_until,
        "recorded_by": evidence.recorded_by.get_username() if evidence.recorded_by_id else None,
        "recorded_at": evidence.recorded_at,
        "assessor": evidence.assessor.employee_id if evidence.assessor_id else None,
        "note": evidence.note, "status": evidence.status, "superseded_by": evidence.superseded_by_id,
        "reason": evidence.reason,
        "changed_by": evidence.changed_by.get_username() if evidence.changed_by_id else None,
        "changed_at": evidence.changed_at, "import_batch": evidence.import_batch_id,
        "attachments": [attachment_out(a) for a in evidence.attachments.all()],
    }


def evidence_detail(evidence: Evidence) -> dict[str, Any]:
    chain_ids = [e.pk for e in services.history(evidence)]
    chain = {e.pk: e for e in evidence_rows().filter(pk__in=chain_ids)}
    return {**evidence_out(evidence), "history": [evidence_out(chain[pk]) for pk in chain_ids]}


# ---------------------------------------------------------------- evidence

@router.get("/people/{employee_id}/evidence", response=list[EvidenceOut],
            summary="A person's evidence, newest first, including superseded and revoked records")
@paginate(PageNumberPagination, page_size=50)
def list_evidence(request: HttpRequest, employee_id: str, filters: EvidenceFilters = Query(...)):
    person = person_for(request, employee_id)
    rows = evidence_rows().filter(person=person)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.source:
        rows = rows.filter(source=filters.source)
    if filters.framework:
        rows = rows.filter(competency__version__framework__code=filters.framework)
    if filters.competency:
        rows = rows.filter(competency__code=filters.competency)
    return MappedRows(rows.order_by("-assessed_on", "-id"), evidence_out)


@router.post("/evidence", response={201: EvidenceDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="Record evidence (managers for their reports, assessors, HR)")
def record_evidence(request: HttpRequest, payload: EvidenceIn):
    # Unknown and out-of-scope people get the same 404 (the service decides scope), so the answer
    # neither confirms that an employee id exists nor names anyone.
    person = Person.objects.filter(employee_id=payload.employee_id).first()
    if person is None:
        raise Person.DoesNotExist("No such person.")
    competency = resolve_competency(payload.framework, payload.competency, payload.competency_uuid)
    assessor = person_by_employee_id(payload.assessor_id, "assessor_id") if payload.assessor_id else None
    evidence = services.record_evidence(
        request.user, person=person, competency=competency, level=payload.level, source=payload.source,
        assessed_on=payload.assessed_on, valid_until=payload.valid_until, context=resolve_context(payload.context),
        assessor=assessor, note=payload.note)
    return Status(201, evidence_detail(evidence_rows().get(pk=evidence.pk)))


@router.get("/evidence/{evidence_id}", response={200: EvidenceDetailOut, 403: ErrorOut, 404: ErrorOut},
            summary="One evidence record with its correction history")
def get_evidence(request: HttpRequest, evidence_id: int):
    return evidence_detail(load_evidence(request, evidence_id))


@router.post("/evidence/{evidence_id}/supersede",
             response={201: EvidenceDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Correct a record: a new record replaces it, the old one is kept as superseded")
def supersede_evidence(request: HttpRequest, evidence_id: int, payload: SupersedeIn):
    evidence = load_evidence(request, evidence_id)
    try:
        new = services.supersede_evidence(evidence, request.user, reason=payload.reason, level=payload.level,
                                          assessed_on=payload.assessed_on, valid_until=payload.valid_until,
                                          source=payload.source, note=payload.note)
    except services.Conflict as exc:
        return conflict(exc)
    return Status(201, evidence_detail(evidence_rows().get(pk=new.pk)))


@router.post("/evidence/{evidence_id}/revoke",
             response={200: EvidenceDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Revoke a record with a reason; it stays in the history")
def revoke_evidence(request: HttpRequest, evidence_id: int, payload: RevokeIn):
    evidence = load_evidence(request, evidence_id)
    try:
        services.revoke_evidence(evidence, request.user, reason=payload.reason)
    except services.Conflict as exc:
        return conflict(exc)
    return evidence_detail(evidence_rows().get(pk=evidence.pk))


@router.post("/evidence/{evidence_id}/attachments",
             response={201: AttachmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="Attach a file (certificate scan, assessment record) to an evidence record")
def attach_file(request: HttpRequest, evidence_id: int, file: File[UploadedFile]):
    evidence = load_evidence(request, evidence_id)
    return Status(201, attachment_out(services.add_attachment(evidence, request.user, file)))


@router.get("/evidence/{evidence_id}/attachments/{attachment_id}", response={403: ErrorOut, 404: ErrorOut},
            summary="Download an attachment")
def download_attachment(request: HttpRequest, evidence_id: int, attachment_id: int):
    load_evidence(request, evidence_id)
    attachment = EvidenceAttachment.objects.filter(pk=attachment_id, evidence_id=evidence_id).first()
    if attachment is None:
        raise EvidenceAttachment.DoesNotExist("No such attachment.")
    # The type comes from the content checked again now, never from what the uploader said.
    return uploads.file_response(attachment.file.open("rb"), attachment.name)


# ---------------------------------------------------------------- proficiency and gaps

class ProficiencyLineOut(Schema):
    framework: str | None
    competency: str | None
    competency_name: str | None
    competency_uuid: UUID
    context: str | None
    level: int
    status: str = Field(description="held, expired or none")
    verified: bool
    source: str | None
    valid_until: dt.date | None
    evidence_date: dt.date | None
    evidence_id: int | None


class ProficiencyOut(Schema):
    person: str
    as_of: dt.date
    proficiencies: list[ProficiencyLineOut]


class AsOfFilter(Schema):
    as_of: dt.date | None = Field(None, description="YYYY-MM-DD; default today")


@router.get("/people/{employee_id}/proficiency", response={200: ProficiencyOut, 403: ErrorOut, 404: ErrorOut},
            summary="A person's proficiency per competency, derived from evidence, as of a date")
def get_proficiency(request: HttpRequest, employee_id: str, filters: AsOfFilter = Query(...)):
    person = person_for(request, employee_id)
    as_of = filters.as_of or prof.today()
    found = prof.proficiency_as_of(person.pk, as_of)
    labels = prof.competency_labels(comp_uuid for comp_uuid, _ in found)
    contexts = prof.context_codes(context_id for _, context_id in found)
    lines = []
    for (comp_uuid, context_id), p in found.items():
        label = labels.get(comp_uuid)
        lines.append({"framework": label.framework if label else None, "competency": label.code if label else None,
                      "competency_name": label.name if label else None, "competency_uuid": comp_uuid,
                      "context": contexts.get(context_id) if context_id else None, "level": p.level,
                      "status": p.status, "verified": p.verified, "source": p.source, "valid_until": p.valid_until,
                      "evidence_date": p.evidence_date, "evidence_id": p.evidence_id})
    lines.sort(key=lambda line: (line["framework"] or "", line["competency"] or "", line["context"] or ""))
    return {"person": person.employee_id, "as_of": as_of, "proficiencies": lines}


class GapRequirementOut(Schema):
    framework: str
    competency: str
    required: int
    proficiency: int
    gap: int
    status: str = Field(description="met, short, missing or expired")
    criticality: str = Field(description="essential or desirable")
    verified: bool
    source: str | None
    valid_until: dt.date | None


class GapRoleOut(Schema):
    role: str = Field(description="The role's external id")
    fit: float = Field(description="1 - sum(w*gap)/sum(w*required), w = 3 essential, 1 desirable")
    ready: bool = Field(description="Every essential requirement met and fit >= 0.9")
    requirements: list[GapRequirementOut]


class PersonGapsOut(Schema):
    person: str
    as_of: dt.date
    roles: list[GapRoleOut]


@router.get("/people/{employee_id}/gaps", response={200: PersonGapsOut, 403: ErrorOut, 404: ErrorOut},
            summary="A person's requirement gaps against each role they hold, as of a date")
def get_gaps(request: HttpRequest, employee_id: str, filters: AsOfFilter = Query(...)):
    person = person_for(request, employee_id)
    return person_gaps(person, filters.as_of).as_dict()


# ---------------------------------------------------------------- claims

class ClaimOut(Schema):
    id: int
    person: str
    person_name: str
    framework: str
    competency: str
    competency_name: str
    context: str | None
    level: int
    note: str
    status: str = Field(description="pending, verified or rejected")
    created_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_comment: str
    self_evidence: int
    review_evidence: int | None


class ClaimIn(Schema):
    framework: str | None = None
    competency: str | None = None
    competency_uuid: UUID | None = None
    level: int
    context: str | None = None
    note: str = ""


class VerifyIn(Schema):
    level: int | None = Field(None, description="The level you confirm; default the level claimed")
    comment: str = ""
    valid_until: dt.date | None = None
    source: str | None = Field(None, description="manager or assessor; default: manager for your reports")


class RejectIn(Schema):
    comment: str


class ClaimFilters(Schema):
    status: str | None = Field(None, description="pending, verified or rejected")
    employee_id: str | None = None


def claim_out(claim: Claim) -> dict[str, Any]:
    competency = claim.competency
    return {"id": claim.pk, "person": claim.person.employee_id, "person_name": claim.person.name,
            "framework": competency.version.framework.code, "competency": competency.code,
            "competency_name": competency.name, "context": claim.context.code if claim.context_id else None,
            "level": claim.level, "note": claim.note, "status": claim.status, "created_at": claim.created_at,
            "reviewed_by": claim.reviewed_by.get_username() if claim.reviewed_by_id else None,
            "reviewed_at": claim.reviewed_at, "review_comment": claim.review_comment,
            "self_evidence": claim.self_evidence_id, "review_evidence": claim.review_evidence_id}


def load_claim(request: HttpRequest, claim_id: int) -> Claim:
    claim = services.claims_for(request.user).filter(pk=claim_id).first()
    if claim is None:
        raise Claim.DoesNotExist("No such claim.")
    return claim


@router.get("/claims", response=list[ClaimOut],
            summary="Claims you may see: your own, your reports', for assessors the pending ones they may "
                    "verify and those they reviewed, all for HR")
@paginate(PageNumberPagination, page_size=50)
def list_claims(request: HttpRequest, filters: ClaimFilters = Query(...)):
    claims = services.claims_for(request.user)
    if filters.status:
        claims = claims.filter(status=filters.status)
    if filters.employee_id:
        claims = claims.filter(person__employee_id=filters.employee_id)
    return MappedRows(claims, claim_out)


@router.post("/claims", response={201: ClaimOut, 400: ErrorOut, 403: ErrorOut},
             summary="Claim a level yourself (records self-assessment evidence and a pending claim)")
def create_claim(request: HttpRequest, payload: ClaimIn):
    competency = resolve_competency(payload.framework, payload.competency, payload.competency_uuid)
    claim = services.create_claim(request.user, competency=competency, level=payload.level,
                                  context=resolve_context(payload.context), note=payload.note)
    return Status(201, claim_out(load_claim(request, claim.pk)))


@router.get("/claims/{claim_id}", response={200: ClaimOut, 404: ErrorOut})
def get_claim(request: HttpRequest, claim_id: int):
    return claim_out(load_claim(request, claim_id))


@router.post("/claims/{claim_id}/verify", response={200: ClaimOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                                                    409: ErrorOut},
             summary="Verify a claim, recording your own evidence at the level you judge right")
def verify_claim(request: HttpRequest, claim_id: int, payload: VerifyIn):
    claim = load_claim(request, claim_id)
    try:
        services.verify_claim(claim, request.user, level=payload.level, comment=payload.comment,
                              valid_until=payload.valid_until, source=payload.source)
    except services.Conflict as exc:
        return conflict(exc)
    return claim_out(load_claim(request, claim_id))


@router.post("/claims/{claim_id}/reject", response={200: ClaimOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                                                    409: ErrorOut},
             summary="Reject a claim with a comment")
def reject_claim(request: HttpRequest, claim_id: int, payload: RejectIn):
    claim = load_claim(request, claim_id)
    try:
        services.reject_claim(claim, request.user, comment=payload.comment)
    except services.Conflict as exc:
        return conflict(exc)
    return claim_out(load_claim(request, claim_id))


# ---------------------------------------------------------------- assessor registrations

class RegistrationOut(Schema):
    id: int
    person: str
    person_name: str
    framework: str
    competency: str
    competency_uuid: UUID
    max_level: int
    valid_until: dt.date | None
    current: bool = Field(description="Counts today")
    note: str
    created_at: dt.datetime


class RegistrationIn(Schema):
    employee_id: str
    framework: str | None = None
    competency: str | None = None
    competency_uuid: UUID | None = None
    max_level: int
    valid_until: dt.date | None = None
    note: str = ""


class EndRegistrationIn(Schema):
    last_day: dt.date | None = Field(None, description="Last day it counts; default yesterday (stops now)")


class RegistrationFilters(Schema):
    employee_id: str | None = None
    current: bool | None = Field(None, description="Only registrations that count today")


def registration_out(registration: AssessorRegistration) -> dict[str, Any]:
    competency = registration.competency
    return {"id": registration.pk, "person": registration.person.employee_id,
            "person_name": registration.person.name, "framework": competency.version.framework.code,
            "competency": competency.code, "competency_uuid": registration.competency_uuid,
            "max_level": registration.max_level, "valid_until": registration.valid_until,
            "current": registration.valid_until is None or registration.valid_until >= prof.today(),
            "note": registration.note, "created_at": registration.created_at}


def registrations_for(request: HttpRequest) -> QuerySet[AssessorRegistration]:
    return restrict_registrations(
        AssessorRegistration.objects.select_related("person", "competency__version__framework"), request.user)


@router.get("/assessor-registrations", response=list[RegistrationOut],
            summary="Assessor registrations (HR: all; others: their own)")
@paginate(PageNumberPagination, page_size=50)
def list_registrations(request: HttpRequest, filters: RegistrationFilters = Query(...)):
    rows = registrations_for(request)
    if filters.employee_id:
        rows = rows.filter(person__employee_id=filters.employee_id)
    out = [registration_out(r) for r in rows]
    if filters.current is not None:
        out = [r for r in out if r["current"] == filters.current]
    return out


@router.post("/assessor-registrations", response={201: RegistrationOut, 400: ErrorOut, 403: ErrorOut},
             summary="Register a person to assess a competency up to a level (HR)")
def create_registration(request: HttpRequest, payload: RegistrationIn):
    services.require_hr(request.user)
    person = person_by_employee_id(payload.employee_id, "employee_id")
    competency = resolve_competency(payload.framework, payload.competency, payload.competency_uuid)
    registration = services.register_assessor(request.user, person=person, competency=competency,
                                              max_level=payload.max_level, valid_until=payload.valid_until,
                                              note=payload.note)
    return Status(201, registration_out(registrations_for(request).get(pk=registration.pk)))


@router.post("/assessor-registrations/{registration_id}/end",
             response={200: RegistrationOut, 403: ErrorOut, 404: ErrorOut},
             summary="End a registration (HR)")
def end_registration(request: HttpRequest, registration_id: int, payload: EndRegistrationIn | None = None):
    services.require_hr(request.user)
    registration = registrations_for(request).filter(pk=registration_id).first()
    if registration is None:
        raise AssessorRegistration.DoesNotExist("No such registration.")
    services.end_registration(registration, request.user, payload.last_day if payload else None)
    return registration_out(registrations_for(request).get(pk=registration_id))


# ---------------------------------------------------------------- bulk import

class EvidenceImportOut(Schema):
    format: str
    summary: list[str]
    counts: dict[str, int]


class ImportErrorOut(Schema):
    detail: list[dict[str, Any]] = Field(description="[{row, item, field, message}, ...]; nothing was stored")


@router.post("/import/evidence", response={200: EvidenceImportOut, 400: ImportErrorOut, 403: ErrorOut},
             summary="Import historical evidence from CSV or xlsx (HR; all-or-nothing)")
def import_evidence(request: HttpRequest, file: File[UploadedFile]):
    services.require_hr(request.user, "import evidence")
    suffix = Path(file.name or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return Status(400, {"detail": [{"row": None, "item": None, "field": "file",
                                        "message": "send a .csv or .xlsx file"}]})
    with tempfile.TemporaryDirectory(prefix="compms-evidence-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in file.chunks():
                handle.write(chunk)
        try:
            # The batch records the name the user sent, not the temporary copy's.
            outcome = import_evidence_file(path, request.user, file_name=Path(file.name or "upload").name)
        except ImportFailed as failure:
            return Status(400, {"detail": failure.as_dicts()})
    return {"format": "evidence",
            "summary": [(f"Imported {outcome.rows} evidence rows for {outcome.people} people "
                         f"(batch {outcome.batch.pk}).")],
            "counts": {"rows": outcome.rows, "people": outcome.people, "proficiencies": outcome.keys_refreshed}}

"""Assessments against the standard: list and open drafts, record criteria, submit; the per-competency
standard (how many different conditions each criterion must be shown under)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from compms.access.assessments import restrict_assessments
from compms.assessments import services
from compms.assessments.models import Assessment, Method
from compms.evidence import services as evidence_services
from compms.evidence.api import ErrorOut, person_by_employee_id, resolve_competency
from compms.organisation.models import Context

router = Router(tags=["assessments"])


class CriterionOut(Schema):
    indicator_id: int
    level: int
    text: str
    recorded: bool
    met: bool | None
    method: str | None
    contexts: list[str]
    note: str


class AssessmentOut(Schema):
    id: int
    employee_id: str
    person: str
    assessor: str
    framework: str
    competency: str
    competency_name: str
    level: int
    status: str
    min_conditions: int
    created_at: str
    submitted_at: str | None
    evidence_id: int | None
    missing: list[str]
    criteria: list[CriterionOut] = []


class AssessmentIn(Schema):
    employee_id: str = Field(max_length=64)
    framework: str | None = Field(None, max_length=60)
    competency: str | None = Field(None, max_length=100, description="Competency code (with framework)")
    competency_uuid: UUID | None = None
    level: int = Field(ge=0, le=1000)


class CriterionIn(Schema):
    met: bool
    method: str = Field(max_length=12, description="observation, questioning, simulation, product or witness")
    contexts: list[str] = Field(default=[], max_length=50, description="Context codes")
    note: str = Field("", max_length=5000)


class StandardIn(Schema):
    framework: str | None = Field(None, max_length=60)
    competency: str | None = Field(None, max_length=100)
    competency_uuid: UUID | None = None
    min_conditions: int = Field(ge=0, le=20)


class StandardOut(Schema):
    competency_uuid: UUID
    min_conditions: int


def assessment_rows() -> Any:
    return Assessment.objects.select_related("person", "assessor", "competency__version__framework")


def assessment_out(assessment: Assessment, with_criteria: bool = False) -> dict[str, Any]:
    out = {
        "id": assessment.pk, "employee_id": assessment.person.employee_id, "person": assessment.person.name,
        "assessor": assessment.assessor.name, "framework": assessment.competency.version.framework.code,
        "competency": assessment.competency.code, "competency_name": assessment.competency.name,
        "level": assessment.level, "status": assessment.status,
        "min_conditions": services.min_conditions_for(assessment.competency_uuid),
        "created_at": assessment.created_at.isoformat(),
        "submitted_at": assessment.submitted_at.isoformat() if assessment.submitted_at else None,
        "evidence_id": assessment.evidence_id,
        "missing": services.missing(assessment) if assessment.is_draft else [],
    }
    if with_criteria:
        records = {r.indicator_id: r for r in assessment.records.prefetch_related("contexts")}
        out["criteria"] = [{
            "indicator_id": i.pk, "level": i.level, "text": i.text, "recorded": i.pk in records,
            "met": records[i.pk].met if i.pk in records else None,
            "method": records[i.pk].method if i.pk in records else None,
            "contexts": sorted(c.code for c in records[i.pk].contexts.all()) if i.pk in records else [],
            "note": records[i.pk].note if i.pk in records else ""}
            for i in services.criteria_of(assessment.competency, assessment.level)]
    return out


def load(request: HttpRequest, assessment_id: int) -> Assessment:
    found = restrict_assessments(assessment_rows(), request.user).filter(pk=assessment_id).first()
    if found is None:
        raise Assessment.DoesNotExist("No such assessment.")
    return found


@router.get("/assessments", response=list[AssessmentOut],
            summary="Assessments I made or received (HR: all)")
def list_assessments(request: HttpRequest, status: str | None = None) -> Any:
    rows = restrict_assessments(assessment_rows(), request.user)
    if status:
        rows = rows.filter(status=status)
    return [assessment_out(a) for a in rows[:500]]


@router.post("/assessments", response={201: AssessmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
             summary="Open a draft assessment of a person on a competency at a level (assessors)")
def create_assessment(request: HttpRequest, payload: AssessmentIn) -> Any:
    services._require_assessor(request.user)
    person = person_by_employee_id(payload.employee_id, "employee_id")
    competency = resolve_competency(payload.framework, payload.competency, payload.competency_uuid)
    assessment = services.open_assessment(request.user, person=person, competency=competency, level=payload.level)
    return Status(201, assessment_out(load(request, assessment.pk), with_criteria=True))


@router.get("/assessments/{assessment_id}", response={200: AssessmentOut, 404: ErrorOut},
            summary="One assessment with its criteria")
def get_assessment(request: HttpRequest, assessment_id: int) -> Any:
    return assessment_out(load(request, assessment_id), with_criteria=True)


@router.put("/assessments/{assessment_id}/criteria/{indicator_id}",
            response={200: AssessmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
            summary="Record one criterion of a draft (its assessor)")
def put_criterion(request: HttpRequest, assessment_id: int, indicator_id: int, payload: CriterionIn) -> Any:
    assessment = load(request, assessment_id)
    codes = list(dict.fromkeys(payload.contexts))
    contexts = list(Context.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {c.code for c in contexts})
    if unknown:
        raise ValidationError({"contexts": f"No context with code {', '.join(unknown)}."})
    if payload.method not in Method.values:
        raise ValidationError({"method": f"Unknown method; expected one of {', '.join(Method.values)}."})
    try:
        services.record_criterion(assessment, request.user, indicator_id=indicator_id, met=payload.met,
                                  method=payload.method, contexts=contexts, note=payload.note)
    except evidence_services.Conflict as exc:
        return Status(409, {"detail": str(exc)})
    return assessment_out(load(request, assessment_id), with_criteria=True)


@router.post("/assessments/{assessment_id}/submit",
             response={200: AssessmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="Submit a complete assessment: writes the assessor evidence (its assessor)")
def submit(request: HttpRequest, assessment_id: int) -> Any:
    assessment = load(request, assessment_id)
    try:
        services.submit_assessment(assessment, request.user)
    except evidence_services.Conflict as exc:
        return Status(409, {"detail": str(exc)})
    return assessment_out(load(request, assessment_id), with_criteria=True)


@router.put("/assessment-standards", response={200: StandardOut, 400: ErrorOut, 403: ErrorOut},
            summary="Set how many different conditions each criterion of a competency needs (competency managers)")
def put_standard(request: HttpRequest, payload: StandardIn) -> Any:
    competency = resolve_competency(payload.framework, payload.competency, payload.competency_uuid)
    standard = services.set_standard(request.user, competency=competency, min_conditions=payload.min_conditions)
    return {"competency_uuid": standard.competency_uuid, "min_conditions": standard.min_conditions}

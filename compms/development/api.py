"""Development API: the learning catalogue, a person's plan with recommendations, and the optimiser."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from compms.access.development import plan_people, require_training_planner
from compms.access.people import require_organisation_reader
from compms.development import services
from compms.development.models import Commission, DevelopmentNeed, DevelopmentPlan, Resource
from compms.development.optimise import plan_training
from compms.frameworks.models import Competency
from compms.validation import is_web_link

router = Router(tags=["development"])


class OutcomeOut(Schema):
    competency_uuid: str
    competency_code: str
    entry_level: int
    exit_level: int


class ResourceOut(Schema):
    id: int
    resource_id: str
    title: str
    kind: str
    cost: Decimal
    hours: Decimal
    modality: str
    provider: str
    validity_months: int | None
    link: str
    file: str | None
    outcomes: list[OutcomeOut]


def _resource_out(r: Resource) -> dict:
    return {"id": r.pk, "resource_id": r.resource_id, "title": r.title, "kind": r.kind, "cost": r.cost,
            "hours": r.hours, "modality": r.modality, "provider": r.provider, "validity_months": r.validity_months,
            # Only http(s) links leave the API; files through the download view, never MEDIA_URL.
            "link": r.link if is_web_link(r.link) else "",
            "file": reverse("development:resource_file", args=[r.resource_id]) if r.file else None,
            "outcomes": [{"competency_uuid": str(o.competency_uuid), "competency_code": o.competency.code,
                          "entry_level": o.entry_level, "exit_level": o.exit_level} for o in r.outcomes.all()]}


@router.get("/development/resources", response=list[ResourceOut])
@paginate(PageNumberPagination, page_size=50)
def list_resources(request: HttpRequest, kind: str | None = None, q: str | None = None):
    require_organisation_reader(request.user)
    rows = Resource.objects.filter(active=True).prefetch_related("outcomes__competency")
    if kind:
        rows = rows.filter(kind=kind)
    if q:
        rows = rows.filter(title__icontains=q)
    return [_resource_out(r) for r in rows]


@router.get("/development/resources/{resource_id}", response=ResourceOut)
def get_resource(request: HttpRequest, resource_id: str):
    require_organisation_reader(request.user)
    return _resource_out(get_object_or_404(Resource.objects.prefetch_related("outcomes__competency"),
                                           resource_id=resource_id))


class NeedOut(Schema):
    id: int
    competency_code: str
    target_level: int
    current_level: int
    achieved: bool
    origin: str
    status: str


class RecommendationOut(Schema):
    resource_id: str
    title: str
    gain: int
    closes: list[str]
    gain_per_cost: float | None
    gain_per_hour: float | None


class MentorOut(Schema):
    employee_id: str
    name: str
    competency_code: str
    level: int | None  # null unless the colleague shares their levels or the caller may see their records
    same_unit: bool


class PlanOut(Schema):
    employee_id: str
    status: str
    needs: list[NeedOut]
    recommendations: list[RecommendationOut]
    mentors: list[MentorOut]


def _person(request: HttpRequest, employee_id: str):
    from compms.organisation.models import Person

    person = plan_people(request.user).filter(employee_id=employee_id).first()
    if person is None:
        raise Person.DoesNotExist("No such person.")
    return person


def _plan_out(request: HttpRequest, person) -> dict:
    needs = list(DevelopmentNeed.objects.filter(person=person).select_related("competency"))
    progress = services.need_progress(needs)
    gaps = services.person_gap_rows(person)
    plan = DevelopmentPlan.objects.filter(person=person).first()
    return {
        "employee_id": person.employee_id, "status": plan.status if plan else "draft",
        "needs": [{"id": n.pk, "competency_code": n.competency.code, "target_level": n.target_level,
                   "current_level": progress[n.pk].current_level, "achieved": progress[n.pk].achieved,
                   "origin": n.origin, "status": n.status} for n in needs],
        "recommendations": [{"resource_id": r.resource.resource_id, "title": r.resource.title, "gain": r.gain,
                             "closes": r.closes, "gain_per_cost": r.gain_per_cost, "gain_per_hour": r.gain_per_hour}
                            for r in services.recommendations(person, gaps=gaps)],
        "mentors": [{"employee_id": m.person.employee_id, "name": m.person.name, "competency_code": m.competency_code,
                     "level": m.level, "same_unit": m.same_unit}
                    for m in services.mentor_suggestions(person, gaps=gaps, viewer=request.user)],
    }


@router.get("/development/people/{employee_id}/plan", response=PlanOut)
def get_plan(request: HttpRequest, employee_id: str):
    return _plan_out(request, _person(request, employee_id))


@router.post("/development/people/{employee_id}/needs-from-gaps", response=PlanOut)
def make_needs_from_gaps(request: HttpRequest, employee_id: str):
    person = _person(request, employee_id)
    services.needs_from_gaps(request.user, person)
    return _plan_out(request, person)


@router.post("/development/people/{employee_id}/plan/approve", response=PlanOut)
def approve(request: HttpRequest, employee_id: str):
    person = _person(request, employee_id)
    services.approve_plan(request.user, person)
    return _plan_out(request, person)


class OptimiseIn(Schema):
    unit_id: str | None = None
    budget: float = Field(ge=0, allow_inf_nan=False)
    hours_per_person: float | None = Field(default=None, ge=0, allow_inf_nan=False)


@router.post("/development/optimiser")
def run_optimiser(request: HttpRequest, payload: OptimiseIn):
    require_training_planner(request.user)
    from compms.organisation.models import Unit

    unit_pk = get_object_or_404(Unit, external_id=payload.unit_id).pk if payload.unit_id else None
    return plan_training(unit_pk=unit_pk, budget=payload.budget, hours_per_person=payload.hours_per_person).as_dict()


class AcceptIn(Schema):
    enrolments: list[tuple[str, str]]  # (employee_id, resource_id)


@router.post("/development/optimiser/accept")
def accept_optimiser_plan(request: HttpRequest, payload: AcceptIn):
    """Turn chosen (employee, resource) pairs into enrolment requests (training app)."""
    from compms.organisation.models import Person

    # Refuse before looking anyone up, so the answer never depends on who exists.
    require_training_planner(request.user)
    people = dict(plan_people(request.user).filter(employee_id__in={e for e, _ in payload.enrolments})
                  .values_list("employee_id", "pk"))
    if any(e not in people for e, _ in payload.enrolments):
        raise Person.DoesNotExist("No such person.")
    resources = dict(Resource.objects.filter(resource_id__in={r for _, r in payload.enrolments})
                     .values_list("resource_id", "pk"))
    unknown = sorted({r for _, r in payload.enrolments if r not in resources})
    if unknown:
        raise ValidationError({"enrolments": f"unknown resources: {', '.join(unknown[:10])}"})
    try:
        requested = services.accept_optimised_plan(request.user, [(people[e], resources[r])
                                                                  for e, r in payload.enrolments])
    except services.TrainingUnavailable as exc:
        return Status(409, {"detail": str(exc)})
    return {"requested": len(requested)}


# ---------------------------------------------------------------- commissions

class CommissionOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    provider_type: str
    provider: str
    resource_id: str | None
    competency_code: str | None
    level: int | None
    places: int
    budget: Decimal
    due_on: date | None
    needs: list[int]
    session_ids: list[int]
    raised_automatically: bool
    allowed_moves: list[str]


class CommissionIn(Schema):
    kind: str
    title: str = ""
    provider_type: str = "external"
    provider: str = ""
    resource_id: str | None = None
    competency_uuid: str | None = None
    level: int | None = None
    places: int = 0
    budget: Decimal = Decimal(0)
    due_on: date | None = None
    needs: list[int] = []
    note: str = ""


class CommissionMoveIn(Schema):
    status: str
    note: str = ""


class LinkIn(Schema):
    resource_id: str | None = None
    session_ids: list[int] = []


def _commission_out(c: Commission) -> dict:
    return {"id": c.pk, "kind": c.kind, "title": c.title, "status": c.status, "provider_type": c.provider_type,
            "provider": c.provider, "resource_id": c.resource.resource_id if c.resource_id else None,
            "competency_code": c.competency.code if c.competency_id else None, "level": c.level, "places": c.places,
            "budget": c.budget, "due_on": c.due_on, "needs": [n.pk for n in c.needs.all()],
            "session_ids": list(c.session_ids or []), "raised_automatically": c.raised_automatically,
            "allowed_moves": services.allowed_commission_moves(c)}


def _commissions():
    return Commission.objects.select_related("resource", "competency").prefetch_related("needs")


def _require_commission_reader(request: HttpRequest) -> None:
    if not services.can_manage_commissions(request.user):
        raise PermissionDenied("Commissions are for HR and administrators.")


@router.get("/development/commissions", response=list[CommissionOut])
@paginate(PageNumberPagination, page_size=50)
def list_commissions(request: HttpRequest, status: str | None = None, kind: str | None = None):
    _require_commission_reader(request)
    rows = _commissions()
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return [_commission_out(c) for c in rows]


# Declared before "/development/commissions/{commission_id}": Django matches paths in order, and that
# GET-only path would otherwise take "raise" as an id and answer 405.
@router.post("/development/commissions/raise", response=list[CommissionOut])
def raise_commissions(request: HttpRequest):
    raised = services.raise_commissions(request.user)
    return [_commission_out(c) for c in _commissions().filter(pk__in=[c.pk for c in raised])]


@router.get("/development/commissions/{commission_id}", response=CommissionOut)
def get_commission(request: HttpRequest, commission_id: int):
    _require_commission_reader(request)
    return _commission_out(get_object_or_404(_commissions(), pk=commission_id))


@router.post("/development/commissions", response={201: CommissionOut})
def create_commission(request: HttpRequest, payload: CommissionIn):
    services.require_commission_manager(request.user)
    resource = get_object_or_404(Resource, resource_id=payload.resource_id) if payload.resource_id else None
    competency = None
    if payload.competency_uuid:
        competency = (Competency.objects.filter(uuid=payload.competency_uuid, version__status="published")
                      .order_by("-version_id").first())
        if competency is None:
            raise ValidationError({"competency_uuid": "no published competency with this uuid"})
    needs = list(DevelopmentNeed.objects.filter(pk__in=payload.needs))
    commission = services.create_commission(
        request.user, kind=payload.kind, title=payload.title, provider_type=payload.provider_type,
        provider=payload.provider, resource=resource, competency=competency, level=payload.level,
        places=payload.places, budget=payload.budget, due_on=payload.due_on, needs=needs, note=payload.note)
    return Status(201, _commission_out(_commissions().get(pk=commission.pk)))


@router.post("/development/commissions/{commission_id}/status", response=CommissionOut)
def move_commission(request: HttpRequest, commission_id: int, payload: CommissionMoveIn):
    services.require_commission_manager(request.user)
    commission = get_object_or_404(Commission, pk=commission_id)
    services.move_commission(commission, request.user, payload.status, note=payload.note)
    return _commission_out(_commissions().get(pk=commission_id))


@router.post("/development/commissions/{commission_id}/link", response=CommissionOut)
def link_commission(request: HttpRequest, commission_id: int, payload: LinkIn):
    services.require_commission_manager(request.user)
    commission = get_object_or_404(Commission, pk=commission_id)
    resource = get_object_or_404(Resource, resource_id=payload.resource_id) if payload.resource_id else None
    services.link_commission(commission, request.user, resource=resource, session_ids=payload.session_ids)
    return _commission_out(_commissions().get(pk=commission_id))

"""Competency audit pages: the list (launch for HR, my tasks, reviews waiting), an audit's progress
by unit (close for HR), the self-assessment form and the manager's review form. Writes go through
`compms.campaigns.services`."""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compms.access import person_of
from compms.access.campaigns import may_review_participant, restrict_audits, runs_audits
from compms.campaigns import services
from compms.campaigns.forms import LaunchForm
from compms.campaigns.models import Audit, Participant
from compms.campaigns.ratings import WHO_CAN_CONFIRM, formal_evidence
from compms.core.rollup import Proficiency
from compms.evidence import proficiency as prof
from compms.evidence import services as evidence_services
from compms.evidence.models import Claim, Evidence
from compms.organisation.forms import add_service_errors
from compms.organisation.models import Requirement


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    is_hr = runs_audits(request.user)
    form = LaunchForm(request.POST or None) if is_hr else None
    if request.method == "POST":
        if not is_hr:
            raise PermissionDenied("Only HR may launch a competency audit.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                audit = services.launch_audit(request.user, name=data["name"], deadline=data["deadline"],
                                              unit=data["unit"], roles=data["roles"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Audit “{audit.name}” launched: {audit.participants.count()} invited.")
                return redirect("campaigns:detail", audit_id=audit.pk)
    me = person_of(request.user)
    mine = (Participant.objects.filter(person=me, audit__status=Audit.Status.OPEN).select_related("audit")
            if me else Participant.objects.none())
    to_review = (Participant.objects.filter(manager=me, audit__status=Audit.Status.OPEN, reviewed_at__isnull=True)
                 .select_related("audit", "person").order_by("audit_id", "person__name")[:500]
                 if me else Participant.objects.none())
    audits = restrict_audits(Audit.objects.all(), request.user)
    return render(request, "campaigns/index.html", {"form": form, "mine": mine, "to_review": to_review,
                                                    "audits": audits[:200]},
                  status=400 if form is not None and form.errors else 200)


def _visible_audit(request: HttpRequest, audit_id: int) -> Audit:
    return get_object_or_404(restrict_audits(Audit.objects.all(), request.user), pk=audit_id)


@require_GET
def detail(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _visible_audit(request, audit_id)
    rows = services.progress(audit)
    totals = services.UnitProgress(unit="Total", invited=sum(r.invited for r in rows),
                                   self_assessed=sum(r.self_assessed for r in rows),
                                   reviewed=sum(r.reviewed for r in rows))
    return render(request, "campaigns/detail.html", {
        "audit": audit, "rows": rows, "totals": totals, "can_close": runs_audits(request.user)
        and audit.status == Audit.Status.OPEN, "snapshot_lines": audit.snapshot.count()})


@require_POST
def close(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = get_object_or_404(Audit, pk=audit_id)
    try:
        lines = services.close_audit(request.user, audit)
    except evidence_services.Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Audit closed; snapshot of {lines} lines frozen.")
    return redirect("campaigns:detail", audit_id=audit.pk)


# A certificate or assessor record ending within this many days shows as "expiring" on the review.
EXPIRING_WITHIN_DAYS = 60


@dataclass
class Line:
    key: str
    requirement: Requirement
    current: Proficiency | None
    claim: Claim | None  # this audit's pending claim on the line, never one raised elsewhere
    formal: Evidence | None = None  # a certificate or assessor record: a manager cannot confirm the line
    levels: list[int] = field(default_factory=list)

    @property
    def shown(self) -> int | None:
        p = self.current
        return p.level if p is not None and p.status == "held" else None

    @property
    def formal_expired(self) -> bool:
        return self.formal is not None and self.formal.valid_until is not None \
            and self.formal.valid_until < prof.today()

    @property
    def expiring(self) -> bool:
        p = self.current
        return bool(p is not None and p.status == "held" and p.valid_until is not None
                    and (p.valid_until - prof.today()).days <= EXPIRING_WITHIN_DAYS)


def _key_text(key: tuple[uuid_module.UUID, int | None]) -> str:
    return f"{key[0].hex}-{key[1] or 0}"


def _lines(participant: Participant) -> list[Line]:
    lines = services.required_by_person([participant.person_id])[participant.person_id]
    current = prof.current_proficiencies([participant.person_id], competency_uuids=[k[0] for k in lines])
    claims = services.own_pending_claims(participant)
    formal = formal_evidence((participant.person_id, *key) for key in lines)
    return sorted((Line(key=_key_text(key), requirement=r, current=current.get((participant.person_id, *key)),
                        claim=claims.get(key), formal=formal.get((participant.person_id, *key)),
                        levels=list(range(evidence_services.max_level_of(r.competency) + 1)))
                   for key, r in lines.items()),
                  key=lambda line: (line.requirement.competency.code, line.requirement.context_id or 0))


def _decisions(request: HttpRequest, lines: list[Line]) -> dict[Any, services.RowDecision]:
    """Each line's explicit choice; a line the form left without one is left as is."""
    result = {}
    for line in lines:
        choice = (request.POST.get(f"decision-{line.key}") or services.Decision.KEEP.value).strip()
        text = (request.POST.get(f"level-{line.key}") or "").strip()
        result[(line.requirement.competency_uuid, line.requirement.context_id)] = services.RowDecision(
            choice=choice, level=int(text) if text.isdecimal() else None,
            comment=(request.POST.get(f"comment-{line.key}") or "").strip())
    return result


def _levels(request: HttpRequest, lines: list[Line], prefix: str) -> dict[Any, int | None]:
    result = {}
    for line in lines:
        text = (request.POST.get(f"{prefix}{line.key}") or "").strip()
        key = (line.requirement.competency_uuid, line.requirement.context_id)
        result[key] = int(text) if text.isdecimal() else None
    return result


@require_http_methods(["GET", "POST"])
def self_assessment(request: HttpRequest, audit_id: int) -> HttpResponse:
    me = person_of(request.user)
    participant = get_object_or_404(Participant.objects.select_related("audit", "person"), audit_id=audit_id,
                                    person=me) if me else None
    if participant is None:
        raise Http404("You are not invited to this audit.")
    lines = _lines(participant)
    error = ""
    if request.method == "POST":
        try:
            claims = services.submit_self_assessment(request.user, participant, _levels(request, lines, "level-"),
                                                     note=(request.POST.get("note") or "").strip())
        except (ValidationError, PermissionDenied) as exc:
            error = "; ".join(getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, f"Self-assessment sent: {len(claims)} claim(s) for your manager to review.")
            return redirect("campaigns:index")
    return render(request, "campaigns/self.html", {"participant": participant, "lines": lines, "error": error},
                  status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, audit_id: int, participant_id: int) -> HttpResponse:
    participant = get_object_or_404(Participant.objects.select_related("audit", "person"), pk=participant_id,
                                    audit_id=audit_id)
    if not may_review_participant(request.user, participant):
        raise Http404("No such review.")
    lines = _lines(participant)
    error = ""
    if request.method == "POST":
        try:
            written = services.review_participant(request.user, participant, _decisions(request, lines))
        except (ValidationError, PermissionDenied, evidence_services.Conflict) as exc:
            error = "; ".join(getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, f"Review of {participant.person.name} saved ({written} record(s)).")
            return redirect("campaigns:index")
    return render(request, "campaigns/review.html", {
        "participant": participant, "lines": lines, "error": error, "who_can_confirm": WHO_CAN_CONFIRM,
        "choices": services.Decision}, status=400 if error else 200)

"""Development services: the only writers of the catalogue, needs, plans and templates, plus the
reads the pages, API and other apps share (a person's gaps as needs, recommendations, progress).

Who may do what (checked here, so pages, API and commands agree):
- catalogue and templates: HR and administrators;
- a person's needs and plan actions: whoever may see the person (themselves, their managers, HR);
- approving a plan: one of the person's managers (direct or indirect) or HR, never the person;
- trusted internal callers (command line, demo) pass `compms.access.SYSTEM`; `None` is refused.
The rules themselves live in `compms.access.development`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import uuid as uuid_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from compms.access.development import (
    CATALOGUE_EDITORS,
    can_approve_plan,
    can_edit_catalogue,
    can_manage_commissions,
    can_set_mentor_preference,
    may_see_mentor_levels,
    require_catalogue_editor,
    require_commission_manager,
    require_plan_editor,
    require_training_planner,
)
from compms.audit.services import record, record_many, snapshot
from compms.core.fit import WEIGHTS
from compms.development.models import (
    COMMISSION_TRANSITIONS,
    Commission,
    DevelopmentNeed,
    DevelopmentPlan,
    MentorPreference,
    PlanAction,
    PlanTemplate,
    PlanTemplateItem,
    Resource,
    ResourceOutcome,
)
from compms.evidence import proficiency as prof
from compms.evidence.gaps import roles_held
from compms.evidence.models import CurrentProficiency
from compms.frameworks.models import Competency
from compms.organisation.models import Person, Requirement
from compms.site.uploads import check_upload
from compms.validation import number_problem, web_link_problem

__all__ = ["CATALOGUE_EDITORS", "can_approve_plan", "can_edit_catalogue", "can_manage_commissions",
           "require_catalogue_editor", "require_commission_manager", "require_plan_editor"]

TRAINING_SERVICES = "compms.training.services"


class TrainingUnavailable(RuntimeError):
    """The training app does not (yet) provide `request_enrolment`; no enrolment was requested."""


# ---------------------------------------------------------------- catalogue

@dataclass(frozen=True)
class OutcomeSpec:
    competency: Competency
    entry_level: int
    exit_level: int


def _check_outcome(spec: OutcomeSpec, field: str = "outcomes") -> None:
    if spec.entry_level < 0 or spec.exit_level <= spec.entry_level:
        raise ValidationError({field: f"{spec.competency.code}: exit level must be above entry level "
                                      f"(got {spec.entry_level} -> {spec.exit_level})"})


# The uploaded file is audited by its own action (attach_resource_file), by name.
RESOURCE_AUDIT_FIELDS = ("resource_id", "title", "kind", "description", "cost", "hours", "modality", "provider",
                         "validity_months", "link", "active")
RESOURCE_FIELDS = ("title", "kind", "description", "cost", "hours", "modality", "provider", "validity_months",
                   "link", "active")


def create_resource(actor: Any, *, resource_id: str, title: str, kind: str = Resource.Kind.COURSE,
                    cost: Decimal | float | int = 0, hours: Decimal | float | int = 0, modality: str = "",
                    provider: str = "", validity_months: int | None = None, link: str = "", description: str = "",
                    outcomes: Sequence[OutcomeSpec] = ()) -> Resource:
    require_catalogue_editor(actor)
    resource = Resource(resource_id=resource_id.strip(), title=title.strip(), kind=kind, cost=cost,
                        hours=hours, modality=modality, provider=provider,
                        validity_months=validity_months, link=link, description=description)
    _validate_resource(resource)
    for spec in outcomes:
        _check_outcome(spec)
    with transaction.atomic():
        resource.save()
        ResourceOutcome.objects.bulk_create([
            ResourceOutcome(resource=resource, competency=spec.competency, competency_uuid=spec.competency.uuid,
                            entry_level=spec.entry_level, exit_level=spec.exit_level) for spec in outcomes])
        record(actor, "development.resource.create", resource, after=snapshot(resource, RESOURCE_AUDIT_FIELDS))
    return resource


def _validate_resource(resource: Resource) -> None:
    errors: dict[str, str] = {}
    if not resource.resource_id:
        errors["resource_id"] = "resource_id is required"
    if not resource.title:
        errors["title"] = "title is required"
    if resource.kind not in Resource.Kind.values:
        errors["kind"] = f"unknown kind {resource.kind!r} (expected one of {', '.join(Resource.Kind.values)})"
    for name in ("cost", "hours"):
        model_field = Resource._meta.get_field(name)
        number, problem = number_problem(getattr(resource, name), max_digits=model_field.max_digits,
                                         decimal_places=model_field.decimal_places)
        if problem:
            errors[name] = f"{name} cannot be negative" if problem == "cannot be negative" else f"{name}: {problem}"
        else:
            setattr(resource, name, number)
    if resource.link:
        problem = web_link_problem(resource.link)
        if problem:
            errors["link"] = problem
        else:
            resource.link = resource.link.strip()
    if resource.resource_id and Resource.objects.filter(resource_id=resource.resource_id).exclude(
            pk=resource.pk).exists():
        errors["resource_id"] = f"a resource {resource.resource_id!r} already exists"
    if errors:
        raise ValidationError(errors)


def update_resource(resource: Resource, actor: Any, **fields: Any) -> Resource:
    require_catalogue_editor(actor)
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise ValidationError({name: "not an editable field" for name in unknown})
    before = snapshot(resource, RESOURCE_AUDIT_FIELDS)
    for name, value in fields.items():
        setattr(resource, name, value)  # cost and hours are checked and made Decimal by _validate_resource
    _validate_resource(resource)
    with transaction.atomic():
        resource.save()
        record(actor, "development.resource.update", resource, before=before,
               after=snapshot(resource, RESOURCE_AUDIT_FIELDS))
    return resource


def attach_resource_file(resource: Resource, actor: Any, uploaded: Any) -> Resource:
    require_catalogue_editor(actor)
    # Checked by content before anything is stored (compms.site.uploads).
    checked = check_upload(uploaded, "file")
    with transaction.atomic():
        resource.file.save(checked.name, uploaded, save=True)
        record(actor, "development.resource.file", resource, after={"file": resource.file.name})
    return resource


def set_outcome(resource: Resource, actor: Any, *, competency: Competency, entry_level: int,
                exit_level: int) -> ResourceOutcome:
    require_catalogue_editor(actor)
    _check_outcome(OutcomeSpec(competency, entry_level, exit_level), "exit_level")
    with transaction.atomic():
        outcome, _ = ResourceOutcome.objects.update_or_create(
            resource=resource, competency_uuid=competency.uuid,
            defaults={"competency": competency, "entry_level": entry_level, "exit_level": exit_level})
        record(actor, "development.outcome.set", outcome, after=snapshot(outcome))
    return outcome


def import_resources(actor: Any, resources: list[Resource], outcomes: dict[str, list[OutcomeSpec]]) -> tuple[int, int]:
    """Bulk path for `compms import resources`: create new resources, update existing ones (by
    resource_id) and replace their outcomes with the file's. Rows are validated by the caller.
    Returns (created, updated)."""
    require_catalogue_editor(actor)
    bad_links = {r.resource_id: web_link_problem(r.link) for r in resources if r.link and web_link_problem(r.link)}
    if bad_links:
        raise ValidationError({"link": [f"{rid}: {problem}" for rid, problem in bad_links.items()]})
    existing = {r.resource_id: r for r in Resource.objects.filter(resource_id__in=[r.resource_id for r in resources])}
    created = [r for r in resources if r.resource_id not in existing]
    updated = []
    for resource in resources:
        old = existing.get(resource.resource_id)
        if old is not None:
            for name in ("title", "kind", "cost", "hours", "modality", "provider", "validity_months"):
                setattr(old, name, getattr(resource, name))
            updated.append(old)
    with transaction.atomic():
        Resource.objects.bulk_create(created, batch_size=2000)
        if updated:
            Resource.objects.bulk_update(updated, ["title", "kind", "cost", "hours", "modality", "provider",
                                                   "validity_months"], batch_size=2000)
        by_id = {r.resource_id: r.pk for r in Resource.objects.filter(
            resource_id__in=[r.resource_id for r in resources]).only("pk", "resource_id")}
        ResourceOutcome.objects.filter(resource_id__in=list(by_id.values())).delete()
        ResourceOutcome.objects.bulk_create([
            ResourceOutcome(resource_id=by_id[rid], competency=spec.competency, competency_uuid=spec.competency.uuid,
                            entry_level=spec.entry_level, exit_level=spec.exit_level)
            for rid, specs in outcomes.items() for spec in specs], batch_size=5000)
        record_many(actor, "development.resource.import", [
            {"object_type": "development.resource", "object_id": str(by_id[r.resource_id]),
             "object_repr": str(r)[:300], "after": {"resource_id": r.resource_id, "title": r.title}}
            for r in resources])
    return len(created), len(updated)


# ---------------------------------------------------------------- a person's gaps

@dataclass(frozen=True)
class GapRow:
    competency_id: int
    competency_uuid: uuid_module.UUID
    code: str
    name: str
    required: int
    proficiency: int
    criticality: str

    @property
    def weight(self) -> int:
        return WEIGHTS[self.criticality]

    @property
    def gap(self) -> int:
        return max(0, self.required - self.proficiency)


def person_gap_rows(person: Person, as_of: dt.date | None = None) -> list[GapRow]:
    """The person's requirement lines over all roles they hold, one per competency (highest level any
    role asks, essential if any role says so), with their proficiency; only lines with a gap.

    Decision: a requirement in a context is matched with proficiency in that context; when two lines
    name one competency in different contexts the one with the larger weighted gap is kept, since a
    development need is about the competency."""
    roles = roles_held(person)
    if not roles:
        return []
    proficiencies = prof.proficiency_as_of(person.pk, as_of)
    best: dict[uuid_module.UUID, GapRow] = {}
    for req in Requirement.objects.filter(role__in=roles).select_related("competency"):
        level = proficiencies.get((req.competency_uuid, req.context_id))
        row = GapRow(competency_id=req.competency_id, competency_uuid=req.competency_uuid, code=req.competency.code,
                     name=req.competency.name, required=req.level, proficiency=level.level if level else 0,
                     criticality=req.criticality)
        old = best.get(req.competency_uuid)
        if old is None:
            best[req.competency_uuid] = row
            continue
        essential = "essential" if "essential" in (old.criticality, row.criticality) else "desirable"
        keep = row if row.weight * row.gap > old.weight * old.gap else old
        best[req.competency_uuid] = GapRow(keep.competency_id, keep.competency_uuid, keep.code, keep.name,
                                           max(old.required, row.required), keep.proficiency, essential)
    return sorted((row for row in best.values() if row.gap > 0), key=lambda r: (-r.weight * r.gap, r.code))


# ---------------------------------------------------------------- needs

def ensure_plan(person: Person) -> DevelopmentPlan:
    plan, _ = DevelopmentPlan.objects.get_or_create(person=person)
    return plan


def needs_from_gaps(actor: Any, person: Person, *, target_date: dt.date | None = None) -> list[DevelopmentNeed]:
    """"Make needs from my gaps": one open need per gap competency that has none yet."""
    require_plan_editor(actor, person)
    rows = person_gap_rows(person)
    already = set(DevelopmentNeed.objects.filter(person=person, status=DevelopmentNeed.Status.OPEN)
                  .values_list("competency_uuid", flat=True))
    new = [DevelopmentNeed(person=person, competency_id=row.competency_id, competency_uuid=row.competency_uuid,
                           target_level=row.required, target_date=target_date, origin=DevelopmentNeed.Origin.GAP,
                           created_by=actor if getattr(actor, "is_authenticated", False) else None)
           for row in rows if row.competency_uuid not in already]
    with transaction.atomic():
        ensure_plan(person)
        created = DevelopmentNeed.objects.bulk_create(new)
        if created and created[0].pk is None:  # backends without RETURNING on bulk insert
            created = list(DevelopmentNeed.objects.filter(person=person).order_by("-id")[:len(new)])
        record_many(actor, "development.need.create", [
            {"object_type": "development.developmentneed", "object_id": str(n.pk), "object_repr": str(n)[:300],
             "after": {"person": person.pk, "competency_uuid": str(n.competency_uuid), "target": n.target_level,
                       "origin": "gap"}} for n in created])
    return created


def add_goal(actor: Any, person: Person, *, competency: Competency, target_level: int,
             target_date: dt.date | None = None, note: str = "") -> DevelopmentNeed:
    require_plan_editor(actor, person)
    if target_level < 1:
        raise ValidationError({"target_level": "a goal needs a target level of at least 1"})
    need = DevelopmentNeed(person=person, competency=competency, competency_uuid=competency.uuid,
                           target_level=target_level, target_date=target_date, origin=DevelopmentNeed.Origin.GOAL,
                           note=note, created_by=actor if getattr(actor, "is_authenticated", False) else None)
    with transaction.atomic():
        ensure_plan(person)
        need.save()
        record(actor, "development.need.create", need, after=snapshot(need))
    return need


def close_need(actor: Any, need: DevelopmentNeed) -> DevelopmentNeed:
    require_plan_editor(actor, need.person)
    if need.status == DevelopmentNeed.Status.CLOSED:
        return need
    with transaction.atomic():
        need.status = DevelopmentNeed.Status.CLOSED
        need.closed_at = timezone.now()
        need.save(update_fields=["status", "closed_at"])
        record(actor, "development.need.close", need)
    return need


@dataclass(frozen=True)
class NeedProgress:
    current_level: int
    achieved: bool


def need_progress(needs: Iterable[DevelopmentNeed]) -> dict[int, NeedProgress]:
    """Current proficiency against each need's target, read set-based; a need whose target is reached
    counts as achieved (closed on read) whatever its stored status."""
    needs = list(needs)
    if not needs:
        return {}
    levels: dict[tuple[int, Any], int] = {}
    current = prof.current_proficiencies({n.person_id for n in needs},
                                         competency_uuids={n.competency_uuid for n in needs})
    for (person_id, comp_uuid, _context), p in current.items():
        key = (person_id, comp_uuid)
        levels[key] = max(levels.get(key, 0), p.level)
    return {n.pk: NeedProgress(level := levels.get((n.person_id, n.competency_uuid), 0), level >= n.target_level)
            for n in needs}


def open_development_needs(person_ids: Iterable[int], competency_uuid: uuid_module.UUID) -> set[int]:
    """People among `person_ids` with an open need for the competency, not yet achieved (any context).
    Called by the strategy pipeline; two queries whatever the number of people."""
    ids = sorted(set(person_ids))
    found: set[int] = set()
    for start in range(0, len(ids), prof.IN_CHUNK):
        chunk = ids[start:start + prof.IN_CHUNK]
        targets: dict[int, int] = {}
        for person_id, target in DevelopmentNeed.objects.filter(
                person_id__in=chunk, competency_uuid=competency_uuid,
                status=DevelopmentNeed.Status.OPEN).values_list("person_id", "target_level"):
            targets[person_id] = min(target, targets.get(person_id, target))
        if not targets:
            continue
        reached = {person_id for person_id, level in CurrentProficiency.objects.filter(
            person_id__in=list(targets), competency_uuid=competency_uuid, status="held").values_list(
            "person_id", "level") if level >= targets[person_id]}
        found |= set(targets) - reached
    return found


# ---------------------------------------------------------------- plan actions and approval

def add_action(actor: Any, person: Person, *, kind: str, need: DevelopmentNeed | None = None,
               resource: Resource | None = None, session_id: int | None = None, task: str = "",
               mentor: Person | None = None, due_on: dt.date | None = None) -> PlanAction:
    require_plan_editor(actor, person)
    errors: dict[str, str] = {}
    if kind not in PlanAction.Kind.values:
        errors["kind"] = f"unknown kind {kind!r}"
    elif kind == PlanAction.Kind.RESOURCE and resource is None:
        errors["resource"] = "choose a learning resource"
    elif kind == PlanAction.Kind.SESSION and session_id is None:
        errors["session_id"] = "choose a training session"
    elif kind == PlanAction.Kind.TASK and not task.strip():
        errors["task"] = "describe the on-the-job task"
    elif kind == PlanAction.Kind.MENTOR and mentor is None:
        errors["mentor"] = "choose a mentor"
    if mentor is not None and mentor.pk == person.pk:
        errors["mentor"] = "a person cannot mentor themselves"
    if need is not None and need.person_id != person.pk:
        errors["need"] = "that need belongs to someone else"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = ensure_plan(person)
        action = PlanAction.objects.create(
            plan=plan, need=need, kind=kind, resource=resource, session_id=session_id, task=task.strip(),
            mentor=mentor, due_on=due_on, created_by=actor if getattr(actor, "is_authenticated", False) else None)
        if plan.status == DevelopmentPlan.Status.APPROVED:
            # A changed plan needs approving again.
            plan.status = DevelopmentPlan.Status.DRAFT
        plan.updated_at = timezone.now()
        plan.save(update_fields=["status", "updated_at"])
        record(actor, "development.action.create", action, after=snapshot(action))
    return action


def submit_plan(actor: Any, person: Person) -> DevelopmentPlan:
    require_plan_editor(actor, person)
    with transaction.atomic():
        plan = ensure_plan(person)
        if plan.status == DevelopmentPlan.Status.APPROVED:
            raise ValidationError({"status": "the plan is already approved"})
        plan.status = DevelopmentPlan.Status.SUBMITTED
        plan.updated_at = timezone.now()
        plan.save(update_fields=["status", "updated_at"])
        record(actor, "development.plan.submit", plan)
    return plan


def approve_plan(actor: Any, person: Person) -> DevelopmentPlan:
    if not can_approve_plan(actor, person):
        raise PermissionDenied("Only the person's manager or HR may approve their plan.")
    with transaction.atomic():
        plan = ensure_plan(person)
        if not plan.actions.exists() and not person.development_needs.exists():
            raise ValidationError({"status": "an empty plan cannot be approved"})
        plan.status = DevelopmentPlan.Status.APPROVED
        plan.approved_by = actor if getattr(actor, "is_authenticated", False) else None
        plan.approved_at = timezone.now()
        plan.save(update_fields=["status", "approved_by", "approved_at"])
        record(actor, "development.plan.approve", plan)
    return plan


# ---------------------------------------------------------------- templates

def create_template(actor: Any, *, name: str, role: Any = None, resources: Sequence[Resource] = ()) -> PlanTemplate:
    require_catalogue_editor(actor)
    if not name.strip():
        raise ValidationError({"name": "name is required"})
    with transaction.atomic():
        template = PlanTemplate.objects.create(name=name.strip(), role=role)
        PlanTemplateItem.objects.bulk_create([PlanTemplateItem(template=template, resource=r, sort_order=i)
                                              for i, r in enumerate(resources)])
        record(actor, "development.template.create", template, after={"resources": [r.resource_id for r in resources]})
    return template


def apply_template(actor: Any, template: PlanTemplate, person: Person) -> list[PlanAction]:
    """Add the template's resources to the person's plan (skipping ones already planned)."""
    require_plan_editor(actor, person)
    with transaction.atomic():
        plan = ensure_plan(person)
        planned = set(plan.actions.exclude(resource=None).values_list("resource_id", flat=True))
        new = [PlanAction(plan=plan, kind=PlanAction.Kind.RESOURCE, resource_id=item.resource_id,
                          created_by=actor if getattr(actor, "is_authenticated", False) else None)
               for item in template.items.all() if item.resource_id not in planned]
        PlanAction.objects.bulk_create(new)
        record(actor, "development.template.apply", template, note=f"person {person.pk}",
               after={"person": person.pk, "actions": len(new)})
    return new


# ---------------------------------------------------------------- recommendations

@dataclass(frozen=True)
class Recommendation:
    resource: Resource
    gain: int  # weighted levels closed, never beyond the required level
    closes: list[str]  # competency codes
    gain_per_cost: float | None  # None when free
    gain_per_hour: float | None  # None when it takes no time


@dataclass(frozen=True)
class MentorSuggestion:
    person: Person
    competency_code: str
    level: int | None  # None: the colleague has not chosen to share their levels with this viewer
    same_unit: bool


def recommendations(person: Person, limit: int = 20, gaps: list[GapRow] | None = None) -> list[Recommendation]:
    """Resources that close the person's gaps (entry <= proficiency < exit), ranked by weighted gap
    closed per cost (free first), then per hour, then by the gap closed."""
    gaps = person_gap_rows(person) if gaps is None else gaps
    by_uuid = {row.competency_uuid: row for row in gaps}
    if not by_uuid:
        return []
    gain: dict[int, int] = {}
    closes: dict[int, list[str]] = {}
    for outcome in ResourceOutcome.objects.filter(competency_uuid__in=list(by_uuid), resource__active=True):
        row = by_uuid[outcome.competency_uuid]
        if outcome.entry_level <= row.proficiency < outcome.exit_level:
            closed = row.weight * (min(outcome.exit_level, row.required) - row.proficiency)
            if closed > 0:
                gain[outcome.resource_id] = gain.get(outcome.resource_id, 0) + closed
                closes.setdefault(outcome.resource_id, []).append(row.code)
    resources = Resource.objects.in_bulk(list(gain))
    result = []
    for pk, value in gain.items():
        resource = resources[pk]
        cost, hours = float(resource.cost), float(resource.hours)
        result.append(Recommendation(resource=resource, gain=value, closes=sorted(closes[pk]),
                                     gain_per_cost=value / cost if cost > 0 else None,
                                     gain_per_hour=value / hours if hours > 0 else None))
    infinite = float("inf")
    result.sort(key=lambda r: (-(r.gain_per_cost if r.gain_per_cost is not None else infinite),
                               -(r.gain_per_hour if r.gain_per_hour is not None else infinite),
                               -r.gain, r.resource.resource_id))
    return result[:limit]


def mentor_suggestions(person: Person, per_competency: int = 3, gaps: list[GapRow] | None = None, *,
                       viewer: Any) -> list[MentorSuggestion]:
    """Colleagues who hold a gap competency above the person's level: same unit first, then higher level.

    What `viewer` sees of each colleague: always the name; the level only when the colleague opted in
    (`MentorPreference.share_levels`) or the viewer may see the colleague's records anyway."""
    gaps = person_gap_rows(person) if gaps is None else gaps
    if not gaps:
        return []
    by_uuid = {row.competency_uuid: row for row in gaps}
    today = prof.today()
    rows = (CurrentProficiency.objects.filter(competency_uuid__in=list(by_uuid), status="held",
                                              person__active=True)
            .exclude(person=person).exclude(valid_until__lt=today)
            .select_related("person__unit").order_by("-level", "person__name"))
    same_unit = list(rows.filter(person__unit_id=person.unit_id)[:500])
    others = list(rows.exclude(person__unit_id=person.unit_id)[:50 * len(by_uuid)])
    chosen: dict[uuid_module.UUID, list[MentorSuggestion]] = {}
    for row in same_unit + others:
        gap = by_uuid[row.competency_uuid]
        picks = chosen.setdefault(row.competency_uuid, [])
        if row.level > gap.proficiency and len(picks) < per_competency and all(
                p.person.pk != row.person_id for p in picks):
            picks.append(MentorSuggestion(person=row.person, competency_code=gap.code, level=row.level,
                                          same_unit=row.person.unit_id == person.unit_id))
    suggestions = [s for row in gaps for s in chosen.get(row.competency_uuid, [])]
    sharing = set(MentorPreference.objects.filter(person_id__in={s.person.pk for s in suggestions},
                                                  share_levels=True).values_list("person_id", flat=True))
    return [s if may_see_mentor_levels(viewer, s.person, s.person.pk in sharing)
            else MentorSuggestion(person=s.person, competency_code=s.competency_code, level=None, same_unit=s.same_unit)
            for s in suggestions]


def suggested_mentor(person: Person, employee_id: str, *, viewer: Any) -> Person | None:
    """A colleague the viewer may name as the person's mentor: one the viewer may see anyway, or one of the
    mentors suggested for the person (whose names the plan already shows). None for anyone else, so that a
    refusal cannot tell an existing employee id from a missing one."""
    from compms.access.development import plan_people

    found = plan_people(viewer).filter(employee_id=employee_id, active=True).first()
    if found is not None:
        return found
    return next((s.person for s in mentor_suggestions(person, viewer=viewer) if s.person.employee_id == employee_id),
                None)


def mentor_preference(person: Person) -> MentorPreference:
    """The person's stored choice, or the default (name only) without saving a row."""
    return MentorPreference.objects.filter(person=person).first() or MentorPreference(person=person)


def set_mentor_preference(actor: Any, person: Person, *, share_levels: bool) -> MentorPreference:
    """The person chooses whether colleagues looking for a mentor see their proficiency levels."""
    if not can_set_mentor_preference(actor, person):
        raise PermissionDenied("Only the person themself chooses what colleagues see of them.")
    with transaction.atomic():
        preference = MentorPreference.objects.select_for_update().filter(person=person).first()
        before = {"share_levels": preference.share_levels} if preference else {"share_levels": False}
        if preference is None:
            preference = MentorPreference(person=person)
        preference.share_levels = bool(share_levels)
        preference.updated_at = timezone.now()
        preference.save()
        record(actor, "development.mentor_preference.set", preference, before=before,
               after={"share_levels": preference.share_levels})
    return preference


# ---------------------------------------------------------------- enrolment requests via training

def _request_enrolment() -> Any:
    if importlib.util.find_spec(TRAINING_SERVICES) is None:
        raise TrainingUnavailable("The training app has no services module yet: no enrolment was requested.")
    function = getattr(importlib.import_module(TRAINING_SERVICES), "request_enrolment", None)
    if function is None:
        raise TrainingUnavailable("compms.training.services.request_enrolment does not exist yet: "
                                  "no enrolment was requested.")
    return function


def request_plan_enrolments(actor: Any, person: Person) -> list[Any]:
    """For an approved plan, ask training for a place on each planned resource or session."""
    require_plan_editor(actor, person)
    plan = ensure_plan(person)
    if plan.status != DevelopmentPlan.Status.APPROVED:
        raise ValidationError({"status": "the plan must be approved before enrolments are requested"})
    request_enrolment = _request_enrolment()
    actions = list(plan.actions.filter(status=PlanAction.Status.PLANNED,
                                       kind__in=[PlanAction.Kind.RESOURCE, PlanAction.Kind.SESSION])
                   .select_related("resource"))
    enrolments = []
    with transaction.atomic():
        for action in actions:
            session = None
            if action.session_id is not None:
                from compms.training.models import Session  # type: ignore[attr-defined]
                session = Session.objects.get(pk=action.session_id)
            enrolments.append(request_enrolment(actor, person=person, session=session, resource=action.resource,
                                                reason="development plan", plan_action=action))
            action.status = PlanAction.Status.REQUESTED
            action.save(update_fields=["status"])
        record(actor, "development.plan.request_enrolments", plan, after={"requested": len(enrolments)})
    return enrolments


def accept_optimised_plan(actor: Any, enrolments: Sequence[tuple[int, int]]) -> list[Any]:
    """Accept an optimiser plan: (person id, resource id) pairs become enrolment requests in training
    and planned actions in each person's plan."""
    require_training_planner(actor)
    request_enrolment = _request_enrolment()
    people = Person.objects.in_bulk({p for p, _ in enrolments})
    resources = Resource.objects.in_bulk({r for _, r in enrolments})
    requested = []
    with transaction.atomic():
        plans = {p.person_id: p for p in DevelopmentPlan.objects.filter(person_id__in=list(people))}
        missing = [DevelopmentPlan(person_id=pk) for pk in people if pk not in plans]
        DevelopmentPlan.objects.bulk_create(missing)
        plans = {p.person_id: p for p in DevelopmentPlan.objects.filter(person_id__in=list(people))}
        actions = PlanAction.objects.bulk_create([
            PlanAction(plan=plans[p], kind=PlanAction.Kind.RESOURCE, resource_id=r, status=PlanAction.Status.REQUESTED,
                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
            for p, r in enrolments])
        for (p, r), action in zip(enrolments, actions):
            requested.append(request_enrolment(actor, person=people[p], resource=resources[r],
                                               reason="organisation training plan",
                                               plan_action=action if action.pk else None))
        record(actor, "development.optimiser.accept", None, object_type="development.optimiser",
               after={"enrolments": len(enrolments)})
    return requested


# ---------------------------------------------------------------- commissioning

COMMISSION_AUDIT_FIELDS = ("kind", "title", "provider_type", "provider", "resource_id", "competency_uuid", "level",
                           "places", "budget", "due_on", "status", "session_ids", "note")


def create_commission(actor: Any, *, kind: str, title: str = "", provider_type: str = Commission.ProviderType.EXTERNAL,
                      provider: str = "", resource: Resource | None = None, competency: Competency | None = None,
                      level: int | None = None, places: int = 0, budget: Decimal | float | int = 0,
                      due_on: dt.date | None = None, needs: Sequence[DevelopmentNeed] = (), note: str = "",
                      raised_automatically: bool = False) -> Commission:
    """Ask a provider for `places` on `resource` (kind places) or for a new resource developing
    `competency` to `level` (kind new_resource)."""
    require_commission_manager(actor)
    errors: dict[str, str] = {}
    if kind not in Commission.Kind.values:
        errors["kind"] = f"unknown kind {kind!r} (expected one of {', '.join(Commission.Kind.values)})"
    elif kind == Commission.Kind.PLACES:
        if resource is None:
            errors["resource"] = "choose the resource to buy places on"
        if places is None or int(places) < 1:
            errors["places"] = "ask for at least one place"
    elif kind == Commission.Kind.NEW_RESOURCE:
        if competency is None:
            errors["competency"] = "name the competency the new resource must develop"
        if level is None or int(level) < 1:
            errors["level"] = "name the level (at least 1) the new resource must reach"
    if provider_type not in Commission.ProviderType.values:
        errors["provider_type"] = "internal or external"
    try:
        budget = Decimal(str(budget))
        if budget < 0:
            errors["budget"] = "budget cannot be negative"
    except (ArithmeticError, ValueError):
        errors["budget"] = "not a number"
    if errors:
        raise ValidationError(errors)
    if not title.strip():
        title = (f"{places} places on {resource.resource_id} {resource.title}" if kind == Commission.Kind.PLACES
                 else f"New resource: {competency.code} {competency.name} to level {level}")
    commission = Commission(kind=kind, title=title.strip()[:300], provider_type=provider_type, provider=provider,
                            resource=resource, competency=competency,
                            competency_uuid=competency.uuid if competency is not None else None,
                            level=level, places=int(places or 0), budget=budget, due_on=due_on, note=note,
                            raised_automatically=raised_automatically,
                            created_by=actor if getattr(actor, "is_authenticated", False) else None)
    with transaction.atomic():
        commission.save()
        if needs:
            commission.needs.set(needs)
        record(actor, "development.commission.create", commission,
               after=snapshot(commission, COMMISSION_AUDIT_FIELDS) | {"needs": len(needs)})
    return commission


def allowed_commission_moves(commission: Commission) -> list[str]:
    return sorted(COMMISSION_TRANSITIONS[commission.status])


def move_commission(commission: Commission, actor: Any, target: str, *, note: str = "") -> Commission:
    """Move a commission along requested > approved > in_progress > delivered (or cancelled from any
    open status). A new resource is delivered only once the resource it produced is linked."""
    require_commission_manager(actor)
    with transaction.atomic():
        commission = Commission.objects.select_for_update().get(pk=commission.pk)
        if target not in COMMISSION_TRANSITIONS.get(commission.status, frozenset()):
            raise ValidationError({"status": f"a {commission.get_status_display().lower()} commission cannot become "
                                             f"{target.replace('_', ' ')}"})
        if (target == Commission.Status.DELIVERED and commission.kind == Commission.Kind.NEW_RESOURCE
                and commission.resource_id is None):
            raise ValidationError({"resource": "link the resource the provider delivered first"})
        before = commission.status
        commission.status = target
        commission.changed_at = timezone.now()
        if note:
            commission.note = (commission.note + "\n" if commission.note else "") + note
        commission.save(update_fields=["status", "changed_at", "note"])
        record(actor, f"development.commission.{target}", commission, before={"status": before},
               after={"status": target}, note=note)
    return commission


def link_commission(commission: Commission, actor: Any, *, resource: Resource | None = None,
                    session_ids: Sequence[int] = ()) -> Commission:
    """Link what the provider delivered: the new resource, and training sessions of the resource."""
    require_commission_manager(actor)
    errors: dict[str, str] = {}
    if not commission.is_open:
        errors["status"] = "a closed commission cannot change"
    if resource is not None and commission.kind == Commission.Kind.PLACES and resource.pk != commission.resource_id:
        errors["resource"] = "a commission for places stays on its resource"
    target_resource = resource or commission.resource
    if session_ids:
        if target_resource is None:
            errors["session_ids"] = "link the resource before its sessions"
        else:
            session_model = training_model("Session")
            found = set(session_model.objects.filter(pk__in=list(session_ids), resource=target_resource)
                        .values_list("pk", flat=True)) if session_model is not None else set()
            missing = sorted(set(session_ids) - found)
            if missing:
                errors["session_ids"] = f"not sessions of {target_resource.resource_id}: {missing}"
    if errors:
        raise ValidationError(errors)
    before = snapshot(commission, COMMISSION_AUDIT_FIELDS)
    with transaction.atomic():
        if resource is not None:
            commission.resource = resource
        commission.session_ids = sorted(set(commission.session_ids or []) | {int(s) for s in session_ids})
        commission.changed_at = timezone.now()
        commission.save(update_fields=["resource", "session_ids", "changed_at"])
        record(actor, "development.commission.link", commission, before=before,
               after=snapshot(commission, COMMISSION_AUDIT_FIELDS))
    return commission


def training_model(name: str) -> Any:
    from django.apps import apps

    try:
        return apps.get_model("training", name)
    except LookupError:
        return None


def open_places(resource_pks: Iterable[int], as_of: dt.date | None = None) -> dict[int, int] | None:
    """Free places per resource on scheduled sessions starting on or after today (capacity minus
    places taken), only for resources that have such sessions; None without the training app."""
    session_model = training_model("Session")
    if session_model is None:
        return None
    from django.db import connection
    from django.db.models import Count, Q

    if session_model._meta.db_table not in connection.introspection.table_names():
        return None
    from compms.training.models import PLACE_STATUSES

    pks = list(resource_pks)
    free: dict[int, int] = {}
    for resource_pk, capacity, taken in (
            session_model.objects.filter(resource_id__in=pks, status="scheduled", starts_on__gte=as_of or prof.today())
            .annotate(taken=Count("enrolments", filter=Q(enrolments__status__in=PLACE_STATUSES)))
            .values_list("resource_id", "capacity", "taken")):
        free[resource_pk] = free.get(resource_pk, 0) + max(0, int(capacity) - int(taken))
    return free


def resource_demand() -> dict[int, tuple[int, list[int]]]:
    """People waiting for a place, per resource: planned plan actions not yet requested, plus open
    enrolment requests holding no place (requested, approved, waitlisted). Returns resource pk ->
    (people, the development needs their plan actions serve)."""
    people: dict[int, set[int]] = {}
    need_ids: dict[int, set[int]] = {}
    for resource_pk, person_pk, need_pk in PlanAction.objects.filter(
            status=PlanAction.Status.PLANNED, resource__isnull=False, resource__active=True).values_list(
            "resource_id", "plan__person_id", "need_id"):
        people.setdefault(resource_pk, set()).add(person_pk)
        if need_pk is not None:
            need_ids.setdefault(resource_pk, set()).add(need_pk)
    enrolment_model = training_model("Enrolment")
    if enrolment_model is not None:
        from django.db import connection

        if enrolment_model._meta.db_table in connection.introspection.table_names():
            for resource_pk, person_pk in enrolment_model.objects.filter(
                    status__in=["requested", "approved", "waitlisted"]).values_list("resource_id", "person_id"):
                people.setdefault(resource_pk, set()).add(person_pk)
    return {pk: (len(who), sorted(need_ids.get(pk, set()))) for pk, who in people.items()}


def _need_closed_by_catalogue(needs: list[DevelopmentNeed], progress: dict[int, NeedProgress]) -> set[int]:
    """Needs some active resource closes: entry <= the person's level now < exit, and exit >= target."""
    outcomes: dict[Any, list[tuple[int, int]]] = {}
    for comp_uuid, entry, exit_level in ResourceOutcome.objects.filter(
            competency_uuid__in={n.competency_uuid for n in needs}, resource__active=True).values_list(
            "competency_uuid", "entry_level", "exit_level"):
        outcomes.setdefault(comp_uuid, []).append((entry, exit_level))
    closed = set()
    for need in needs:
        level = progress[need.pk].current_level
        if any(entry <= level < exit_level and exit_level >= need.target_level
               for entry, exit_level in outcomes.get(need.competency_uuid, [])):
            closed.add(need.pk)
    return closed


def raise_commissions(actor: Any, *, due_on: dt.date | None = None) -> list[Commission]:
    """Raise commissions for what the catalogue and the timetable cannot serve:
    - open, not yet achieved needs that no active resource closes, one `new_resource` commission per
      (competency, target level) naming those needs (needs already served by an open commission are
      left out);
    - resources with more people waiting than free places, one `places` commission for the
      shortfall (unless an open places commission for the resource exists).
    Idempotent: a second run with nothing changed raises nothing."""
    require_commission_manager(actor)
    raised: list[Commission] = []
    with transaction.atomic():
        already = set(Commission.needs.through.objects.filter(
            commission__status__in=[s for s in Commission.Status.values
                                    if s not in (Commission.Status.DELIVERED, Commission.Status.CANCELLED)])
            .values_list("developmentneed_id", flat=True))
        needs = [n for n in DevelopmentNeed.objects.filter(status=DevelopmentNeed.Status.OPEN)
                 .select_related("competency") if n.pk not in already]
        progress = need_progress(needs)
        unmet = [n for n in needs if not progress[n.pk].achieved]
        served = _need_closed_by_catalogue(unmet, progress)
        groups: dict[tuple[Any, int], list[DevelopmentNeed]] = {}
        for need in unmet:
            if need.pk not in served:
                groups.setdefault((need.competency_uuid, need.target_level), []).append(need)
        for (_uuid, level), group in sorted(groups.items(), key=lambda item: (item[1][0].competency.code, item[0][1])):
            dates = [n.target_date for n in group if n.target_date is not None]
            raised.append(create_commission(
                actor, kind=Commission.Kind.NEW_RESOURCE, competency=group[0].competency, level=level,
                places=len({n.person_id for n in group}), due_on=min(dates) if dates else due_on, needs=group,
                raised_automatically=True,
                note=f"Raised automatically: {len(group)} open needs and no resource in the catalogue closes them."))

        demand = resource_demand()
        free = open_places(list(demand)) or {}
        covered = set(Commission.objects.filter(kind=Commission.Kind.PLACES, resource_id__in=list(demand))
                      .exclude(status__in=[Commission.Status.DELIVERED, Commission.Status.CANCELLED])
                      .values_list("resource_id", flat=True))
        resources = Resource.objects.in_bulk(list(demand))
        need_rows = DevelopmentNeed.objects.in_bulk([pk for _, ids in demand.values() for pk in ids])
        for resource_pk, (waiting, need_ids) in sorted(demand.items()):
            shortfall = waiting - free.get(resource_pk, 0)
            if shortfall <= 0 or resource_pk in covered:
                continue
            resource = resources[resource_pk]
            raised.append(create_commission(
                actor, kind=Commission.Kind.PLACES, resource=resource, places=shortfall,
                budget=resource.cost * shortfall, provider=resource.provider, due_on=due_on,
                needs=[need_rows[pk] for pk in need_ids if pk in need_rows], raised_automatically=True,
                note=f"Raised automatically: {waiting} people waiting, {free.get(resource_pk, 0)} free places."))
    return raised

"""Evidence pages: a person's competence profile ("My competence" for oneself), self-assessment
claims and their review queue, the manager's team grid and competence about to expire.

Thin: reads through `proficiency`, `gaps` and small set-based queries here; writes through
`compms.evidence.services` (and the grid through `compms.campaigns.ratings`). A person the viewer
may not see is 404 (like the organisation pages): a 403 would confirm the employee id exists.
"""

from __future__ import annotations

import uuid as uuid_module
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compms.access import has_role, is_admin, person_of, reports_prefix, sees_everyone
from compms.access.evidence import AssessorCover, assessable_claims_q, assessor_covers, covered_claims_q
from compms.access.people import visible_people
from compms.accounts.models import Role as AccessRole
from compms.campaigns.ratings import WHO_CAN_CONFIRM, CellRating, formal_evidence, rate_people
from compms.core.rollup import Proficiency
from compms.evidence import proficiency as prof
from compms.evidence import services
from compms.evidence.forms import ClaimForm, ReviewForm
from compms.evidence.gaps import PersonGaps, person_gaps
from compms.evidence.models import Claim, Evidence, Source
from compms.frameworks.models import Competency, FrameworkVersion
from compms.organisation.forms import add_service_errors
from compms.organisation.models import Person, Position, Requirement

REVIEWS_PER_PAGE = 50


# ---------------------------------------------------------------- the profile


@dataclass
class ProfileRow:
    """One competency on a person's profile: what their roles need and what they hold."""

    uuid: uuid_module.UUID
    context_id: int | None
    framework: str
    code: str
    name: str
    context: str | None
    required: int | None  # None: no role of theirs needs it
    criticality: str | None
    proficiency: Proficiency | None
    status: str  # met | short | missing | expired | held (no requirement)
    pending_claim: Claim | None = None
    history: list[Evidence] = field(default_factory=list)


@dataclass
class Profile:
    person: Person
    gaps: PersonGaps
    rows: list[ProfileRow]
    claims: list[Claim]

    @property
    def open_gaps(self) -> list[ProfileRow]:
        return [row for row in self.rows if row.status in ("short", "missing", "expired")]


def _status(required: int | None, p: Proficiency | None) -> str:
    level = p.level if p is not None and p.status == "held" else 0
    if required is None:
        return p.status if p is not None else "none"
    if level >= required:
        return "met"
    if level > 0:
        return "short"
    return "expired" if p is not None and p.status == "expired" else "missing"


def load_profile(person: Person) -> Profile:
    """Everything the profile shows, in a fixed handful of queries whatever the number of records."""
    gaps = person_gaps(person)
    roles = [position.role_id for position in Position.objects.filter(holder=person)]
    requirements = (Requirement.objects.filter(role_id__in=roles)
                    .select_related("competency__version__framework", "context")) if roles else []
    needed: dict[tuple[uuid_module.UUID, int | None], Requirement] = {}
    for requirement in requirements:
        key = (requirement.competency_uuid, requirement.context_id)
        # A competency several roles need counts once, at the highest level any of them needs.
        if key not in needed or requirement.level > needed[key].level:
            needed[key] = requirement
    current = prof.proficiency_as_of(person.pk)
    evidence = list(Evidence.objects.filter(person=person)
                    .select_related("competency__version__framework", "context", "recorded_by", "assessor")
                    .prefetch_related("attachments").order_by("-assessed_on", "-id"))
    history: dict[tuple[uuid_module.UUID, int | None], list[Evidence]] = defaultdict(list)
    for record in evidence:
        history[(record.competency_uuid, record.context_id)].append(record)
    claims = list(Claim.objects.filter(person=person).select_related("competency", "reviewed_by")
                  .order_by("-created_at", "-id")[:50])
    pending = {(c.competency_uuid, c.context_id): c for c in claims if c.status == Claim.Status.PENDING}
    keys = set(needed) | set(current) | set(history)
    labels = prof.competency_labels({key[0] for key in keys})
    contexts = prof.context_codes(key[1] for key in keys)
    rows = []
    for key in keys:
        requirement = needed.get(key)
        label = labels.get(key[0])
        p = current.get(key)
        rows.append(ProfileRow(
            uuid=key[0], context_id=key[1],
            framework=label.framework if label else "", code=label.code if label else str(key[0]),
            name=label.name if label else "",
            context=contexts.get(key[1]) if key[1] else None,
            required=requirement.level if requirement else None,
            criticality=requirement.criticality if requirement else None,
            proficiency=p, status=_status(requirement.level if requirement else None, p),
            pending_claim=pending.get(key), history=history.get(key, []),
        ))
    # Requirements first (the gaps a person must close), then everything else they hold.
    rows.sort(key=lambda row: (row.required is None, row.framework, row.code, row.context or ""))
    return Profile(person=person, gaps=gaps, rows=rows, claims=claims)


def claimable_competencies(profile: Profile) -> QuerySet[Competency]:
    """What a person may claim from their profile: the published competencies on it."""
    uuids = [row.uuid for row in profile.rows]
    return (Competency.objects.filter(uuid__in=uuids, version__status=FrameworkVersion.Status.PUBLISHED)
            .order_by("code", "-version__number"))


def _visible_person(request: HttpRequest, employee_id: str) -> Person:
    person = (visible_people(request.user).select_related("unit", "manager")
              .filter(employee_id=employee_id).first())
    if person is None:
        raise Http404("No such person.")
    return person


def _latest_per_uuid(competencies: QuerySet[Competency]) -> list[int]:
    seen: set[uuid_module.UUID] = set()
    ids = []
    for pk, comp_uuid in competencies.values_list("pk", "uuid"):
        if comp_uuid not in seen:
            seen.add(comp_uuid)
            ids.append(pk)
    return ids


def _render_profile(request: HttpRequest, person: Person, claim_form: ClaimForm | None = None,
                    status: int = 200) -> HttpResponse:
    profile = load_profile(person)
    me = person_of(request.user)
    own = me is not None and me.pk == person.pk
    if own and claim_form is None:
        choices = Competency.objects.filter(pk__in=_latest_per_uuid(claimable_competencies(profile)))
        claim_form = ClaimForm(competencies=choices.order_by("code"))
    return render(request, "evidence/profile.html", {
        "profile": profile, "person": person, "own": own, "claim_form": claim_form if own else None,
    }, status=status)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    me = person_of(request.user)
    return render(request, "evidence/index.html", {
        "me": me,
        "is_manager": has_role(request.user, AccessRole.MANAGER),
        "reviews": has_role(request.user, AccessRole.MANAGER, AccessRole.ASSESSOR),
        "sees_all": sees_everyone(request.user),
    })


@require_GET
def my_competence(request: HttpRequest) -> HttpResponse:
    me = person_of(request.user)
    if me is None:
        return render(request, "evidence/no_person.html", status=404)
    return _render_profile(request, me)


@require_GET
def profile(request: HttpRequest, employee_id: str) -> HttpResponse:
    return _render_profile(request, _visible_person(request, employee_id))


# ---------------------------------------------------------------- claims


@require_POST
def claim_create(request: HttpRequest) -> HttpResponse:
    me = person_of(request.user)
    if me is None:
        raise PermissionDenied("Only people with an employee record can claim a competency.")
    profile_data = load_profile(me)
    choices = Competency.objects.filter(pk__in=_latest_per_uuid(claimable_competencies(profile_data)))
    form = ClaimForm(request.POST, request.FILES, competencies=choices)
    if form.is_valid():
        upload = form.cleaned_data.get("attachment")
        try:
            claim = services.create_claim(request.user, competency=form.cleaned_data["competency"],
                                          level=form.cleaned_data["level"], note=form.cleaned_data["note"],
                                          attachments=[upload] if upload else [])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Your claim of level {claim.level} in {claim.competency.code} is waiting "
                                      "for your manager or an assessor.")
            return redirect("evidence:me")
    return _render_profile(request, me, claim_form=form, status=400)


@dataclass
class ReviewItem:
    claim: Claim
    sources: list[str]
    form: ReviewForm


def _review_sources(user: Any, me: Person | None, claim: Claim, covers: list[AssessorCover]) -> list[str]:
    """What the viewer may verify this claim as, decided without a query per claim (the assessor's
    covers are read once per page)."""
    if is_admin(user):
        return [Source.MANAGER.value] if me is None or claim.person_id != me.pk else []
    if me is None or claim.person_id == me.pk:
        return []
    sources = []
    if has_role(user, AccessRole.MANAGER) and (claim.person.manager_path or "").startswith(reports_prefix(me)):
        sources.append(Source.MANAGER.value)
    if has_role(user, AccessRole.ASSESSOR) and any(
            c.competency_uuid == claim.competency_uuid and c.context_id in (None, claim.context_id)
            and claim.level <= c.limit for c in covers):
        sources.append(Source.ASSESSOR.value)
    return sources


@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    """The claims the user may act on now: their reports' (managers), those their assessor cover reaches
    (assessors), any but their own (administrators). HR's sight of every claim is not a review queue."""
    me = person_of(request.user)
    pending = services.claims_for(request.user).filter(status=Claim.Status.PENDING)
    covers: list[AssessorCover] = []
    if is_admin(request.user):
        pending = pending.exclude(person=me) if me is not None else pending
    elif me is None:
        pending = pending.none()
    else:
        actionable = Q(pk__in=[])
        if has_role(request.user, AccessRole.MANAGER):
            actionable |= Q(person__manager_path__startswith=reports_prefix(me))
        if has_role(request.user, AccessRole.ASSESSOR):
            covers = assessor_covers(me)
            actionable |= assessable_claims_q(me, covers=covers)
        pending = pending.exclude(person=me).filter(actionable)
    page = Paginator(pending.select_related("self_evidence").prefetch_related("self_evidence__attachments")
                     .order_by("created_at", "id"), REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    items = [ReviewItem(claim=c, sources=_review_sources(request.user, me, c, covers),
                        form=ReviewForm(initial={"level": c.level}, prefix=f"c{c.pk}")) for c in page]
    return render(request, "evidence/reviews.html", {"page": page, "items": items})


@require_POST
def review_act(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.select_related("person", "competency"), pk=claim_id)
    if not services.claims_for(request.user).filter(pk=claim.pk).exists():
        # An assessor sees the pending claims they may verify; one of those closed by someone else
        # meanwhile deserves the service's conflict message rather than a bare 404.
        me = person_of(request.user)
        was_theirs = (claim.status != Claim.Status.PENDING and me is not None
                      and has_role(request.user, AccessRole.ASSESSOR)
                      and Claim.objects.filter(pk=claim.pk).filter(covered_claims_q(me)).exists())
        if not was_theirs:
            raise Http404("No such claim.")
    form = ReviewForm(request.POST, prefix=f"c{claim.pk}")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{claim.person.name}, {claim.competency.code}: {error}")
        return redirect("evidence:reviews")
    data = form.cleaned_data
    try:
        if data["action"] == "verify":
            done = services.verify_claim(claim, request.user, level=data.get("level"),
                                         comment=data.get("comment") or "", source=data.get("source") or None)
            messages.success(request, f"Verified {claim.person.name}'s {claim.competency.code} at level "
                                      f"{done.review_evidence.level if done.review_evidence else done.level}.")
        else:
            services.reject_claim(claim, request.user, comment=data["comment"])
            messages.success(request, f"Rejected {claim.person.name}'s claim in {claim.competency.code}.")
    except services.Conflict as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "You may not review this claim.")
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("evidence:reviews")


# ---------------------------------------------------------------- the team grid


@dataclass
class GridCell:
    name: str  # form field name
    required: int | None  # None: this person's roles do not need it (no input)
    proficiency: Proficiency | None
    levels: list[int]
    formal: Evidence | None = None  # a certificate or assessor record: the manager cannot rate the cell

    @property
    def comment_name(self) -> str:
        return f"note-{self.name}"

    @property
    def shown(self) -> int | None:
        p = self.proficiency
        return p.level if p is not None and p.status == "held" else None


@dataclass
class GridRow:
    person: Person
    cells: list[GridCell]


@dataclass
class GridColumn:
    competency: Competency
    context_id: int | None
    context: str | None
    context_row: Any = None


def _cell_name(person_id: int, comp_uuid: uuid_module.UUID, context_id: int | None) -> str:
    return f"cell-{person_id}-{comp_uuid.hex}-{context_id or 0}"


def team_grid(manager: Person) -> tuple[list[GridColumn], list[GridRow]]:
    """Direct reports x the competencies their roles need, with today's level in each cell."""
    team = list(Person.objects.filter(manager=manager, active=True).order_by("name", "employee_id"))
    roles_of: dict[int, set[int]] = defaultdict(set)
    for holder, role in Position.objects.filter(holder__in=team).values_list("holder_id", "role_id"):
        roles_of[holder].add(role)
    requirements = list(Requirement.objects.filter(role_id__in={r for rs in roles_of.values() for r in rs})
                        .select_related("competency", "context"))
    needed: dict[int, dict[tuple[uuid_module.UUID, int | None], int]] = defaultdict(dict)
    by_role: dict[int, list[Requirement]] = defaultdict(list)
    columns: dict[tuple[uuid_module.UUID, int | None], GridColumn] = {}
    for requirement in requirements:
        by_role[requirement.role_id].append(requirement)
        key = (requirement.competency_uuid, requirement.context_id)
        columns.setdefault(key, GridColumn(requirement.competency, requirement.context_id,
                                           requirement.context.code if requirement.context else None,
                                           requirement.context))
    for person in team:
        for role in roles_of[person.pk]:
            for requirement in by_role[role]:
                key = (requirement.competency_uuid, requirement.context_id)
                needed[person.pk][key] = max(needed[person.pk].get(key, 0), requirement.level)
    ordered = sorted(columns.items(), key=lambda item: (item[1].competency.code, item[1].context or ""))
    tops = {key: services.max_level_of(column.competency) for key, column in ordered}
    current = prof.current_proficiencies([p.pk for p in team], competency_uuids=[key[0] for key in columns])
    formal = formal_evidence((person.pk, *key) for person in team for key in needed[person.pk])
    rows = []
    for person in team:
        cells = []
        for key, _column in ordered:
            cells.append(GridCell(name=_cell_name(person.pk, key[0], key[1]), required=needed[person.pk].get(key),
                                  proficiency=current.get((person.pk, key[0], key[1])),
                                  levels=list(range(0, tops[key] + 1)), formal=formal.get((person.pk, *key))))
        rows.append(GridRow(person=person, cells=cells))
    return [column for _, column in ordered], rows


def _int_or_none(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.lstrip("-").isdecimal() else None


@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, AccessRole.MANAGER):
        raise PermissionDenied("The team grid is for managers.")
    me = person_of(request.user)
    if me is None:
        return render(request, "evidence/no_person.html", status=404)
    columns, rows = team_grid(me)
    errors: list[str] = []
    if request.method == "POST":
        # Only cells the manager explicitly set are rated, each with its own comment; a blank cell is
        # left as it is (the select starts blank, not at today's level, so nothing is saved by default).
        cells = []
        for row in rows:
            for column, cell in zip(columns, row.cells):
                level = _int_or_none(request.POST.get(cell.name))
                if cell.required is None or level is None:
                    continue
                cells.append(CellRating(person=row.person, competency=column.competency,
                                        context=column.context_row, level=level,
                                        comment=(request.POST.get(cell.comment_name) or "").strip()))
        try:
            written = rate_people(request.user, cells, note="Team grid rating")
        except ValidationError as exc:
            errors = [f"{key}: {msg}" if key != "__all__" else msg
                      for key, msgs in exc.message_dict.items() for msg in msgs]
        except PermissionDenied as exc:
            errors = [str(exc)]
        else:
            messages.success(request, f"Saved {len(written)} rating{'s' if len(written) != 1 else ''}."
                             if written else "Nothing changed, nothing saved.")
            return redirect("evidence:team")
    return render(request, "evidence/team.html", {"columns": columns, "rows": rows, "errors": errors,
                                                  "who_can_confirm": WHO_CAN_CONFIRM},
                  status=400 if errors else 200)


# ---------------------------------------------------------------- expiring competence


@require_GET
def expiring(request: HttpRequest) -> HttpResponse:
    """Competence about to lapse, filtered and paged in the database (compms.evidence.queries);
    `?export=csv|xlsx` downloads the whole filtered list."""
    from compms.evidence import queries as expiry
    from compms.gaps.exports import export_response

    try:
        filters = expiry.parse_expiry_filter(request.GET)
    except ValidationError as exc:
        return render(request, "evidence/expiring.html", {
            "errors": [f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs],
            "params": request.GET, "windows": expiry.EXPIRY_WINDOWS,
            "units": expiry.unit_choices(request.user), "competencies": expiry.competency_choices(),
        }, status=400)
    export = request.GET.get("export")
    if export:
        if export not in ("csv", "xlsx"):
            return render(request, "evidence/expiring.html", {
                "errors": [f"export: use csv or xlsx (got {export!r})."], "params": request.GET,
                "windows": expiry.EXPIRY_WINDOWS, "units": expiry.unit_choices(request.user),
                "competencies": expiry.competency_choices()}, status=400)
        rows = expiry.expiring_rows(request.user, filters)
        return export_response("expiring-competence", expiry.EXPORT_COLUMNS, expiry.export_table(rows), export)
    page = expiry.expiring_page(request.user, filters)
    return render(request, "evidence/expiring.html", {
        "page": page, "filters": filters, "params": request.GET, "windows": expiry.EXPIRY_WINDOWS,
        "units": expiry.unit_choices(request.user), "competencies": expiry.competency_choices(),
        "previous_query": filters.query_string(page=filters.page - 1) if filters.page > 1 else None,
        "next_query": filters.query_string(page=filters.page + 1) if filters.page < page.pages else None,
        "csv_query": filters.query_string(export="csv"), "xlsx_query": filters.query_string(export="xlsx"),
    })

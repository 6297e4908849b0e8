"""The assurance report for a regulator: for each person in scope, each essential competency of their roles
and each authorisation they were granted, whether they are competent on the as-of date, on what evidence
(source, assessor, assessed, valid until), and what is pending or due.

One set of facts (`assurance_report`) feeds the page, the HTML download and the PDF (Chromium prints the
same self-contained HTML, see `compms.organisation.jobdescription.render_pdf`). Determinism: the content
depends only on the data and the as-of date (ordered by unit, person, competency; no "generated at" time),
so the same as-of date over the same records gives byte-identical HTML.

Reads are set-based: roles, requirements, evidence, claims, drafts and grants in a fixed number of queries;
proficiency through `queries.proficiencies_on` (one call for today or later; a past as-of date is
derived per person, which is why the scope is capped at MAX_PEOPLE people)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.text import slugify

from compms.access.base import restrict_by_person
from compms.access.reports import can_view_reports
from compms.assessments.models import Assessment
from compms.authorisations import queries
from compms.authorisations.models import Authorisation, Grant
from compms.core.fit import ESSENTIAL, GAP_MET, gap_status
from compms.core.rollup import NO_PROFICIENCY
from compms.evidence import proficiency as prof
from compms.evidence.models import Claim, Evidence, Source
from compms.organisation.jobdescription import PdfUnavailable, chromium_available, chromium_path, render_pdf
from compms.organisation.models import Person, Position, Requirement, Unit

DUE_WITHIN_DAYS = 60
# A past as-of date is derived person by person; beyond this the report asks for a narrower scope.
MAX_PEOPLE = 2000
STATUS_EXPIRING = "expiring"
STATUS_UNVERIFIED = "unverified"
SOURCE_WORDS = dict(Source.choices)

Key = tuple[uuid.UUID, int | None]


@dataclass(frozen=True)
class EvidenceLine:
    source: str  # in words
    level: int
    assessor: str
    assessed_on: dt.date
    valid_until: dt.date | None


@dataclass(frozen=True)
class CompetencyLine:
    framework: str
    code: str
    name: str
    context: str | None
    required: int
    held: int
    status: str  # met | expiring | unverified | short | missing | expired
    evidence: EvidenceLine | None
    pending: tuple[str, ...]
    due: str

    @property
    def competent(self) -> bool:
        return self.status in (GAP_MET, STATUS_EXPIRING)


@dataclass(frozen=True)
class AuthorisationLine:
    code: str
    name: str
    authorised: bool
    status: str
    reasons: tuple[str, ...]
    granted_on: dt.date
    granted_by: str
    valid_until: dt.date | None
    due: str


@dataclass(frozen=True)
class PersonEntry:
    unit: str
    employee_id: str
    name: str
    competencies: tuple[CompetencyLine, ...]
    authorisations: tuple[AuthorisationLine, ...]


@dataclass(frozen=True)
class AssuranceReport:
    as_of: dt.date
    unit: Unit | None
    authorisation: Authorisation | None
    people: tuple[PersonEntry, ...]

    @property
    def filters(self) -> str:
        parts = [f"unit {self.unit.name} ({self.unit.external_id}) and below" if self.unit else "all units"]
        if self.authorisation is not None:
            parts.append(f"holders of {self.authorisation.name} ({self.authorisation.code})")
        return "; ".join(parts)


def require_report_access(actor: Any) -> None:
    # HR and administrators report on anyone, managers on their team (narrowed in `people_in_scope`).
    if not can_view_reports(actor):
        raise PermissionDenied("The assurance report is for HR and managers.")


def find_unit(external_id: str | None) -> Unit | None:
    if not external_id:
        return None
    unit = Unit.objects.filter(external_id=external_id).first()
    if unit is None:
        raise ValidationError({"unit": f"No unit with id {external_id!r}."})
    return unit


def find_authorisation(code: str | None) -> Authorisation | None:
    if not code:
        return None
    found = Authorisation.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({"authorisation": f"No authorisation with code {code!r}."})
    return found


def people_in_scope(actor: Any, unit: Unit | None, authorisation: Authorisation | None,
                    as_of: dt.date) -> list[Person]:
    people = restrict_by_person(Person.objects.filter(active=True), actor, field="")
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    if authorisation is not None:
        holders = Grant.objects.filter(authorisation=authorisation, granted_on__lte=as_of).values("person_id")
        people = people.filter(pk__in=holders)
    count = people.count()
    if count > MAX_PEOPLE:
        raise ValidationError({"unit": f"{count} people are in scope; the report takes at most {MAX_PEOPLE}. "
                                       "Choose a smaller unit or an authorisation."})
    return sorted(people.select_related("unit"), key=lambda p: (p.unit.name, p.unit.external_id, p.name,
                                                                 p.employee_id))


def essential_needs(people: list[Person]) -> dict[int, dict[Key, Requirement]]:
    """Each person's essential requirements over all the roles they hold, a competency once at the highest
    level any role asks."""
    roles_of: dict[int, set[int]] = defaultdict(set)
    for holder_id, role_id in Position.objects.filter(holder__in=people).values_list("holder_id", "role_id"):
        roles_of[holder_id].add(role_id)
    by_role: dict[int, list[Requirement]] = defaultdict(list)
    for requirement in (Requirement.objects.filter(role_id__in={r for ids in roles_of.values() for r in ids},
                                                   criticality=ESSENTIAL)
                        .select_related("competency__version__framework", "context").order_by("id")):
        by_role[requirement.role_id].append(requirement)
    needs: dict[int, dict[Key, Requirement]] = {}
    for person in people:
        mine: dict[Key, Requirement] = {}
        for role_id in sorted(roles_of.get(person.pk, ())):
            for requirement in by_role[role_id]:
                key = (requirement.competency_uuid, requirement.context_id)
                if key not in mine or requirement.level > mine[key].level:
                    mine[key] = requirement
        needs[person.pk] = mine
    return needs


def _evidence_line(record: Evidence) -> EvidenceLine:
    return EvidenceLine(source=SOURCE_WORDS.get(record.source, record.source), level=record.level,
                        assessor=record.assessor.name if record.assessor else "", assessed_on=record.assessed_on,
                        valid_until=record.valid_until)


def _lapsed_evidence(person_ids: list[int], as_of: dt.date, uuids: set[uuid.UUID]) -> dict[tuple[int, Key], Evidence]:
    """For expired requirements: the latest active record that was valid before `as_of` and lapsed."""
    found: dict[tuple[int, Key], Evidence] = {}
    rows = (Evidence.objects.filter(person_id__in=person_ids, status=Evidence.Status.ACTIVE,
                                    competency_uuid__in=uuids, valid_until__lt=as_of, assessed_on__lte=as_of)
            .select_related("assessor").order_by("valid_until", "assessed_on", "id"))
    for record in rows:
        found[(record.person_id, (record.competency_uuid, record.context_id))] = record  # the latest wins
    return found


def _pending(person_ids: list[int], as_of: dt.date) -> dict[tuple[int, uuid.UUID], list[str]]:
    """Claims and draft assessments open on `as_of` (made by then, not yet decided or submitted then)."""
    pending: dict[tuple[int, uuid.UUID], list[str]] = defaultdict(list)
    claims = (Claim.objects.filter(person_id__in=person_ids, created_at__date__lte=as_of)
              .filter(Q(status=Claim.Status.PENDING) | Q(reviewed_at__date__gt=as_of))
              .order_by("created_at", "id").values_list("person_id", "competency_uuid", "level", "created_at"))
    for person_id, comp_uuid, level, created_at in claims:
        pending[(person_id, comp_uuid)].append(
            f"Claim of level {level} awaiting verification (made {created_at.date().isoformat()})")
    drafts = (Assessment.objects.filter(person_id__in=person_ids, created_at__date__lte=as_of)
              .filter(Q(status=Assessment.Status.DRAFT) | Q(submitted_at__date__gt=as_of))
              .order_by("created_at", "id").values_list("person_id", "competency_uuid", "level", "assessor__name",
                                                        "created_at"))
    for person_id, comp_uuid, level, assessor, created_at in drafts:
        pending[(person_id, comp_uuid)].append(
            f"Draft assessment at level {level} by {assessor} (started {created_at.date().isoformat()})")
    return pending


def _due(valid_until: dt.date | None, as_of: dt.date) -> str:
    if valid_until is None or valid_until < as_of:
        return ""
    days = (valid_until - as_of).days
    return f"Renewal due: expires {valid_until.isoformat()} (in {days} days)" if days <= DUE_WITHIN_DAYS else ""


def _competency_lines(person_id: int, needs: dict[Key, Requirement], held: dict[Key, Any], as_of: dt.date,
                      records: dict[int, Evidence], lapsed: dict[tuple[int, Key], Evidence],
                      pending: dict[tuple[int, uuid.UUID], list[str]]) -> tuple[CompetencyLine, ...]:
    lines = []
    for key, requirement in needs.items():
        proficiency = held.get(key, NO_PROFICIENCY)
        status = gap_status(requirement.level, proficiency)
        record = records.get(proficiency.evidence_id) if proficiency.evidence_id else None
        if status == GAP_MET and not proficiency.verified:
            status = STATUS_UNVERIFIED  # a self-assessment alone proves nothing to a regulator
        elif status == GAP_MET and _due(proficiency.valid_until, as_of):
            status = STATUS_EXPIRING
        if record is None and status == "expired":
            record = lapsed.get((person_id, key))
        competency = requirement.competency
        lines.append(CompetencyLine(
            framework=competency.version.framework.code, code=competency.code, name=competency.name,
            context=requirement.context.name if requirement.context else None, required=requirement.level,
            held=proficiency.level, status=status, evidence=_evidence_line(record) if record else None,
            pending=tuple(pending.get((person_id, key[0]), ())),
            due=_due(proficiency.valid_until, as_of) if status == STATUS_EXPIRING else ""))
    return tuple(sorted(lines, key=lambda line: (line.name, line.code, line.context or "")))


def _authorisation_lines(people: list[Person], as_of: dt.date,
                         only: Authorisation | None) -> dict[int, list[AuthorisationLine]]:
    grants = Grant.objects.filter(person__in=people, granted_on__lte=as_of)
    if only is not None:
        grants = grants.filter(authorisation=only)
    holders: dict[int, set[int]] = defaultdict(set)
    for authorisation_id, person_id in grants.values_list("authorisation_id", "person_id"):
        holders[authorisation_id].add(person_id)
    by_person: dict[int, list[AuthorisationLine]] = defaultdict(list)
    people_by_id = {p.pk: p for p in people}
    for authorisation in Authorisation.objects.filter(pk__in=holders).order_by("name", "code"):
        for person_id, (decision, grant) in queries.decide_many(authorisation, holders[authorisation.pk],
                                                                 as_of).items():
            if grant is None:
                continue
            words = queries.RegisterRow(people_by_id[person_id], grant, decision).status_words
            by_person[person_id].append(AuthorisationLine(
                code=authorisation.code, name=authorisation.name, authorised=decision.authorised, status=words,
                reasons=tuple(r.message for r in decision.reasons), granted_on=grant.granted_on,
                granted_by=grant.granted_by_name, valid_until=decision.valid_until,
                due=_due(decision.valid_until, as_of) if decision.authorised else ""))
    return by_person


def assurance_report(actor: Any, *, unit: Unit | None = None, authorisation: Authorisation | None = None,
                     as_of: dt.date | None = None) -> AssuranceReport:
    require_report_access(actor)
    as_of = as_of or prof.today()
    people = people_in_scope(actor, unit, authorisation, as_of)
    ids = [p.pk for p in people]
    needs = essential_needs(people)
    uuids = {key[0] for mine in needs.values() for key in mine}
    held = queries.proficiencies_on(ids, as_of, uuids) if uuids else {}
    evidence_ids = {p.evidence_id for mine in held.values() for p in mine.values() if p.evidence_id}
    records = {e.pk: e for e in Evidence.objects.filter(pk__in=evidence_ids).select_related("assessor")}
    lapsed = _lapsed_evidence(ids, as_of, uuids) if uuids else {}
    pending = _pending(ids, as_of)
    granted = _authorisation_lines(people, as_of, authorisation)
    entries = tuple(PersonEntry(
        unit=person.unit.name, employee_id=person.employee_id, name=person.name,
        competencies=_competency_lines(person.pk, needs[person.pk], held.get(person.pk, {}), as_of, records,
                                       lapsed, pending),
        authorisations=tuple(granted.get(person.pk, ()))) for person in people)
    return AssuranceReport(as_of=as_of, unit=unit, authorisation=authorisation, people=entries)


def render_html(report: AssuranceReport, *, toolbar: dict[str, Any] | None = None) -> str:
    """The self-contained page; `toolbar` (filter form and download links) only on screen, never in files."""
    return render_to_string("authorisations/assurance_report.html", {"report": report, "toolbar": toolbar})


def render_report_pdf(report: AssuranceReport) -> bytes:
    """Raises `compms.organisation.jobdescription.PdfUnavailable` when Chromium is absent or fails."""
    if not chromium_available():
        raise PdfUnavailable(f"PDF needs Chromium at {chromium_path()}, which is not installed on this machine.")
    return render_pdf(render_html(report))


def file_stem(report: AssuranceReport) -> str:
    scope = slugify(report.unit.external_id) if report.unit else "all"
    if report.authorisation is not None:
        scope += f"-{slugify(report.authorisation.code)}"
    return f"assurance-{scope or 'unit'}-{report.as_of.isoformat()}"

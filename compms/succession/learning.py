"""A person's own development page: profile, gaps, goals, recommended learning, levels by month, and
what colleagues one level up have learnt.

"Colleagues at the next level" is shown only as counts of training records per note (course), never
who they are: an employee sees their own data and nothing personal about anyone else.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid as uuid_module
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from compms.core.rollup import EvidenceFact, rollup
from compms.evidence import proficiency as prof
from compms.evidence.gaps import PersonGaps, person_gaps
from compms.evidence.models import CurrentProficiency, Evidence
from compms.frameworks.models import Competency, FrameworkVersion
from compms.organisation.models import Person
from compms.succession.analysis import CatalogueOutcome, catalogue_outcomes
from compms.succession.models import Goal

HISTORY_MONTHS = 12
COLLEAGUE_COURSES = 5


def month_ends(start: dt.date, months: int) -> list[dt.date]:
    """The last day of ``start``'s month and of the ``months - 1`` months after it."""
    out = []
    year, month = start.year, start.month
    for _ in range(months):
        out.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def resolve_competency(framework: str, code: str) -> Competency:
    found = (Competency.objects.filter(version__framework__code=framework, code=code,
                                       version__status=FrameworkVersion.Status.PUBLISHED)
             .select_related("version__framework").order_by("-version__number").first())
    if found is None:
        raise ValidationError({"competency": f"No published competency {framework}:{code}."})
    return found


@dataclass(frozen=True)
class ProfileLine:
    label: str
    name: str
    level: int
    status: str
    verified: bool


@dataclass(frozen=True)
class ColleagueLearning:
    competency: str
    next_level: int
    colleagues: int
    courses: list[tuple[str, int]]


@dataclass
class LearningPage:
    person: Person
    profile: list[ProfileLine]
    gaps: PersonGaps
    goals: list[Goal]
    recommended: list[tuple[str, CatalogueOutcome]]
    months: list[dt.date]
    history: list[tuple[str, list[int]]]
    colleagues: list[ColleagueLearning] = field(default_factory=list)


def level_history(person: Person, dates: list[dt.date]) -> dict[uuid_module.UUID, list[int]]:
    """Level per competency (no context) at each date, from one read of the person's evidence."""
    grouped: dict[uuid_module.UUID, list[EvidenceFact]] = defaultdict(list)
    for pk, comp_uuid, level, source, assessed_on, valid_until in Evidence.objects.filter(
            person=person, status=Evidence.Status.ACTIVE, context__isnull=True).values_list(
            "pk", "competency_uuid", "level", "source", "assessed_on", "valid_until"):
        grouped[comp_uuid].append(EvidenceFact(level=level, source=source, recorded_on=assessed_on,
                                               valid_until=valid_until, evidence_id=pk))
    return {u: [rollup(facts, day).level for day in dates] for u, facts in grouped.items()}


def learning_page(person: Person, as_of: dt.date | None = None) -> LearningPage:
    as_of = as_of or prof.today()
    current = prof.proficiency_as_of(person.pk, as_of)
    labels = prof.competency_labels(u for u, _ in current)
    profile = sorted(
        (ProfileLine(f"{labels[u].framework}:{labels[u].code}" if u in labels else str(u),
                     labels[u].name if u in labels else "", p.level, p.status, p.verified)
         for (u, context), p in current.items() if context is None and p.level > 0),
        key=lambda line: line.label)
    gaps = person_gaps(person, as_of)
    goals = list(person.goals.all())

    # Recommended learning: resources that start at or below the person's level in a gap or goal.
    wanted: dict[str, tuple[uuid_module.UUID | None, int, int]] = {}
    uuid_of_code = {}
    for role in gaps.roles:
        for line in role.requirements:
            if line.gap > 0:
                wanted[f"{line.framework}:{line.competency}"] = (None, line.proficiency, line.required)
    if wanted:
        for framework, code, comp_uuid in Competency.objects.filter(
                code__in=[k.split(":", 1)[1] for k in wanted]).values_list(
                "version__framework__code", "code", "uuid"):
            uuid_of_code[f"{framework}:{code}"] = comp_uuid
    for goal in goals:
        if goal.status == Goal.Status.OPEN:
            held = current.get((goal.competency_uuid, None))
            wanted[goal.competency_label.split(" ", 1)[0]] = (goal.competency_uuid, held.level if held else 0,
                                                              goal.target_level)
    outcomes = catalogue_outcomes()
    recommended = []
    for label, (comp_uuid, level, target) in sorted(wanted.items()):
        comp_uuid = comp_uuid or uuid_of_code.get(label)
        fitting = [o for o in outcomes if o.uuid == comp_uuid and o.entry <= level < o.exit]
        for o in sorted(fitting, key=lambda o: (-min(o.exit, target), o.hours))[:2]:
            recommended.append((label, o))

    months = month_ends(dt.date(as_of.year - 1, as_of.month, 1), HISTORY_MONTHS + 1)
    months = [min(day, as_of) for day in months]
    history_by_uuid = level_history(person, months)
    history_labels = prof.competency_labels(history_by_uuid)
    history = sorted(((f"{history_labels[u].framework}:{history_labels[u].code}" if u in history_labels else str(u),
                       levels) for u, levels in history_by_uuid.items() if any(levels)), key=lambda s: s[0])

    return LearningPage(person=person, profile=profile, gaps=gaps, goals=goals, recommended=recommended,
                        months=months, history=history, colleagues=colleague_learning(person, current))


def colleague_learning(person: Person, current: dict) -> list[ColleagueLearning]:
    """For the person's competencies (and goals), what people one level higher recorded as training:
    counts per training note, at most a few per competency. Two queries in all."""
    targets: dict[uuid_module.UUID, int] = {}
    for (comp_uuid, context), p in current.items():
        if context is None:
            targets[comp_uuid] = p.level + 1
    for goal in person.goals.filter(status=Goal.Status.OPEN):
        held = current.get((goal.competency_uuid, None))
        targets[goal.competency_uuid] = (held.level if held else 0) + 1
    if not targets:
        return []
    holders: dict[uuid_module.UUID, set[int]] = defaultdict(set)
    for person_id, comp_uuid, level in CurrentProficiency.objects.filter(
            competency_uuid__in=list(targets), status="held", context_key=0).exclude(person=person).values_list(
            "person_id", "competency_uuid", "level"):
        if level >= targets[comp_uuid]:
            holders[comp_uuid].add(person_id)
    all_holders = set().union(*holders.values()) if holders else set()
    courses: dict[uuid_module.UUID, Counter[str]] = defaultdict(Counter)
    if all_holders:
        for person_id, comp_uuid, note, level in Evidence.objects.filter(
                source="training", competency_uuid__in=list(holders), person_id__in=list(all_holders)[:5000],
                status=Evidence.Status.ACTIVE).values_list("person_id", "competency_uuid", "note", "level"):
            if person_id in holders[comp_uuid]:
                courses[comp_uuid][note.strip() or f"training to level {level}"] += 1
    labels = prof.competency_labels(holders)
    out = []
    for comp_uuid, people in holders.items():
        label = labels.get(comp_uuid)
        out.append(ColleagueLearning(competency=f"{label.framework}:{label.code}" if label else str(comp_uuid),
                                     next_level=targets[comp_uuid], colleagues=len(people),
                                     courses=courses[comp_uuid].most_common(COLLEAGUE_COURSES)))
    return sorted(out, key=lambda c: c.competency)

"""Assessment writers. An assessor opens a draft, records each performance criterion (met, method,
contexts, note) and submits; only a complete assessment is submitted, and submitting writes one
`assessor` evidence record through `record_evidence` (which checks the assessor's cover once more).

The criteria of level N are the competency's level indicators at levels 1..N: levels are cumulative,
and the dictionary holds one indicator per level, so level 3 is shown by what levels 1, 2 and 3 describe.
Indicators carry no kind of their own, so every one is a performance criterion."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from compms.access import is_system, person_of, user_or_none
from compms.access.assessments import may_assess, may_edit_assessment, may_set_assessment_standard
from compms.access.evidence import assessor_limit
from compms.assessments.models import Assessment, AssessmentStandard, CriterionRecord, Method
from compms.audit.services import record, snapshot
from compms.evidence import proficiency as prof
from compms.evidence import services as evidence_services
from compms.evidence.models import AssessorRegistration, Source
from compms.frameworks.models import Competency, FrameworkVersion, LevelIndicator
from compms.organisation.models import Context, Person


def criteria_of(competency: Competency, level: int) -> list[LevelIndicator]:
    return list(LevelIndicator.objects.filter(competency=competency, level__gte=1, level__lte=level).order_by(
        "level", "id"))


def min_conditions_for(competency_uuid: Any) -> int:
    found = AssessmentStandard.objects.filter(competency_uuid=competency_uuid).values_list(
        "min_conditions", flat=True).first()
    return 1 if found is None else found


@transaction.atomic
def set_standard(actor: Any, *, competency: Competency, min_conditions: int) -> AssessmentStandard:
    if not may_set_assessment_standard(actor):
        raise PermissionDenied("Only competency managers and administrators set the assessment standard.")
    if not isinstance(min_conditions, int) or not 0 <= min_conditions <= 20:
        raise ValidationError({"min_conditions": "Give a number of conditions from 0 to 20."})
    key = uuid_module.UUID(str(competency.uuid))
    before = AssessmentStandard.objects.filter(competency_uuid=key).values("min_conditions").first()
    standard, _ = AssessmentStandard.objects.update_or_create(
        competency_uuid=key, defaults={"min_conditions": min_conditions, "updated_at": timezone.now(),
                                       "updated_by": user_or_none(actor)})
    record(actor, "assessment_standard.set", standard, before=before, after={"min_conditions": min_conditions})
    return standard


def cover_refusal(assessor: Person, competency: Competency, level: int, context_id: int | None = None,
                  on: dt.date | None = None) -> str | None:
    """Why this assessor may not assess the competency at the level (None: they may)."""
    on = on or prof.today()
    limit = assessor_limit(assessor, competency.uuid, context_id, on)
    if limit >= level:
        return None
    lapsed = AssessorRegistration.objects.filter(person=assessor, competency_uuid=competency.uuid,
                                                 valid_until__lt=on).order_by("-valid_until").first()
    why = f" Your registration for it ended on {lapsed.valid_until:%Y-%m-%d}." if lapsed else ""
    return (f"You may not assess {competency.name} at level {level}: that needs a current assessor registration "
            f"or your own verified level of at least {level}, and your limit is {limit}.{why}")


def _require_assessor(actor: Any) -> Person:
    if not may_assess(actor):
        raise PermissionDenied("Only assessors with an employee record open assessments.")
    return person_of(actor)


@transaction.atomic
def open_assessment(actor: Any, *, person: Person, competency: Competency, level: int) -> Assessment:
    me = _require_assessor(actor)
    if me.pk == person.pk:
        raise PermissionDenied("You may not assess yourself; another assessor must.")
    errors: dict[str, str] = {}
    if not person.active:
        errors["person"] = "This person has left the organisation."
    if FrameworkVersion.objects.filter(pk=competency.version_id).values_list("status", flat=True).first() != \
            FrameworkVersion.Status.PUBLISHED:
        errors["competency"] = "Assess against a competency of a published framework version."
    top = evidence_services.max_level_of(competency)
    if not isinstance(level, int) or not 1 <= level <= top:
        errors["level"] = f"Level {level} is outside 1..{top} for {competency.name}."
    elif not criteria_of(competency, level):
        errors["level"] = f"{competency.name} has no level indicators up to level {level} to assess against."
    if errors:
        raise ValidationError(errors)
    refusal = cover_refusal(me, competency, level)
    if refusal:
        raise PermissionDenied(refusal)
    assessment = Assessment.objects.create(person=person, assessor=me, competency=competency,
                                           competency_uuid=uuid_module.UUID(str(competency.uuid)), level=level)
    record(actor, "assessment.open", assessment,
           after=snapshot(assessment, ["person_id", "assessor_id", "competency_id", "level"]))
    return assessment


def _lock_draft(assessment: Assessment, actor: Any) -> Assessment:
    locked = Assessment.objects.select_for_update().select_related("competency", "person", "assessor").get(
        pk=assessment.pk)
    if not locked.is_draft:
        raise evidence_services.Conflict("This assessment was submitted; it can no longer be changed.")
    if not may_edit_assessment(actor, locked):
        raise PermissionDenied("Only the assessor of this assessment may change it.")
    return locked


@transaction.atomic
def record_criterion(assessment: Assessment, actor: Any, *, indicator_id: int, met: bool, method: str,
                     contexts: Iterable[Context] = (), note: str = "") -> CriterionRecord:
    assessment = _lock_draft(assessment, actor)
    indicator = next((i for i in criteria_of(assessment.competency, assessment.level) if i.pk == indicator_id), None)
    if indicator is None:
        raise LevelIndicator.DoesNotExist("That indicator is not a criterion of this assessment.")
    if method not in Method.values:
        raise ValidationError({"method": f"Unknown method {method!r}; expected one of {', '.join(Method.values)}."})
    contexts = list({c.pk: c for c in contexts}.values())
    criterion, _ = CriterionRecord.objects.update_or_create(
        assessment=assessment, indicator=indicator,
        defaults={"met": bool(met), "method": method, "note": (note or "").strip(), "recorded_at": timezone.now()})
    criterion.contexts.set(contexts)
    record(actor, "assessment.criterion", assessment,
           after={"indicator": indicator.pk, "met": bool(met), "method": method,
                  "contexts": sorted(c.code for c in contexts), "note": criterion.note})
    return criterion


def missing(assessment: Assessment) -> list[str]:
    """What stands between this assessment and submission, one line per criterion, naming it."""
    needed = min_conditions_for(assessment.competency_uuid)
    records = {r.indicator_id: r for r in assessment.records.prefetch_related("contexts")}
    problems = []
    for indicator in criteria_of(assessment.competency, assessment.level):
        label = f"level {indicator.level} criterion \u201c{indicator.text[:80]}\u201d"
        found = records.get(indicator.pk)
        if found is None:
            problems.append(f"{label} is not recorded")
        elif not found.met:
            problems.append(f"{label} is not met")
        elif len(found.contexts.all()) < needed:
            problems.append(f"{label} was shown under {len(found.contexts.all())} condition(s); "
                            f"{needed} different ones are needed")
    return problems


@transaction.atomic
def submit_assessment(assessment: Assessment, actor: Any) -> Assessment:
    assessment = _lock_draft(assessment, actor)
    problems = missing(assessment)
    if problems:
        raise ValidationError({"criteria": "The assessment is not complete: " + "; ".join(problems) + "."})
    records = list(assessment.records.select_related("indicator").prefetch_related("contexts"))
    contexts = {c.pk: c for r in records for c in r.contexts.all()}
    context = next(iter(contexts.values())) if len(contexts) == 1 else None
    if not is_system(actor):
        refusal = cover_refusal(assessment.assessor, assessment.competency, assessment.level,
                                context.pk if context else None)
        if refusal:
            raise PermissionDenied(refusal)
    methods = sorted({Method(r.method).label.lower() for r in records})
    conditions = ", ".join(sorted(c.name for c in contexts.values())) or "none named"
    note = (f"Assessment against the standard #{assessment.pk}: {len(records)} criteria met by "
            f"{', '.join(methods)}; conditions: {conditions}.")
    evidence = evidence_services.record_evidence(
        actor, person=assessment.person, competency=assessment.competency, level=assessment.level,
        source=Source.ASSESSOR, assessed_on=prof.today(), context=context, assessor=assessment.assessor, note=note)
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED,
                                                       submitted_at=timezone.now(), evidence=evidence)
    record(actor, "assessment.submit", assessment, after={"evidence": evidence.pk})
    return Assessment.objects.get(pk=assessment.pk)

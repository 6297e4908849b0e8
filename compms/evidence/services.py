"""The only writers of evidence, claims and assessor registrations.

Each function checks who may do it, validates, writes inside one transaction together with its
audit record, and refreshes the stored current proficiency of exactly the keys it touched.

Who may record evidence (`check_can_record`):
- HR and administrators: any source but `self`;
- a manager: source `manager`, for their reports (direct or indirect), never for themselves;
- an assessor: source `assessor`, for anyone but themselves, up to the level they may assess;
- the person themselves: `self` only, through a claim (`create_claim`).
Trusted internal callers (the demo, training completions) pass `compms.access.SYSTEM`; `None` is refused.
Who may see which evidence and claims is decided in `compms.access.evidence`.

The assessor rule: a person may assess a competency only at or below the higher of their own
verified current proficiency in it and the level of an unexpired AssessorRegistration.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from compms.access import (
    has_role,
    is_admin,
    is_system,
    is_user,
    manages,
    person_of,
    require_actor,
    sees_everyone,
    user_or_none,
)
from compms.access.evidence import assessor_limit, restrict_claims
from compms.access.people import can_see_person
from compms.accounts.models import Role
from compms.audit.services import record, record_many, snapshot
from compms.evidence import proficiency as prof
from compms.evidence.models import (
    AssessorRegistration,
    Claim,
    Evidence,
    EvidenceAttachment,
    ImportBatch,
    Source,
)
from compms.frameworks.models import Competency, FrameworkVersion, ScaleLevel
from compms.organisation.models import Context, Person
from compms.site.uploads import check_upload

EVIDENCE_AUDIT_FIELDS = ("person_id", "competency_id", "competency_uuid", "context_id", "level", "source",
                         "assessed_on", "valid_until", "assessor_id", "note", "status", "superseded_by_id",
                         "reason", "import_batch_id")


class Conflict(Exception):
    """Someone else acted on the same record first; nothing was changed by this call."""


# ---------------------------------------------------------------- access helpers

def person_label(actor: Any, person: Person) -> str:
    """How a message names a person: by name only when the caller may see them."""
    return person.name if can_see_person(actor, person) else "this person"


def recordable_sources(actor: Any, person: Person) -> list[str]:
    """The evidence sources this actor may record for this person (before the assessor's level rule)."""
    if is_system(actor):
        return list(Source.values)
    allowed: set[str] = set()
    if sees_everyone(actor):
        allowed |= set(Source.values) - {Source.SELF}
    if manages(actor, person):
        allowed.add(Source.MANAGER)
    me = person_of(actor)
    if has_role(actor, Role.ASSESSOR) and me is not None and me.pk != person.pk:
        allowed.add(Source.ASSESSOR)
    return [s for s in Source.values if s in allowed]


def check_can_record(actor: Any, person: Person, source: str) -> None:
    """Refuse what the actor may not record. Someone the actor may neither see nor record anything for
    does not exist for them (the same answer as an unknown id), and no message names a person the
    actor may not see."""
    if is_system(actor):
        return
    require_actor(actor)
    sources = recordable_sources(actor, person)
    if not sources and not can_see_person(actor, person):
        raise Person.DoesNotExist("No such person.")
    if source == Source.SELF:
        raise PermissionDenied("Self-assessment is recorded by the person themselves, as a claim.")
    if source not in sources:
        raise PermissionDenied(f"You may not record {source} evidence for {person_label(actor, person)}.")


def check_assessor_level(assessor: Person, competency: Competency, level: int, context: Context | None) -> None:
    limit = assessor_limit(assessor, competency.uuid, context.pk if context else None)
    if level > limit:
        raise PermissionDenied(
            f"{assessor.name} may assess {competency.code} only up to level {limit} "
            f"(their own verified level or an assessor registration); level {level} was asked.")


def may_change(actor: Any, evidence: Evidence) -> bool:
    """Who may supersede or revoke a record: HR, or whoever recorded it."""
    if sees_everyone(actor):
        return True
    return is_user(actor) and evidence.recorded_by_id is not None and evidence.recorded_by_id == actor.pk


# ---------------------------------------------------------------- validation

def max_level_of(competency: Competency) -> int:
    scale_id = competency.scale_id or FrameworkVersion.objects.filter(pk=competency.version_id).values_list(
        "default_scale_id", flat=True).first()
    if scale_id is None:
        return 0
    return ScaleLevel.objects.filter(scale_id=scale_id).aggregate(top=Max("value"))["top"] or 0


def validate_evidence(*, person: Person, competency: Competency, level: int, source: str,
                      assessed_on: dt.date, valid_until: dt.date | None, assessor: Person | None,
                      allow_retired: bool = False) -> None:
    version_status = FrameworkVersion.objects.filter(pk=competency.version_id).values_list(
        "status", flat=True).first()
    errors = evidence_errors(person=person, competency=competency, level=level, source=source,
                             assessed_on=assessed_on, valid_until=valid_until, assessor=assessor,
                             allow_retired=allow_retired, version_status=version_status,
                             top=max_level_of(competency))
    if errors:
        raise ValidationError(errors)


def evidence_errors(*, person: Person, competency: Competency, level: int, source: str, assessed_on: dt.date,
                    valid_until: dt.date | None, assessor: Person | None, allow_retired: bool,
                    version_status: str | None, top: int) -> dict[str, str]:
    """The rules of validate_evidence on facts already read (the competency's version status and
    top level), so a bulk writer can check thousands of records with a few queries."""
    errors: dict[str, str] = {}
    if not person.active:
        errors["person"] = f"{person.name} has left the organisation; evidence cannot be added."
    statuses = {FrameworkVersion.Status.PUBLISHED} | ({FrameworkVersion.Status.RETIRED} if allow_retired else set())
    if version_status not in statuses:
        errors["competency"] = f"{competency.code} is in a {version_status} framework version; record " \
                               "evidence against a published version."
    if not isinstance(level, int) or level < 0 or level > top:
        errors["level"] = f"Level {level} is outside the scale of {competency.code} (0..{top})."
    if source not in Source.values:
        errors["source"] = f"Unknown source {source!r}; expected one of {', '.join(Source.values)}."
    if assessed_on > prof.today():
        errors["assessed_on"] = f"{assessed_on} is in the future; evidence records what has been shown."
    if valid_until is not None and valid_until < assessed_on:
        errors["valid_until"] = f"valid_until {valid_until} is before the assessment date {assessed_on}."
    if assessor is not None and assessor.pk == person.pk and source != Source.SELF:
        errors["assessor"] = "A person cannot be their own assessor."
    if source == Source.ASSESSOR and assessor is None:
        errors["assessor"] = "Assessor evidence names the assessor."
    return errors


def _key(evidence: Evidence) -> prof.PersonKey:
    return (evidence.person_id, evidence.competency_uuid, evidence.context_id)


def _as_uuid(value: Any) -> uuid_module.UUID:
    return value if isinstance(value, uuid_module.UUID) else uuid_module.UUID(str(value))


def _create(actor: Any, *, person: Person, competency: Competency, level: int, source: str,
            assessed_on: dt.date, valid_until: dt.date | None, context: Context | None,
            assessor: Person | None, note: str) -> Evidence:
    return Evidence.objects.create(
        person=person, competency=competency, competency_uuid=_as_uuid(competency.uuid), context=context,
        level=level, source=source, assessed_on=assessed_on, valid_until=valid_until,
        recorded_by=user_or_none(actor), assessor=assessor, note=note or "")


def _attach(evidence: Evidence, actor: Any, files: Sequence[UploadedFile]) -> list[EvidenceAttachment]:
    attached = []
    # Every file is checked by content (not by its name or the browser's word) before any is stored.
    for upload, checked in [(upload, check_upload(upload, "attachments")) for upload in files]:
        attachment = EvidenceAttachment(evidence=evidence, name=checked.name, content_type=checked.content_type,
                                        size=checked.size, uploaded_by=user_or_none(actor))
        attachment.file.save(checked.name, upload, save=False)
        attachment.save()
        attached.append(attachment)
    return attached


# ---------------------------------------------------------------- evidence

@transaction.atomic
def record_evidence(actor: Any, *, person: Person, competency: Competency, level: int, source: str,
                    assessed_on: dt.date, valid_until: dt.date | None = None, context: Context | None = None,
                    assessor: Person | None = None, note: str = "",
                    attachments: Sequence[UploadedFile] = ()) -> Evidence:
    """Record one piece of evidence and refresh the person's current proficiency in it."""
    check_can_record(actor, person, source)
    if source == Source.ASSESSOR and assessor is None and not is_system(actor):
        assessor = person_of(actor) if has_role(actor, Role.ASSESSOR) else None
    if (source == Source.ASSESSOR and assessor is not None and not sees_everyone(actor)
            and assessor.pk != getattr(person_of(actor), "pk", None)):
        raise PermissionDenied("An assessor records their own assessments only.")
    if not person.active and not can_see_person(actor, person):
        # validate_evidence would say so by name; an assessor may not know who this is.
        raise ValidationError({"person": "This person has left the organisation; evidence cannot be added."})
    validate_evidence(person=person, competency=competency, level=level, source=source, assessed_on=assessed_on,
                      valid_until=valid_until, assessor=assessor)
    if source == Source.ASSESSOR and assessor is not None and not is_system(actor):
        check_assessor_level(assessor, competency, level, context)
    evidence = _create(actor, person=person, competency=competency, level=level, source=source,
                       assessed_on=assessed_on, valid_until=valid_until, context=context, assessor=assessor,
                       note=note)
    files = _attach(evidence, actor, attachments)
    prof.refresh_current({_key(evidence)})
    record(actor, "evidence.record", evidence, after={**snapshot(evidence, EVIDENCE_AUDIT_FIELDS),
                                                      "attachments": [f.name for f in files]})
    return evidence


@transaction.atomic
def add_attachment(evidence: Evidence, actor: Any, upload: UploadedFile) -> EvidenceAttachment:
    """Attach a file to an existing record (adding proof is not editing the record's facts)."""
    if not may_change(actor, evidence):
        raise PermissionDenied("Only HR or whoever recorded this evidence may attach files to it.")
    attachment = _attach(evidence, actor, [upload])[0]
    record(actor, "evidence.attach", evidence, after={"attachment": attachment.name, "size": attachment.size})
    return attachment


def _lock_active(evidence: Evidence) -> Evidence:
    """Re-read the record under a row lock (PostgreSQL; SQLite serialises writers) and insist it is
    still active, so two people correcting the same record cannot both succeed."""
    current = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if current.status != Evidence.Status.ACTIVE:
        raise Conflict(f"This evidence is already {current.status}"
                       + (f" ({current.reason})" if current.reason else "") + "; nothing was changed.")
    return current


def _check_not_pending_claim(evidence: Evidence) -> None:
    if evidence.source == Source.SELF and Claim.objects.filter(self_evidence=evidence,
                                                               status=Claim.Status.PENDING).exists():
        raise ValidationError({"evidence": "This self-assessment belongs to a pending claim; "
                                           "the claim is verified or rejected instead."})


def _mark(evidence: Evidence, actor: Any, *, status: str, reason: str, superseded_by: Evidence | None = None) -> None:
    # Conditional on still being active: the last guard against a concurrent change.
    changed = Evidence.objects.filter(pk=evidence.pk, status=Evidence.Status.ACTIVE).update(
        status=status, reason=reason, superseded_by=superseded_by, changed_by=user_or_none(actor),
        changed_at=timezone.now())
    if changed != 1:
        raise Conflict("Someone else changed this evidence at the same time; nothing was changed.")


_UNSET: Any = object()


@transaction.atomic
def supersede_evidence(evidence: Evidence, actor: Any, *, reason: str, level: int, assessed_on: dt.date,
                       valid_until: dt.date | None = None, source: str | None = None,
                       context: Context | None = _UNSET, assessor: Person | None = _UNSET,
                       note: str = "") -> Evidence:
    """Correct a record: a new record takes its place, the old one is kept, marked superseded with
    the reason. Returns the new record."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the record is being corrected."})
    old = _lock_active(evidence)
    if not may_change(actor, old):
        raise PermissionDenied("Only HR or whoever recorded this evidence may correct it.")
    _check_not_pending_claim(old)
    source = source or old.source
    context = old.context if context is _UNSET else context
    assessor = old.assessor if assessor is _UNSET else assessor
    person = old.person
    competency = old.competency
    check_can_record(actor, person, source)
    validate_evidence(person=person, competency=competency, level=level, source=source, assessed_on=assessed_on,
                      valid_until=valid_until, assessor=assessor, allow_retired=True)
    if source == Source.ASSESSOR and assessor is not None and not is_system(actor):
        check_assessor_level(assessor, competency, level, context)
    new = _create(actor, person=person, competency=competency, level=level, source=source,
                  assessed_on=assessed_on, valid_until=valid_until, context=context, assessor=assessor, note=note)
    _mark(old, actor, status=Evidence.Status.SUPERSEDED, reason=reason, superseded_by=new)
    prof.refresh_current({_key(old), _key(new)})
    record(actor, "evidence.supersede", old, before=snapshot(old, EVIDENCE_AUDIT_FIELDS),
           after={"superseded_by": new.pk, "reason": reason, "new": snapshot(new, EVIDENCE_AUDIT_FIELDS)})
    return new


@transaction.atomic
def revoke_evidence(evidence: Evidence, actor: Any, *, reason: str) -> Evidence:
    """Withdraw a record that should never have counted; it stays in the history, marked revoked."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the record is being revoked."})
    old = _lock_active(evidence)
    if not may_change(actor, old):
        raise PermissionDenied("Only HR or whoever recorded this evidence may revoke it.")
    _check_not_pending_claim(old)
    _mark(old, actor, status=Evidence.Status.REVOKED, reason=reason)
    prof.refresh_current({_key(old)})
    record(actor, "evidence.revoke", old, before=snapshot(old, EVIDENCE_AUDIT_FIELDS),
           after={"status": Evidence.Status.REVOKED, "reason": reason})
    return Evidence.objects.get(pk=old.pk)


def history(evidence: Evidence) -> list[Evidence]:
    """The chain of corrections a record belongs to, oldest first (at most a few queries)."""
    chain_ids: list[int] = [evidence.pk]
    earlier = Evidence.objects.filter(superseded_by_id=evidence.pk).values_list("pk", flat=True).first()
    while earlier is not None and earlier not in chain_ids:
        chain_ids.insert(0, earlier)
        earlier = Evidence.objects.filter(superseded_by_id=earlier).values_list("pk", flat=True).first()
    later = evidence.superseded_by_id
    while later is not None and later not in chain_ids:
        chain_ids.append(later)
        later = Evidence.objects.filter(pk=later).values_list("superseded_by_id", flat=True).first()
    by_id = Evidence.objects.in_bulk(chain_ids)
    return [by_id[pk] for pk in chain_ids]


# ---------------------------------------------------------------- claims

def _pending_claim_exists(person: Person, competency_uuid: uuid_module.UUID, context: Context | None) -> bool:
    return Claim.objects.filter(person=person, competency_uuid=competency_uuid, context=context,
                                status=Claim.Status.PENDING).exists()


@transaction.atomic
def create_claim(actor: Any, *, competency: Competency, level: int, context: Context | None = None,
                 note: str = "", person: Person | None = None,
                 attachments: Sequence[UploadedFile] = ()) -> Claim:
    """An employee claims a level: their `self` evidence is recorded and a pending claim opened
    for their manager or an assessor."""
    me = person_of(actor)
    if person is None:
        person = me
    if person is None:
        raise PermissionDenied("Only people with an employee record can claim a competency.")
    # Only the system opens a claim on someone's behalf (a campaign's self-assessment, the demo).
    if not is_system(actor) and (me is None or me.pk != person.pk):
        raise PermissionDenied("You can claim a competency for yourself only.")
    today = prof.today()
    validate_evidence(person=person, competency=competency, level=level, source=Source.SELF, assessed_on=today,
                      valid_until=None, assessor=None)
    if _pending_claim_exists(person, competency.uuid, context):
        raise ValidationError({"competency": f"You already have a pending claim for {competency.code}."})
    evidence = _create(actor, person=person, competency=competency, level=level, source=Source.SELF,
                       assessed_on=today, valid_until=None, context=context, assessor=None, note=note)
    _attach(evidence, actor, attachments)
    claim = Claim.objects.create(person=person, competency=competency, competency_uuid=_as_uuid(competency.uuid),
                                 context=context, level=level, note=note or "", self_evidence=evidence,
                                 created_by=user_or_none(actor))
    prof.refresh_current({_key(evidence)})
    record(actor, "claim.create", claim, after={"person": person.employee_id, "competency": competency.code,
                                                "level": level, "evidence": evidence.pk})
    return claim


def reviewer_sources(actor: Any, claim: Claim) -> list[str]:
    """The sources this actor could verify the claim as: `manager` for a report, `assessor` if they
    assess (before the level rule). Raises PermissionDenied for the claimant themselves.

    Administrators may do anything a role may do, so they review any claim as `manager` (a manager
    over everyone), as the system does."""
    if is_system(actor):
        return [Source.MANAGER]
    me = person_of(actor)
    if me is not None and me.pk == claim.person_id:
        raise PermissionDenied("You cannot verify or reject your own claim.")
    sources = []
    if manages(actor, claim.person) or is_admin(actor):
        sources.append(Source.MANAGER)
    if has_role(actor, Role.ASSESSOR) and me is not None:
        sources.append(Source.ASSESSOR)
    return sources


def _claim_conflict(claim: Claim, actor: Any) -> Conflict:
    current = Claim.objects.select_related("reviewed_by").get(pk=claim.pk)
    # The reviewer is part of the claim: named only to someone who may still see the claim (an assessor
    # loses sight of a claim someone else closed).
    shown = restrict_claims(Claim.objects.filter(pk=claim.pk), actor).exists()
    who = current.reviewed_by.get_username() if current.reviewed_by and shown else "someone else"
    when = f" at {timezone.localtime(current.reviewed_at):%Y-%m-%d %H:%M}" if current.reviewed_at else ""
    return Conflict(f"This claim was already {current.status} by {who}{when}; nothing was changed.")


def _close_claim(claim: Claim, actor: Any, status: str, comment: str) -> None:
    # One conditional UPDATE decides the race: of two reviewers acting at once, the second finds no
    # pending row (PostgreSQL re-checks the WHERE after waiting for the first one's row lock).
    closed = Claim.objects.filter(pk=claim.pk, status=Claim.Status.PENDING).update(
        status=status, reviewed_by=user_or_none(actor), reviewed_at=timezone.now(), review_comment=comment)
    if closed != 1:
        raise _claim_conflict(claim, actor)


@transaction.atomic
def verify_claim(claim: Claim, actor: Any, *, level: int | None = None, comment: str = "",
                 valid_until: dt.date | None = None, source: str | None = None) -> Claim:
    """A manager or assessor confirms a claim by recording evidence of their own, at the level they
    judge right (default: the level claimed)."""
    claim = Claim.objects.select_related("person", "competency", "context").get(pk=claim.pk)
    if claim.status != Claim.Status.PENDING:
        raise _claim_conflict(claim, actor)
    possible = reviewer_sources(actor, claim)
    if not possible:
        raise PermissionDenied("Only the person's manager or an assessor may verify this claim.")
    if source is None:
        source = possible[0]
    elif source not in possible:
        raise PermissionDenied(f"You may not verify this claim as {source}.")
    level = claim.level if level is None else level
    assessor = person_of(actor) if source == Source.ASSESSOR else None
    today = prof.today()
    validate_evidence(person=claim.person, competency=claim.competency, level=level, source=source,
                      assessed_on=today, valid_until=valid_until, assessor=assessor)
    if source == Source.ASSESSOR and assessor is not None:
        check_assessor_level(assessor, claim.competency, level, claim.context)
    _close_claim(claim, actor, Claim.Status.VERIFIED, comment)
    evidence = _create(actor, person=claim.person, competency=claim.competency, level=level, source=source,
                       assessed_on=today, valid_until=valid_until, context=claim.context, assessor=assessor,
                       note=comment or f"Verified claim {claim.pk}")
    Claim.objects.filter(pk=claim.pk).update(review_evidence=evidence)
    prof.refresh_current({_key(evidence)})
    record(actor, "claim.verify", claim, after={"level": level, "source": source, "evidence": evidence.pk,
                                                "comment": comment})
    return Claim.objects.get(pk=claim.pk)


@transaction.atomic
def reject_claim(claim: Claim, actor: Any, *, comment: str) -> Claim:
    """Turn a claim down with a comment. Its self-assessment is revoked with the same reason, so a
    level the reviewer disagreed with no longer shows, even as unverified."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "Say why the claim is rejected."})
    claim = Claim.objects.select_related("person", "competency").get(pk=claim.pk)
    if claim.status != Claim.Status.PENDING:
        raise _claim_conflict(claim, actor)
    possible = reviewer_sources(actor, claim)
    if not possible:
        raise PermissionDenied("Only the person's manager or an assessor may reject this claim.")
    if possible == [Source.ASSESSOR]:
        # The same cover that lets an assessor see the claim (compms.access.evidence.restrict_claims).
        me = person_of(actor)
        limit = assessor_limit(me, claim.competency_uuid, claim.context_id)
        if limit < max(claim.level, 1):
            raise PermissionDenied(f"You may assess {claim.competency.code} only up to level {limit}; "
                                   f"this claim is for level {claim.level}.")
    _close_claim(claim, actor, Claim.Status.REJECTED, comment)
    self_evidence = Evidence.objects.get(pk=claim.self_evidence_id)
    if self_evidence.is_active:
        _mark(self_evidence, actor, status=Evidence.Status.REVOKED, reason=f"Claim rejected: {comment}")
        prof.refresh_current({_key(self_evidence)})
    record(actor, "claim.reject", claim, after={"comment": comment})
    return Claim.objects.get(pk=claim.pk)


def claims_for(user: Any) -> Any:
    """Claims a user may see (`compms.access.evidence.restrict_claims`), with what pages and the API show."""
    return restrict_claims(Claim.objects.select_related(
        "person", "competency__version__framework", "context", "reviewed_by"), user)


# ---------------------------------------------------------------- assessor registrations

def require_hr(actor: Any, what: str = "manage assessor registrations") -> None:
    if not sees_everyone(actor):
        raise PermissionDenied(f"Only HR and administrators may {what}.")


@transaction.atomic
def register_assessor(actor: Any, *, person: Person, competency: Competency, max_level: int,
                      valid_until: dt.date | None = None, note: str = "") -> AssessorRegistration:
    require_hr(actor)
    errors: dict[str, str] = {}
    top = max_level_of(competency)
    if max_level < 1 or max_level > top:
        errors["max_level"] = f"Level {max_level} is outside 1..{top} for {competency.code}."
    if not person.active:
        errors["person"] = f"{person.name} has left the organisation."
    if valid_until is not None and valid_until < prof.today():
        errors["valid_until"] = "A registration cannot end in the past."
    if errors:
        raise ValidationError(errors)
    registration = AssessorRegistration.objects.create(
        person=person, competency=competency, competency_uuid=_as_uuid(competency.uuid), max_level=max_level,
        valid_until=valid_until, note=note, created_by=user_or_none(actor))
    record(actor, "assessor_registration.create", registration,
           after=snapshot(registration, ["person_id", "competency_id", "max_level", "valid_until", "note"]))
    return registration


@transaction.atomic
def end_registration(registration: AssessorRegistration, actor: Any,
                     last_day: dt.date | None = None) -> AssessorRegistration:
    """Stop a registration counting after `last_day` (default: yesterday, so it stops now)."""
    require_hr(actor)
    last_day = last_day or (prof.today() - dt.timedelta(days=1))
    before = {"valid_until": registration.valid_until}
    if registration.valid_until is None or registration.valid_until > last_day:
        AssessorRegistration.objects.filter(pk=registration.pk).update(valid_until=last_day)
    registration.refresh_from_db()
    record(actor, "assessor_registration.end", registration, before=before,
           after={"valid_until": registration.valid_until})
    return registration


# ---------------------------------------------------------------- bulk import

@dataclass(frozen=True)
class ImportOutcome:
    batch: ImportBatch
    rows: int
    people: int
    keys_refreshed: int


# Column order of the rows a bulk import streams in (values already in database form).
IMPORT_COLUMNS = ("person_id", "competency_id", "competency_uuid", "context_id", "level", "source",
                  "assessed_on", "valid_until", "assessor_id", "note")
INSERT_BATCH = 50_000
BULK_CACHE_KIB = 1024 * 1024  # 1 GiB of SQLite page cache during an import (pages are allocated as used)


def _insert_rows(batch: ImportBatch, actor: Any, rows: Iterator[tuple], people: set[int]) -> int:
    """Stream validated rows into the evidence table in large batches; returns the row count.

    Raw SQL on purpose: building a million model instances costs more than the import itself.
    PostgreSQL gets COPY; SQLite a prepared INSERT run with executemany."""
    table = Evidence._meta.db_table
    extra_columns = ("recorded_by_id", "recorded_at", "status", "reason", "import_batch_id")
    columns = IMPORT_COLUMNS + extra_columns
    user = user_or_none(actor)
    extra = (user.pk if user else None, connection.ops.adapt_datetimefield_value(batch.imported_at),
             Evidence.Status.ACTIVE, "", batch.pk)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + extra)
                    people.add(row[0])
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        chunk: list[tuple] = []
        for row in rows:
            chunk.append(row + extra)
            people.add(row[0])
            if len(chunk) >= INSERT_BATCH:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


@contextmanager
def _large_sqlite_cache() -> Iterator[None]:
    """On SQLite, a page cache big enough for the evidence indexes while a bulk import runs.

    With the default 2 MB cache, index pages are evicted and re-read for almost every row once the
    table outgrows it, and the import becomes disk-bound. The old size is put back afterwards so a
    long-lived connection does not keep the memory."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        # On the driver's connection: Django refuses queries in a transaction that is failing, and
        # the original error must come through, not that refusal.
        connection.connection.execute(f"PRAGMA cache_size = {int(previous)}")


@transaction.atomic
def import_evidence_rows(actor: Any, *, file_name: str, rows: Iterable[tuple]) -> ImportOutcome:
    """Store validated historical evidence rows in bulk, all or nothing.

    `rows` yields tuples in IMPORT_COLUMNS order with values in database form; it validates as it
    goes and raises (ImportFailed) after the last row if any row was bad, which rolls the whole
    transaction back. Only HR and administrators (or a trusted caller) may import. Imported rows
    are history: the assessor rule is not applied, and each row records the batch and importer.
    One audit record describes the batch; the rows point at it."""
    require_hr(actor, "import evidence")
    batch = ImportBatch.objects.create(file_name=file_name[:300], imported_by=user_or_none(actor))
    people: set[int] = set()
    with _large_sqlite_cache():
        count = _insert_rows(batch, actor, iter(rows), people)
        if count == 0:
            raise ValidationError({"file": "The file has no evidence rows."})
        ImportBatch.objects.filter(pk=batch.pk).update(rows=count)
        batch.rows = count
        keys = prof.refresh_after_import(batch, people)
    record(actor, "evidence.import", batch, after={"file": file_name, "rows": count, "people": len(people),
                                                   "keys_refreshed": keys})
    return ImportOutcome(batch=batch, rows=count, people=len(people), keys_refreshed=keys)


# ---------------------------------------------------------------- bulk recording (trusted writers)

@dataclass(frozen=True)
class NewEvidence:
    """One record for `record_evidence_many`: what a trusted writer such as a training completion
    produces (no context, no assessor, no attachment)."""

    person: Person
    competency: Competency
    level: int
    source: str
    assessed_on: dt.date
    valid_until: dt.date | None = None
    note: str = ""


def evidence_errors_many(items: Sequence[NewEvidence]) -> list[dict[str, str]]:
    """What validate_evidence would say about each item (an empty dict: valid), in two queries
    whatever the number of items: version status and top level are read once per competency."""
    competencies = {item.competency.pk: item.competency for item in items}
    versions = {pk: (status, default_scale) for pk, status, default_scale in FrameworkVersion.objects.filter(
        pk__in={c.version_id for c in competencies.values()}).values_list("pk", "status", "default_scale_id")}
    scale_of = {pk: c.scale_id or versions.get(c.version_id, (None, None))[1] for pk, c in competencies.items()}
    tops = dict(ScaleLevel.objects.filter(scale_id__in={s for s in scale_of.values() if s is not None})
                .order_by().values("scale_id").annotate(top=Max("value")).values_list("scale_id", "top"))
    return [evidence_errors(person=item.person, competency=item.competency, level=item.level, source=item.source,
                            assessed_on=item.assessed_on, valid_until=item.valid_until, assessor=None,
                            allow_retired=False, version_status=versions.get(item.competency.version_id, (None,))[0],
                            top=tops.get(scale_of[item.competency.pk]) or 0)
            for item in items]


@transaction.atomic
def record_evidence_many(actor: Any, items: Sequence[NewEvidence], *, batch_size: int = 2000) -> list[Evidence]:
    """The bulk form of record_evidence, all or nothing: one invalid item refuses the call, naming
    its index. Inserts in batches, refreshes every touched key in one pass and writes one audit row
    per record, so the cost grows linearly with the items (record_evidence per item re-reads each
    key's whole evidence every time, which made large xAPI batches quadratic)."""
    if not items:
        return []
    if not is_system(actor):
        for item in items:
            check_can_record(actor, item.person, item.source)
    for n, errors in enumerate(evidence_errors_many(items)):
        if errors:
            raise ValidationError({f"evidence[{n}].{field}": message for field, message in errors.items()})
    recorded_by = user_or_none(actor)
    now = timezone.now()
    created = Evidence.objects.bulk_create([
        Evidence(person=item.person, competency=item.competency, competency_uuid=_as_uuid(item.competency.uuid),
                 level=item.level, source=item.source, assessed_on=item.assessed_on, valid_until=item.valid_until,
                 recorded_by=recorded_by, recorded_at=now, note=item.note or "")
        for item in items], batch_size=batch_size)
    prof.refresh_current({_key(evidence) for evidence in created})
    record_many(actor, "evidence.record", (
        {"object_type": Evidence._meta.label_lower, "object_id": evidence.pk, "object_repr": str(evidence),
         "after": {**snapshot(evidence, EVIDENCE_AUDIT_FIELDS), "attachments": []}} for evidence in created))
    return created

"""The only writers of authorisations and grants. Each validates, checks the actor through
`compms.access.authorisations`, writes in one transaction and records the audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from compms.access import is_system, person_of, user_or_none
from compms.access.authorisations import require_change_grant, require_define, require_grant
from compms.accounts.models import Role
from compms.audit.services import record, snapshot
from compms.authorisations import queries, rules
from compms.authorisations.models import Authorisation, AuthorisationRequirement, Grant, GrantEvent
from compms.core.dates import add_months
from compms.evidence import proficiency as prof
from compms.evidence import services as evidence_services
from compms.frameworks.models import Competency
from compms.organisation.models import Context, Person, Unit


@dataclass(frozen=True)
class RequirementSpec:
    competency: Competency
    level: int
    context: Context | None = None




def definition_errors(*, code: str, name: str, validity_months: int | None, granted_by_roles: Sequence[str],
                      requirements: Sequence[RequirementSpec]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not code or len(code) > 60 or not all(ch.isalnum() or ch in "-_" for ch in code):
        errors["code"] = "Use 1-60 letters, digits, '-' or '_'."
    if not (name or "").strip():
        errors["name"] = "Give the authorisation a name."
    if validity_months is not None and not 1 <= validity_months <= 600:
        errors["validity_months"] = "Validity must be between 1 and 600 months (or empty for no expiry)."
    unknown = [r for r in granted_by_roles if r not in Role.values]
    if unknown:
        errors["granted_by_roles"] = f"Unknown role(s): {', '.join(unknown)} (known: {', '.join(Role.values)})."
    if not requirements:
        errors["requirements"] = "Name at least one competency and level the authorisation needs."
    seen: set[tuple[Any, Any]] = set()
    for spec in requirements:
        top = evidence_services.max_level_of(spec.competency)
        if not 1 <= spec.level <= top:
            errors["level"] = f"Level {spec.level} is outside the scale of {spec.competency.code} (1-{top})."
        key = (spec.competency.uuid, spec.context.pk if spec.context else None)
        if key in seen:
            errors["competency_code"] = f"{spec.competency.code} is named twice for the same context."
        seen.add(key)
    return errors


@transaction.atomic
def define_authorisation(actor: Any, *, code: str, name: str, description: str = "", unit: Unit | None = None,
                         validity_months: int | None = None, granted_by_roles: Sequence[str] = (),
                         granters: Sequence[Person] = (),
                         requirements: Sequence[RequirementSpec]) -> Authorisation:
    """Create the authorisation, or update the one with this code (its requirements replaced).
    Existing grants keep their own dates; the check applies the new requirements from now on."""
    require_define(actor)
    code = (code or "").strip()
    errors = definition_errors(code=code, name=name, validity_months=validity_months,
                               granted_by_roles=granted_by_roles, requirements=requirements)
    if errors:
        raise ValidationError(errors)
    existing = Authorisation.objects.select_for_update().filter(code=code).first()
    before = None
    if existing is not None:
        before = {**snapshot(existing), "requirements": _requirements_snapshot(existing)}
    authorisation = existing or Authorisation(code=code)
    authorisation.name = name.strip()
    authorisation.description = description
    authorisation.unit = unit
    authorisation.validity_months = validity_months
    authorisation.granted_by_roles = " ".join(granted_by_roles)
    authorisation.save()
    authorisation.granters.set(granters)
    AuthorisationRequirement.objects.filter(authorisation=authorisation).delete()
    AuthorisationRequirement.objects.bulk_create([
        AuthorisationRequirement(authorisation=authorisation, competency=spec.competency,
                                 competency_uuid=spec.competency.uuid, level=spec.level, context=spec.context)
        for spec in requirements])
    record(actor, "authorisations.define" if existing is None else "authorisations.update", authorisation,
           before=before, after={**snapshot(authorisation), "requirements": _requirements_snapshot(authorisation)})
    return authorisation


def _requirements_snapshot(authorisation: Authorisation) -> list[dict[str, Any]]:
    return [{"competency_uuid": str(u), "level": level, "context_id": c} for u, level, c in
            AuthorisationRequirement.objects.filter(authorisation=authorisation)
            .values_list("competency_uuid", "level", "context_id")]


@transaction.atomic
def grant(actor: Any, *, person: Person, authorisation: Authorisation, note: str = "") -> Grant:
    """Grant today, refused (naming each competency and why) unless every requirement is met today."""
    require_grant(actor, authorisation, person)
    today = prof.today()
    needs = queries.needs_of(authorisation)
    held = queries.proficiencies_on([person.pk], today, {n.competency_uuid for n in needs})[person.pk]
    shortfalls = [rules.requirement_shortfall(n, held.get((n.competency_uuid, n.context_id), rules.NO_PROFICIENCY))
                  for n in needs]
    messages = [s.message for s in shortfalls if s is not None]
    if messages:
        raise ValidationError({"requirements": messages})
    evidence = []
    for need in needs:
        p = held[(need.competency_uuid, need.context_id)]
        evidence.append({"competency": need.code, "framework": need.framework,
                         "competency_uuid": str(need.competency_uuid), "context": need.context,
                         "required_level": need.level, "level": p.level,
                         "source": p.source, "evidence_id": p.evidence_id,
                         "valid_until": p.valid_until.isoformat() if p.valid_until else None})
    me = person_of(actor)
    made = Grant.objects.create(
        person=person, authorisation=authorisation, granted_by=user_or_none(actor),
        granted_by_name="the system" if is_system(actor) else (me.name if me else actor.get_username()),
        granted_on=today, note=note.strip(), evidence_snapshot=evidence,
        valid_until=add_months(today, authorisation.validity_months) if authorisation.validity_months else None)
    GrantEvent.objects.create(grant=made, action=GrantEvent.Action.GRANTED, effective_on=today, reason=note.strip(),
                              by=user_or_none(actor))
    record(actor, "authorisations.grant", made, after=snapshot(made))
    return made


def _change(actor: Any, grant_obj: Grant, action: str, status: str, reason: str, audit_action: str) -> Grant:
    """Change the manual state, re-reading the grant under a lock so two clicks cannot cross."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why."})
    grant_obj = Grant.objects.select_for_update().select_related("authorisation", "person").get(pk=grant_obj.pk)
    require_change_grant(actor, grant_obj)
    if grant_obj.status == Grant.Status.REVOKED:
        raise ValidationError({"status": "This grant was revoked; grant the authorisation again instead."})
    if status == Grant.Status.ACTIVE and grant_obj.status != Grant.Status.SUSPENDED:
        raise ValidationError({"status": "Only a grant suspended by hand is reinstated by hand."})
    before = snapshot(grant_obj, ["status", "status_reason"])
    grant_obj.status, grant_obj.status_reason = status, reason.strip()
    grant_obj.save(update_fields=["status", "status_reason"])
    GrantEvent.objects.create(grant=grant_obj, action=action, effective_on=prof.today(), reason=reason.strip(),
                              by=user_or_none(actor))
    record(actor, audit_action, grant_obj, before=before, after=snapshot(grant_obj, ["status", "status_reason"]))
    return grant_obj


@transaction.atomic
def suspend(actor: Any, grant_obj: Grant, *, reason: str) -> Grant:
    return _change(actor, grant_obj, GrantEvent.Action.SUSPENDED, Grant.Status.SUSPENDED, reason,
                   "authorisations.suspend")


@transaction.atomic
def reinstate(actor: Any, grant_obj: Grant, *, reason: str) -> Grant:
    return _change(actor, grant_obj, GrantEvent.Action.REINSTATED, Grant.Status.ACTIVE, reason,
                   "authorisations.reinstate")


@transaction.atomic
def revoke(actor: Any, grant_obj: Grant, *, reason: str) -> Grant:
    return _change(actor, grant_obj, GrantEvent.Action.REVOKED, Grant.Status.REVOKED, reason,
                   "authorisations.revoke")


@transaction.atomic
def refresh(actor: Any, as_of: dt.date | None = None) -> int:
    """Write the automatic suspensions and reinstatements seen on `as_of` into each grant's history
    (the check never needs them: it computes the same answer on read). Returns the transitions written."""
    as_of = as_of or prof.today()
    written = 0
    for authorisation in Authorisation.objects.all():
        latest = queries.latest_grants(authorisation, None, as_of)
        decided = queries.decide_many(authorisation, latest.keys(), as_of)
        last_auto = {g: a for g, a in GrantEvent.objects.filter(
            grant__in=list(latest.values()), action__in=[GrantEvent.Action.AUTO_SUSPENDED,
                                                         GrantEvent.Action.AUTO_REINSTATED])
            .order_by("effective_on", "id").values_list("grant_id", "action")}
        for _person_id, (decision, grant_obj) in decided.items():
            if grant_obj is None or grant_obj.status != Grant.Status.ACTIVE:
                continue
            competency_short = [r for r in decision.reasons if r.competency]
            suspended = last_auto.get(grant_obj.pk) == GrantEvent.Action.AUTO_SUSPENDED
            if competency_short and not suspended:
                action, reason = GrantEvent.Action.AUTO_SUSPENDED, "; ".join(r.message for r in competency_short)
            elif not competency_short and suspended:
                action, reason = GrantEvent.Action.AUTO_REINSTATED, "Every competency under it is held again"
            else:
                continue
            GrantEvent.objects.create(grant=grant_obj, action=action, effective_on=as_of, reason=reason)
            record(actor, f"authorisations.{action}", grant_obj, after={"on": as_of.isoformat(), "reason": reason})
            written += 1
    return written

"""Reads: the check ("may this person do this today?") and the register, one code path for the API,
the command line and the pages. Proficiency comes from `compms.evidence.proficiency` in one set-based
call for all the people asked about; the decision itself is `rules.decide`."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from compms.access.authorisations import require_sees_person, restrict_grants
from compms.authorisations import rules
from compms.authorisations.models import Authorisation, AuthorisationRequirement, Grant, GrantEvent
from compms.core.rollup import STATUS_EXPIRED, Proficiency
from compms.evidence import proficiency as prof
from compms.evidence.models import Evidence
from compms.organisation.models import Person, Unit

HeldKey = tuple[uuid.UUID, int | None]


def needs_of(authorisation: Authorisation) -> list[rules.Need]:
    # Only the seven values a Need holds: building four joined model instances per row was a sixth of a
    # check's time (see `compms bench --authorisations`).
    rows = (AuthorisationRequirement.objects.filter(authorisation=authorisation).order_by("id")
            .values_list("competency_uuid", "context_id", "level", "competency__version__framework__code",
                         "competency__code", "competency__name", "context__name"))
    return [rules.Need(competency_uuid=comp_uuid, context_id=context_id, level=level, framework=framework,
                       code=code, name=name, context=context if context_id else None)
            for comp_uuid, context_id, level, framework, code, name, context in rows]


def proficiencies_on(person_ids: Iterable[int], as_of: date,
                     uuids: Iterable[uuid.UUID]) -> dict[int, dict[HeldKey, Proficiency]]:
    """Each person's proficiency on `as_of` in these competencies. Today and later come from the stored
    view in one call (it re-derives lapsed rows itself); a past day is derived from the evidence."""
    ids = sorted(set(person_ids))
    wanted = set(uuids)
    by_person: dict[int, dict[HeldKey, Proficiency]] = defaultdict(dict)
    if as_of >= prof.today():
        for (person_id, comp_uuid, context_id), p in prof.current_proficiencies(ids, as_of, wanted).items():
            by_person[person_id][(comp_uuid, context_id)] = p
    else:
        for (person_id, comp_uuid, context_id), p in prof.proficiencies_as_of(ids, as_of, wanted).items():
            by_person[person_id][(comp_uuid, context_id)] = p
    return by_person


def _expiries(person_ids: Iterable[int], as_of: date,
              keys: set[HeldKey]) -> dict[tuple[int, HeldKey], tuple[date, str]]:
    """For expired requirements: the last valid day and source of the latest evidence that lapsed."""
    found: dict[tuple[int, HeldKey], tuple[date, str]] = {}
    if not keys:
        return found
    rows = (Evidence.objects.filter(person_id__in=set(person_ids), status=Evidence.Status.ACTIVE,
                                    competency_uuid__in={k[0] for k in keys}, valid_until__lt=as_of,
                                    assessed_on__lte=as_of)
            .order_by("valid_until").values_list("person_id", "competency_uuid", "context_id", "valid_until",
                                                 "source"))
    for person_id, comp_uuid, context_id, valid_until, source in rows:
        found[(person_id, (comp_uuid, context_id))] = (valid_until, source)  # the latest wins (ordered)
    return found


def latest_grants(authorisation: Authorisation, person_ids: Iterable[int] | None, as_of: date) -> dict[int, Grant]:
    """Each person's latest grant made on or before `as_of` (a renewal replaces the earlier grant)."""
    rows = Grant.objects.filter(authorisation=authorisation, granted_on__lte=as_of)
    if person_ids is not None:
        rows = rows.filter(person_id__in=set(person_ids))
    latest: dict[int, Grant] = {}
    for grant in rows.order_by("granted_on", "id"):
        latest[grant.person_id] = grant
    return latest


def grant_state(grant: Grant, events: list[GrantEvent], as_of: date) -> rules.GrantState:
    """The manual state on `as_of`: the last manual event effective on or before that day."""
    state, reason, since = rules.MANUAL_ACTIVE, "", None
    for event in events:
        if event.effective_on > as_of or event.action not in GrantEvent.MANUAL:
            continue
        state = {GrantEvent.Action.SUSPENDED: rules.MANUAL_SUSPENDED, GrantEvent.Action.REVOKED: rules.MANUAL_REVOKED,
                 GrantEvent.Action.REINSTATED: rules.MANUAL_ACTIVE}[event.action]
        reason, since = event.reason, event.effective_on
    if state == rules.MANUAL_ACTIVE:
        reason, since = "", None
    return rules.GrantState(granted_on=grant.granted_on, valid_until=grant.valid_until, manual_state=state,
                            manual_reason=reason, manual_on=since)


def decide_many(authorisation: Authorisation, person_ids: Iterable[int], as_of: date,
                needs: list[rules.Need] | None = None) -> dict[int, tuple[rules.Decision, Grant | None]]:
    """The decision for many people at once: a fixed number of queries, whatever the number of people."""
    ids = sorted(set(person_ids))
    needs = needs_of(authorisation) if needs is None else needs
    grants = latest_grants(authorisation, ids, as_of)
    events: dict[int, list[GrantEvent]] = defaultdict(list)
    for event in GrantEvent.objects.filter(grant__in=list(grants.values())).order_by("effective_on", "id"):
        events[event.grant_id].append(event)
    held = proficiencies_on(ids, as_of, {n.competency_uuid for n in needs})
    lapsed = {(n.competency_uuid, n.context_id) for n in needs
              if any(held[p].get((n.competency_uuid, n.context_id)) is not None
                     and held[p][(n.competency_uuid, n.context_id)].status == STATUS_EXPIRED for p in ids)}
    expiries = _expiries(ids, as_of, lapsed)
    result: dict[int, tuple[rules.Decision, Grant | None]] = {}
    for person_id in ids:
        grant = grants.get(person_id)
        state = grant_state(grant, events[grant.pk], as_of) if grant is not None else None
        mine = {key: value for (pid, key), value in expiries.items() if pid == person_id}
        result[person_id] = (rules.decide(needs, held[person_id], state, as_of, mine), grant)
    return result


def find_person(actor: Any, employee_id: str) -> Person:
    """The person by employee id, or Person.DoesNotExist (a 404) also when the actor may not see them."""
    person = Person.objects.filter(employee_id=employee_id).first()
    if person is None:
        raise Person.DoesNotExist(f"No person with employee id {employee_id!r}.")
    require_sees_person(actor, person)
    return person


def find_authorisation(code: str) -> Authorisation:
    found = Authorisation.objects.filter(code=code).first()
    if found is None:
        raise Authorisation.DoesNotExist(f"No authorisation with code {code!r}.")
    return found


def check(actor: Any, employee_id: str, code: str, as_of: date | None = None) -> dict:
    """`{"authorised": bool, "reasons": [...], "valid_until": "YYYY-MM-DD" | None}` for the API and CLI."""
    person = find_person(actor, employee_id)
    authorisation = find_authorisation(code)
    as_of = as_of or prof.today()
    decision, _grant = decide_many(authorisation, [person.pk], as_of)[person.pk]
    return decision.as_dict()


@dataclass(frozen=True)
class RegisterRow:
    person: Person
    grant: Grant
    decision: rules.Decision

    @property
    def status_words(self) -> str:
        if self.decision.authorised:
            return "Authorised"
        whys = {r.why for r in self.decision.reasons}
        if "revoked" in whys:
            return "Revoked"
        if "suspended_by_hand" in whys:
            return "Suspended by hand"
        if "grant_expired" in whys:
            return "Grant expired"
        return "Suspended: a competency under it is not held"


def register(actor: Any, authorisation: Authorisation, as_of: date | None = None,
             unit: Unit | None = None) -> list[RegisterRow]:
    """Everyone the actor may see who holds (or held) a grant of this authorisation, with today's status."""
    as_of = as_of or prof.today()
    grants = restrict_grants(Grant.objects.filter(authorisation=authorisation, granted_on__lte=as_of), actor)
    if unit is not None:
        grants = grants.filter(person__unit__path__startswith=unit.path)
    person_ids = set(grants.values_list("person_id", flat=True))
    people = {p.pk: p for p in Person.objects.filter(pk__in=person_ids).select_related("unit")}
    decided = decide_many(authorisation, person_ids, as_of)
    rows = [RegisterRow(people[pid], grant, decision) for pid, (decision, grant) in decided.items()
            if grant is not None]
    return sorted(rows, key=lambda row: (row.person.name, row.person.employee_id))

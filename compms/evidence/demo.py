"""Demo evidence for the demo organisation (called by compms.site.demo.build inside its transaction).

For every position holder and each requirement of their role, a realistic record: most people meet
the level, some are short, some hold a certificate that has expired or expires within weeks, a few
have nothing yet. Sources mix manager ratings, assessments by the demo assessor, certificates,
training and logged experience. The demo "manager"'s team also has self-assessment claims waiting
for review, and the demo "assessor" user is registered to assess the most required competencies.

Built for 40,000 people: rows are planned in Python with primary keys assigned up front, inserted
with the organisation demo's raw `insert_rows` (executemany / COPY), and the stored current
proficiency is then rebuilt set-based with `proficiency.rebuild_all` (the array rollup).
Deterministic for a seed: all randomness comes from one random.Random stream.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from compms.access import SYSTEM
from compms.accounts.models import User
from compms.audit.services import record
from compms.evidence import proficiency as prof
from compms.evidence.models import AssessorRegistration, Claim, Evidence, Source
from compms.organisation.demo import _next_pk, _reset_sequences, insert_rows
from compms.organisation.models import Person, Position, Requirement

EVIDENCE_FIELDS = ("id", "person", "competency", "competency_uuid", "context", "level", "source", "assessed_on",
                   "valid_until", "recorded_at", "assessor", "note", "status", "reason")
# Share of requirement lines per outcome (the rest: no evidence at all).
MET, SHORT, EXPIRED, EXPIRING = 0.72, 0.12, 0.04, 0.04
VERIFIED_SOURCES = ((Source.MANAGER, 40), (Source.ASSESSOR, 20), (Source.CERTIFICATE, 15), (Source.TRAINING, 15),
                    (Source.EXPERIENCE, 10))
CLAIMS_PER_TEAM_MEMBER = 2
ASSESSOR_COMPETENCIES = 12


def build_evidence(seed: int, progress: Callable[[str], None] = print, today: dt.date | None = None) -> list[str]:
    if Evidence.objects.exists():
        return ["evidence already present; left as it is"]
    today = today or prof.today()
    rng = random.Random(f"{seed}:evidence")
    native_uuid = connection.features.has_native_uuid_field
    date_cache: dict[dt.date, Any] = {}

    def db_date(day: dt.date | None) -> Any:
        if day is None:
            return None
        if day not in date_cache:
            date_cache[day] = connection.ops.adapt_datefield_value(day)
        return date_cache[day]

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    holders = sorted(Position.objects.filter(holder__isnull=False, holder__active=True).values_list(
        "holder_id", "role_id"))
    lines_of_role: dict[int, list[tuple[int, Any, int | None, int]]] = defaultdict(list)
    for role_id, competency_id, comp_uuid, context_id, level in Requirement.objects.order_by(
            "role_id", "competency_id").values_list("role_id", "competency_id", "competency_uuid", "context_id",
                                                    "level"):
        lines_of_role[role_id].append((competency_id, comp_uuid, context_id, level))
    assessor = Person.objects.filter(user__username="assessor").first()
    assessor_id = assessor.pk if assessor else None

    next_id = _next_pk(Evidence)
    rows, outcomes = _plan_records(seed, today, holders, lines_of_role, assessor_id, next_id, db_date, now,
                                   native_uuid)
    next_id += len(rows)
    progress(f"  {len(rows)} evidence records for {len({r[1] for r in rows})} people…")

    # Pending self-assessment claims for the demo manager's team, so the review queue has work.
    manager = Person.objects.filter(user__username="manager").first()
    team = list(Person.objects.filter(manager=manager, active=True).order_by("employee_id")) if manager else []
    team_roles = dict(Position.objects.filter(holder__in=team).values_list("holder_id", "role_id"))
    claims = []
    recorded_at = timezone.now()
    for member in team:
        lines = lines_of_role.get(team_roles.get(member.pk), [])
        for competency_id, comp_uuid, context_id, required in rng.sample(lines, min(CLAIMS_PER_TEAM_MEMBER,
                                                                                        len(lines))):
            level = min(5, required + rng.choice((0, 0, 1)))
            note = "I have done this on my own for the past year."
            rows.append((next_id, member.pk, competency_id, comp_uuid if native_uuid else comp_uuid.hex, context_id,
                         level, Source.SELF, db_date(today - dt.timedelta(days=rng.randint(1, 14))), None, now,
                         None, note, Evidence.Status.ACTIVE, ""))
            claims.append(Claim(person_id=member.pk, competency_id=competency_id, competency_uuid=comp_uuid,
                                context_id=context_id, level=level, note=note, self_evidence_id=next_id,
                                created_at=recorded_at))
            next_id += 1
    insert_rows(Evidence, EVIDENCE_FIELDS, rows)
    _reset_sequences([Evidence])
    Claim.objects.bulk_create(claims, batch_size=2000)

    registrations = []
    if assessor is not None:
        common = Counter(competency_id for lines in lines_of_role.values() for competency_id, *_ in lines)
        top = [competency_id for competency_id, _ in common.most_common(ASSESSOR_COMPETENCIES)]
        uuid_of = {cid: u for cid, u, _c, _l in (line for lines in lines_of_role.values() for line in lines)}
        registrations = [AssessorRegistration(person=assessor, competency_id=cid, competency_uuid=uuid_of[cid],
                                              max_level=4, valid_until=today + dt.timedelta(days=730),
                                              note="Demo registration",
                                              created_by=User.objects.filter(username="hr").first())
                         for cid in top]
        AssessorRegistration.objects.bulk_create(registrations)
    progress("  rolling up current proficiency…")
    keys = prof.rebuild_all(today)
    record(SYSTEM, "demo.evidence", object_type="evidence.evidence", object_repr="demo evidence",
           after={"records": len(rows), "claims": len(claims), "registrations": len(registrations),
                  "outcomes": dict(outcomes), "proficiency_rows": keys})
    return [
        f"evidence: {len(rows)} records ({outcomes['met']} met, {outcomes['short']} short, {outcomes['expired']} "
        f"expired and {outcomes['expiring']} expiring certificates, {outcomes['none']} requirements with none)",
        f"claims: {len(claims)} self-assessments waiting for the demo manager's review",
        f"assessor registrations: {len(registrations)} for the demo assessor",
    ]


OUTCOMES = ("met", "short", "expired", "expiring", "none")


def _plan_records(seed: int, today: dt.date, holders: list[tuple[int, int]],
                  lines_of_role: dict[int, list[tuple[int, Any, int | None, int]]], assessor_id: int | None,
                  first_id: int, db_date: Callable[[dt.date | None], Any], now: Any,
                  native_uuid: bool) -> tuple[list[tuple], Counter[str]]:
    """Plan one record per holder x requirement line with numpy: a Python loop over 600,000 lines
    with a random draw each costs most of the time budget of the whole demo."""
    generator = np.random.default_rng([seed, 4])  # 4: the evidence step's stream
    # Flatten the requirement lines; each role owns a contiguous slice.
    role_ids = sorted(lines_of_role)
    slot_of_role = np.full((max(role_ids) + 1) if role_ids else 1, -1, dtype=np.int64)
    starts, counts, comp_ids, uuids, contexts, required = [], [], [], [], [], []
    for slot, role_id in enumerate(role_ids):
        slot_of_role[role_id] = slot
        starts.append(len(comp_ids))
        counts.append(len(lines_of_role[role_id]))
        for competency_id, comp_uuid, context_id, level in lines_of_role[role_id]:
            comp_ids.append(competency_id)
            uuids.append(comp_uuid)
            contexts.append(context_id or 0)
            required.append(level)
    uuid_list = sorted(set(uuids))
    uuid_index = {u: i for i, u in enumerate(uuid_list)}
    line_uuid = np.array([uuid_index[u] for u in uuids], dtype=np.int64)
    line_comp, line_ctx = np.array(comp_ids, dtype=np.int64), np.array(contexts, dtype=np.int64)
    line_required = np.array(required, dtype=np.int64)
    role_start, role_count = np.array(starts + [0], dtype=np.int64), np.array(counts + [0], dtype=np.int64)

    holder_person = np.array([h[0] for h in holders], dtype=np.int64)
    holder_slot = slot_of_role[np.array([h[1] for h in holders], dtype=np.int64)] if holders else np.zeros(0, np.int64)
    holder_slot = np.where(holder_slot < 0, len(role_ids), holder_slot)  # roles without lines -> empty slice
    per_holder = role_count[holder_slot]
    person = np.repeat(holder_person, per_holder)
    offsets = np.arange(len(person)) - np.repeat(np.cumsum(per_holder) - per_holder, per_holder)
    line = np.repeat(role_start[holder_slot], per_holder) + offsets
    # A competency two of a person's roles need gets one history, not two.
    claim_key = line_uuid[line] * (int(line_ctx.max(initial=0)) + 1) + line_ctx[line]
    _, first = np.unique(person * (int(claim_key.max(initial=0)) + 1) + claim_key, return_index=True)
    first.sort()
    person, line = person[first], line[first]
    n = len(person)

    draw = generator.random(n)
    bounds = np.cumsum([MET, SHORT, EXPIRED, EXPIRING])
    outcome = np.searchsorted(bounds, draw, side="right")  # index into OUTCOMES
    weights = np.array([w for _, w in VERIFIED_SOURCES], dtype=float)
    source_names = np.array([str(s) for s, _ in VERIFIED_SOURCES] + [str(Source.CERTIFICATE)], dtype=object)
    source = generator.choice(len(VERIFIED_SOURCES), size=n, p=weights / weights.sum())
    certificate = len(VERIFIED_SOURCES)
    source = np.where((outcome == 2) | (outcome == 3), certificate, source)
    req = line_required[line]
    bonus = (generator.random(n) < 0.15).astype(np.int64)
    shortfall = generator.choice(np.array([1, 1, 2]), size=n)
    level = np.select([outcome == 0, outcome == 1], [np.minimum(5, req + bonus), np.maximum(1, req - shortfall)],
                      default=req)
    today_ord = today.toordinal()
    assessed = today_ord - generator.integers(20, 901, size=n)
    valid = np.full(n, -1, dtype=np.int64)
    lapsed = today_ord - generator.integers(1, 201, size=n)
    expiring = today_ord + generator.integers(1, 91, size=n)
    valid = np.where(outcome == 2, lapsed, valid)
    valid = np.where(outcome == 3, expiring, valid)
    assessed = np.where((outcome == 2) | (outcome == 3), valid - 730, assessed)
    plain_certificate = (source == certificate) & (outcome < 2)
    valid = np.where(plain_certificate, assessed + 3 * 365, valid)
    # Assessor records name the demo assessor; without one (or for the assessor), a manager rating.
    assessor_code = [s for s, _ in VERIFIED_SOURCES].index(Source.ASSESSOR)
    manager_code = [s for s, _ in VERIFIED_SOURCES].index(Source.MANAGER)
    no_assessor = (source == assessor_code) & ((person == (assessor_id or -1)) | (assessor_id is None))
    source = np.where(no_assessor, manager_code, source)

    keep = outcome < 4
    counted: Counter[str] = Counter()
    for index, name in enumerate(OUTCOMES):
        counted[name] = int((outcome == index).sum())
    person, line, level, source, assessed, valid = (a[keep] for a in (person, line, level, source, assessed, valid))

    def dates(ordinals: np.ndarray) -> list[Any]:
        unique, inverse = np.unique(ordinals, return_inverse=True)
        values = np.array([None if o < 0 else db_date(dt.date.fromordinal(int(o))) for o in unique.tolist()],
                          dtype=object)
        return values[inverse].tolist()

    uuid_values = np.array([u if native_uuid else u.hex for u in uuid_list], dtype=object)
    context_values = line_ctx[line].astype(object)
    context_values[line_ctx[line] == 0] = None
    assessor_values = np.where(source == assessor_code, assessor_id or 0, 0).astype(object)
    assessor_values[source != assessor_code] = None
    count = len(person)
    rows = list(zip(range(first_id, first_id + count), person.tolist(), line_comp[line].tolist(),
                    uuid_values[line_uuid[line]].tolist(), context_values.tolist(), level.tolist(),
                    source_names[source].tolist(), dates(assessed), dates(valid), [now] * count,
                    assessor_values.tolist(), [""] * count, [Evidence.Status.ACTIVE.value] * count, [""] * count))
    return rows, counted

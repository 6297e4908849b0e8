"""`compms bench --authorisations [--checks N]`: how fast "may this person do this today?" answers.

On the data already in the database (the 40,000-person demo for the published figure): three bench
authorisations over the competencies most people hold verified (made if absent, through the
services with SYSTEM), granted to a few hundred people who meet them (through `services.grant`, so
each grant is a real one with its evidence snapshot and audit entry). Then, after a warm-up, N
checks (`queries.check`, the code path of the API and the command line), each for a different
person, twice: people holding a grant (the full decision, with its valid_until) and people picked
at random (mostly no grant; some with lapsed or missing competencies, which reads the lapsed
evidence too). Beside them, on the same people in the same run, two floors that say how fast this
machine is at that moment: a plain primary-key lookup of the Person, and one plain SQL SELECT of the
person's stored proficiency rows for the authorisation's competencies.

Every figure is the median and 95th percentile of per-check times, wall and CPU (CPU of this
process: on PostgreSQL the server's own work is not in it), with the load average sampled right
after its series. Everything runs in one transaction that is rolled back, so the database is left
exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from compms.access import SYSTEM

BENCH_PREFIX = "BENCH-AUTH-"
# (code suffix, ranks of the most-held competencies it needs, required level)
BENCH_DEFINITIONS: tuple[tuple[str, tuple[int, ...], int], ...] = (
    ("A", (0, 1), 2),
    ("B", (2, 3, 4), 1),
    ("C", (0,), 3),
)
AHEAD_DAYS = 400  # past the bench grants' 12 months: some evidence has lapsed and must be re-derived
PAST_DAYS = 90  # before the bench grants: proficiency on that day is derived from the evidence
LoadAverage = tuple[float, float, float]


def _load() -> LoadAverage:
    return os.getloadavg()


def _percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: the figure is one measured check)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class Series:
    label: str
    wall: tuple[float, ...]  # seconds, one per call
    cpu: tuple[float, ...]
    load_average: LoadAverage
    queries: int | None = None  # per call, counted on one extra call
    authorised: int | None = None  # how many of the checks said yes

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def p95(self) -> float:
        return _percentile(self.wall, 0.95)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def cpu_p95(self) -> float:
        return _percentile(self.cpu, 0.95)

    def render(self) -> str:
        one, five, fifteen = self.load_average
        extra = []
        if self.queries is not None:
            extra.append(f"{self.queries} queries")
        if self.authorised is not None:
            extra.append(f"{self.authorised}/{len(self.wall)} authorised")
        return (f"{self.label:<44} {self.median * 1000:8.2f} {self.p95 * 1000:8.2f}"
                f"  {self.cpu_median * 1000:8.2f} {self.cpu_p95 * 1000:8.2f}"
                f"  {one:.2f} {five:.2f} {fifteen:.2f}  {', '.join(extra)}").rstrip()


HEADER = (f"{'':<44} {'wall ms':>17}  {'CPU ms':>17}  {'load average':<14}\n"
          f"{'step':<44} {'median':>8} {'p95':>8}  {'median':>8} {'p95':>8}  {'1, 5, 15 min':<14}")


@dataclass(frozen=True)
class AuthBenchResult:
    people: int  # in the database
    database: str
    grants: int
    warmup: int
    granted: Series  # the check for people holding a grant
    anyone: Series  # the check for people picked at random
    ahead: Series  # the check with an as-of date past the grants' expiry (lapsed rows re-derived)
    past: Series  # the check as of a past day (derived from the evidence, before the grants)
    floor_pk: Series  # Person by primary key
    floor_sql: Series  # plain SQL SELECT of the person's proficiency rows
    api: Series | None = None  # GET /api/v1/authorisations/check as an HR user (None without one)

    @property
    def series(self) -> tuple[Series, ...]:
        return tuple(s for s in (self.granted, self.anyone, self.ahead, self.past, self.api, self.floor_pk,
                                 self.floor_sql) if s is not None)

    def render(self) -> str:
        lines = [f"Authorisation check on {self.database}, {self.people:,} people, {self.grants:,} grants "
                 f"(rolled back afterwards); {len(self.granted.wall)} checks per line, each a different person, "
                 f"after {self.warmup} warm-up checks", HEADER]
        lines += [s.render() for s in self.series]
        lines.append(f"check / floor (median): granted {self.granted.median / self.floor_pk.median:.1f}x the "
                     f"primary-key lookup, {self.granted.median / self.floor_sql.median:.0f}x the SQL SELECT; "
                     f"goal: under 20 ms warm at 40,000 people "
                     f"({'met' if max(self.granted.median, self.anyone.median) < 0.020 else 'NOT met'} by the median, "
                     f"{'met' if max(self.granted.p95, self.anyone.p95) < 0.020 else 'not met'} by the p95)")
        return "\n".join(lines)


def _database() -> str:
    if connection.vendor == "sqlite":
        return f"SQLite {connection.Database.sqlite_version}"
    if connection.vendor == "postgresql":
        version = connection.pg_version  # e.g. 150020
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    return connection.vendor


def _most_held(today: dt.date, count: int) -> list[uuid.UUID]:
    """The competencies most people hold verified today (no context), most-held first."""
    from compms.core.rollup import STATUS_HELD
    from compms.evidence.models import CurrentProficiency

    rows = (CurrentProficiency.objects.filter(status=STATUS_HELD, verified=True, context_key=0)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .values("competency_uuid").annotate(holders=Count("id")).order_by("-holders", "competency_uuid"))
    return [row["competency_uuid"] for row in rows[:count]]


def _holders(uuids: Sequence[uuid.UUID], level: int, today: dt.date) -> list[int]:
    """People who hold every one of these competencies verified at `level` or above today."""
    from compms.core.rollup import STATUS_HELD
    from compms.evidence.models import CurrentProficiency

    found: set[int] | None = None
    for comp_uuid in uuids:
        ids = set(CurrentProficiency.objects.filter(
            competency_uuid=comp_uuid, status=STATUS_HELD, verified=True, context_key=0, level__gte=level)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today)).values_list("person_id", flat=True))
        found = ids if found is None else found & ids
    return sorted(found or ())


def _competency_of(comp_uuid: uuid.UUID) -> Any:
    from compms.frameworks.models import Competency, FrameworkVersion

    return (Competency.objects.filter(uuid=comp_uuid, version__status=FrameworkVersion.Status.PUBLISHED)
            .order_by("-version__number").first())


def ensure_bench_authorisations(grants_each: int, seed: int) -> list[tuple[Any, list[int]]]:
    """The bench authorisations with up to `grants_each` grants each: (authorisation, granted person ids).
    Made through the services when absent; an existing one is reused as it is."""
    from compms.authorisations import services
    from compms.authorisations.models import Authorisation, Grant
    from compms.evidence import proficiency as prof
    from compms.organisation.models import Person

    today = prof.today()
    ranked = _most_held(today, 1 + max(max(ranks) for _, ranks, _ in BENCH_DEFINITIONS))
    made: list[tuple[Any, list[int]]] = []
    pick = random.Random(seed)
    for suffix, ranks, level in BENCH_DEFINITIONS:
        code = f"{BENCH_PREFIX}{suffix}"
        authorisation = Authorisation.objects.filter(code=code).first()
        if authorisation is None:
            if any(rank >= len(ranked) for rank in ranks):
                continue  # a small database: fewer competencies are held than this one needs
            uuids = [ranked[rank] for rank in ranks]
            competencies = [_competency_of(u) for u in uuids]
            if any(c is None for c in competencies):
                continue
            authorisation = services.define_authorisation(
                SYSTEM, code=code, name=f"Bench authorisation {suffix}", granted_by_roles=["hr"], validity_months=12,
                requirements=[services.RequirementSpec(c, level) for c in competencies])
            eligible = _holders(uuids, level, today)
            people = {p.pk: p for p in Person.objects.filter(pk__in=pick.sample(eligible, min(grants_each,
                                                                                                 len(eligible))))}
            for person_id in sorted(people):
                services.grant(SYSTEM, person=people[person_id], authorisation=authorisation, note="bench")
        granted = sorted(set(Grant.objects.filter(authorisation=authorisation).values_list("person_id", flat=True)))
        made.append((authorisation, granted))
    return made


def _time_calls(label: str, calls: Sequence[Callable[[], Any]], *, count_queries: bool = True,
                authorised: Callable[[Any], bool] | None = None) -> Series:
    wall: list[float] = []
    cpu: list[float] = []
    yes = 0
    for call in calls:
        started, cpu_started = time.perf_counter(), time.process_time()
        answer = call()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        if authorised is not None and authorised(answer):
            yes += 1
    load = _load()
    queries = None
    if count_queries and calls:
        with CaptureQueriesContext(connection) as captured:
            calls[0]()
        queries = len(captured.captured_queries)
    return Series(label=label, wall=tuple(wall), cpu=tuple(cpu), load_average=load, queries=queries,
                  authorised=yes if authorised is not None else None)


def _proficiency_sql(person_id: int, uuids: Sequence[uuid.UUID]) -> list[tuple[Any, ...]]:
    """The floor: the stored proficiency rows a check needs, in one plain SELECT."""
    from compms.evidence.models import CurrentProficiency

    field = CurrentProficiency._meta.get_field("competency_uuid")
    table = connection.ops.quote_name(CurrentProficiency._meta.db_table)
    marks = ", ".join(["%s"] * len(uuids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT competency_uuid, context_id, level, status, verified, valid_until FROM {table} "
                       f"WHERE person_id = %s AND competency_uuid IN ({marks})",
                       [person_id, *[field.get_db_prep_value(u, connection) for u in uuids]])
        return cursor.fetchall()


def _time_api(pairs: Sequence[tuple[Any, int]], employee_ids: dict[int, str]) -> Series | None:
    """The same checks through the API as an HR user (middleware, session, JSON included), when the
    database has one; the session it logs in with is rolled back with everything else."""
    from django.conf import settings
    from django.test import Client

    from compms.accounts.models import Role, User

    user = User.objects.filter(groups__name=Role.HR, is_active=True).order_by("pk").first()
    if user is None or not pairs:
        return None
    client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0].replace("*", "localhost"))
    client.force_login(user)

    def call(pair: tuple[Any, int]) -> Callable[[], Any]:
        return lambda: client.get("/api/v1/authorisations/check", {"employee_id": employee_ids[pair[1]],
                                                                   "authorisation": pair[0].code}, secure=True)

    def answered(response: Any) -> bool:
        if response.status_code != 200:
            raise RuntimeError(f"The API check answered {response.status_code}: {response.content[:200]!r}")
        return bool(response.json()["authorised"])

    for pair in pairs[:5]:
        answered(call(pair)())
    return _time_calls(f"GET /api/v1/authorisations/check as {user.username}", [call(p) for p in pairs],
                       authorised=answered)


class _RollBack(Exception):
    pass


def run_authorisations(write: Callable[[str], Any], *, checks: int = 200, grants_each: int = 100,
                       warmup: int = 20, seed: int = 1) -> AuthBenchResult:
    """Set up (rolled back at the end), time, print and return the figures."""
    from compms.authorisations import queries
    from compms.authorisations.models import AuthorisationRequirement
    from compms.evidence import proficiency as prof
    from compms.organisation.models import Person

    result: AuthBenchResult | None = None
    try:
        with transaction.atomic():
            made = [(a, granted) for a, granted in ensure_bench_authorisations(grants_each, seed) if granted]
            if not made:
                raise ValueError("No one holds a verified competency to authorise: build the demo first "
                                 "(`compms demo --employees 40000`).")
            employee_ids = dict(Person.objects.values_list("pk", "employee_id"))
            uuids_of = {a.pk: list(AuthorisationRequirement.objects.filter(authorisation=a)
                                   .values_list("competency_uuid", flat=True)) for a, _ in made}
            pick = random.Random(seed)
            # (authorisation, person id) pairs: each authorisation in turn, each person once where possible
            pool = [(a, pid) for a, granted in made for pid in granted]
            pick.shuffle(pool)
            granted_pairs = (pool * (1 + (checks + warmup) // len(pool)))[:checks + warmup]
            everyone = sorted(employee_ids)
            random_people = pick.sample(everyone, min(checks + warmup, len(everyone)))
            random_people = (random_people * (1 + (checks + warmup) // len(random_people)))[:checks + warmup]
            anyone_pairs = [(made[n % len(made)][0], pid) for n, pid in enumerate(random_people)]

            def check(pair: tuple[Any, int], as_of: dt.date | None = None) -> Callable[[], dict]:
                return lambda: queries.check(SYSTEM, employee_ids[pair[1]], pair[0].code, as_of)

            for pair in granted_pairs[:warmup] + anyone_pairs[:warmup]:
                check(pair)()
            timed_granted, timed_anyone = granted_pairs[warmup:], anyone_pairs[warmup:]

            def is_yes(answer: Any) -> bool:
                return bool(answer["authorised"])

            granted = _time_calls("check, people holding a grant", [check(p) for p in timed_granted],
                                  authorised=is_yes)
            anyone = _time_calls("check, people picked at random", [check(p) for p in timed_anyone],
                                 authorised=is_yes)
            later = prof.today() + dt.timedelta(days=AHEAD_DAYS)
            ahead = _time_calls(f"check as of {AHEAD_DAYS} days ahead, granted people",
                                [check(p, later) for p in timed_granted], authorised=is_yes)
            earlier = prof.today() - dt.timedelta(days=PAST_DAYS)
            past = _time_calls(f"check as of {PAST_DAYS} days ago, granted people",
                               [check(p, earlier) for p in timed_granted], authorised=is_yes)
            api = _time_api(timed_granted, employee_ids)
            floor_pk = _time_calls("floor: Person by primary key (ORM)",
                                   [partial(Person.objects.get, pk=pid) for _a, pid in timed_granted])
            floor_sql = _time_calls("floor: SQL SELECT of the proficiency rows",
                                    [partial(_proficiency_sql, pid, uuids_of[a.pk]) for a, pid in timed_granted])
            result = AuthBenchResult(people=len(employee_ids), database=_database(),
                                     grants=sum(len(g) for _, g in made), warmup=warmup, granted=granted,
                                     anyone=anyone, ahead=ahead, past=past, floor_pk=floor_pk, floor_sql=floor_sql,
                                     api=api)
            raise _RollBack
    except _RollBack:
        pass
    assert result is not None
    write(result.render())
    return result

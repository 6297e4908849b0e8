"""Set-based reads of the evidence app that pages, the API and exports share.

`expiring_page` / `expiring_rows` answer "whose competence stops counting soon": stored current
proficiencies (`CurrentProficiency`, status held) whose winning evidence's last valid day falls in a
window. The rule is the rollup's, as on the page before it was paged: when newer evidence already
renews a record, the rollup picks the newer one, the stored row carries its later `valid_until`,
and the record is no longer listed. A row whose `valid_until` is already past is not expiring, it has
expired (and shows as a gap). Each row also says what would still count the day after it lapses
(a lower-tier record, a renewal dated later, or nothing), from the same rollup.

The whole list is filtered, ordered, counted and paged in the database: a page costs the same few
queries whatever the number of rows (tests/evidence_ui/test_expiring.py pins the count).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet

from compms.access import has_role, person_of, restrict_by_person, sees_everyone
from compms.accounts.models import Role
from compms.core.rollup import EvidenceFact, Proficiency, rollup
from compms.evidence import proficiency as prof
from compms.evidence.models import CurrentProficiency, Evidence
from compms.frameworks.models import Competency, FrameworkVersion
from compms.organisation.models import Unit

EXPIRY_WINDOWS = (30, 60, 90, 180, 365)
DEFAULT_WINDOW = 60
EXPIRY_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# The old `days` parameter (links and bookmarks made before the window choices) stays accepted.
MAX_LEGACY_DAYS = 730
# A from/to span longer than this is a typo, and far dates would overflow date arithmetic.
MAX_SPAN_DAYS = 5 * 366
SUMMARY_GROUPS = 10


@dataclass(frozen=True)
class ExpiryFilter:
    start: dt.date  # first last-valid-day listed
    end: dt.date  # last last-valid-day listed
    unit: Unit | None  # the unit and everything below it
    competency_uuid: uuid_module.UUID | None
    page: int = 1
    page_size: int = EXPIRY_PAGE_SIZE
    window: int | None = None  # the chosen window, when the span came from one

    def query_string(self, **override: Any) -> str:
        """The filter as URL parameters (for pager and export links), with `override` applied."""
        from urllib.parse import urlencode

        params: dict[str, Any] = {}
        if self.window is not None:
            params["window"] = self.window
        else:
            params["from"] = self.start.isoformat()
            params["to"] = self.end.isoformat()
        if self.unit is not None:
            params["unit"] = self.unit.external_id
        if self.competency_uuid is not None:
            params["competency"] = str(self.competency_uuid)
        params.update({key: value for key, value in override.items() if value is not None})
        return urlencode(params)


@dataclass(frozen=True)
class ExpiringRow:
    employee_id: str
    person: str
    unit: str
    manager: str | None
    framework: str
    competency_code: str
    competency: str
    context: str | None
    level: int
    source: str | None
    valid_until: dt.date
    days_left: int
    after_lapse: Proficiency  # what counts the day after valid_until (level 0: nothing)

    @property
    def renewed_at_level(self) -> bool:
        """Something recorded already keeps the person at this level (or higher) after the lapse."""
        return self.after_lapse.level >= self.level


@dataclass(frozen=True)
class ExpiringPage:
    filters: ExpiryFilter
    rows: list[ExpiringRow]
    total: int
    by_unit: list[tuple[str, int]]
    by_manager: list[tuple[str, int]]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.filters.page_size))

    @property
    def first_number(self) -> int:
        return (self.filters.page - 1) * self.filters.page_size + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.rows) - 1 if self.rows else 0


# ---------------------------------------------------------------- reading the filter

def _positive_int(raw: str, field: str, maximum: int) -> int:
    text = raw.strip()
    # isdecimal, not isdigit: "²" is a digit int() refuses; the length check keeps int() cheap.
    if not text.isdecimal() or len(text) > 9 or not 1 <= int(text) <= maximum:
        raise ValidationError({field: f"Give a whole number from 1 to {maximum} (got {raw!r})."})
    return int(text)


def _date(raw: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError({field: f"Give a date as YYYY-MM-DD (got {raw!r})."}) from None


def resolve_unit(ref: str) -> Unit:
    """A unit by external id (as in imports) or by numeric id (as in /api/v1/units/{id})."""
    ref = ref.strip()
    unit = Unit.objects.filter(external_id=ref).first()
    if unit is None and ref.isdecimal() and len(ref) < 19:
        unit = Unit.objects.filter(pk=int(ref)).first()
    if unit is None:
        raise ValidationError({"unit": f"No unit with id {ref!r}."})
    return unit


def resolve_competency_uuid(ref: str) -> uuid_module.UUID:
    """A competency by uuid or FRAMEWORK:CODE (any version that has it: the uuid is stable across them)."""
    ref = ref.strip()
    try:
        wanted = uuid_module.UUID(ref)
    except ValueError:
        framework, _, code = ref.partition(":")
        found = Competency.objects.filter(version__framework__code=framework, code=code).values_list(
            "uuid", flat=True).first() if code else None
    else:
        found = Competency.objects.filter(uuid=wanted).values_list("uuid", flat=True).first()
    if found is None:
        raise ValidationError({"competency": f"No competency {ref!r}: give its uuid or FRAMEWORK:CODE."})
    return found


def parse_expiry_filter(params: Mapping[str, Any], allow_page_size: bool = False) -> ExpiryFilter:
    """The filter from request parameters: `window` (30/60/90/180/365 days from today) or `from`/`to`
    (dates; `from` defaults to today), `unit`, `competency`, `page` (and `page_size` for the API).

    Every bad value is a ValidationError naming its parameter, so pages and the API answer 400."""
    def given(name: str) -> str | None:
        value = params.get(name)
        return None if value is None or str(value).strip() == "" else str(value)

    today = prof.today()
    errors: dict[str, str] = {}

    def attempt(name: str, read: Any) -> Any:
        try:
            return read()
        except ValidationError as exc:
            errors.update({key: " ".join(messages) for key, messages in exc.message_dict.items()})
            return None

    window: int | None = None
    start: dt.date | None = today
    end: dt.date | None = today
    raw_from, raw_to, raw_window, raw_days = given("from"), given("to"), given("window"), given("days")
    if raw_from is not None or raw_to is not None:
        start = attempt("from", lambda: _date(raw_from, "from")) if raw_from else today
        end = attempt("to", lambda: _date(raw_to, "to")) if raw_to else None
        if start is not None and start < today:
            errors["from"] = (f"{start.isoformat()} is in the past: what lapsed already has expired "
                              "(see the gaps pages); start today or later.")
        elif start is not None and (start - today).days > MAX_SPAN_DAYS:
            errors["from"] = f"Choose a first day at most {MAX_SPAN_DAYS} days from today."
        elif start is not None and end is None and raw_to is None:
            end = start + dt.timedelta(days=DEFAULT_WINDOW)
        if start is not None and end is not None and "from" not in errors:
            if end < start:
                errors["to"] = "The last day comes before the first."
            elif (end - start).days > MAX_SPAN_DAYS:
                errors["to"] = f"Choose at most {MAX_SPAN_DAYS} days between from and to."
    else:
        if raw_window is not None:
            text = raw_window.strip()
            if not text.isdecimal() or int(text) not in EXPIRY_WINDOWS:
                errors["window"] = (f"Choose a window of {', '.join(map(str, EXPIRY_WINDOWS))} days "
                                    f"(got {raw_window!r}), or give from/to dates.")
            else:
                window = int(text)
        elif raw_days is not None:
            window = attempt("days", lambda: _positive_int(raw_days, "days", MAX_LEGACY_DAYS))
        else:
            window = DEFAULT_WINDOW
        if window is not None:
            end = today + dt.timedelta(days=window)
    unit = attempt("unit", lambda: resolve_unit(raw_unit)) if (raw_unit := given("unit")) else None
    competency = attempt("competency", lambda: resolve_competency_uuid(raw_comp)) \
        if (raw_comp := given("competency")) else None
    page = attempt("page", lambda: _positive_int(raw_page, "page", 10**9)) if (raw_page := given("page")) else 1
    page_size = EXPIRY_PAGE_SIZE
    if allow_page_size and (raw_size := given("page_size")):
        page_size = attempt("page_size", lambda: _positive_int(raw_size, "page_size", MAX_PAGE_SIZE))
    if errors:
        raise ValidationError(errors)
    assert start is not None and end is not None and page is not None and page_size is not None
    return ExpiryFilter(start=start, end=end, unit=unit, competency_uuid=competency, page=page,
                        page_size=page_size, window=window)


# ---------------------------------------------------------------- the list

ROW_FIELDS = ("person_id", "person__employee_id", "person__name", "person__unit__name", "person__manager__name",
              "competency_uuid", "context_id", "context__code", "level", "source", "valid_until")


def _expiring_queryset(user: Any, filters: ExpiryFilter) -> QuerySet[CurrentProficiency]:
    rows = CurrentProficiency.objects.filter(
        status=CurrentProficiency.Status.HELD, valid_until__gte=filters.start, valid_until__lte=filters.end,
        person__active=True)
    rows = restrict_by_person(rows, user, field="person")
    if not sees_everyone(user) and has_role(user, Role.MANAGER):
        # A manager's view is their team; their own lapses are on "My competence".
        me = person_of(user)
        if me is not None:
            rows = rows.exclude(person_id=me.pk)
    if filters.unit is not None:
        rows = rows.filter(person__unit__path__startswith=filters.unit.path)
    if filters.competency_uuid is not None:
        rows = rows.filter(competency_uuid=filters.competency_uuid)
    return rows


def _after_lapse(keys: set[tuple[int, uuid_module.UUID, int | None]],
                 lapse_day: dict[tuple[int, uuid_module.UUID, int | None], dt.date]) -> dict[Any, Proficiency]:
    """Per key, the rollup on the day after its listed record lapses (one read per chunk of people)."""
    facts: dict[Any, list[EvidenceFact]] = defaultdict(list)
    competency_of: dict[Any, int] = {}
    people = sorted({key[0] for key in keys})
    uuids = sorted({key[1] for key in keys})
    for start in range(0, len(people), prof.IN_CHUNK):
        evidence = Evidence.objects.filter(person_id__in=people[start:start + prof.IN_CHUNK],
                                           status=Evidence.Status.ACTIVE)
        if len(uuids) <= prof.IN_CHUNK:
            evidence = evidence.filter(competency_uuid__in=uuids)
        for pk, person_id, comp_uuid, context_id, competency_id, level, source, assessed_on, valid_until in (
                evidence.values_list("pk", "person_id", "competency_uuid", "context_id", "competency_id", "level",
                                     "source", "assessed_on", "valid_until")):
            key = (person_id, comp_uuid, context_id)
            if key in keys:
                facts[key].append(EvidenceFact(level=level, source=source, recorded_on=assessed_on,
                                               valid_until=valid_until, evidence_id=pk))
                competency_of[key] = competency_id
    policy_of = prof.policies_by_competency(competency_of.values())
    return {key: rollup(facts.get(key, []), lapse_day[key] + dt.timedelta(days=1),
                        policy_of.get(competency_of.get(key, -1), "default")) for key in keys}


def _rows(values: list[tuple]) -> list[ExpiringRow]:
    today = prof.today()
    labels = prof.competency_labels({row[5] for row in values})
    keys = {(row[0], row[5], row[6]) for row in values}
    after = _after_lapse(keys, {(row[0], row[5], row[6]): row[10] for row in values})
    result = []
    for (person_id, employee_id, name, unit, manager, comp_uuid, context_id, context, level, source,
         valid_until) in values:
        label = labels.get(comp_uuid)
        result.append(ExpiringRow(
            employee_id=employee_id, person=name, unit=unit, manager=manager,
            framework=label.framework if label else "", competency_code=label.code if label else str(comp_uuid),
            competency=label.name if label else "", context=context, level=level, source=source,
            valid_until=valid_until, days_left=(valid_until - today).days,
            after_lapse=after[(person_id, comp_uuid, context_id)]))
    return result


ORDER = ("valid_until", "person__name", "person_id", "competency_uuid", "context_key")


def expiring_page(user: Any, filters: ExpiryFilter, summaries: bool = True) -> ExpiringPage:
    """One page of the expiring list the user may see, soonest first, with the total and (with
    `summaries`) the busiest units and managers over the whole filtered list."""
    rows = _expiring_queryset(user, filters)
    total = rows.count()
    offset = (filters.page - 1) * filters.page_size
    values = list(rows.order_by(*ORDER).values_list(*ROW_FIELDS)[offset:offset + filters.page_size]) \
        if offset < total else []
    by_unit = [(unit, n) for unit, n in rows.values_list("person__unit__name").annotate(n=Count("id"))
               .order_by("-n", "person__unit__name")[:SUMMARY_GROUPS]] if total and summaries else []
    by_manager = [(manager or "(no manager)", n) for manager, n in rows.values_list("person__manager__name")
                  .annotate(n=Count("id")).order_by("-n", "person__manager__name")[:SUMMARY_GROUPS]] \
        if total and summaries else []
    return ExpiringPage(filters=filters, rows=_rows(values) if values else [], total=total,
                        by_unit=by_unit, by_manager=by_manager)


def expiring_rows(user: Any, filters: ExpiryFilter) -> list[ExpiringRow]:
    """Every row of the filtered list (for exports), in page order."""
    values = list(_expiring_queryset(user, filters).order_by(*ORDER).values_list(*ROW_FIELDS))
    return _rows(values) if values else []


EXPORT_COLUMNS = ["last_valid_day", "days_left", "employee_id", "person", "unit", "manager", "framework",
                  "competency_code", "competency", "context", "level", "source", "after_lapse_level",
                  "after_lapse_source", "after_lapse_valid_until"]


def export_table(rows: list[ExpiringRow]) -> list[list[Any]]:
    return [[row.valid_until.isoformat(), row.days_left, row.employee_id, row.person, row.unit, row.manager or "",
             row.framework, row.competency_code, row.competency, row.context or "", row.level, row.source or "",
             row.after_lapse.level, row.after_lapse.source or "",
             row.after_lapse.valid_until.isoformat() if row.after_lapse.valid_until else ""] for row in rows]


# ---------------------------------------------------------------- choices for the filter form

def unit_choices(user: Any) -> list[Unit]:
    """Every unit for someone who sees everyone; otherwise the units of the people they may see."""
    units = Unit.objects.order_by("path")
    if not sees_everyone(user):
        from compms.access.people import visible_people

        units = units.filter(pk__in=visible_people(user).values("unit_id"))
    return list(units.only("pk", "external_id", "name", "depth"))


def competency_choices() -> list[tuple[uuid_module.UUID, str]]:
    """Competencies of published framework versions, one per uuid, as (uuid, "FRAMEWORK CODE name")."""
    seen: dict[uuid_module.UUID, str] = {}
    for comp_uuid, framework, code, name in Competency.objects.filter(
            version__status=FrameworkVersion.Status.PUBLISHED).order_by(
            "version__framework__code", "code", "-version__number").values_list(
            "uuid", "version__framework__code", "code", "name"):
        seen.setdefault(comp_uuid, f"{framework} {code} {name}")
    return list(seen.items())

"""`compms import evidence FILE`: historical evidence from CSV or .xlsx, all or nothing.

Built for a million rows: the file is streamed, every row is checked against in-memory look-ups
(people, competencies with their scale tops, contexts) built with a handful of queries, good rows
go straight to the bulk insert in `services.import_evidence_rows`, and the current proficiency of
every touched key is refreshed set-based at the end. If any row is bad, the insert stops, the rest
of the file is still checked so every error is reported, and the transaction is rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Max

from compms.evidence import proficiency as prof
from compms.evidence import services
from compms.evidence.models import Source
from compms.frameworks.models import Competency, Framework, FrameworkVersion, ScaleLevel
from compms.interop.base import (
    MAX_ERRORS_REPORTED,
    ImportFailed,
    ImportFormat,
    ImportResult,
    RowError,
    stream_table,
)
from compms.organisation.models import Context, Person

REQUIRED = ("employee_id", "framework", "competency_code", "level", "source", "assessed_on")
OPTIONAL = ("valid_until", "assessor_id", "context", "note")
SOURCES = frozenset(Source.values)


@dataclass(frozen=True)
class CompetencyRef:
    id: int
    uuid: object  # database form: uuid.UUID on PostgreSQL, 32 hex characters on SQLite
    max_level: int


@dataclass
class Lookups:
    people: dict[str, tuple[int, bool]]  # employee_id -> (person id, active)
    competencies: dict[tuple[str, str], CompetencyRef]  # (framework code, competency code) -> ref
    contexts: dict[str, int]  # context code -> id
    framework_codes: dict[str, str]  # CASE document identifier (lower case) -> framework code

    @classmethod
    def load(cls) -> Lookups:
        people = {employee_id: (pk, active) for pk, employee_id, active in
                  Person.objects.values_list("pk", "employee_id", "active").iterator(chunk_size=20_000)}
        scale_top = dict(ScaleLevel.objects.values("scale_id").annotate(top=Max("value"))
                         .values_list("scale_id", "top"))
        native_uuid = connection.features.has_native_uuid_field
        competencies: dict[tuple[str, str], CompetencyRef] = {}
        # Published and retired versions, oldest first, so a code resolves to the newest version
        # that has it; historical records may name a competency a later version dropped.
        rows = (Competency.objects.filter(version__status__in=[FrameworkVersion.Status.PUBLISHED,
                                                               FrameworkVersion.Status.RETIRED])
                .order_by("version__framework__code", "version__number")
                .values_list("pk", "uuid", "code", "scale_id", "version__default_scale_id",
                             "version__framework__code"))
        for pk, comp_uuid, code, scale_id, default_scale_id, framework in rows.iterator(chunk_size=20_000):
            top = scale_top.get(scale_id or default_scale_id, 0)
            competencies[(framework, code)] = CompetencyRef(pk, comp_uuid if native_uuid else comp_uuid.hex, top)
        contexts = dict(Context.objects.values_list("code", "pk"))
        framework_codes = {str(identifier).lower(): code
                           for code, identifier in Framework.objects.values_list("code", "case_identifier")}
        return cls(people=people, competencies=competencies, contexts=contexts, framework_codes=framework_codes)


def _parse_date(text: str) -> dt.date:
    # ISO dates only: 03/04/2025 means different days in different countries.
    return dt.date.fromisoformat(text)


class RowChecker:
    """Turns file rows into database rows, collecting row-numbered errors instead of stopping."""

    def __init__(self, lookups: Lookups, as_of: dt.date) -> None:
        self.lookups = lookups
        self.as_of = as_of
        self.errors: list[RowError] = []
        self.error_count = 0
        self.date_to_db = connection.ops.adapt_datefield_value

    def error(self, row: int, field: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_REPORTED:
            self.errors.append(RowError(row, field, message))

    def check(self, number: int, values: dict[str, str]) -> tuple | None:
        before = self.error_count
        employee_id = values["employee_id"]
        person = self.lookups.people.get(employee_id)
        if person is None:
            self.error(number, "employee_id", f"no person with employee_id {employee_id!r}"
                       if employee_id else "employee_id is empty")
        elif not person[1]:
            self.error(number, "employee_id", f"{employee_id} has left the organisation")
        framework, code = values["framework"], values["competency_code"]
        framework = self.lookups.framework_codes.get(framework.lower(), framework)
        competency = self.lookups.competencies.get((framework, code))
        if competency is None:
            self.error(number, "competency_code",
                       f"no competency {code!r} in a published version of framework {framework!r}")
        level_text = values["level"]
        level = -1
        try:
            level = int(level_text)
        except ValueError:
            self.error(number, "level", f"{level_text!r} is not a whole number")
        else:
            if level < 0:
                self.error(number, "level", f"level {level} is below 0")
            elif competency is not None and level > competency.max_level:
                self.error(number, "level", f"level {level} is beyond the scale of {code} "
                                            f"(0..{competency.max_level})")
        source = values["source"]
        if source not in SOURCES:
            self.error(number, "source", f"unknown source {source!r} (expected one of "
                                         f"{', '.join(Source.values)})")
        assessed_on = valid_until = None
        try:
            assessed_on = _parse_date(values["assessed_on"])
        except ValueError:
            self.error(number, "assessed_on", f"{values['assessed_on']!r} is not a date (use YYYY-MM-DD)")
        else:
            if assessed_on > self.as_of:
                self.error(number, "assessed_on", f"{assessed_on} is in the future")
        until_text = values.get("valid_until", "")
        if until_text:
            try:
                valid_until = _parse_date(until_text)
            except ValueError:
                self.error(number, "valid_until", f"{until_text!r} is not a date (use YYYY-MM-DD)")
            else:
                if assessed_on is not None and valid_until < assessed_on:
                    self.error(number, "valid_until", f"{valid_until} is before assessed_on {assessed_on}")
        assessor_id = None
        assessor_text = values.get("assessor_id", "")
        if assessor_text:
            assessor = self.lookups.people.get(assessor_text)
            if assessor is None:
                self.error(number, "assessor_id", f"no person with employee_id {assessor_text!r}")
            else:
                assessor_id = assessor[0]
        context_id = None
        context_text = values.get("context", "")
        if context_text:
            context_id = self.lookups.contexts.get(context_text)
            if context_id is None:
                self.error(number, "context", f"no context with code {context_text!r}")
        if self.error_count != before:
            return None
        return (person[0], competency.id, competency.uuid, context_id, level, source,  # type: ignore[index,union-attr]
                self.date_to_db(assessed_on), self.date_to_db(valid_until), assessor_id,
                values.get("note", ""))


def _open_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and streamed rows of a CSV or .xlsx file, the header checked like `read_table` does."""
    header, rows = stream_table(path)
    names = [h.strip().lower() for h in header]
    errors = [RowError(1, c, "required column is missing") for c in REQUIRED if c not in names]
    known = set(REQUIRED) | set(OPTIONAL)
    errors += [RowError(1, n, f"unknown column (expected: {', '.join(REQUIRED + OPTIONAL)})")
               for n in names if n and n not in known]
    errors += [RowError(1, n, "column appears more than once") for n in sorted({n for n in names if n
                                                                                and names.count(n) > 1})]
    if errors:
        raise ImportFailed(errors)
    return names, rows


def fast_checker(names: list[str], checker: RowChecker) -> Callable[[list[str]], tuple | None]:
    """The common case at full speed: a row whose every value is good becomes its database tuple
    with a few dict look-ups (dates are parsed once per distinct text). Anything unusual returns
    None and goes through `RowChecker.check`, which gives the same answer for good rows and
    explains bad ones, so this path can only ever be stricter, never looser."""
    position = {name: i for i, name in enumerate(names)}
    i_employee, i_framework, i_code, i_level, i_source, i_assessed = (
        position[name] for name in REQUIRED)
    i_until, i_assessor, i_context, i_note = (position.get(name) for name in OPTIONAL)
    people, competencies, contexts = (checker.lookups.people, checker.lookups.competencies,
                                      checker.lookups.contexts)
    levels = {str(n): n for n in range(100)}
    as_of, to_db = checker.as_of, checker.date_to_db
    dates: dict[str, tuple[dt.date, Any]] = {}

    def day(text: str) -> tuple[dt.date, Any] | None:
        found = dates.get(text)
        if found is None:
            try:
                parsed = _parse_date(text)
            except ValueError:
                return None
            found = dates[text] = (parsed, to_db(parsed))
        return found

    # Cells are looked up as they are, unstripped: a value with stray spaces misses its look-up and
    # takes the slow path, which strips. Saves a string copy per cell on the million-row path.
    def check(raw: list[str]) -> tuple | None:
        person = people.get(raw[i_employee])
        competency = competencies.get((raw[i_framework], raw[i_code]))
        level = levels.get(raw[i_level])
        source = raw[i_source]
        assessed = day(raw[i_assessed])
        if (person is None or not person[1] or competency is None or level is None
                or level > competency.max_level or source not in SOURCES or assessed is None
                or assessed[0] > as_of):
            return None
        valid_until = None
        if i_until is not None and (text := raw[i_until]):
            until = day(text)
            if until is None or until[0] < assessed[0]:
                return None
            valid_until = until[1]
        assessor_id = None
        if i_assessor is not None and (text := raw[i_assessor]):
            assessor = people.get(text)
            if assessor is None:
                return None
            assessor_id = assessor[0]
        context_id = None
        if i_context is not None and (text := raw[i_context]):
            context_id = contexts.get(text)
            if context_id is None:
                return None
        note = raw[i_note].strip() if i_note is not None and raw[i_note] else ""
        return (person[0], competency.id, competency.uuid, context_id, level, source, assessed[1], valid_until,
                assessor_id, note)

    return check


def checked_rows(path: Path, checker: RowChecker) -> Iterator[tuple]:
    """Good rows in database form. Stops yielding at the first bad row but reads on to report every
    error, then raises ImportFailed (which rolls back whatever was inserted)."""
    names, rows = _open_rows(path)
    width = len(names)
    fast = fast_checker(names, checker)
    optional_absent = {name: "" for name in OPTIONAL if name not in names}
    seen = 0
    for number, raw in rows:
        if len(raw) == width:
            good = fast(raw)
            if good is not None:
                seen += 1
                if checker.error_count == 0:
                    yield good
                continue
            cells = raw
        else:
            if not any((cell or "").strip() for cell in raw):
                continue
            if len(raw) > width and any((cell or "").strip() for cell in raw[width:]):
                checker.error(number, "", f"has {len(raw)} cells but the header has {width}")
                continue
            cells = (list(raw) + [""] * width)[:width]
        values = dict(zip(names, (cell.strip() if cell else "" for cell in cells)))
        if not any(values.values()):
            continue
        if optional_absent:
            values.update(optional_absent)
        seen += 1
        good = checker.check(number, values)
        if good is not None and checker.error_count == 0:
            yield good
    if checker.error_count:
        errors = list(checker.errors)
        if checker.error_count > len(errors):
            errors.append(RowError(None, "", f"{checker.error_count - len(errors)} more errors not listed"))
        raise ImportFailed(errors)
    if seen == 0:
        raise ImportFailed([RowError(None, "", "the file has no evidence rows")])


def import_evidence_file(path: Path | str, actor: Any, file_name: str | None = None) -> services.ImportOutcome:
    path = Path(path)
    checker = RowChecker(Lookups.load(), prof.today())
    try:
        return services.import_evidence_rows(actor, file_name=file_name or path.name,
                                             rows=checked_rows(path, checker))
    except PermissionDenied as exc:
        raise ImportFailed([RowError(None, "", str(exc))]) from None
    except ValidationError as exc:
        raise ImportFailed([RowError(None, field, "; ".join(messages))
                            for field, messages in exc.message_dict.items()]) from None


def run_import(path: Path, actor: Any, options: dict[str, Any]) -> ImportResult:
    outcome = import_evidence_file(path, actor)
    batch = outcome.batch
    return ImportResult(
        summary=[(f"Imported {outcome.rows} evidence rows for {outcome.people} people from {batch.file_name} "
                  f"(batch {batch.pk}); {outcome.keys_refreshed} current proficiencies refreshed.")],
        counts={"rows": outcome.rows, "people": outcome.people, "proficiencies": outcome.keys_refreshed},
        object_code=str(batch.pk),
    )


IMPORTERS = [
    ImportFormat(
        name="evidence",
        help="Historical evidence (CSV or .xlsx): employee_id, framework, competency_code, level, source, "
             "assessed_on[, valid_until, assessor_id, context, note]",
        run=run_import,
    ),
]

"""What every import and export format shares: the registry behind `compms import FORMAT FILE` and
`compms export FORMAT [TARGET]`, row-numbered errors, and reading CSV or .xlsx tables.

A domain app adds formats by defining IMPORTERS / EXPORTERS (lists of ImportFormat / ExportFormat)
in a module listed in FORMAT_MODULES. Imports are all-or-nothing: an importer validates every row,
raises ImportFailed with all the errors it found, and writes nothing unless all rows are good.
"""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT_MODULES = (
    "compms.interop.formats",
    "compms.organisation.imports",
    "compms.evidence.imports",
    "compms.development.imports",
    "compms.authorisations.imports",
)

MAX_ERRORS_REPORTED = 200


@dataclass(frozen=True)
class RowError:
    row: int | None  # 1-based line in the file (header is row 1), or None for file-level problems
    field: str
    message: str
    item: str = ""  # for non-tabular formats: the item's identifier

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.item:
            where.append(f"item {self.item}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{', '.join(where) or 'file'}: {self.message}"


class ImportFailed(Exception):
    """Nothing was stored. `errors` says what is wrong, row by row."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:5]) + (f" (and {len(errors) - 5} more)"
                                                                   if len(errors) > 5 else ""))

    def as_dicts(self) -> list[dict[str, Any]]:
        return [{"row": e.row, "item": e.item or None, "field": e.field, "message": e.message}
                for e in self.errors[:MAX_ERRORS_REPORTED]]


@dataclass
class ImportResult:
    summary: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    object_code: str = ""


@dataclass(frozen=True)
class ImportFormat:
    name: str
    help: str
    # run(path, actor, options) -> ImportResult; raises ImportFailed
    run: Callable[..., ImportResult]
    extensions: tuple[str, ...] = (".csv", ".xlsx")
    options: tuple[tuple[str, dict[str, Any]], ...] = ()


@dataclass(frozen=True)
class ExportFormat:
    name: str
    help: str
    # run(target, actor, options) -> (content bytes, suggested file name, content type)
    run: Callable[..., tuple[bytes, str, str]]
    needs_target: bool = False
    target_help: str = ""
    options: tuple[tuple[str, dict[str, Any]], ...] = ()


def _collect(attribute: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module_name in FORMAT_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        for fmt in getattr(module, attribute, []):
            found[fmt.name] = fmt
    return found


def importers() -> dict[str, ImportFormat]:
    return _collect("IMPORTERS")


def exporters() -> dict[str, ExportFormat]:
    return _collect("EXPORTERS")


# ---------------------------------------------------------------- tables (CSV and .xlsx)

@dataclass(frozen=True)
class TableRow:
    number: int  # line number in the file; the header is row 1
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "") or ""


def read_table(path: Path | str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[TableRow]:
    """Read a CSV (UTF-8, with or without BOM; comma or semicolon) or .xlsx file into rows keyed by
    lower-cased header. Raises ImportFailed naming missing or unknown columns."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        header, raw_rows = _read_xlsx(path)
    else:
        header, raw_rows = _read_csv(path)
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    known = set(required) | set(optional)
    unknown = [n for n in names if n and n not in known]
    errors = [RowError(1, c, "required column is missing") for c in missing]
    errors += [RowError(1, c, f"unknown column (expected: {', '.join(required + optional)})") for c in unknown]
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    errors += [RowError(1, c, "column appears more than once") for c in dupes]
    if errors:
        raise ImportFailed(errors)
    rows = []
    for number, raw in raw_rows:
        if not any((cell or "").strip() for cell in raw):
            continue
        if len(raw) > len(names) and any((cell or "").strip() for cell in raw[len(names):]):
            raise ImportFailed([RowError(number, "", f"has {len(raw)} cells but the header has {len(names)}")])
        values = {name: (raw[i].strip() if i < len(raw) and raw[i] is not None else "")
                  for i, name in enumerate(names) if name}
        rows.append(TableRow(number, values))
    if not rows:
        raise ImportFailed([RowError(None, "", NOTHING_TO_IMPORT)])
    return rows


NOTHING_TO_IMPORT = "nothing was imported: the file has a header but no rows"


def stream_table(path: Path | str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The raw header and a lazy iterator of (line number, cells) for a CSV or .xlsx file, for
    importers too large to hold every row (they check columns themselves). The iterator raises
    ImportFailed at its end if the file held no row with a value."""
    path = Path(path)
    header, raw_rows = _read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_csv(path)

    def rows_or_refusal() -> Iterator[tuple[int, list[str]]]:
        seen_values = False
        for number, raw in raw_rows:
            seen_values = seen_values or any((cell or "").strip() for cell in raw)
            yield number, raw
        if not seen_values:
            raise ImportFailed([RowError(None, "", NOTHING_TO_IMPORT)])

    return header, rows_or_refusal()


def _read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise ImportFailed([RowError(None, "", problem)]) from None
    except OSError as exc:
        raise ImportFailed([RowError(None, "", f"cannot read the file: {exc.strerror}")]) from None
    if not text.strip():
        raise ImportFailed([RowError(None, "", "the file is empty")])
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    csv.field_size_limit(10 * 1024 * 1024)
    # strict: a quote left open would otherwise swallow the following rows into one cell, silently.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ImportFailed([RowError(1, "", f"cannot read the header: {_csv_problem(exc)}")]) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        while True:
            first_line = reader.line_num + 1
            try:
                raw = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFailed([RowError(first_line, "", f"malformed CSV: {_csv_problem(exc)}")]) from None
            yield first_line, [restore_text(cell) for cell in raw]

    return header, rows()


def _csv_problem(exc: csv.Error) -> str:
    if "unexpected end of data" in str(exc) or "expected after" in str(exc):
        return ("a quoted cell starting on this row is not closed properly, so it runs into the rows after it; "
                "close the quote (write a quote inside a quoted cell as two quotes)")
    return str(exc)


def _read_xlsx(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFailed([RowError(None, "", f"not a readable .xlsx workbook: {exc}")]) from None
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(c) for c in next(iterator)]
    except StopIteration:
        raise ImportFailed([RowError(None, "", "the workbook's first sheet is empty")]) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, raw in enumerate(iterator, start=2):
            yield number, [restore_text(_cell_text(c)) for c in raw]
        workbook.close()

    return header, rows()


def _cell_text(value: Any) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- spreadsheet-safe cells

# A spreadsheet reads a cell that begins with one of these as a formula (or, for tab and carriage
# return, as a shifted cell that can then start one): "=HYPERLINK(...)" in a name must stay text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def neutralise_text(text: str) -> str:
    """`text` made inert in a spreadsheet: a leading formula character gets a single quote before it
    (the quote every spreadsheet takes as "this is text"). Only text is touched, never numbers."""
    return TEXT_MARK + text if text.startswith(FORMULA_TRIGGERS) else text


def restore_text(text: str) -> str:
    """The inverse of neutralise_text on import, so that export followed by import is a round trip."""
    if text.startswith(TEXT_MARK) and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def spreadsheet_cell(value: Any, fmt: str) -> tuple[Any, bool]:
    """One value as it may be written to a CSV or .xlsx cell, and whether characters were removed.

    Text is neutralised; .xlsx cannot hold most C0 control characters, so they are stripped there
    (a CSV keeps them). Numbers stay numbers, except infinities and NaN, which .xlsx cannot store."""
    import decimal
    import math

    if value is None:
        return "", False
    if isinstance(value, bool):
        return value, False
    if isinstance(value, (float, decimal.Decimal)) and not math.isfinite(value):
        return str(value), False
    if not isinstance(value, str):
        if isinstance(value, (int, float, decimal.Decimal)) or hasattr(value, "isoformat"):
            return value, False
        value = str(value)
    stripped = False
    if fmt == "xlsx":
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        cleaned = ILLEGAL_CHARACTERS_RE.sub("", value)
        stripped, value = cleaned != value, cleaned
    value = neutralise_text(value)
    if fmt == "csv" and "\r" in value:
        # Python's CSV writer does not quote a field for a bare carriage return, which readers take as
        # the end of the row; as a newline the field is quoted and stays one cell.
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value, stripped


class SafeCsvWriter:
    """csv.writer whose every text cell goes through spreadsheet_cell, for CSV written outside write_table."""

    def __init__(self, buffer: io.StringIO) -> None:
        self._writer = csv.writer(buffer, lineterminator="\n")

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow([spreadsheet_cell(v, "csv")[0] for v in row])

    def writerows(self, rows: Any) -> None:
        for row in rows:
            self.writerow(row)


def write_table(columns: list[str], rows: list[list[Any]], fmt: str = "csv") -> bytes:
    """Rows to CSV (UTF-8) or .xlsx bytes, with the header first. Every cell goes through
    spreadsheet_cell, so no export can carry a live formula (docs/import-formats.md, "Exports")."""
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("data")
        cells_stripped = 0

        def xlsx_row(values: list[Any]) -> list[Any]:
            nonlocal cells_stripped
            out = []
            for raw in values:
                value, stripped = spreadsheet_cell(raw, "xlsx")
                cells_stripped += stripped
                if isinstance(value, str):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"  # text, even if a future change lets a formula character through
                    out.append(cell)
                else:
                    out.append(value)
            return out

        sheet.append(xlsx_row(columns))
        for row in rows:
            sheet.append(xlsx_row(row))
        if cells_stripped:
            notes = workbook.create_sheet("Notes")
            notes.append([f"{cells_stripped} cell(s) had control characters removed: .xlsx cannot hold them."])
        workbook_bytes = io.BytesIO()
        workbook.save(workbook_bytes)
        return workbook_bytes.getvalue()
    text = io.StringIO()
    writer = SafeCsvWriter(text)
    writer.writerow(columns)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


TABLE_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

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
    return rows


def stream_table(path: Path | str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The raw header and a lazy iterator of (line number, cells) for a CSV or .xlsx file, for
    importers too large to hold every row (they check columns themselves)."""
    path = Path(path)
    return _read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_csv(path)


def _read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([RowError(None, "", f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")])
    except OSError as exc:
        raise ImportFailed([RowError(None, "", f"cannot read the file: {exc.strerror}")])
    if not text.strip():
        raise ImportFailed([RowError(None, "", "the file is empty")])
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    csv.field_size_limit(10 * 1024 * 1024)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ImportFailed([RowError(1, "", f"cannot read the header: {exc}")])

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for raw in reader:
                yield reader.line_num, raw
        except csv.Error as exc:
            raise ImportFailed([RowError(reader.line_num, "", f"malformed CSV: {exc}")])

    return header, rows()


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
            yield number, [_cell_text(c) for c in raw]
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


def write_table(columns: list[str], rows: list[list[Any]], fmt: str = "csv") -> bytes:
    """Rows to CSV (UTF-8) or .xlsx bytes, with the header first."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("data")
        sheet.append(columns)
        for row in rows:
            sheet.append(["" if v is None else v for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


TABLE_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

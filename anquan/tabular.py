"""The spreadsheets and CSV files people hand us (read with row numbers kept) and the ones we write; names made safe
for cells and file names."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from anquan.errors import AnquanError, Problem


@dataclass
class Sheet:
    name: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number as a spreadsheet shows it, values by column)


def cell_text(value) -> str:
    """A cell as the text a person typed: 12.0 -> '12', dates as ISO, None -> ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _sheet(name: str, raw_rows, problems: list[Problem], required: list[str]) -> Sheet | None:
    it = iter(raw_rows)
    header = None
    header_row = 0
    for header_row, values in enumerate(it, start=1):
        if any(cell_text(v) for v in values):
            header = [cell_text(v).lower().lstrip("\ufeff") for v in values]
            break
    if header is None:
        problems.append(Problem(name, None, None, "the sheet is empty (expected a header row)"))
        return None
    missing = [c for c in required if c not in header]
    for col in missing:
        problems.append(Problem(name, header_row, col, "missing column"))
    if missing:
        return None
    rows = []
    for number, values in enumerate(it, start=header_row + 1):
        texts = [cell_text(v) for v in values]
        if not any(texts):
            continue
        record = {col: (texts[i] if i < len(texts) else "") for i, col in enumerate(header) if col}
        rows.append((number, record))
    return Sheet(name, header, rows)


MAX_FILE_BYTES = 50 * 1024 * 1024  # an import file larger than this is refused before it is read
MAX_FIELD_CHARS = 10_000  # no cell of ours needs more; csv's own limit (131,072) would raise mid-file


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AnquanError(f"cannot read {path}: {exc.strerror}") from None
    if size == 0:
        raise AnquanError(f"{path} is empty")
    if size > MAX_FILE_BYTES:
        raise AnquanError(f"{path} is {size / 1048576:.0f} MiB; an import file may be at most "
                          f"{MAX_FILE_BYTES // 1048576} MiB (split it)")


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (what Excel in China writes as "CSV")."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise AnquanError(f"{path.name} is neither UTF-8 nor GB18030 text (save it as CSV UTF-8)") from None


def read_csv(path: Path, name: str, problems: list[Problem], required: list[str]) -> Sheet | None:
    path = Path(path)
    _check_size(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AnquanError(f"cannot read {path}: {exc.strerror}") from None
    text = _decode(data, path)
    if "\x00" in text:
        raise AnquanError(f"{path.name} holds NUL bytes: it is not a CSV text file")
    raw = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for values in reader:
            if any(len(v) > MAX_FIELD_CHARS for v in values):
                problems.append(Problem(name, reader.line_num, None, f"a cell longer than {MAX_FIELD_CHARS} characters"))
                return None
            raw.append(values)
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, None, f"not readable as CSV: {exc}"))
        return None
    return _sheet(name, raw, problems, required)


def _open_workbook(path: Path):
    from openpyxl import load_workbook

    _check_size(path)
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds (zip, XML, key, value) for a damaged file
        raise AnquanError(f"cannot open {path} as an .xlsx workbook ({type(exc).__name__}: {exc})") from None


def _read_sheet(name: str, ws, problems: list[Problem], required: list[str]) -> Sheet | None:
    """A worksheet's rows; a damaged sheet (broken XML, bad cell values) is a problem of that sheet."""
    try:
        return _sheet(name, ws.iter_rows(values_only=True), problems, required)
    except Exception as exc:  # noqa: BLE001 - the rows are parsed lazily from the file's XML
        problems.append(Problem(name, None, None, f"the sheet cannot be read ({type(exc).__name__}: {exc})"))
        return None


def read_workbook(path: Path, wanted: dict[str, list[str]], problems: list[Problem]) -> dict[str, Sheet]:
    """Read the named sheets of an .xlsx file (by name, case-insensitive)."""
    wb = _open_workbook(Path(path))
    try:
        by_name = {ws.title.strip().lower(): ws for ws in wb.worksheets}
        out = {}
        for name, required in wanted.items():
            ws = by_name.get(name)
            if ws is None:
                problems.append(Problem(name, None, None, f"the workbook has no sheet named {name!r}"))
                continue
            sheet = _read_sheet(name, ws, problems, required)
            if sheet is not None:
                out[name] = sheet
        return out
    finally:
        wb.close()


def read_single_table(path: Path, name: str, required: list[str], problems: list[Problem]) -> Sheet | None:
    """An .xlsx (its first sheet) or a .csv file holding one table."""
    path = Path(path)
    if not path.is_file():
        raise AnquanError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path, name, problems, required)
    if suffix in {".xlsx", ".xlsm"}:
        wb = _open_workbook(path)
        try:
            if not wb.worksheets:
                raise AnquanError(f"{path} has no worksheet")
            return _read_sheet(name, wb.worksheets[0], problems, required)
        finally:
            wb.close()
    raise AnquanError(f"{path}: expected a .xlsx or .csv file")


def parse_bool(text: str) -> bool | None:
    t = text.strip().lower()
    if t in {"", "false", "no", "n", "0", "否", "无"}:
        return False if t else None
    if t in {"true", "yes", "y", "1", "是", "有"}:
        return True
    raise ValueError(f"{text!r} is not yes/no (use true or false)")


INT_MAX = 2_147_483_647  # the database's integer columns


def whole(text: str, *, lo: int = 0, hi: int = INT_MAX) -> int:
    """A whole number in [lo, hi] from a cell; ValueError otherwise (a huge number never reaches the database)."""
    t = text.strip()
    if not t.lstrip("+-").isdigit() or len(t) > 12:
        raise ValueError(f"{text!r} is not a whole number")
    n = int(t)
    if not lo <= n <= hi:
        raise ValueError(f"{text!r} is out of range ({lo}..{hi})")
    return n


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


FORMULA_START = ("=", "+", "-", "@")


def append_row(sheet, values) -> None:
    """sheet.append(values), with every string kept as text: openpyxl would store "=HYPERLINK(...)" (or any text
    starting with = + - @, say a township named by a hostile import) as a live formula."""
    from openpyxl.cell.cell import Cell

    row = []
    for value in values:
        if isinstance(value, str) and value.startswith(FORMULA_START):
            value = Cell(sheet, value=value)
            value.data_type = "s"
        row.append(value)
    # Cells handed to append, not looked up after it: sheet[sheet.max_row] walks every cell of the sheet, which
    # made a digest of a few thousand rows take minutes (quadratic).
    sheet.append(row)


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def has_control_characters(text: str) -> bool:
    """A name with a line break, tab or other control character: refused at import (it breaks mail headers,
    documents and tables)."""
    return _CONTROL.search(text) is not None


_UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_filename(name: str, *, limit: int = 120) -> str:
    """A file name made from names in the directory: no path separators, control or reserved characters, no
    leading dot, at most `limit` characters (the extension kept)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 8:
        stem, ext = name, ""
    stem = _UNSAFE_IN_FILENAME.sub("_", stem).strip(" .") or "_"
    ext = _UNSAFE_IN_FILENAME.sub("", ext)
    return (stem[: limit - len(ext) - 1] + "." + ext) if ext else stem[:limit]

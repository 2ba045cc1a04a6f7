"""Broken and hostile import files for every import entry point, shared by the property-based test
(tests/test_fuzz_imports.py, a bounded count in CI) and the long run (benchmarks/fuzz_imports.py).

Each case is a file (CSV in UTF-8, UTF-8 with BOM or GB18030, or .xlsx — whole, truncated, with damaged bytes or a
broken sheet) whose rows mix plausible values with hostile ones: control characters, formula-like text, huge and
negative numbers, very long cells, unknown codes, empty and missing columns. The property: the import either
succeeds or raises AnquanError (with sheet/row/column where it is a row's problem), and after a refusal the
database is byte-for-byte what it was.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import date
from pathlib import Path

from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from anquan.app import App
from anquan.cycle import usecases as cycle
from anquan.cycle.planning import plan_year
from anquan.directory.importer import import_directory as import_into
from anquan.errors import AnquanError, InputRejected
from anquan.models.db import upgrade
from anquan.models.settings import load_settings
from anquan.directory import usecases as directory
from anquan.records import usecases as records

ENTRY_POINTS: dict[str, tuple[list[str], object]] = {
    "directory": (["code", "name", "kind", "parent_code", "sector", "employees", "dangerous_goods"],
                  lambda app, path: directory.import_directory(app, path=path)),
    "submissions": (["id", "submitted_on", "note"],
                    lambda app, path: cycle.import_submissions(app, path=path, today=date(2026, 12, 31))),
    "accidents": (["org_code", "date", "kind", "deaths", "injuries", "liability", "egregious", "description"],
                  lambda app, path: records.import_accidents(app, path=path)),
    "indicators": (["org_code", "year", "max_accidents", "max_deaths", "max_injuries"],
                   lambda app, path: records.import_indicators(app, path=path)),
    "hazards": (["org_code", "year", "description", "enterprise_code", "place", "responsible_person", "measures",
                 "funds", "deadline", "emergency_plan"], lambda app, path: records.import_hazards(app, path=path)),
    "adjustments": (["org_code", "year", "points", "item", "reason"],
                    lambda app, path: records.import_adjustments(app, path=path)),
}

HOSTILE = ["", " ", "QL01", "QL01E001", "T1", "E1", "2026", "2026-05-03", "2026-02-30", "road_traffic", "other",
           "township", "enterprise", "construction", "true", "否", "1", "0", "-1", "3.5", "99999999999999999999",
           "=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "@SUM(1)", "白沙&镇", "<b>x</b>", "{{7*7}}",
           "a\r\nBcc: x@evil.example", "\x00", "\x07", "\u2028", "'; DROP TABLE organisation; --", "x" * 200_000,
           "9" * 5000, "1e308", "NaN", "２０２６", "四"]

cell = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.integers(-10**30, 10**30).map(str))


@st.composite
def table(draw, columns: list[str]) -> list[list[str]]:
    header = list(columns)
    if draw(st.booleans()) and header:
        header = draw(st.permutations(header))[: draw(st.integers(0, len(header)))]  # missing/reordered columns
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), max_size=6))
    return [header, *rows]


def _csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


def _xlsx_bytes(rows: list[list[str]], sheet: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        # what a spreadsheet program can save: no control characters, at most 32,767 characters a cell
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v)[:32_000] if isinstance(v, str) else v for v in r])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _break_sheet_xml(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                body = body[: len(body) // 2]
            dst.writestr(item, body)
    return out.getvalue()


@st.composite
def import_file(draw, entry: str) -> tuple[str, bytes]:
    """(file name, bytes) for one entry point."""
    columns, _ = ENTRY_POINTS[entry]
    rows = draw(table(columns))
    form = draw(st.sampled_from(["csv-utf8", "csv-bom", "csv-gb18030", "xlsx", "xlsx-truncated", "xlsx-flipped",
                                 "xlsx-broken-sheet", "garbage-csv", "garbage-xlsx", "empty"]))
    sheet = "organisations" if entry == "directory" else entry
    if form.startswith("csv"):
        enc = {"csv-utf8": "utf-8", "csv-bom": "utf-8-sig", "csv-gb18030": "gb18030"}[form]
        data, suffix = _csv_bytes(rows, enc), ".csv"
    elif form.startswith("xlsx"):
        data, suffix = _xlsx_bytes(rows, sheet), ".xlsx"
        # Positions as a share of the length: a workbook's size varies by its timestamp, the drawing must not.
        if form == "xlsx-truncated":
            data = data[: draw(st.integers(0, 9_999)) * len(data) // 10_000]
        elif form == "xlsx-flipped":
            at = draw(st.integers(0, 9_999)) * len(data) // 10_000
            data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
        elif form == "xlsx-broken-sheet":
            data = _break_sheet_xml(data)
    elif form == "empty":
        data, suffix = b"", draw(st.sampled_from([".csv", ".xlsx"]))
    else:
        data, suffix = draw(st.binary(max_size=2000)), ".csv" if form == "garbage-csv" else ".xlsx"
    return suffix, data


def place(entry: str, suffix: str, data: bytes, folder: Path) -> Path:
    """Where the entry point reads the file: the directory import takes a folder of CSVs or a workbook."""
    folder.mkdir(parents=True, exist_ok=True)
    if entry == "directory" and suffix == ".csv":
        (folder / "organisations.csv").write_bytes(data)
        (folder / "contacts.csv").write_bytes(b"org_code,name,role,email,phone\n")
        return folder
    path = folder / f"{entry}{suffix}"
    path.write_bytes(data)
    return path


def database_digest(app: App) -> str:
    """Every row of every table (SQLite), as one hash: equal means byte-for-byte the same data."""
    raw = app.engine.raw_connection()
    try:
        return hashlib.sha256("\n".join(raw.driver_connection.iterdump()).encode()).hexdigest()
    finally:
        raw.close()


def fuzz_app(folder: Path) -> App:
    """A small county, planned for 2026, on its own SQLite file: the digest before and after each case stays quick."""
    from tests.support import SMALL_CONTACTS, SMALL_ORGS, write_csvs

    app = App(settings=load_settings(data_dir=folder / "data"))
    upgrade(app.engine)
    with app.session() as s:
        import_into(session=s, path=write_csvs(folder / "county", SMALL_ORGS, SMALL_CONTACTS))
        plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026)
    return app


def check_one(app: App, entry: str, case: tuple[str, bytes], folder: Path) -> str:
    """Run one case: 'ok' or 'refused'; AssertionError on a partial write, the exception itself on a traceback."""
    suffix, data = case
    path = place(entry, suffix, data, folder)
    before = database_digest(app)
    try:
        ENTRY_POINTS[entry][1](app, path)
    except AnquanError as exc:
        if isinstance(exc, InputRejected):
            assert exc.problems and all(p.sheet for p in exc.problems), "a refusal that does not say where"
        assert database_digest(app) == before, f"{entry}: refused but the database changed"
        return "refused"
    return "ok"

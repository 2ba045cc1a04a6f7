#!/usr/bin/env python3
"""Benchmark: plan a whole province's year.

Builds a synthetic province straight into a fresh database (bulk COPY on
PostgreSQL, executemany batches on SQLite; the xlsx/csv import is far too slow
at this size), then measures ``anquan.cycle.planning.plan_year``:

1. the first plan of 2026 (commit included): obligations created, seconds, rows/s,
   peak Python allocations (tracemalloc) and peak RSS growth of this process;
2. a re-plan with nothing new (must create 0);
3. a re-plan after adding 50 enterprises (must create only their 50 x 12).

At --scale 1.0 the province has 120 counties, 1,200 townships (10 per county),
14,000 villages, 2,400 units (2 per township) and 200,000 enterprises; --scale
multiplies townships, villages, units and enterprises (counties stay 120).

    .venv/bin/python benchmarks/plan_province.py [--backend sqlite|postgresql|both]
        [--scale 1.0] [--json OUT] [--flat-check] [--profile] [--analyze organisation|all|none]

--flat-check runs every backend at scale 0.1 and at --scale, each in its own
subprocess (so peak RSS is independent), and prints both memory peaks.
--profile prints the slowest SQL statements plan_year issued in each phase
(every statement, timed and named, is in the JSON).
--analyze: 'organisation' (default) analyzes the loaded directory, as autovacuum
would after a large import; 'all' also analyzes the empty plan_stamp table (the
statistics that once made the stamping statement quadratic); 'none'.

Memory: the tracemalloc peak is the telling number. ru_maxrss is the process's
lifetime peak, so its growth reads 0 when loading the province peaked higher;
the sampled RSS peak (every 5 ms) above the RSS at the start of planning covers
that case, and on SQLite includes the database engine's own page cache.

PostgreSQL: the admin URL comes from ANQUAN_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres); the benchmark creates a database
anquan_bench_<hex> of its own and drops it at the end.

Targets: province plan < 60 s on PostgreSQL (2 cores), re-plan creating nothing
< 10 s, memory flat in the number of enterprises.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import json
import os
import random
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from anquan.cycle.planning import periods_for, plan_year  # noqa: E402
from anquan.rules.cycle import load_rules  # noqa: E402
from anquan.rules.workcalendar import WorkCalendar  # noqa: E402
from anquan.models.db import make_engine, session_scope, upgrade  # noqa: E402
from anquan.models.directory import Organisation, OrgKind, Sector  # noqa: E402
from anquan.models.obligations import Obligation  # noqa: E402
from anquan.models.settings import load_settings  # noqa: E402

YEAR = 2026
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
COUNTIES = 120
TOWNSHIPS = 1_200
VILLAGES = 14_000
UNITS_PER_TOWNSHIP = 2
ENTERPRISES = 200_000
NEW_ENTERPRISES = 50
BATCH = 20_000
SEED = 2026
TARGET_PLAN_S = 60.0
TARGET_REPLAN_S = 10.0

ORG_COLUMNS = ("id", "code", "name", "kind", "parent_id", "township_id", "sector", "employees",
               "dangerous_goods", "created_at", "updated_at")
SECTORS = [s.value for s in Sector]


# ---------------------------------------------------------------------------
# The synthetic province, generated as a stream of row tuples
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Shape:
    counties: int
    townships: int
    villages: int
    units: int
    enterprises: int

    @classmethod
    def at(cls, scale: float) -> "Shape":
        townships = max(COUNTIES, round(TOWNSHIPS * scale))
        return cls(
            counties=COUNTIES,
            townships=townships,
            villages=max(0, round(VILLAGES * scale)),
            units=UNITS_PER_TOWNSHIP * townships,
            enterprises=max(1, round(ENTERPRISES * scale)),
        )

    @property
    def organisations(self) -> int:
        return self.counties + self.townships + self.villages + self.units + self.enterprises

    def count(self, kind: str) -> int:
        return {"county": self.counties, "township": self.townships, "village": self.villages,
                "unit": self.units, "enterprise": self.enterprises}[kind]

    def expected_obligations(self, rules, calendar) -> int:
        """What a first plan must create: periods x subjects, for every planned kind of the rules."""
        total = 0
        for kind, rule in rules.kinds.items():
            periods, _ = periods_for(kind, rules=rules, calendar=calendar, year=YEAR)
            for spec in rule.owners:
                subjects = self.townships if spec.per == "township" else sum(self.count(k.value) for k in spec.org_kinds)
                total += len(periods) * subjects
        return total


def _spread(n: int, buckets: int) -> Iterator[int]:
    """Bucket index for each of n items, spread as evenly as possible."""
    for i in range(n):
        yield i * buckets // n


def province_rows(shape: Shape, now: datetime, rng: random.Random) -> Iterator[tuple]:
    """Every organisation row, parents before children, ids 1..N assigned here."""
    next_id = itertools.count(1)
    county_ids = []
    for c in range(shape.counties):
        oid = next(next_id)
        county_ids.append(oid)
        yield (oid, f"P{c:03d}", f"县{c:03d}", "county", None, None, None, None, False, now, now)
    township_ids, township_codes = [], []
    for t, c in enumerate(_spread(shape.townships, shape.counties)):
        oid = next(next_id)
        code = f"P{c:03d}T{t:05d}"
        township_ids.append(oid)
        township_codes.append(code)
        yield (oid, code, f"乡镇{t:05d}", "township", county_ids[c], oid, None, None, False, now, now)
    village_ids, village_township = [], []
    for v, t in enumerate(_spread(shape.villages, shape.townships)):
        oid = next(next_id)
        village_ids.append(oid)
        village_township.append(t)
        yield (oid, f"{township_codes[t]}V{v:06d}", f"村{v:06d}", "village", township_ids[t], township_ids[t],
               None, None, False, now, now)
    for u, t in enumerate(_spread(shape.units, shape.townships)):
        oid = next(next_id)
        yield (oid, f"{township_codes[t]}U{u:05d}", f"单位{u:05d}", "unit", township_ids[t], township_ids[t],
               None, None, False, now, now)
    yield from enterprise_rows(shape.enterprises, next_id, township_ids, township_codes, village_ids,
                               village_township, now, rng, prefix="E")


def enterprise_rows(n, next_id, township_ids, township_codes, village_ids, village_township, now, rng,
                    prefix="E") -> Iterator[tuple]:
    for e in range(n):
        oid = next(next_id)
        # About a third of enterprises hang under a village, the rest under the township.
        if village_ids and rng.random() < 0.35:
            v = rng.randrange(len(village_ids))
            t = village_township[v]
            parent = village_ids[v]
        else:
            t = rng.randrange(len(township_ids))
            parent = township_ids[t]
        sector = SECTORS[rng.randrange(len(SECTORS))]
        employees = rng.randint(1, 800) if rng.random() < 0.05 else rng.randint(1, 120)
        dangerous = sector in ("fireworks", "hazardous_chemicals") or rng.random() < 0.03
        yield (oid, f"{township_codes[t]}{prefix}{e:07d}", f"企业{prefix}{e:07d}", "enterprise", parent,
               township_ids[t], sector, employees, dangerous, now, now)


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    while True:
        chunk = list(itertools.islice(rows, size))
        if not chunk:
            return
        yield chunk


def load_rows(engine, rows: Iterator[tuple]) -> int:
    """Bulk-insert organisation rows: COPY on PostgreSQL, executemany batches on SQLite."""
    n = 0
    cols = ", ".join(ORG_COLUMNS)
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            pg = raw.driver_connection
            with pg.cursor() as cur:
                with cur.copy(f"COPY organisation ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
                cur.execute("SELECT setval(pg_get_serial_sequence('organisation', 'id'), "
                            "(SELECT max(id) FROM organisation))")
            pg.commit()
        finally:
            raw.close()
        return n
    # SQLite: store timestamps the way SQLAlchemy's DateTime does (naive UTC text).
    def fmt(dt: datetime) -> str:
        return dt.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        sql = f"INSERT INTO organisation ({cols}) VALUES ({', '.join('?' * len(ORG_COLUMNS))})"
        for chunk in _batches(rows, BATCH):
            cur.executemany(sql, [r[:9] + (fmt(r[9]), fmt(r[10])) for r in chunk])
            n += len(chunk)
        raw.commit()
        cur.close()
    finally:
        raw.close()
    return n


# ---------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------

@contextmanager
def fresh_database(backend: str, tmp: Path):
    """Yields (settings, engine) on an empty, migrated database; cleans up after."""
    if backend == "sqlite":
        settings = load_settings(data_dir=tmp, database_url="")
        engine = make_engine(settings)
        try:
            upgrade(engine)
            yield settings, engine
        finally:
            engine.dispose()
        return
    admin_url = os.environ.get("ANQUAN_TEST_POSTGRES_URL", DEFAULT_PG_URL)
    admin_settings = load_settings(database_url=admin_url, data_dir=tmp)
    admin = create_engine(admin_settings.effective_database_url, isolation_level="AUTOCOMMIT")
    name = f"anquan_bench_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = None
    try:
        db_url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        settings = load_settings(database_url=db_url, data_dir=tmp)
        engine = make_engine(settings)
        upgrade(engine)
        yield settings, engine
    finally:
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def analyze(engine, what: str) -> None:
    """'organisation': what autovacuum does after a large import (the default);
    'all': also the still-empty plan_stamp/obligation tables, as a DBA's ANALYZE or
    `vacuumdb --analyze` would; 'none': planner statistics untouched."""
    if what == "none":
        return
    sql = "ANALYZE organisation" if what == "organisation" else "ANALYZE"
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(sql))
        else:
            conn.execute(text(sql))
            conn.commit()


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------

def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RssSampler:
    """Samples this process's current RSS every few ms; reports the peak above the start."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_bytes())
            self._stop.wait(self.interval)

    def __enter__(self):
        self.start = self.peak = _rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.start


class StatementTimer:
    """Times every statement sent through the engine (SQLAlchemy cursor events).

    Each record keeps the statement's first words and its string parameters,
    so statements can be named whatever shape plan_year gives them.
    """

    def __init__(self, engine):
        self.engine = engine
        self.records: list[tuple[str, list[str], float, int]] = []
        self._t0 = 0.0

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        elapsed = time.perf_counter() - self._t0
        first = " ".join(statement.split()[:3])
        values = [] if executemany else (parameters.values() if isinstance(parameters, dict) else parameters or ())
        self.records.append((first, [v for v in values if isinstance(v, str)], elapsed, cursor.rowcount))

    def __enter__(self):
        self.records.clear()
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


PERIOD = re.compile(r"^\d{4}(-[A-Za-z0-9_]+)?$")
ORG_KINDS = {k.value for k in OrgKind}


def _name(first: str, strings: list[str], kinds) -> str:
    """A readable name for a statement plan_year sent, from its SQL and string parameters."""
    words = first.split()
    verb = words[0].lower() if words else "?"
    # INSERT INTO <table> ... / UPDATE <table> SET ...
    table = (words[2] if verb == "insert" and len(words) > 2 else words[1] if len(words) > 1 else "").strip('"')
    if verb == "select" and "count" in first.lower():
        return "count organisations"
    if table not in {"obligation", "plan_stamp"} or verb not in {"insert", "update"}:
        return first
    if table == "plan_stamp":
        return "insert plan_stamp"
    ks = list(dict.fromkeys(v for v in strings if v in kinds))
    periods = list(dict.fromkeys(v for v in strings if PERIOD.match(v)))
    owners = list(dict.fromkeys(v for v in strings if v in ORG_KINDS))
    what = ",".join(ks) or "?"
    if len(periods) == 1:
        what += f" {periods[0]}"
    elif periods:
        what += f" {periods[0]}..{periods[-1]} ({len(periods)} periods)"
    if owners:
        what += f" [{'+'.join(owners)}]"
    return f"insert {table}: {what}" if verb == "insert" else f"update provisional {table}: {what}"


def label_statements(records, kinds) -> list[dict]:
    return [{"statement": _name(first, strings, kinds), "seconds": round(secs, 4), "rows": rows}
            for first, strings, secs, rows in records]


def code_fingerprint() -> dict:
    """Which planning code and schema were measured (they change while this benchmark is used)."""
    h = hashlib.sha256()
    files = [ROOT / "anquan" / "cycle" / "planning.py", ROOT / "anquan" / "cycle" / "bulkplan.py", ROOT / "models" / "obligations.py", *sorted((ROOT / "migrations" / "versions").glob("*.py"))]
    for f in files:
        h.update(f.read_bytes())
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        head = None
    return {"git_head": head, "planning_and_schema_sha256": h.hexdigest()[:12]}


def timed_plan(engine, settings, *, measure_memory: bool, rules, calendar) -> dict:
    gc.collect()
    timer = StatementTimer(engine)
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if measure_memory:
        tracemalloc.start()
    with RssSampler() as rss, timer:
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            report = plan_year(session=session, rules=rules, calendar=calendar, year=YEAR)
            t_statements = time.perf_counter() - t0
        seconds = time.perf_counter() - t0
    result = {
        "created": report.total_created,
        "created_by_kind": report.created,
        "organisations_planned": report.organisations_planned,
        "organisations_skipped": report.organisations_skipped,
        "warnings": report.warnings,
        "seconds": round(seconds, 3),
        "commit_seconds": round(seconds - t_statements, 3),
        "rows_per_second": round(report.total_created / seconds) if seconds else None,
        "statements": label_statements(timer.records, set(rules.kinds)),
    }
    if measure_memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result["tracemalloc_peak_mib"] = round(peak / 2**20, 2)
        result["rss_peak_growth_mib"] = round(rss.growth / 2**20, 2)
        maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        result["ru_maxrss_growth_mib"] = round((maxrss_after - maxrss_before) / 2**20, 2)
        result["rss_before_mib"] = round(rss.start / 2**20, 1)
    return result


def add_enterprises(engine, n: int, now: datetime) -> None:
    """Add n enterprises the way an import would add them: new rows, new ids."""
    with engine.connect() as conn:
        org = Organisation.__table__
        max_id = conn.execute(select(func.max(org.c.id))).scalar_one()
        towns = conn.execute(
            select(org.c.id, org.c.code).where(org.c.kind == "township").order_by(org.c.id).limit(n)
        ).all()
    rng = random.Random(SEED + 1)
    rows = enterprise_rows(n, itertools.count(max_id + 1), [t.id for t in towns], [t.code for t in towns],
                           [], [], now, rng, prefix="N")
    load_rows(engine, rows)


def run_one(backend: str, scale: float, *, analyze_what: str = "organisation") -> dict:
    shape = Shape.at(scale)
    out: dict = {"backend": backend, "scale": scale, "analyze": analyze_what, "code": code_fingerprint(),
                 "shape": shape.__dict__,
                 }
    with tempfile.TemporaryDirectory(prefix="anquan-bench-") as tmp, fresh_database(backend, Path(tmp)) as (settings, engine):
        rules = load_rules(settings.cycle_file)
        calendar = WorkCalendar(settings.holidays_dir)
        calendar.year(YEAR), calendar.year(YEAR + 1)  # warm the calendar cache outside the timings
        out["expected_obligations"] = shape.expected_obligations(rules, calendar)
        now = datetime.now(timezone.utc)

        t0 = time.perf_counter()
        n = load_rows(engine, province_rows(shape, now, random.Random(SEED)))
        out["load_organisations"] = n
        out["load_seconds"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        analyze(engine, analyze_what)
        out["analyze_seconds"] = round(time.perf_counter() - t0, 2)

        out["plan"] = timed_plan(engine, settings, measure_memory=True, rules=rules, calendar=calendar)
        out["replan_nothing"] = timed_plan(engine, settings, measure_memory=False, rules=rules, calendar=calendar)
        add_enterprises(engine, NEW_ENTERPRISES, now)
        out["replan_new"] = timed_plan(engine, settings, measure_memory=False, rules=rules, calendar=calendar)
        with engine.connect() as conn:
            out["obligations_total"] = conn.execute(select(func.count()).select_from(Obligation.__table__)).scalar_one()
        if backend == "postgresql":
            with engine.connect() as conn:
                out["obligation_table_mib"] = round(conn.execute(
                    text("SELECT pg_total_relation_size('obligation')")).scalar_one() / 2**20, 1)
        else:
            db = Path(tmp) / "anquan.db"
            out["database_file_mib"] = round(db.stat().st_size / 2**20, 1)
    out["checks"] = {
        "plan_created_expected": out["plan"]["created"] == out["expected_obligations"],
        "replan_created_zero": out["replan_nothing"]["created"] == 0,
        "replan_new_created_600": out["replan_new"]["created"] == 12 * NEW_ENTERPRISES,
    }
    return out


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def _ok(flag: bool) -> str:
    return "ok" if flag else "MISSED"


def print_table(results: list[dict], *, profile: bool) -> None:
    print()
    hdr = f"{'backend':<11}{'scale':>6}{'orgs':>9}{'load s':>8}{'created':>10}{'plan s':>8}{'rows/s':>9}" \
          f"{'commit s':>9}{'replan0 s':>10}{'+50 ent':>8}{'+50 s':>7}{'tracemalloc':>12}{'RSS grow':>9}{'maxrss gr':>10}"
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        p, r0, rn = r["plan"], r["replan_nothing"], r["replan_new"]
        print(f"{r['backend']:<11}{r['scale']:>6}{r['load_organisations']:>9}{r['load_seconds']:>8.1f}"
              f"{p['created']:>10}{p['seconds']:>8.1f}{p['rows_per_second']:>9}{p['commit_seconds']:>9.2f}"
              f"{r0['seconds']:>10.2f}{rn['created']:>8}{rn['seconds']:>7.2f}"
              f"{p['tracemalloc_peak_mib']:>10.2f}Mi{p['rss_peak_growth_mib']:>7.1f}Mi{p['ru_maxrss_growth_mib']:>8.1f}Mi")
    print()
    for r in results:
        print(f"{r['backend']} x{r['scale']}: code measured: git {r['code']['git_head']}, "
              f"planning.py+schema sha256 {r['code']['planning_and_schema_sha256']}")
    for r in results:
        c = r["checks"]
        line = (f"{r['backend']} x{r['scale']}: plan created expected {r['expected_obligations']}: "
                f"{_ok(c['plan_created_expected'])}; re-plan created 0: {_ok(c['replan_created_zero'])}; "
                f"+{NEW_ENTERPRISES} enterprises created {12 * NEW_ENTERPRISES}: {_ok(c['replan_new_created_600'])}")
        if r["scale"] >= 1.0:
            line += (f"; plan < {TARGET_PLAN_S:.0f}s: {_ok(r['plan']['seconds'] < TARGET_PLAN_S)}"
                     f"; re-plan < {TARGET_REPLAN_S:.0f}s: {_ok(r['replan_nothing']['seconds'] < TARGET_REPLAN_S)}")
        print(line)
        if r["plan"]["warnings"]:
            print("   warnings:", "; ".join(r["plan"]["warnings"]))
    by_backend: dict[str, list[dict]] = {}
    for r in results:
        by_backend.setdefault(r["backend"], []).append(r)
    for backend, rs in by_backend.items():
        if len(rs) > 1:
            rs = sorted(rs, key=lambda r: r["scale"])
            peaks = ", ".join(f"x{r['scale']} ({r['shape']['enterprises']} ent): tracemalloc "
                              f"{r['plan']['tracemalloc_peak_mib']} MiB, RSS +{r['plan']['rss_peak_growth_mib']} MiB"
                              for r in rs)
            print(f"memory flat check, {backend}: {peaks}")
    if profile:
        for r in results:
            for phase in ("plan", "replan_nothing", "replan_new"):
                stmts = r[phase]["statements"]
                total = sum(s["seconds"] for s in stmts)
                print(f"\n{r['backend']} x{r['scale']} {phase}: {len(stmts)} statements, {total:.2f} s in SQL, "
                      f"commit {r[phase]['commit_seconds']:.2f} s")
                for s in sorted(stmts, key=lambda s: -s["seconds"])[:12]:
                    print(f"  {s['seconds']:>9.3f} s {s['rows']:>9} rows  {s['statement']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    ap.add_argument("--flat-check", action="store_true",
                    help="run at scale 0.1 and at --scale, each in its own subprocess, and compare memory")
    ap.add_argument("--profile", action="store_true", help="print the slowest SQL statements of each phase")
    ap.add_argument("--analyze", choices=["organisation", "all", "none"], default="organisation",
                    help="planner statistics before planning: 'organisation' (default) is what autovacuum does "
                         "after a large import; 'all' also analyzes the still-empty plan_stamp table")
    args = ap.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]

    results = []
    if args.flat_check:
        scales = sorted({0.1, args.scale})
        for backend in backends:
            for scale in scales:
                with tempfile.NamedTemporaryFile(suffix=".json") as f:
                    cmd = [sys.executable, __file__, "--backend", backend, "--scale", str(scale), "--json", f.name]
                    cmd += ["--analyze", args.analyze]
                    print(f"running {backend} at scale {scale} in a subprocess ...", flush=True)
                    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                    results.extend(json.loads(Path(f.name).read_text()))
    else:
        for backend in backends:
            print(f"running {backend} at scale {args.scale} ...", flush=True)
            results.append(run_one(backend, args.scale, analyze_what=args.analyze))

    print_table(results, profile=args.profile)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark: the daily tick over a whole province.

Builds the synthetic province of benchmarks/plan_province.py (120 counties,
1,200 townships, 14,000 villages, 2,400 units, 200,000 enterprises at --scale 1)
straight into a fresh database, this time with contacts, bulk inserted (COPY on
PostgreSQL, executemany on SQLite; not the CSV import):

* every enterprise a principal, 80 % of them also a safety manager;
* every township a head, a deputy head for safety and two safety-office staff;
* every county one or two county-office contacts;
* every village a safety officer and every unit a head (so nothing falls back).

It plans 2026 with ``anquan.cycle.planning.plan_year``, then times
``anquan.cycle.tick.tick`` inside ``anquan.models.db.session_scope`` (commit included) on:

1. quiet days: 2026-01-01 (the first tick) and 2026-01-02, after checking that
   no open obligation has an action due on or before the day (target < 1 s);
2. 2026-01-26, five days before 31 January, when every enterprise is reminded
   of its monthly risk analysis: notices/s, messages/s, seconds, peak memory;
3. 2026-01-27, a quiet day with the month end's notices and outbox in place,
   and a second tick of 2026-01-26, which must find nothing.

Memory of the month-end tick: peak RSS growth (sampled every 5 ms) and
ru_maxrss of the timed run; the tracemalloc peak comes from a replay of the
same tick with tracemalloc on, after the timed run and rolled back (its notices
and mail removed and the obligations' next action restored first, inside the
same transaction). tracemalloc slows this allocation-heavy tick about five
times; --tracemalloc same measures it in the timed run instead, off skips it.

    .venv/bin/python benchmarks/tick_province.py [--backend sqlite|postgresql|both]
        [--scale 1.0] [--tracemalloc after|same|off] [--profile] [--json OUT]

With --backend both each backend runs in its own subprocess, so ru_maxrss is
its own. PostgreSQL: ANQUAN_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres); the benchmark creates a
database anquan_bench_<hex> of its own and drops it at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, event, func, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from anquan.cycle.planning import plan_year  # noqa: E402
from anquan.rules.cycle import load_rules  # noqa: E402
from anquan.cycle.tick import tick  # noqa: E402
from anquan.rules.workcalendar import WorkCalendar  # noqa: E402
from benchmarks.plan_province import (  # noqa: E402
    SEED, RssSampler, Shape, fresh_database, load_rows, province_rows,
)
from anquan.models.db import session_scope  # noqa: E402
from anquan.models.obligations import Obligation  # noqa: E402
from anquan.models.outbox import Notice, OutboxMessage  # noqa: E402

YEAR = 2026
MAIL_FROM = "省应急管理厅安全生产管理系统 <anquan@yjt.example.gov.cn>"
QUIET_DAYS = (date(2026, 1, 1), date(2026, 1, 2))
MONTH_END = date(2026, 1, 26)
AFTER = date(2026, 1, 27)
SAFETY_MANAGER_SHARE = 0.8
TARGET_QUIET_S = 1.0
BATCH = 20_000

CONTACT_COLUMNS = ("org_id", "name", "role", "email", "phone", "active", "created_at", "updated_at")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文"


# ---------------------------------------------------------------------------
# The province, with contacts
# ---------------------------------------------------------------------------

def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def contact_rows(orgs: list[tuple[int, str]], now: datetime, rng: random.Random) -> Iterator[tuple]:
    """Contacts for (org id, kind) pairs; every address distinct."""
    def row(oid, role, tag):
        return (oid, _name(rng), role, f"{tag}.{oid}@{role.replace('_', '-')}.example.cn",
                f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}", True, now, now)

    for oid, kind in orgs:
        if kind == "county":
            for i in range(rng.choice((1, 2))):
                yield row(oid, "county_office", f"o{i}")
        elif kind == "township":
            yield row(oid, "township_head", "h")
            yield row(oid, "deputy_head_safety", "d")
            yield row(oid, "safety_office", "s0")
            yield row(oid, "safety_office", "s1")
        elif kind == "village":
            yield row(oid, "village_safety_officer", "v")
        elif kind == "unit":
            yield row(oid, "unit_head", "u")
        elif kind == "enterprise":
            yield row(oid, "enterprise_principal", "p")
            if rng.random() < SAFETY_MANAGER_SHARE:
                yield row(oid, "enterprise_safety_manager", "m")


class _Counter(dict):
    def add(self, key):
        self[key] = self.get(key, 0) + 1


def copy_contacts(engine, rows: Iterator[tuple]) -> _Counter:
    """Bulk-insert contacts (COPY on PostgreSQL, executemany on SQLite); counts by role."""
    counts = _Counter()

    def counted():
        for r in rows:
            counts.add(r[2])
            yield r

    cols = ", ".join(CONTACT_COLUMNS)
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            pg = raw.driver_connection
            with pg.cursor() as cur:
                with cur.copy(f"COPY contact ({cols}) FROM STDIN") as copy:
                    for r in counted():
                        copy.write_row(r)
            pg.commit()
        finally:
            raw.close()
        return counts

    def fmt(dt: datetime) -> str:
        return dt.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        sql = f"INSERT INTO contact ({cols}) VALUES ({', '.join('?' * len(CONTACT_COLUMNS))})"
        it = counted()
        while chunk := list(itertools.islice(it, BATCH)):
            cur.executemany(sql, [r[:6] + (fmt(r[6]), fmt(r[7])) for r in chunk])
        raw.commit()
        cur.close()
    finally:
        raw.close()
    return counts


def build_province(engine, shape: Shape) -> dict:
    now = datetime.now(timezone.utc)
    orgs: list[tuple[int, str]] = []

    def remembered():
        for r in province_rows(shape, now, random.Random(SEED)):
            orgs.append((r[0], r[3]))
            yield r

    t0 = time.perf_counter()
    n_orgs = load_rows(engine, remembered())
    t1 = time.perf_counter()
    roles = copy_contacts(engine, contact_rows(orgs, now, random.Random(SEED + 7)))
    t2 = time.perf_counter()
    return {"organisations": n_orgs, "contacts": sum(roles.values()), "contacts_by_role": dict(roles),
            "load_organisations_seconds": round(t1 - t0, 2), "load_contacts_seconds": round(t2 - t1, 2)}


def analyze(engine, tables: list[str] | None = None) -> None:
    """ANALYZE the given tables (all when None). Before planning only the loaded directory
    is analysed: an ANALYZE of the still-empty plan_stamp makes PostgreSQL plan the stamp
    INSERT of plan_year as a nested-loop anti-join over plan_stamp itself, quadratic
    (see benchmarks/README.md)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        for sql in ([f"ANALYZE {t}" for t in tables] if tables else ["ANALYZE"]):
            conn.execute(text(sql))
        if engine.dialect.name != "postgresql":
            conn.commit()


# ---------------------------------------------------------------------------
# Measuring a tick
# ---------------------------------------------------------------------------

class SqlTimer:
    """Seconds spent executing SQL through the engine, by statement (first words)."""

    def __init__(self, engine):
        self.engine = engine
        self.by: dict[str, list[float]] = {}
        self._t0 = 0.0

    @staticmethod
    def label(statement: str) -> str:
        words = statement.split()
        head = words[0].upper() if words else "?"
        if head == "SELECT":
            frm = next((words[i + 1] for i, w in enumerate(words) if w.upper() == "FROM" and i + 1 < len(words)), "?")
            return f"SELECT FROM {frm}"
        if head == "INSERT":
            return f"INSERT INTO {words[2] if len(words) > 2 else '?'}"
        if head == "UPDATE":
            return f"UPDATE {words[1] if len(words) > 1 else '?'}"
        return head

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.by.setdefault(self.label(statement), []).append(time.perf_counter() - self._t0)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def summary(self) -> dict:
        return {k: {"count": len(v), "seconds": round(sum(v), 3)}
                for k, v in sorted(self.by.items(), key=lambda kv: -sum(kv[1]))}


def due_count(engine, day: date) -> int:
    ob = Obligation.__table__
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ob).where(
            ob.c.next_action_on <= day, ob.c.status == "open")).scalar_one()


def maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def timed_tick(engine, settings, rules, day: date, *, trace: bool = False, profile: bool = False) -> dict:
    """One tick inside session_scope (commit included)."""
    gc.collect()
    before = maxrss()
    profiler = cProfile.Profile() if profile else None
    if trace:
        tracemalloc.start()
    with RssSampler() as rss, SqlTimer(engine) as sql:
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        with session_scope(engine) as session:
            report = tick(session=session, rules=rules, as_of=day, mail_from=MAIL_FROM, tz=settings.tz)
            t_work = time.perf_counter() - t0
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - t0
    out = {
        "date": day.isoformat(),
        "seconds": round(seconds, 3),
        "commit_seconds": round(seconds - t_work, 3),
        "obligations_actioned": report.obligations_actioned,
        "notices": report.notices,
        "stages_skipped": report.stages_skipped,
        "messages": report.messages,
        "gaps": len(report.gaps),
        "stages": _stage_totals(report.by_township_stage),
        "notices_per_second": round(report.notices / seconds, 1) if seconds else None,
        "messages_per_second": round(report.messages / seconds, 1) if seconds else None,
        "rss_peak_growth_mib": round(rss.growth / 2**20, 1),
        "rss_before_mib": round(rss.start / 2**20, 1),
        "ru_maxrss_mib": round(maxrss() / 2**20, 1),
        "ru_maxrss_growth_mib": round((maxrss() - before) / 2**20, 1),
        "sql": sql.summary(),
    }
    out["sql_seconds"] = round(sum(v["seconds"] for v in out["sql"].values()), 3)
    if trace:
        out["tracemalloc_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    if profiler:
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(35)
        out["profile"] = buf.getvalue()
    return out


def snapshot_due(engine, day: date) -> int:
    """Keep (id, next_action_on) of the obligations due on `day`, so the tick can be replayed later."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_due"))
        conn.execute(text("CREATE TABLE bench_due (id INTEGER PRIMARY KEY, next_action_on DATE NOT NULL)"))
        conn.execute(text("INSERT INTO bench_due (id, next_action_on) SELECT id, next_action_on FROM obligation "
                          "WHERE next_action_on <= :d AND status = 'open'"), {"d": day})
        return conn.execute(text("SELECT count(*) FROM bench_due")).scalar_one()


def replay_with_tracemalloc(engine, settings, rules, day: date) -> dict:
    """The tick of `day` again with tracemalloc on, after putting back the state it started from
    (its notices and mail removed, the obligations' next action restored), all rolled back.
    Run after the timed tick, so the timed tick ran on a clean database; this gives the
    Python allocation peak, not a timing (tracemalloc slows the tick several times)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            conn = session.connection()
            conn.execute(text("UPDATE obligation SET next_action_on = "
                              "(SELECT b.next_action_on FROM bench_due b WHERE b.id = obligation.id) "
                              "WHERE id IN (SELECT id FROM bench_due)"))
            conn.execute(delete(OutboxMessage).where(OutboxMessage.tick_date == day))
            conn.execute(delete(Notice).where(Notice.tick_date == day))
            gc.collect()
            tracemalloc.start()
            t0 = time.perf_counter()
            report = tick(session=session, rules=rules, as_of=day, mail_from=MAIL_FROM, tz=settings.tz)
            seconds = time.perf_counter() - t0
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        finally:
            if tracemalloc.is_tracing():
                tracemalloc.stop()
            session.rollback()
    return {"tracemalloc_peak_mib": round(peak / 2**20, 1), "seconds_with_tracemalloc": round(seconds, 1),
            "messages": report.messages, "notices": report.notices}


def _stage_totals(by_ts: dict[str, dict[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for stages in by_ts.values():
        for k, v in stages.items():
            totals[k] = totals.get(k, 0) + v
    return totals


def table_sizes(engine) -> dict:
    out = {}
    with engine.connect() as conn:
        for t in ("obligation", "notice", "outbox", "contact", "organisation"):
            out[f"{t}_rows"] = conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
        if engine.dialect.name == "postgresql":
            for t in ("notice", "outbox"):
                out[f"{t}_mib"] = round(conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar_one() / 2**20, 1)
    return out


def run_one(backend: str, scale: float, *, trace_mode: str, profile: bool) -> dict:
    shape = Shape.at(scale)
    out: dict = {"backend": backend, "scale": scale, "shape": shape.__dict__}
    with tempfile.TemporaryDirectory(prefix="anquan-bench-") as tmp, fresh_database(backend, Path(tmp)) as (settings, engine):
        rules = load_rules(settings.cycle_file)
        calendar = WorkCalendar(settings.holidays_dir)
        calendar.year(YEAR), calendar.year(YEAR + 1)
        print(f"  [{backend} x{scale}] loading the province ...", flush=True)
        out["province"] = build_province(engine, shape)
        analyze(engine, ["organisation", "contact"])

        print(f"  [{backend} x{scale}] planning {YEAR} ...", flush=True)
        t0 = time.perf_counter()
        with session_scope(engine) as session:
            plan = plan_year(session=session, rules=rules, calendar=calendar, year=YEAR)
        out["plan"] = {"created": plan.total_created, "seconds": round(time.perf_counter() - t0, 2)}
        analyze(engine)
        ob = Obligation.__table__
        with engine.connect() as conn:
            out["first_actions"] = {d.isoformat(): n for d, n in conn.execute(
                select(ob.c.next_action_on, func.count()).where(ob.c.next_action_on <= AFTER)
                .group_by(ob.c.next_action_on).order_by(ob.c.next_action_on)).all()}

        out["quiet"] = []
        for day in QUIET_DAYS:
            due = due_count(engine, day)
            r = timed_tick(engine, settings, rules, day)
            r["due_before"] = due
            r["quiet"] = due == 0 and r["obligations_actioned"] == 0 and r["messages"] == 0
            out["quiet"].append(r)
            print(f"  [{backend} x{scale}] quiet {day}: {r['seconds']:.3f} s (due before: {due})", flush=True)

        out["month_end_due"] = snapshot_due(engine, MONTH_END)
        print(f"  [{backend} x{scale}] {MONTH_END}: the timed tick ...", flush=True)
        me = timed_tick(engine, settings, rules, MONTH_END, trace=trace_mode == "same", profile=profile)
        out["month_end"] = me
        print(f"  [{backend} x{scale}] {MONTH_END}: {me['seconds']:.1f} s, {me['notices']} notices, "
              f"{me['messages']} messages", flush=True)

        again = timed_tick(engine, settings, rules, MONTH_END)
        out["month_end_again"] = {k: again[k] for k in ("seconds", "obligations_actioned", "notices", "messages")}
        due_after = due_count(engine, AFTER)
        r = timed_tick(engine, settings, rules, AFTER)
        r["due_before"] = due_after
        r["quiet"] = due_after == 0 and r["obligations_actioned"] == 0 and r["messages"] == 0
        out["quiet_after_month_end"] = r
        print(f"  [{backend} x{scale}] quiet {AFTER}: {r['seconds']:.3f} s (due before: {due_after})", flush=True)
        out["tables"] = table_sizes(engine)
        if trace_mode == "after":
            print(f"  [{backend} x{scale}] {MONTH_END} replayed with tracemalloc (rolled back) ...", flush=True)
            out["month_end_tracemalloc"] = replay_with_tracemalloc(engine, settings, rules, MONTH_END)
            me["tracemalloc_peak_mib"] = out["month_end_tracemalloc"]["tracemalloc_peak_mib"]

    roles = out["province"]["contacts_by_role"]
    expected_notices = roles.get("enterprise_principal", 0) + roles.get("enterprise_safety_manager", 0)
    out["expected_month_end_notices"] = expected_notices
    out["checks"] = {
        "quiet_days_quiet": all(q["quiet"] for q in out["quiet"]) and out["quiet_after_month_end"]["quiet"],
        "month_end_every_enterprise": me["obligations_actioned"] == shape.enterprises,
        "month_end_notices_expected": me["notices"] == expected_notices and me["messages"] == expected_notices,
        "month_end_only_risk_reminders": set(me["stages"]) == {"reminder"} and me["gaps"] == 0,
        "second_tick_nothing": out["month_end_again"]["messages"] == 0 and out["month_end_again"]["notices"] == 0,
        "replay_same_messages": out.get("month_end_tracemalloc", {}).get("messages", me["messages"]) == me["messages"],
        "quiet_under_1s": all(q["seconds"] < TARGET_QUIET_S for q in out["quiet"] + [out["quiet_after_month_end"]]),
    }
    return out


# ---------------------------------------------------------------------------

def print_results(results: list[dict], *, profile: bool) -> None:
    print()
    hdr = (f"{'backend':<11}{'scale':>6}{'ents':>8}{'contacts':>9}{'plan s':>8}{'quiet s (01-01/01-02/01-27)':>30}"
           f"{'notices':>9}{'msgs':>8}{'tick s':>8}{'notice/s':>9}{'msg/s':>7}{'tracemal':>10}{'RSS+':>8}{'maxrss':>8}")
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        me = r["month_end"]
        q = "/".join(f"{x['seconds']:.3f}" for x in r["quiet"] + [r["quiet_after_month_end"]])
        print(f"{r['backend']:<11}{r['scale']:>6}{r['shape']['enterprises']:>8}{r['province']['contacts']:>9}"
              f"{r['plan']['seconds']:>8.1f}{q:>30}{me['notices']:>9}{me['messages']:>8}{me['seconds']:>8.1f}"
              f"{me['notices_per_second']:>9.0f}{me['messages_per_second']:>7.0f}"
              f"{me.get('tracemalloc_peak_mib', float('nan')):>8.1f}Mi{me['rss_peak_growth_mib']:>6.0f}Mi"
              f"{me['ru_maxrss_mib']:>6.0f}Mi")
    print()
    for r in results:
        me = r["month_end"]
        print(f"{r['backend']} x{r['scale']}: checks " + ", ".join(f"{k}: {'ok' if v else 'MISSED'}"
                                                             for k, v in r["checks"].items()))
        print(f"   month end: {me['obligations_actioned']} obligations actioned, commit {me['commit_seconds']:.1f} s, "
              f"{me['sql_seconds']:.1f} s in SQL statements: "
              + ", ".join(f"{k} {v['seconds']:.1f} s/{v['count']}" for k, v in list(me["sql"].items())[:6]))
        print(f"   second tick of {MONTH_END}: {r['month_end_again']['seconds']:.3f} s, "
              f"{r['month_end_again']['messages']} messages; tables: {r['tables']}")
        if "month_end_tracemalloc" in r:
            t = r["month_end_tracemalloc"]
            print(f"   tracemalloc replay (rolled back): peak {t['tracemalloc_peak_mib']} MiB, "
                  f"{t['seconds_with_tracemalloc']} s with tracemalloc on")
        if profile and "profile" in me:
            print(me["profile"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--tracemalloc", choices=["after", "same", "off"], default="after",
                    help="after: a rolled-back replay of the month end after the timed run measures it "
                         "(default); same: in the timed run (slows it several times); off")
    ap.add_argument("--profile", action="store_true", help="cProfile the month-end tick (slows it)")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    args = ap.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]

    results = []
    if len(backends) > 1:
        for backend in backends:  # a process each, so ru_maxrss is the backend's own
            with tempfile.NamedTemporaryFile(suffix=".json") as f:
                cmd = [sys.executable, __file__, "--backend", backend, "--scale", str(args.scale),
                       "--tracemalloc", args.tracemalloc, "--json", f.name] + (["--profile"] if args.profile else [])
                print(f"running {backend} at scale {args.scale} in a subprocess ...", flush=True)
                subprocess.run(cmd, check=True, stdout=sys.stderr)
                results.extend(json.loads(Path(f.name).read_text()))
    else:
        print(f"running {backends[0]} at scale {args.scale} ...", flush=True)
        results.append(run_one(backends[0], args.scale, trace_mode=args.tracemalloc, profile=args.profile))

    print_results(results, profile=args.profile)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0 if all(all(r["checks"].values()) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

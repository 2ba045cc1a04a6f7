#!/usr/bin/env python3
"""Benchmark: the console's year at a glance (anquan.console.yearview) on a large county and on the province.

Builds the synthetic directory of benchmarks/plan_province.py straight into a fresh database (COPY on
PostgreSQL, executemany on SQLite), plans 2026, then marks what fell due before 10 July as done: by the
obligation's id, six in ten on time, two in ten late, the rest left open (overdue). Then times, each
--repeat times (median and worst reported):

1. the whole matrix (every township × every duty kind), as a county account opens /console/year, read from the
   counts the database keeps (obligation_tally);
2. one township's row (a township office's account);
3. one cell's first page with its history: the biggest township's monthly risk analyses;
4. the same whole matrix counted from the obligations (what the view did before the kept counts; fewer runs),
   and checks that both matrices are equal and that the kept counts equal a recount.

Shapes: --shape county is one county of 20 townships, 200 villages, 40 units and 10,000 enterprises;
--shape province is plan_province.py's province at --scale (1.0: 1,200 townships, 200,000 enterprises).

    .venv/bin/python benchmarks/year_matrix.py --backend postgresql --shape county [--repeat 7] [--json OUT]
    .venv/bin/python benchmarks/year_matrix.py --backend postgresql --shape province --keep anquan_bench_province

--keep NAME (PostgreSQL): build into database NAME and keep it; a later run with the same NAME finds it built,
brings its schema up to date (`anquan db upgrade`: a new migration runs on the province's rows) and only times.
Drop it by hand afterwards (DROP DATABASE NAME).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import os
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.plan_province import (DEFAULT_PG_URL, SEED, YEAR, Shape, analyze, fresh_database, load_rows,  # noqa: E402
                                      province_rows)
from anquan.console import yearview  # noqa: E402
from anquan.cycle import tally  # noqa: E402
from anquan.models.obligations import ObligationTally  # noqa: E402
from anquan.cycle.planning import plan_year  # noqa: E402
from anquan.models.db import make_engine, session_scope, upgrade  # noqa: E402
from anquan.models.settings import load_settings  # noqa: E402
from anquan.models.directory import Organisation  # noqa: E402
from anquan.models.obligations import Obligation  # noqa: E402
from anquan.rules.cycle import load_rules  # noqa: E402
from anquan.rules.workcalendar import WorkCalendar  # noqa: E402

AS_OF = date(2026, 7, 10)
COUNTY = Shape(counties=1, townships=20, villages=200, units=40, enterprises=10_000)
TARGET_S = 1.0


def _timed(fn, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(times), 4), "max_s": round(max(times), 4), "runs": repeat}


def _mark_done(engine) -> None:
    """Six in ten of what fell due before AS_OF on time, two in ten late (five days after), by id."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE obligation SET status = 'submitted', submitted_on = due_on, next_action_on = NULL "
                          "WHERE due_on < :d AND id % 10 < 6"), {"d": AS_OF})
        conn.execute(text("UPDATE obligation SET status = 'late', submitted_on = due_on + 5, next_action_on = NULL "
                          "WHERE due_on < :d AND id % 10 IN (6, 7)") if engine.dialect.name == "postgresql" else
                     text("UPDATE obligation SET status = 'late', submitted_on = date(due_on, '+5 days'), "
                          "next_action_on = NULL WHERE due_on < :d AND id % 10 IN (6, 7)"), {"d": AS_OF})


@contextmanager
def kept_database(name: str, tmp: Path):
    """Yields (settings, engine, built) on PostgreSQL database `name`, created if missing, upgraded, never dropped."""
    admin_url = os.environ.get("ANQUAN_TEST_POSTGRES_URL", DEFAULT_PG_URL)
    admin = create_engine(load_settings(database_url=admin_url, data_dir=tmp).effective_database_url,
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is not None
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    settings = load_settings(database_url=make_url(admin_url).set(database=name).render_as_string(hide_password=False),
                             data_dir=tmp)
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            built = exists and conn.execute(text("SELECT to_regclass('obligation') IS NOT NULL")).scalar() and \
                conn.execute(text("SELECT EXISTS (SELECT 1 FROM obligation)")).scalar()
        t0 = time.perf_counter()
        upgrade(engine)
        yield settings, engine, built, time.perf_counter() - t0
    finally:
        engine.dispose()


def _build(engine, settings, shape: Shape, out: dict) -> None:
    rules = load_rules(settings.cycle_file)
    t0 = time.perf_counter()
    load_rows(engine, province_rows(shape, datetime.now(timezone.utc), random.Random(SEED)))
    analyze(engine, "organisation")
    t1 = time.perf_counter()
    with session_scope(engine) as s:
        plan_year(session=s, rules=rules, calendar=WorkCalendar(settings.holidays_dir), year=YEAR)
    out["plan_s"] = round(time.perf_counter() - t1, 1)
    t1 = time.perf_counter()
    _mark_done(engine)
    out["mark_done_s"] = round(time.perf_counter() - t1, 1)
    analyze(engine, "all")
    out["build_s"] = round(time.perf_counter() - t0, 1)


@contextmanager
def _database(backend: str, keep: str | None):
    with tempfile.TemporaryDirectory(prefix="anquan-bench-") as tmp:
        if keep:
            with kept_database(keep, Path(tmp)) as (settings, engine, built, upgrade_s):
                yield settings, engine, built, upgrade_s
        else:
            with fresh_database(backend, Path(tmp)) as (settings, engine):
                yield settings, engine, False, None


def run_one(backend: str, shape: Shape, repeat: int, keep: str | None = None) -> dict:
    out: dict = {"backend": backend, "shape": shape.__dict__, "as_of": AS_OF.isoformat(), "kept_database": keep}
    with _database(backend, keep) as (settings, engine, built, upgrade_s):
        rules = load_rules(settings.cycle_file)
        if built:
            out["upgrade_s"] = round(upgrade_s, 1)
        else:
            _build(engine, settings, shape, out)
        with session_scope(engine) as s:
            out["obligations"] = s.execute(select(func.count()).select_from(Obligation)).scalar_one()
            biggest = s.execute(select(Organisation.township_id, func.count()).where(Organisation.kind == "enterprise")
                                .group_by(Organisation.township_id).order_by(func.count().desc()).limit(1)).first()
        township_id, enterprises = biggest

        def whole():
            with session_scope(engine) as s:
                m = yearview.matrix(session=s, rules=rules, year=YEAR, today=AS_OF)
                assert len(m.townships) == shape.townships and m.totals

        def one_row():
            with session_scope(engine) as s:
                m = yearview.matrix(session=s, rules=rules, year=YEAR, today=AS_OF, only=township_id)
                assert len(m.townships) == 1

        def one_cell():
            with session_scope(engine) as s:
                v = yearview.cell(session=s, rules=rules, year=YEAR, today=AS_OF, township_id=township_id,
                                  kind="monthly_risk_analysis", tz=settings.tz)
                assert v.duties

        def recounted():
            with session_scope(engine) as s:
                return yearview.recounted_matrix(session=s, rules=rules, year=YEAR, today=AS_OF)

        out["matrix"] = _timed(whole, repeat)
        out["township_row"] = _timed(one_row, repeat)
        out["cell_page"] = _timed(one_cell, repeat)
        out["matrix_recounted"] = _timed(recounted, max(1, min(3, repeat)))
        out["cell_township_enterprises"] = enterprises
        with session_scope(engine) as s:
            kept = yearview.matrix(session=s, rules=rules, year=YEAR, today=AS_OF)
            out["tally_rows"] = s.execute(select(func.count()).select_from(ObligationTally)).scalar_one()
            exact = not tally.differences(s)
        counted = recounted()
    out["checks"] = {"matrix_under_1s_median": out["matrix"]["median_s"] < TARGET_S,
                     "matrix_equals_recount": (kept.cells, kept.totals) == (counted.cells, counted.totals),
                     "tally_equals_recount": exact}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="postgresql")
    p.add_argument("--shape", choices=["county", "province"], default="county")
    p.add_argument("--scale", type=float, default=1.0, help="the province's scale (--shape province)")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--json", type=Path)
    p.add_argument("--keep", metavar="NAME", help="PostgreSQL: build into database NAME once and keep it (see above)")
    args = p.parse_args(argv)
    if args.keep and args.backend != "postgresql":
        p.error("--keep is for --backend postgresql")
    shape = COUNTY if args.shape == "county" else Shape.at(args.scale)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [run_one(b, shape, args.repeat, args.keep) for b in backends]
    for r in results:
        sh = r["shape"]
        how = (f"built in {r['build_s']} s, plan {r['plan_s']} s, marking done {r['mark_done_s']} s" if "build_s" in r
               else f"kept database {r['kept_database']}, upgraded in {r['upgrade_s']} s")
        print(f"{r['backend']}: {sh['townships']} townships, {sh['enterprises']} enterprises, {r['obligations']} "
              f"obligations, {r['tally_rows']} kept counts ({how}); load average {os.getloadavg()[0]:.2f}")
        for key, label in (("matrix", "whole matrix (kept counts)"), ("township_row", "one township's row"),
                           ("cell_page", f"one cell, page 1 ({r['cell_township_enterprises']} enterprises)"),
                           ("matrix_recounted", "whole matrix counted from the obligations")):
            print(f"  {label:<44} median {r[key]['median_s']:.3f} s   worst {r[key]['max_s']:.3f} s   "
                  f"({r[key]['runs']} runs)")
        for check, ok in r["checks"].items():
            print(f"  {check.replace('_', ' ')}: {'yes' if ok else 'NO'}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0 if all(all(r["checks"].values()) for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

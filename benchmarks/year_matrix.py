#!/usr/bin/env python3
"""Benchmark: the console's year at a glance (anquan.console.yearview) on a large county and on the province.

Builds the synthetic directory of benchmarks/plan_province.py straight into a fresh database (COPY on
PostgreSQL, executemany on SQLite), plans 2026, then marks what fell due before 10 July as done: by the
obligation's id, six in ten on time, two in ten late, the rest left open (overdue). Then times, each
--repeat times (median and worst reported):

1. the whole matrix (every township × every duty kind), as a county account opens /console/year;
2. one township's row (a township office's account);
3. one cell's first page with its history: the biggest township's monthly risk analyses.

Shapes: --shape county is one county of 20 townships, 200 villages, 40 units and 10,000 enterprises;
--shape province is plan_province.py's province at --scale (1.0: 1,200 townships, 200,000 enterprises).

    .venv/bin/python benchmarks/year_matrix.py --backend postgresql --shape county [--repeat 7] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from benchmarks.plan_province import SEED, YEAR, Shape, analyze, fresh_database, load_rows, province_rows  # noqa: E402
from anquan.console import yearview  # noqa: E402
from anquan.cycle.planning import plan_year  # noqa: E402
from anquan.models.db import session_scope  # noqa: E402
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


def run_one(backend: str, shape: Shape, repeat: int) -> dict:
    out: dict = {"backend": backend, "shape": shape.__dict__, "as_of": AS_OF.isoformat()}
    with tempfile.TemporaryDirectory(prefix="anquan-bench-") as tmp, fresh_database(backend, Path(tmp)) as (settings, engine):
        rules = load_rules(settings.cycle_file)
        calendar = WorkCalendar(settings.holidays_dir)
        t0 = time.perf_counter()
        load_rows(engine, province_rows(shape, datetime.now(timezone.utc), random.Random(SEED)))
        analyze(engine, "organisation")
        with session_scope(engine) as s:
            plan_year(session=s, rules=rules, calendar=calendar, year=YEAR)
        _mark_done(engine)
        analyze(engine, "all")
        out["build_s"] = round(time.perf_counter() - t0, 1)
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

        out["matrix"] = _timed(whole, repeat)
        out["township_row"] = _timed(one_row, repeat)
        out["cell_page"] = _timed(one_cell, repeat)
        out["cell_township_enterprises"] = enterprises
    out["checks"] = {"matrix_under_1s_median": out["matrix"]["median_s"] < TARGET_S}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="postgresql")
    p.add_argument("--shape", choices=["county", "province"], default="county")
    p.add_argument("--scale", type=float, default=1.0, help="the province's scale (--shape province)")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    shape = COUNTY if args.shape == "county" else Shape.at(args.scale)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [run_one(b, shape, args.repeat) for b in backends]
    for r in results:
        sh = r["shape"]
        print(f"{r['backend']}: {sh['townships']} townships, {sh['enterprises']} enterprises, {r['obligations']} "
              f"obligations (built in {r['build_s']} s)")
        for key, label in (("matrix", "whole matrix"), ("township_row", "one township's row"),
                           ("cell_page", f"one cell, page 1 ({r['cell_township_enterprises']} enterprises)")):
            print(f"  {label:<44} median {r[key]['median_s']:.3f} s   worst {r[key]['max_s']:.3f} s   "
                  f"({r[key]['runs']} runs)")
        print(f"  matrix under {TARGET_S:.0f} s at the median: {'yes' if r['checks']['matrix_under_1s_median'] else 'NO'}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0 if all(all(r["checks"].values()) for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

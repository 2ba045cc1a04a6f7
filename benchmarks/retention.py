"""What retention saves: a simulated year's database before and after `anquan db prune` (SQLite file, PostgreSQL
outbox table).

Plays a year of the sample county (`anquan simulate`, on its own SQLite file), or takes one already played
(--sim DIR), then on a copy of it: row counts and sizes, the prune of every tick of that year (what the nightly
flow has done once the year is older than ANQUAN_RETENTION_DAYS), and the sizes again after VACUUM. With
--postgres it copies the same rows into a fresh PostgreSQL database and measures the outbox table there: after the
prune and a plain VACUUM (what autovacuum does: the space is reused, the files keep their size) and after
VACUUM FULL (the files shrink).

Run: .venv/bin/python benchmarks/retention.py [--year 2025] [--sim DIR] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlmodel import SQLModel

from anquan.app import App
from anquan.cycle import usecases as cycle
from anquan.models.db import upgrade
from anquan.models.settings import load_settings
from anquan.simulation import simulate

MiB = 1048576


def sqlite_figures(db: Path, engine) -> dict:
    with engine.connect() as c:
        pages = dict(c.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all())
        counts = {f"{t}_rows": c.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                  for t in ("outbox", "notice", "obligation")}
        bodies = c.execute(text("SELECT COALESCE(SUM(LENGTH(raw)), 0) FROM outbox")).scalar_one()
    outbox = sum(v for k, v in pages.items() if k == "outbox" or k.startswith(("sqlite_autoindex_outbox", "ix_outbox")))
    notice = sum(v for k, v in pages.items() if k == "notice" or k.startswith(("sqlite_autoindex_notice", "ix_notice")))
    return {"file": db.stat().st_size, "outbox": outbox, "notice": notice, "bodies": bodies, **counts}


def pg_figures(engine) -> dict:
    with engine.connect() as c:
        row = c.execute(text("SELECT pg_total_relation_size('outbox'), pg_relation_size('outbox'), "
                             "pg_total_relation_size('notice'), pg_database_size(current_database())")).one()
        count = c.execute(text("SELECT COUNT(*) FROM outbox")).scalar_one()
    return {"outbox_total": row[0], "outbox_heap": row[1], "notice_total": row[2], "database": row[3], "outbox_rows": count}


def copy_to_postgres(sqlite_engine, server_url: str) -> tuple[str, str]:
    """A fresh database on the server with the same rows; (its URL, its name)."""
    name = f"anquan_retention_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    pg = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    upgrade(pg)
    import anquan.models.accounts, anquan.models.directory, anquan.models.obligations, anquan.models.outbox  # noqa: F401
    import anquan.models.records  # noqa: F401 - every table in the metadata

    with sqlite_engine.connect() as src, pg.begin() as dst:
        for table in SQLModel.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in src.execute(select(table))]
            for i in range(0, len(rows), 2000):
                dst.execute(table.insert(), rows[i:i + 2000])
    with pg.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))
    pg.dispose()
    return url, name


def drop_database(server_url: str, name: str) -> None:
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prune_year(app: App, year: int):
    return cycle.prune(app, today=date(year + 1, 1, 1), before=date(year + 1, 1, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sim", type=Path, help="a folder `anquan simulate` filled (its simulation.db is copied)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL this may create a database on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sim = args.sim
        if sim is None:
            sim = tmp / "sim"
            simulate(year=args.year, out=sim, seed=args.seed, base=load_settings(data_dir=tmp / "data"))
        db = tmp / "copy.db"
        shutil.copy(sim / "simulation.db", db)
        settings = load_settings(data_dir=tmp / "data", database_url=f"sqlite:///{db}")
        app = App(settings)
        upgrade(app.engine)
        before = sqlite_figures(db, app.engine)
        pg = None
        if args.postgres:
            url, name = copy_to_postgres(app.engine, args.postgres)
            pg_app = App(load_settings(data_dir=tmp / "data", database_url=url))
            pg = {"before": pg_figures(pg_app.engine)}
            report = prune_year(pg_app, args.year)
            pg["pruned"] = pg_figures(pg_app.engine)
            from anquan.notifications.retention import reclaim

            reclaim(pg_app.engine)
            pg["vacuum"] = pg_figures(pg_app.engine)
            with pg_app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM FULL outbox"))
                c.execute(text("VACUUM FULL notice"))
            pg["vacuum_full"] = pg_figures(pg_app.engine)
            pg_app.engine.dispose()
            drop_database(args.postgres, name)
        report = prune_year(app, args.year)
        pruned = sqlite_figures(db, app.engine)
        cycle.prune(app, today=date(args.year + 1, 1, 1), before=date(args.year + 1, 1, 1), reclaim_space=True)
        after = sqlite_figures(db, app.engine)
        with app.session() as s:
            from anquan.models.outbox import OutboxMessage

            left = s.execute(select(func.count()).where(OutboxMessage.pruned_at.is_(None))).scalar_one()
        app.engine.dispose()
    print(f"simulated year {args.year} (seed {args.seed}): {before['obligation_rows']} obligations, {before['outbox_rows']} "
          f"messages, {before['notice_rows']} notices; pruned before {report.before}: {report.messages} bodies "
          f"({report.body_bytes / MiB:.1f} MiB), {report.notices} notices' lists of others told; {left} kept whole")
    print("SQLite:")
    for label, f in (("before", before), ("after prune", pruned), ("after VACUUM", after)):
        print(f"  {label:>13}: file {f['file'] / MiB:6.1f} MiB | outbox {f['outbox'] / MiB:6.1f} MiB with indexes "
              f"(bodies {f['bodies'] / MiB:5.1f} MiB) | notice {f['notice'] / MiB:5.1f} MiB with indexes")
    if pg:
        print(f"PostgreSQL ({pg['before']['outbox_rows']} outbox rows):")
        for label, f in pg.items():
            print(f"  {label:>13}: outbox {f['outbox_total'] / MiB:6.1f} MiB (heap {f['outbox_heap'] / MiB:5.1f} MiB, "
                  f"the rest TOAST and indexes) | notice {f['notice_total'] / MiB:5.1f} MiB | database "
                  f"{f['database'] / MiB:6.1f} MiB")


if __name__ == "__main__":
    main()

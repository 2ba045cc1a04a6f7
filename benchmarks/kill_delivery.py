#!/usr/bin/env python3
"""kill -9 during delivery, the long version: lost and duplicated mail over many kills.

For each backend: a fresh database with --count pending messages (each with its own X-Anquan-Key), an
aiosmtpd sink on loopback counting the keys it receives, then --kills times: start `anquan mail deliver`
(--connections SMTP connections), kill -9 it after 1..--most-before-kill arrivals, let its lease run out;
finally one delivery without a kill. Prints lost messages (goal 0), the duplicates each kill caused
(goal: at most --connections) as a distribution, and how many keys arrived how many times.

    .venv/bin/python benchmarks/kill_delivery.py [--backend sqlite|postgresql|both] [--kills 50]
        [--count 6000] [--connections 8] [--most-before-kill 100] [--json OUT]

PostgreSQL: the admin URL comes from ANQUAN_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.plan_province import fresh_database  # noqa: E402
from tests.support.smtp import SmtpSink  # noqa: E402
from tests.support.killing import deliver_env, fill_outbox, kill_deliveries  # noqa: E402


def run(backend: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="anquan-kill-") as tmp, fresh_database(backend, Path(tmp)) as (settings, engine):
        sink = SmtpSink().start()
        try:
            keys = fill_outbox(engine, args.count, tz=settings.tz)
            env = deliver_env(settings, sink, connections=args.connections)
            t0 = time.perf_counter()
            report = kill_deliveries(engine=engine, env=env, sink=sink, keys=keys, kills=args.kills,
                                     most_before_kill=args.most_before_kill, seed=args.seed)
            seconds = time.perf_counter() - t0
        finally:
            sink.stop()
    per_kill = report.duplicates_per_kill
    return {
        "backend": backend, "queued": report.queued, "kills": report.kills, "runs_that_finished_first": report.missed,
        "lost": report.lost, "duplicates": report.duplicates, "duplicates_per_kill": per_kill,
        "distribution": dict(sorted(Counter(per_kill).items())), "max_per_kill": max(per_kill, default=0),
        "copies": dict(sorted(report.copies.items())), "seconds": round(seconds, 1),
        "ok": report.lost == 0 and max(per_kill, default=0) <= args.connections
        and report.duplicates == sum(per_kill),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--count", type=int, default=6000)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--most-before-kill", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    results = []
    for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
        r = run(backend, args)
        results.append(r)
        print(f"{backend}: {r['kills']} kills of `anquan mail deliver` ({args.connections} connections, "
              f"{r['queued']} queued, {r['seconds']} s): lost {r['lost']}, duplicates {r['duplicates']} "
              f"(per kill: max {r['max_per_kill']}, distribution {{duplicates: kills}} {r['distribution']}); "
              f"keys by copies received {r['copies']} -> {'ok' if r['ok'] else 'FAILED'}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

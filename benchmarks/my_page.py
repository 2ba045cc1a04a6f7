#!/usr/bin/env python3
"""Benchmark: my page (我的待办) and reports through the HTTP route, with the province loaded.

Builds the synthetic province of benchmarks/tick_province.py (organisations and contacts, bulk loaded),
plans 2026 with ``plan_year``, and runs the real tick (``anquan.cycle.tick.tick``) once for --as-of
(default 2026-03-21), by default for the first county only (--tick county: the rest of the province's
obligations due by then are taken out of the tick, which would otherwise spend many minutes rendering every
county's digests; --tick all ticks the whole province). A tick that finds stages overtaken while nothing ran
records them as skipped and sends the latest, so this one tick leaves every enterprise's January and February risk analysis at its fourth
escalation (20 days overdue: the township head and the county office), with the notices a daily tick would
have left for those stages. Then the pages are served by uvicorn in a subprocess on loopback, built as
`anquan web` builds them (``create_app``, default rate limits, proxy headers from loopback, info log), with
today fixed to --as-of, and an httpx client in this process times:

1. GET /my, signed in with the session cookie the personal link gives, for the county-office contact with
   the most open items to urge and for the township contact whose count is nearest --township-items
   (default 300): median and 95th percentile over --requests sequential requests after --warmup;
2. --parallel reports posted at once (one each for distinct enterprises' February risk analyses, each with a
   small PDF; the first --doubles of them posted twice, the same form at the same moment): errors (anything
   but the redirect to the done page) and duplicate submissions (rows beyond one per obligation), both
   must be 0.

    .venv/bin/python benchmarks/my_page.py [--backend postgresql|sqlite] [--scale 1.0] [--counties 120]
        [--tick county|all] [--requests 200] [--warmup 10] [--parallel 100] [--doubles 20] [--profile]
        [--json OUT]

--scale multiplies townships, villages, units and enterprises per county (as in plan_province.py);
--counties keeps that density and builds fewer counties, so a quick run (e.g. --counties 12) still gives a
county office its full count. --profile also serves one GET /my per contact in this process (TestClient)
with every SQL statement timed and, on PostgreSQL, EXPLAIN (ANALYZE, BUFFERS) of each (SQLite: EXPLAIN
QUERY PLAN). PostgreSQL: ANQUAN_TEST_POSTGRES_URL as in the other benchmarks (a database of its own).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select, text  # noqa: E402

from anquan.app import App  # noqa: E402
from anquan.cycle.planning import plan_year  # noqa: E402
from anquan.cycle.tick import tick  # noqa: E402
from anquan.models.db import session_scope  # noqa: E402
from anquan.models.directory import Contact, Organisation  # noqa: E402
from anquan.models.obligations import Obligation, Submission  # noqa: E402
from anquan.models.outbox import Notice  # noqa: E402
from anquan.models.settings import load_settings  # noqa: E402
from anquan.notifications.links import LinkSigner  # noqa: E402
from benchmarks.plan_province import COUNTIES, ENTERPRISES, TOWNSHIPS, VILLAGES, Shape, fresh_database  # noqa: E402
from benchmarks.tick_province import MAIL_FROM, analyze, build_province  # noqa: E402

YEAR = 2026
AS_OF = date(2026, 3, 21)
KEY = "bench-only-signing-key-" + "0123456789abcdef" * 2
TARGET_MS = 150.0
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def shape_for(scale: float, counties: int) -> Shape:
    """plan_province's province at `scale`, with `counties` counties of the same density."""
    per = counties / COUNTIES
    townships = max(counties, round(TOWNSHIPS * scale * per))
    return Shape(counties=counties, townships=townships, villages=round(VILLAGES * scale * per),
                 units=2 * townships, enterprises=max(1, round(ENTERPRISES * scale * per)))


def hold_back(engine, as_of: date, county_code: str) -> int:
    """Take the obligations due by `as_of` outside one county out of this tick (no next action): the tick then
    mails one county's escalations and renders one county's digests."""
    with engine.begin() as conn:
        county = conn.execute(select(Organisation.id).where(Organisation.code == county_code)).scalar_one()
        return conn.execute(text(
            "UPDATE obligation SET next_action_on = NULL WHERE next_action_on <= :d AND subject_org_id NOT IN ("
            " SELECT id FROM organisation WHERE id = :c OR parent_id = :c"
            " OR township_id IN (SELECT id FROM organisation WHERE parent_id = :c))"), {"d": as_of, "c": county}).rowcount


def load(engine, settings, shape: Shape, as_of: date, *, tick_all: bool) -> dict:
    """The province with contacts, planned for the year and ticked once on `as_of` (all of it, or one county)."""
    out = {"shape": shape.__dict__}
    t0 = time.perf_counter()
    out["province"] = build_province(engine, shape)
    analyze(engine, ["organisation", "contact"])
    with session_scope(engine) as s:
        app = App(settings=settings)
        out["plan_created"] = plan_year(session=s, rules=app.rules, calendar=app.calendar, year=YEAR).total_created
    out["held_back"] = 0 if tick_all else hold_back(engine, as_of, "P000")
    analyze(engine)
    t1 = time.perf_counter()
    with session_scope(engine) as s:
        report = tick(session=s, rules=app.rules, as_of=as_of, mail_from=MAIL_FROM, tz=settings.tz)
    analyze(engine)
    out["tick"] = {"date": as_of.isoformat(), "obligations_actioned": report.obligations_actioned,
                   "notices": report.notices, "stages_skipped": report.stages_skipped, "messages": report.messages,
                   "seconds": round(time.perf_counter() - t1, 1)}
    out["load_plan_seconds"] = round(t1 - t0, 1)
    return out


def urged_counts(engine) -> list[tuple[str, str, int]]:
    """(address, role, open obligations an escalation asked the address to urge), most first."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Notice.recipient_email, Notice.recipient_role, func.count(func.distinct(Notice.obligation_id)))
            .join(Obligation, Obligation.id == Notice.obligation_id)
            .where(Notice.outcome == "notified", Notice.stage.like("escalation-%"), Obligation.status == "open")
            .group_by(Notice.recipient_email, Notice.recipient_role)
            .order_by(func.count(func.distinct(Notice.obligation_id)).desc())).all()]


def pick_contacts(engine, township_items: int) -> dict[str, dict]:
    counts = urged_counts(engine)
    county = next(c for c in counts if c[1] == "county_office")
    towns = [c for c in counts if c[1] in ("township_head", "deputy_head_safety", "safety_office")]
    town = min(towns, key=lambda c: (abs(c[2] - township_items), c[0]))
    picked = {}
    with engine.connect() as conn:
        for label, (email, role, n) in (("county office", county), ("township", town)):
            cid, epoch = conn.execute(select(Contact.id, Contact.link_epoch).where(
                Contact.email == email, Contact.active).order_by(Contact.id).limit(1)).one()
            picked[label] = {"email": email, "role": role, "contact_id": cid, "epoch": epoch, "urged_by_mail": n}
    return picked


def page_counts(settings, contact_id: int, today: date) -> dict:
    """What my page lists for the contact, from the domain query itself."""
    from anquan.cycle.mine import my_page

    app = App(settings=settings)
    with app.session() as s:
        view = my_page(session=s, rules=app.rules, contact=s.get(Contact, contact_id), today=today)
    return {"own_listed": len(view.own), "own_later": view.own_later, "urge_listed": len(view.urge),
            "urge_total": len(view.urge) + view.urge_more, "done_listed": len(view.done)}


# ---------------------------------------------------------------------------
# The server: `anquan web`'s application in a subprocess, today fixed
# ---------------------------------------------------------------------------

def serve(port: int, data_dir: str, database_url: str, today: date) -> None:
    import uvicorn

    from anquan.web.app import create_app
    from anquan.web.security import install_log_redaction

    settings = load_settings(data_dir=Path(data_dir), database_url=database_url, secret_key=KEY,
                             public_url=f"http://127.0.0.1:{port}")
    app = App(settings=settings)
    app.today = lambda: today
    config = uvicorn.Config(create_app(app), host="127.0.0.1", port=port, proxy_headers=True,
                            forwarded_allow_ips="127.0.0.1", server_header=False, log_level="info")
    server = uvicorn.Server(config)
    install_log_redaction()
    server.run()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(settings, today: date, log: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    cmd = [sys.executable, __file__, "--serve", str(port), "--data-dir", str(settings.data_dir),
           "--database-url", settings.database_url or "", "--as-of", today.isoformat()]
    proc = subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/my", timeout=2)
            return proc, base
        except httpx.TransportError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the pages did not start; see {log}:\n{log.read_text()[-2000:]}")


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------

def link_path(settings, contact_id: int, epoch: int) -> str:
    return "/l/" + LinkSigner.from_settings(settings).token(contact_id=contact_id, epoch=epoch)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def time_my_page(base: str, link: str, *, requests: int, warmup: int) -> dict:
    import httpx

    with httpx.Client(base_url=base, timeout=60) as c:
        assert c.get(link).status_code == 303, "the personal link was refused"
        for _ in range(warmup):
            assert c.get("/my").status_code == 200
        times, size = [], 0
        for _ in range(requests):
            t0 = time.perf_counter()
            r = c.get("/my")
            times.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200 and "需要督促" in r.text, r.status_code
            size = len(r.content)
    return {"requests": requests, "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1), "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1), "bytes": size,
            "under_target": statistics.median(times) < TARGET_MS and percentile(times, 95) < TARGET_MS}


def reporters(engine, n: int) -> list[tuple[int, int, int]]:
    """(obligation, principal contact, epoch) for n enterprises' open February risk analyses."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Obligation.id, Contact.id, Contact.link_epoch)
            .join(Contact, (Contact.org_id == Obligation.org_id) & (Contact.role == "enterprise_principal"))
            .where(Obligation.kind == "monthly_risk_analysis", Obligation.period == f"{YEAR}-02",
                   Obligation.status == "open", Contact.active)
            .order_by(Obligation.id).limit(n)).all()]


def _prepared_form(base: str, link: str, oid: int) -> tuple[dict, dict]:
    """Sign in through the link and read the report form's hidden fields: (cookies, form data)."""
    import httpx

    with httpx.Client(base_url=base, timeout=60) as c:
        assert c.get(link).status_code == 303, "the personal link was refused"
        page = c.get(f"/my/{oid}").text
        hidden = {name: page.split(f'name="{name}" value="')[1].split('"')[0] for name in ("csrf", "seen")}
        return dict(c.cookies), hidden


def parallel_reports(settings, engine, base: str, *, count: int, doubles: int, today: date) -> dict:
    import httpx

    people = reporters(engine, count)
    forms = [(oid, *_prepared_form(base, link_path(settings, cid, epoch), oid)) for oid, cid, epoch in people]
    posts = forms + forms[:doubles]  # the first `doubles` forms sent twice, at the same moment as the rest
    start = threading.Barrier(len(posts))

    def post(item):
        oid, cookies, hidden = item
        data = hidden | {"done_on": today.isoformat(), "note": "已开展本月风险分析。", "finding": "none"}
        with httpx.Client(base_url=base, cookies=cookies, timeout=120) as c:
            start.wait()
            t0 = time.perf_counter()
            try:
                r = c.post(f"/my/{oid}/report", data=data, files=[("files", ("风险分析.pdf", PDF, "application/pdf"))])
            except httpx.HTTPError as exc:
                return oid, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0
            ok = r.status_code == 303 and r.headers.get("location") == f"/my?done={oid}"
            return oid, None if ok else f"HTTP {r.status_code}", time.perf_counter() - t0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        answers = list(pool.map(post, posts))
    wall = time.perf_counter() - t0
    with engine.connect() as conn:
        rows = dict(conn.execute(select(Submission.obligation_id, func.count()).where(
            Submission.obligation_id.in_([f[0] for f in forms])).group_by(Submission.obligation_id)).all())
    errors = [f"{oid}: {e}" for oid, e, _ in answers if e]
    times = [t * 1000 for _, _, t in answers]
    return {"obligations": len(forms), "posts": len(posts), "double_posts": doubles, "seconds": round(wall, 2),
            "median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1),
            "errors": len(errors), "error_samples": errors[:5],
            "duplicate_submissions": sum(max(0, rows.get(f[0], 0) - 1) for f in forms),
            "missing_submissions": sum(1 for f in forms if rows.get(f[0], 0) == 0)}


# ---------------------------------------------------------------------------
# --profile: one GET /my in this process, every statement timed and explained
# ---------------------------------------------------------------------------

def profile_page(settings, who: dict, today: date) -> list[dict]:
    from fastapi.testclient import TestClient

    from anquan.web.app import create_app

    app = App(settings=settings.model_copy(update={"secret_key": __import__("pydantic").SecretStr(KEY)}))
    app.today = lambda: today
    seen: list[list] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append([statement, parameters, time.perf_counter()])

    def after(conn, cursor, statement, parameters, context, executemany):
        seen[-1][2] = time.perf_counter() - seen[-1][2]

    with TestClient(create_app(app), follow_redirects=False) as c:
        c.get(link_path(app.settings, who["contact_id"], who["epoch"]))
        c.get("/my")
        event.listen(app.engine, "before_cursor_execute", before)
        event.listen(app.engine, "after_cursor_execute", after)
        t0 = time.perf_counter()
        c.get("/my")
        total = time.perf_counter() - t0
        event.remove(app.engine, "before_cursor_execute", before)
        event.remove(app.engine, "after_cursor_execute", after)
    out = [{"statement": " ".join(s.split())[:300], "ms": round(t * 1000, 2), "plan": explain(app.engine, s, p)}
           for s, p, t in seen]
    out.append({"statement": "(whole request in-process)", "ms": round(total * 1000, 2), "plan": ""})
    return out


def explain(engine, statement: str, parameters) -> str:
    if not statement.lstrip().upper().startswith("SELECT"):
        return ""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        cur.execute(prefix + statement, parameters)
        lines = [" | ".join(str(x) for x in row) for row in cur.fetchall()]
        raw.rollback()
        return "\n".join(lines)
    finally:
        raw.close()


# ---------------------------------------------------------------------------

def run(args) -> dict:
    shape = shape_for(args.scale, args.counties)
    out: dict = {"backend": args.backend, "scale": args.scale, "counties": args.counties, "tick": args.tick,
                 "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="anquan-bench-") as tmp, \
            fresh_database(args.backend, Path(tmp)) as (settings, engine):
        settings = settings.model_copy(update={"secret_key": __import__("pydantic").SecretStr(KEY)})
        print(f"[{args.backend}] loading {shape.enterprises} enterprises, planning {YEAR}, ticking {args.as_of} ...",
              flush=True)
        out["province"] = load(engine, settings, shape, args.as_of, tick_all=args.tick == "all")
        print(f"  tick: {out['province']['tick']}", flush=True)
        out["contacts"] = pick_contacts(engine, args.township_items)
        for who in out["contacts"].values():
            who["page"] = page_counts(settings, who["contact_id"], args.as_of)
            print(f"  {who['role']} {who['email']}: {who['page']}", flush=True)
        proc, base = start_server(settings, args.as_of, Path(tmp) / "server.log")
        try:
            for label, who in out["contacts"].items():
                who["timing"] = time_my_page(base, link_path(settings, who["contact_id"], who["epoch"]),
                                             requests=args.requests, warmup=args.warmup)
                print(f"  GET /my, {label}: {who['timing']}", flush=True)
            out["parallel"] = parallel_reports(settings, engine, base, count=args.parallel, doubles=args.doubles,
                                               today=args.as_of)
            print(f"  parallel reports: {out['parallel']}", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        if args.profile:
            out["profile"] = {label: profile_page(settings, who, args.as_of) for label, who in out["contacts"].items()}
    out["load_after"] = os.getloadavg()
    return out


def print_results(r: dict) -> None:
    print()
    print(f"backend {r['backend']}, scale {r['scale']}, counties {r['counties']}, tick {r['tick']}: "
          f"{r['province']['province']['organisations']} organisations, {r['province']['province']['contacts']} "
          f"contacts, {r['province']['plan_created']} obligations; tick {r['province']['tick']}")
    print(f"load average before {r['load_before']}, after {r['load_after']}")
    print(f"{'GET /my for':<16}{'role':<20}{'to urge':>8}{'own':>6}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}"
          f"{'KiB':>7}  < {TARGET_MS:.0f} ms")
    for label, who in r["contacts"].items():
        t, p = who["timing"], who["page"]
        print(f"{label:<16}{who['role']:<20}{p['urge_total']:>8}{p['own_listed'] + p['own_later']:>6}"
              f"{t['median_ms']:>11}{t['p95_ms']:>9}{t['max_ms']:>9}{t['bytes'] / 1024:>7.0f}  "
              f"{'ok' if t['under_target'] else 'MISSED'}")
    par = r["parallel"]
    print(f"parallel reports: {par['posts']} posts for {par['obligations']} obligations ({par['double_posts']} sent "
          f"twice) in {par['seconds']} s, median {par['median_ms']} ms, p95 {par['p95_ms']} ms: errors "
          f"{par['errors']}, duplicate submissions {par['duplicate_submissions']}, missing {par['missing_submissions']}"
          + (f" {par['error_samples']}" if par["error_samples"] else ""))
    for label, statements in r.get("profile", {}).items():
        print(f"\n--profile, {label}:")
        for st in statements:
            print(f"  {st['ms']:>8} ms  {st['statement']}")
            if st["plan"]:
                print("      " + st["plan"].replace("\n", "\n      "))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--counties", type=int, default=COUNTIES)
    ap.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    ap.add_argument("--township-items", type=int, default=300)
    ap.add_argument("--tick", choices=["county", "all"], default="county",
                    help="the tick acts for the first county only (default; the rest of the province's due "
                         "obligations held back) or for the whole province (much longer)")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--parallel", type=int, default=100)
    ap.add_argument("--doubles", type=int, default=20)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", help=argparse.SUPPRESS)
    ap.add_argument("--database-url", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(args.serve, args.data_dir, args.database_url, args.as_of)
        return 0
    result = run(args)
    print_results(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str, ensure_ascii=False))
    ok = all(w["timing"]["under_target"] for w in result["contacts"].values())
    return 0 if ok and result["parallel"]["errors"] == 0 and result["parallel"]["duplicate_submissions"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

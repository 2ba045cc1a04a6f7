"""`anquan simulate YEAR`: the sample county (or any directory) through a whole year, day by day, on a database of its own.

Each day: the submissions the seeded random plan puts on that day, the events
of the year (books in February, hazards, accidents, a campaign, the monthly
reports), the daily tick, and delivery to the mail folder. The year ends with
the assessment in January. Everything is left in the output folder: the
database, the mail as .eml files, the documents, and a summary.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

from anquan.accounts import usecases as accounts
from anquan.accounts.accounts import Actor
from anquan.app import App
from anquan.assessment import usecases as assessment
from anquan.campaigns import usecases as campaigns
from anquan.cycle import usecases as cycle
from anquan.directory import usecases as directory_uc
from anquan.models.db import upgrade
from anquan.models.directory import Organisation, OrgKind
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.models.outbox import OutboxMessage
from anquan.models.records import MajorEvent, RiskAlert
from anquan.models.settings import Settings
from anquan.records import usecases as records
from anquan.reporting import usecases as reporting
from anquan.resources import sample_county

SAMPLE = sample_county()


@dataclass
class Mix:
    on_time: float = 0.70
    late: float = 0.20  # the rest is never handed in


def simulate(*, year: int, out: Path, seed: int = 2026, directory: Path = SAMPLE, base: Settings,
             progress: Callable[[str, int, int], None] | None = None, mix: Mix = Mix()) -> dict:
    """Play a year; returns the summary (also written to out/summary.json).

    Every step is the use case a front door calls, dated the simulated day."""
    started = time.perf_counter()
    out = Path(out)
    app = _own_app(out, base, year=year)
    rng = random.Random(seed)
    directory_uc.import_directory(app, path=directory)
    cycle.plan(app, year=year)
    plan, townships, enterprises = _submissions(app, year=year, rng=rng, mix=mix)
    assessed: dict = {}
    events: dict[date, list[Callable]] = defaultdict(list)
    _schedule_records(app, events, year=year, rng=rng, mix=mix, plan=plan, townships=townships, enterprises=enterprises)
    _schedule_reports(app, events, year=year, rng=rng, townships=townships, out=out, assessed=assessed)
    days, ticks = _play(app, year=year, plan=plan, events=events, progress=progress)
    tally = _tally(app, year=year, result=assessed.get("result"))
    summary = {
        "year": year, "seed": seed, "days": days, "seconds": round(time.perf_counter() - started, 1),
        "obligations": tally["obligations"],
        "mail": {"total": tally["mail_total"], "files": len(list(app.settings.mail_dir.glob("*.eml"))),
                 "by_template_and_stage": tally["mail_by_template_and_stage"]},
        "tick": dict(ticks), "alerts": tally["alerts"], "major_events": tally["major_events"],
        "townships": tally["townships"], "out": str(out),
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    app.engine.dispose()
    return summary


def _own_app(out: Path, base: Settings, *, year: int) -> App:
    """An App on a fresh SQLite database in `out`, its mail kept as .eml files in out/mail.

    The simulated county went live on 1 January of the simulated year (unless the settings say otherwise)."""
    out.mkdir(parents=True, exist_ok=True)
    db = out / "simulation.db"
    for stale in (db, out / "simulation.db-wal", out / "simulation.db-shm"):
        stale.unlink(missing_ok=True)
    mail_dir = out / "mail"
    if mail_dir.exists():
        for f in mail_dir.glob("*.eml"):
            f.unlink()
    settings = base.model_copy(update={"data_dir": out, "database_url": f"sqlite:///{db}", "smtp_host": "",
                                       "mail_dir": mail_dir, "go_live": base.go_live or date(year, 1, 1)})
    app = App(settings=settings)
    upgrade(app.engine)
    return app


def _submissions(app: App, *, year: int, rng: random.Random, mix: Mix):
    """Which obligations are handed in on which day (on time, late or never), the townships and the enterprises."""
    with app.session() as s:
        townships = s.execute(select(Organisation.code).where(Organisation.kind == OrgKind.township.value)
                              .order_by(Organisation.code)).scalars().all()
        enterprises = s.execute(select(Organisation.code, Organisation.township_id).where(
            Organisation.kind == OrgKind.enterprise.value).order_by(Organisation.code)).all()
        plan = defaultdict(list)  # day -> obligation ids handed in that day
        for oid, due, org_kind in s.execute(
            select(Obligation.id, Obligation.due_on, Organisation.kind).join(Organisation, Organisation.id == Obligation.org_id)
            .where(Obligation.year == year).order_by(Obligation.id)
        ).all():
            if org_kind == OrgKind.county.value:
                r = rng.random() * 0.9  # the county keeps its own duties, mostly on time
            else:
                r = rng.random()
            if r < mix.on_time:
                plan[due - timedelta(days=rng.randint(0, 6))].append(oid)
            elif r < mix.on_time + mix.late:
                plan[due + timedelta(days=rng.randint(1, 25))].append(oid)
    return plan, townships, enterprises


def _schedule_records(app: App, events: dict, *, year: int, rng: random.Random, mix: Mix, plan: dict,
                      townships: list[str], enterprises: list) -> None:
    """The books in February, listed hazards, a major event and the risk alerts of the year."""
    events[date(year, 2, 1)].append(lambda d: reporting.send_books(app, year=year, today=d))
    hazards: list[int] = []
    for code in rng.sample(townships, k=min(4, len(townships))):
        deadline = date(year, rng.randint(5, 10), 28)

        def listing(d, code=code, deadline=deadline):
            with app.session() as s:
                t = s.execute(select(Organisation).where(Organisation.code == code)).scalar_one()
            candidates = [e for e, tid in enterprises if tid == t.id]
            h = records.add_hazard(app, org_code=code, year=year, description="模拟隐患：消防通道堵塞",
                                   responsible_person="模拟责任人", measures="清理通道，加装监控", deadline=deadline,
                                   emergency_plan="专人值守", funds="3万元",
                                   enterprise_code=candidates[0] if candidates else None,
                                   place=None if candidates else "集镇市场")
            hazards.append(h["id"])
        events[date(year, 3, 15)].append(listing)

    # A major event entered by hand three weeks ahead; most townships report their inspection in time.
    def major_event(d):
        entered = campaigns.add_major_event(app, params={
            "name": "青岚县茶文化旅游节", "from_date": date(year, 9, 18), "to_date": date(year, 9, 20)}, today=d)
        due = date.fromisoformat(entered["inspection_due"])
        for oid in entered["obligation_ids"]:
            if rng.random() < mix.on_time:
                plan[due - timedelta(days=rng.randint(0, 3))].append(oid)
    events[date(year, 8, 28)].append(major_event)

    # A few enterprises report a warning sign or a major hazard source with their analysis.
    enterprise_codes = sorted(code for code, _tid in enterprises)
    for _ in range(rng.randint(2, 4)) if enterprise_codes else ():
        day = date(year, rng.randint(1, 12), rng.randint(1, 28))
        kind = rng.choice(["warning_sign", "major_hazard_source"])
        code = rng.choice(enterprise_codes)
        text = "模拟：储罐区可燃气体检测报警两次" if kind == "warning_sign" else "模拟：新增液氨储罐，构成重大危险源"
        # delivered with the day's mail below, like everything else in the simulated year
        events[day].append(lambda d, code=code, kind=kind, text=text: records.report_alert(
            app, org_code=code, kind=kind, description=text, reported_on=d, today=d, deliver=False))
    events[date(year, 9, 10)].append(lambda d: _close_some(app, hazards, d, rng))


def _close_some(app: App, hazards: list[int], d: date, rng: random.Random) -> None:
    for hid in hazards[: max(1, len(hazards) // 2)]:
        records.close_hazard(app, hazard_id=hid, closed_on=d - timedelta(days=rng.randint(0, 20)), today=d,
                             note="模拟：整改完成")


def _schedule_reports(app: App, events: dict, *, year: int, rng: random.Random, townships: list[str], out: Path,
                      assessed: dict) -> None:
    """Accidents, a campaign in November, the monthly reports, and the assessment published in January."""
    for _ in range(rng.randint(2, 5)):
        day = date(year, rng.randint(1, 12), rng.randint(1, 28))
        code = rng.choice(townships)
        kind = rng.choice(["road_traffic", "other"])
        deaths = rng.choice([0, 0, 0, 1, 1, 2, 3])
        events[day].append(lambda d, code=code, kind=kind, deaths=deaths: records.record_accident(
            app, org_code=code, occurred_on=d, kind=kind, deaths=deaths, injuries=rng.randint(0, 4), today=d,
            description="模拟事故"))
    events[date(year, 11, 1)].append(lambda d: campaigns.start_campaign(app, params={
        "name": "冬春火灾防控和烟花爆竹安全专项整治", "sectors": "fireworks,crowded_places", "townships": "all",
        "from_date": date(year, 11, 1), "to_date": date(year, 12, 31), "summary_due": date(year + 1, 1, 10)}, today=d))
    for month in range(2, 13):
        events[date(year, month, 1)].append(lambda d, m=month - 1: reporting.monthly_report(app, year=year, month=m,
                                                                                              today=d))
    events[date(year + 1, 1, 1)].append(lambda d: reporting.monthly_report(app, year=year, month=12, today=d))

    def publish(d):
        """The January run drafts; the county office reviews it and its admin approves it the same day."""
        assessment.draft_year(app, year=year, on=d, folder=out)
        assessed["result"] = assessment.approve_year(app, year=year, login=_county_admin(app), actor=SIMULATED,
                                                     on=d, folder=out, deliver=False).assessment
    events[date(year + 1, 1, 15)].append(publish)


SIMULATED = Actor(None, "simulation")


def _county_admin(app: App) -> str:
    """A county admin's console account for the first of the county office's staff in the directory: its login."""
    from anquan.models.directory import Contact, Role

    with app.session() as s:
        contact_id = s.execute(select(Contact.id).where(Contact.role == Role.county_office.value, Contact.active)
                               .order_by(Contact.id)).scalars().first()
    return accounts.add_user(app, contact_id=contact_id, role="county_admin", actor=SIMULATED).login


def _play(app: App, *, year: int, plan: dict, events: dict, progress) -> tuple[int, Counter]:
    """Each day: the submissions, the day's events, the tick (duty report attached) and the delivery."""
    day, last = date(year, 1, 1), date(year + 1, 1, 20)
    total_days = (last - day).days + 1
    ticks = Counter()
    n = 0
    while day <= last:
        cycle.submit_all(app, obligation_ids=plan.pop(day, []), on=day, note="模拟报送")
        for event in events.pop(day, []):
            event(day)
        report = assessment.daily_tick(app, as_of=day, simulated=True)
        ticks["messages"] += report.messages
        ticks["notices"] += report.notices
        ticks["skipped"] += report.stages_skipped
        cycle.deliver_mail(app)
        n += 1
        if progress:
            progress("simulate", n, total_days)
        day += timedelta(days=1)
    return total_days, ticks


def _tally(app: App, *, year: int, result) -> dict:
    """Obligations by status, mail by template and stage, alerts, events, and each township's score."""
    with app.session() as s:
        by_status = dict(s.execute(select(Obligation.status, func.count()).where(Obligation.year == year)
                                   .group_by(Obligation.status)).all())
        by_kind_stage: dict[str, dict[str, int]] = defaultdict(dict)
        for template, stage, count in s.execute(
            select(OutboxMessage.template, OutboxMessage.stage, func.count()).group_by(OutboxMessage.template, OutboxMessage.stage)
        ).all():
            for st in stage.split(","):
                by_kind_stage[template][st] = by_kind_stage[template].get(st, 0) + count
        per_township = {}
        subject = Organisation.__table__.alias("subject")
        for code, name, status, count in s.execute(
            select(Organisation.code, Organisation.name, Obligation.status, func.count())
            .join(subject, subject.c.id == Obligation.subject_org_id)
            .join(Organisation, Organisation.id == subject.c.township_id)
            .where(Obligation.year == year).group_by(Organisation.code, Organisation.name, Obligation.status)
        ).all():
            per_township.setdefault(code, {"name": name, "obligations": {}})["obligations"][status] = count
        mail_total = s.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
        alerts = dict(s.execute(select(RiskAlert.kind, func.count()).group_by(RiskAlert.kind)).all())
        events_entered = s.execute(select(func.count()).select_from(MajorEvent)).scalar_one()
    if result is not None:
        for r in result.ranked():
            per_township.setdefault(r.org_code, {"name": r.org_name, "obligations": {}}).update(
                {"score": float(r.score), "grade": r.grade, "vetoed": r.vetoed})
    return {"obligations": {k: by_status.get(k, 0) for k in (s.value for s in ObligationStatus)},
            "mail_total": mail_total, "mail_by_template_and_stage": by_kind_stage,
            "alerts": alerts, "major_events": events_entered, "townships": per_township}

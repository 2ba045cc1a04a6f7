"""The cycle's use cases: plan a year, look at obligations, submit, waive, tick, deliver, prune old mail.

Each is one plain function over the application context: it opens the unit of
work once (`with app.session() as s:`), calls the domain functions and returns
what a front door (command line, flow, simulation, web page) presents.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Iterator

from anquan.app import App
from anquan.errors import InvalidValue
from anquan.cycle import golive, obligations, oversight, returns, tally
from anquan.cycle.mine import Person, person_of
from anquan.cycle.planning import PlanReport, Progress, one_snapshot, plan_year, serialization_failure
from anquan.cycle.tick import AttachmentProvider, TickReport, tick as run_tick
from anquan.models.directory import Contact
from anquan.models.types import utcnow
from anquan.notifications.delivery import DeliveryHalted, DeliveryReport, deliver
from anquan.notifications import retention
from anquan.notifications.outbox import delivery_alert, list_messages, mail_since, mark_sent_before_restore, requeue
from anquan.notifications.retention import PruneReport

log = logging.getLogger("anquan.cycle")


PLAN_ATTEMPTS = 3


def plan(app: App, *, year: int, progress: Progress | None = None) -> PlanReport:
    """Create the year's obligations for the whole directory (idempotent), on one snapshot from its first statement
    (PostgreSQL). A report or an import committed meanwhile that touches what the plan writes makes it plan again."""
    attempt = 1
    while True:
        try:
            with app.session() as s:
                one_snapshot(s)
                go_live = golive.go_live_on(s, setting=app.settings.go_live, today=app.today())
                report = plan_year(session=s, rules=app.rules, calendar=app.calendar, year=year, progress=progress,
                                   go_live=go_live)
                golive.record_success(s, at=utcnow(), plan_year=year)
                return report
        except Exception as exc:
            if not serialization_failure(exc) or attempt == PLAN_ATTEMPTS:
                raise
            attempt += 1
            log.info("plan %s: a change committed meanwhile touched what it wrote; planning again (attempt %d of %d)",
                     year, attempt, PLAN_ATTEMPTS)


@dataclass
class ObligationPage:
    """At most `limit` obligations in due-date order, and how many there are in all."""

    rows: list[dict]
    total: int


def _checked_filters(app: App, s, *, year, org_code, kind, status) -> dict:
    if kind is not None:
        app.rules.kind(kind)
    obligations.validate_filters(session=s, kinds=[kind] if kind else [], org_code=org_code, status=status)
    return dict(year=year, org_code=org_code, kind=kind, status=status)


def obligation_page(app: App, *, year: int | None = None, org_code: str | None = None, kind: str | None = None,
                    status: str | None = None, limit: int | None = 200) -> ObligationPage:
    """One page of obligations (limit None = all) and the count of all that match."""
    with app.session() as s:
        filters = _checked_filters(app, s, year=year, org_code=org_code, kind=kind, status=status)
        rows = list(obligations.list_obligations(session=s, limit=limit, **filters))
        total = obligations.count_obligations(session=s, **filters) if limit and len(rows) == limit else len(rows)
    return ObligationPage(rows=rows, total=total)


def each_obligation(app: App, *, year: int | None = None, org_code: str | None = None, kind: str | None = None,
                    status: str | None = None, limit: int | None = None) -> Iterator[dict]:
    """Every matching obligation, streamed in batches. The filters are checked now, before the first row."""
    with app.session() as s:
        filters = _checked_filters(app, s, year=year, org_code=org_code, kind=kind, status=status)

    def rows() -> Iterator[dict]:
        with app.session() as s:
            yield from obligations.list_obligations(session=s, limit=limit, **filters)

    return rows()


def show_obligation(app: App, *, obligation_id: int) -> dict:
    with app.session() as s:
        return obligations.get_obligation(session=s, obligation_id=obligation_id)


def submit(app: App, *, obligation_id: int, submitted_on: date | None = None, note: str | None = None,
           file: Path | None = None, today: date | None = None, **recorded) -> obligations.SubmissionResult:
    """Record one submission (late after the due date; a resubmission is kept as history).

    `recorded`: what the officials' pages add (files with the names given, source, contact_id, client_addr)."""
    with app.session() as s:
        return obligations.submit(session=s, obligation_id=obligation_id, today=today or app.today(),
                                  submitted_on=submitted_on, note=note, file=file, files_dir=app.settings.files_dir,
                                  **recorded)


def submit_all(app: App, *, obligation_ids: list[int], on: date, note: str | None = None
               ) -> list[obligations.SubmissionResult]:
    """Several submissions handed in on one day, in one unit of work (the simulated year's daily batch)."""
    with app.session() as s:
        return [obligations.submit(session=s, obligation_id=oid, today=on, submitted_on=on, note=note)
                for oid in obligation_ids]


def import_submissions(app: App, *, path: Path, today: date | None = None) -> list[obligations.SubmissionResult]:
    """Record the submissions of an .xlsx or .csv (columns id, submitted_on, note). All or nothing."""
    with app.session() as s:
        return obligations.import_submissions(session=s, path=path, today=today or app.today())


def waive(app: App, *, obligation_id: int, reason: str) -> dict:
    """Waive an open obligation: it needs nothing more and gets no reminders."""
    with app.session() as s:
        return obligations.waive(session=s, obligation_id=obligation_id, reason=reason)


# -- the township's oversight (乡镇安监办): its enterprises', villages' and units' reports ----------------------

def overseen_townships(app: App, *, contact: Contact, person: Person | None = None) -> list[oversight.Township]:
    """The townships the person (the contact's address) oversees; none for most people. `person`: when the
    caller already has it (my page), not looked up again."""
    with app.session() as s:
        return oversight.overseen_townships(s, person or person_of(s, contact))


def township_page(app: App, *, contact: Contact, township_id: int | None = None, month: str | None = None,
                  show: str = "all", page: int = 1) -> oversight.TownshipView:
    """The township view for a month (this month by default). NotYours when the person oversees no such township."""
    with app.session() as s:
        return oversight.township_view(session=s, rules=app.rules, person=person_of(s, contact), today=app.today(),
                                       township_id=township_id, month=month, show=show, page=page)


def overseen_report(app: App, *, contact: Contact, obligation_id: int) -> tuple[oversight.Row, oversight.Township]:
    """One report as its township's overseer sees it, with its returns and history; NotYours when not theirs."""
    with app.session() as s:
        return oversight.overseen_row(session=s, rules=app.rules, person=person_of(s, contact),
                                      obligation_id=obligation_id, today=app.today())


def evidence_file(app: App, *, contact: Contact, obligation_id: int, submission_id: int) -> tuple[Path, str]:
    """An evidence file of a report the person oversees: (stored file, the name it came with); NotYours otherwise."""
    with app.session() as s:
        return oversight.evidence(s, app.rules, person_of(s, contact), obligation_id=obligation_id,
                                  submission_id=submission_id, files_dir=app.settings.files_dir)


def return_report(app: App, *, contact: Contact, obligation_id: int, reason: str, client_addr: str | None = None,
                  today: date | None = None) -> returns.ReturnResult:
    """Send a reported duty back to its organisation with a reason (退回); the duty is open again and mailed about.

    The return mail is delivered with the next delivery run (minutes away with `bash scripts/run`)."""
    at = None if today else app.now()
    with app.session() as s:
        return returns.return_report(session=s, rules=app.rules, person=person_of(s, contact),
                                     obligation_id=obligation_id, reason=reason, today=today or app.today(),
                                     client_addr=client_addr, mail_from=app.settings.mail_from, tz=app.settings.tz,
                                     at=at)


def proxy_recorder(app: App, *, contact: Contact, obligation_id: int) -> tuple[str, int]:
    """Before a report is recorded on an organisation's behalf (代报): the obligation's kind and the overseer's
    contact that records it (their post at the obligation's township). NotYours when it is not theirs to oversee."""
    with app.session() as s:
        return oversight.proxy_recorder(s, app.rules, person_of(s, contact), obligation_id)


def tick(app: App, *, as_of: date, progress: Progress | None = None,
         attachments: AttachmentProvider | None = None, simulated: bool = False) -> TickReport:
    """Queue the reminders and escalations due on `as_of` (idempotent).

    A day after today is refused (it would tell people "overdue" a day early); only the simulated
    year, which plays its days ahead of the clock, says `simulated=True`.

    Front doors call `anquan.assessment.usecases.daily_tick`, which hands in the
    pre-filled duty report for the report reminders; the cycle itself knows no Word.
    """
    if not simulated and as_of > app.today():
        raise InvalidValue(f"{as_of.isoformat()} is after today ({app.today().isoformat()}); the tick acts "
                           "for today or a day already past", field="as_of")
    with app.session() as s:
        go_live = golive.go_live_on(s, setting=app.settings.go_live, today=as_of)
        untracked = golive.untrack_due(s, as_of=as_of, go_live=go_live)
        report = run_tick(session=s, rules=app.rules, as_of=as_of, mail_from=app.settings.mail_from,
                          tz=app.settings.tz, progress=progress, attachments=attachments)
        report.not_tracked = untracked
        report.messages += golive.queue_baseline(s, rules=app.rules, go_live=go_live, today=as_of,
                                                 mail_from=app.settings.mail_from, tz=app.settings.tz)
        golive.record_success(s, at=utcnow(), tick_on=as_of)
        return report


def deliver_mail(app: App) -> DeliveryReport:
    """Send every pending message that is due (SMTP, or .eml files without an SMTP host).

    Raises DeliveryHalted when the installation cannot send (login refused, TLS, server unreachable), after
    the run has held the mail back with the reason: the one alert IT gets (a failed command or Prefect run).
    """
    report = deliver(engine=app.checked_engine(), settings=app.settings)
    if report.halted:
        raise DeliveryHalted(
            f"SMTP delivery halted: {report.halted}. {report.sent} sent, {report.deferred} held back "
            f"(nothing failed for good). Fix the SMTP settings, then run `anquan mail retry`.")
    return report


def retry_mail(app: App, *, ids: list[int] | None = None, failed_since: date | None = None, actor=None) -> int:
    """Make failed or waiting messages due again now (all of them, these ids, or those failed since a day).

    With an `actor` (a console account), the audit log records who asked, in the same unit of work."""
    since = None
    if failed_since is not None:
        since = datetime.combine(failed_since, time(0, 0), tzinfo=app.settings.tz)
    with app.session() as s:
        n = requeue(session=s, now=utcnow(), ids=ids, failed_since=since)
        if actor is not None:
            _audit_retry(s, actor, ids=ids, failed_since=failed_since, n=n, at=app.now())
        return n


def _audit_retry(session, actor, *, ids, failed_since, n: int, at: datetime) -> None:
    from sqlalchemy import select

    from anquan.accounts.accounts import audit
    from anquan.models.outbox import OutboxMessage

    if ids:
        found = session.execute(select(OutboxMessage.to_name, OutboxMessage.subject)
                                .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).all()
        target = "；".join(f"致{name}：{subject}" for name, subject in found) or "（邮件不存在）"
    elif failed_since is not None:
        target = f"{failed_since.year}年{failed_since.month}月{failed_since.day}日以来发送失败的邮件"
    else:
        target = "全部发送失败和等待重试的邮件"
    audit(session, actor, "mail_retry", target=target, detail=f"{n}封邮件重新排队发送", at=at)


def mail_alert(app: App) -> str | None:
    """Why the last delivery run halted, while the mail it held back still waits (None: no alert)."""
    with app.session() as s:
        return delivery_alert(session=s)


def mail_queued_or_sent(app: App, *, since: datetime, sent: bool = False, templates: tuple[str, ...] = ()) -> list[dict]:
    """Who was mailed what since a moment: the messages queued (or sent) since, e.g. by the run that just ended."""
    with app.session() as s:
        return mail_since(session=s, since=since, sent=sent, templates=templates)


def each_message(app: App, *, status: str | None = None, limit: int | None = None) -> Iterator[dict]:
    """The outbox, oldest first, streamed."""
    with app.session() as s:
        yield from list_messages(session=s, status=status, limit=limit)


def operations_status(app: App, *, now: datetime | None = None) -> dict:
    """What IT watches (`/metrics`): the outbox by state, how long the oldest pending message has waited, the
    latest tick date that queued mail, the latest year planned, and when the last tick and plan succeeded (the
    installation's stamps). Raises when the database does not answer."""
    from sqlalchemy import func, select

    from anquan.models.obligations import Installation, PlanStamp
    from anquan.models.outbox import MailStatus, OutboxMessage

    now = now or utcnow()
    with app.session() as s:
        by_status = dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        deferred = s.execute(select(func.count()).where(OutboxMessage.status == MailStatus.pending,
                                                        OutboxMessage.attempts > 0)).scalar_one()
        oldest = s.execute(select(func.min(OutboxMessage.created_at))
                           .where(OutboxMessage.status == MailStatus.pending)).scalar_one()
        last_tick = s.execute(select(func.max(OutboxMessage.tick_date))).scalar_one()
        last_plan = s.execute(select(func.max(PlanStamp.year))).scalar_one()
        stamps = s.get(Installation, 1)
    return {"pending": by_status.get(MailStatus.pending, 0), "deferred": deferred,
            "failed": by_status.get(MailStatus.failed, 0), "sent": by_status.get(MailStatus.sent, 0),
            "oldest_pending_seconds": (now - oldest).total_seconds() if oldest else 0.0,
            "last_tick_date": last_tick, "last_planned_year": last_plan,
            "last_tick_at": stamps.last_tick_at if stamps else None, "last_tick_on": stamps.last_tick_on if stamps else None,
            "last_plan_at": stamps.last_plan_at if stamps else None}


def prune(app: App, *, today: date, days: int | None = None, before: date | None = None, dry_run: bool = False,
          reclaim_space: bool = False) -> PruneReport:
    """Drop the bodies of mail (and the notices' lists of others told) of ticks older than the retention period
    (`days`, default ANQUAN_RETENTION_DAYS, counted back from `today`; or every tick before `before`), keeping
    who, what, when and the key; then, if asked, give the space back. A dry run only counts."""
    if before is None:
        if days is not None and days < 0:
            raise InvalidValue(f"{days} is not a number of days (0 or more)", field="days")
        before = today - timedelta(days=app.settings.retention_days if days is None else days)
    elif before > today:
        raise InvalidValue(f"{before.isoformat()} is after today ({today.isoformat()}): only what was sent before "
                           "today can lose its body", field="before")
    with app.session() as s:
        report = retention.prune(session=s, before=before, now=utcnow(), dry_run=dry_run)
    if reclaim_space and not dry_run:
        retention.reclaim(app.checked_engine())
    return report



def retally(app: App, *, check_only: bool = False) -> list[tally.Difference]:
    """Compare the kept counts of obligations (obligation_tally) with a recount and, unless `check_only`, count
    them afresh where they differ; returns the differences found (none: they were exact)."""
    with app.session() as s:
        return tally.differences(s) if check_only else tally.rebuild(s)


@dataclass(frozen=True)
class RestoreReport:
    last_tick: date
    queued_again: int  # what the tick of last_tick queued again on the restored database
    marked_sent: int  # every message the restored outbox still had to send, those included


def record_restored(app: App, *, last_tick: date) -> RestoreReport:
    """After restoring an older backup, before any service starts: nothing already sent goes out again.

    The backup knows nothing of what happened after it was taken: the ticks since then moved obligations on and
    their mail went out. The tick of `last_tick` (the last day whose mail went out before the failure) brings the
    restored obligations to where they stood (it acts on the latest stage due, as after any downtime), and every
    message still to send (those it queued, and those pending when the backup was taken, which were delivered
    minutes later) is recorded as sent before the restore. The next tick sends only what is newly due.
    """
    report = tick(app, as_of=last_tick)  # no attachments: none of it is sent
    with app.session() as s:
        marked = mark_sent_before_restore(session=s, now=utcnow())
    return RestoreReport(last_tick=last_tick, queued_again=report.messages, marked_sent=marked)

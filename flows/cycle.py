"""The Prefect flows of the cycle. Each is a thin wrapper: parse its parameters, call one use case, log and return.

State lives in Anquan's database, not in Prefect: every flow reads the
database as of a date and does what is due, so a late, repeated or missed run
ends in the same state. A scheduled run acts for the day it was *scheduled*
for, not the day it happens to start (after downtime Prefect runs every
missed run, oldest first).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import deployment, flow_run
from prefect.states import Completed, Failed, State

from anquan.app import App
from anquan.assessment import usecases as assessment
from anquan.campaigns import usecases as campaigns
from anquan.campaigns.params import CAMPAIGN_REFUSALS, EVENT_REFUSALS, Name, Sectors, Townships, refusal_in_words
from anquan.cycle import usecases as cycle
from anquan.errors import AnquanError
from anquan.flows.hooks import alert_it
from anquan.flows.logs import log_to_file
from anquan.flows import reports
from anquan.flows.history import prune_flow_runs
from anquan.flows.installation import artifact_key, check_deployment
from anquan.flows.schedule import newest_due, remove_missed_runs
from anquan.reporting import usecases as reporting
from anquan.vocabulary import ANNUAL_ASSESSMENT


# A scheduled run that fails or crashes alerts IT; a run started by hand with bad parameters tells whoever started it.
ALERTS = {"on_failure": [alert_it], "on_crashed": [alert_it]}


def _scheduled_time() -> datetime | None:
    when = flow_run.scheduled_start_time
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    return when


def _app() -> App:
    """The installation's App, from this process's settings, once the run is known to be this installation's."""
    app = App()
    log_to_file(app.settings)
    check_deployment(app.settings, deployment.name)
    return app


def scheduled_day(app: App) -> date:
    """The county-local date this run was scheduled for (today when started by hand)."""
    when = _scheduled_time()
    if when is None:
        return app.today()
    return when.astimezone(app.settings.tz).date()


def _remove_missed() -> None:
    """This run does what the deployment's missed runs would have done: they are removed (see remove_missed_runs)."""
    n, since = remove_missed_runs(now=datetime.now(timezone.utc))
    if n:
        get_run_logger().info("removed %s missed runs of this deployment, scheduled since %s: this run does their work",
                              n, since)


@flow(name="plan_year", log_prints=False, **ALERTS)
def plan_year(year: int | None = None) -> dict:
    """Plan a year's obligations (default: the year the run was scheduled in)."""
    app = _app()
    year = year or scheduled_day(app).year
    report = cycle.plan(app, year=year)
    logger = get_run_logger()
    for w in report.warnings:
        logger.warning(w)
    logger.info("planned %s: %s obligations created", year, report.total_created)
    return report.as_dict()


@flow(name="daily_tick", log_prints=False, **ALERTS)
def daily_tick(day: str | None = None) -> State | dict:
    """Queue the reminders and escalations due on a day (default: the scheduled day).

    After downtime Prefect starts every missed tick, oldest first, and the concurrency limit (one at a time,
    CANCEL_NEW) cancels a newer one that comes due while an older one holds the slot. So a tick overtaken by
    a newer scheduled one acts for the newest scheduled day, as that one would: whichever of them gets the
    slot sends the latest stage due, once (the tick is idempotent), and the newest day's mail is never lost.
    """
    app = _app()
    caught_up = None
    if day is None:
        _remove_missed()
        when = _scheduled_time()
        newest = when and newest_due(when, now=datetime.now(app.settings.tz), cron=app.settings.tick_cron,
                                     tz=app.settings.tz)
        if newest:
            caught_up = when.astimezone(app.settings.tz)
            get_run_logger().info("tick scheduled for %s was overtaken by the one due at %s: it acts for %s",
                                  caught_up, newest, newest.date())
            day = newest.date().isoformat()
    as_of = date.fromisoformat(day) if day else scheduled_day(app)
    report = assessment.daily_tick(app, as_of=as_of)
    rows = [
        {"township": township, "stage": stage, "notices": n}
        for township, stages in report.by_township_stage.items()
        for stage, n in sorted(stages.items())
    ]
    create_table_artifact(
        key=artifact_key(app.settings, "daily-tick"),
        table=rows or [{"township": "-", "stage": "-", "notices": 0}],
        description=f"Anquan tick {as_of.isoformat()}: notices by township and stage",
    )
    gaps = "\n".join(
        f"- {g['org_code']} has no `{g['role']}`: " + (f"sent to `{g['sent_to_role']}`" if g["sent_to_role"] else "**nobody to send to**")
        for g in report.gaps
    )
    create_markdown_artifact(
        key=artifact_key(app.settings, "daily-tick-summary"),
        markdown=(
            f"# Tick {as_of.isoformat()}\n\n"
            f"- obligations acted on: {report.obligations_actioned}\n"
            f"- notices: {report.notices}\n- stale stages skipped: {report.stages_skipped}\n"
            f"- messages queued: {report.messages}\n\n"
            + (f"## Staffing gaps met\n\n{gaps}\n" if gaps else "No staffing gaps met.\n")
        ),
        description=f"Anquan tick {as_of.isoformat()}",
    )
    get_run_logger().info("tick %s: %s messages queued", as_of, report.messages)
    if caught_up is not None:  # named so in the UI: a missed run that acted for a later day
        return Completed(name="CaughtUp", message=f"scheduled for {caught_up.date()}, acted for {as_of}",
                         data={**report.as_dict(), "caught_up": True, "scheduled": caught_up.isoformat()})
    return report.as_dict()


@flow(name="deliver_mail", log_prints=False, **ALERTS)
def deliver_mail() -> dict:
    """Send the pending mail (SMTP, or .eml files without an SMTP host); missed deliveries are removed."""
    app = _app()
    _remove_missed()
    started = datetime.now(timezone.utc)
    report = cycle.deliver_mail(app)
    logger = get_run_logger()
    logger.info("delivered %s, deferred %s, failed %s (%s)", report.sent, report.deferred, report.failed, report.where)
    for e in report.errors:
        logger.warning(e)
    if report.sent or report.deferred or report.failed:  # 288 runs a day: only those that did something report
        create_markdown_artifact(
            key=artifact_key(app.settings, "deliver-mail"),
            markdown=reports.delivery(report.as_dict(), cycle.mail_queued_or_sent(app, since=started, sent=True)),
            description=f"Anquan delivery: {report.sent} sent, {report.deferred} deferred, {report.failed} failed")
    return report.as_dict()


@flow(name=ANNUAL_ASSESSMENT, log_prints=False, **ALERTS)  # named after the county's duty it does
def annual_assessment(year: int | None = None) -> list[dict]:
    """Assess the past year (default: the year before the scheduled day) as a draft: recorded, its documents
    written, the county office told to review it in the console. The township heads are mailed once a county
    admin approves it there (or with `anquan assess approve`)."""
    app = _app()
    day = scheduled_day(app)
    year = year or day.year - 1
    published = assessment.draft_year(app, year=year, on=day)
    result, name, queued = published.assessment, published.county_name, published.mails_queued
    folder = published.written[0].parent
    rows = result.as_list()
    create_table_artifact(
        key=artifact_key(app.settings, "annual-assessment"),
        table=[{"rank": r["rank"], "township": f"{r['org_name']} ({r['org_code']})", "score": r["score"],
                "grade": r["grade"], "veto": "；".join(r["veto_reasons"])} for r in rows]
        or [{"rank": "-", "township": "-", "score": "-", "grade": "-", "veto": "-"}],
        description=f"{name} {year} assessment as of {day.isoformat()}, draft awaiting approval in the console"
        + (" (provisional)" if result.provisional else ""),
    )
    get_run_logger().info("drafted %s townships' assessment for %s; %s mails to the county office queued; documents in %s;"
                          " a county admin approves it at /console/assessment", len(rows), year, queued, folder)
    return rows


# The two flows started by hand. Their signatures' types make the deployments' parameter schema, which
# office_schema gives Chinese names and choices and Prefect enforces before a run exists (a bad sector, township,
# date or name). What a schema cannot say (the dates' order, an event ahead of today) the use case checks, every
# field at once, before it writes anything; such a run ends Failed, named Refused, its message the office's words.
# Prefect's own check of the arguments is off (validate_parameters=False): the use case's is the one that speaks
# Chinese and names every field.

@flow(name="special_campaign", log_prints=False, on_crashed=[alert_it], validate_parameters=False)
def special_campaign(name: Name, sectors: Sectors, from_date: date, to_date: date, summary_due: date,
                     townships: Townships = "all") -> dict | State:
    """Start a special rectification campaign by hand (Prefect UI or `prefect deployment run`)."""
    app = _app()
    started = datetime.now(timezone.utc)
    try:
        result = campaigns.start_campaign(app, params={
            "name": name, "sectors": sectors, "townships": townships, "from_date": from_date, "to_date": to_date,
            "summary_due": summary_due})
    except AnquanError as exc:
        return _refused(exc, "专项整治未启动", CAMPAIGN_REFUSALS)
    create_markdown_artifact(
        key=artifact_key(app.settings, "special-campaign"),
        markdown=reports.campaign(result, cycle.mail_queued_or_sent(app, since=started, templates=campaigns.CAMPAIGN_MAIL)),
        description=f"Anquan special campaign {result['name']}")
    get_run_logger().info("campaign %s: %s townships, %s mails queued", result["name"], len(result["townships"]),
                          result["mails_queued"])
    return result


@flow(name="major_event", log_prints=False, on_crashed=[alert_it], validate_parameters=False)
def major_event(name: Name, from_date: date, to_date: date, townships: Townships = "all") -> dict | State:
    """Enter a major event by hand (Prefect UI or `prefect deployment run`): townships inspect before it."""
    app = _app()
    started = datetime.now(timezone.utc)
    try:
        result = campaigns.add_major_event(app, params={"name": name, "townships": townships, "from_date": from_date,
                                                       "to_date": to_date})
    except AnquanError as exc:
        return _refused(exc, "重大活动未录入", EVENT_REFUSALS)
    create_markdown_artifact(
        key=artifact_key(app.settings, "major-event"),
        markdown=reports.major_event(result, cycle.mail_queued_or_sent(app, since=started,
                                                                        templates=campaigns.MAJOR_EVENT_MAIL)),
        description=f"Anquan major event {result['name']}")
    get_run_logger().info("major event %s: %s townships inspect by %s, %s mails queued", result["name"],
                          len(result["townships"]), result["inspection_due"], result["mails_queued"])
    return result


def _refused(exc: AnquanError, what: str, refusals: dict[str, str]) -> State:
    """A run whose parameters were refused (nothing written): Failed, named Refused, its message every refused
    parameter in the office's words; the log has the English for IT. Anything else is raised (a real failure)."""
    words = refusal_in_words(exc, refusals)
    if words is None:
        raise exc
    get_run_logger().warning("parameters refused, nothing done: %s", exc.render())
    return Failed(name="Refused", message=f"{what}：{words}")


@flow(name="monthly_report", log_prints=False, **ALERTS)
def monthly_report(year: int | None = None, month: int | None = None) -> dict:
    """After each month: the risk-analysis completion per township (artifact and mail), and the hazards' progress."""
    app = _app()
    day = scheduled_day(app)
    if year is None or month is None:
        year, month = reporting.previous_month(day)
    result = reporting.monthly_report(app, year=year, month=month, today=day)
    create_table_artifact(
        key=artifact_key(app.settings, "monthly-risk-analysis"),
        table=[{"township": f"{t['org_name']} ({t['org_code']})", "due": t["due"], "done": t["done"],
                "rate": f"{t['rate'] * 100:.1f}%", "not reported": "、".join(e["name"] for e in t["missing"][:20])
                + (f" 等{len(t['missing'])}家" if len(t["missing"]) > 20 else "")} for t in result["townships"]]
        or [{"township": "-", "due": 0, "done": 0, "rate": "-", "not reported": "-"}],
        description=f"Monthly risk analysis {year}-{month:02d}",
    )
    get_run_logger().info("monthly report %s-%02d: %s mails queued", year, month, result["mails_queued"])
    return result


@flow(name="sign_books", log_prints=False, **ALERTS)
def sign_books(year: int | None = None) -> dict:
    """Early February: every township, village and unit gets its book to sign, attached to the mail."""
    app = _app()
    day = scheduled_day(app)
    result = reporting.send_books(app, year=year or day.year, today=day)
    get_run_logger().info("books %s: %s rendered, %s mails queued", year or day.year, result["books"],
                          result["mails_queued"])
    return result


@flow(name="quarterly_round", log_prints=False, **ALERTS)
def quarterly_round(year: int | None = None, quarter: int | None = None) -> dict:
    """At the start of each quarter: what each township owes, self-check notices to enterprises, the county's round plan."""
    app = _app()
    day = scheduled_day(app)
    result = reporting.quarterly_round(app, year=year or day.year, quarter=quarter or (day.month - 1) // 3 + 1, today=day)
    get_run_logger().info("quarter %s opened: %s mails queued", result["period"], result["mails_queued"])
    return result


@flow(name="prune_history", log_prints=False, **ALERTS)
def prune_history(dry_run: bool = False) -> dict:
    """Every night: mail older than ANQUAN_RETENTION_DAYS loses its body (who, what, when and the key stay), and
    this installation's finished Prefect runs older than ANQUAN_PREFECT_RETENTION_DAYS are deleted."""
    app = _app()
    day = scheduled_day(app)
    report = cycle.prune(app, today=day, dry_run=dry_run)
    runs_before = datetime.now(timezone.utc) - timedelta(days=app.settings.prefect_retention_days)
    runs = prune_flow_runs(app.settings, older_than=runs_before, dry_run=dry_run)
    create_markdown_artifact(
        key=artifact_key(app.settings, "prune-history"),
        markdown=reports.pruning(day, report.as_dict(), runs, runs_before.astimezone(app.settings.tz)),
        description=f"Anquan pruning {day.isoformat()}",
    )
    get_run_logger().info("pruned before %s: %s mail bodies (%s bytes), %s notices; %s Prefect flow runs %s",
                          report.before, report.messages, report.body_bytes, report.notices, runs,
                          "to delete" if dry_run else "deleted")
    return {**report.as_dict(), "flow_runs": runs}

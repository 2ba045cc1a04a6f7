"""The Prefect flows of the cycle. Each is a thin wrapper over the function the command line calls.

State lives in Anquan's database, not in Prefect: every flow reads the
database as of a date and does what is due, so a late, repeated or missed run
ends in the same state. A scheduled run acts for the day it was *scheduled*
for, not the day it happens to start (after downtime Prefect runs every
missed run, oldest first).
"""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from anquan.app import App
from anquan.flows.schedule import superseded
from anquan.models.db import session_scope


def _scheduled_time() -> datetime | None:
    when = flow_run.scheduled_start_time
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    return when


def scheduled_day(app: App) -> date:
    """The county-local date this run was scheduled for (today when started by hand)."""
    when = _scheduled_time()
    if when is None:
        return app.today()
    return when.astimezone(app.settings.tz).date()


@flow(name="plan_year", log_prints=False)
def plan_year(year: int | None = None) -> dict:
    """Plan a year's obligations (default: the year the run was scheduled in)."""
    from anquan.cycle.planning import plan_year as plan

    app = App()
    year = year or scheduled_day(app).year
    with session_scope(app.checked_engine()) as session:
        report = plan(session=session, rules=app.rules, calendar=app.calendar, year=year)
    logger = get_run_logger()
    for w in report.warnings:
        logger.warning(w)
    logger.info("planned %s: %s obligations created", year, report.total_created)
    return report.as_dict()


@flow(name="daily_tick", log_prints=False)
def daily_tick(day: str | None = None) -> dict:
    """Queue the reminders and escalations due on a day (default: the scheduled day)."""
    from anquan.cycle.tick import tick

    app = App()
    if day is None:
        when = _scheduled_time()
        if when is not None and superseded(when, now=datetime.now(app.settings.tz), cron=app.settings.tick_cron, tz=app.settings.tz):
            get_run_logger().info("tick scheduled for %s stands aside: a newer scheduled tick acts instead", when)
            return {"superseded": True, "scheduled": when.isoformat()}
    as_of = date.fromisoformat(day) if day else scheduled_day(app)
    with session_scope(app.checked_engine()) as session:
        report = tick(session=session, rules=app.rules, as_of=as_of, mail_from=app.settings.mail_from, tz=app.settings.tz,
                      rubric=app.rubric)
    rows = [
        {"township": township, "stage": stage, "notices": n}
        for township, stages in report.by_township_stage.items()
        for stage, n in sorted(stages.items())
    ]
    create_table_artifact(
        key="daily-tick",
        table=rows or [{"township": "-", "stage": "-", "notices": 0}],
        description=f"Anquan tick {as_of.isoformat()}: notices by township and stage",
    )
    gaps = "\n".join(
        f"- {g['org_code']} has no `{g['role']}`: " + (f"sent to `{g['sent_to_role']}`" if g["sent_to_role"] else "**nobody to send to**")
        for g in report.gaps
    )
    create_markdown_artifact(
        key="daily-tick-summary",
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
    return report.as_dict()


@flow(name="deliver_mail", log_prints=False)
def deliver_mail() -> dict:
    """Send the pending mail (SMTP, or .eml files without an SMTP host)."""
    from anquan.notifications.delivery import deliver

    app = App()
    report = deliver(engine=app.checked_engine(), settings=app.settings)
    logger = get_run_logger()
    logger.info("delivered %s, deferred %s, failed %s (%s)", report.sent, report.deferred, report.failed, report.where)
    for e in report.errors:
        logger.warning(e)
    return report.as_dict()


@flow(name="annual_assessment", log_prints=False)
def annual_assessment(year: int | None = None) -> list[dict]:
    """Assess the past year (default: the year before the scheduled day), publish it and mail the results."""
    from anquan.assessment.scoring import assess, county_name, notify_results
    from anquan.assessment.documents import assessment_notice, assessment_workbook

    app = App()
    day = scheduled_day(app)
    year = year or day.year - 1
    with session_scope(app.checked_engine()) as session:
        result = assess(session=session, rules=app.rules, rubric=app.rubric, year=year, as_of=day)
        name = county_name(session)
        queued = notify_results(session=session, assessment=result, mail_from=app.settings.mail_from,
                                tz=app.settings.tz, today=day)
    folder = app.settings.data_dir / "reports" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"assessment-{year}.xlsx").write_bytes(assessment_workbook(result, county_name=name))
    (folder / f"assessment-{year}.docx").write_bytes(assessment_notice(result, county_name=name, issued_on=day))
    rows = result.as_list()
    create_table_artifact(
        key="annual-assessment",
        table=[{"rank": r["rank"], "township": f"{r['org_name']} ({r['org_code']})", "score": r["score"],
                "grade": r["grade"], "veto": "；".join(r["veto_reasons"])} for r in rows]
        or [{"rank": "-", "township": "-", "score": "-", "grade": "-", "veto": "-"}],
        description=f"{name} {year} assessment as of {day.isoformat()}" + (" (provisional)" if result.provisional else ""),
    )
    get_run_logger().info("assessed %s townships for %s; %s mails queued; documents in %s", len(rows), year, queued, folder)
    return rows


@flow(name="special_campaign", log_prints=False, validate_parameters=True)
def special_campaign(
    name: str, sectors: list[str], from_date: str, to_date: str, summary_due: str, townships: list[str] | str = "all",
) -> dict:
    """Start a special rectification campaign by hand (Prefect UI or `prefect deployment run`).

    Parameters are validated as `anquan campaign start` validates them; a bad one fails the run with the field named.
    """
    from anquan.campaigns.campaign import start_campaign, validate_params

    app = App()
    params = validate_params({"name": name, "sectors": sectors, "townships": townships, "from_date": from_date,
                              "to_date": to_date, "summary_due": summary_due})
    with session_scope(app.checked_engine()) as session:
        result = start_campaign(session=session, rules=app.rules, params=params, mail_from=app.settings.mail_from,
                                tz=app.settings.tz, today=app.today())
    get_run_logger().info("campaign %s: %s townships, %s mails queued", result["name"], len(result["townships"]),
                          result["mails_queued"])
    return result


@flow(name="major_event", log_prints=False, validate_parameters=True)
def major_event(name: str, from_date: str, to_date: str, townships: list[str] | str = "all") -> dict:
    """Enter a major event by hand (Prefect UI or `prefect deployment run`): townships inspect before it.

    Parameters are validated as `anquan event add` validates them; a bad one fails the run with the field named.
    """
    from anquan.campaigns.events import add_major_event, validate_event

    app = App()
    params = validate_event({"name": name, "townships": townships, "from_date": from_date, "to_date": to_date})
    with session_scope(app.checked_engine()) as session:
        result = add_major_event(session=session, rules=app.rules, calendar=app.calendar, params=params,
                                 mail_from=app.settings.mail_from, tz=app.settings.tz, today=app.today())
    get_run_logger().info("major event %s: %s townships inspect by %s, %s mails queued", result["name"],
                          len(result["townships"]), result["inspection_due"], result["mails_queued"])
    return result


@flow(name="monthly_report", log_prints=False)
def monthly_report(year: int | None = None, month: int | None = None) -> dict:
    """After each month: the risk-analysis completion per township (artifact and mail), and the hazards' progress."""
    from anquan.reporting.monthly import send_monthly_reports

    app = App()
    day = scheduled_day(app)
    if year is None or month is None:
        first = day.replace(day=1)
        last_month = date.fromordinal(first.toordinal() - 1)
        year, month = last_month.year, last_month.month
    with session_scope(app.checked_engine()) as session:
        result = send_monthly_reports(session=session, year=year, month=month, today=day,
                                      mail_from=app.settings.mail_from, tz=app.settings.tz)
    create_table_artifact(
        key="monthly-risk-analysis",
        table=[{"township": f"{t['org_name']} ({t['org_code']})", "due": t["due"], "done": t["done"],
                "rate": f"{t['rate'] * 100:.1f}%", "not reported": "、".join(e["name"] for e in t["missing"][:20])
                + (f" 等{len(t['missing'])}家" if len(t["missing"]) > 20 else "")} for t in result["townships"]]
        or [{"township": "-", "due": 0, "done": 0, "rate": "-", "not reported": "-"}],
        description=f"Monthly risk analysis {year}-{month:02d}",
    )
    get_run_logger().info("monthly report %s-%02d: %s mails queued", year, month, result["mails_queued"])
    return result


@flow(name="sign_books", log_prints=False)
def sign_books(year: int | None = None) -> dict:
    """Early February: every township, village and unit gets its book to sign, attached to the mail."""
    from anquan.reporting.books import send_books

    app = App()
    day = scheduled_day(app)
    year = year or day.year
    with session_scope(app.checked_engine()) as session:
        result = send_books(session=session, rules=app.rules, year=year, today=day, mail_from=app.settings.mail_from,
                            tz=app.settings.tz)
    get_run_logger().info("books %s: %s rendered, %s mails queued", year, result["books"], result["mails_queued"])
    return result


@flow(name="quarterly_round", log_prints=False)
def quarterly_round(year: int | None = None, quarter: int | None = None) -> dict:
    """At the start of each quarter: what each township owes, self-check notices to enterprises, the county's round plan."""
    from anquan.reporting.rounds import open_quarter

    app = App()
    day = scheduled_day(app)
    year = year or day.year
    quarter = quarter or (day.month - 1) // 3 + 1
    with session_scope(app.checked_engine()) as session:
        result = open_quarter(session=session, rules=app.rules, year=year, quarter=quarter, today=day,
                              mail_from=app.settings.mail_from, tz=app.settings.tz)
    get_run_logger().info("quarter %s opened: %s mails queued", result["period"], result["mails_queued"])
    return result

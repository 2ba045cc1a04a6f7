"""The `anquan` command line. It parses, calls the domain functions, and prints; nothing more."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Iterable, Optional

import typer
from typer.core import TyperGroup
from rich.console import Console
from rich.table import Table

from anquan.errors import AnquanError, InputRejected

# In a pipe, keep rows whole rather than folding them to 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, soft_wrap=True)

app = typer.Typer(
    name="anquan",
    help="Anquan (安全) runs a county's annual work-safety responsibility cycle.\n\n"
    "Start with `anquan db upgrade`, then `anquan directory import`, then `anquan plan YEAR`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
directory_app = typer.Typer(help="The county directory: organisations and contacts.", no_args_is_help=True)
obligations_app = typer.Typer(help="The year's obligations.", no_args_is_help=True)
rules_app = typer.Typer(help="The rules of the cycle (config/cycle.yaml).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(directory_app, name="directory")
app.add_typer(obligations_app, name="obligations")
mail_app = typer.Typer(help="The mail outbox: delivery and what was sent.", no_args_is_help=True)
accident_app = typer.Typer(help="Accidents of the year (事故).", no_args_is_help=True)
indicators_app = typer.Typer(help="The county-issued control indicators (控制考核指标).", no_args_is_help=True)
class _DefaultToRun(TyperGroup):
    """`anquan assess 2026 ...` runs the assessment; `anquan assess adjust ...` a subcommand."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


assess_app = typer.Typer(
    help="The annual assessment (履职考核): `anquan assess YEAR` scores every township; see `anquan assess run --help`.",
    cls=_DefaultToRun, no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")
app.add_typer(mail_app, name="mail")
app.add_typer(accident_app, name="accident")
app.add_typer(indicators_app, name="indicators")
app.add_typer(assess_app, name="assess")
hazard_app = typer.Typer(help="Listed-supervision hazards (挂牌督办隐患).", no_args_is_help=True)
campaign_app = typer.Typer(help="Special rectification campaigns (专项整治).", no_args_is_help=True)
app.add_typer(hazard_app, name="hazard")
app.add_typer(campaign_app, name="campaign")
event_app = typer.Typer(help="Major events (重大活动) entered by hand: townships inspect before them.", no_args_is_help=True)
app.add_typer(event_app, name="event")
alert_app = typer.Typer(help="Warning signs and major hazard sources enterprises report (mailed at once).",
                        no_args_is_help=True)
app.add_typer(alert_app, name="alert")
book_app = typer.Typer(help="The responsibility books (安全生产目标责任书).", no_args_is_help=True)
app.add_typer(book_app, name="book")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _app():
    from anquan.app import App

    return App()


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _stream_json(items: Iterable[dict]) -> None:
    """A JSON array written as it is read, one object a line: long listings never sit in memory."""
    sys.stdout.write("[")
    for i, item in enumerate(items):
        sys.stdout.write(("," if i else "") + "\n  " + json.dumps(item, ensure_ascii=False, default=str))
    sys.stdout.write("\n]\n")


@contextmanager
def _progress(enabled: bool):
    """A progress bar on a terminal; nothing in a pipe."""
    if not (enabled and sys.stderr.isatty()):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        yield update


def _parse_date(value: Optional[str], option: str) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AnquanError(f"{option}: {value!r} is not a date (use YYYY-MM-DD)") from None


def _table(columns: list[str], rows: Iterable[Iterable]) -> Table:
    table = Table(*columns, show_lines=False, header_style="bold")
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r])
    return table


# -- db ----------------------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or upgrade it to this version of Anquan. Safe to run again.

    Example: anquan db upgrade
    """
    from anquan.models.db import upgrade

    a = _app()
    before, after = upgrade(a.engine)
    where = a.settings.safe_database_url
    if before == after:
        out.print(f"Database {where} is up to date (revision {after}).")
    else:
        out.print(f"Database {where} upgraded from {before or 'empty'} to revision {after}.")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the one this version needs.

    Example: anquan db current
    """
    from anquan.models.db import current_revision, head_revision

    a = _app()
    out.print(f"database: {a.settings.safe_database_url}")
    out.print(f"schema revision: {current_revision(a.engine) or 'none (run `anquan db upgrade`)'}")
    out.print(f"needed revision: {head_revision()}")


# -- rules ---------------------------------------------------------------------

@rules_app.command("check")
def rules_check(
    file: Annotated[Optional[Path], typer.Argument(help="A rules file; default: ANQUAN_CYCLE_FILE.")] = None,
) -> None:
    """Validate a rules file and list its obligation kinds.

    Example: anquan rules check config/cycle.yaml
    """
    from anquan.rules.cycle import load_rules

    path = file or _app().settings.cycle_file
    rules = load_rules(path)
    out.print(f"{path}: valid, {len(rules.kinds)} obligation kinds")
    out.print(_table(
        ["kind", "title", "recurrence", "reminders (days before)", "escalation (days after → roles)"],
        (
            [k, r.title, r.recurrence, ", ".join(map(str, r.reminders)),
             "; ".join(f"{s.after_days}: {', '.join(s.notify)}" for s in r.escalation)]
            for k, r in rules.kinds.items()
        ),
    ))


# -- calendar ------------------------------------------------------------------

@app.command("holidays")
def holidays(
    year: Annotated[int, typer.Argument(help="The year.")],
    as_json: JsonOpt = False,
) -> None:
    """Show where a year's holiday arrangement comes from and its long holidays.

    Example: anquan holidays 2027
    """
    a = _app()
    cal = a.calendar.year(year)
    blocks, warnings = a.calendar.long_holidays(year, [str(h) for h in a.rules.long_holidays])
    data = {
        "year": year,
        "source": cal.source,
        "provisional": cal.provisional,
        "long_holidays": [
            {"name": b.name, "start": b.start.isoformat(), "end": b.end.isoformat(),
             "last_working_day_before": a.calendar.working_day_before(b.start).isoformat()}
            for b in blocks
        ],
        "warnings": warnings,
    }
    if as_json:
        _print_json(data)
        return
    for w in warnings:
        err.print(f"WARNING: {w}", style="bold yellow")
    out.print(f"{year}: calendar from {cal.source}{' (PROVISIONAL)' if cal.provisional else ''}")
    out.print(_table(["holiday", "rest from", "rest to", "last working day before"],
                     ([h["name"], h["start"], h["end"], h["last_working_day_before"]] for h in data["long_holidays"])))


# -- directory -----------------------------------------------------------------

@directory_app.command("template")
def directory_template(out_path: Annotated[Path, typer.Argument(metavar="OUT.xlsx", help="Where to write the workbook.")]) -> None:
    """Write an empty directory workbook with the expected sheets, headers and one example row each.

    Example: anquan directory template county.xlsx
    """
    from anquan.directory.importer import write_template

    path = write_template(out_path)
    out.print(f"Wrote {path}: sheets organisations and contacts (one example row each) and values (allowed values).")


@directory_app.command("import")
def directory_import(
    path: Annotated[Path, typer.Argument(help="An .xlsx workbook, or a folder with organisations.csv and contacts.csv.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count, write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import organisations and contacts, all or nothing; re-importing updates by code.

    Every problem is listed with sheet, row and column, and nothing is written.

    Examples:
      anquan directory import samples/qinglan-county
      anquan directory import county.xlsx --dry-run
    """
    from anquan.directory.importer import import_directory
    from anquan.models.db import session_scope

    a = _app()
    engine = a.checked_engine()
    with _progress(not as_json) as progress, session_scope(engine) as session:
        report = import_directory(session=session, path=path, dry_run=dry_run, progress=progress)
        if dry_run:
            session.rollback()
    if as_json:
        _print_json(report.as_dict())
        return
    verb = "Would import" if dry_run else "Imported"
    out.print(
        f"{verb} {path}: organisations {report.organisations_created} new, {report.organisations_updated} updated, "
        f"{report.organisations_unchanged} unchanged; contacts {report.contacts_created} new, "
        f"{report.contacts_updated} updated, {report.contacts_unchanged} unchanged, "
        f"{report.contacts_deactivated} no longer listed (made inactive)."
    )


@directory_app.command("show")
def directory_show(as_json: JsonOpt = False) -> None:
    """Summarise the directory tree and flag staffing gaps.

    Gaps: a township with fewer than 2 safety office staff, a village without a
    safety officer, an enterprise that needs a dedicated safety manager and has none.

    Example: anquan directory show --json
    """
    from anquan.directory.importer import directory_summary
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        summary = directory_summary(session=session, rules=a.rules)
    if as_json:
        _print_json(summary)
        return
    counts = summary["organisations"]
    county_names = ", ".join(f"{c['name']} ({c['code']})" for c in summary["counties"]) or "no county"
    out.print(f"{county_names}: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + f"; {summary['contacts']} contacts")
    out.print(_table(
        ["township", "name", "villages", "units", "enterprises", "contacts"],
        ([t["code"], t["name"], t["villages"], t["units"], t["enterprises"], t["contacts"]] for t in summary["townships"]),
    ))
    gaps = summary["gaps"]
    if gaps:
        out.print(f"{len(gaps)} staffing gap(s):")
        out.print(_table(["code", "name", "kind", "gap"], ([g["org_code"], g["org_name"], g["kind"], g["detail"]] for g in gaps)))
    else:
        out.print("No staffing gaps.")


# -- planning ------------------------------------------------------------------

@app.command("plan")
def plan(
    year: Annotated[int, typer.Argument(help="The year to plan, e.g. 2026.")],
    as_json: JsonOpt = False,
) -> None:
    """Create the year's obligations for the whole directory. Idempotent: run it again after any import.

    Examples:
      anquan plan 2026
      anquan plan 2027 --json
    """
    from anquan.cycle.planning import plan_year
    from anquan.models.db import session_scope

    a = _app()
    engine = a.checked_engine()
    with _progress(not as_json) as progress, session_scope(engine) as session:
        report = plan_year(session=session, rules=a.rules, calendar=a.calendar, year=year, progress=progress)
    if as_json:
        _print_json(report.as_dict())
        return
    for w in report.warnings:
        err.print(f"WARNING: {w}", style="bold yellow")
    out.print(
        f"Planned {year}: {report.total_created} obligations created "
        f"({report.organisations_planned} organisations planned, {report.organisations_skipped} already planned)."
    )
    if report.total_created:
        out.print(_table(["kind", "created"], ([k, n] for k, n in report.created.items() if n)))
    if report.updated_provisional:
        out.print(f"{report.updated_provisional} provisional obligations moved to the official calendar's dates.")
    if report.provisional_periods:
        out.print(f"Provisional (estimated calendar): {', '.join(report.provisional_periods)}")


# -- obligations ---------------------------------------------------------------

@obligations_app.command("list")
def obligations_list(
    year: Annotated[Optional[int], typer.Option("--year", help="Only this year.")] = None,
    org: Annotated[Optional[str], typer.Option("--org", metavar="CODE", help="Only this organisation's (owed by or about it).")] = None,
    kind: Annotated[Optional[str], typer.Option("--kind", help="Only this kind, e.g. quarterly_inspection.")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="open, submitted, late or waived.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows (0 = all). Default 200 for the table, all for --json.")] = -1,
    as_json: JsonOpt = False,
) -> None:
    """List obligations, in due-date order.

    Examples:
      anquan obligations list --year 2026 --org QL01
      anquan obligations list --kind midyear_report --status open --json
    """
    from anquan.cycle.obligations import count_obligations, list_obligations, validate_filters
    from anquan.models.db import session_scope

    a = _app()
    if kind is not None:
        a.rules.kind(kind)
    with session_scope(a.checked_engine()) as session:
        validate_filters(session=session, kinds=[kind] if kind else [], org_code=org, status=status)
        filters = dict(year=year, org_code=org, kind=kind, status=status)
        if as_json:
            _stream_json(list_obligations(session=session, limit=None if limit in (-1, 0) else limit, **filters))
            return
        n = 200 if limit == -1 else (limit or None)
        rows = list(list_obligations(session=session, limit=n, **filters))
        total = count_obligations(session=session, **filters) if n and len(rows) == n else len(rows)
    out.print(_table(
        ["id", "kind", "org", "name", "period", "due", "status", "submitted"],
        ([r["id"], r["kind"], r["org_code"] if r["org_code"] == r["subject_code"] else f"{r['org_code']}→{r['subject_code']}",
          r["subject_name"], r["period"], r["due_on"] + (" (provisional)" if r["provisional"] else ""),
          r["status"], r["submitted_on"]] for r in rows),
    ))
    if total > len(rows):
        out.print(f"Showing {len(rows)} of {total}; use --limit 0 for all, or --json.")
    else:
        out.print(f"{total} obligation(s).")


@obligations_app.command("show")
def obligations_show(obligation_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Show one obligation with its submission history.

    Example: anquan obligations show 42
    """
    from anquan.cycle.obligations import get_obligation
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        data = get_obligation(session=session, obligation_id=obligation_id)
    if as_json:
        _print_json(data)
        return
    for key in ("id", "kind", "org_code", "org_name", "subject_code", "subject_name", "period", "due_on",
                "nominal_due_on", "provisional", "status", "submitted_on", "waived_reason"):
        out.print(f"{key:>15}: {'' if data[key] is None else data[key]}")
    out.print(f"{'submissions':>15}: {len(data['submissions'])}")
    for s in data["submissions"]:
        out.print(f"{'':>17}{s['submitted_on']} ({s['source']}) {s['note'] or ''} {s['file_name'] or ''}".rstrip())


@obligations_app.command("waive")
def obligations_waive(
    obligation_id: Annotated[int, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is waived (kept on record).")],
) -> None:
    """Waive an open obligation: it needs nothing more and gets no reminders.

    Example: anquan obligations waive 42 --reason "enterprise closed in March"
    """
    from anquan.cycle.obligations import waive
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        waive(session=session, obligation_id=obligation_id, reason=reason)
    out.print(f"Obligation {obligation_id} waived.")


# -- submissions ---------------------------------------------------------------

@app.command("submit")
def submit_cmd(
    obligation_id: Annotated[Optional[int], typer.Argument(metavar="ID", help="The obligation's id.")] = None,
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="Date it was handed in (default today).")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="A note kept with the submission.")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="A scan or document; a copy is kept.")] = None,
    import_file: Annotated[Optional[Path], typer.Option("--import", metavar="FILE", help=".xlsx or .csv with columns id, submitted_on, note.")] = None,
    warning: Annotated[Optional[str], typer.Option("--warning", metavar="TEXT", help="A monthly risk analysis that found a warning sign (事故征兆): what it is. Mailed at once to the township safety office and the county office.")] = None,
    major_hazard: Annotated[Optional[str], typer.Option("--major-hazard", metavar="TEXT", help="A monthly risk analysis that identified a major hazard source (重大危险源) to file. Mailed at once, like --warning.")] = None,
    measures: Annotated[Optional[str], typer.Option("--measures", metavar="TEXT", help="With --warning or --major-hazard: what the enterprise has done or will do.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record what was submitted: late if after the due date; a resubmission is kept as history.

    Examples:
      anquan submit 42 --on 2026-07-03 --note "signed by the township head" --file report.pdf
      anquan submit --import submissions.xlsx
      anquan submit 1234 --warning "3号储罐液位计失灵，罐区可燃气体报警两次" --measures "停用3号罐，已报修"
    """
    from anquan.cycle.obligations import import_submissions, submit
    from anquan.models.db import session_scope

    if (obligation_id is None) == (import_file is None):
        raise AnquanError("give either an obligation ID or --import FILE")
    if import_file is not None and (on or note or file or warning or major_hazard or measures):
        raise AnquanError("--on, --note, --file, --warning, --major-hazard and --measures go with an obligation ID, "
                          "not with --import")
    if measures and not (warning or major_hazard):
        raise AnquanError("--measures goes with --warning or --major-hazard")
    a = _app()
    today = a.today()
    alerts: list[dict] = []
    with session_scope(a.checked_engine()) as session:
        if import_file is not None:
            results = import_submissions(session=session, path=import_file, today=today)
        else:
            submitted_on = _parse_date(on, "--on")
            if warning or major_hazard:
                from anquan.records.alerts import report_alert
                from anquan.models.directory import Organisation
                from anquan.models.obligations import Obligation

                ob = session.get(Obligation, obligation_id)
                if ob is not None and ob.kind != "monthly_risk_analysis":
                    raise AnquanError(f"--warning and --major-hazard go with an enterprise's monthly risk analysis; "
                                      f"obligation {obligation_id} is a {ob.kind}")
            results = [submit(session=session, obligation_id=obligation_id, today=today,
                              submitted_on=submitted_on, note=note, file=file, files_dir=a.settings.files_dir)]
            for kind, text in (("warning_sign", warning), ("major_hazard_source", major_hazard)):
                if text:
                    alerts.append(report_alert(
                        session=session, rules=a.rules, org_code=session.get(Organisation, ob.org_id).code, kind=kind,
                        description=text, measures=measures, reported_on=submitted_on or today, today=today,
                        obligation_id=ob.id, mail_from=a.settings.mail_from, tz=a.settings.tz))
    delivery = _deliver_at_once(a) if any(x["mails_queued"] for x in alerts) else None
    if as_json:
        payload = [r.as_dict() for r in results]
        if alerts:
            payload = {"submissions": payload, "alerts": alerts, "delivery": delivery}
        _print_json(payload)
        return
    for r in results:
        extra = "" if r.first else " (added to its history; status unchanged)"
        out.print(f"Obligation {r.obligation_id}: submitted on {r.submitted_on.isoformat()}, {r.status}{extra}.")
    for x in alerts:
        _print_alert(x, delivery)


def _deliver_at_once(a) -> dict:
    """Alerts do not wait for the next scheduled delivery; what cannot go now stays pending for it."""
    from anquan.notifications.delivery import deliver

    return deliver(engine=a.checked_engine(), settings=a.settings).as_dict()


def _print_alert(x: dict, delivery: dict | None) -> None:
    label = {"warning_sign": "Warning sign", "major_hazard_source": "Major hazard source"}[x["kind"]]
    verb = "recorded" if x["created"] else "already recorded"
    out.print(f"{label} #{x['id']} from {x['org_code']} {x['org_name']} {verb}; {x['mails_queued']} mail(s) queued "
              f"to {', '.join(x['recipients']) or 'nobody (no safety office or county office in the directory)'}.")
    if delivery is not None:
        where = f"as .eml files in {delivery['where']}" if delivery["backend"] == "folder" else f"via {delivery['where']}"
        out.print(f"Delivered {delivery['sent']} message(s) {where} at once; {delivery['deferred']} deferred for retry "
                  f"(the scheduled delivery retries them), {delivery['failed']} failed.")


# -- the daily tick and mail -----------------------------------------------------

@app.command("tick")
def tick_cmd(
    on: Annotated[Optional[str], typer.Option("--date", metavar="DATE", help="The day to act for (default: today in the county).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Send the reminders and escalations due on a day into the outbox. Running it twice sends nothing twice.

    After downtime only the latest stage due for each obligation is sent; older
    ones are recorded as skipped. Deliver with `anquan mail deliver`.

    Examples:
      anquan tick
      anquan tick --date 2026-07-06 --json
    """
    from anquan.cycle.tick import tick
    from anquan.models.db import session_scope

    a = _app()
    day = _parse_date(on, "--date") or a.today()
    with _progress(not as_json) as progress, session_scope(a.checked_engine()) as session:
        report = tick(session=session, rules=a.rules, as_of=day, mail_from=a.settings.mail_from, tz=a.settings.tz,
                      progress=progress, rubric=a.rubric)
    if as_json:
        _print_json(report.as_dict())
        return
    out.print(
        f"Tick {day.isoformat()}: {report.obligations_actioned} obligations acted on, {report.notices} notices, "
        f"{report.stages_skipped} stale stages skipped, {report.messages} messages queued."
    )
    for g in report.gaps:
        target = f"sent to {g['sent_to_role']} instead" if g["sent_to_role"] else "NOBODY to send to"
        err.print(f"GAP: {g['org_code']} has no {g['role']}: {target}", style="yellow")


@mail_app.command("deliver")
def mail_deliver(as_json: JsonOpt = False) -> None:
    """Send every pending message that is due: over SMTP, or as .eml files when no SMTP host is set.

    Examples:
      anquan mail deliver
      ANQUAN_SMTP_HOST=mail.county.example anquan mail deliver --json
    """
    from anquan.notifications.delivery import deliver

    a = _app()
    report = deliver(engine=a.checked_engine(), settings=a.settings)
    if as_json:
        _print_json(report.as_dict())
        return
    where = f"as .eml files in {report.where}" if report.backend == "folder" else f"via {report.where}"
    out.print(f"Delivered {report.sent} message(s) {where}; {report.deferred} deferred for retry, {report.failed} failed.")
    for e in report.errors:
        err.print(f"  {e}")


@mail_app.command("list")
def mail_list(
    status: Annotated[Optional[str], typer.Option("--status", help="pending, sent or failed.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0 = all). Default 200 for the table, all for --json.")] = -1,
    as_json: JsonOpt = False,
) -> None:
    """Show the outbox.

    Examples:
      anquan mail list --status pending
      anquan mail list --json
    """
    from anquan.models.db import session_scope
    from anquan.notifications.outbox import list_messages

    a = _app()
    with session_scope(a.checked_engine()) as session:
        if as_json:
            _stream_json(list_messages(session=session, status=status, limit=None if limit in (-1, 0) else limit))
            return
        rows = list(list_messages(session=session, status=status, limit=200 if limit == -1 else (limit or None)))
    out.print(_table(["id", "to", "subject", "stage", "status", "attempts", "last error"],
                     ([r["id"], r["to"], r["subject"], r["stage"], r["status"], r["attempts"], r["last_error"]] for r in rows)))
    out.print(f"{len(rows)} message(s) shown.")


@app.command("serve")
def serve_cmd() -> None:
    """Run the cycle on its schedules: the daily tick, mail delivery, and planning of the new year.

    Starts a Prefect server on 127.0.0.1 (its UI on ANQUAN_PREFECT_PORT, state
    kept in the data folder) unless PREFECT_API_URL names one, then serves the
    deployments until stopped with Ctrl-C. Schedules: ANQUAN_TICK_CRON,
    ANQUAN_DELIVER_CRON, ANQUAN_PLAN_CRON, in the county's time zone.

    Example: anquan serve
    """
    from anquan.flows.serve import serve_forever

    a = _app()
    a.checked_engine()
    serve_forever(a.settings)


# -- accidents, indicators, the assessment -----------------------------------------

def _accident_out(data: dict, queued: int, as_json: bool, verb: str) -> None:
    if as_json:
        _print_json({**data, "mails_queued": queued})
        return
    out.print(f"{verb} accident {data['id']}: {data['org_code']} {data['date']} {data['kind']}, "
              f"{data['deaths']} dead, {data['injuries']} injured" + (f"; {queued} mail(s) queued" if queued else "") + ".")


@accident_app.command("add")
def accident_add(
    org: Annotated[str, typer.Option("--org", metavar="CODE", help="The township it is charged to.")],
    on: Annotated[str, typer.Option("--date", metavar="DATE", help="When it happened (YYYY-MM-DD).")],
    kind: Annotated[str, typer.Option("--kind", help="road_traffic or other.")],
    deaths: Annotated[int, typer.Option("--deaths", help="Number of deaths.")],
    injuries: Annotated[int, typer.Option("--injuries", help="Number injured.")] = 0,
    not_liability: Annotated[bool, typer.Option("--not-liability", help="Not a safety liability accident (责任事故).")] = False,
    egregious: Annotated[bool, typer.Option("--egregious", help="Flagged by the county: especially bad social impact.")] = False,
    description: Annotated[Optional[str], typer.Option("--description", help="What happened.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an accident. With deaths, the county office and the township head are told at once.

    Example: anquan accident add --org QL01 --date 2026-05-03 --kind road_traffic --deaths 2 --injuries 3
    """
    from anquan.records.accidents import add_accident
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        data, queued = add_accident(session=session, org_code=org, occurred_on=_parse_date(on, "--date"), kind=kind,
                                    deaths=deaths, injuries=injuries, liability=not not_liability, egregious=egregious,
                                    description=description, mail=a.mail(), rubric=a.rubric, today=a.today())
    _accident_out(data, queued, as_json, "Recorded")


@accident_app.command("update")
def accident_update(
    accident_id: Annotated[int, typer.Argument(metavar="ID")],
    org: Annotated[Optional[str], typer.Option("--org", metavar="CODE")] = None,
    on: Annotated[Optional[str], typer.Option("--date", metavar="DATE")] = None,
    kind: Annotated[Optional[str], typer.Option("--kind")] = None,
    deaths: Annotated[Optional[int], typer.Option("--deaths")] = None,
    injuries: Annotated[Optional[int], typer.Option("--injuries")] = None,
    liability: Annotated[Optional[bool], typer.Option("--liability/--not-liability")] = None,
    egregious: Annotated[Optional[bool], typer.Option("--egregious/--not-egregious")] = None,
    description: Annotated[Optional[str], typer.Option("--description")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Correct an accident (e.g. a later death toll). Only the options given change.

    Example: anquan accident update 7 --deaths 4
    """
    from anquan.records.accidents import update_accident
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        data, queued = update_accident(
            session=session, accident_id=accident_id, mail=a.mail(), rubric=a.rubric, today=a.today(), org_code=org,
            occurred_on=_parse_date(on, "--date"), kind=kind, deaths=deaths, injuries=injuries, liability=liability,
            egregious=egregious, description=description)
    _accident_out(data, queued, as_json, "Updated")


@accident_app.command("list")
def accident_list(
    year: Annotated[Optional[int], typer.Option("--year")] = None,
    org: Annotated[Optional[str], typer.Option("--org", metavar="CODE")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List accidents.

    Example: anquan accident list --year 2026
    """
    from anquan.records.accidents import list_accidents
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        rows = list_accidents(session=session, year=year, org_code=org)
    if as_json:
        _print_json(rows)
        return
    out.print(_table(["id", "township", "date", "kind", "deaths", "injured", "liability", "egregious", "description"],
                     ([r["id"], f"{r['org_name']} ({r['org_code']})", r["date"], r["kind"], r["deaths"], r["injuries"],
                       "yes" if r["liability"] else "no", "YES" if r["egregious"] else "", r["description"]] for r in rows)))


@accident_app.command("show")
def accident_show(accident_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Show one accident.

    Example: anquan accident show 7
    """
    from anquan.records.accidents import get_accident
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        data = get_accident(session=session, accident_id=accident_id)
    if as_json:
        _print_json(data)
        return
    for k, v in data.items():
        out.print(f"{k:>12}: {'' if v is None else v}")


@accident_app.command("import")
def accident_import(file: Annotated[Path, typer.Argument(metavar="FILE", help=".xlsx or .csv")], as_json: JsonOpt = False) -> None:
    """Import accidents (columns org_code, date, kind, deaths, injuries, liability, egregious, description). All or nothing.

    Example: anquan accident import accidents.xlsx
    """
    from anquan.records.accidents import import_accidents
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        rows = import_accidents(session=session, path=file, mail=a.mail(), rubric=a.rubric, today=a.today())
    if as_json:
        _print_json(rows)
        return
    out.print(f"Imported {len(rows)} accident(s).")


@indicators_app.command("import")
def indicators_import(file: Annotated[Path, typer.Argument(metavar="FILE", help=".xlsx or .csv")], as_json: JsonOpt = False) -> None:
    """Import the control indicators per township and year (columns org_code, year, max_accidents, max_deaths[, max_injuries]).

    Re-importing replaces a township's indicators for that year. All or nothing.
    Townships already at 80 % of an indicator, or past it, are warned.

    Example: anquan indicators import indicators-2026.xlsx
    """
    from anquan.records.accidents import import_indicators
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        result = import_indicators(session=session, path=file, rubric=a.rubric, mail=a.mail(), today=a.today())
    if as_json:
        _print_json(result)
        return
    out.print(f"Indicators: {result['created']} new, {result['updated']} replaced; {result['warnings_queued']} warning mail(s) queued.")


@assess_app.command("run")
def assess_cmd(
    year: Annotated[int, typer.Argument(help="The year assessed.")],
    org: Annotated[Optional[str], typer.Option("--org", metavar="CODE", help="One township: its provisional score.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", metavar="DATE", help="Assess as of this day (default today).")] = None,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", metavar="OUT", help="Write the workbook here.")] = None,
    docx: Annotated[Optional[Path], typer.Option("--docx", metavar="OUT", help="Write the notice here.")] = None,
    notify: Annotated[bool, typer.Option("--notify", help="Mail each township head and the county office.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Score every township for a year: deductions, the one-vote veto, grades. (`anquan assess YEAR` is short for this.)

    Examples:
      anquan assess 2026 --xlsx 2026.xlsx --docx 2026.docx
      anquan assess 2026 --org QL01            (a township's provisional score)
      anquan assess adjust --org QL01 --year 2026 --points -2 --item 督查发现问题 --reason "Q3 督查台账不全"
    """
    from anquan.assessment.scoring import assess, county_name, notify_results
    from anquan.assessment.documents import assessment_notice, assessment_workbook
    from anquan.models.db import session_scope

    a = _app()
    day = _parse_date(as_of, "--as-of") or a.today()
    with session_scope(a.checked_engine()) as session:
        result = assess(session=session, rules=a.rules, rubric=a.rubric, year=year, as_of=day, org_code=org)
        name = county_name(session)
        queued = notify_results(session=session, assessment=result, mail_from=a.settings.mail_from, tz=a.settings.tz,
                                today=a.today()) if notify else 0
    if xlsx:
        xlsx.write_bytes(assessment_workbook(result, county_name=name))
    if docx:
        docx.write_bytes(assessment_notice(result, county_name=name, issued_on=a.today()))
    if as_json:
        _print_json(result.as_list())
        return
    if result.provisional:
        out.print(f"Provisional: as of {day.isoformat()}, not every duty of {year} has fallen due.")
    out.print(_table(["rank", "code", "township", "score", "grade", "veto"],
                     ([i, r.org_code, r.org_name, f"{float(r.score):g}", r.grade, "；".join(r.veto_reasons)]
                      for i, r in enumerate(result.ranked(), start=1))))
    if org:
        for d in result.results[0].deductions:
            out.print(f"  {float(d.points):+g}  {d.item}: {d.evidence}")
    for t in result.county_targets:
        out.print(f"County target: {t}")
    for path in (xlsx, docx):
        if path:
            out.print(f"Wrote {path}")
    if notify:
        out.print(f"{queued} mail(s) queued; deliver with `anquan mail deliver`.")


@assess_app.command("adjust")
def assess_adjust(
    org: Annotated[Optional[str], typer.Option("--org", metavar="CODE", help="The township.")] = None,
    year: Annotated[Optional[int], typer.Option("--year", help="The year assessed.")] = None,
    points: Annotated[Optional[str], typer.Option("--points", help="Points, negative to deduct (e.g. -2 or 1.5).")] = None,
    item: Annotated[Optional[str], typer.Option("--item", help="The rubric item.")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why; the township sees it.")] = None,
    import_file: Annotated[Optional[Path], typer.Option("--import", metavar="FILE", help=".xlsx/.csv: org_code, year, points, item, reason.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Enter a manual score item, e.g. from a quarterly supervision visit.

    Examples:
      anquan assess adjust --org QL01 --year 2026 --points -2 --item 督查发现问题 --reason "三季度督查台账不全"
      anquan assess adjust --import adjustments.xlsx
    """
    from anquan.records.accidents import add_adjustment, import_adjustments
    from anquan.models.db import session_scope

    a = _app()
    if import_file is None:
        missing = [n for n, v in (("--org", org), ("--year", year), ("--points", points), ("--item", item), ("--reason", reason)) if v is None]
        if missing:
            raise AnquanError(f"missing {', '.join(missing)} (or give --import FILE)")
    with session_scope(a.checked_engine()) as session:
        if import_file is not None:
            rows = import_adjustments(session=session, path=import_file)
        else:
            rows = [add_adjustment(session=session, org_code=org, year=year, points=points, item=item, reason=reason)]
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        out.print(f"Adjustment {r['id']}: {r['org_code']} {r['year']} {r['points']:+g} {r['item']}")


@assess_app.command("check-rubric")
def assess_check_rubric(file: Annotated[Optional[Path], typer.Argument(help="Default: ANQUAN_RUBRIC_FILE.")] = None) -> None:
    """Validate a rubric file.

    Example: anquan assess check-rubric config/rubric.yaml
    """
    from anquan.rules.rubric import load_rubric

    path = file or _app().settings.rubric_file
    r = load_rubric(path)
    out.print(f"{path}: valid; base {r.base}, {len(r.obligations)} obligation items, risk analysis, staffing, indicators.")


# -- hazards and campaigns ---------------------------------------------------------

def _hazard_out(data: dict, as_json: bool, verb: str) -> None:
    if as_json:
        _print_json(data)
        return
    where = data["enterprise_name"] or data["place"]
    out.print(f"{verb} hazard {data['id']} ({data['org_code']}, {where}): deadline {data['deadline']}, {data['status']}"
              + (", OVERDUE" if data.get("overdue") else "") + ".")


@hazard_app.command("add")
def hazard_add(
    org: Annotated[str, typer.Option("--org", metavar="CODE", help="The township that lists it.")],
    year: Annotated[int, typer.Option("--year")],
    description: Annotated[str, typer.Option("--description", help="The hazard.")],
    responsible: Annotated[str, typer.Option("--responsible", help="The person responsible for rectification.")],
    measures: Annotated[str, typer.Option("--measures", help="Rectification measures.")],
    deadline: Annotated[str, typer.Option("--deadline", metavar="DATE")],
    emergency_plan: Annotated[str, typer.Option("--emergency-plan", help="The emergency plan meanwhile.")],
    funds: Annotated[Optional[str], typer.Option("--funds", help="Funds, as stated (e.g. 12万元).")] = None,
    enterprise: Annotated[Optional[str], typer.Option("--enterprise", metavar="CODE", help="The enterprise, if any.")] = None,
    place: Annotated[Optional[str], typer.Option("--place", help="Where, if not an enterprise.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List a hazard for the year; its rectification gets reminders and escalation up to the deadline.

    Example: anquan hazard add --org QL01 --year 2026 --enterprise QL01E001 --description "脚手架基础不稳"
             --responsible 张伟 --measures "加固基础" --funds 5万元 --deadline 2026-09-30 --emergency-plan "停止作业"
    """
    from anquan.records.hazards import add_hazard
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        data = add_hazard(session=session, rules=a.rules, org_code=org, year=year, description=description,
                          responsible_person=responsible, measures=measures, deadline=_parse_date(deadline, "--deadline"),
                          emergency_plan=emergency_plan, funds=funds, enterprise_code=enterprise, place=place)
    _hazard_out(data, as_json, "Listed")


@hazard_app.command("list")
def hazard_list(
    year: Annotated[Optional[int], typer.Option("--year")] = None,
    org: Annotated[Optional[str], typer.Option("--org", metavar="CODE")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="open or closed.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List hazards, by deadline.

    Example: anquan hazard list --year 2026 --status open
    """
    from anquan.records.hazards import list_hazards
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        rows = list_hazards(session=session, year=year, org_code=org, status=status, today=a.today())
    if as_json:
        _print_json(rows)
        return
    out.print(_table(["id", "township", "where", "description", "deadline", "status", "responsible"],
                     ([r["id"], r["org_code"], r["enterprise_name"] or r["place"], r["description"], r["deadline"],
                       r["status"] + (" OVERDUE" if r["overdue"] else ""), r["responsible_person"]] for r in rows)))


@hazard_app.command("show")
def hazard_show(hazard_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Show one hazard.

    Example: anquan hazard show 3
    """
    from anquan.records.hazards import get_hazard
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        data = get_hazard(session=session, hazard_id=hazard_id, today=a.today())
    if as_json:
        _print_json(data)
        return
    for k, v in data.items():
        out.print(f"{k:>18}: {'' if v is None else v}")


@hazard_app.command("update")
def hazard_update(
    hazard_id: Annotated[int, typer.Argument(metavar="ID")],
    description: Annotated[Optional[str], typer.Option("--description")] = None,
    responsible: Annotated[Optional[str], typer.Option("--responsible")] = None,
    measures: Annotated[Optional[str], typer.Option("--measures")] = None,
    deadline: Annotated[Optional[str], typer.Option("--deadline", metavar="DATE")] = None,
    emergency_plan: Annotated[Optional[str], typer.Option("--emergency-plan")] = None,
    funds: Annotated[Optional[str], typer.Option("--funds")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an open hazard; a new deadline moves its rectification obligation.

    Example: anquan hazard update 3 --deadline 2026-10-31
    """
    from anquan.records.hazards import update_hazard
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        data = update_hazard(session=session, rules=a.rules, hazard_id=hazard_id, description=description,
                             responsible_person=responsible, measures=measures,
                             deadline=_parse_date(deadline, "--deadline"), emergency_plan=emergency_plan, funds=funds)
    _hazard_out(data, as_json, "Updated")


@hazard_app.command("close")
def hazard_close(
    hazard_id: Annotated[int, typer.Argument(metavar="ID")],
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="Day the rectification was completed (default today).")] = None,
    note: Annotated[Optional[str], typer.Option("--note")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Close a hazard: its rectification is met and the effect evaluation (整改效果评价) opens.

    Example: anquan hazard close 3 --on 2026-09-20 --note "基础已加固，验收合格"
    """
    from anquan.records.hazards import close_hazard
    from anquan.models.db import session_scope

    a = _app()
    today = a.today()
    with session_scope(a.checked_engine()) as session:
        data = close_hazard(session=session, rules=a.rules, hazard_id=hazard_id, closed_on=_parse_date(on, "--on") or today,
                            today=today, note=note)
    _hazard_out(data, as_json, "Closed")
    if not as_json:
        out.print(f"Effect evaluation: obligation {data['evaluation_id']}.")


@hazard_app.command("import")
def hazard_import(file: Annotated[Path, typer.Argument(metavar="FILE", help=".xlsx or .csv")], as_json: JsonOpt = False) -> None:
    """Import hazards (columns org_code, year, description, enterprise_code, place, responsible_person, measures,
    funds, deadline, emergency_plan). All or nothing.

    Example: anquan hazard import hazards-2026.xlsx
    """
    from anquan.records.hazards import import_hazards
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        rows = import_hazards(session=session, rules=a.rules, path=file)
    if as_json:
        _print_json(rows)
        return
    out.print(f"Listed {len(rows)} hazard(s).")


@campaign_app.command("start")
def campaign_start(
    name: Annotated[str, typer.Option("--name", help="The campaign's name.")],
    sectors: Annotated[str, typer.Option("--sectors", metavar="S1,S2", help="Sectors in scope, e.g. fireworks,hazardous_chemicals.")],
    start: Annotated[str, typer.Option("--from", metavar="DATE")],
    end: Annotated[str, typer.Option("--to", metavar="DATE")],
    summary_due: Annotated[str, typer.Option("--summary-due", metavar="DATE")],
    townships: Annotated[str, typer.Option("--townships", metavar="all|T1,T2")] = "all",
    as_json: JsonOpt = False,
) -> None:
    """Start a special rectification campaign: a summary obligation per township, notices to the enterprises.

    The same parameters can be given to the Prefect deployment `special_campaign`.

    Example: anquan campaign start --name 烟花爆竹安全专项整治 --sectors fireworks,hazardous_chemicals
             --from 2026-12-01 --to 2027-01-31 --summary-due 2027-02-10
    """
    from anquan.campaigns.campaign import start_campaign, validate_params
    from anquan.models.db import session_scope

    a = _app()
    params = validate_params({"name": name, "sectors": sectors, "townships": townships, "from_date": start,
                              "to_date": end, "summary_due": summary_due})
    with session_scope(a.checked_engine()) as session:
        result = start_campaign(session=session, rules=a.rules, params=params, mail_from=a.settings.mail_from,
                                tz=a.settings.tz, today=a.today())
    if as_json:
        _print_json(result)
        return
    verb = "Started" if result["created"] else "Already started:"
    out.print(f"{verb} campaign {result['id']} {result['name']}: {len(result['townships'])} township(s), "
              f"summaries due {result['summary_due']}; {result['mails_queued']} mail(s) queued.")


# -- major events and risk alerts ---------------------------------------------------

@event_app.command("add")
def event_add(
    name: Annotated[str, typer.Option("--name", help="The event's name, e.g. 全国两会.")],
    start: Annotated[str, typer.Option("--from", metavar="DATE", help="First day of the event.")],
    end: Annotated[str, typer.Option("--to", metavar="DATE", help="Last day of the event.")],
    townships: Annotated[str, typer.Option("--townships", metavar="all|T1,T2")] = "all",
    as_json: JsonOpt = False,
) -> None:
    """Enter a major event: each township in scope owes a special inspection before it, like before a long holiday.

    The inspection is due the working day before the event starts (rules file, kind event_inspection), with
    the same reminders and escalation; the townships' safety offices and deputy heads are told at once.

    Example: anquan event add --name 全国两会 --from 2027-03-03 --to 2027-03-12
    """
    from anquan.campaigns.events import add_major_event, validate_event
    from anquan.models.db import session_scope

    a = _app()
    params = validate_event({"name": name, "townships": townships, "from_date": start, "to_date": end})
    with session_scope(a.checked_engine()) as session:
        result = add_major_event(session=session, rules=a.rules, calendar=a.calendar, params=params,
                                 mail_from=a.settings.mail_from, tz=a.settings.tz, today=a.today())
    if as_json:
        _print_json(result)
        return
    verb = "Entered" if result["created"] else "Already entered:"
    out.print(f"{verb} major event {result['id']} {result['name']} ({result['from']} to {result['to']}): "
              f"{len(result['townships'])} township(s) inspect by {result['inspection_due']}; "
              f"{result['mails_queued']} mail(s) queued.")


@event_app.command("list")
def event_list(
    year: Annotated[Optional[int], typer.Option("--year", help="Only events starting in this year.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the major events entered, with how many townships have reported their inspection.

    Example: anquan event list --year 2027
    """
    from anquan.campaigns.events import list_major_events
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        rows = list_major_events(session=session, year=year)
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "name", "from", "to", "townships", "inspections done")
    for r in rows:
        table.add_row(str(r["id"]), r["name"], r["from"], r["to"], str(len(r["townships"])),
                      f"{r['inspections_done']}/{r['inspections']}")
    out.print(table)


@alert_app.command("report")
def alert_report(
    org: Annotated[str, typer.Option("--org", metavar="CODE", help="The enterprise's code.")],
    kind: Annotated[str, typer.Option("--kind", help="warning_sign (事故征兆) or major_hazard_source (重大危险源).")],
    text: Annotated[str, typer.Option("--text", help="What was found.")],
    measures: Annotated[Optional[str], typer.Option("--measures", help="What the enterprise has done or will do.")] = None,
    on: Annotated[Optional[str], typer.Option("--date", metavar="DATE", help="When it was found (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a warning sign or a major hazard source and mail it at once to the township and the county.

    Mail goes to the township's safety office and the county office (up the fallback chain when nobody holds
    the role) and is delivered at once; what cannot go now stays pending for the scheduled delivery.
    With a monthly risk analysis in hand, `anquan submit ID --warning TEXT` records both together.

    Example: anquan alert report --org QL04E006 --kind warning_sign --text "仓库温度异常升高" --measures "已停止作业"
    """
    from anquan.records.alerts import report_alert
    from anquan.models.db import session_scope

    a = _app()
    today = a.today()
    with session_scope(a.checked_engine()) as session:
        result = report_alert(session=session, rules=a.rules, org_code=org, kind=kind, description=text,
                              measures=measures, reported_on=_parse_date(on, "--date") or today, today=today,
                              mail_from=a.settings.mail_from, tz=a.settings.tz)
    delivery = _deliver_at_once(a) if result["mails_queued"] else None
    if as_json:
        _print_json({**result, "delivery": delivery})
        return
    _print_alert(result, delivery)


@alert_app.command("list")
def alert_list(
    year: Annotated[Optional[int], typer.Option("--year", help="Only alerts reported in this year.")] = None,
    township: Annotated[Optional[str], typer.Option("--township", metavar="CODE")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the warning signs and major hazard sources reported.

    Example: anquan alert list --year 2026 --township QL04
    """
    from anquan.records.alerts import list_alerts
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        rows = list_alerts(session=session, year=year, township=township)
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "reported", "kind", "enterprise", "township", "description")
    for r in rows:
        table.add_row(str(r["id"]), r["reported_on"], r["kind_label"], f"{r['org_code']} {r['org_name']}", r["township"],
                      r["description"])
    out.print(table)


# -- books ---------------------------------------------------------------------------

@book_app.command("render")
def book_render(
    year: Annotated[int, typer.Argument(help="The year of the books.")],
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder to write the .docx files to.")],
    org: Annotated[Optional[str], typer.Option("--org", metavar="CODE", help="Only this township, village or unit.")] = None,
) -> None:
    """Write the year's responsibility books (county↔township, township↔village/unit) as .docx files.

    The wording is in templates/documents/*.docx: edit them in Word. A broken field is refused by name.

    Example: anquan book render 2027 --out books/
    """
    from anquan.reporting.books import render_books
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        paths = render_books(session=session, year=year, out=out_dir, org_code=org)
    out.print(f"Wrote {len(paths)} book(s) to {out_dir}.")


@book_app.command("send")
def book_send(year: Annotated[int, typer.Argument(help="The year of the books.")], as_json: JsonOpt = False) -> None:
    """Mail each unsigned book to its signatory with the book attached (the February flow does this too).

    Example: anquan book send 2027
    """
    from anquan.reporting.books import send_books
    from anquan.models.db import session_scope

    a = _app()
    with session_scope(a.checked_engine()) as session:
        result = send_books(session=session, rules=a.rules, year=year, today=a.today(), mail_from=a.settings.mail_from,
                            tz=a.settings.tz)
    if as_json:
        _print_json(result)
        return
    out.print(f"{result['books']} book(s) rendered, {result['mails_queued']} mail(s) queued; the signed scans come back with "
              "`anquan submit ID --file scan.pdf`.")


# -- simulation ------------------------------------------------------------------------

@app.command("simulate")
def simulate_cmd(
    year: Annotated[int, typer.Argument(help="The year to play.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random mix of on-time, late and missing submissions.")] = 2026,
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="Where the database, mail and documents go.")] = Path("simulation"),
    directory: Annotated[Optional[Path], typer.Option("--directory", metavar="PATH", help="A directory to load instead of the sample county.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Play a whole year of the sample county day by day on a database of its own, and summarise it.

    Submissions (on time, late, missing), hazards, accidents and a campaign are
    drawn from the seed; ticks run every day and mail goes to DIR/mail as .eml
    files; the assessment runs in January. Your own database is not touched.

    Example: anquan simulate 2026 --seed 7 --out /tmp/sim
    """
    from anquan.simulation import SAMPLE, simulate
    from anquan.models.settings import load_settings

    with _progress(not as_json) as progress:
        summary = simulate(year=year, out=out_dir, seed=seed, directory=directory or SAMPLE, base=load_settings(),
                           progress=progress)
    if as_json:
        _print_json(summary)
        return
    out.print(f"Simulated {year} (seed {seed}) in {summary['seconds']} s: {summary['days']} days, "
              f"{summary['mail']['total']} mails ({summary['mail']['files']} .eml files in {out_dir / 'mail'}).")
    out.print("Obligations: " + ", ".join(f"{k} {v}" for k, v in summary["obligations"].items()))
    out.print(f"Major events entered: {summary['major_events']}; risk alerts: "
              + (", ".join(f"{k} {v}" for k, v in sorted(summary["alerts"].items())) or "none"))
    out.print(_table(["mail", "stage", "messages"], ([t, st, n] for t, stages in summary["mail"]["by_template_and_stage"].items()
                                                    for st, n in sorted(stages.items()))))
    out.print(_table(["township", "name", "open", "submitted", "late", "score", "grade"],
                     ([c, t["name"], t["obligations"].get("open", 0), t["obligations"].get("submitted", 0),
                       t["obligations"].get("late", 0), t.get("score", ""), t.get("grade", "")]
                      for c, t in sorted(summary["townships"].items()))))
    out.print(f"Documents: {out_dir}/assessment-{year}.xlsx, {out_dir}/assessment-{year}.docx; summary: {out_dir}/summary.json")


# -- entry point -----------------------------------------------------------------

def _known_failure(exc: BaseException) -> str | None:
    """The message for a failure the user can act on, or None for a bug.

    Looks only at modules already loaded, so that `--help` does not pay for
    importing the database layer.
    """
    for module, name in (("anquan.models.settings", "SettingsError"), ("anquan.models.db", "SchemaNotCurrent")):
        mod = sys.modules.get(module)
        if mod is not None and isinstance(exc, getattr(mod, name)):
            return str(exc)
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.OperationalError):
        return f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}"
    return None


def main() -> None:
    try:
        app()
    except InputRejected as exc:
        err.print(f"error: {exc.what}: {len(exc.problems)} problem(s), nothing was written:")
        for p in exc.problems:
            err.print(f"  {p.where()}: {p.reason}")
        sys.exit(1)
    except AnquanError as exc:
        err.print(f"error: {exc}")
        sys.exit(1)
    except Exception as exc:
        message = _known_failure(exc)
        if message is None:
            raise
        err.print(f"error: {message}")
        sys.exit(1)


if __name__ == "__main__":  # python -m anquan.cli
    main()

"""The year's cycle: `anquan plan`, `anquan obligations`, `anquan submit` and `anquan tick`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from anquan.cli.kit import (ID_MAX, JsonOpt, err, flags_of_this_command, lazy, open_app, out, parse_date,
                            print_alert, print_fields, print_json, progress_bar, stream_json, table)
from anquan.errors import AnquanError

cycle = lazy("anquan.cycle.usecases")
records = lazy("anquan.records.usecases")
assessment = lazy("anquan.assessment.usecases")

obligations_app = typer.Typer(help="The year's obligations.", no_args_is_help=True)


def plan(
    year: Annotated[int, typer.Argument(help="The year to plan, e.g. 2026.")],
    as_json: JsonOpt = False,
) -> None:
    """Create the year's obligations for the whole directory. Idempotent: run it again after any import.

    Examples:
      anquan plan 2026
      anquan plan 2027 --json
    """
    with progress_bar(not as_json) as progress:
        report = cycle.plan(open_app(), year=year, progress=progress)
    if as_json:
        print_json(report.as_dict())
        return
    for w in report.warnings:
        err.print(f"WARNING: {w}", style="bold yellow")
    out.print(
        f"Planned {year}: {report.total_created} obligations created "
        f"({report.organisations_planned} organisations planned, {report.organisations_skipped} already planned)."
    )
    if report.total_created:
        out.print(table(["kind", "created"], ([k, n] for k, n in report.created.items() if n)))
    if report.updated_provisional:
        out.print(f"{report.updated_provisional} provisional obligations moved to the official calendar's dates.")
    if report.not_tracked:
        out.print(f"Went live on {report.go_live.isoformat()}: {report.not_tracked} obligations of {year} due before it "
                  "are not tracked (no reminder, escalation or score); the county office gets the list once.")
    if report.provisional_periods:
        out.print(f"Provisional (estimated calendar): {', '.join(report.provisional_periods)}")


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
    filters = dict(year=year, org_code=org, kind=kind, status=status)
    if as_json:
        stream_json(cycle.each_obligation(open_app(), limit=None if limit in (-1, 0) else limit, **filters))
        return
    page = cycle.obligation_page(open_app(), limit=200 if limit == -1 else (limit or None), **filters)
    rows, total = page.rows, page.total
    out.print(table(
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
def obligations_show(obligation_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)], as_json: JsonOpt = False) -> None:
    """Show one obligation with its submission history.

    Example: anquan obligations show 42
    """
    data = cycle.show_obligation(open_app(), obligation_id=obligation_id)
    if as_json:
        print_json(data)
        return
    print_fields({key: data[key] for key in ("id", "kind", "org_code", "org_name", "subject_code", "subject_name", "period",
                                             "due_on", "nominal_due_on", "provisional", "status", "submitted_on",
                                             "waived_reason")}, width=15)
    out.print(f"{'submissions':>15}: {len(data['submissions'])}")
    for s in data["submissions"]:
        source = f"proxy by {s['recorded_by']}" if s["source"] == "proxy" else s["source"]
        out.print(f"{'':>17}{s['submitted_on']} ({source}) {s['note'] or ''} {s['file_name'] or ''}".rstrip())
    for r in data.get("returns", []):
        out.print(f"{'returned':>15}: {r['returned_at'][:10]} by {r['returned_by']}: {r['reason']}")


@obligations_app.command("waive")
def obligations_waive(
    obligation_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
    reason: Annotated[str, typer.Option("--reason", help="Why it is waived (kept on record).")],
) -> None:
    """Waive an open obligation: it needs nothing more and gets no reminders.

    Example: anquan obligations waive 42 --reason "enterprise closed in March"
    """
    cycle.waive(open_app(), obligation_id=obligation_id, reason=reason)
    out.print(f"Obligation {obligation_id} waived.")


def submit(
    obligation_id: Annotated[Optional[int], typer.Argument(metavar="ID", help="The obligation's id.", min=1, max=ID_MAX)] = None,
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
    if (obligation_id is None) == (import_file is None):
        raise AnquanError("give either an obligation ID or --import FILE")
    if import_file is not None and (on or note or file or warning or major_hazard or measures):
        raise AnquanError("--on, --note, --file, --warning, --major-hazard and --measures go with an obligation ID, "
                          "not with --import")
    if measures and not (warning or major_hazard):
        raise AnquanError("--measures goes with --warning or --major-hazard")
    alerts, sent = [], None
    if import_file is not None:
        results = cycle.import_submissions(open_app(), path=import_file)
    elif warning or major_hazard:
        # the alert's description is the text of --warning or --major-hazard; its organisation is the obligation's
        flags_of_this_command(description="--warning" if not major_hazard else "--major-hazard" if not warning
                              else "--warning/--major-hazard", reported_on="--on", org_code=None)
        done = records.submit_risk_analysis(open_app(), obligation_id=obligation_id, warning=warning,
                                            major_hazard=major_hazard, measures=measures,
                                            submitted_on=parse_date(on, "--on"), note=note, file=file)
        results, alerts, sent = [done.submission], done.reported.alerts, done.reported.delivery
    else:
        results = [cycle.submit(open_app(), obligation_id=obligation_id, submitted_on=parse_date(on, "--on"),
                                note=note, file=file)]
    if as_json:
        payload = [r.as_dict() for r in results]
        if alerts:
            payload = {"submissions": payload, "alerts": alerts, "delivery": sent}
        print_json(payload)
        return
    for r in results:
        extra = "" if r.first else " (added to its history; status unchanged)"
        out.print(f"Obligation {r.obligation_id}: submitted on {r.submitted_on.isoformat()}, {r.status}{extra}.")
    for x in alerts:
        print_alert(x, sent)


def tick(
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
    flags_of_this_command(as_of="--date")
    a = open_app()
    day = parse_date(on, "--date") or a.today()
    with progress_bar(not as_json) as progress:
        report = assessment.daily_tick(a, as_of=day, progress=progress)
    if as_json:
        print_json(report.as_dict())
        return
    out.print(
        f"Tick {day.isoformat()}: {report.obligations_actioned} obligations acted on, {report.notices} notices, "
        f"{report.stages_skipped} stale stages skipped, {report.messages} messages queued."
    )
    for g in report.gaps:
        target = f"sent to {g['sent_to_role']} instead" if g["sent_to_role"] else "NOBODY to send to"
        err.print(f"GAP: {g['org_code']} has no {g['role']}: {target}", style="yellow")

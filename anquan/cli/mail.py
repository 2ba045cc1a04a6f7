"""`anquan mail`: the outbox, its delivery and what was sent."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from anquan.cli.kit import JsonOpt, err, flags_of_this_command, lazy, open_app, out, parse_date, print_json, stream_json, table

cycle = lazy("anquan.cycle.usecases")

mail_app = typer.Typer(help="The mail outbox: delivery and what was sent.", no_args_is_help=True)


@mail_app.command("deliver")
def mail_deliver(as_json: JsonOpt = False) -> None:
    """Send every pending message that is due: over SMTP, or as .eml files when no SMTP host is set.

    Examples:
      anquan mail deliver
      ANQUAN_SMTP_HOST=mail.county.example anquan mail deliver --json
    """
    report = cycle.deliver_mail(open_app())
    if as_json:
        print_json(report.as_dict())
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
    if as_json:
        stream_json(cycle.each_message(open_app(), status=status, limit=None if limit in (-1, 0) else limit))
        return
    app = open_app()
    alert = cycle.mail_alert(app)
    if alert:
        err.print(f"[bold red]ALERT[/]: {alert}; fix the SMTP settings, then run `anquan mail retry`.")
    rows = list(cycle.each_message(app, status=status, limit=200 if limit == -1 else (limit or None)))
    out.print(table(["id", "to", "subject", "stage", "status", "attempts", "last error"],
                    ([r["id"], r["to"], r["subject"], r["stage"], r["status"], r["attempts"], r["last_error"]] for r in rows)))
    out.print(f"{len(rows)} message(s) shown.")


@mail_app.command("retry")
def mail_retry(
    message_id: Annotated[Optional[int], typer.Option("--id", help="Only this message.")] = None,
    failed_since: Annotated[Optional[str], typer.Option("--failed-since", help="Only messages failed on or after this day (YYYY-MM-DD).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Make failed or held-back messages due again; the next `mail deliver` sends them.

    Without an option: every failed message and every one waiting for a retry.

    Examples:
      anquan mail retry
      anquan mail retry --id 42
      anquan mail retry --failed-since 2026-03-01
    """
    since = parse_date(failed_since, "--failed-since") if failed_since else None
    n = cycle.retry_mail(open_app(), ids=[message_id] if message_id is not None else None, failed_since=since)
    if as_json:
        print_json({"requeued": n})
        return
    out.print(f"{n} message(s) due again; `anquan mail deliver` (or the next scheduled run) sends them.")


@mail_app.command("restored")
def mail_restored(
    last_tick: Annotated[str, typer.Option("--last-tick", help="The last day whose mail went out before the failure (YYYY-MM-DD).")],
    as_json: JsonOpt = False,
) -> None:
    """After restoring an older backup, before starting the services: nothing already sent goes out again.

    Ticks --last-tick on the restored database (bringing its obligations to where they stood) and records every
    message still to send as sent before the restore. The next tick sends only what is newly due.

    Examples:
      anquan mail restored --last-tick 2026-11-29
    """
    flags_of_this_command(as_of="--last-tick")
    report = cycle.record_restored(open_app(), last_tick=parse_date(last_tick, "--last-tick"))
    if as_json:
        print_json({"last_tick": report.last_tick.isoformat(), "queued_again": report.queued_again,
                    "marked_sent": report.marked_sent})
        return
    out.print(f"Tick {report.last_tick.isoformat()} on the restored database queued {report.queued_again} message(s); "
              f"{report.marked_sent} message(s) still to send recorded as sent before the restore. Start the services.")

"""`anquan db`: the database schema, and pruning what it no longer needs to keep."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from anquan.cli.kit import JsonOpt, lazy, open_app, out, parse_date, print_json

db = lazy("anquan.models.db")
cycle = lazy("anquan.cycle.usecases")

db_app = typer.Typer(help="The database schema; pruning old mail bodies.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or upgrade it to this version of Anquan. Safe to run again.

    Example: anquan db upgrade
    """
    a = open_app()
    before, after = db.upgrade(a.engine)
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
    a = open_app()
    out.print(f"database: {a.settings.safe_database_url}")
    out.print(f"schema revision: {db.current_revision(a.engine) or 'none (run `anquan db upgrade`)'}")
    out.print(f"needed revision: {db.head_revision()}")


@db_app.command("prune")
def db_prune(
    days: Annotated[Optional[int], typer.Option("--days", help="Keep bodies this many days (default ANQUAN_RETENTION_DAYS).")] = None,
    before: Annotated[Optional[str], typer.Option("--before", metavar="YYYY-MM-DD", help="Prune the mail of every tick before this day instead.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would be pruned; change nothing.")] = False,
    vacuum: Annotated[bool, typer.Option("--vacuum", help="Then give the space back (SQLite: VACUUM the file; PostgreSQL: VACUUM the tables).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Drop the bodies of old sent and failed mail and the notices' lists of others told, keeping who, what, when
    and the key (a rerun or a restore never sends them again; the history still says they were sent).

    The scheduled prune_history flow does the same every night (ANQUAN_PRUNE_CRON), and prunes Prefect's run
    history too.

    Examples:
      anquan db prune --dry-run
      anquan db prune --before 2026-01-01 --vacuum
    """
    a = open_app()
    report = cycle.prune(a, today=a.today(), days=days, before=parse_date(before, "--before"), dry_run=dry_run,
                         reclaim_space=vacuum)
    if as_json:
        print_json(report.as_dict())
        return
    verb = "would lose" if dry_run else "lost"
    out.print(f"Mail of ticks before {report.before.isoformat()}: {report.messages} message(s) {verb} their bodies "
              f"({report.body_bytes / 1048576:.1f} MiB); {report.notices} notice(s) {verb} their lists of others told.")
    if vacuum and not dry_run:
        out.print(f"Space given back ({a.settings.safe_database_url}).")


@db_app.command("retally")
def db_retally(
    check: bool = typer.Option(False, "--check", help="Only compare; change nothing (exit 1 if they differ)."),
) -> None:
    """Recount the obligations the year at a glance reads (table obligation_tally) and mend any count that differs.

    The database keeps these counts itself (triggers, migration 0015), so this finds nothing unless the table was
    written around them (a partial restore, a repair by hand). Safe to run at any time; on PostgreSQL writers of
    obligations wait while it counts.

    Example: anquan db retally --check
    """
    a = open_app()
    wrong = cycle.retally(a, check_only=check)
    for d in wrong[:20]:
        year, township_id, kind, status, due_on = d.key
        out.print(f"  {year} township {township_id} {kind} {status} due {due_on}: kept {d.kept}, recounted {d.recounted}")
    if len(wrong) > 20:
        out.print(f"  ... and {len(wrong) - 20} more")
    if not wrong:
        out.print("The kept counts of obligations equal a recount.")
    elif check:
        out.print(f"{len(wrong)} counts differ from a recount: run `anquan db retally` to mend them.")
        raise typer.Exit(1)
    else:
        out.print(f"{len(wrong)} counts differed from a recount; counted afresh.")

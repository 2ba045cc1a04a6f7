"""`anquan db`: the database schema."""

from __future__ import annotations

import typer

from anquan.cli.kit import lazy, open_app, out

db = lazy("anquan.models.db")

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)


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

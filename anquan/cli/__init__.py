"""The `anquan` command line: one module per concept, each only parsing, calling the domain and printing.

This module builds the command tree in one place, in the order `anquan --help` lists it.
"""

from __future__ import annotations

import typer

from anquan.cli import assessment, campaigns, cycle, db, directory, mail, records, reporting, rules, serve, simulation, users, web
from anquan.cli.kit import AnquanGroup

app = typer.Typer(
    name="anquan",
    help="Anquan (安全) runs a county's annual work-safety responsibility cycle.\n\n"
    "Start with `anquan db upgrade`, then `anquan directory import`, then `anquan plan YEAR`.",
    cls=AnquanGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

app.command("holidays")(rules.holidays)
app.command("plan")(cycle.plan)
app.command("submit")(cycle.submit)
app.command("tick")(cycle.tick)
app.command("serve")(serve.serve)
app.command("deploy")(serve.deploy)
app.command("web")(web.web)
app.command("simulate")(simulation.simulate)

app.add_typer(db.db_app, name="db")
app.add_typer(directory.directory_app, name="directory")
app.add_typer(directory.contacts_app, name="contacts")
app.add_typer(cycle.obligations_app, name="obligations")
app.add_typer(rules.rules_app, name="rules")
app.add_typer(mail.mail_app, name="mail")
app.add_typer(records.accident_app, name="accident")
app.add_typer(records.indicators_app, name="indicators")
app.add_typer(assessment.assess_app, name="assess")
app.add_typer(records.hazard_app, name="hazard")
app.add_typer(campaigns.campaign_app, name="campaign")
app.add_typer(campaigns.event_app, name="event")
app.add_typer(records.alert_app, name="alert")
app.add_typer(reporting.book_app, name="book")
app.add_typer(assessment.report_app, name="report")
app.add_typer(users.users_app, name="users")


def main() -> None:
    app()



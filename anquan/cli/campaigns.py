"""`anquan campaign` and `anquan event`: special rectification campaigns and major events."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from anquan.cli.kit import JsonOpt, lazy, open_app, out, print_json

campaigns = lazy("anquan.campaigns.usecases")

campaign_app = typer.Typer(help="Special rectification campaigns (专项整治).", no_args_is_help=True)
event_app = typer.Typer(help="Major events (重大活动) entered by hand: townships inspect before them.", no_args_is_help=True)


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
    result = campaigns.start_campaign(open_app(), params={
        "name": name, "sectors": sectors, "townships": townships, "from_date": start, "to_date": end,
        "summary_due": summary_due})
    if as_json:
        print_json(result)
        return
    verb = "Started" if result["created"] else "Already started:"
    out.print(f"{verb} campaign {result['id']} {result['name']}: {len(result['townships'])} township(s), "
              f"summaries due {result['summary_due']}; {result['mails_queued']} mail(s) queued.")



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
    result = campaigns.add_major_event(open_app(), params={"name": name, "townships": townships, "from_date": start,
                                                           "to_date": end})
    if as_json:
        print_json(result)
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
    rows = campaigns.list_major_events(open_app(), year=year)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "from", "to", "townships", "inspections done")
    for r in rows:
        table.add_row(str(r["id"]), r["name"], r["from"], r["to"], str(len(r["townships"])),
                      f"{r['inspections_done']}/{r['inspections']}")
    out.print(table)




"""Records of the year: `anquan accident`, `anquan indicators`, `anquan hazard` and `anquan alert`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from anquan.cli.kit import (ID_MAX, JsonOpt, flags_of_this_command, lazy, open_app, out, parse_date, print_alert,
                            print_json, print_record, table)

records = lazy("anquan.records.usecases")

accident_app = typer.Typer(help="Accidents of the year (事故).", no_args_is_help=True)
indicators_app = typer.Typer(help="The county-issued control indicators (控制考核指标).", no_args_is_help=True)
hazard_app = typer.Typer(help="Listed-supervision hazards (挂牌督办隐患).", no_args_is_help=True)
alert_app = typer.Typer(help="Warning signs and major hazard sources enterprises report (mailed at once).",
                        no_args_is_help=True)


def _accident_out(recorded, as_json: bool, verb: str) -> None:
    data, queued = recorded.accident, recorded.mails_queued
    if as_json:
        print_json(recorded.as_dict())
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
    added = records.record_accident(open_app(), org_code=org, occurred_on=parse_date(on, "--date"), kind=kind,
                                    deaths=deaths, injuries=injuries, liability=not not_liability, egregious=egregious,
                                    description=description)
    _accident_out(added, as_json, "Recorded")


@accident_app.command("update")
def accident_update(
    accident_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
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
    updated = records.correct_accident(
        open_app(), accident_id=accident_id, org_code=org, occurred_on=parse_date(on, "--date"), kind=kind,
        deaths=deaths, injuries=injuries, liability=liability, egregious=egregious, description=description)
    _accident_out(updated, as_json, "Updated")


@accident_app.command("list")
def accident_list(
    year: Annotated[Optional[int], typer.Option("--year")] = None,
    org: Annotated[Optional[str], typer.Option("--org", metavar="CODE")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List accidents.

    Example: anquan accident list --year 2026
    """
    rows = records.list_accidents(open_app(), year=year, org_code=org)
    if as_json:
        print_json(rows)
        return
    out.print(table(["id", "township", "date", "kind", "deaths", "injured", "liability", "egregious", "description"],
                     ([r["id"], f"{r['org_name']} ({r['org_code']})", r["date"], r["kind"], r["deaths"], r["injuries"],
                       "yes" if r["liability"] else "no", "YES" if r["egregious"] else "", r["description"]] for r in rows)))


@accident_app.command("show")
def accident_show(accident_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)], as_json: JsonOpt = False) -> None:
    """Show one accident.

    Example: anquan accident show 7
    """
    data = records.show_accident(open_app(), accident_id=accident_id)
    print_record(data, as_json=as_json, width=12)


@accident_app.command("import")
def accident_import(file: Annotated[Path, typer.Argument(metavar="FILE", help=".xlsx or .csv")], as_json: JsonOpt = False) -> None:
    """Import accidents (columns org_code, date, kind, deaths, injuries, liability, egregious, description). All or nothing.

    Example: anquan accident import accidents.xlsx
    """
    rows = records.import_accidents(open_app(), path=file)
    if as_json:
        print_json(rows)
        return
    out.print(f"Imported {len(rows)} accident(s).")


@indicators_app.command("import")
def indicators_import(file: Annotated[Path, typer.Argument(metavar="FILE", help=".xlsx or .csv")], as_json: JsonOpt = False) -> None:
    """Import the control indicators per township and year (columns org_code, year, max_accidents, max_deaths[, max_injuries]).

    Re-importing replaces a township's indicators for that year. All or nothing.
    Townships already at 80 % of an indicator, or past it, are warned.

    Example: anquan indicators import indicators-2026.xlsx
    """
    result = records.import_indicators(open_app(), path=file)
    if as_json:
        print_json(result)
        return
    out.print(f"Indicators: {result['created']} new, {result['updated']} replaced; {result['warnings_queued']} warning mail(s) queued.")


def _hazard_out(data: dict, as_json: bool, verb: str) -> None:
    if as_json:
        print_json(data)
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
    data = records.add_hazard(open_app(), org_code=org, year=year, description=description,
                              responsible_person=responsible, measures=measures,
                              deadline=parse_date(deadline, "--deadline"), emergency_plan=emergency_plan, funds=funds,
                              enterprise_code=enterprise, place=place)
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
    rows = records.list_hazards(open_app(), year=year, org_code=org, status=status)
    if as_json:
        print_json(rows)
        return
    out.print(table(["id", "township", "where", "description", "deadline", "status", "responsible"],
                     ([r["id"], r["org_code"], r["enterprise_name"] or r["place"], r["description"], r["deadline"],
                       r["status"] + (" OVERDUE" if r["overdue"] else ""), r["responsible_person"]] for r in rows)))


@hazard_app.command("show")
def hazard_show(hazard_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)], as_json: JsonOpt = False) -> None:
    """Show one hazard.

    Example: anquan hazard show 3
    """
    data = records.show_hazard(open_app(), hazard_id=hazard_id)
    print_record(data, as_json=as_json, width=18)


@hazard_app.command("update")
def hazard_update(
    hazard_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
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
    data = records.update_hazard(open_app(), hazard_id=hazard_id, description=description,
                                 responsible_person=responsible, measures=measures,
                                 deadline=parse_date(deadline, "--deadline"), emergency_plan=emergency_plan, funds=funds)
    _hazard_out(data, as_json, "Updated")


@hazard_app.command("close")
def hazard_close(
    hazard_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="Day the rectification was completed (default today).")] = None,
    note: Annotated[Optional[str], typer.Option("--note")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Close a hazard: its rectification is met and the effect evaluation (整改效果评价) opens.

    Example: anquan hazard close 3 --on 2026-09-20 --note "基础已加固，验收合格"
    """
    data = records.close_hazard(open_app(), hazard_id=hazard_id, closed_on=parse_date(on, "--on"), note=note)
    _hazard_out(data, as_json, "Closed")
    if not as_json:
        out.print(f"Effect evaluation: obligation {data['evaluation_id']}.")


@hazard_app.command("evaluate")
def hazard_evaluate(
    hazard_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
    note: Annotated[str, typer.Option("--note", help="What the effect evaluation found.")],
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="Day of the evaluation (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a closed hazard's effect evaluation (整改效果评价): its evaluation obligation is met.

    Example: anquan hazard evaluate 3 --on 2026-10-15 --note "复查未见沉降，整改效果良好"
    """
    data = records.evaluate_hazard(open_app(), hazard_id=hazard_id, note=note, evaluated_on=parse_date(on, "--on"))
    _hazard_out(data, as_json, "Evaluated")


@hazard_app.command("import")
def hazard_import(file: Annotated[Path, typer.Argument(metavar="FILE", help=".xlsx or .csv")], as_json: JsonOpt = False) -> None:
    """Import hazards (columns org_code, year, description, enterprise_code, place, responsible_person, measures,
    funds, deadline, emergency_plan). All or nothing.

    Example: anquan hazard import hazards-2026.xlsx
    """
    rows = records.import_hazards(open_app(), path=file)
    if as_json:
        print_json(rows)
        return
    out.print(f"Listed {len(rows)} hazard(s).")


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
    flags_of_this_command(description="--text")
    reported = records.report_alert(open_app(), org_code=org, kind=kind, description=text, measures=measures,
                                    reported_on=parse_date(on, "--date"))
    result, delivery = reported.alerts[0], reported.delivery
    if as_json:
        print_json({**result, "delivery": delivery})
        return
    print_alert(result, delivery)


@alert_app.command("list")
def alert_list(
    year: Annotated[Optional[int], typer.Option("--year", help="Only alerts reported in this year.")] = None,
    township: Annotated[Optional[str], typer.Option("--township", metavar="CODE")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the warning signs and major hazard sources reported.

    Example: anquan alert list --year 2026 --township QL04
    """
    rows = records.list_alerts(open_app(), year=year, township=township)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "reported", "kind", "enterprise", "township", "description")
    for r in rows:
        table.add_row(str(r["id"]), r["reported_on"], r["kind_label"], f"{r['org_code']} {r['org_name']}", r["township"],
                      r["description"])
    out.print(table)



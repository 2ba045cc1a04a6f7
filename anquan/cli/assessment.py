"""`anquan assess`: the annual assessment (履职考核)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from anquan.cli.kit import JsonOpt, flags_of_this_command, lazy, open_app, out, parse_date, print_json, table
from anquan.errors import AnquanError

publishing = lazy("anquan.assessment.publish")
records = lazy("anquan.records.usecases")
rubric = lazy("anquan.rules.rubric")


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


@assess_app.command("run")
def assess_run(
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
    flags_of_this_command(year=None)  # YEAR is an argument here, not --year
    a = open_app()
    day = parse_date(as_of, "--as-of") or a.today()
    published = publishing.publish(a, year=year, as_of=day, org_code=org, xlsx=xlsx, docx=docx, notify=notify)
    result = published.assessment
    if as_json:
        print_json(result.as_list())
        return
    if result.provisional:
        out.print(f"Provisional: as of {day.isoformat()}, not every duty of {year} has fallen due.")
    if result.notes and result.go_live:
        out.print(f"Went live on {result.go_live.isoformat()}: duties due before it are not tracked and not scored.")
    out.print(table(["rank", "code", "township", "score", "grade", "veto"],
                     ([i, r.org_code, r.org_name, f"{float(r.score):g}", r.grade, "；".join(r.veto_reasons)]
                      for i, r in result.ranks())))
    if org:
        for d in result.results[0].deductions:
            out.print(f"  {float(d.points):+g}  {d.item}: {d.evidence}")
    for t in result.county_targets:
        out.print(f"County target: {t}")
    for path in published.written:
        out.print(f"Wrote {path}")
    if notify:
        out.print(f"{published.mails_queued} mail(s) queued; deliver with `anquan mail deliver`.")


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
    if import_file is None:
        missing = [n for n, v in (("--org", org), ("--year", year), ("--points", points), ("--item", item), ("--reason", reason)) if v is None]
        if missing:
            raise AnquanError(f"missing {', '.join(missing)} (or give --import FILE)")
    if import_file is not None:
        rows = records.import_adjustments(open_app(), path=import_file)
    else:
        rows = [records.add_adjustment(open_app(), org_code=org, year=year, points=points, item=item, reason=reason)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        out.print(f"Adjustment {r['id']}: {r['org_code']} {r['year']} {r['points']:+g} {r['item']}")


@assess_app.command("check-rubric")
def assess_check_rubric(file: Annotated[Optional[Path], typer.Argument(help="Default: ANQUAN_RUBRIC_FILE.")] = None) -> None:
    """Validate a rubric file.

    Example: anquan assess check-rubric config/rubric.yaml
    """
    path = file or open_app().settings.rubric_file
    r = rubric.load_rubric(path)
    out.print(f"{path}: valid; base {r.base}, {len(r.obligations)} obligation items, risk analysis, staffing, indicators.")





assessing = lazy("anquan.assessment.usecases")
report_app = typer.Typer(help="The duty report (履职报告书) townships hand in by 5 July and 5 January.", no_args_is_help=True)


@report_app.command("form")
def report_form(
    year: Annotated[int, typer.Argument(help="The year reported on.")],
    org: Annotated[str, typer.Option("--org", metavar="CODE", help="The township.")],
    half: Annotated[bool, typer.Option("--half", help="The mid-year report (due 5 July); default the year-end one.")] = False,
    as_of: Annotated[Optional[str], typer.Option("--as-of", metavar="DATE", help="The records as of this day (default today).")] = None,
    out_file: Annotated[Optional[Path], typer.Option("--out", metavar="FILE", help="Where to write it (default: its name, here).")] = None,
) -> None:
    """Make a township's duty report form now, pre-filled from the records (the report reminders attach it too).

    Example: anquan report form 2026 --org QL01 --half
    """
    from anquan.vocabulary import ANNUAL_REPORT, MIDYEAR_REPORT

    flags_of_this_command(year=None)
    name, data = assessing.duty_report_form(open_app(), org_code=org, year=year, kind=MIDYEAR_REPORT if half else ANNUAL_REPORT,
                                            as_of=parse_date(as_of, "--as-of"))
    path = out_file or Path(name)
    path.write_bytes(data)
    out.print(f"Wrote {path}.")

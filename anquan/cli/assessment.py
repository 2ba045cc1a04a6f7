"""`anquan assess`: the annual assessment (履职考核)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from anquan.cli.kit import (JsonOpt, flags_of_this_command, lazy, open_app, out, parse_date, print_delivery, print_json,
                            table)
from anquan.errors import AnquanError

publishing = lazy("anquan.assessment.publish")
assessing = lazy("anquan.assessment.usecases")
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
    docx: Annotated[Optional[Path], typer.Option("--docx", metavar="OUT", help="Write the notice (a draft) here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score every township for a year: deductions, the one-vote veto, grades. (`anquan assess YEAR` is short for this.)

    A preview: nothing is recorded or mailed. The January run is `anquan assess draft YEAR`; a county admin then
    approves it (the console, or `anquan assess approve YEAR --by LOGIN`) and only then are the results mailed.

    Examples:
      anquan assess 2026 --xlsx 2026.xlsx --docx 2026.docx
      anquan assess 2026 --org QL01            (a township's provisional score)
      anquan assess adjust --org QL01 --year 2026 --points -2 --item 督查发现问题 --reason "Q3 督查台账不全"
    """
    flags_of_this_command(year=None)  # YEAR is an argument here, not --year
    a = open_app()
    day = parse_date(as_of, "--as-of") or a.today()
    published = publishing.publish(a, year=year, as_of=day, org_code=org, xlsx=xlsx, docx=docx)
    result = published.assessment
    if as_json:
        print_json(result.as_list())
        return
    _print_results(result, day=day)
    if org:
        for d in result.results[0].deductions:
            out.print(f"  {float(d.points):+g}  {d.item}: {d.evidence}")
    for path in published.written:
        out.print(f"Wrote {path}")


def _print_results(result, *, day) -> None:
    year = result.year
    if result.provisional:
        out.print(f"Provisional: as of {day.isoformat()}, not every duty of {year} has fallen due.")
    if result.notes and result.go_live:
        out.print(f"Went live on {result.go_live.isoformat()}: duties due before it are not tracked and not scored.")
    out.print(table(["rank", "code", "township", "score", "grade", "veto"],
                     ([i, r.org_code, r.org_name, f"{float(r.score):g}", r.grade, "；".join(r.veto_reasons)]
                      for i, r in result.ranks())))
    for t in result.county_targets:
        out.print(f"County target: {t}")


@assess_app.command("draft")
def assess_draft(
    year: Annotated[int, typer.Argument(help="The year assessed.")],
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="The day of the run (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The January run: score every township, record the draft, write its documents, mail the county office to review.

    No township head is mailed and the notice takes no number until a county admin approves the draft. Running it
    again before the approval replaces the draft; after it, it is refused.

    Example: anquan assess draft 2026
    """
    flags_of_this_command(year=None)
    a = open_app()
    day = parse_date(on, "--on") or a.today()
    published = publishing.draft_year(a, year=year, on=day)
    if as_json:
        print_json(published.assessment.as_list())
        return
    _print_results(published.assessment, day=day)
    for path in published.written:
        out.print(f"Wrote {path}")
    out.print(f"Draft recorded; {published.mails_queued} mail(s) to the county office queued. A county admin approves "
              f"it at /console/assessment?y={year} or with `anquan assess approve {year} --by LOGIN`.")


@assess_app.command("approve")
def assess_approve(
    year: Annotated[int, typer.Argument(help="The year assessed.")],
    by: Annotated[str, typer.Option("--by", metavar="LOGIN", help="The approving county admin's console login.")],
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="The day of the approval (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve the year's draft: the notice takes its number, each township head is mailed its result (at once).

    Example: anquan assess approve 2026 --by huang.jie@qinglan.example
    """
    from anquan.accounts.accounts import Actor

    flags_of_this_command(year=None, approver="--by")
    a = open_app()
    published = publishing.approve_year(a, year=year, login=by, actor=Actor(None, f"{by.strip().lower()} (command line)"),
                                        on=parse_date(on, "--on"))
    summary = {"year": year, "notice_number": published.notice_number, "mails_queued": published.mails_queued,
               "written": [str(p) for p in published.written], "delivery": published.delivery}
    if as_json:
        print_json(summary)
        return
    out.print(f"Approved {year}'s assessment: notice {published.notice_number}; {published.mails_queued} mail(s) queued.")
    for path in published.written:
        out.print(f"Wrote {path}")
    if published.delivery and published.delivery.get("halted"):
        out.print(f"Delivery halted: {published.delivery['halted']}; the mail stays queued for `anquan mail deliver`.")
    elif published.delivery:
        print_delivery(published.delivery)


@assess_app.command("notice")
def assess_notice(
    year: Annotated[int, typer.Argument(help="The year assessed (its draft, before the approval).")],
    requirements: Annotated[Path, typer.Option("--requirements", metavar="FILE", exists=True, dir_okay=False,
                                               help="A UTF-8 text file: the notice's 下一步要求, one a line.")],
    copied_to: Annotated[str, typer.Option("--copied-to", help="The 抄送 line, e.g. 县委办公室，县政府办公室.")],
) -> None:
    """Set the draft notice's 下一步要求 and 抄送 line (as the console's form does); refused once approved.

    Example: anquan assess notice 2026 --requirements requirements.txt --copied-to "县委办公室，县政府办公室"
    """
    from anquan.accounts.accounts import CLI

    flags_of_this_command(year=None)
    assessing.edit_notice(open_app(), year=year, requirements=requirements.read_text(encoding="utf-8"),
                          copied_to=copied_to, actor=CLI)
    out.print(f"Saved the draft notice's requirements and copy line for {year}; the draft and the issued notice use them.")


@assess_app.command("objection")
def assess_objection(
    year: Annotated[int, typer.Argument(help="The year assessed.")],
    org: Annotated[str, typer.Option("--org", metavar="CODE", help="The township that raised it.")],
    raised_by: Annotated[str, typer.Option("--raised-by", help="Who raised it, e.g. 石门镇人民政府 李俊伟.")],
    content: Annotated[str, typer.Option("--content", help="What it says.")],
    received: Annotated[str, typer.Option("--received", metavar="DATE", help="The day the office received it.")],
) -> None:
    """Record a township's objection (异议) to its approved result, received within 5 working days of the mail.

    Example: anquan assess objection 2026 --org QL01 --raised-by "石门镇人民政府 李俊伟" --content "请复核三季度扣分" --received 2027-01-20
    """
    from anquan.accounts.accounts import CLI
    from anquan.assessment.approval import ObjectionInput

    flags_of_this_command(year=None)
    oid = assessing.record_objection(open_app(), year=year, actor=CLI, entry=ObjectionInput(
        org, raised_by, content, parse_date(received, "--received")))
    out.print(f"Objection {oid} recorded; handle it with `anquan assess decide --objection {oid} --outcome upheld|adjusted --note ...`.")


@assess_app.command("decide")
def assess_decide(
    objection: Annotated[int, typer.Option("--objection", metavar="ID", help="The objection's id.")],
    outcome: Annotated[str, typer.Option("--outcome", help="upheld (维持) or adjusted (调整).")],
    note: Annotated[str, typer.Option("--note", help="Why, or what was adjusted.")],
) -> None:
    """Record how an objection was handled: upheld (维持) or adjusted (调整), with a note.

    Example: anquan assess decide --objection 3 --outcome upheld --note "经核查为逾期补报，维持原扣分"
    """
    from anquan.accounts.accounts import CLI

    assessing.decide_objection(open_app(), objection_id=objection, outcome=outcome, note=note, actor=CLI)
    out.print(f"Objection {objection}: {outcome}.")


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

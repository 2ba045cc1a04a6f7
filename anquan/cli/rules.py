"""`anquan rules` and `anquan holidays`: the rules of the cycle and the working-day calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from anquan.cli.kit import JsonOpt, err, lazy, open_app, out, print_json, table

cycle_rules = lazy("anquan.rules.cycle")

rules_app = typer.Typer(help="The rules of the cycle (config/cycle.yaml).", no_args_is_help=True)


@rules_app.command("check")
def rules_check(
    file: Annotated[Optional[Path], typer.Argument(help="A rules file; default: ANQUAN_CYCLE_FILE.")] = None,
) -> None:
    """Validate a rules file and list its obligation kinds.

    Example: anquan rules check config/cycle.yaml
    """
    path = file or open_app().settings.cycle_file
    rules = cycle_rules.load_rules(path)
    out.print(f"{path}: valid, {len(rules.kinds)} obligation kinds")
    out.print(table(
        ["kind", "title", "recurrence", "reminders (days before)", "escalation (days after → roles)"],
        (
            [k, r.title, r.recurrence, ", ".join(map(str, r.reminders)),
             "; ".join(f"{s.after_days}: {', '.join(s.notify)}" for s in r.escalation)]
            for k, r in rules.kinds.items()
        ),
    ))


def holidays(
    year: Annotated[int, typer.Argument(help="The year.")],
    as_json: JsonOpt = False,
) -> None:
    """Show where a year's holiday arrangement comes from and its long holidays.

    Example: anquan holidays 2027
    """
    a = open_app()
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
        print_json(data)
        return
    for w in warnings:
        err.print(f"WARNING: {w}", style="bold yellow")
    out.print(f"{year}: calendar from {cal.source}{' (PROVISIONAL)' if cal.provisional else ''}")
    out.print(table(["holiday", "rest from", "rest to", "last working day before"],
                    ([h["name"], h["start"], h["end"], h["last_working_day_before"]] for h in data["long_holidays"])))

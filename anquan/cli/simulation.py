"""`anquan simulate`: a whole year of the sample county on a database of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from anquan.cli.kit import JsonOpt, lazy, open_app, out, print_json, progress_bar, table

simulation = lazy("anquan.simulation")


def simulate(
    year: Annotated[int, typer.Argument(help="The year to play.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random mix of on-time, late and missing submissions.")] = 2026,
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="Where the database, mail and documents go.")] = Path("simulation"),
    directory: Annotated[Optional[Path], typer.Option("--directory", metavar="PATH", help="A directory to load instead of the sample county.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Play a whole year of the sample county day by day on a database of its own, and summarise it.

    Submissions (on time, late, missing), hazards, accidents and a campaign are
    drawn from the seed; ticks run every day and mail goes to DIR/mail as .eml
    files; the assessment runs in January. Your own database is not touched.

    Example: anquan simulate 2026 --seed 7 --out /tmp/sim
    """
    with progress_bar(not as_json) as progress:
        summary = simulation.simulate(year=year, out=out_dir, seed=seed, directory=directory or simulation.SAMPLE,
                                      base=open_app().settings, progress=progress)
    if as_json:
        print_json(summary)
        return
    out.print(f"Simulated {year} (seed {seed}) in {summary['seconds']} s: {summary['days']} days, "
              f"{summary['mail']['total']} mails ({summary['mail']['files']} .eml files in {out_dir / 'mail'}).")
    out.print("Obligations: " + ", ".join(f"{k} {v}" for k, v in summary["obligations"].items()))
    out.print(f"Major events entered: {summary['major_events']}; risk alerts: "
              + (", ".join(f"{k} {v}" for k, v in sorted(summary["alerts"].items())) or "none"))
    out.print(table(["mail", "stage", "messages"], ([t, st, n] for t, stages in summary["mail"]["by_template_and_stage"].items()
                                                    for st, n in sorted(stages.items()))))
    out.print(table(["township", "name", "open", "submitted", "late", "score", "grade"],
                     ([c, t["name"], t["obligations"].get("open", 0), t["obligations"].get("submitted", 0),
                       t["obligations"].get("late", 0), t.get("score", ""), t.get("grade", "")]
                      for c, t in sorted(summary["townships"].items()))))
    out.print(f"Documents: {out_dir}/assessment-{year}.xlsx, {out_dir}/assessment-{year}.docx; summary: {out_dir}/summary.json")




"""`anquan book`: the responsibility books."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from anquan.cli.kit import JsonOpt, flags_of_this_command, lazy, open_app, out, print_json

reporting = lazy("anquan.reporting.usecases")

book_app = typer.Typer(help="The responsibility books (安全生产目标责任书).", no_args_is_help=True)


@book_app.command("render")
def book_render(
    year: Annotated[int, typer.Argument(help="The year of the books.")],
    out_dir: Annotated[Path, typer.Option("--out", metavar="DIR", help="Folder to write the .docx files to.")],
    org: Annotated[Optional[str], typer.Option("--org", metavar="CODE", help="Only this township, village or unit.")] = None,
) -> None:
    """Write the year's responsibility books (county↔township, township↔village/unit) as .docx files.

    The wording is in templates/documents/*.docx: edit them in Word. A broken field is refused by name.

    Example: anquan book render 2027 --out books/
    """
    flags_of_this_command(year=None)  # YEAR is an argument here, not --year
    paths = reporting.render_books(open_app(), year=year, out=out_dir, org_code=org)
    out.print(f"Wrote {len(paths)} book(s) to {out_dir}.")


@book_app.command("send")
def book_send(year: Annotated[int, typer.Argument(help="The year of the books.")], as_json: JsonOpt = False) -> None:
    """Mail each unsigned book to its signatory with the book attached (the February flow does this too).

    Example: anquan book send 2027
    """
    flags_of_this_command(year=None)
    result = reporting.send_books(open_app(), year=year)
    if as_json:
        print_json(result)
        return
    out.print(f"{result['books']} book(s) rendered, {result['mails_queued']} mail(s) queued; the signed scans come back with "
              "`anquan submit ID --file scan.pdf`.")




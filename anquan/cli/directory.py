"""`anquan directory`: the county directory of organisations and contacts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anquan.cli.kit import JsonOpt, lazy, open_app, out, print_json, progress_bar, table

importer = lazy("anquan.directory.importer")
directory = lazy("anquan.directory.usecases")
links = lazy("anquan.directory.links")

directory_app = typer.Typer(help="The county directory: organisations and contacts.", no_args_is_help=True)
contacts_app = typer.Typer(help="Contacts' personal links.", no_args_is_help=True)


@directory_app.command("template")
def directory_template(out_path: Annotated[Path, typer.Argument(metavar="OUT.xlsx", help="Where to write the workbook.")]) -> None:
    """Write an empty directory workbook with the expected sheets, headers and one example row each.

    Example: anquan directory template county.xlsx
    """
    path = importer.write_template(out_path)
    out.print(f"Wrote {path}: sheets organisations and contacts (one example row each) and values (allowed values).")


@directory_app.command("import")
def directory_import(
    path: Annotated[Path, typer.Argument(help="An .xlsx workbook, or a folder with organisations.csv and contacts.csv.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count, write nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import organisations and contacts, all or nothing; re-importing updates by code.

    Every problem is listed with sheet, row and column, and nothing is written.

    Examples:
      anquan directory import samples/qinglan-county
      anquan directory import county.xlsx --dry-run
    """
    with progress_bar(not as_json) as progress:
        report = directory.import_directory(open_app(), path=path, dry_run=dry_run, progress=progress)
    if as_json:
        print_json(report.as_dict())
        return
    verb = "Would import" if dry_run else "Imported"
    out.print(
        f"{verb} {path}: organisations {report.organisations_created} new, {report.organisations_updated} updated, "
        f"{report.organisations_unchanged} unchanged; contacts {report.contacts_created} new, "
        f"{report.contacts_updated} updated, {report.contacts_unchanged} unchanged, "
        f"{report.contacts_deactivated} no longer listed (made inactive)."
    )


@directory_app.command("show")
def directory_show(as_json: JsonOpt = False) -> None:
    """Summarise the directory tree and flag staffing gaps.

    Gaps: a township with fewer than 2 safety office staff, a village without a
    safety officer, an enterprise that needs a dedicated safety manager and has none.

    Example: anquan directory show --json
    """
    summary = directory.summary(open_app())
    if as_json:
        print_json(summary)
        return
    counts = summary["organisations"]
    county_names = ", ".join(f"{c['name']} ({c['code']})" for c in summary["counties"]) or "no county"
    out.print(f"{county_names}: " + ", ".join(f"{n} {k}" for k, n in counts.items()) + f"; {summary['contacts']} contacts")
    out.print(table(
        ["township", "name", "villages", "units", "enterprises", "contacts"],
        ([t["code"], t["name"], t["villages"], t["units"], t["enterprises"], t["contacts"]] for t in summary["townships"]),
    ))
    gaps = summary["gaps"]
    if gaps:
        out.print(f"{len(gaps)} staffing gap(s):")
        out.print(table(["code", "name", "kind", "gap"], ([g["org_code"], g["org_name"], g["kind"], g["detail"]] for g in gaps)))
    else:
        out.print("No staffing gaps.")


@contacts_app.command("revoke-links")
def revoke_links(
    code: Annotated[str, typer.Argument(help="The organisation's code.")],
    as_json: JsonOpt = False,
) -> None:
    """Stop every personal link (and page session) of an organisation's contacts.

    For a lost phone or a person who changed post. The next mail carries a new link that works.
    Contacts sharing an address with one of them are revoked too (a link opens the address's page).

    Example: anquan contacts revoke-links QL01
    """
    a = open_app()
    with a.session() as session:
        result = links.revoke_links(session=session, org_code=code)
    if as_json:
        print_json(result.as_dict())
        return
    out.print(f"Revoked the personal links of {result.contacts} contact(s) of {result.org_name} ({result.org_code}).")

"""The directory's use cases: import organisations and contacts, summarise the tree and its staffing gaps."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from anquan.app import App
from anquan.directory.importer import ImportReport, import_directory as run_import
from anquan.directory.summary import directory_summary


def import_directory(app: App, *, path: Path, dry_run: bool = False,
                     progress: Callable[[str, int, int], None] | None = None) -> ImportReport:
    """Import a workbook or a folder of CSVs, all or nothing; with `dry_run` check and count, write nothing."""
    with app.session() as s:
        report = run_import(session=s, path=path, dry_run=dry_run, progress=progress)
        if dry_run:
            s.rollback()
    return report


def summary(app: App) -> dict:
    """Counts per kind and township, and the staffing gaps."""
    with app.session() as s:
        return directory_summary(session=s, rules=app.rules)

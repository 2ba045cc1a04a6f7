"""The directory's use cases: an import (or its dry run) and the summary."""

from __future__ import annotations

from anquan.directory import usecases as directory
from anquan.resources import sample_county


def test_a_dry_run_counts_and_writes_nothing(app):
    counted = directory.import_directory(app, path=sample_county(), dry_run=True)
    assert counted.organisations_created == 437
    assert directory.summary(app)["contacts"] == 0
    imported = directory.import_directory(app, path=sample_county())
    assert imported.organisations_created == 437
    summary = directory.summary(app)
    assert summary["organisations"]["township"] == 8 and summary["contacts"] > 0 and summary["gaps"]

"""The reporting use cases: which month a report is about, the monthly table, the quarter, the books."""

from __future__ import annotations

from datetime import date

import pytest

from anquan.reporting import usecases as reporting


def test_a_report_early_in_a_month_is_about_the_month_before():
    assert reporting.previous_month(date(2026, 1, 3)) == (2025, 12)
    assert reporting.previous_month(date(2026, 7, 31)) == (2026, 6)


@pytest.mark.parametrize("backend", ["sqlite"])  # document-heavy: one backend (see tests/conftest.py)
def test_monthly_table_quarter_and_books(planned_county, tmp_path):
    monthly = reporting.monthly_report(planned_county, year=2026, month=3, today=date(2026, 4, 1))
    assert (monthly["year"], monthly["month"], len(monthly["townships"])) == (2026, 3, 8)
    quarter = reporting.quarterly_round(planned_county, year=2026, quarter=2, today=date(2026, 4, 1))
    assert quarter["period"] == "2026-Q2" and quarter["townships"] == 8
    sent = reporting.send_books(planned_county, year=2026, today=date(2026, 2, 1))
    assert sent["books"] > 0 and sent["mails_queued"] >= sent["books"]
    written = reporting.render_books(planned_county, year=2026, out=tmp_path / "books", org_code="QL01")
    assert written and all(p.suffix == ".docx" and p.is_file() for p in written)

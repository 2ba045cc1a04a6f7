"""The reporting use cases: the monthly table, the quarterly round, the responsibility books."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from anquan.app import App
from anquan.reporting import books, monthly, rounds


def previous_month(day: date) -> tuple[int, int]:
    """(year, month) of the month before `day`: what a report run early in a month is about."""
    last = date.fromordinal(day.replace(day=1).toordinal() - 1)
    return last.year, last.month


def monthly_report(app: App, *, year: int, month: int, today: date | None = None) -> dict:
    """The month's risk-analysis completion per township, mailed; and the listed hazards' progress."""
    with app.session() as s:
        return monthly.send_monthly_reports(session=s, year=year, month=month, today=today or app.today(),
                                            mail_from=app.settings.mail_from, tz=app.settings.tz)


def quarterly_round(app: App, *, year: int, quarter: int, today: date | None = None) -> dict:
    """Open a quarter: what each township owes, self-check notices to enterprises, the county's round plan."""
    with app.session() as s:
        return rounds.open_quarter(session=s, rules=app.rules, year=year, quarter=quarter, today=today or app.today(),
                                   mail_from=app.settings.mail_from, tz=app.settings.tz, is_rest_day=app.calendar.is_rest_day)


def send_books(app: App, *, year: int, today: date | None = None) -> dict:
    """Mail each unsigned responsibility book to its signatory, the book attached."""
    with app.session() as s:
        return books.send_books(session=s, rules=app.rules, year=year, today=today or app.today(),
                                mail_from=app.settings.mail_from, tz=app.settings.tz)


def render_books(app: App, *, year: int, out: Path, org_code: str | None = None) -> list[Path]:
    """Write the year's responsibility books as .docx files into `out`."""
    with app.session() as s:
        return books.render_books(session=s, year=year, out=out, org_code=org_code)

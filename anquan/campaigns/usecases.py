"""The use cases of campaigns and major events: parameters checked, one unit of work, the result returned."""

from __future__ import annotations

from datetime import date

from anquan.app import App
from anquan.campaigns import campaign, events


def start_campaign(app: App, *, params: dict, today: date | None = None) -> dict:
    """Start a special rectification campaign from raw parameters (name, sectors, townships, from_date, to_date,
    summary_due): a summary obligation per township, notices to the enterprises in scope."""
    checked = campaign.validate_params(params)
    with app.session() as s:
        return campaign.start_campaign(session=s, rules=app.rules, params=checked, mail_from=app.settings.mail_from,
                                       tz=app.settings.tz, today=today or app.today())


def add_major_event(app: App, *, params: dict, today: date | None = None) -> dict:
    """Enter a major event from raw parameters (name, townships, from_date, to_date): townships inspect before it."""
    checked = events.validate_event(params)
    with app.session() as s:
        return events.add_major_event(session=s, rules=app.rules, calendar=app.calendar, params=checked,
                                      mail_from=app.settings.mail_from, tz=app.settings.tz,
                                      today=today or app.today())


def list_major_events(app: App, *, year: int | None = None) -> list[dict]:
    with app.session() as s:
        return events.list_major_events(session=s, year=year)

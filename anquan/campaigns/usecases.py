"""The use cases of campaigns and major events: parameters checked, one unit of work, the result returned."""

from __future__ import annotations

from datetime import date

from anquan.accounts.accounts import Actor, audit
from anquan.app import App
from anquan.campaigns import campaign, events
from anquan.notifications.render import cn_date


def start_campaign(app: App, *, params: dict, today: date | None = None, actor: Actor | None = None) -> dict:
    """Start a special rectification campaign from raw parameters (name, sectors, townships, from_date, to_date,
    summary_due): a summary obligation per township, notices to the enterprises in scope. From the console
    (`actor`), the audit log records it in the same unit of work."""
    checked = campaign.validate_params(params)
    with app.session() as s:
        started = campaign.start_campaign(session=s, rules=app.rules, params=checked, mail_from=app.settings.mail_from,
                                          tz=app.settings.tz, today=today or app.today())
        if actor is not None:
            audit(s, actor, "campaign_start", target=started["name"], at=app.now(),
                  detail=_span(checked.from_date, checked.to_date, started["townships"]))
        return started


def add_major_event(app: App, *, params: dict, today: date | None = None, actor: Actor | None = None) -> dict:
    """Enter a major event from raw parameters (name, townships, from_date, to_date): townships inspect before it.
    A start not after today is refused together with the other fields; from the console (`actor`), audited."""
    today = today or app.today()
    checked = events.validate_event(params, today=today)
    with app.session() as s:
        added = events.add_major_event(session=s, rules=app.rules, calendar=app.calendar, params=checked,
                                       mail_from=app.settings.mail_from, tz=app.settings.tz, today=today)
        if actor is not None:
            audit(s, actor, "event_add", target=added["name"], at=app.now(),
                  detail=_span(checked.from_date, checked.to_date, added["townships"]))
        return added


def _span(start: date, end: date, townships: list[str]) -> str:
    return f"{cn_date(start)}至{cn_date(end)}，{len(townships)}个乡镇"


def list_major_events(app: App, *, year: int | None = None) -> list[dict]:
    with app.session() as s:
        return events.list_major_events(session=s, year=year)


# The mails each queues (their templates): what a run's report lists as who was mailed.
CAMPAIGN_MAIL = ("campaign_township", "campaign_enterprise")
MAJOR_EVENT_MAIL = ("major_event_township",)


def township_choices(app: App) -> list[tuple[str, str]]:
    """The directory's townships (code, name), in code order: the choices a campaign's or event's scope offers."""
    from anquan.campaigns.params import townships_in_scope
    from anquan.errors import NotFound

    with app.session() as s:
        try:
            return [(t.code, t.name) for t in townships_in_scope(s, "all", refused="townships")]
        except NotFound:  # no directory imported yet: no choices to offer
            return []

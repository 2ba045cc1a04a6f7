"""Names for the periods of obligations that events made: the campaign's name, the hazard, the major event."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from anquan.models.records import Campaign, Hazard, MajorEvent
from anquan.notifications.render import EVENT_PERIOD


def is_event_period(period: str) -> bool:
    return EVENT_PERIOD.match(period) is not None


def _short(text: str, n: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def event_period_labels(session: Session, periods: Iterable[str]) -> dict[str, str]:
    """{period: label} for the event-made periods among `periods`; other periods are left out."""
    wanted: dict[str, dict[int, str]] = {"campaign": {}, "hazard": {}, "event": {}}
    for p in set(periods):
        m = EVENT_PERIOD.match(p)
        if m:
            wanted[m.group(2)][int(m.group(3))] = p
    labels: dict[str, str] = {}
    if wanted["campaign"]:
        for cid, name in session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(wanted["campaign"]))):
            labels[wanted["campaign"][cid]] = f"专项整治“{name}”"
    if wanted["hazard"]:
        for hid, year, desc in session.execute(
            select(Hazard.id, Hazard.year, Hazard.description).where(Hazard.id.in_(wanted["hazard"]))
        ):
            labels[wanted["hazard"][hid]] = f"{year}年挂牌督办隐患#{hid}：{_short(desc)}"
    if wanted["event"]:
        for eid, name in session.execute(select(MajorEvent.id, MajorEvent.name).where(MajorEvent.id.in_(wanted["event"]))):
            labels[wanted["event"][eid]] = f"{name}前"
    return labels

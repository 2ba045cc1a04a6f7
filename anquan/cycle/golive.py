"""The go-live date (纳入系统管理起始日): what fell due before it is not tracked.

A county starts using Anquan on some day of some year. Its duties due before that day were
done (or not) outside the system: chasing them would send a township head "已逾期303天" on the
first morning, and scoring them would grade every township 不合格. So:

* the go-live date is ANQUAN_GO_LIVE when set, else the date recorded in the `installation`
  table the first time this installation planned or ticked (an installation that planned before
  this table existed gets the day of its first plan, see migration 0008);
* an obligation due before it has the status `not_tracked`: no reminder, no escalation, no score;
* the county office receives the list once, as a baseline to confirm (one mail per go-live date).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session

from anquan.directory.recipients import holders
from anquan.models.directory import Organisation, OrgKind, Role
from anquan.models.obligations import Installation, Obligation, ObligationStatus
from anquan.models.types import utcnow
from anquan.rules.cycle import CycleRules


def go_live_on(session: Session, *, setting: date | None, today: date) -> date:
    """The installation's go-live date: the setting if given, else the recorded one (recorded now if none)."""
    row = session.get(Installation, 1)
    if row is None:
        insert_fn = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(insert_fn(Installation).values(id=1, go_live_on=today, recorded_at=utcnow())
                        .on_conflict_do_nothing(index_elements=["id"]))
        row = session.get(Installation, 1)
    return setting if setting is not None else row.go_live_on


def record_success(session: Session, *, at: datetime, tick_on: date | None = None, plan_year: int | None = None) -> None:
    """Stamp the installation's row (go_live_on made it) with a tick or a plan, in the caller's transaction: it
    stands only when the work commits (the last successful tick and plan /metrics reports)."""
    values = ({"last_tick_on": tick_on, "last_tick_at": at} if tick_on else {}) | (
        {"last_plan_year": plan_year, "last_plan_at": at} if plan_year else {})
    session.execute(update(Installation).where(Installation.id == 1).values(**values))


def recorded_go_live(session: Session, *, setting: date | None) -> date | None:
    """The go-live date without recording one (the assessment reads it; None = never planned or ticked)."""
    if setting is not None:
        return setting
    row = session.get(Installation, 1)
    return row.go_live_on if row else None


def apply_to_year(session: Session, *, year: int, go_live: date) -> tuple[int, int]:
    """Mark the year's open obligations due before go-live not tracked, and take back up those due
    from go-live on (a go-live moved earlier): (marked, reopened). Reopened ones act from go-live."""
    now = utcnow()
    marked = session.connection().execute(
        update(Obligation).where(Obligation.year == year, Obligation.status == ObligationStatus.open.value,
                                 Obligation.due_on < go_live)
        .values(status=ObligationStatus.not_tracked.value, next_action_on=None, updated_at=now)).rowcount
    reopened = session.connection().execute(
        update(Obligation).where(Obligation.year == year, Obligation.status == ObligationStatus.not_tracked.value,
                                 Obligation.due_on >= go_live)
        .values(status=ObligationStatus.open.value, next_action_on=go_live, updated_at=now)).rowcount
    return max(marked or 0, 0), max(reopened or 0, 0)


def untrack_due(session: Session, *, as_of: date, go_live: date) -> int:
    """Before a tick: open obligations the tick would act on that fell due before go-live (an event's,
    or planned before the go-live was set) become not tracked. Walks the tick's own index range."""
    result = session.connection().execute(
        update(Obligation).where(Obligation.next_action_on <= as_of, Obligation.status == ObligationStatus.open.value,
                                 Obligation.due_on < go_live)
        .values(status=ObligationStatus.not_tracked.value, next_action_on=None, updated_at=utcnow()))
    return max(result.rowcount or 0, 0)


@dataclass
class BaselineLine:
    """One township's (or the county's own) untracked duties of one kind."""

    place: str
    kind: str
    title: str
    count: int
    first_due: date
    last_due: date


def baseline_lines(session: Session, *, rules: CycleRules) -> dict[int, list[BaselineLine]]:
    """The not-tracked obligations by county: per township (or the county itself) and kind, how many and when due."""
    subject = aliased(Organisation)
    place = aliased(Organisation)
    rows = session.execute(
        select(func.coalesce(subject.township_id, subject.id).label("place_id"), Obligation.kind, func.count(),
               func.min(Obligation.due_on), func.max(Obligation.due_on))
        .join(subject, subject.id == Obligation.subject_org_id)
        .where(Obligation.status == ObligationStatus.not_tracked.value)
        .group_by(func.coalesce(subject.township_id, subject.id), Obligation.kind)
    ).all()
    places = {p.id: p for p in session.execute(
        select(place.id, place.name, place.kind, place.parent_id, place.code)
        .where(place.id.in_({r.place_id for r in rows}))).all()}
    out: dict[int, list[BaselineLine]] = defaultdict(list)
    for r in rows:
        p = places[r.place_id]
        county_id = p.id if p.kind == OrgKind.county.value else p.parent_id
        title = rules.kinds[r.kind].title if r.kind in rules.kinds else r.kind
        out[county_id].append(BaselineLine(p.name if p.kind != OrgKind.county.value else "县本级", r.kind, title,
                                           r[2], r[3], r[4]))
    for lines in out.values():
        lines.sort(key=lambda x: (x.place != "县本级", x.place, x.first_due, x.kind))
    return out


def queue_baseline(session: Session, *, rules: CycleRules, go_live: date, today: date, mail_from: str, tz) -> int:
    """Once per go-live date: mail each county office the duties not tracked, as a baseline to confirm."""
    from anquan.notifications.outbox import enqueue, event_key
    from anquan.notifications.render import render_named
    from anquan.vocabulary import role_title

    row = session.get(Installation, 1)
    if row is None or row.baseline_for == go_live:
        return 0
    by_county = baseline_lines(session, rules=rules)
    if not by_county:
        return 0
    queued = 0
    offices = holders(session, org_ids=list(by_county), roles=[Role.county_office])
    for county_id, lines in sorted(by_county.items(), key=lambda kv: kv[0] or 0):
        county = session.get(Organisation, county_id) if county_id else None
        for person in offices.get(county_id, []):
            rendered = render_named("baseline", {
                "to_name": person.name, "to_title": role_title(Role.county_office.value, county.name if county else None),
                "county_name": county.name if county else "本县", "go_live": go_live, "lines": lines,
                "total": sum(x.count for x in lines), "tick_date": today,
            })
            key = event_key("baseline", go_live.isoformat(), county_id, person.email.lower())
            queued += enqueue(session=session, key=key, to_name=person.name, to_addr=person.email, rendered=rendered,
                              stage="baseline", on=today, mail_from=mail_from, tz=tz)
    row.baseline_for = go_live
    session.add(row)
    return queued

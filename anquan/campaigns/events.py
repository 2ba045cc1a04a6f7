"""Major events entered by hand (重大活动): the townships inspect before them, as before a long holiday.

A national meeting or a large fair is not in any calendar, so the county office
enters it with its dates. Each township in scope then owes an
`event_inspection` obligation, due the working day(s) before the event starts
as the rules file says, with the same reminders and escalation as a holiday
inspection; the townships are told at once. Entering the same event twice
enters it once.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from sqlalchemy import func, select
from sqlmodel import Session

from anquan.errors import InvalidValue
from anquan.cycle.obligations import open_event_obligation
from anquan.campaigns.params import Name, Townships, not_before, townships_in_scope, validate
from anquan.directory.recipients import holders
from anquan.models.directory import Organisation, OrgKind, Role
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.models.records import MajorEvent
from anquan.notifications.outbox import enqueue, event_key
from anquan.notifications.render import render_named
from anquan.vocabulary import EVENT_INSPECTION, event_period, role_title


_NOT_AHEAD = "{v} is not after today ({today}); an event is entered before it starts"


class EventParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    townships: Townships = "all"
    from_date: date
    to_date: date

    @field_validator("from_date")
    @classmethod
    def _ahead(cls, v: date, info: ValidationInfo) -> date:
        """With today in the context, refused with the other fields' refusals (add_major_event checks it again)."""
        today = (info.context or {}).get("today")
        if today is not None and v <= today:
            raise ValueError(_NOT_AHEAD.format(v=v, today=today))
        return v

    _ends = field_validator("to_date")(not_before("from_date", "{v} is before from_date {earlier}"))


def validate_event(raw: dict, *, today: date | None = None) -> EventParams:
    """EventParams from raw input; a refusal names each bad field (with `today`: a start not after it too)."""
    return validate(EventParams, raw, refused="major event refused", context={"today": today} if today else None)


def add_major_event(*, session: Session, rules, calendar, params: EventParams, mail_from: str, tz, today: date) -> dict:
    """Record the event, open an inspection obligation per township in scope and tell the townships."""
    if params.from_date <= today:
        raise InvalidValue(_NOT_AHEAD.format(v=params.from_date, today=today), field="from_date",
                           what="major event refused")
    rule = rules.kind(EVENT_INSPECTION)
    townships = townships_in_scope(session, params.townships, refused="major event refused")
    codes = [t.code for t in townships]
    # As before a long holiday: the working day(s) before it starts; never before today,
    # so an event entered at short notice is due today rather than already late.
    due = calendar.working_day_before(params.from_date, rule.due.working_days_before_start or 1)
    due = max(due, today)
    key = event_key("major-event", params.name, ",".join(codes), params.from_date, params.to_date)
    event = session.execute(select(MajorEvent).where(MajorEvent.key == key)).scalar_one_or_none()
    created = event is None
    if created:
        event = MajorEvent(key=key, name=params.name, townships=",".join(codes), starts_on=params.from_date,
                           ends_on=params.to_date)
        session.add(event)
        session.flush()
    period = event_period(params.from_date.year, event.id)
    obligations, mails = [], 0
    for t in townships:
        ob = open_event_obligation(session=session, rules=rules, kind=EVENT_INSPECTION, org_id=t.id, subject_org_id=t.id,
                                   year=params.from_date.year, period=period, due_on=due)
        obligations.append(ob.id)
        enterprises = session.execute(
            select(Organisation.id).where(Organisation.township_id == t.id, Organisation.kind == OrgKind.enterprise.value)
        ).all()
        for name, email, role in [(p.name, p.email, p.role) for p in holders(
                session, org_ids=[t.id], roles=[Role.safety_office, Role.deputy_head_safety]).get(t.id, [])]:
            mails += enqueue(session=session, key=event_key("major-event", event.id, "township", email.lower()),
                             to_name=name, to_addr=email, rendered=render_named("major_event_township", {
                                 "to_name": name, "to_title": role_title(role, t.name), "e": event, "township": t,
                                 "due_on": ob.due_on, "obligation_id": ob.id, "enterprise_count": len(enterprises),
                                 "action": rule.action}),
                             stage="event", on=today, mail_from=mail_from, tz=tz)
    return {"id": event.id, "name": event.name, "created": created, "townships": codes,
            "from": event.starts_on.isoformat(), "to": event.ends_on.isoformat(), "inspection_due": due.isoformat(),
            "obligation_ids": obligations, "mails_queued": mails}


def list_major_events(*, session: Session, year: int | None = None) -> list[dict]:
    q = select(MajorEvent).order_by(MajorEvent.starts_on, MajorEvent.id)
    events = [e for e in session.execute(q).scalars() if year is None or e.starts_on.year == year]
    done = (ObligationStatus.submitted.value, ObligationStatus.late.value)
    counts = {
        period: (n, n_done)
        for period, n, n_done in session.execute(
            select(Obligation.period, func.count(), func.count().filter(Obligation.status.in_(done)))
            .where(Obligation.kind == EVENT_INSPECTION, Obligation.period.in_([event_period(e.starts_on.year, e.id) for e in events]))
            .group_by(Obligation.period)
        )
    }
    rows = []
    for e in events:
        n, n_done = counts.get(event_period(e.starts_on.year, e.id), (0, 0))
        rows.append({"id": e.id, "name": e.name, "from": e.starts_on.isoformat(), "to": e.ends_on.isoformat(),
                     "townships": e.townships.split(","), "inspections": n, "inspections_done": n_done})
    return rows

"""Returning a report (退回): the township's overseer sends an organisation's report back with a reason.

In one transaction: the return is recorded (who, when, from where, why; anquan.models.obligations
SubmissionReturn), the duty is open again (submitted_on cleared; its submissions stay as history), the
daily tick is set to pick it up where its schedule stands, and one mail per responsible person is queued
(the outbox key names the return, so a return is never mailed twice).

Where the tick picks up: the stages of a duty's schedule are handled in order (sent, or recorded as
skipped when a later one overtook them), so what was handled is a prefix of the schedule. The next action
is the first stage after the last one handled. If that day has passed, the next tick does what it does
after downtime: sends the latest stage due and records the older ones as skipped; a stage already sent is
never sent again (and the notice's unique key would refuse it anyway).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from anquan.cycle.mine import Person
from anquan.cycle.obligations import lock_obligation
from anquan.cycle.oversight import REPORTED, overseen_obligation, recorder, responsible_people
from anquan.cycle.tick import stages_for
from anquan.directory.recipients import post_title, unique_by_address
from anquan.errors import AnquanError, InvalidValue
from anquan.models.directory import Contact
from anquan.models.obligations import Obligation, ObligationStatus, Submission, SubmissionReturn
from anquan.models.outbox import Notice
from anquan.models.types import utcnow
from anquan.notifications.outbox import enqueue, event_key
from anquan.notifications.render import render_named
from anquan.vocabulary import period_label, role_title

REASON_MIN, REASON_MAX = 4, 500
RETURN_REFUSED = "return refused"


class NotReturnable(AnquanError):
    """The duty is not reported (open, waived, not tracked): there is nothing to return."""


@dataclass
class ReturnResult:
    obligation_id: int
    return_id: int
    status: str
    next_action_on: date | None
    mails_queued: int
    recipients: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"obligation_id": self.obligation_id, "return_id": self.return_id, "status": self.status,
                "next_action_on": self.next_action_on.isoformat() if self.next_action_on else None,
                "mails_queued": self.mails_queued, "recipients": self.recipients}


def checked_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if len(text) < REASON_MIN:
        raise InvalidValue(f"say why the report is returned (at least {REASON_MIN} characters)", field="reason",
                           what=RETURN_REFUSED)
    if len(text) > REASON_MAX:
        raise InvalidValue(f"the reason is {len(text)} characters long; at most {REASON_MAX}", field="reason",
                           what=RETURN_REFUSED)
    return text


def next_action_after_return(session: Session, rule, ob: Obligation) -> date | None:
    """The first stage of the schedule after the last one already handled (sent, skipped or without recipient)."""
    stages = stages_for(rule, ob.due_on) if rule else []
    handled = set(session.execute(select(Notice.stage).where(Notice.obligation_id == ob.id).distinct()).scalars())
    last = max((i for i, s in enumerate(stages) if s.name in handled), default=-1)
    following = stages[last + 1:]
    return following[0].on if following else None


def return_report(*, session: Session, rules, person: Person, obligation_id: int, reason: str, today: date,
                  client_addr: str | None, mail_from: str, tz, at: datetime | None = None) -> ReturnResult:
    """Send a submitted or late report back; NotYours when the person does not oversee it."""
    text = checked_reason(reason)
    ob = lock_obligation(session, obligation_id)  # two returns at once: one waits, then finds it open
    _, org, township = overseen_obligation(session, rules, person, obligation_id)
    if ob.status not in REPORTED:
        raise NotReturnable(f"obligation {obligation_id} is {ob.status}; only a reported duty can be returned",
                            what=RETURN_REFUSED)
    by = recorder(person, township)
    last_sub = session.execute(select(func.max(Submission.id)).where(Submission.obligation_id == ob.id)).scalar_one()
    ret = SubmissionReturn(obligation_id=ob.id, contact_id=by.id, reason=text, status_before=ob.status,
                           submitted_on=ob.submitted_on, last_submission_id=last_sub,
                           client_addr=(client_addr or None) and client_addr[:64])
    session.add(ret)
    rule = rules.kinds.get(ob.kind)
    returned_on = ob.submitted_on
    ob.status = ObligationStatus.open.value
    ob.submitted_on = None
    ob.next_action_on = next_action_after_return(session, rule, ob)
    ob.updated_at = utcnow()
    session.add(ob)
    session.flush()
    people = unique_by_address(responsible_people(session, rules, [(org.id, org.kind, ob.kind)])[(org.id, ob.kind)])
    values = {
        "org_name": org.name, "title": rule.title if rule else ob.kind, "period_label": period_label(ob.period),
        "submitted_on": returned_on, "returned_on": today, "reason": text, "due_on": ob.due_on,
        "days_left": (ob.due_on - today).days, "by_name": by.name, "by_title": role_title(by.role, township.name),
        "by_phone": by.phone, "by_email": by.email,
    }
    mails = 0
    for p in people:
        rendered = render_named("report_returned", {**values, "to_name": p.name, "to_title": post_title(session, p)})
        mails += enqueue(session=session, key=event_key("report-returned", ret.id, p.email.lower()), to_name=p.name,
                         to_addr=p.email, rendered=rendered, stage="returned", on=today, mail_from=mail_from, tz=tz,
                         at=at)
    return ReturnResult(ob.id, ret.id, ob.status, ob.next_action_on, mails, [p.email.lower() for p in people])


def returns_of(session: Session, obligation_id: int) -> list[dict]:
    """The returns of one obligation, oldest first: when, who (name), why."""
    return [{"returned_at": r.returned_at, "by": name, "reason": r.reason, "submitted_on": r.submitted_on}
            for r, name in session.execute(
                select(SubmissionReturn, Contact.name).join(Contact, Contact.id == SubmissionReturn.contact_id)
                .where(SubmissionReturn.obligation_id == obligation_id).order_by(SubmissionReturn.id))]

"""One official's duties, as their page (我的待办) shows them: what they owe, and what they were asked to urge.

The person is the mail address: a personal link names one contact, and the page covers every active
contact at that address (the mail went to the address, and a digest already joined their posts).

* Own duties: open obligations of the person's organisations whose kind the rules give to the person's
  role there (config/cycle.yaml `owners`), overdue first then by due date, up to a horizon ahead.
* To urge (督促): open obligations an escalation mail asked this address to urge or supervise, that are
  not their own; read-only, with the responsible people's names and phones.

Anything else is not theirs: `duty_for` says so with NotYours, which the pages turn into a 404.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from anquan.errors import AnquanError
from anquan.models.directory import Contact, Organisation
from anquan.models.obligations import Obligation, ObligationStatus, Submission, SubmissionReturn
from anquan.models.outbox import Notice, NoticeOutcome
from anquan.rules.cycle import CycleRules
from anquan.vocabulary import MONTHLY_RISK_ANALYSIS, event_period_labels, is_event_period, period_label, role_label

HORIZON_DAYS = 60  # own duties due further ahead are counted, not listed
MAX_LISTED = 200  # a county office may have thousands to urge: list this many, count the rest
RECENT_DAYS = 30  # own duties reported this recently are shown as done


class NotYours(AnquanError):
    """The obligation is neither the person's own nor one they were asked to urge (or does not exist)."""


@dataclass
class Responsible:
    name: str
    phone: str | None
    role_label: str


@dataclass
class Duty:
    obligation_id: int
    kind: str
    title: str
    action: str
    period_label: str
    org_code: str
    org_name: str
    year: int
    due_on: date
    days_left: int  # negative when overdue
    status: str
    submitted_on: date | None
    own: bool
    owner_org_id: int = 0  # the organisation that owes it (the subject is whom it is about)
    responsible: list[Responsible] = field(default_factory=list)
    submissions: list[dict] = field(default_factory=list)
    # The newest submission the page shows (0: none); the report form sends it back, so that the same form
    # sent twice (a double click, a resent form) is recognised as one report.
    last_submission_id: int = 0
    returns: list[dict] = field(default_factory=list)  # 退回 by the township: when, who, why
    returned: bool = False  # open again because the township returned its report


@dataclass
class Person:
    contact_id: int
    name: str
    email: str
    posts: list[tuple[str, str]]  # (organisation name, role label)
    contacts: list[Contact]


@dataclass
class MyPage:
    person: Person
    own: list[Duty]
    own_later: int  # open own duties due after the horizon
    done: list[Duty]
    urge: list[Duty]
    urge_more: int


def person_of(session: Session, contact: Contact) -> Person:
    """Every active contact at the address of `contact` (the one a link names), with their posts."""
    rows = session.execute(
        select(Contact, Organisation.name).join(Organisation, Organisation.id == Contact.org_id)
        .where(func.lower(Contact.email) == contact.email.lower(), Contact.active).order_by(Contact.id)
    ).all()
    contacts = [c for c, _ in rows] or [contact]
    posts = [(org_name, role_label(c.role)) for c, org_name in rows]
    return Person(contact.id, contact.name, contact.email.lower(), posts, contacts)


def _own_filter(session: Session, rules: CycleRules, person: Person):
    """(org_id, kinds) pairs: the kinds each of the person's organisations owes through the person's role."""
    kinds_at: dict[int, set[str]] = defaultdict(set)
    org_kind = dict(session.execute(
        select(Organisation.id, Organisation.kind).where(Organisation.id.in_({c.org_id for c in person.contacts}))).all())
    for c in person.contacts:
        for name, rule in rules.kinds.items():
            for spec in rule.owners:
                if org_kind.get(c.org_id) in [k.value for k in spec.org_kinds] and c.role in [r.value for r in spec.roles]:
                    kinds_at[c.org_id].add(name)
    clauses = [(Obligation.org_id == org_id) & Obligation.kind.in_(sorted(kinds)) for org_id, kinds in kinds_at.items()]
    if not clauses:
        return None
    cond = clauses[0]
    for c in clauses[1:]:
        cond = cond | c
    return cond


# What a page lists of an obligation: plain columns (a page lists hundreds; ORM objects cost more than the query).
LISTED = (Obligation.id, Obligation.kind, Obligation.org_id, Obligation.subject_org_id, Obligation.year,
          Obligation.period, Obligation.due_on, Obligation.status, Obligation.submitted_on)


def _duties(session: Session, rules: CycleRules, rows, *, today: date, own: bool) -> list[Duty]:
    """Rows of LISTED columns with the subject organisation's code and name, as duties."""
    labels = event_period_labels(session, {r.period for r in rows if is_event_period(r.period)})
    out = []
    for r in rows:
        rule = rules.kinds.get(r.kind)
        out.append(Duty(
            obligation_id=r.id, kind=r.kind, title=rule.title if rule else r.kind, action=rule.action if rule else "",
            period_label=labels.get(r.period) or period_label(r.period), org_code=r.code, org_name=r.name, year=r.year,
            due_on=r.due_on, days_left=(r.due_on - today).days, status=r.status, submitted_on=r.submitted_on, own=own,
            owner_org_id=r.org_id,
        ))
    return out


def _listing(cond):
    return (select(*LISTED, Organisation.code, Organisation.name)
            .join(Organisation, Organisation.id == Obligation.subject_org_id).where(cond))


def _first_listed(session: Session, cond) -> tuple[list, int]:
    """The first MAX_LISTED obligations matching `cond` in due-date order, and how many match in all.

    One pass: the count rides along as a window over the matches, and only the rows kept are joined to their
    organisation (a county office may have thousands to urge)."""
    first = (select(*LISTED, func.count().over().label("total")).where(cond)
             .order_by(Obligation.due_on, Obligation.id).limit(MAX_LISTED).subquery())
    rows = session.execute(
        select(first, Organisation.code, Organisation.name).join(Organisation, Organisation.id == first.c.subject_org_id)
        .order_by(first.c.due_on, first.c.id)).all()
    return rows, rows[0].total if rows else 0


def _urged_ids(person: Person):
    """Obligations an escalation mail asked this address to urge."""
    return (select(Notice.obligation_id).where(
        Notice.recipient_email == person.email, Notice.outcome == NoticeOutcome.notified.value,
        Notice.stage.like("escalation-%")))


def _with_responsible(session: Session, rules: CycleRules, duties: list[Duty]) -> None:
    """The people who owe each duty (its owner roles at its organisation), with their phones."""
    if not duties:
        return
    people: dict[int, list[tuple]] = defaultdict(list)
    for org_id, name, phone, role in session.execute(
            select(Contact.org_id, Contact.name, Contact.phone, Contact.role)
            .where(Contact.org_id.in_({d.owner_org_id for d in duties}), Contact.active).order_by(Contact.id)):
        people[org_id].append((name, phone, role))
    for d in duties:
        rule = rules.kinds.get(d.kind)
        roles = {r.value for spec in rule.owners for r in spec.roles} if rule else set()
        d.responsible = [Responsible(name, phone, role_label(role))
                         for name, phone, role in people[d.owner_org_id] if role in roles]


def _mark_returned(session: Session, duties: list[Duty]) -> None:
    """Flag the open duties whose report the township returned (the card says to report again)."""
    ids = [d.obligation_id for d in duties]
    if ids:
        returned = set(session.execute(select(SubmissionReturn.obligation_id)
                                       .where(SubmissionReturn.obligation_id.in_(ids))).scalars())
        for d in duties:
            d.returned = d.obligation_id in returned


def my_page(*, session: Session, rules: CycleRules, contact: Contact, today: date) -> MyPage:
    """What the person's page lists: own open duties, recently reported ones, and what they were asked to urge."""
    person = person_of(session, contact)
    own_cond = _own_filter(session, rules, person)
    own, done, later = [], [], 0
    if own_cond is not None:
        is_open = own_cond & (Obligation.status == ObligationStatus.open.value)
        horizon = today + timedelta(days=HORIZON_DAYS)
        own = _duties(session, rules, session.execute(
            _listing(is_open & (Obligation.due_on <= horizon)).order_by(Obligation.due_on, Obligation.id).limit(MAX_LISTED)
        ).all(), today=today, own=True)
        later = session.execute(select(func.count()).select_from(Obligation)
                                .where(is_open & (Obligation.due_on > horizon))).scalar_one()
        done = _duties(session, rules, session.execute(
            _listing(own_cond & Obligation.status.in_([ObligationStatus.submitted.value, ObligationStatus.late.value])
                     & (Obligation.submitted_on >= today - timedelta(days=RECENT_DAYS)))
            .order_by(Obligation.submitted_on.desc(), Obligation.id).limit(20)).all(), today=today, own=True)
    _mark_returned(session, own)
    urge_cond = Obligation.id.in_(_urged_ids(person)) & (Obligation.status == ObligationStatus.open.value)
    if own_cond is not None:
        urge_cond = urge_cond & ~own_cond
    rows, urge_total = _first_listed(session, urge_cond)
    urge = _duties(session, rules, rows, today=today, own=False)
    _with_responsible(session, rules, urge)
    return MyPage(person=person, own=own, own_later=later, done=done,
                  urge=urge, urge_more=urge_total - len(urge))


def duty_for(*, session: Session, rules: CycleRules, contact: Contact, obligation_id: int, today: date) -> Duty:
    """One duty as the person may see it: their own (with its submissions) or one to urge; NotYours otherwise."""
    person = person_of(session, contact)
    own_cond = _own_filter(session, rules, person)
    rows = []
    if own_cond is not None:
        rows = session.execute(_listing(own_cond & (Obligation.id == obligation_id))).all()
    if rows:
        duty = _duties(session, rules, rows, today=today, own=True)[0]
        duty.submissions = [
            {"id": s.id, "submitted_on": s.submitted_on, "note": s.note, "file_name": s.file_name, "source": s.source,
             "recorded_at": s.recorded_at, "by": name}
            for s, name in session.execute(
                select(Submission, Contact.name).outerjoin(Contact, Contact.id == Submission.contact_id)
                .where(Submission.obligation_id == obligation_id).order_by(Submission.id)).all()]
        duty.last_submission_id = max((s["id"] for s in duty.submissions), default=0)
        duty.returns = [
            {"returned_at": r.returned_at, "by": name, "reason": r.reason}
            for r, name in session.execute(
                select(SubmissionReturn, Contact.name).join(Contact, Contact.id == SubmissionReturn.contact_id)
                .where(SubmissionReturn.obligation_id == obligation_id).order_by(SubmissionReturn.id)).all()]
        return duty
    rows = session.execute(_listing((Obligation.id == obligation_id) & Obligation.id.in_(_urged_ids(person)))).all()
    if not rows:
        raise NotYours(f"obligation {obligation_id} is not this contact's to see")
    duties = _duties(session, rules, rows, today=today, own=False)
    _with_responsible(session, rules, duties)
    return duties[0]

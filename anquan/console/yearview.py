"""The year at a glance (全年概览): a township × duty matrix, and one cell's duties with their history.

A duty belongs to the township of the organisation it is about (its subject): the township's own duties, its
villages', units' and enterprises', and the county's duties about it (the supervision visit). Each obligation
falls into one state as of `today`:

    on_time   reported on or before the deadline (按时完成)
    late      reported after it (逾期完成)
    overdue   open, past the deadline (逾期未报)
    open      open, due soon: inside its first reminder's window (待办)
    not_due   open, not yet in that window (未到期)
    waived    waived with a reason (已免除)
    not_tracked  due before the installation went live (未纳入)

The matrix reads the year's counts per (township, kind, status, due date) that the database keeps
(obligation_tally, see anquan.cycle.tally): the states follow from the status and the due date, so its cost
follows the number of those counts (about 53,000-61,000 for a province), not its 2.4 million obligations. A cell
reads the obligations: its list is paged in SQL, and its history (notices, the mail that carried them,
submissions, returns, evidence) is read for that page only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from anquan.cycle.mine import NotYours
from anquan.cycle.oversight import Township
from anquan.models.directory import Contact, Organisation, OrgKind
from anquan.models.obligations import (Obligation, ObligationStatus, ObligationTally, Submission, SubmissionReturn,
                                      SubmissionSource)
from anquan.models.outbox import Notice, OutboxMessage
from anquan.rules.cycle import CycleRules
from anquan.vocabulary import period_label, role_label

STATES = ("overdue", "open", "late", "on_time", "not_due", "waived", "not_tracked")
STATE_LABELS = {"on_time": "按时完成", "late": "逾期完成", "overdue": "逾期未报", "open": "待办", "not_due": "未到期",
                "waived": "已免除", "not_tracked": "未纳入"}
PAGE_SIZE = 50
ORG_KIND_LABELS = {"county": "县", "township": "乡镇", "village": "村（社区）", "unit": "单位", "enterprise": "企业"}
OUTCOME_LABELS = {"notified": "已发送", "skipped": "已跳过（被后一级取代）", "no_recipient": "无人可送"}
MAIL_LABELS = {"pending": "待发送", "sent": "已发出", "failed": "发送失败"}


@dataclass
class Cell:
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts.get("on_time", 0) + self.counts.get("late", 0)

    @property
    def tracked(self) -> int:
        """What the township owes this year (waived and not tracked: owed by nobody)."""
        return self.total - self.counts.get("waived", 0) - self.counts.get("not_tracked", 0)

    @property
    def state(self) -> str:
        """The cell's colour: the most pressing state it holds (overdue before open, before late, ...)."""
        return next((s for s in STATES if self.counts.get(s)), "none")

    def n(self, state: str) -> int:
        return self.counts.get(state, 0)


@dataclass
class Matrix:
    year: int
    today: date
    kinds: list[tuple[str, str]]  # (kind, title) in the rules' order, those with duties this year
    townships: list[Township]
    cells: dict[tuple[int, str], Cell]
    totals: dict[str, int]  # state -> count over the whole matrix

    def cell(self, township_id: int, kind: str) -> Cell | None:
        return self.cells.get((township_id, kind))


def state_case(rules: CycleRules, today: date, table=Obligation):
    """The SQL expression of an obligation's state as of `today` (see the module docstring), over the kind,
    status and due date of `table` (the obligations, or the counts kept of them)."""
    window = case(*[(table.kind == k, literal(today + timedelta(days=max(r.reminders or [0]))))
                    for k, r in rules.kinds.items()], else_=literal(today))
    st = ObligationStatus
    return case(
        (table.status == st.submitted.value, literal("on_time")),
        (table.status == st.late.value, literal("late")),
        (table.status == st.waived.value, literal("waived")),
        (table.status == st.not_tracked.value, literal("not_tracked")),
        (table.due_on < today, literal("overdue")),
        (table.due_on <= window, literal("open")),
        else_=literal("not_due"))


def townships(session: Session, *, only: int | None = None) -> list[Township]:
    q = select(Organisation.id, Organisation.code, Organisation.name).where(Organisation.kind == OrgKind.township.value)
    if only is not None:
        q = q.where(Organisation.id == only)
    return [Township(*r) for r in session.execute(q.order_by(Organisation.code))]


def matrix(*, session: Session, rules: CycleRules, year: int, today: date, only: int | None = None) -> Matrix:
    """The year's township × duty matrix; `only`: one township (a township office's view)."""
    t = ObligationTally
    state = state_case(rules, today, t).label("state")
    q = select(t.township_id, t.kind, state, func.sum(t.n)).where(t.year == year)
    if only is not None:
        q = q.where(t.township_id == only)
    q = q.group_by(t.township_id, t.kind, state).having(func.sum(t.n) > 0)
    # Core rows, not the ORM's: 20,000 of them for a province, and the ORM's row handling was a fifth of the view.
    return _matrix(session, rules, year, today, only, session.connection().execute(q))


def recounted_matrix(*, session: Session, rules: CycleRules, year: int, today: date,
                     only: int | None = None) -> Matrix:
    """The same matrix counted from the obligations themselves: what the kept counts must always give."""
    subject = aliased(Organisation)
    inner = (select(subject.township_id.label("township_id"), Obligation.kind.label("kind"),
                    state_case(rules, today).label("state"))
             .join(subject, subject.id == Obligation.subject_org_id)
             .where(Obligation.year == year, subject.township_id.is_not(None)))
    if only is not None:
        inner = inner.where(subject.township_id == only)
    sub = inner.subquery()
    q = select(sub.c.township_id, sub.c.kind, sub.c.state, func.count()).group_by(sub.c.township_id, sub.c.kind,
                                                                                  sub.c.state)
    return _matrix(session, rules, year, today, only, session.execute(q))


def _matrix(session: Session, rules: CycleRules, year: int, today: date, only: int | None, rows) -> Matrix:
    cells: dict[tuple[int, str], Cell] = defaultdict(Cell)
    totals: dict[str, int] = defaultdict(int)
    for township_id, kind, st, n in rows:
        cells[(township_id, kind)].counts[st] = int(n)
        totals[st] += int(n)
    present = {k for _, k in cells}
    kinds = [(k, r.title) for k, r in rules.kinds.items() if k in present]
    kinds += [(k, k) for k in sorted(present - set(rules.kinds))]
    return Matrix(year=year, today=today, kinds=kinds, townships=townships(session, only=only), cells=dict(cells),
                  totals=dict(totals))


# -- one cell: the township's duties of a kind, with their history ---------------------------------------------

@dataclass
class Event:
    """One line of a duty's history, in time order."""

    on: date
    what: str  # 提醒 / 督办 / 报告 / 退回 / 免除
    text: str
    file: tuple[int, str] | None = None  # (submission id, file name): evidence to download
    warn: bool = False


@dataclass
class Duty:
    obligation_id: int
    org_name: str
    org_kind: str
    period: str
    due_on: date
    state: str
    submitted_on: date | None
    waived_reason: str | None
    events: list[Event] = field(default_factory=list)


@dataclass
class CellView:
    township: Township
    kind: str
    title: str
    year: int
    counts: Cell
    show: str  # a state, or "all"
    duties: list[Duty]
    page: int
    pages: int
    listed: int


def _stage_text(stage: str) -> tuple[str, str]:
    kind, _, n = stage.partition("-")
    if kind == "reminder":
        return "提醒", f"到期前{n}天提醒" if n != "0" else "到期当日提醒"
    return "督办", f"第{n}级督办"


def _notice_events(session: Session, ids: list[int]) -> dict[int, list[Event]]:
    """Per obligation and day: one line per stage sent (its recipients and the mail's fate), one for the stages
    skipped (overtaken by a later one while nothing ran)."""
    q = (select(Notice, OutboxMessage.status)
         .outerjoin(OutboxMessage, OutboxMessage.key == Notice.outbox_key)
         .where(Notice.obligation_id.in_(ids)).order_by(Notice.tick_date, Notice.id))
    stages: dict[tuple[int, date, str], list] = {}
    for n, mail in session.execute(q):
        stages.setdefault((n.obligation_id, n.tick_date, n.stage), []).append((n, mail))
    events: dict[int, list[Event]] = defaultdict(list)
    skipped: dict[tuple[int, date], list[str]] = defaultdict(list)
    for (oid, day, stage), found in stages.items():
        what, text = _stage_text(stage)
        if all(n.outcome == "skipped" for n, _ in found):
            skipped[(oid, day)].append(text)
            continue
        if all(n.outcome == "no_recipient" for n, _ in found):
            events[oid].append(Event(day, what, f"{text}：{OUTCOME_LABELS['no_recipient']}", warn=True))
            continue
        people = [n for n, _ in found if n.outcome == "notified"]
        names = "、".join(f"{n.recipient_name or n.recipient_email}（{role_label(n.recipient_role) or ''}）" for n in people)
        fates = sorted({MAIL_LABELS.get(m, "邮件已清理") for n, m in found if n.outcome == "notified"})
        fallback = {role_label(n.fallback_from) for n in people if n.fallback_from}
        text += f"：{names}，{'、'.join(fates)}" + (f"（{'、'.join(sorted(fallback))}无人，转送上一级）" if fallback else "")
        events[oid].append(Event(day, what, text, warn=any(m == "failed" for _, m in found)))
    for (oid, day), texts in skipped.items():
        events[oid].append(Event(day, "跳过", f"{'、'.join(texts)}未发送（期间系统未运行，已被后一级取代）"))
    return events


def _history(session: Session, ids: list[int], tz) -> dict[int, list[Event]]:
    events = _notice_events(session, ids)
    q = (select(Submission, Contact.name).outerjoin(Contact, Contact.id == Submission.contact_id)
         .where(Submission.obligation_id.in_(ids)).order_by(Submission.id))
    for sub, name in session.execute(q):
        how = {SubmissionSource.web.value: "本人网页报告", SubmissionSource.proxy.value: "乡镇安监办代报",
               SubmissionSource.import_.value: "县安委办批量导入"}.get(sub.source, "县安委办登记")
        text = how + (f"（{name}）" if name else "") + (f"：{sub.note}" if sub.note else "")
        events[sub.obligation_id].append(Event(sub.submitted_on, "报告", text,
                                               file=(sub.id, sub.file_name) if sub.file_name else None))
    q = (select(SubmissionReturn, Contact.name).join(Contact, Contact.id == SubmissionReturn.contact_id)
         .where(SubmissionReturn.obligation_id.in_(ids)).order_by(SubmissionReturn.id))
    for ret, name in session.execute(q):
        events[ret.obligation_id].append(Event(ret.returned_at.astimezone(tz).date(), "退回",
                                               f"{name}退回：{ret.reason}", warn=True))
    for evs in events.values():
        evs.sort(key=lambda e: (e.on, e.what != "跳过"))
    return events


def cell(*, session: Session, rules: CycleRules, year: int, today: date, township_id: int, kind: str, tz,
         only: int | None = None, show: str = "all", page: int = 1) -> CellView:
    """One township's duties of one kind in the year (a page, the most pressing first), each with its history.
    NotYours for a township outside `only` or not a township."""
    if only is not None and township_id != only:
        raise NotYours(f"township {township_id} is not this account's")
    found = townships(session, only=township_id)
    if not found:
        raise NotYours(f"no township {township_id}")
    subject = aliased(Organisation)
    owner = aliased(Organisation)
    state = state_case(rules, today)
    cond = and_(Obligation.year == year, Obligation.kind == kind, subject.township_id == township_id)
    base = select(Obligation.id).join(subject, subject.id == Obligation.subject_org_id).where(cond)
    states = (select(state.label("state")).join(subject, subject.id == Obligation.subject_org_id)
              .where(cond).subquery())
    counts = Cell(dict(session.execute(select(states.c.state, func.count()).group_by(states.c.state)).all()))
    show = show if show in STATES else "all"
    if show != "all":
        base = base.where(state == show)
    listed = session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    pages = max(1, -(-listed // PAGE_SIZE))
    page = min(max(1, page), pages)
    order = case(*[(state == s, i) for i, s in enumerate(STATES)], else_=len(STATES))
    rows = session.execute(
        select(Obligation, owner.name, owner.kind, state).join(subject, subject.id == Obligation.subject_org_id)
        .join(owner, owner.id == Obligation.org_id).where(cond, *([state == show] if show != "all" else []))
        .order_by(order, Obligation.due_on, owner.code, Obligation.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    history = _history(session, [ob.id for ob, *_ in rows], tz)
    duties = []
    for ob, name, org_kind, st in rows:
        d = Duty(ob.id, name, org_kind, period_label(ob.period), ob.due_on, st, ob.submitted_on, ob.waived_reason,
                 history.get(ob.id, []))
        if ob.waived_reason:
            d.events.append(Event(ob.due_on, "免除", ob.waived_reason))
        duties.append(d)
    rule = rules.kinds.get(kind)
    return CellView(township=found[0], kind=kind, title=rule.title if rule else kind, year=year, counts=counts,
                    show=show, duties=duties, page=page, pages=pages, listed=listed)


def evidence_of(session: Session, *, submission_id: int, only: int | None) -> Submission:
    """A submission with a file, if its duty is about a township the account sees; NotYours otherwise."""
    sub = session.get(Submission, submission_id)
    ob = session.get(Obligation, sub.obligation_id) if sub else None
    subject = session.get(Organisation, ob.subject_org_id) if ob else None
    if sub is None or not sub.file_path or subject is None or subject.township_id is None or (
            only is not None and subject.township_id != only):
        raise NotYours(f"submission {submission_id} is not this account's to see")
    return sub


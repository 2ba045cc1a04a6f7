"""The township safety office's view (乡镇安监办): its enterprises' monthly reports, its villages' and units' duties.

Who oversees: an active contact whose role at a township is the safety office (安监办) or the deputy head in
charge of safety (分管安全副乡镇长, who leads the office and is the rules' next stage up from it, and the role
a township without office staff falls back to). The township head is not an overseer: the head is told
about what is overdue (to urge, on my page) but does not check or return reports. The person is the mail
address, as on my page (anquan.cycle.mine): every such post at that address counts.

What a township oversees is what the rules give to the organisations below it: the kinds whose owners are
enterprises (the monthly risk analysis) or villages and units (the book they sign with the township).
Anything else (another township's, the township's own, a county duty) is NotYours, which the pages turn
into a 404.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import case, func, select
from sqlmodel import Session

from anquan.cycle.mine import NotYours, Person, Responsible
from anquan.directory.recipients import holders
from anquan.models.directory import ROLE_ORG_KIND, Contact, Organisation, OrgKind, Role
from anquan.models.obligations import Obligation, ObligationStatus, Submission, SubmissionReturn, SubmissionSource
from anquan.models.records import RiskAlert
from anquan.rules.cycle import CycleRules
from anquan.vocabulary import ALERT_KIND_LABELS, month_period, period_label, role_label

OVERSEER_ROLES = (Role.safety_office.value, Role.deputy_head_safety.value)
OVERSEEN_ORG_KINDS = (OrgKind.enterprise.value, OrgKind.village.value, OrgKind.unit.value)
PAGE_SIZE = 50  # enterprises per page (a township may have 300 and more)
VILLAGES_MAX = 200  # villages' and units' duties of a year listed at most
MONTHS_BACK = 12  # how many months the month picker offers
REPORTED = (ObligationStatus.submitted.value, ObligationStatus.late.value)
COUNTED = (ObligationStatus.open.value, *REPORTED)  # waived and not tracked are owed by nobody
SHOWS = ("all", "open", "done")


@dataclass(frozen=True)
class Township:
    id: int
    code: str
    name: str


@dataclass
class Report:
    """What was reported (since the last return): the date, how, by whom, what it found, which files."""

    submitted_on: date
    late: bool
    source: str
    proxy_by: str | None  # 代报: the overseer's name
    note: str | None
    files: list[tuple[int, str]] = field(default_factory=list)  # (submission id, the name it came with)
    findings: list[tuple[str, str]] = field(default_factory=list)  # (事故征兆 / 重大危险源, what)


@dataclass
class Returned:
    """One return (退回) of the report: when, who, why."""

    returned_at: datetime  # UTC; the pages show the county's day
    by: str
    reason: str


@dataclass
class Row:
    obligation_id: int
    org_name: str
    org_kind: str
    kind: str
    title: str
    period_label: str
    due_on: date
    days_left: int
    status: str
    year: int
    report: Report | None = None
    responsible: list[Responsible] = field(default_factory=list)
    returns: list[Returned] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)  # every submission, for the one-report page

    @property
    def last_submission_id(self) -> int:
        """The newest submission shown (0: none): the form sends it back, so a form sent twice is one report."""
        return max((h["id"] for h in self.history), default=0)

    @property
    def reported(self) -> bool:
        return self.status in REPORTED


@dataclass
class Counts:
    due: int = 0  # 应报
    reported: int = 0  # 已报
    overdue: int = 0  # 逾期未报


@dataclass
class TownshipView:
    person: Person
    township: Township
    townships: list[Township]
    year: int
    month: int
    months: list[tuple[str, str]]  # (2026-02, 2026年2月), newest first
    show: str
    counts: Counts
    enterprises: list[Row]
    page: int
    pages: int
    listed: int  # rows matching the filter
    villages: list[Row]
    village_counts: Counts
    villages_more: int


def overseen_townships(session: Session, person: Person) -> list[Township]:
    """The townships where the person holds an overseer's post, in directory order."""
    ids = sorted({c.org_id for c in person.contacts if c.role in OVERSEER_ROLES and c.active})
    if not ids:
        return []
    rows = session.execute(select(Organisation.id, Organisation.code, Organisation.name)
                           .where(Organisation.id.in_(ids), Organisation.kind == OrgKind.township.value)
                           .order_by(Organisation.code)).all()
    return [Township(*r) for r in rows]


def overseen_kinds(rules: CycleRules) -> dict[str, set[str]]:
    """Organisation kind below a township -> the obligation kinds the rules give it (what it reports upward)."""
    out: dict[str, set[str]] = defaultdict(set)
    for name, rule in rules.kinds.items():
        for spec in rule.owners:
            for k in spec.org_kinds:
                if k.value in OVERSEEN_ORG_KINDS:
                    out[k.value].add(name)
    return out


def overseen_obligation(session: Session, rules: CycleRules, person: Person, obligation_id: int
                        ) -> tuple[Obligation, Organisation, Township]:
    """The obligation, its organisation and township, if the person oversees it; NotYours otherwise."""
    ob = session.get(Obligation, obligation_id)
    org = session.get(Organisation, ob.org_id) if ob is not None else None
    townships = {t.id: t for t in overseen_townships(session, person)}
    if (ob is None or org is None or org.township_id not in townships or ob.subject_org_id != ob.org_id
            or ob.kind not in overseen_kinds(rules).get(org.kind, set())):
        raise NotYours(f"obligation {obligation_id} is not overseen by this contact")
    return ob, org, townships[org.township_id]


def recorder(person: Person, township: Township) -> Contact:
    """The person's overseer post at the township: who a return or a report on behalf is recorded as."""
    return next(c for c in person.contacts if c.org_id == township.id and c.role in OVERSEER_ROLES)


def proxy_recorder(session: Session, rules: CycleRules, person: Person, obligation_id: int) -> tuple[str, int]:
    """(obligation kind, recording contact id) for a report on an organisation's behalf (代报); NotYours if not overseen."""
    ob, _org, township = overseen_obligation(session, rules, person, obligation_id)
    return ob.kind, recorder(person, township).id


def owner_roles(rules: CycleRules, kind: str, org_kind: str) -> list[str]:
    """The roles that owe `kind` at an organisation of `org_kind`, then the same level's fallbacks (a village
    without a committee head: its safety officer), never climbing to the township."""
    rule = rules.kinds.get(kind)
    roles = [r.value for spec in (rule.owners if rule else []) if org_kind in [k.value for k in spec.org_kinds]
             for r in spec.roles if ROLE_ORG_KIND[r].value == org_kind]
    for r in list(roles[:1]):
        roles += [f.value for f in rules.fallback_chain(Role(r)) if ROLE_ORG_KIND[f].value == org_kind]
    return list(dict.fromkeys(roles))


def responsible_people(session: Session, rules: CycleRules, wanted: list[tuple[int, str, str]]
                       ) -> dict[tuple[int, str], list]:
    """(org_id, kind) -> the people who owe it there (recipients.Person): the owner roles held, else the first
    fallback at the same organisation. `wanted`: (org_id, org kind, obligation kind)."""
    roles_of = {(o, k): owner_roles(rules, k, ok) for o, ok, k in wanted}
    people = holders(session, org_ids={o for o, _, _ in wanted}, roles={r for rs in roles_of.values() for r in rs})
    out = {}
    for (org_id, kind), roles in roles_of.items():
        rule = rules.kinds.get(kind)
        owners = {r.value for spec in (rule.owners if rule else []) for r in spec.roles}
        held = [p for p in people.get(org_id, []) if p.role in owners]
        if not held:
            held = next(([p for p in people.get(org_id, []) if p.role == r] for r in roles
                         if any(p.role == r for p in people.get(org_id, []))), [])
        out[(org_id, kind)] = held
    return out


def count(session: Session, cond, today: date) -> Counts:
    due = session.execute(select(Obligation.status, func.count()).where(cond & Obligation.status.in_(COUNTED))
                          .group_by(Obligation.status)).all()
    overdue = session.execute(select(func.count()).select_from(Obligation).where(
        cond & (Obligation.status == ObligationStatus.open.value) & (Obligation.due_on < today))).scalar_one()
    by = dict(due)
    return Counts(due=sum(by.values()), reported=sum(by.get(s, 0) for s in REPORTED), overdue=overdue)


def _rows(session: Session, rules: CycleRules, found, today: date) -> list[Row]:
    out = []
    for ob, org_name, org_kind in found:
        rule = rules.kinds.get(ob.kind)
        out.append(Row(obligation_id=ob.id, org_name=org_name, org_kind=org_kind, kind=ob.kind,
                       title=rule.title if rule else ob.kind, period_label=period_label(ob.period), due_on=ob.due_on,
                       days_left=(ob.due_on - today).days, status=ob.status, year=ob.year))
    return out


def fill_rows(session: Session, rules: CycleRules, rows: list[Row], *, history: bool = False) -> None:
    """Each row's report since its last return (or who is responsible, when open) and its returns."""
    if not rows:
        return
    ids = [r.obligation_id for r in rows]
    returns: dict[int, list] = defaultdict(list)
    for ret, name in session.execute(select(SubmissionReturn, Contact.name).join(Contact, Contact.id == SubmissionReturn.contact_id)
                                     .where(SubmissionReturn.obligation_id.in_(ids)).order_by(SubmissionReturn.id)):
        returns[ret.obligation_id].append((ret, name))
    subs: dict[int, list] = defaultdict(list)
    for sub, name in session.execute(select(Submission, Contact.name).outerjoin(Contact, Contact.id == Submission.contact_id)
                                     .where(Submission.obligation_id.in_(ids)).order_by(Submission.id)):
        subs[sub.obligation_id].append((sub, name))
    alerts: dict[int, list[RiskAlert]] = defaultdict(list)
    for a in session.execute(select(RiskAlert).where(RiskAlert.obligation_id.in_(ids)).order_by(RiskAlert.id)).scalars():
        alerts[a.obligation_id].append(a)
    org_of = dict(session.execute(select(Obligation.id, Obligation.org_id).where(Obligation.id.in_(ids))).all())
    people = responsible_people(session, rules, [(org_of[r.obligation_id], r.org_kind, r.kind) for r in rows])
    for r in rows:
        r.returns = [Returned(ret.returned_at, name, ret.reason) for ret, name in returns[r.obligation_id]]
        last = returns[r.obligation_id][-1][0] if returns[r.obligation_id] else None
        r.responsible = [Responsible(p.name, p.phone, role_label(p.role))
                         for p in people[(org_of[r.obligation_id], r.kind)]]
        if history:
            r.history = [_history(s, n) for s, n in subs[r.obligation_id]]
        if not r.reported:
            continue
        current = [(s, n) for s, n in subs[r.obligation_id]
                   if last is None or last.last_submission_id is None or s.id > last.last_submission_id]
        if not current:
            continue
        first, who = current[0]
        since = last.returned_at if last else None
        r.report = Report(
            submitted_on=first.submitted_on, late=r.status == ObligationStatus.late.value, source=first.source,
            proxy_by=who if first.source == SubmissionSource.proxy.value else None, note=first.note,
            files=[(s.id, s.file_name) for s, _ in current if s.file_name],
            findings=[(ALERT_KIND_LABELS.get(a.kind, a.kind), a.description) for a in alerts[r.obligation_id]
                      if since is None or a.created_at > since])


def evidence(session: Session, rules: CycleRules, person: Person, *, obligation_id: int, submission_id: int,
             files_dir: Path) -> tuple[Path, str]:
    """An evidence file of an overseen report: (the stored file, the name it came with). NotYours when the
    obligation is not overseen, the submission is not one of it, it has no file, or the file is not in the
    installation's folder of submitted files."""
    overseen_obligation(session, rules, person, obligation_id)
    sub = session.get(Submission, submission_id)
    if sub is None or sub.obligation_id != obligation_id or not sub.file_path:
        raise NotYours(f"submission {submission_id} is no file of obligation {obligation_id}")
    path = Path(sub.file_path).resolve()
    if Path(files_dir).resolve() not in path.parents or not path.is_file():
        raise NotYours(f"submission {submission_id}'s file is not in the folder of submitted files")
    return path, sub.file_name or path.name


def _history(sub: Submission, name: str | None) -> dict:
    return {"id": sub.id, "submitted_on": sub.submitted_on, "note": sub.note, "file_name": sub.file_name, "source": sub.source,
            "by": name, "proxy": sub.source == SubmissionSource.proxy.value}


def _months(today: date) -> list[tuple[str, str]]:
    out, y, m = [], today.year, today.month
    for _ in range(MONTHS_BACK):
        out.append((month_period(y, m), f"{y}年{m}月"))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def parse_month(text: str | None, today: date) -> tuple[int, int]:
    """A month the picker offers (YYYY-MM, this month by default); anything else is this month."""
    offered = {p for p, _ in _months(today)}
    if text and text in offered:
        return int(text[:4]), int(text[5:7])
    return today.year, today.month


def _org_filter(rules: CycleRules, township_id: int, org_kinds: tuple[str, ...]):
    kinds = overseen_kinds(rules)
    wanted = sorted({k for ok in org_kinds for k in kinds.get(ok, set())})
    return ((Organisation.township_id == township_id) & Organisation.kind.in_(org_kinds)
            & Obligation.kind.in_(wanted) & (Obligation.subject_org_id == Obligation.org_id))


def _listing(cond):
    return (select(Obligation, Organisation.name, Organisation.kind)
            .join(Organisation, Organisation.id == Obligation.org_id).where(cond))


def township_view(*, session: Session, rules: CycleRules, person: Person, today: date, township_id: int | None = None,
                  month: str | None = None, show: str = "all", page: int = 1) -> TownshipView:
    """The month's enterprise reports (a page of them, open ones first) and the year's village and unit duties."""
    townships = overseen_townships(session, person)
    if not townships:
        raise NotYours("this contact oversees no township")
    township = next((t for t in townships if t.id == township_id), None) if township_id else townships[0]
    if township is None:
        raise NotYours(f"township {township_id} is not overseen by this contact")
    year, mon = parse_month(month, today)
    show = show if show in SHOWS else "all"
    ent = _org_filter(rules, township.id, (OrgKind.enterprise.value,)) & (Obligation.period == month_period(year, mon))
    base = ent & Obligation.status.in_(COUNTED)
    listed_cond = base & {"all": Obligation.status.in_(COUNTED), "open": Obligation.status == ObligationStatus.open.value,
                          "done": Obligation.status.in_(REPORTED)}[show]
    listed = session.execute(select(func.count()).select_from(Obligation)
                             .join(Organisation, Organisation.id == Obligation.org_id).where(listed_cond)).scalar_one()
    pages = max(1, -(-listed // PAGE_SIZE))
    page = min(max(1, page), pages)
    open_first = case((Obligation.status == ObligationStatus.open.value, 0), else_=1)
    enterprises = _rows(session, rules, session.execute(
        _listing(listed_cond).order_by(open_first, Obligation.due_on, Organisation.code)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all(), today)
    fill_rows(session, rules, enterprises)
    vil = (_org_filter(rules, township.id, (OrgKind.village.value, OrgKind.unit.value)) & (Obligation.year == year)
           & Obligation.status.in_(COUNTED))
    villages = _rows(session, rules, session.execute(
        _listing(vil).order_by(open_first, Obligation.due_on, Organisation.code).limit(VILLAGES_MAX)).all(), today)
    fill_rows(session, rules, villages)
    village_counts = count(session, _listed_ids(vil), today)
    return TownshipView(
        person=person, township=township, townships=townships, year=year, month=mon, months=_months(today), show=show,
        counts=count(session, _listed_ids(ent), today), enterprises=enterprises, page=page, pages=pages, listed=listed,
        villages=villages, village_counts=village_counts, villages_more=max(0, village_counts.due - len(villages)))


def _listed_ids(cond):
    """The condition as one over obligations alone (the counts do not join the organisations)."""
    return Obligation.id.in_(select(Obligation.id).join(Organisation, Organisation.id == Obligation.org_id).where(cond))


def overseen_row(*, session: Session, rules: CycleRules, person: Person, obligation_id: int, today: date
                 ) -> tuple[Row, Township]:
    """One overseen obligation with its report, returns and whole history (the one-report page)."""
    ob, org, township = overseen_obligation(session, rules, person, obligation_id)
    [row] = _rows(session, rules, [(ob, org.name, org.kind)], today)
    fill_rows(session, rules, [row], history=True)
    return row, township

"""The daily tick: reminders before a due date, escalation up the chain after it.

For a date D the tick takes every open obligation whose next action falls on or
before D (an indexed column, so a quiet day costs next to nothing), works out
which stage of its schedule is due, resolves the stage's roles to people in the
directory, and writes, in one transaction:

* a notice per (obligation, stage, recipient) — unique, so never twice;
* one outbox message per recipient, a digest when several items are due at once;
* the obligation's next action date.

After downtime only the latest stage that is due is sent; the older ones are
recorded as skipped. Running the tick again for the same day finds nothing due.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from anquan.rules.cycle import OWNER, CycleRules
from anquan.directory.recipients import first_held
from anquan.models.directory import ROLE_ORG_KIND, Contact, Organisation, OrgKind, Role
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.models.outbox import MailStatus, Notice, NoticeOutcome, OutboxMessage
from anquan.models.bulk import update_by_id
from anquan.models.types import utcnow
from anquan.notifications.addresses import AddressError
from anquan.notifications.render import (MailContext, MailItem, answer_for, build_message, fill_answer, message_id_for,
                                         render)
from anquan.cycle.wording import Wording as _Wording, title_for
from anquan.vocabulary import role_title

Progress = Callable[[str, int, int], None]
# Files for one recipient's message, given the items it tells them about: (file name, MIME type, bytes).
AttachmentProvider = Callable[[Session, "list[MailItem]", date], "list[tuple[str, str, bytes]] | None"]


@dataclass(frozen=True)
class Stage:
    name: str  # reminder-7 or escalation-2
    on: date
    kind: str  # reminder or escalation
    roles: tuple[str, ...]


def stages_for(rule, due_on: date) -> list[Stage]:
    """An obligation's whole schedule of actions, in date order."""
    out = [Stage(f"reminder-{d}", due_on - timedelta(days=d), "reminder", (OWNER,)) for d in rule.reminders]
    out += [
        Stage(f"escalation-{n}", due_on + timedelta(days=s.after_days), "escalation", tuple(s.notify))
        for n, s in enumerate(rule.escalation, start=1)
    ]
    return sorted(out, key=lambda s: s.on)


@dataclass
class TickReport:
    date: date
    obligations_actioned: int = 0
    notices: int = 0
    stages_skipped: int = 0
    messages: int = 0
    quarantined: int = 0  # messages that could not be built (an address no server takes): failed, with the reason
    gaps: list[dict] = field(default_factory=list)
    by_township_stage: dict[str, dict[str, int]] = field(default_factory=dict)
    # Open obligations found due before the go-live date and marked not tracked instead of chased.
    not_tracked: int = 0

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "obligations_actioned": self.obligations_actioned,
            "notices": self.notices,
            "stages_skipped": self.stages_skipped,
            "messages": self.messages,
            "quarantined": self.quarantined,
            "gaps": self.gaps,
            "by_township_stage": self.by_township_stage,
            "not_tracked": self.not_tracked,
        }


@dataclass
class _Org:
    id: int
    code: str
    name: str
    kind: str
    township_id: int | None
    parent_id: int | None


@dataclass
class _Person:
    name: str
    email: str
    role: str
    title: str = ""  # the post at its organisation, as mail names it: 石门镇镇长, 青岚县安委办


class _Directory:
    """Organisations and contacts for one batch; townships and counties are kept for the whole tick."""

    def __init__(self, session: Session):
        self.session = session
        self.orgs: dict[int, _Org] = {}
        self.people: dict[int, dict[str, list[_Person]]] = {}
        self._lasting: set[int] = set()

    def load(self, org_ids: Iterable[int]) -> None:
        # Drop the previous batch's enterprises, villages and units; keep the upper levels.
        for oid in [o for o in self.orgs if o not in self._lasting]:
            self.orgs.pop(oid, None)
            self.people.pop(oid, None)
        wanted = {o for o in org_ids if o not in self.orgs}
        for _ in range(2):  # the organisations, then their townships and counties
            self._fetch(wanted)
            wanted = set()
            for o in list(self.orgs.values()):
                for up in (o.township_id, o.parent_id):
                    if up is not None and up not in self.orgs:
                        wanted.add(up)
        self._fetch(wanted)

    def _fetch(self, ids: set[int]) -> None:
        ids = sorted(ids)
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            for r in self.session.execute(
                select(Organisation.id, Organisation.code, Organisation.name, Organisation.kind,
                       Organisation.township_id, Organisation.parent_id).where(Organisation.id.in_(chunk))
            ).all():
                self.orgs[r.id] = _Org(*r)
                self.people[r.id] = defaultdict(list)
                if r.kind in (OrgKind.county.value, OrgKind.township.value):
                    self._lasting.add(r.id)
            for r in self.session.execute(
                select(Contact.org_id, Contact.name, Contact.email, Contact.role)
                .where(Contact.org_id.in_(chunk), Contact.active).order_by(Contact.id)
            ).all():
                self.people[r.org_id][r.role].append(
                    _Person(r.name, r.email, r.role, role_title(r.role, self.orgs[r.org_id].name)))

    def township_of(self, org: _Org) -> _Org | None:
        return self.orgs.get(org.township_id) if org.township_id else None

    def county_of(self, org: _Org) -> _Org | None:
        if org.kind == OrgKind.county.value:
            return org
        township = self.township_of(org)
        return self.orgs.get(township.parent_id) if township and township.parent_id else None

    def holder(self, role: Role, owner: _Org, subject: _Org) -> _Org | None:
        """The organisation where a role is held, seen from an obligation's owner and subject."""
        level = ROLE_ORG_KIND[role].value
        for org in (subject, owner):
            if org.kind == level:
                return org
        if level == OrgKind.township.value:
            return self.township_of(subject) or self.township_of(owner)
        if level == OrgKind.county.value:
            return self.county_of(subject) or self.county_of(owner)
        return None


def _resolve(stage: Stage, rule, owner: _Org, subject: _Org, d: _Directory, rules: CycleRules, gaps: list[dict]):
    """The people a stage goes to: [(person, fallback_from)], following the fallback chain for empty roles."""
    wanted: list[Role] = []
    for name in stage.roles:
        if name == OWNER:
            spec = next((s for s in rule.owners if owner.kind in [k.value for k in s.org_kinds]), rule.owners[0])
            # The spec's roles held at the owner's kind of organisation (a unit has a head, not a village officer).
            roles = [r for r in spec.roles if ROLE_ORG_KIND[r].value == owner.kind] or list(spec.roles)
            held = [r for r in roles if d.people.get(owner.id, {}).get(r.value)]
            # Whoever of them exists; if nobody does, the first role and its fallback chain.
            wanted.extend(held or [roles[0]])
        else:
            wanted.append(Role(name))
    def people_at(candidate: Role) -> list[_Person]:
        org = d.holder(candidate, owner, subject)
        return d.people.get(org.id, {}).get(candidate.value, []) if org else []

    out: list[tuple[_Person, str | None]] = []
    for role in wanted:
        held, people = first_held(role, rules=rules, people_at=people_at)
        out.extend((p, role.value if held != role else None) for p in people)
        if held != role:  # nobody holds the role: a gap, whether or not somebody up the chain took it
            at = d.holder(role, owner, subject)
            gaps.append({"org_code": at.code if at else subject.code, "role": role.value,
                         "sent_to_role": held.value if held else None, "obligation_id": None})
    # One notice per address, even when a person holds two of the roles.
    seen, unique = set(), []
    for person, fb in out:
        if person.email.lower() not in seen:
            seen.add(person.email.lower())
            unique.append((person, fb))
    return unique


_NOTICE_DEFAULTS = {"recipient_name": None, "recipient_role": None, "fallback_from": None, "also_told": None}


def _insert_notices(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    # executemany takes its columns from the first row: give every row all of them.
    rows = [{**_NOTICE_DEFAULTS, **r} for r in rows]
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_fn(Notice).on_conflict_do_nothing(index_elements=["obligation_id", "stage", "recipient_email"])
    session.connection().execute(stmt, rows)


def due_batch(as_of: date, batch_size: int):
    """The next `batch_size` open obligations whose next action falls on or before `as_of`, in index order."""
    return (
        select(Obligation.id, Obligation.kind, Obligation.org_id, Obligation.subject_org_id, Obligation.due_on,
               Obligation.next_action_on)
        .where(Obligation.next_action_on <= as_of, Obligation.status == ObligationStatus.open.value)
        .order_by(Obligation.next_action_on, Obligation.id)
        .limit(batch_size)
    )


def tick(
    *, session: Session, rules: CycleRules, as_of: date, mail_from: str, tz, batch_size: int = 2000,
    progress: Progress | None = None, attachments: AttachmentProvider | None = None,
) -> TickReport:
    """Do what is due on `as_of`. Idempotent: a second run for the same day does nothing.
    `attachments` (handed in, not imported) adds files to a message, e.g. the duty report to its reminder."""
    report = TickReport(date=as_of)
    now = utcnow()
    directory = _Directory(session)
    by_ts: dict[str, Counter] = defaultdict(Counter)
    gap_keys: set[tuple] = set()
    due_total = 0
    if progress:
        due_total = session.execute(
            select(func.count()).select_from(Obligation)
            .where(Obligation.next_action_on <= as_of, Obligation.status == ObligationStatus.open.value)
        ).scalar_one()
    done = 0
    # Every row a batch handles gets a next action after `as_of` (or none), so it
    # leaves the range: the next batch is again the head of the index, and the
    # cost of a tick follows the rows due, not the rows stored.
    previous: set[int] = set()
    while True:
        batch = session.execute(due_batch(as_of, batch_size)).all()
        if not batch:
            break
        if batch[0].id in previous:  # a row that did not move would loop for ever
            raise RuntimeError(f"tick: obligation {batch[0].id} is still due after it was handled")
        previous = {r.id for r in batch}
        directory.load({r.org_id for r in batch} | {r.subject_org_id for r in batch})
        notices: list[dict] = []
        moves: list[dict] = []
        for ob in batch:
            rule = rules.kinds.get(ob.kind)
            stages = stages_for(rule, ob.due_on) if rule else []
            pending = [s for s in stages if ob.next_action_on <= s.on <= as_of]
            following = next((s.on for s in stages if s.on > as_of), None)
            moves.append({"b_id": ob.id, "b_next": following})
            if not pending:
                continue
            report.obligations_actioned += 1
            owner, subject = directory.orgs[ob.org_id], directory.orgs[ob.subject_org_id]
            for s in pending[:-1]:
                notices.append(dict(obligation_id=ob.id, stage=s.name, scheduled_on=s.on, tick_date=as_of,
                                    outcome=NoticeOutcome.skipped.value, recipient_email="", created_at=now))
                report.stages_skipped += 1
            stage = pending[-1]
            gaps: list[dict] = []
            people = _resolve(stage, rule, owner, subject, directory, rules, gaps)
            for g in gaps:
                g["obligation_id"] = ob.id
                key = (g["org_code"], g["role"], g["sent_to_role"])
                if key not in gap_keys:
                    gap_keys.add(key)
                    report.gaps.append({k: v for k, v in g.items() if k != "obligation_id"})
            township = directory.township_of(subject)
            by_ts[township.code if township else subject.code][stage.name.split("-")[0] if stage.kind == "reminder" else stage.name] += 1
            if not people:
                notices.append(dict(obligation_id=ob.id, stage=stage.name, scheduled_on=stage.on, tick_date=as_of,
                                    outcome=NoticeOutcome.no_recipient.value, recipient_email="", created_at=now))
                continue
            for person, fallback in people:
                others = [f"{p.name}（{p.title}）" for p, _ in people if p is not person]
                notices.append(dict(
                    obligation_id=ob.id, stage=stage.name, scheduled_on=stage.on, tick_date=as_of,
                    outcome=NoticeOutcome.notified.value, recipient_email=person.email.lower(),
                    recipient_name=person.name, recipient_role=person.role, fallback_from=fallback,
                    also_told="、".join(others) or None, created_at=now,
                ))
                report.notices += 1
        _insert_notices(session, notices)
        update_by_id(session, Obligation, [{"id": m["b_id"], "next_action_on": m["b_next"]} for m in moves])
        done += len(batch)
        if progress:
            progress("tick", done, due_total)
    report.by_township_stage = {t: dict(c) for t, c in sorted(by_ts.items())}
    report.messages, report.quarantined = _compose(session, rules=rules, as_of=as_of, mail_from=mail_from, tz=tz,
                                                   now=now, attachments=attachments)
    return report


def _compose(session: Session, *, rules: CycleRules, as_of: date, mail_from: str, tz, now: datetime,
             batch: int = 500, attachments: AttachmentProvider | None = None) -> tuple[int, int]:
    """Turn the day's new notices into one outbox message per recipient: (queued, quarantined).

    A message that cannot be built (an address no server takes) is quarantined: written as failed with the
    reason, so one bad address never stops the county's mail.
    """
    owner = Organisation.__table__.alias("owner")
    subject = Organisation.__table__.alias("subject")
    township = Organisation.__table__.alias("township")
    county = Organisation.__table__.alias("county")
    rows = session.execute(
        select(Notice.id, Notice.obligation_id, Notice.stage, Notice.recipient_email, Notice.recipient_name,
               Notice.recipient_role, Notice.fallback_from, Notice.also_told, Obligation.kind, Obligation.period,
               Obligation.due_on, subject.c.code, subject.c.name, owner.c.name.label("owner_name"),
               owner.c.id.label("owner_id"), owner.c.kind.label("owner_kind"),
               township.c.name.label("township_name"), county.c.name.label("county_name"))
        .join(Obligation, Obligation.id == Notice.obligation_id)
        .join(subject, subject.c.id == Obligation.subject_org_id)
        .join(owner, owner.c.id == Obligation.org_id)
        .join(township, township.c.id == func.coalesce(subject.c.township_id, subject.c.id))
        .join(county, county.c.id == func.coalesce(township.c.parent_id, township.c.id))
        .where(Notice.tick_date == as_of, Notice.outcome == NoticeOutcome.notified.value, Notice.outbox_key.is_(None))
        .order_by(Notice.recipient_email, Obligation.due_on, Notice.obligation_id)
        .execution_options(yield_per=2000)
    )
    outbox_rows: list[dict] = []
    links: list[dict] = []
    count = quarantined = 0
    words = _Wording(session, rules=rules, as_of=as_of)

    def flush():
        if outbox_rows:
            session.connection().execute(insert(OutboxMessage), outbox_rows)
            update_by_id(session, Notice, [{"id": x["b_id"], "outbox_key": x["b_key"]} for x in links])
            outbox_rows.clear()
            links.clear()

    def emit(email: str, group: list) -> None:
        nonlocal count, quarantined
        items = words.items(group)  # escalations first: they matter most
        events = ",".join(f"{r.obligation_id}:{r.stage}" for r in sorted(group, key=lambda r: (r.obligation_id, r.stage)))
        key = hashlib.sha256(f"{as_of.isoformat()}|{email}|{events}".encode()).hexdigest()[:40]
        name = group[0].recipient_name or email
        rendered = fill_answer(render(MailContext(to_name=name, to_addr=email, tick_date=as_of, items=items,
                                                  to_title=title_for(group[0].recipient_role, group[0]))),
                               answer_for(session, email))
        message_id = message_id_for(key, mail_from)
        files = list(rendered.attachments) + ((attachments(session, items, as_of) or []) if attachments else [])
        status, error = MailStatus.pending.value, None
        try:
            raw = build_message(rendered=rendered, to_name=name, to_addr=email, mail_from=mail_from,
                                message_id=message_id, key=key, when=datetime.combine(as_of, time(8, 0), tzinfo=tz),
                                attachments=files or None)
        except (AddressError, UnicodeError) as exc:
            raw, status, error = b"", MailStatus.failed.value, f"quarantined, cannot be built: {exc}"
        stages = sorted({r.stage for r in group})
        outbox_rows.append(dict(
            key=key, message_id=message_id, to_addr=email, to_name=name, subject=rendered.subject,
            template=rendered.template, stage=",".join(stages)[:200], tick_date=as_of, raw=raw,
            status=status, last_error=error, attempts=0, next_attempt_at=now, created_at=now,
        ))
        links.extend({"b_id": r.id, "b_key": key} for r in group)
        count += status == MailStatus.pending.value
        quarantined += status == MailStatus.failed.value
        if len(outbox_rows) >= batch:
            flush()

    current, group = None, []
    for r in rows:
        if r.recipient_email != current and group:
            emit(current, group)
            group = []
        current = r.recipient_email
        group.append(r)
    if group:
        emit(current, group)
    flush()
    return count, quarantined

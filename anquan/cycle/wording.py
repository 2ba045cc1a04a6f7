"""Who reads a tick's item how: the owner is asked to report now, a supervisor to urge, the county to 督办.

For each notice the tick turns into mail this works out the audience (the recipient's level against the
owner's), how the salutation names the recipient's post (石门镇镇长), where the owner hands the material in
(an enterprise, village or unit to its township's safety office; a township to the county's), the owner's
responsible person and phone for those who urge, and for those above the history of who was told when
("7月6日已提醒石门镇安监办孙建娟等3人"). Lookups are cached for the whole tick.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from anquan.models.directory import ROLE_ORG_KIND, Contact, OrgKind, Role
from anquan.models.outbox import Notice, NoticeOutcome
from anquan.notifications.render import MailItem
from anquan.rules.cycle import CycleRules
from anquan.vocabulary import event_period_labels, in_township_words, is_event_period, role_title

_LOWER = (OrgKind.enterprise.value, OrgKind.village.value, OrgKind.unit.value)


def _level(role: str | None) -> str | None:
    try:
        return ROLE_ORG_KIND[Role(role)].value
    except (KeyError, ValueError):
        return None


def title_for(role: str | None, row) -> str:
    """The recipient's post as a salutation names it, from the level its role is held at (石门镇镇长, 青岚县安委办)."""
    level = _level(role)
    if level == OrgKind.county.value:
        return role_title(role, row.county_name)
    if level == OrgKind.township.value:
        return role_title(role, row.township_name)
    if level == row.owner_kind:
        return role_title(role, row.owner_name)
    return role_title(role, row.name)


def audience(role: str | None, owner_kind: str) -> str:
    """own: the recipient's level owes the item; county: the county supervises it; supervise: urge the owner."""
    level = _level(role)
    if level == owner_kind:
        return "own"
    return "county" if level == OrgKind.county.value else "supervise"


def report_to(row) -> str | None:
    """Where the owner hands the material in: the township's safety office below it, the county's above."""
    if row.owner_kind in _LOWER:
        return f"{row.township_name}安监办"
    if row.owner_kind == OrgKind.township.value:
        return f"{row.county_name}安委办"
    return None


class Wording:
    """Builds the MailItems of one recipient's mail, with the lookups above cached across the tick."""

    def __init__(self, session: Session, *, rules: CycleRules, as_of: date):
        self.session, self.rules, self.as_of = session, rules, as_of
        self.labels: dict[str, str] = {}
        self.looked_up: set[str] = set()
        self.people: dict[tuple[int, str], tuple[str | None, str | None]] = {}

    def items(self, group: list) -> list[MailItem]:
        unnamed = {r.period for r in group if is_event_period(r.period)} - self.looked_up
        if unnamed:
            self.labels.update(event_period_labels(self.session, unnamed))
            self.looked_up.update(unnamed)
        self._load_people({(r.owner_id, r.kind) for r in group})
        history = self._history({r.obligation_id: r for r in group if r.stage.startswith("escalation")
                                 and audience(r.recipient_role, r.owner_kind) != "own"})
        out = []
        for r in group:
            rule = self.rules.kinds.get(r.kind)
            late = r.stage.startswith("escalation")
            days = (self.as_of - r.due_on).days if late else (r.due_on - self.as_of).days
            person, phone = self.people.get((r.owner_id, r.kind), (None, None))
            out.append(MailItem(
                obligation_id=r.obligation_id, kind=r.kind, title=rule.title if rule else r.kind,
                action=in_township_words(rule.action, r.township_name) if rule else "", org_code=r.code, org_name=r.name, owner_name=r.owner_name,
                period=r.period, due_on=r.due_on, stage=r.stage, stage_kind="escalation" if late else "reminder",
                days=days, recipient_role=r.recipient_role, fallback_from=r.fallback_from, also_told=r.also_told,
                label=self.labels.get(r.period), audience=audience(r.recipient_role, r.owner_kind),
                township_name=r.township_name, owner_person=person, owner_phone=phone, report_to=report_to(r),
                history=history.get(r.obligation_id),
            ))
        out.sort(key=lambda i: (i.stage_kind != "escalation", i.due_on, i.obligation_id))
        return out

    def _load_people(self, wanted: set[tuple[int, str]]) -> None:
        """The owner's responsible person (the first contact holding an owner role of the kind) and phone."""
        wanted = {w for w in wanted if w not in self.people}
        if not wanted:
            return
        by_org: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        org_ids = sorted({o for o, _ in wanted})
        for start in range(0, len(org_ids), 1000):
            for c in self.session.execute(
                select(Contact.org_id, Contact.role, Contact.name, Contact.phone)
                .where(Contact.org_id.in_(org_ids[start:start + 1000]), Contact.active).order_by(Contact.id)
            ).all():
                by_org[c.org_id][c.role].append(c)
        for org_id, kind in wanted:
            rule = self.rules.kinds.get(kind)
            roles = [r.value for spec in (rule.owners if rule else []) for r in spec.roles]
            found = next((by_org[org_id][r][0] for r in roles if by_org[org_id].get(r)), None)
            self.people[(org_id, kind)] = (found.name, found.phone) if found else (None, None)

    def _history(self, rows: dict) -> dict[int, str]:
        """For each obligation (id → its row), who was told before today and when:
        7月6日已提醒企业主要负责人孙经理等2人；7月13日已提醒石门镇安监办王芳…… A township's or the county's post is
        named at its organisation; the owner's own people by their role, the owner being named beside."""
        if not rows:
            return {}
        obligation_ids = list(rows)
        told: dict[int, dict[date, list]] = defaultdict(lambda: defaultdict(list))
        for start in range(0, len(obligation_ids), 1000):
            for n in self.session.execute(
                select(Notice.obligation_id, Notice.tick_date, Notice.recipient_name, Notice.recipient_role)
                .where(Notice.obligation_id.in_(obligation_ids[start:start + 1000]), Notice.tick_date < self.as_of,
                       Notice.outcome == NoticeOutcome.notified.value)
                .order_by(Notice.tick_date, Notice.id)
            ).all():
                told[n.obligation_id][n.tick_date].append(n)
        out = {}
        for oid, days in told.items():
            parts = []
            for day, notices in sorted(days.items()):
                first = notices[0]
                level = _level(first.recipient_role)
                post = (title_for(first.recipient_role, rows[oid])
                        if level in (OrgKind.township.value, OrgKind.county.value) else role_title(first.recipient_role))
                who = f"{post}{first.recipient_name or ''}"
                parts.append(f"{day.month}月{day.day}日已提醒{who}" + (f"等{len(notices)}人" if len(notices) > 1 else ""))
            out[oid] = "；".join(parts)
        return out

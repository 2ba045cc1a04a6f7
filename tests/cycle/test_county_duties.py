"""The county's own duties reach each county person as one mail a day, however many townships they cover.

county_supervision is one obligation per township (eight in the sample county), owned by the county inspectors and
escalated to the county office; the tick composes every notice of a day for one address into one message (a digest),
so the county's staff are not sent eight separate mails each.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from email import message_from_bytes, policy

from sqlalchemy import select

from anquan.cycle.tick import tick
from anquan.models.db import session_scope
from anquan.models.obligations import Obligation
from anquan.models.outbox import Notice, NoticeOutcome, OutboxMessage

DAY = date(2026, 4, 1)  # the first quarter's supervision (due 31 March) escalates: inspectors and county office told


def test_the_county_staff_get_one_mail_each_for_all_townships_supervision(planned_county):
    with session_scope(planned_county.engine) as s:
        tick(session=s, rules=planned_county.rules, as_of=DAY, mail_from=planned_county.settings.mail_from,
             tz=planned_county.settings.tz)
    with session_scope(planned_county.engine) as s:
        notices = s.execute(select(Notice.recipient_email, Notice.recipient_role, Notice.outbox_key, Notice.also_told)
                            .join(Obligation, Obligation.id == Notice.obligation_id)
                            .where(Obligation.kind == "county_supervision", Notice.tick_date == DAY,
                                   Notice.outcome == NoticeOutcome.notified.value)).all()
        messages = s.execute(select(OutboxMessage).where(OutboxMessage.tick_date == DAY)).scalars().all()
    per_person = defaultdict(list)
    for email, role, key, _ in notices:
        per_person[(email, role)].append(key)
    roles = defaultdict(int)
    for email, role in per_person:
        roles[role] += 1
    assert roles == {"county_inspector": 4, "county_office": 3}, roles
    by_key = {m.key: m for m in messages}
    for (email, role), keys in per_person.items():
        assert len(keys) == 8, (email, len(keys))  # one supervision duty per township
        assert len(set(keys)) == 1, f"{email} got {len(set(keys))} mails for the supervision duties"
        mine = [m for m in messages if m.to_addr == email]
        assert len(mine) == 1 and mine[0].key == keys[0] and mine[0].template == "digest"
        body = message_from_bytes(by_key[keys[0]].raw, policy=policy.default).get_body(("plain",)).get_content()
        assert body.count("县督查组季度督查") >= 8
        assert all(t in body for t in ("石门镇", "青峰乡", "松岭乡"))
    # Who else was told names each person's post at the county: 赵强（青岚县安委办）, never the bare 县安委办.
    told = [also for *_, also in notices]
    assert all("（青岚县安委办）" in a and "（县" not in a for a in told), told[:2]
    # Nobody, county or not, gets two mails from one day's tick.
    addresses = [m.to_addr for m in messages]
    assert len(addresses) == len(set(addresses))

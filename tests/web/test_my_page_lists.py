"""What my page lists to urge: the first MAX_LISTED by due date, the count of all, and whom to call for each."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

import anquan.cycle.mine as mine
from anquan.cycle.tick import tick
from anquan.models.obligations import Obligation
from anquan.models.outbox import Notice
from tests.support.web import contact

HEAD = "head@t1.example"


def _expected(app) -> list[int]:
    """The open obligations an escalation asked the head to urge, in due-date order (the plain query)."""
    with app.session() as s:
        ids = set(s.execute(select(Notice.obligation_id).where(
            Notice.recipient_email == HEAD, Notice.outcome == "notified", Notice.stage.like("escalation-%"))).scalars())
        own = mine._own_filter(s, app.rules, mine.person_of(s, contact(app, HEAD)))  # their own duties are listed above
        return [ob.id for ob in s.execute(select(Obligation).where(Obligation.id.in_(ids), Obligation.status == "open", ~own)
                                          .order_by(Obligation.due_on, Obligation.id)).scalars()]


def _page(app):
    with app.session() as s:
        return mine.my_page(session=s, rules=app.rules, contact=contact(app, HEAD), today=app.today())


def test_urge_lists_the_first_by_due_date_and_counts_the_rest(web_county, monkeypatch):
    with web_county.session() as s:  # a month later: February's analyses escalated too
        tick(session=s, rules=web_county.rules, as_of=date(2026, 3, 25), mail_from="a@b.example", tz=web_county.settings.tz)
    expected = _expected(web_county)
    assert len(expected) >= 2, "the small county's head should have escalated duties to urge"
    whole = _page(web_county)
    assert [d.obligation_id for d in whole.urge] == expected and whole.urge_more == 0
    monkeypatch.setattr(mine, "MAX_LISTED", 1)
    cut = _page(web_county)
    assert [d.obligation_id for d in cut.urge] == expected[:1] and cut.urge_more == len(expected) - 1
    [first] = cut.urge
    assert first.responsible and all(r.name and r.role_label for r in first.responsible)
    assert not first.own and first.org_name

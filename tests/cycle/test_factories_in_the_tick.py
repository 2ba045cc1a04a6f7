"""The tick on rows made by the factories (tests/support/factories.py): one township, one obligation, no plan."""

from datetime import date

from anquan.models.db import session_scope
from tests.support import factories as f
from tests.support import outbox, tick_on


def _one_township(app, *, safety_office=("so1@t1.example",), deputy=None):
    with session_scope(app.engine) as s:
        c = f.county(session=s)
        t = f.township(session=s, county=c, safety_office=list(safety_office), deputy=deputy)
        ob = f.obligation(session=s, org=t, kind="quarterly_inspection", due_on=date(2026, 4, 7), period="2026-Q1",
                          rules=app.rules)
        return ob.id, ob.next_action_on


def test_a_made_obligation_is_first_acted_on_at_its_earliest_reminder(app):
    _, first = _one_township(app)
    assert first == date(2026, 3, 8)  # 30 days before 7 April
    assert tick_on(app, date(2026, 3, 7)).messages == 0
    report = tick_on(app, date(2026, 3, 8))
    mails = outbox(app)
    assert report.messages == 1 and [m.to_addr for m in mails] == ["so1@t1.example"]
    assert mails[0].template == "reminder" and mails[0].stage == "reminder-30"


def test_a_made_obligation_escalates_to_the_township_head(app):
    _one_township(app, deputy="deputy@t1.example")
    tick_on(app, date(2026, 4, 12))  # five days late: the owner and then the township head
    # After a downtime only the latest stage goes: the second one, to the township head.
    assert [(m.to_addr, m.stage, m.template) for m in outbox(app)] == [("head@t1.example", "escalation-2", "escalation")]

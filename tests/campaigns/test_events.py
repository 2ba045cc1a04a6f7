"""Major events entered by hand: an inspection per township, its reminders and escalation."""

from datetime import date

import pytest
from sqlalchemy import select

from anquan.errors import AnquanError
from anquan.campaigns.events import add_major_event, list_major_events, validate_event
from anquan.cycle.obligations import submit
from anquan.models.db import session_scope
from anquan.models.obligations import Obligation
from tests.support import outbox, tick_on

TODAY = date(2026, 11, 29)


def _event(app, today=TODAY, **kw):
    raw = {"name": "全国两会", "from_date": "2027-03-03", "to_date": "2027-03-12", "townships": "all"}
    raw.update(kw)
    with session_scope(app.engine) as s:
        return add_major_event(session=s, rules=app.rules, calendar=app.calendar, params=validate_event(raw),
                               mail_from=app.settings.mail_from, tz=app.settings.tz, today=today)


def test_major_event_opens_an_inspection_per_township_due_the_working_day_before(county):
    # Monday 14 December 2026: the working day before is Friday 11 December.
    result = _event(county, name="全县重点项目集中开工仪式", from_date="2026-12-14", to_date="2026-12-15",
                    townships="QL01,QL04")
    assert result["created"] and result["townships"] == ["QL01", "QL04"]
    assert result["inspection_due"] == "2026-12-11"
    with session_scope(county.engine) as s:
        obs = s.execute(select(Obligation).where(Obligation.id.in_(result["obligation_ids"]))).scalars().all()
        assert {o.kind for o in obs} == {"event_inspection"} and {o.due_on for o in obs} == {date(2026, 12, 11)}
        assert {o.period for o in obs} == {f"2026-event-{result['id']}"}
    mails = outbox(county, stage="event")
    # QL01: 3 safety office + 1 deputy head; QL04: 2 + 1
    assert result["mails_queued"] == len(mails) == 7
    assert mails[0].subject == "【重大活动】全县重点项目集中开工仪式：请石门镇于2026年12月11日前完成安全专项检查"
    body = mails[0].raw.decode("ascii")
    assert "X-Anquan-Key" in body


def test_entering_the_same_event_twice_enters_it_once(county):
    first = _event(county)
    again = _event(county)
    assert not again["created"] and again["id"] == first["id"] and again["mails_queued"] == 0
    assert again["obligation_ids"] == first["obligation_ids"]
    assert len(outbox(county, stage="event")) == first["mails_queued"]
    with session_scope(county.engine) as s:
        rows = list_major_events(session=s, year=2027)
    assert [(r["name"], r["inspections"], r["inspections_done"]) for r in rows] == [("全国两会", 8, 0)]


def test_event_reminders_and_escalation_name_the_event(county):
    result = _event(county, name="全县重点项目集中开工仪式", from_date="2026-12-14", to_date="2026-12-15",
                    townships="QL01")
    # reminders 14 and 5 days before 11 December: 27 November is already past when it is entered,
    # so the first tick sends that one; then 6 December.
    tick_on(county, date(2026, 11, 30))
    first = [m for m in outbox(county, tick_date=date(2026, 11, 30)) if "重大活动前安全专项检查" in m.subject]
    assert first, [m.subject for m in outbox(county)]
    text = first[0].raw.decode("ascii")
    assert "event-" not in text
    ob_id = result["obligation_ids"][0]
    with session_scope(county.engine) as s:
        submit(session=s, obligation_id=ob_id, today=date(2026, 12, 10))
    tick_on(county, date(2026, 12, 12))
    assert not [m for m in outbox(county, tick_date=date(2026, 12, 12)) if "重大活动" in m.subject]


def test_event_mail_item_label_is_the_events_name(county):
    """The reminder names the event (全县…仪式前), not an internal period like 2026-event-1."""
    from email import message_from_bytes, policy

    _event(county, name="全县重点项目集中开工仪式", from_date="2026-12-14", to_date="2026-12-15", townships="QL03")
    tick_on(county, date(2026, 12, 6))
    msgs = [message_from_bytes(m.raw, policy=policy.default) for m in outbox(county, tick_date=date(2026, 12, 6))]
    texts = [m.get_body(("plain",)).get_content() for m in msgs]
    hits = [t for t in texts if "重大活动前安全专项检查" in t]
    assert hits and all("全县重点项目集中开工仪式前" in t for t in hits), hits[:1]


@pytest.mark.parametrize("kw, fragment", [
    ({"to_date": "2027-03-01"}, "to_date: 2027-03-01 is before from_date 2027-03-03"),
    ({"from_date": "someday"}, "from_date: "),
    ({"name": "x"}, "name: "),
    ({"name": "两会\nBcc: x@example.com"}, "name: must be one line"),
])
def test_bad_event_parameters_name_the_field(kw, fragment):
    raw = {"name": "全国两会", "from_date": "2027-03-03", "to_date": "2027-03-12", **kw}
    with pytest.raises(AnquanError, match="major event refused") as exc:
        validate_event(raw)
    assert fragment in str(exc.value) and exc.value.fields == list(kw)


def test_event_in_the_past_or_unknown_township_is_refused_and_nothing_written(county):
    with pytest.raises(AnquanError, match=r"from_date: 2026-11-29 is not after today"):
        _event(county, from_date="2026-11-29", to_date="2026-11-30")
    with pytest.raises(AnquanError, match=r"townships: not townships in the directory: QL99"):
        _event(county, townships="QL01,QL99")
    assert outbox(county) == []
    with session_scope(county.engine) as s:
        assert list_major_events(session=s) == []

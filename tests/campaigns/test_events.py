"""Major events entered by hand, and the warning signs / major hazard sources enterprises report."""

from datetime import date
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select, update

from anquan.records.alerts import list_alerts, report_alert
from anquan.campaigns.campaign import start_campaign, validate_params
from anquan.errors import AnquanError
from anquan.campaigns.events import add_major_event, list_major_events, validate_event
from anquan.cycle.obligations import submit
from anquan.cycle.tick import tick
from anquan.models.db import session_scope
from anquan.models.directory import Contact, Organisation
from anquan.models.obligations import Obligation
from anquan.models.outbox import OutboxMessage

TODAY = date(2026, 11, 29)


def _event(app, today=TODAY, **kw):
    raw = {"name": "全国两会", "from_date": "2027-03-03", "to_date": "2027-03-12", "townships": "all"}
    raw.update(kw)
    with session_scope(app.engine) as s:
        return add_major_event(session=s, rules=app.rules, calendar=app.calendar, params=validate_event(raw),
                               mail_from=app.settings.mail_from, tz=app.settings.tz, today=today)


def _outbox(app, **where):
    with session_scope(app.engine) as s:
        q = select(OutboxMessage).order_by(OutboxMessage.id)
        for k, v in where.items():
            q = q.where(getattr(OutboxMessage, k) == v)
        return s.execute(q).scalars().all()


def _tick(app, day):
    with session_scope(app.engine) as s:
        return tick(session=s, rules=app.rules, as_of=day, mail_from=app.settings.mail_from, tz=app.settings.tz)


# -- major events -------------------------------------------------------------------------------------

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
    mails = _outbox(county, stage="event")
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
    assert len(_outbox(county, stage="event")) == first["mails_queued"]
    with session_scope(county.engine) as s:
        rows = list_major_events(session=s, year=2027)
    assert [(r["name"], r["inspections"], r["inspections_done"]) for r in rows] == [("全国两会", 8, 0)]


def test_event_reminders_and_escalation_name_the_event(county):
    result = _event(county, name="全县重点项目集中开工仪式", from_date="2026-12-14", to_date="2026-12-15",
                    townships="QL01")
    # reminders 14 and 5 days before 11 December: 27 November is already past when it is entered,
    # so the first tick sends that one; then 6 December.
    _tick(county, date(2026, 11, 30))
    first = [m for m in _outbox(county, tick_date=date(2026, 11, 30)) if "重大活动前安全专项检查" in m.subject]
    assert first, [m.subject for m in _outbox(county)]
    text = first[0].raw.decode("ascii")
    assert "event-" not in text
    ob_id = result["obligation_ids"][0]
    with session_scope(county.engine) as s:
        submit(session=s, obligation_id=ob_id, today=date(2026, 12, 10))
    _tick(county, date(2026, 12, 12))
    assert not [m for m in _outbox(county, tick_date=date(2026, 12, 12)) if "重大活动" in m.subject]


def test_event_mail_item_label_is_the_events_name(county):
    """The reminder names the event (全县…仪式前), not an internal period like 2026-event-1."""
    from email import message_from_bytes, policy

    _event(county, name="全县重点项目集中开工仪式", from_date="2026-12-14", to_date="2026-12-15", townships="QL03")
    _tick(county, date(2026, 12, 6))
    msgs = [message_from_bytes(m.raw, policy=policy.default) for m in _outbox(county, tick_date=date(2026, 12, 6))]
    texts = [m.get_body(("plain",)).get_content() for m in msgs]
    hits = [t for t in texts if "重大活动前安全专项检查" in t]
    assert hits and all("全县重点项目集中开工仪式前" in t for t in hits), hits[:1]


def test_campaign_task_reminder_names_the_campaign(county):
    from email import message_from_bytes, policy

    with session_scope(county.engine) as s:
        start_campaign(session=s, rules=county.rules, params=validate_params({
            "name": "烟花爆竹安全专项整治", "sectors": "fireworks", "townships": "QL02", "from_date": "2026-12-01",
            "to_date": "2027-01-31", "summary_due": "2027-02-10"}), mail_from=county.settings.mail_from,
            tz=county.settings.tz, today=TODAY)
    _tick(county, date(2027, 1, 27))  # 14 days before the summary
    msgs = [message_from_bytes(m.raw, policy=policy.default) for m in _outbox(county, tick_date=date(2027, 1, 27))]
    texts = [m.get_body(("plain",)).get_content() for m in msgs if "专项整治工作总结" in str(m["Subject"])
             or "专项整治工作总结" in m.get_body(("plain",)).get_content()]
    assert texts and all("专项整治“烟花爆竹安全专项整治”" in t and "campaign年" not in t for t in texts)


@pytest.mark.parametrize("kw, fragment", [
    ({"to_date": "2027-03-01"}, "to_date (--to): 2027-03-01 is before from_date 2027-03-03"),
    ({"from_date": "someday"}, "from_date (--from)"),
    ({"name": "x"}, "name (--name)"),
    ({"name": "两会\nBcc: x@example.com"}, "name (--name): must be one line"),
])
def test_bad_event_parameters_name_the_option(kw, fragment):
    raw = {"name": "全国两会", "from_date": "2027-03-03", "to_date": "2027-03-12", **kw}
    with pytest.raises(AnquanError, match="major event refused") as exc:
        validate_event(raw)
    assert fragment in str(exc.value)


def test_event_in_the_past_or_unknown_township_is_refused_and_nothing_written(county):
    with pytest.raises(AnquanError, match=r"from_date \(--from\): 2026-11-29 is not after today"):
        _event(county, from_date="2026-11-29", to_date="2026-11-30")
    with pytest.raises(AnquanError, match=r"townships \(--townships\): not townships in the directory: QL99"):
        _event(county, townships="QL01,QL99")
    assert _outbox(county) == []
    with session_scope(county.engine) as s:
        assert list_major_events(session=s) == []


# -- risk alerts ------------------------------------------------------------------------------------

def _alert(app, **kw):
    base = dict(org_code="QL04E006", kind="warning_sign", description="仓库温度异常升高，烟感报警两次",
                measures="已停止作业，组织排查", reported_on=date(2026, 11, 28), today=TODAY)
    base.update(kw)
    with session_scope(app.engine) as s:
        return report_alert(session=s, rules=app.rules, mail_from=app.settings.mail_from, tz=app.settings.tz, **base)


def test_warning_sign_goes_at_once_to_township_safety_office_and_county(county):
    result = _alert(county)
    assert result["created"] and result["township"] == "QL04"
    mails = _outbox(county, stage="alert")
    with session_scope(county.engine) as s:
        ts = s.execute(select(Organisation).where(Organisation.code == "QL04")).scalar_one()
        office = {c.email for c in s.execute(select(Contact).where(Contact.org_id == ts.id,
                                                                  Contact.role == "safety_office")).scalars()}
        county_office = {c.email for c in s.execute(select(Contact).where(Contact.role == "county_office")).scalars()}
    assert len(office) == 2 and len(county_office) == 3
    assert {m.to_addr for m in mails} == office | county_office and len(mails) == 5
    assert all(m.subject == "【事故征兆】云溪金鹏烟花爆竹批发有限公司（云溪乡）报告事故征兆，请立即跟进" for m in mails)
    from email import message_from_bytes, policy

    msg = message_from_bytes(mails[0].raw, policy=policy.default)
    assert str(make_header(decode_header(msg["Subject"]))) == mails[0].subject
    text = msg.get_body(("plain",)).get_content()
    assert "仓库温度异常升高" in text and "已停止作业" in text
    assert "企业主要负责人，159" in text  # the enterprise's own contact, to call
    assert "\r\n同时通知：" in text
    assert "立即发布预警信息" in text


def test_same_report_twice_is_one_alert_mailed_once(county):
    first = _alert(county)
    again = _alert(county)
    assert again["id"] == first["id"] and not again["created"] and again["mails_queued"] == 0
    assert len(_outbox(county, stage="alert")) == first["mails_queued"]
    other = _alert(county, kind="major_hazard_source", description="新建液氨储罐（20吨），构成重大危险源")
    assert other["id"] != first["id"] and other["mails_queued"] == 5
    with session_scope(county.engine) as s:
        rows = list_alerts(session=s, year=2026, township="QL04")
    assert [r["kind"] for r in rows] == ["warning_sign", "major_hazard_source"]


def test_alert_falls_back_up_the_chain_when_the_township_has_no_safety_office(county):
    with session_scope(county.engine) as s:
        ts = s.execute(select(Organisation).where(Organisation.code == "QL04")).scalar_one()
        s.execute(update(Contact).where(Contact.org_id == ts.id, Contact.role == "safety_office").values(active=False))
        deputy = s.execute(select(Contact.email).where(Contact.org_id == ts.id,
                                                       Contact.role == "deputy_head_safety")).scalar_one()
    result = _alert(county)
    assert deputy in result["recipients"] and len(result["recipients"]) == 1 + 3


def test_alert_links_the_months_risk_analysis(county):
    from anquan.cycle.planning import plan_year

    with session_scope(county.engine) as s:
        plan_year(session=s, rules=county.rules, calendar=county.calendar, year=2026)
    result = _alert(county)
    with session_scope(county.engine) as s:
        ob = s.get(Obligation, result["obligation_id"])
        assert ob.kind == "monthly_risk_analysis" and ob.period == "2026-11"


@pytest.mark.parametrize("kw, fragment", [
    ({"kind": "rumour"}, "kind (--kind): 'rumour' is not one of warning_sign, major_hazard_source"),
    ({"description": "  "}, "text (--text)"),
    ({"org_code": "QL04"}, "org (--org): QL04 is a township, not an enterprise"),
    ({"org_code": "NOPE"}, "org (--org): no organisation has code 'NOPE'"),
    ({"reported_on": date(2026, 12, 1)}, "date (--date): 2026-12-01 is in the future"),
])
def test_bad_alert_is_refused_and_nothing_written(county, kw, fragment):
    with pytest.raises(AnquanError) as exc:
        _alert(county, **kw)
    assert fragment in str(exc.value)
    assert _outbox(county) == []

"""Warning signs and major hazard sources that enterprises report: mailed at once up the chain."""

from datetime import date
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select, update

from anquan.records.alerts import list_alerts, report_alert
from anquan.errors import AnquanError
from anquan.models.db import session_scope
from anquan.models.directory import Contact, Organisation
from anquan.models.obligations import Obligation
from tests.support import outbox

TODAY = date(2026, 11, 29)


def _alert(app, **kw):
    base = dict(org_code="QL04E006", kind="warning_sign", description="仓库温度异常升高，烟感报警两次",
                measures="已停止作业，组织排查", reported_on=date(2026, 11, 28), today=TODAY)
    base.update(kw)
    with session_scope(app.engine) as s:
        return report_alert(session=s, rules=app.rules, mail_from=app.settings.mail_from, tz=app.settings.tz, **base)


def test_warning_sign_goes_at_once_to_township_safety_office_and_county(county):
    result = _alert(county)
    assert result["created"] and result["township"] == "QL04"
    mails = outbox(county, stage="alert")
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
    assert len(outbox(county, stage="alert")) == first["mails_queued"]
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
    ({"kind": "rumour"}, "alert refused: kind: 'rumour' is not one of warning_sign, major_hazard_source"),
    ({"description": "  "}, "alert refused: description: describe what was found"),
    ({"org_code": "QL04"}, "alert refused: org_code: QL04 is a township, not an enterprise"),
    ({"org_code": "NOPE"}, "alert refused: org_code: no organisation has code 'NOPE'"),
    ({"reported_on": date(2026, 12, 1)}, "alert refused: reported_on: 2026-12-01 is in the future"),
])
def test_bad_alert_is_refused_and_nothing_written(county, kw, fragment):
    with pytest.raises(AnquanError) as exc:
        _alert(county, **kw)
    assert fragment in str(exc.value) and exc.value.field == next(iter(kw))
    assert outbox(county) == []

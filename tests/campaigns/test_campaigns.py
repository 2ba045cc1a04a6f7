"""Special campaigns: a task per township, notices to enterprises, reminders that name the campaign."""

from datetime import date

import pytest
from sqlalchemy import select

from anquan.campaigns.campaign import start_campaign, validate_params
from anquan.errors import AnquanError
from anquan.models.db import session_scope
from anquan.models.obligations import Obligation
from anquan.models.outbox import OutboxMessage
from tests.support import outbox, tick_on

TODAY = date(2026, 11, 29)


def _params(**kw):
    base = {"name": "烟花爆竹安全专项整治", "sectors": "fireworks,hazardous_chemicals", "townships": "all",
            "from_date": "2026-12-01", "to_date": "2027-01-31", "summary_due": "2027-02-10"}
    base.update(kw)
    return validate_params(base)


def test_campaign_creates_tasks_and_notices_once(county):
    with session_scope(county.engine) as s:
        result = start_campaign(session=s, rules=county.rules, params=_params(), mail_from=county.settings.mail_from,
                                tz=county.settings.tz, today=TODAY)
    assert result["created"] and len(result["obligation_ids"]) == 8
    with session_scope(county.engine) as s:
        obs = [s.get(Obligation, i) for i in result["obligation_ids"]]
        msgs = s.execute(select(OutboxMessage)).scalars().all()
    assert {o.kind for o in obs} == {"campaign_task"} and {o.due_on for o in obs} == {date(2027, 2, 10)}
    to_enterprises = [m for m in msgs if m.subject.endswith("开展自查自纠")]
    assert to_enterprises and all("ql0" in m.to_addr and "e" in m.to_addr.split("@")[1] for m in to_enterprises)
    assert len(msgs) == result["mails_queued"]
    with session_scope(county.engine) as s:
        again = start_campaign(session=s, rules=county.rules, params=_params(), mail_from=county.settings.mail_from,
                               tz=county.settings.tz, today=TODAY)
        assert again["id"] == result["id"] and not again["created"] and again["mails_queued"] == 0
        assert len(s.execute(select(OutboxMessage)).scalars().all()) == len(msgs)


def test_two_campaigns_at_once(county):
    with session_scope(county.engine) as s:
        a = start_campaign(session=s, rules=county.rules, params=_params(), mail_from=county.settings.mail_from,
                           tz=county.settings.tz, today=TODAY)
        b = start_campaign(session=s, rules=county.rules, params=_params(name="道路交通安全整治", sectors="road_transport",
                                                                         townships="QL01,QL02"),
                           mail_from=county.settings.mail_from, tz=county.settings.tz, today=TODAY)
    assert a["id"] != b["id"] and b["townships"] == ["QL01", "QL02"] and len(b["obligation_ids"]) == 2


@pytest.mark.parametrize(
    "kw,fragment",
    [
        ({"name": ""}, "campaign parameters refused: name: "),
        ({"sectors": "boats"}, "campaign parameters refused: sectors: "),
        ({"sectors": ""}, "campaign parameters refused: sectors: "),
        ({"from_date": "2026-13-01"}, "campaign parameters refused: from_date: "),
        ({"to_date": "2026-11-01"}, "to_date is before from_date"),
        ({"summary_due": "2027-01-01"}, "summary_due is before to_date"),
    ],
)
def test_bad_campaign_parameters_name_the_field(kw, fragment):
    with pytest.raises(AnquanError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        _params(**kw)


def test_unknown_township_is_refused(county):
    with pytest.raises(AnquanError, match="townships: not townships in the directory: QL99"):
        with session_scope(county.engine) as s:
            start_campaign(session=s, rules=county.rules, params=_params(townships="QL01,QL99"),
                           mail_from=county.settings.mail_from, tz=county.settings.tz, today=TODAY)


def test_campaign_task_reminder_names_the_campaign(county):
    from email import message_from_bytes, policy

    with session_scope(county.engine) as s:
        start_campaign(session=s, rules=county.rules, params=validate_params({
            "name": "烟花爆竹安全专项整治", "sectors": "fireworks", "townships": "QL02", "from_date": "2026-12-01",
            "to_date": "2027-01-31", "summary_due": "2027-02-10"}), mail_from=county.settings.mail_from,
            tz=county.settings.tz, today=TODAY)
    tick_on(county, date(2027, 1, 27))  # 14 days before the summary
    msgs = [message_from_bytes(m.raw, policy=policy.default) for m in outbox(county, tick_date=date(2027, 1, 27))]
    texts = [m.get_body(("plain",)).get_content() for m in msgs if "专项整治工作总结" in str(m["Subject"])
             or "专项整治工作总结" in m.get_body(("plain",)).get_content()]
    assert texts and all("（“烟花爆竹安全专项整治”）" in t and "campaign年" not in t for t in texts)
    assert not any("专项整治“烟花爆竹安全专项整治”" in t or "专项整治”专项整治" in t for t in texts)  # no doubled word

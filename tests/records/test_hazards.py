"""Listed-supervision hazards and special campaigns: obligations, reminders, notices."""

from datetime import date

import pytest
from sqlalchemy import select

from anquan.assessment.scoring import assess
from anquan.campaigns.campaign import start_campaign, validate_params
from anquan.errors import AnquanError, InputRejected
from anquan.records.hazards import add_hazard, close_hazard, import_hazards, list_hazards, update_hazard
from anquan.cycle.tick import tick
from anquan.models.db import session_scope
from anquan.models.obligations import Obligation
from anquan.models.outbox import Notice, OutboxMessage

TODAY = date(2026, 11, 29)


def _hazard(app, **kw):
    base = dict(org_code="QL01", year=2026, description="脚手架基础不稳", responsible_person="张伟", measures="加固基础",
                deadline=date(2026, 9, 30), emergency_plan="停止作业", funds="5万元", enterprise_code="QL01E001")
    base.update(kw)
    with session_scope(app.engine) as s:
        return add_hazard(session=s, rules=app.rules, **base)


def test_hazard_gets_a_rectification_obligation_with_reminders(county):
    h = _hazard(county)
    with session_scope(county.engine) as s:
        ob = s.get(Obligation, h["rectification_id"])
        assert (ob.kind, ob.due_on, ob.status) == ("hazard_rectification", date(2026, 9, 30), "open")
        assert ob.next_action_on == date(2026, 8, 31)  # 30 days before
        tick(session=s, rules=county.rules, as_of=date(2026, 10, 8), mail_from=county.settings.mail_from, tz=county.settings.tz)
    with session_scope(county.engine) as s:
        stages = {n.stage for n in s.execute(select(Notice).where(Notice.obligation_id == h["rectification_id"])).scalars()
                  if n.outcome == "notified"}
    assert stages == {"escalation-2"}  # 8 days late: the county office hears of it


def test_closing_opens_the_evaluation_and_scores(county):
    h = _hazard(county)
    with session_scope(county.engine) as s:
        closed = close_hazard(session=s, rules=county.rules, hazard_id=h["id"], closed_on=date(2026, 10, 3), today=TODAY,
                              note="验收合格")
    assert closed["status"] == "closed"
    with session_scope(county.engine) as s:
        rect, ev = s.get(Obligation, closed["rectification_id"]), s.get(Obligation, closed["evaluation_id"])
        assert rect.status == "late" and rect.submitted_on == date(2026, 10, 3)
        assert (ev.kind, ev.due_on, ev.status) == ("hazard_evaluation", date(2026, 11, 2), "open")
        r = assess(session=s, rules=county.rules, rubric=county.rubric, year=2026, as_of=TODAY, org_code="QL01").results[0]
    items = {d.item: d for d in r.deductions}
    assert items["挂牌督办隐患逾期未整改"].points == -2  # closed late
    assert items["隐患整改效果评价缺失"].points == -1  # evaluation overdue
    with pytest.raises(AnquanError, match="was closed on 2026-10-03"):
        with session_scope(county.engine) as s:
            close_hazard(session=s, rules=county.rules, hazard_id=h["id"], closed_on=TODAY, today=TODAY)


def test_new_deadline_moves_the_obligation(county):
    h = _hazard(county)
    with session_scope(county.engine) as s:
        update_hazard(session=s, rules=county.rules, hazard_id=h["id"], deadline=date(2026, 12, 31))
    with session_scope(county.engine) as s:
        ob = s.get(Obligation, h["rectification_id"])
        assert ob.due_on == date(2026, 12, 31) and ob.next_action_on == date(2026, 12, 1)


@pytest.mark.parametrize(
    "kw,fragment",
    [
        ({"org_code": "QL01E001"}, "--org: 'QL01E001' is not a township"),
        ({"enterprise_code": "QL02E001"}, "is not in township QL01"),
        ({"enterprise_code": None, "place": ""}, "give --enterprise CODE or --place TEXT"),
        ({"measures": " "}, "--measures: required"),
    ],
)
def test_bad_hazard_is_refused(county, kw, fragment):
    with pytest.raises(AnquanError, match=fragment):
        _hazard(county, **kw)
    with session_scope(county.engine) as s:
        assert list_hazards(session=s) == []


def test_hazard_import_all_or_nothing(county, tmp_path):
    f = tmp_path / "h.csv"
    f.write_text(
        "org_code,year,description,enterprise_code,place,responsible_person,measures,funds,deadline,emergency_plan\n"
        "QL01,2026,河堤渗漏,,下村河堤,李强,加固,10万元,2026-08-31,汛期值守\n"
        "QL02,2026,配电房老化,QL01E001,,王五,更换,,2026-13-01,断电\n", encoding="utf-8")
    with pytest.raises(InputRejected) as exc:
        with session_scope(county.engine) as s:
            import_hazards(session=s, rules=county.rules, path=f)
    assert {(p.row, p.column) for p in exc.value.problems} == {(3, "deadline")}
    f.write_text(f.read_text(encoding="utf-8").replace("2026-13-01", "2026-10-01"), encoding="utf-8")
    with pytest.raises(InputRejected) as exc:
        with session_scope(county.engine) as s:
            import_hazards(session=s, rules=county.rules, path=f)
    assert [(p.row, p.column) for p in exc.value.problems] == [(3, "enterprise_code")]
    with session_scope(county.engine) as s:
        assert list_hazards(session=s) == []


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
        ({"name": ""}, "name (--name)"),
        ({"sectors": "boats"}, "sectors (--sectors)"),
        ({"sectors": ""}, "sectors (--sectors)"),
        ({"from_date": "2026-13-01"}, "from_date (--from)"),
        ({"to_date": "2026-11-01"}, "to_date is before from_date"),
        ({"summary_due": "2027-01-01"}, "summary_due is before to_date"),
    ],
)
def test_bad_campaign_parameters_name_the_field(kw, fragment):
    with pytest.raises(AnquanError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        _params(**kw)


def test_unknown_township_is_refused(county):
    with pytest.raises(AnquanError, match="townships \\(--townships\\): not townships in the directory: QL99"):
        with session_scope(county.engine) as s:
            start_campaign(session=s, rules=county.rules, params=_params(townships="QL01,QL99"),
                           mail_from=county.settings.mail_from, tz=county.settings.tz, today=TODAY)

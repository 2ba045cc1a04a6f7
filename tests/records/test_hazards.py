"""Listed-supervision hazards: the rectification obligation, its reminders, closing and evaluation."""

from datetime import date

import pytest
from sqlalchemy import select

from anquan.assessment.scoring import assess
from anquan.errors import AnquanError, InputRejected
from anquan.records.hazards import (add_hazard, awaiting_evaluation, close_hazard, evaluate_hazard, import_hazards,
                                   list_hazards, update_hazard)
from anquan.cycle.tick import tick
from anquan.models.db import session_scope
from anquan.models.obligations import Obligation
from anquan.models.outbox import Notice

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


def test_the_evaluation_is_recorded_once_after_acceptance_and_scores(county):
    h = _hazard(county)

    def evaluate(on, note="复查未见沉降，整改效果良好"):
        with session_scope(county.engine) as s:
            return evaluate_hazard(session=s, hazard_id=h["id"], evaluated_on=on, today=TODAY, note=note)

    with pytest.raises(AnquanError, match="is not closed"):
        evaluate(TODAY)
    with session_scope(county.engine) as s:
        close_hazard(session=s, rules=county.rules, hazard_id=h["id"], closed_on=date(2026, 9, 20), today=TODAY)
        [waiting] = awaiting_evaluation(session=s, today=TODAY)
    assert (waiting["id"], waiting["evaluation_due"]) == (h["id"], "2026-10-20")
    for on, note, fragment in ((date(2026, 9, 19), "良好", "evaluated_on: 2026-09-19 is before the rectification"),
                               (date(2026, 11, 30), "良好", "evaluated_on: 2026-11-30 is in the future"),
                               (date(2026, 10, 9), "  ", "note: say what the evaluation found")):
        with pytest.raises(AnquanError, match=fragment):
            evaluate(on, note)
    done = evaluate(date(2026, 10, 9))
    assert (done["evaluated_on"], done["evaluation_status"]) == ("2026-10-09", "submitted")
    with session_scope(county.engine) as s:
        assert awaiting_evaluation(session=s, today=TODAY) == []
        r = assess(session=s, rules=county.rules, rubric=county.rubric, year=2026, as_of=TODAY, org_code="QL01").results[0]
    assert "隐患整改效果评价缺失" not in {d.item for d in r.deductions}
    with pytest.raises(AnquanError, match="effect evaluation was recorded on 2026-10-09"):
        evaluate(TODAY)


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
        ({"org_code": "QL01E001"}, "org_code: 'QL01E001' is not a township"),
        ({"enterprise_code": "QL02E001"}, "is not in township QL01"),
        ({"enterprise_code": None, "place": ""}, "enterprise_code: give the enterprise, or the place"),
        ({"measures": " "}, "measures: required"),
        ({"funds": None}, "funds: required"),
        ({"funds": " "}, "funds: required"),
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
    # Funds are required for every listed hazard (they used to be optional).
    assert {(p.row, p.column) for p in exc.value.problems} == {(3, "deadline"), (3, "funds")}
    f.write_text(f.read_text(encoding="utf-8").replace(",,2026-13-01", ",2万元,2026-10-01"), encoding="utf-8")
    with pytest.raises(InputRejected) as exc:
        with session_scope(county.engine) as s:
            import_hazards(session=s, rules=county.rules, path=f)
    assert [(p.row, p.column) for p in exc.value.problems] == [(3, "enterprise_code")]
    with session_scope(county.engine) as s:
        assert list_hazards(session=s) == []

"""The annual assessment: veto rules at their thresholds, grades, every deduction, caps, adjustments."""

from datetime import date, datetime, timezone
from decimal import Decimal
import io
import re

import pytest
from sqlalchemy import select, update

from anquan.assessment.scoring import (Deduction, EXCELLENT, FAIL, GOOD, PASS, AccidentFacts, assess, grade_for,
                               veto_reasons)
from anquan.directory.importer import import_directory
from anquan.errors import AnquanError, InputRejected, RubricError
from anquan.cycle.obligations import list_obligations, submit, waive
from anquan.cycle.planning import plan_year
from anquan.records.accidents import (add_accident, add_adjustment, import_accidents, import_adjustments, import_indicators,
                            update_accident)
from anquan.assessment.documents import assessment_notice, assessment_workbook
from anquan.rules.rubric import parse_rubric
from anquan.models.db import session_scope
from anquan.models.directory import Contact
from anquan.models.outbox import OutboxMessage
from anquan.models.settings import DEFAULT_RUBRIC_FILE
from tests.support import write_csvs

FINAL = date(2027, 1, 15)


def acc(i, kind="other", deaths=0, liability=True, egregious=False):
    return AccidentFacts(i, date(2026, 5, 1), kind, deaths, 0, liability, egregious)


# -- the one-vote veto ---------------------------------------------------------------

@pytest.mark.parametrize(
    "accidents,vetoed",
    [
        ([acc(1, "road_traffic", 9)], False),
        ([acc(1, "road_traffic", 10)], True),
        ([acc(1, "road_traffic", 10, liability=False)], False),
        ([acc(1, "road_traffic", 5)], False),
        ([acc(1, "road_traffic", 5), acc(2, "road_traffic", 5)], True),
        ([acc(1, "road_traffic", 5), acc(2, "road_traffic", 4)], False),
        ([acc(1, "road_traffic", 5), acc(2, "road_traffic", 5, liability=False)], False),
        ([acc(1, "other", 4)], False),
        ([acc(1, "other", 5)], True),
        ([acc(1, "other", 5, liability=False)], False),
        ([acc(1, "other", 3), acc(2, "other", 3)], True),
        ([acc(1, "other", 3), acc(2, "other", 2)], False),
        ([acc(1, "other", 3)], False),
        # A road accident and another kind do not add up to "two or more" of either.
        ([acc(1, "road_traffic", 5), acc(2, "other", 4)], False),
        ([acc(1, "road_traffic", 3), acc(2, "other", 3)], False),
        ([acc(1, "other", 0, egregious=True)], True),
        ([acc(1, "other", 0, liability=False, egregious=True)], True),
        ([], False),
    ],
)
def test_veto_rules_at_their_thresholds(accidents, vetoed):
    assert bool(veto_reasons(accidents)) is vetoed


def test_veto_reasons_name_the_accidents():
    reasons = veto_reasons([acc(7, "road_traffic", 6), acc(9, "road_traffic", 5)])
    assert reasons == ["发生两起以上一次死亡5人以上道路交通安全责任事故（事故：2026年5月1日，死亡6人；2026年5月1日，死亡5人）"]


@pytest.mark.parametrize(
    "score,grade",
    [("100", EXCELLENT), ("90", EXCELLENT), ("89.99", GOOD), ("80", GOOD), ("79.99", PASS), ("70", PASS),
     ("69.99", FAIL), ("0", FAIL), ("-5", FAIL)],
)
def test_grade_boundaries(score, grade):
    assert grade_for(Decimal(score), vetoed=False) == grade


def test_veto_fails_whatever_the_score():
    assert grade_for(Decimal(100), vetoed=True) == FAIL


# -- scoring from records --------------------------------------------------------------

ORGS = [
    ["C1", "测试县", "county", "", "", "", ""],
    ["T1", "东山镇", "township", "C1", "", "", ""],
    ["T2", "西河乡", "township", "C1", "", "", ""],
    ["V1", "上村", "village", "T1", "", "", ""],
    ["E1", "东山建筑公司", "enterprise", "T1", "construction", "50", "false"],
    ["E2", "东山百货店", "enterprise", "T1", "other", "8", "false"],
]
CONTACTS = [
    ["C1", "县安委办甲", "county_office", "office@county.example", ""],
    ["T1", "李镇长", "township_head", "head@t1.example", ""],
    ["T1", "王安监", "safety_office", "so1@t1.example", ""],
    ["T1", "赵安监", "safety_office", "so2@t1.example", ""],
    ["T2", "周乡长", "township_head", "head@t2.example", ""],
    ["T2", "吴安监", "safety_office", "so1@t2.example", ""],
    ["T2", "郑安监", "safety_office", "so2@t2.example", ""],
    ["V1", "钱安全员", "village_safety_officer", "v1@t1.example", ""],
    ["E1", "孙经理", "enterprise_principal", "boss@e1.example", ""],
    ["E1", "吴安全", "enterprise_safety_manager", "safety@e1.example", "", "true"],
    ["E2", "郑老板", "enterprise_principal", "boss@e2.example", ""],
]


def _two_townships_planned(app, scratch):
    with session_scope(app.engine) as s:
        import_directory(session=s, path=write_csvs(scratch / "c", ORGS, CONTACTS))
        plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026)


@pytest.fixture
def county(app, db_states):
    """Two townships (ORGS, CONTACTS) with 2026 planned: built once per session, copied per test."""
    return db_states.load(app, "scoring-two-townships", build=_two_townships_planned)


def _all_done(app, org=None, on_time=True):
    """Submit every obligation of the year (on time or a day late)."""
    with session_scope(app.engine) as s:
        for ob in list(list_obligations(session=s, year=2026, org_code=org)):
            if ob["status"] == "open" and ob["org_code"] != "C1":
                due = date.fromisoformat(ob["due_on"])
                on = due if on_time else date.fromordinal(due.toordinal() + 1)
                submit(session=s, obligation_id=ob["id"], today=FINAL, submitted_on=on)


def _assess(app, as_of=FINAL, org=None, rubric=None):
    with session_scope(app.engine) as s:
        return assess(session=s, rules=app.rules, rubric=rubric or app.rubric, year=2026, as_of=as_of, org_code=org)


def _result(app, code, **kw):
    return next(r for r in _assess(app, **kw).results if r.org_code == code)


def _mail(app):
    from anquan.notifications.outbox import MailSettings

    return MailSettings(mail_from=app.settings.mail_from, tz=app.settings.tz)


def test_township_that_did_everything_scores_100(county):
    _all_done(county)
    t1, t2 = _result(county, "T1"), _result(county, "T2")
    assert (t1.score, t1.grade, t1.deductions) == (Decimal(100), EXCELLENT, [])
    assert t2.score == 100 and t2.grade == EXCELLENT


def test_township_with_no_records_at_all(app, tmp_path):
    orgs = [["C1", "测试县", "county", "", "", "", ""], ["T9", "空白乡", "township", "C1", "", "", ""]]
    contacts = [["T9", "乡长", "township_head", "h@t9.example", ""], ["T9", "甲", "safety_office", "a@t9.example", ""],
                ["T9", "乙", "safety_office", "b@t9.example", ""]]
    with session_scope(app.engine) as s:
        import_directory(session=s, path=write_csvs(tmp_path / "empty", orgs, contacts))
    # A year never planned is refused, naming the year (it used to grade every township 优秀).
    with pytest.raises(AnquanError, match="year 2026 was never planned"):
        _assess(app)
    with session_scope(app.engine) as s:
        plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026)
        for ob in list(list_obligations(session=s, year=2026)):
            if date.fromisoformat(ob["due_on"]) <= FINAL:
                submit(session=s, obligation_id=ob["id"], today=FINAL, submitted_on=date.fromisoformat(ob["due_on"]))
    r = _assess(app).results
    assert len(r) == 1 and r[0].score == 100 and r[0].grade == EXCELLENT and not r[0].vetoed


def test_missed_and_late_obligations_with_caps(county):
    _all_done(county, org="T2")
    # T1 does nothing at all: every duty of the year is missed.
    r = _result(county, "T1")
    by_item = {}
    for d in r.deductions:
        by_item[d.item] = by_item.get(d.item, Decimal(0)) + d.points
    assert by_item["季度安全生产工作会议未按时召开"] == -8       # 4 missed x 2 = 8, at the cap
    assert by_item["季度安全生产大检查总结未按时报送"] == -8
    assert by_item["履职报告书未按时报送"] == -10                # 2 x 5
    assert by_item["节日长假及重大活动前安全专项检查未按时开展"] == -6
    assert by_item["安全生产目标责任书未按时签订"] == -4         # T1's own book and V1's: 2 x 2
    assert by_item["企业每月安全生产风险分析完成率不足"] == -8   # 0 % handed in: capped
    assert r.score == 100 + sum(d.points for d in r.deductions)
    assert r.grade == FAIL
    # Evidence names the duty as officials know it, by name and period, never by an id.
    evidence = [d.evidence for d in r.deductions]
    assert any(e.startswith("2026年第1季度安全生产工作会议（截止2026年") and e.endswith("，截至考核日未提交）")
               for e in evidence), evidence
    assert not [e for e in evidence if "#" in e or "-Q" in e or re.search(r"\d{4}-\d{2}", e)]


def test_late_counts_less_than_missed(county):
    _all_done(county, on_time=False)
    r = _result(county, "T2")
    meetings = [d for d in r.deductions if d.item == "季度安全生产工作会议未按时召开"]
    assert [d.points for d in meetings] == [Decimal(-1)] * 4
    assert all(re.fullmatch(r"2026年第[1-4]季度安全生产工作会议（202[67]年\d+月\d+日报告，逾期1天）", d.evidence)
               for d in meetings), [d.evidence for d in meetings]


def test_cap_mentions_what_it_left_out(county):
    r = _result(county, "T1")
    inspections = [d for d in r.deductions if d.item == "季度安全生产大检查总结未按时报送"]
    assert sum(d.points for d in inspections) == -8 and len(inspections) == 4


def test_provisional_score_counts_only_what_fell_due(county):
    early = _result(county, "T2", as_of=date(2026, 4, 1))
    items = {d.item for d in early.deductions}
    assert "履职报告书未按时报送" not in items  # not due until July
    assert "季度安全生产工作会议未按时召开" in items  # Q1 meeting was due 31 March
    assert _assess(county, as_of=date(2026, 4, 1)).provisional is True
    assert _assess(county, as_of=FINAL).provisional is False


def test_waived_obligations_do_not_count(county):
    _all_done(county, org="T2")
    with session_scope(county.engine) as s:
        for ob in list(list_obligations(session=s, year=2026, org_code="E2")):
            if ob["status"] == "open":
                waive(session=s, obligation_id=ob["id"], reason="企业停业")
        for ob in list(list_obligations(session=s, year=2026, org_code="E1")):
            submit(session=s, obligation_id=ob["id"], today=FINAL, submitted_on=date.fromisoformat(ob["due_on"]))
    r = _result(county, "T1")
    assert not [d for d in r.deductions if d.item == "企业每月安全生产风险分析完成率不足"]


@pytest.mark.parametrize("handed_in,expected", [(12, 0), (11, 0), (10, 0), (9, -1), (8, -2), (6, -3), (0, -8)])
def test_risk_analysis_completion_threshold(county, handed_in, expected):
    # E1 hands in `handed_in` of its 12 analyses, E2 all 12: completion (12 + n) / 24.
    with session_scope(county.engine) as s:
        e1 = [o for o in list_obligations(session=s, year=2026, org_code="E1")]
        e2 = [o for o in list_obligations(session=s, year=2026, org_code="E2")]
        for ob in e2 + e1[:handed_in]:
            submit(session=s, obligation_id=ob["id"], today=FINAL, submitted_on=date.fromisoformat(ob["due_on"]))
    got = sum((d.points for d in _result(county, "T1").deductions if d.item == "企业每月安全生产风险分析完成率不足"), Decimal(0))
    # 23/24 = 95.8 % and 22/24 = 91.7 %: no deduction; 21/24 = 87.5 %: one 5-point step below 90 %;
    # 20/24 = 83.3 %: two; 18/24 = 75 %: exactly three; 12/24 = 50 %: eight, the cap.
    assert got == expected


def test_staffing_gaps_deduct(county, tmp_path):
    _all_done(county)
    # T2 loses a safety officer; E2 (other, small) needs no manager; make E1 lose its manager.
    with session_scope(county.engine) as s:
        import_directory(session=s, path=write_csvs(tmp_path / "gap", [], [
            ["T2", "周乡长", "township_head", "head@t2.example", ""], ["T2", "吴安监", "safety_office", "so1@t2.example", ""],
            ["E1", "孙经理", "enterprise_principal", "boss@e1.example", ""]]))
        # Staffing is scored as the directory stood in the year: the dropped contacts left before 2026
        # (a contact dropped during 2026 still served in it and still counts).
        s.execute(update(Contact).where(Contact.active.is_(False)).values(updated_at=datetime(2025, 6, 1, tzinfo=timezone.utc)))
    t2 = _result(county, "T2")
    assert [(d.item, d.points) for d in t2.deductions] == [("安全监管人员配备不到位", Decimal(-2))]
    t1 = _result(county, "T1")
    assert [(d.item, d.points) for d in t1.deductions] == [("安全监管人员配备不到位", Decimal("-0.2"))]
    assert t1.deductions[0].evidence.startswith("东山建筑公司：") and "建筑施工" in t1.deductions[0].evidence
    assert "（E1）" not in t1.deductions[0].evidence  # officials read the name, not the directory code


def test_indicators_exceeded_and_warnings(county, tmp_path):
    _all_done(county)
    (tmp_path / "ind.csv").write_text("org_code,year,max_accidents,max_deaths\nT1,2026,2,1\nT2,2026,5,5\n", encoding="utf-8")
    with session_scope(county.engine) as s:
        assert import_indicators(session=s, path=tmp_path / "ind.csv", rubric=county.rubric, mail=_mail(county), today=FINAL)["created"] == 2
    with session_scope(county.engine) as s:
        _, q1 = add_accident(session=s, org_code="T1", occurred_on=date(2026, 3, 1), kind="other", deaths=0, injuries=1,
                             mail=_mail(county), rubric=county.rubric, today=FINAL)
        _, q2 = add_accident(session=s, org_code="T1", occurred_on=date(2026, 6, 1), kind="other", deaths=1,
                             mail=_mail(county), rubric=county.rubric, today=FINAL)
        _, q3 = add_accident(session=s, org_code="T1", occurred_on=date(2026, 9, 1), kind="road_traffic", deaths=1,
                             mail=_mail(county), rubric=county.rubric, today=FINAL)
    # 1 of 2 accidents: 50 %, quiet.  2 of 2 and 1 of 1 death: the limit reached (warn, saying so: not "80 %");
    # 3 accidents, 2 deaths: both exceeded.
    assert q1 == 0
    with session_scope(county.engine) as s:
        subjects = [m.subject for m in s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()]
    assert sum("控制指标预警" in x and "已达到控制考核指标" in x for x in subjects) == 4  # 2 metrics x (head + county office)
    assert not any("已达到80%" in x for x in subjects)
    assert sum("控制指标预警" in x and "已超过" in x for x in subjects) == 4
    assert sum(x.startswith("【事故报告】") for x in subjects) == 4           # 2 accidents with deaths x 2 people
    r = _result(county, "T1")
    assert [(d.item, d.points) for d in r.deductions] == [("超出年度控制考核指标", Decimal(-5)), ("超出年度控制考核指标", Decimal(-5))]
    assert not r.vetoed


def test_accident_outside_the_year_counts_for_its_own_year(county):
    _all_done(county)
    with session_scope(county.engine) as s:
        add_accident(session=s, org_code="T1", occurred_on=date(2025, 12, 31), kind="other", deaths=6,
                     mail=_mail(county), rubric=county.rubric, today=FINAL)
    assert not _result(county, "T1").vetoed
    with session_scope(county.engine) as s:
        plan_year(session=s, rules=county.rules, calendar=county.calendar, year=2025)  # a year never planned is refused
        r = assess(session=s, rules=county.rules, rubric=county.rubric, year=2025, as_of=FINAL, org_code="T1")
    assert r.results[0].vetoed


def test_veto_from_records_and_update(county):
    _all_done(county)
    with session_scope(county.engine) as s:
        a, _ = add_accident(session=s, org_code="T2", occurred_on=date(2026, 8, 8), kind="other", deaths=4,
                            mail=_mail(county), rubric=county.rubric, today=FINAL)
    assert not _result(county, "T2").vetoed
    with session_scope(county.engine) as s:
        update_accident(session=s, accident_id=a["id"], mail=_mail(county), rubric=county.rubric, today=FINAL, deaths=5)
    r = _result(county, "T2")
    assert r.vetoed and r.grade == FAIL and r.score == 100
    assert "一次死亡5人以上道路交通以外" in r.veto_reasons[0]


def test_manual_adjustments_both_ways(county, tmp_path):
    _all_done(county)
    with session_scope(county.engine) as s:
        add_adjustment(session=s, org_code="T1", year=2026, points="-3.5", item="督查发现问题", reason="台账不全")
        add_adjustment(session=s, org_code="T1", year=2026, points="1", item="工作创新", reason="网格化试点")
    r = _result(county, "T1")
    assert r.score == Decimal("97.5")
    assert [d.evidence.split("：")[0] for d in r.deductions] == ["县安委会调整", "县安委会调整"]
    assert [d.evidence.split("：")[1] for d in r.deductions] == ["台账不全", "网格化试点"]
    (tmp_path / "adj.csv").write_text("org_code,year,points,item,reason\nT2,2026,-2,督查,x\nT9,2026,abc,,\n", encoding="utf-8")
    with pytest.raises(InputRejected) as exc:
        with session_scope(county.engine) as s:
            import_adjustments(session=s, path=tmp_path / "adj.csv")
    where = {(p.row, p.column) for p in exc.value.problems}
    assert {(3, "org_code"), (3, "points"), (3, "item"), (3, "reason")} <= where
    assert _result(county, "T2").score == 100  # nothing written


@pytest.mark.parametrize("points", ["0", "101", "1.234", "abc"])
def test_bad_adjustment_points(county, points):
    with pytest.raises(AnquanError, match="^points: ") as exc:
        with session_scope(county.engine) as s:
            add_adjustment(session=s, org_code="T1", year=2026, points=points, item="x", reason="y")
    assert exc.value.field == "points"


def test_reproducible_and_points_add_up(county):
    with session_scope(county.engine) as s:
        add_accident(session=s, org_code="T1", occurred_on=date(2026, 2, 2), kind="road_traffic", deaths=1,
                     mail=_mail(county), rubric=county.rubric, today=FINAL)
        add_adjustment(session=s, org_code="T2", year=2026, points="-1.25", item="督查", reason="z")
    first, second = _assess(county).as_list(), _assess(county).as_list()
    assert first == second
    for r in first:
        assert sum(Decimal(str(d["points"])) for d in r["deductions"]) == Decimal(str(r["score"])) - 100
        assert {"org_code", "org_name", "score", "grade", "vetoed", "veto_reasons", "deductions"} <= set(r)


def test_accident_must_be_charged_to_a_township(county):
    with pytest.raises(AnquanError, match="^org_code: E1 is an enterprise, not a township: .*use T1") as exc:
        with session_scope(county.engine) as s:
            add_accident(session=s, org_code="E1", occurred_on=date(2026, 2, 2), kind="other", deaths=0,
                         mail=_mail(county), rubric=county.rubric, today=FINAL)
    assert exc.value.field == "org_code"


def test_accident_import_all_or_nothing(county, tmp_path):
    (tmp_path / "acc.csv").write_text(
        "org_code,date,kind,deaths,injuries,liability,egregious,description\n"
        "T1,2026-03-01,other,1,0,true,false,坍塌\nT2,2026-13-01,boat,-1,,maybe,,\n", encoding="utf-8")
    with pytest.raises(InputRejected) as exc:
        with session_scope(county.engine) as s:
            import_accidents(session=s, path=tmp_path / "acc.csv", mail=_mail(county), rubric=county.rubric, today=FINAL)
    assert {(p.row, p.column) for p in exc.value.problems} == {(3, "date"), (3, "kind"), (3, "deaths"), (3, "liability")}
    from anquan.records.accidents import list_accidents

    with session_scope(county.engine) as s:
        assert list_accidents(session=s) == []


def test_rubric_errors_name_the_path():
    text = DEFAULT_RUBRIC_FILE.read_text(encoding="utf-8")
    with pytest.raises(RubricError, match=r"obligations\[1\].cap"):
        parse_rubric(text.replace("cap: 8", "cap: -1", 1))
    with pytest.raises(RubricError, match="scored twice"):
        parse_rubric(text.replace("kinds: [quarterly_inspection]", "kinds: [quarterly_meeting]"))


def test_workbook_and_notice(county):
    _all_done(county, org="T2")
    with session_scope(county.engine) as s:
        add_accident(session=s, org_code="T1", occurred_on=date(2026, 2, 2), kind="other", deaths=0, egregious=True,
                     mail=_mail(county), rubric=county.rubric, today=FINAL)
    a = _assess(county)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(assessment_workbook(a, county_name="测试县")))
    assert wb.sheetnames == ["考核汇总", "扣分明细"]
    summary = list(wb["考核汇总"].iter_rows(min_row=3, values_only=True))
    assert [row[1] for row in summary] == ["西河乡", "东山镇"] and summary[0][3] == EXCELLENT and summary[1][4] == "是"
    details = list(wb["扣分明细"].iter_rows(min_row=2, values_only=True))
    items = [row for row in details if row[1] != "合计" and not row[1].endswith("项）")]
    assert len(items) == len(a.ranked()[1].deductions) and all(row[0] == "东山镇" for row in details)
    from docx import Document

    doc = Document(io.BytesIO(assessment_notice(a, county_name="测试县", issued_on=FINAL)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "关于2026年度乡镇安全生产履职考核结果的通报" in text
    assert "考核等次为优秀的乡（镇）：西河乡" in text
    assert "东山镇：年度内发生社会影响特别恶劣的事故（2026年2月2日），按照责任书规定实行“一票否决”" in text
    assert "2027年1月15日" in text


def _notify(app, a) -> int:
    from anquan.assessment.mailing import Issue, notify_county_office, notify_township_heads

    mail = {"assessment": a, "mail_from": app.settings.mail_from, "tz": app.settings.tz, "today": FINAL}
    with session_scope(app.engine) as s:
        return (notify_township_heads(session=s, **mail)
                + notify_county_office(session=s, **mail, notice=None, issue=Issue(draft=True), issued_on=FINAL))


def test_results_are_mailed_once(county):
    _all_done(county, org="T2")
    a = _assess(county)
    assert _notify(county, a) == 3  # two township heads, one county office
    again = _notify(county, a)
    with session_scope(county.engine) as s:
        msgs = s.execute(select(OutboxMessage)).scalars().all()
    assert again == 0 and len(msgs) == 3
    summary = next(m for m in msgs if m.to_addr == "office@county.example")
    assert b"filename=" in summary.raw and summary.subject.startswith("【履职考核】测试县2026年度")
    head = next(m for m in msgs if m.to_addr == "head@t1.example")
    from email import message_from_bytes, policy

    body = message_from_bytes(head.raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "得分变动明细" in body and "截至考核日未提交" in body and "#" not in body


def test_staffing_counts_the_contacts_of_the_year_assessed(county, tmp_path):
    """A contact dropped during the year still served in it; one dropped before it did not (it used to be today's)."""
    _all_done(county)
    with session_scope(county.engine) as s:
        import_directory(session=s, path=write_csvs(tmp_path / "gap", [], [
            ["T2", "周乡长", "township_head", "head@t2.example", ""], ["T2", "吴安监", "safety_office", "so1@t2.example", ""]]))
    assert _result(county, "T2").deductions == []  # 郑安监 left in 2026: still counted for 2026
    with session_scope(county.engine) as s:
        s.execute(update(Contact).where(Contact.active.is_(False)).values(updated_at=datetime(2025, 12, 31, tzinfo=timezone.utc)))
    assert [d.item for d in _result(county, "T2").deductions] == ["安全监管人员配备不到位"]


def test_a_part_time_or_unstated_manager_does_not_satisfy_a_full_time_requirement(county, tmp_path):
    _all_done(county)
    for flag, expected in (("false", "未登记为专职"), ("", "未登记为专职"), ("true", None)):
        with session_scope(county.engine) as s:
            import_directory(session=s, path=write_csvs(tmp_path / f"ft{flag}", [], [
                ["E1", "孙经理", "enterprise_principal", "boss@e1.example", "", ""],
                ["E1", "吴安全", "enterprise_safety_manager", "safety@e1.example", "", flag]]))
        found = [d.evidence for d in _result(county, "T1").deductions if "东山建筑公司" in d.evidence]
        assert (expected in found[0]) if expected else found == [], (flag, found)


def test_scores_stay_within_the_rubric_bounds(county):
    """+5 on 99.8 gives 100 (it gave 104.8); deductions stop at 0; the bounds are rubric settings."""
    _all_done(county)
    with session_scope(county.engine) as s:
        add_adjustment(session=s, org_code="T1", year=2026, points="-0.2", item="督查", reason="台账")
        add_adjustment(session=s, org_code="T1", year=2026, points="5", item="工作创新", reason="试点")
        for _ in range(2):
            add_adjustment(session=s, org_code="T2", year=2026, points="-60", item="督查", reason="严重")
    assert _result(county, "T1").score == Decimal(100)
    assert _result(county, "T2").score == Decimal(0)
    looser = parse_rubric(DEFAULT_RUBRIC_FILE.read_text(encoding="utf-8").replace("max_score: 100", "max_score: 110"))
    assert _result(county, "T1", rubric=looser).score == Decimal("104.8")
    with pytest.raises(RubricError, match="between min_score"):
        parse_rubric(DEFAULT_RUBRIC_FILE.read_text(encoding="utf-8").replace("max_score: 100", "max_score: 90"))


def test_ranking_puts_the_vetoed_last_and_ties_share_a_rank():
    """A vetoed township ranks below every other whatever its score (it ranked 1st on 99.8); equal scores share a
    rank and the next skips (1, 1, 3; they were 1, 2, 3)."""
    from anquan.assessment.scoring import Assessment, TownshipResult

    vetoed = TownshipResult(1, "T1", "松岭乡", Decimal(100), veto_reasons=["发生社会影响特别恶劣的事故"])
    a = TownshipResult(2, "T2", "甲乡", Decimal(100), deductions=[Deduction("x", Decimal(-5), "e")])
    b = TownshipResult(3, "T3", "乙乡", Decimal(100), deductions=[Deduction("x", Decimal(-5), "e")])
    c = TownshipResult(4, "T4", "丙乡", Decimal(100), deductions=[Deduction("x", Decimal(-30), "e")])
    result = Assessment(2026, FINAL, False, [vetoed, c, b, a], [])
    assert [(rank, r.org_code) for rank, r in result.ranks()] == [(1, "T2"), (1, "T3"), (3, "T4"), (4, "T1")]
    assert [(x["rank"], x["org_code"]) for x in result.as_list()] == [(1, "T2"), (1, "T3"), (3, "T4"), (4, "T1")]


def test_approving_closes_the_countys_own_assessment_duty(county, tmp_path):
    """The county office was told on 21 January that its annual_assessment was overdue after it had run it."""
    from anquan.accounts.accounts import CLI
    from anquan.assessment.publish import approve_year, draft_year
    from anquan.cycle.tick import tick
    from tests.support.console import make_user

    _all_done(county)
    assert draft_year(county, year=2026, on=FINAL, folder=tmp_path).closed == 0
    admin = make_user(county, "office@county.example", "county_admin")
    published = approve_year(county, year=2026, login=admin, actor=CLI, on=FINAL, folder=tmp_path, deliver=False)
    assert published.closed == 1
    with session_scope(county.engine) as s:
        own = [o for o in list_obligations(session=s, year=2026, kind="annual_assessment")]
        assert [(o["status"], o["submitted_on"]) for o in own] == [("submitted", "2027-01-15")]
        report = tick(session=s, rules=county.rules, as_of=date(2027, 1, 21), mail_from=county.settings.mail_from,
                      tz=county.settings.tz)
    assert report.by_township_stage.get("C1", {}) == {}


def test_notice_is_dated_and_worded_from_the_runs_date(county):
    """The notice said the assessment was made "in January of 2027" whatever the day it was run."""
    _all_done(county)
    import docx

    data = assessment_notice(_assess(county, as_of=date(2027, 2, 3)), county_name="测试县", issued_on=date(2027, 2, 3))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "2027年2月对各乡（镇）2026年度" in text and "2027年2月3日" in text

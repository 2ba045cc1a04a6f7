"""The year at a glance: each obligation's state as of a day, the township × duty matrix counted in SQL, and a cell's
duties with their history (reminders and escalations with recipients and the mail's fate, reports, returns,
evidence, waivers), limited to one township for a township office."""

from __future__ import annotations

from datetime import date

import pytest

from anquan.console import yearview
from anquan.cycle import usecases as cycle
from anquan.cycle.mine import NotYours
from tests.support.web import PDF, contact, obligation

TODAY = date(2026, 3, 10)


def _ob(app, org: str, kind: str, period: str):
    from sqlalchemy import select

    from anquan.models.directory import Organisation
    from anquan.models.obligations import Obligation
    with app.session() as s:
        return s.execute(select(Obligation).join(Organisation, Organisation.id == Obligation.org_id).where(
            Organisation.code == org, Obligation.kind == kind, Obligation.period == period)).scalar_one()


@pytest.fixture
def year(planned, tmp_path):
    """The small county's 2026 with a few things done by 10 March: see each step."""
    a = planned
    cycle.tick(a, as_of=date(2026, 2, 14))  # book signing's 14-day reminders
    e1_jan, e1_feb = _ob(a, "E1", "monthly_risk_analysis", "2026-01"), _ob(a, "E1", "monthly_risk_analysis", "2026-02")
    pdf = tmp_path / "一月风险分析.pdf"
    pdf.write_bytes(PDF)
    cycle.submit(a, obligation_id=e1_jan.id, submitted_on=date(2026, 1, 20), file=pdf, today=date(2026, 1, 20))
    cycle.submit(a, obligation_id=e1_feb.id, submitted_on=date(2026, 2, 26), note="二月已分析", today=date(2026, 2, 26))
    cycle.return_report(a, contact=contact(a, "so1@t1.example"), obligation_id=e1_feb.id, reason="缺少现场检查记录",
                        today=date(2026, 3, 2))
    cycle.waive(a, obligation_id=_ob(a, "E2", "monthly_risk_analysis", "2026-01").id, reason="一月停业整顿")
    cycle.submit(a, obligation_id=_ob(a, "E2", "monthly_risk_analysis", "2026-02").id, submitted_on=date(2026, 3, 5),
                 today=date(2026, 3, 5))
    cycle.tick(a, as_of=date(2026, 3, 2))  # book signing: the first escalation (1 day after 28 February)
    return a


def _matrix(a, **kw):
    with a.session() as s:
        return yearview.matrix(session=s, rules=a.rules, year=2026, today=TODAY, **kw)


def _cell(a, township: str, kind: str, **kw):
    tid = obligation(a, township, "book_signing").org_id
    with a.session() as s:
        return yearview.cell(session=s, rules=a.rules, year=2026, today=TODAY, township_id=tid, kind=kind,
                             tz=a.settings.tz, **kw)


def test_the_matrix_counts_each_state(year):
    m = _matrix(year)
    t1, t2 = [t.id for t in m.townships]
    assert [t.name for t in m.townships] == ["东山镇", "西河乡"]
    # 东山建筑公司: January on time, February returned (open again, past its day), ten months ahead.
    assert m.cell(t1, "monthly_risk_analysis").counts == {"on_time": 1, "overdue": 1, "not_due": 10}
    # 西河百货店: January waived, February late, ten ahead; the cell's colour is its most pressing state.
    c2 = m.cell(t2, "monthly_risk_analysis")
    assert c2.counts == {"waived": 1, "late": 1, "not_due": 10} and c2.state == "late"
    assert (c2.done, c2.tracked, c2.total) == (1, 11, 12)
    # The books of 东山镇, 上村 and 东山中心小学 (due 28 February) are all overdue; 西河乡 signs only its own.
    assert m.cell(t1, "book_signing").counts == {"overdue": 3} and m.cell(t2, "book_signing").counts == {"overdue": 1}
    # The county's supervision visit counts under the township it is about; Q1's is due 31 March, inside its
    # first reminder's 21 days: open, not yet due.
    assert m.cell(t1, "county_supervision").counts == {"open": 1, "not_due": 3}
    assert sum(m.totals.values()) == sum(c.total for c in m.cells.values())
    assert [k for k, _ in m.kinds][:2] == ["book_signing", "quarterly_meeting"]


def test_a_township_office_sees_one_row(year):
    t1 = obligation(year, "T1", "book_signing").org_id
    m = _matrix(year, only=t1)
    assert [t.name for t in m.townships] == ["东山镇"] and {t for t, _ in m.cells} == {t1}
    with pytest.raises(NotYours):
        _cell(year, "T2", "book_signing", only=t1)


def test_a_cell_lists_the_duties_most_pressing_first_with_their_history(year):
    v = _cell(year, "T1", "book_signing")
    assert [d.state for d in v.duties] == ["overdue"] * 3 and v.listed == 3
    town = next(d for d in v.duties if d.org_name == "东山镇")
    lines = [(e.on, e.what, e.text) for e in town.events]
    assert lines[0][:2] == (date(2026, 2, 14), "提醒") and "到期前14天提醒：李镇长（乡镇长）" in lines[0][2]
    assert any(on == date(2026, 3, 2) and what == "督办" and "第1级督办" in text for on, what, text in lines)
    assert all("待发送" in text for on, what, text in lines if what in ("提醒", "督办") and "：" in text and "跳过" not in text)

    months = _cell(year, "T1", "monthly_risk_analysis")
    assert [d.period for d in months.duties][:2] == ["2026年2月", "2026年1月"]  # overdue before on time
    feb, jan = months.duties[:2]
    assert (feb.events[0].what, feb.events[0].on) == ("报告", date(2026, 2, 26))
    # Returned (stamped with the clock's day), then escalated by the tick of 2 March as overdue again.
    returned = next(e for e in feb.events if e.what == "退回")
    assert returned.text == "王安监退回：缺少现场检查记录" and returned.warn
    assert any(e.what == "督办" and e.on == date(2026, 3, 2) for e in feb.events)
    assert jan.events[0].file is not None and jan.events[0].file[1] == "一月风险分析.pdf"
    waived = _cell(year, "T2", "monthly_risk_analysis", show="waived")
    assert [(d.period, d.events[-1].what, d.events[-1].text) for d in waived.duties] == [("2026年1月", "免除", "一月停业整顿")]


def test_a_cell_is_paged(year):
    v = _cell(year, "T1", "monthly_risk_analysis", show="not_due")
    assert v.listed == 10 and v.pages == 1 and len(v.duties) == 10
    yearview.PAGE_SIZE, saved = 4, yearview.PAGE_SIZE
    try:
        v = _cell(year, "T1", "monthly_risk_analysis", page=3)
        assert (v.pages, v.page, len(v.duties)) == (3, 3, 4)
        assert _cell(year, "T1", "monthly_risk_analysis", page=99).page == 3
    finally:
        yearview.PAGE_SIZE = saved


def test_the_township_page_counts_the_months_and_scores_as_the_assessment_does(year):
    from anquan.assessment.scoring import assess
    from anquan.console.township import township_page

    t1 = obligation(year, "T1", "book_signing").org_id
    with year.session() as s:
        page = township_page(session=s, rules=year.rules, rubric=year.rubric, year=2026, today=TODAY, township_id=t1)
        expected = assess(session=s, rules=year.rules, rubric=year.rubric, year=2026, as_of=TODAY, org_code="T1")
    assert (page.name, page.orgs) == ("东山镇", {"village": 1, "unit": 1, "enterprise": 1})
    jan, feb, mar = page.months[:3]
    assert (jan.counts, jan.percent, jan.due) == ({"on_time": 1}, 100, True)
    assert (feb.counts, feb.percent, feb.due) == ({"overdue": 1}, 0, True)
    assert (mar.counts, mar.due, mar.percent) == ({"not_due": 1}, False, 0)
    assert page.result.score == expected.results[0].score and page.provisional
    assert [d.evidence for d in page.result.deductions] == [d.evidence for d in expected.results[0].deductions]
    assert page.result.deductions  # 东山镇 has missed its book signing: a deduction with its evidence
    assert [t.name for t in page.row.townships] == ["东山镇"]
    with pytest.raises(NotYours):
        with year.session() as s:
            township_page(session=s, rules=year.rules, rubric=year.rubric, year=2026, today=TODAY, township_id=t1,
                          only=t1 + 1)


def test_the_ranking_is_the_assessments_with_each_townships_analyses_so_far(year):
    from anquan.assessment.scoring import assess
    from anquan.console.ranking import ranking

    with year.session() as s:
        r = ranking(session=s, rules=year.rules, rubric=year.rubric, year=2026, today=TODAY, go_live=None)
        expected = assess(session=s, rules=year.rules, rubric=year.rubric, year=2026, as_of=TODAY)
        never = ranking(session=s, rules=year.rules, rubric=year.rubric, year=2030, today=TODAY, go_live=None)
    assert [(x.rank, x.result.org_name, x.result.score) for x in r.rows] == [
        (rank, t.org_name, t.score) for rank, t in expected.ranks()]
    by_name = {x.result.org_name: x for x in r.rows}
    # 东山镇: January reported, February returned and overdue; 西河乡: January waived, February late.
    assert (by_name["东山镇"].analyses_done, by_name["东山镇"].analyses_due, by_name["东山镇"].percent) == (1, 2, 50)
    assert (by_name["西河乡"].analyses_done, by_name["西河乡"].analyses_due) == (1, 1)
    assert r.provisional and never is None


def test_completion_by_township_and_month(year):
    from anquan.console.township import completion_by_township

    with year.session() as s:
        c = completion_by_township(session=s, rules=year.rules, year=2026, today=TODAY)
        t1 = obligation(year, "T1", "book_signing").org_id
        one = completion_by_township(session=s, rules=year.rules, year=2026, today=TODAY, only=t1)
    by_name = {t.name: c.months[t.id] for t in c.townships}
    assert [(m.done, m.owed, m.due) for m in by_name["东山镇"][:3]] == [(1, 1, True), (0, 1, True), (0, 1, False)]
    # 西河乡: January waived (owed by nobody), February reported late.
    assert [(m.owed, m.percent) for m in by_name["西河乡"][:2]] == [(0, None), (1, 100)]
    assert [t.name for t in one.townships] == ["东山镇"] and set(one.months) == {t1}

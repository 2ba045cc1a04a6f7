"""The kept counts of obligations (obligation_tally, migration 0015's triggers): after every kind of change the
table equals a recount from the obligations, and the year at a glance read from it equals the matrix counted
from the obligations; on SQLite and PostgreSQL. A count that drifts is found, and `rebuild` mends it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text, update

from anquan.campaigns import usecases as campaigns
from anquan.console import yearview
from anquan.cycle import tally, usecases as cycle
from anquan.cycle.planning import plan_year
from anquan.directory import usecases as directory
from anquan.models.db import session_scope
from anquan.models.obligations import Obligation, ObligationTally
from anquan.records import usecases as records
from anquan.rules.workcalendar import WorkCalendar
from tests.support.county import SMALL_CONTACTS, SMALL_ORGS, write_csvs
from tests.support.web import contact, obligation

OFFICIAL_2027 = ("year: 2027\nholidays:\n  spring_festival: {from: 2027-02-05, to: 2027-02-12}\n"
                 "  labour_day: {from: 2027-05-01, to: 2027-05-05}\n  national_day: {from: 2027-10-01, to: 2027-10-07}\n"
                 "workdays: [2027-01-30]\n")


def _exact(app, step: str) -> None:
    """The table is a recount, and the matrix from it is the matrix from the obligations (each year, two days)."""
    with app.session() as s:
        assert tally.differences(s) == [], step
        for year, today in ((2026, date(2026, 3, 10)), (2026, date(2026, 12, 31)), (2027, date(2027, 1, 20))):
            kept = yearview.matrix(session=s, rules=app.rules, year=year, today=today)
            counted = yearview.recounted_matrix(session=s, rules=app.rules, year=year, today=today)
            assert (kept.cells, kept.totals, kept.kinds) == (counted.cells, counted.totals, counted.kinds), step


def _plan(app, year: int, calendar=None, go_live=None) -> None:
    with session_scope(app.engine) as s:
        plan_year(session=s, rules=app.rules, calendar=calendar or app.calendar, year=year, go_live=go_live)


def _hazard(app, deadline: date) -> dict:
    return records.add_hazard(app, org_code="T1", year=2026, description="脚手架基础不稳", responsible_person="张伟",
                              measures="加固基础", deadline=deadline, emergency_plan="停止作业", funds="5万元",
                              enterprise_code="E1")


def _months(app, code: str) -> dict[str, int]:
    """An enterprise's monthly risk analyses of 2026: period → obligation id."""
    org_id = obligation(app, code, "monthly_risk_analysis").org_id
    with app.session() as s:
        return dict(s.execute(select(Obligation.period, Obligation.id).where(
            Obligation.org_id == org_id, Obligation.kind == "monthly_risk_analysis", Obligation.year == 2026)).all())


def test_every_change_of_an_obligation_keeps_the_counts_exact(app, small_dir, tmp_path):
    a = app
    a.today = lambda: date(2026, 3, 10)
    directory.import_directory(a, path=small_dir)
    holidays = tmp_path / "holidays"
    holidays.mkdir()
    _plan(a, 2027, calendar=WorkCalendar(holidays))  # estimated holidays: provisional due dates
    _plan(a, 2026, go_live=date(2026, 3, 1))  # January and February not tracked
    _exact(a, "planned")
    with a.session() as s:
        assert s.execute(select(ObligationTally).where(ObligationTally.status == "not_tracked")).first()
    (holidays / "2027.yaml").write_text(OFFICIAL_2027, encoding="utf-8")
    _plan(a, 2027, calendar=WorkCalendar(holidays))  # the official dates move the provisional ones
    _plan(a, 2026, go_live=date(2026, 2, 1))  # go-live moved earlier: February taken back up
    _exact(a, "re-planned")

    e1, e2 = _months(a, "E1"), _months(a, "E2")
    cycle.submit(a, obligation_id=e1["2026-02"], submitted_on=date(2026, 2, 20), today=date(2026, 2, 20))  # on time
    cycle.submit(a, obligation_id=e1["2026-03"], submitted_on=date(2026, 3, 10))  # early
    cycle.submit(a, obligation_id=e1["2026-03"], submitted_on=date(2026, 3, 10), note="补充")  # a resubmission
    cycle.return_report(a, contact=contact(a, "so1@t1.example"), obligation_id=e1["2026-02"], reason="缺少现场检查记录",
                        today=date(2026, 3, 10))  # 退回: open again
    records.report_on_behalf(a, contact=contact(a, "so1@t1.example"), obligation_id=e1["2026-02"],
                             submitted_on=date(2026, 3, 9), finding="none")  # 代报, late
    sheet = tmp_path / "submissions.csv"
    sheet.write_text(f"id,submitted_on,note\n{e2['2026-02']},2026-03-01,导入\n", encoding="utf-8")
    cycle.import_submissions(a, path=sheet)
    cycle.waive(a, obligation_id=e2["2026-04"], reason="停业整顿")
    _exact(a, "submitted, returned, on behalf, imported, waived")

    h = _hazard(a, date(2026, 4, 30))  # an event's obligation
    records.update_hazard(a, hazard_id=h["id"], deadline=date(2026, 5, 31))  # its due date moves
    records.close_hazard(a, hazard_id=h["id"], closed_on=date(2026, 3, 10))  # done, and an evaluation opens
    campaigns.start_campaign(a, params={"name": "建筑施工专项整治", "sectors": "construction", "townships": "all",
                                        "from_date": "2026-04-01", "to_date": "2026-05-31",
                                        "summary_due": "2026-06-10"})
    _exact(a, "hazard listed, moved, closed; campaign started")

    _hazard(a, date(2026, 1, 20))  # due before go-live: the tick leaves it untracked
    a.settings = a.settings.model_copy(update={"go_live": date(2026, 2, 1)})
    cycle.tick(a, as_of=date(2026, 3, 10))
    _exact(a, "ticked")

    moved = [r if r[0] != "E2" else ["E2", r[1], r[2], "T1", *r[4:]] for r in SMALL_ORGS]
    directory.import_directory(a, path=write_csvs(tmp_path / "moved", moved, SMALL_CONTACTS))  # E2 now in 东山镇
    _exact(a, "an enterprise moved to another township")
    with a.engine.begin() as c:  # writers around the use cases: the triggers count them too
        c.execute(update(Obligation).where(Obligation.id == e2["2026-05"]).values(status="late",
                                                                                   submitted_on=date(2026, 6, 1)))
        c.execute(text("DELETE FROM obligation WHERE id = :i"), {"i": e2["2026-12"]})
    _exact(a, "changed by hand")


def test_a_count_that_drifts_is_found_and_rebuilt(planned):
    """Writing the table around the triggers is what `differences` finds and `rebuild` (anquan db retally) mends."""
    a = planned
    with a.engine.begin() as c:
        c.execute(update(ObligationTally).where(ObligationTally.kind == "monthly_risk_analysis")
                  .values(n=ObligationTally.n + 1))
    with a.session() as s:
        wrong = tally.differences(s)
        kept = yearview.matrix(session=s, rules=a.rules, year=2026, today=date(2026, 3, 10))
        counted = yearview.recounted_matrix(session=s, rules=a.rules, year=2026, today=date(2026, 3, 10))
    assert len(wrong) == 24 and all(d.kept == d.recounted + 1 for d in wrong)  # 2 enterprises × 12 months
    assert kept.totals != counted.totals
    with a.session() as s:
        assert tally.rebuild(s) == wrong
    with a.session() as s:
        assert tally.differences(s) == [] and tally.rebuild(s) == []


def test_a_report_while_the_plan_runs_is_counted_once(planned, backend, tmp_path):
    """PostgreSQL: a report committed while a plan adds to the same count (township, kind, status, due date) from
    another connection; both changes are counted (the counts are added to, never overwritten)."""
    if backend != "postgresql":
        return  # SQLite has one writer: the report would wait for the plan
    a = planned
    a.today = lambda: date(2026, 3, 10)
    directory.import_directory(a, path=write_csvs(tmp_path / "more", SMALL_ORGS + [
        ["E3", "东山化工厂", "enterprise", "T1", "other", "20", "false"]], SMALL_CONTACTS + [
        ["E3", "冯厂长", "enterprise_principal", "boss@e3.example", ""]]))
    december = _months(a, "E1")["2026-12"]

    def meanwhile(_what, step, _steps):
        if step == 1:  # the plan's unit of work is under way; E1's December report comes in and commits
            cycle.submit(a, obligation_id=december, submitted_on=date(2026, 3, 10))

    report = cycle.plan(a, year=2026, progress=meanwhile)
    assert report.created["monthly_risk_analysis"] == 12  # E3's months, one of them counted with E1's December
    with a.session() as s:
        assert s.get(Obligation, december).status == "submitted"
    _exact(a, "a report during the plan")

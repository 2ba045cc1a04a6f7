from datetime import date

import pytest
from sqlalchemy import func, select

from anquan.app import App
from anquan.directory.importer import import_directory
from anquan.errors import AnquanError
from anquan.cycle.obligations import list_obligations
from anquan.cycle.planning import periods_for, plan_year
from anquan.rules.cycle import parse_rules
from anquan.rules.workcalendar import WorkCalendar
from anquan.models.db import session_scope
from anquan.models.directory import Organisation
from anquan.models.obligations import Obligation
from anquan.models.settings import DEFAULT_CYCLE_FILE
from tests.support import write_csvs


def _plan(app: App, year: int, rules=None, calendar=None):
    with session_scope(app.engine) as s:
        return plan_year(session=s, rules=rules or app.rules, calendar=calendar or app.calendar, year=year)


def _obligations(app: App, **filters) -> list[dict]:
    with session_scope(app.engine) as s:
        return list(list_obligations(session=s, **filters))


def _due(app, kind, org, period=None):
    rows = [r for r in _obligations(app, kind=kind, org_code=org) if period is None or r["period"] == period]
    assert len(rows) == 1, rows
    return date.fromisoformat(rows[0]["due_on"])


def test_plan_small_county_2026(app, small_dir):
    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    report = _plan(app, 2026)
    c = report.created
    assert c["book_signing"] == 2 + 2        # 2 townships, plus village V1 and unit U1
    assert c["quarterly_meeting"] == 8 and c["quarterly_inspection"] == 8
    assert c["holiday_inspection"] == 6      # 3 long holidays x 2 townships
    assert c["monthly_risk_analysis"] == 24  # 2 enterprises x 12 months
    assert c["midyear_report"] == 2 and c["annual_report"] == 2
    assert c["county_supervision"] == 8      # county x 2 townships x 4 quarters
    assert c["annual_assessment"] == 1
    assert report.warnings == [] and report.provisional_periods == []

    assert _due(app, "book_signing", "T1") == date(2026, 2, 28)
    assert _due(app, "quarterly_inspection", "T1", "2026-Q1") == date(2026, 4, 5)
    assert _due(app, "quarterly_inspection", "T1", "2026-Q4") == date(2027, 1, 5)
    assert _due(app, "quarterly_meeting", "T1", "2026-Q2") == date(2026, 6, 30)
    assert _due(app, "monthly_risk_analysis", "E1", "2026-02") == date(2026, 2, 28)
    assert _due(app, "midyear_report", "T1") == date(2026, 7, 5)
    assert _due(app, "annual_report", "T1") == date(2027, 1, 5)
    assert _due(app, "annual_assessment", "C1") == date(2027, 1, 20)
    # Holiday inspections fall on the last working day before each long holiday of 2026.
    assert _due(app, "holiday_inspection", "T1", "2026-spring_festival") == date(2026, 2, 14)
    assert _due(app, "holiday_inspection", "T1", "2026-labour_day") == date(2026, 4, 30)
    assert _due(app, "holiday_inspection", "T1", "2026-national_day") == date(2026, 9, 30)
    # The county's supervision of T2 is owed by the county, about T2.
    sup = [r for r in _obligations(app, kind="county_supervision", org_code="T2")]
    assert {(r["org_code"], r["subject_code"]) for r in sup} == {("C1", "T2")} and len(sup) == 4
    rows = _obligations(app, year=2026)
    assert all(r["status"] == "open" and r["submitted_on"] is None for r in rows)


def test_plan_is_idempotent_and_picks_up_new_enterprises(app, small_dir, tmp_path):
    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    first = _plan(app, 2026).total_created
    again = _plan(app, 2026)
    assert again.total_created == 0 and again.organisations_planned == 0
    with session_scope(app.engine) as s:
        import_directory(session=s, path=write_csvs(
            tmp_path / "new", [["E9", "新开企业", "enterprise", "T2", "fireworks", "30", "true"]],
            [["E9", "陈老板", "enterprise_principal", "boss@e9.example", ""]]))
    third = _plan(app, 2026)
    assert third.total_created == 12 and third.created["monthly_risk_analysis"] == 12
    assert third.organisations_planned == 1
    with session_scope(app.engine) as s:
        assert s.execute(select(func.count()).select_from(Obligation)).scalar_one() == first + 12


def test_changed_rules_replan_adds_only_the_new_kind(app, small_dir):
    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    first = _plan(app, 2026).total_created
    text = DEFAULT_CYCLE_FILE.read_text(encoding="utf-8") + (
        "\n  safety_month:\n    title: 安全生产月活动总结\n    owners:\n      - org_kinds: [township]\n"
        "        roles: [safety_office]\n    recurrence: yearly\n    due: {month: 6, day: last}\n"
    )
    rules = parse_rules(text)
    report = _plan(app, 2026, rules=rules)
    assert report.total_created == 2 and report.created["safety_month"] == 2
    with session_scope(app.engine) as s:
        assert s.execute(select(func.count()).select_from(Obligation)).scalar_one() == first + 2


def test_provisional_year_then_official_file(app, small_dir, tmp_path):
    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    holidays = tmp_path / "holidays"
    holidays.mkdir()
    report = _plan(app, 2027, calendar=WorkCalendar(holidays))
    assert any("2027: no official holiday arrangement" in w for w in report.warnings)
    assert "holiday_inspection:2027-spring_festival" in report.provisional_periods
    rows = _obligations(app, year=2027, kind="holiday_inspection", org_code="T1")
    assert rows and all(r["provisional"] for r in rows)
    # Other kinds do not depend on the calendar while rolling is off.
    assert not any(r["provisional"] for r in _obligations(app, year=2027, kind="midyear_report"))

    (holidays / "2027.yaml").write_text(
        "year: 2027\nholidays:\n"
        "  spring_festival: {from: 2027-02-05, to: 2027-02-12}\n"
        "  labour_day: {from: 2027-05-01, to: 2027-05-05}\n"
        "  national_day: {from: 2027-10-01, to: 2027-10-07}\n"
        "workdays: [2027-01-30]\n",
        encoding="utf-8",
    )
    second = _plan(app, 2027, calendar=WorkCalendar(holidays))
    assert second.total_created == 0
    assert second.updated_provisional >= 2  # T1 and T2 spring festival moved to the official dates
    rows = {r["period"]: r for r in _obligations(app, year=2027, kind="holiday_inspection", org_code="T1")}
    assert not any(r["provisional"] for r in rows.values())
    assert rows["2027-spring_festival"]["due_on"] == "2027-02-04"


def test_deadline_settings_inclusive_and_roll():
    cal = WorkCalendar(None)
    base = DEFAULT_CYCLE_FILE.read_text(encoding="utf-8")
    inclusive = parse_rules(base)
    exclusive = parse_rules(base.replace("inclusive: true", "inclusive: false"))
    rolled = parse_rules(base.replace("roll_forward_off_rest_days: false", "roll_forward_off_rest_days: true"))
    get = lambda rules, kind: periods_for(kind, rules=rules, calendar=cal, year=2026)[0]
    # "Before 5 July": inclusive keeps the 5th; exclusive makes the 4th the last day.
    assert get(inclusive, "midyear_report")[0].due_on == date(2026, 7, 5)
    assert get(exclusive, "midyear_report")[0].due_on == date(2026, 7, 4)
    assert get(exclusive, "midyear_report")[0].nominal_due_on == date(2026, 7, 5)
    # Dates without "before" are not moved by the inclusive setting.
    assert get(exclusive, "book_signing")[0].due_on == date(2026, 2, 28)
    # 5 July 2026 is a Sunday: "before 5 July" rolls EARLIER to Friday 3 July, never past the book's date
    # (it used to roll later, to Monday 6 July).
    assert get(rolled, "midyear_report")[0].due_on == date(2026, 7, 3)
    # Q3's inspection summary, nominally 5 Oct 2026, lies in the National Day holiday: rolled to 8 Oct.
    q3 = next(p for p in get(rolled, "quarterly_inspection") if p.period == "2026-Q3")
    assert q3.nominal_due_on == date(2026, 10, 5) and q3.due_on == date(2026, 10, 8)
    # Rolling into an unknown year marks the date provisional (annual report due 5 Jan 2027).
    annual = get(rolled, "annual_report")[0]
    assert annual.provisional is True
    assert get(inclusive, "annual_report")[0].provisional is False


def test_rolling_off_rest_days_never_passes_the_books_date():
    """The February signing (28 Feb 2027 is a Sunday) rolls to Friday 26 Feb, not to 1 March as it used to; a kind
    may say `roll: later`; a month's last day stays in the month."""
    cal = WorkCalendar(None)
    base = DEFAULT_CYCLE_FILE.read_text(encoding="utf-8").replace("roll_forward_off_rest_days: false",
                                                                 "roll_forward_off_rest_days: true")
    rolled = parse_rules(base)
    get = lambda rules, kind, year: periods_for(kind, rules=rules, calendar=cal, year=year)[0]
    book = get(rolled, "book_signing", 2027)[0]
    assert book.nominal_due_on == date(2027, 2, 28) and book.due_on == date(2027, 2, 26)
    may = next(p for p in get(rolled, "monthly_risk_analysis", 2026) if p.period == "2026-05")
    assert may.nominal_due_on == date(2026, 5, 31) and may.due_on == date(2026, 5, 29)
    later = parse_rules(base.replace("due: {month: 2, day: last}", "due: {month: 2, day: last, roll: later}"))
    assert get(later, "book_signing", 2027)[0].due_on == date(2027, 3, 1)


def test_first_action_is_the_earliest_reminder():
    cal = WorkCalendar(None)
    rules = parse_rules(DEFAULT_CYCLE_FILE.read_text(encoding="utf-8"))
    mid = periods_for("midyear_report", rules=rules, calendar=cal, year=2026)[0][0]
    # The shipped rules remind 21 days ahead first.
    assert mid.next_action_on == date(2026, 6, 14)


def test_year_out_of_range(app):
    with pytest.raises(AnquanError, match="year 1999 is out of range"):
        _plan(app, 1999)


def test_sample_county_2026(county):
    report = _plan(county, 2026)
    with session_scope(county.engine) as s:
        enterprises = s.execute(
            select(func.count()).select_from(Organisation).where(Organisation.kind == "enterprise")
        ).scalar_one()
    assert report.created["monthly_risk_analysis"] == enterprises * 12
    assert report.created["holiday_inspection"] == 8 * 3
    assert _plan(county, 2026).total_created == 0


def test_changed_organisation_is_planned_afresh(app, small_dir, tmp_path):
    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    _plan(app, 2026)
    # Village V1 turns out to be an enterprise in the fireworks trade.
    with session_scope(app.engine) as s:
        import_directory(session=s, path=write_csvs(
            tmp_path / "changed", [["V1", "上村烟花厂", "enterprise", "T1", "fireworks", "20", "true"]],
            [["V1", "厂长", "enterprise_principal", "boss@v1.example", ""]]))
    report = _plan(app, 2026)
    assert report.organisations_planned == 1
    assert report.created["monthly_risk_analysis"] == 12


def test_plan_runs_on_one_snapshot_on_postgresql(app, backend, small_dir):
    """On PostgreSQL the whole plan sees one snapshot, so stamps match exactly what was planned."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: a plan's transaction already excludes a concurrent import")
    from sqlalchemy import text

    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    with session_scope(app.engine) as s:
        plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026)
        assert s.execute(text("SHOW transaction_isolation")).scalar() == "repeatable read"
    with app.engine.connect() as c:  # the pool's connections go back to the default
        assert c.execute(text("SHOW transaction_isolation")).scalar() == "read committed"


def _pg_schema(app: App):
    """The foreign keys (with validity) and index definitions of obligation and plan_stamp."""
    from sqlalchemy import text

    with app.engine.connect() as c:
        keys = c.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid IN ('obligation'::regclass, 'plan_stamp'::regclass) ORDER BY 1, 2")).all()
        indexes = c.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('obligation', 'plan_stamp') ORDER BY 1")).all()
    return keys, indexes


def test_bulk_plan_creates_the_same_and_puts_keys_and_indexes_back(app, backend, small_dir):
    """bulk_threshold=1 forces the large-plan path (PostgreSQL; SQLite has none and plans as usual)."""
    from sqlalchemy import event, text

    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    before = _pg_schema(app) if backend == "postgresql" else None
    statements = []
    listener = lambda conn, cur, statement, *a: statements.append(statement)  # noqa: E731
    event.listen(app.engine, "before_cursor_execute", listener)
    try:
        # The plan's connection settings (PostgreSQL: work_mem, plan_cache_mode; SQLite:
        # cache_size) are put back before plan_year returns.
        show = (text("SELECT current_setting('work_mem'), current_setting('plan_cache_mode')")
                if backend == "postgresql" else text("PRAGMA cache_size"))
        with session_scope(app.engine) as s:
            settings = s.execute(show).one()
            report = plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026, bulk_threshold=1)
            assert s.execute(show).one() == settings
    finally:
        event.remove(app.engine, "before_cursor_execute", listener)
    assert report.total_created == 63 and report.created["monthly_risk_analysis"] == 24
    assert _due(app, "monthly_risk_analysis", "E1", "2026-02") == date(2026, 2, 28)
    if backend == "postgresql":
        assert any(st.startswith("LOCK TABLE organisation, obligation, plan_stamp") for st in statements)
        assert any(st.startswith("DROP INDEX") for st in statements)  # the table was empty: rebuilt
        keys, indexes = _pg_schema(app)
        assert (keys, indexes) == before
        assert all(valid for *_, valid in keys) and len([k for k in keys if "FOREIGN KEY" in k[2]]) == 3
        with app.engine.connect() as c:  # analysed, so that the next plan's estimates are right
            assert c.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'plan_stamp'")).scalar() == 7
    # Idempotent on the bulk path too, and a forced bulk re-plan of a planned year is harmless.
    assert _plan(app, 2026).total_created == 0
    with session_scope(app.engine) as s:
        assert plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026, bulk_threshold=1).total_created == 0


def test_bulk_plan_that_fails_leaves_nothing_and_the_constraints_in_place(app, backend, small_dir, monkeypatch):
    import anquan.cycle.planning as planning

    if backend != "postgresql":
        pytest.skip("the bulk path is PostgreSQL's")
    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    before = _pg_schema(app)

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(planning, "_stamp", boom)  # after every obligation is inserted
    with pytest.raises(RuntimeError, match="disk full"):
        with session_scope(app.engine) as s:
            plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026, bulk_threshold=1)
    assert _pg_schema(app) == before
    with session_scope(app.engine) as s:
        assert s.execute(select(func.count()).select_from(Obligation)).scalar_one() == 0
    monkeypatch.undo()
    assert _plan(app, 2026).total_created == 63


def test_bulk_plan_of_a_second_year_keeps_indexes_and_checks_keys(app, backend, small_dir):
    """A bulk plan smaller than the table keeps its indexes; the re-added keys still refuse bad rows."""
    from sqlalchemy import event, text
    from sqlalchemy.exc import IntegrityError

    if backend != "postgresql":
        pytest.skip("the bulk path is PostgreSQL's")
    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    _plan(app, 2026)
    _plan(app, 2027)
    with app.engine.connect() as c:  # the size the bulk path reads (pg_class.reltuples), made exact
        c.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE obligation"))
    before = _pg_schema(app)
    statements = []
    listener = lambda conn, cur, statement, *a: statements.append(statement)  # noqa: E731
    event.listen(app.engine, "before_cursor_execute", listener)
    try:
        with session_scope(app.engine) as s:
            assert plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2028, bulk_threshold=1).total_created == 63
    finally:
        event.remove(app.engine, "before_cursor_execute", listener)
    assert any(st.startswith("ALTER TABLE") and "DROP CONSTRAINT" in st for st in statements)
    assert not any(st.startswith("DROP INDEX") for st in statements)  # 63 rows planned, 126 there: kept
    assert _pg_schema(app) == before
    with pytest.raises(IntegrityError):
        with app.engine.begin() as c:
            c.execute(text("UPDATE obligation SET org_id = 999999 WHERE id = (SELECT min(id) FROM obligation)"))


def test_bulk_plan_with_busy_tables_plans_the_ordinary_way(app, backend, small_dir, monkeypatch):
    """Another transaction holding organisation: the plan waits BULK_LOCK_TIMEOUT at most, then plans without the bulk path."""
    import threading

    from sqlalchemy import text

    import anquan.cycle.bulkplan as bulkplan

    if backend != "postgresql":
        pytest.skip("the bulk path is PostgreSQL's")
    monkeypatch.setattr(bulkplan, "BULK_LOCK_TIMEOUT", "200ms")
    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    before = _pg_schema(app)
    holding, release = threading.Event(), threading.Event()

    def hold():  # a long reader: ACCESS SHARE on organisation conflicts with the bulk path's lock
        with app.engine.begin() as c:
            c.execute(text("LOCK TABLE organisation IN ACCESS SHARE MODE"))
            holding.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert holding.wait(10)
        with session_scope(app.engine) as s:
            report = plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026, bulk_threshold=1)
            assert s.execute(text("SELECT current_setting('lock_timeout')")).scalar() == "0"  # put back
    finally:
        release.set()
        t.join()
    assert report.total_created == 63
    assert any("planned without the bulk path" in w for w in report.warnings)
    assert _pg_schema(app) == before
    assert _plan(app, 2026).total_created == 0


def test_replan_of_a_planned_year_skips_the_bulk_path(app, backend, small_dir):
    """New rules unstamp every organisation, but the year is already there: no locks, no rebuilds."""
    from sqlalchemy import event

    if backend != "postgresql":
        pytest.skip("the bulk path is PostgreSQL's")
    with session_scope(app.engine) as s:
        import_directory(session=s, path=small_dir)
    _plan(app, 2026)
    changed = parse_rules(DEFAULT_CYCLE_FILE.read_text(encoding="utf-8").replace("reminders: [5]", "reminders: [6]", 1))
    statements = []
    listener = lambda conn, cur, statement, *a: statements.append(statement)  # noqa: E731
    event.listen(app.engine, "before_cursor_execute", listener)
    try:
        with session_scope(app.engine) as s:
            report = plan_year(session=s, rules=changed, calendar=app.calendar, year=2026, bulk_threshold=1)
    finally:
        event.remove(app.engine, "before_cursor_execute", listener)
    assert report.organisations_planned > 0 and report.total_created == 0
    assert not any(st.startswith("LOCK TABLE") for st in statements)


def test_the_plan_use_case_plans_on_one_snapshot_and_again_after_a_concurrent_report(app, backend, tmp_path):
    """Through the use case every front door calls, the plan sees one snapshot from its first statement (PostgreSQL).
    A report committed while it runs, on a count the plan then writes (the obligation tally), fails that snapshot:
    the use case plans again and the counts stay exact. (SQLite takes no snapshot for reads: it plans once.)"""
    from anquan.cycle import tally, usecases as cycle
    from anquan.directory import usecases as directory
    from tests.support.county import SMALL_CONTACTS, SMALL_ORGS
    from tests.support.web import obligation_id

    directory.import_directory(app, path=write_csvs(tmp_path / "small", SMALL_ORGS, SMALL_CONTACTS))
    cycle.plan(app, year=2026)
    newcomer = ["E3", "东山机械厂", "enterprise", "T1", "other", "20", "false"]
    directory.import_directory(app, path=write_csvs(tmp_path / "more", SMALL_ORGS + [newcomer], SMALL_CONTACTS))
    january = obligation_id(app, "E1", period="2026-01")
    starts = []

    def progress(stage, done, total):
        if done == 0:
            starts.append(stage)
            if len(starts) == 1:  # the plan has read what it plans; meanwhile E1 reports January, committed at once
                cycle.submit(app, obligation_id=january, submitted_on=date(2026, 1, 20), today=date(2026, 1, 20))

    report = cycle.plan(app, year=2026, progress=progress)
    assert len(starts) == (2 if backend == "postgresql" else 1)
    assert report.organisations_planned == 1 and report.created["monthly_risk_analysis"] == 12
    with session_scope(app.engine) as s:
        assert s.get(Obligation, january).status == "submitted"
        assert tally.differences(session=s, year=2026) == []

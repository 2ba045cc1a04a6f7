"""The daily tick: stages, digests, downtime, gaps, idempotency."""

from datetime import date

from sqlalchemy import func, select

from anquan.directory.importer import import_directory
from anquan.cycle.obligations import list_obligations, submit
from anquan.cycle.planning import plan_year
from anquan.cycle.tick import stages_for, tick
from anquan.models.db import session_scope
from anquan.models.obligations import Obligation
from anquan.models.outbox import Notice, OutboxMessage
from tests.support import SMALL_CONTACTS, SMALL_ORGS, write_csvs


def _tick(app, day):
    with session_scope(app.engine) as s:
        return tick(session=s, rules=app.rules, as_of=day, mail_from=app.settings.mail_from, tz=app.settings.tz)


def _messages(app):
    with session_scope(app.engine) as s:
        return s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def _notices(app, **where):
    with session_scope(app.engine) as s:
        q = select(Notice).order_by(Notice.id)
        for k, v in where.items():
            q = q.where(getattr(Notice, k) == v)
        return s.execute(q).scalars().all()


def _ob(app, kind, org, period):
    with session_scope(app.engine) as s:
        rows = [r for r in list_obligations(session=s, kind=kind, org_code=org) if r["period"] == period]
    return rows[0]["id"]


def test_stage_schedule_follows_the_rules(app):
    rule = app.rules.kind("monthly_risk_analysis")
    stages = stages_for(rule, date(2026, 3, 31))
    assert [(s.name, s.on) for s in stages] == [
        ("reminder-5", date(2026, 3, 26)), ("escalation-1", date(2026, 4, 1)), ("escalation-2", date(2026, 4, 5)),
        ("escalation-3", date(2026, 4, 10)), ("escalation-4", date(2026, 4, 20)),
    ]


def test_quiet_day_does_nothing(planned):
    report = _tick(planned, date(2026, 1, 2))
    assert report.messages == 0 and report.notices == 0
    assert _messages(planned) == []


def test_reminder_goes_to_the_owner_and_second_tick_sends_nothing(planned):
    # 26 Jan 2026: five days before January's monthly risk analysis is due.
    report = _tick(planned, date(2026, 1, 26))
    msgs = _messages(planned)
    to = sorted(m.to_addr for m in msgs)
    assert to == ["boss@e1.example", "boss@e2.example", "safety@e1.example"]
    assert all(m.template == "reminder" and m.stage == "reminder-5" for m in msgs)
    assert report.messages == 3 and report.obligations_actioned == 2
    again = _tick(planned, date(2026, 1, 26))
    assert again.messages == 0 and again.notices == 0
    assert len(_messages(planned)) == 3


def test_escalation_climbs_the_chain(planned):
    e2_jan = _ob(planned, "monthly_risk_analysis", "E2", "2026-01")
    _tick(planned, date(2026, 1, 26))
    seen = {}
    for day in [date(2026, 2, 1), date(2026, 2, 5), date(2026, 2, 10), date(2026, 2, 20)]:
        _tick(planned, day)
        seen[day] = {n.recipient_email for n in _notices(planned, obligation_id=e2_jan, tick_date=day)}
    # E2 sits in township T2, which has a head but no safety office and no deputy head:
    # stages 2 and 3 fall back up to the head, and the gap is reported.
    assert seen[date(2026, 2, 1)] == {"boss@e2.example"}
    assert seen[date(2026, 2, 5)] == {"head@t2.example"}
    assert seen[date(2026, 2, 10)] == {"head@t2.example"}
    assert seen[date(2026, 2, 20)] == {"head@t2.example", "office@county.example"}
    fallbacks = {n.fallback_from for n in _notices(planned, obligation_id=e2_jan, tick_date=date(2026, 2, 5))}
    assert fallbacks == {"safety_office"}


def test_gap_is_reported_not_dropped(planned):
    report = _tick(planned, date(2026, 2, 5))
    gaps = {(g["org_code"], g["role"], g["sent_to_role"]) for g in report.gaps}
    assert ("T2", "safety_office", "township_head") in gaps


def test_downtime_sends_only_the_latest_stage(planned):
    e1_jan = _ob(planned, "monthly_risk_analysis", "E1", "2026-01")
    # Nothing ran from before the reminder until 12 Feb: reminder-5, escalation-1..3 are all due.
    _tick(planned, date(2026, 2, 12))
    notices = _notices(planned, obligation_id=e1_jan)
    sent = {n.stage for n in notices if n.outcome == "notified"}
    skipped = {n.stage for n in notices if n.outcome == "skipped"}
    assert sent == {"escalation-3"}
    assert skipped == {"reminder-5", "escalation-1", "escalation-2"}
    with session_scope(planned.engine) as s:
        assert s.get(Obligation, e1_jan).next_action_on == date(2026, 2, 20)


def test_submission_stops_the_chain(planned):
    e1_jan = _ob(planned, "monthly_risk_analysis", "E1", "2026-01")
    _tick(planned, date(2026, 1, 26))
    with session_scope(planned.engine) as s:
        submit(session=s, obligation_id=e1_jan, today=date(2026, 2, 2), submitted_on=date(2026, 2, 2))
    for day in [date(2026, 2, 5), date(2026, 2, 10), date(2026, 2, 20), date(2026, 3, 1)]:
        _tick(planned, day)
    stages = {n.stage for n in _notices(planned, obligation_id=e1_jan)}
    assert stages == {"reminder-5"}


def test_digest_when_several_items_are_due(planned):
    # 20 Feb: escalation-4 of both enterprises' January analyses goes to the county office.
    _tick(planned, date(2026, 2, 20))
    msgs = {m.to_addr: m for m in _messages(planned)}
    county = msgs["office@county.example"]
    # The county office hears of E1's and E2's January analyses in one mail.
    with session_scope(planned.engine) as s:
        items = s.execute(select(func.count()).select_from(Notice).where(Notice.outbox_key == county.key)).scalar_one()
    assert items >= 2 and county.template == "digest"
    assert len([m for m in _messages(planned) if m.to_addr == "office@county.example"]) == 1


def test_nobody_to_notify_is_recorded(app, tmp_path):
    orgs = [r for r in SMALL_ORGS]
    contacts = [c for c in SMALL_CONTACTS if c[0] != "C1"]  # no county office at all
    with session_scope(app.engine) as s:
        import_directory(session=s, path=write_csvs(tmp_path / "nocounty", orgs, contacts))
        plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026)
    # The 2026 assessment is owed by the county office: its first reminder is 14 days before 20 Jan 2027.
    report = _tick(app, date(2027, 1, 6))
    assert any(g["role"] == "county_office" and g["sent_to_role"] is None for g in report.gaps)
    assert any(n.outcome == "no_recipient" for n in _notices(app))


def test_due_rows_are_read_from_the_head_of_the_index(planned):
    """The tick's batch query walks ix_obligation_next_action_on_id: no scan of every obligation, no sort.

    Each handled row moves past the day, so every batch is again the head of that index and a quiet
    day costs one short index probe however many obligations are stored.
    """
    from anquan.cycle.tick import due_batch

    stmt = due_batch(date(2026, 3, 26), 2000)
    with planned.engine.connect() as conn:
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "postgresql":
            # A tiny table would otherwise be read whole: ask whether an ordered index scan is available.
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
            conn.exec_driver_sql("RESET ALL")
            assert "ix_obligation_next_action_on_id" in plan, plan
            assert "Sort" not in plan, plan
        else:
            plan = "\n".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "ix_obligation_next_action_on_id" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
    # and the tick still handles every row due that day, batch after batch
    report = _tick(planned, date(2026, 3, 26))
    with session_scope(planned.engine) as s:
        left = s.execute(select(func.count()).select_from(Obligation)
                         .where(Obligation.next_action_on <= date(2026, 3, 26))).scalar_one()
    assert report.obligations_actioned > 0 and left == 0


def _text_to(app, addr, day):
    """The plain text of the mail the tick queued for `addr` on `day`."""
    from email import message_from_bytes, policy

    [m] = [m for m in _messages(app) if m.to_addr == addr and m.tick_date == day]
    return m.subject, message_from_bytes(m.raw, policy=policy.default).get_body(("plain",)).get_content()


def test_words_follow_the_audience_owner_reports_supervisor_urges_county_supervises(planned):
    """Issue 11: the owner is asked to report now (to its township's safety office), the safety office to urge
    with the owner's person, the county to 督办 with the history of who was told when."""
    for day in (date(2026, 4, 1), date(2026, 4, 5), date(2026, 4, 10), date(2026, 4, 20)):
        _tick(planned, day)
    subject, own = _text_to(planned, "boss@e1.example", date(2026, 4, 1))
    assert own.startswith("东山建筑公司主要负责人 孙经理同志：")
    assert "请立即补报（报送东山镇安监办）" in own and "请督促" not in own
    _, urge = _text_to(planned, "so1@t1.example", date(2026, 4, 5))
    assert urge.startswith("东山镇安监办 王安监同志：")
    assert "需您督促1项，请督促责任单位按时报送" in urge
    assert "东山建筑公司｜企业每月安全生产风险分析（2026年3月）｜3月31日｜逾期5天｜孙经理" in urge
    subject, county = _text_to(planned, "office@county.example", date(2026, 4, 20))
    assert county.startswith("测试县安委办 县安委办甲同志：")
    assert "需您督办4项，经逐级提醒仍未完成的，请督办责任单位限期补报" in county and "二、督办事项（4项）" in county
    assert "4月1日已提醒企业主要负责人孙经理等2人" in county and "4月5日已提醒东山镇安监办王安监等2人" in county
    assert "已提醒乡镇长" not in county and "已提醒分管安全副乡镇长" not in county
    for text in (own, urge, county):
        assert "乡(镇)" not in text and "#" not in text and "（E1）" not in text

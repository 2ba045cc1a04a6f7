"""The Prefect flows, run for real under Prefect's test harness (a temporary API server)."""

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from anquan.flows.schedule import newest_due
from anquan.models.db import session_scope
from anquan.models.outbox import OutboxMessage

# One Prefect test server per worker (prefect_harness, tests/flows/conftest.py): the flow tests share it (scripts/test
# runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("prefect")


@pytest.fixture(params=["sqlite"])
def backend(request):
    """The flows on one backend: they only parse, call a use case and present it, and every use case's queries are
    tested on both backends elsewhere; Prefect's runs are what this module tests (see tests/conftest.py)."""
    return request.param

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_plan_tick_and_deliver_flows(flow_app):
    from prefect.artifacts import Artifact

    from anquan.flows.cycle import daily_tick, deliver_mail, plan_year

    planned = plan_year(year=2026)
    assert planned["total_created"] > 4000
    ticked = daily_tick(day="2026-01-26")
    assert ticked["messages"] > 300 and ticked["date"] == "2026-01-26"
    with session_scope(flow_app.engine) as s:
        queued = s.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    assert queued == ticked["messages"]
    delivered = deliver_mail()
    assert delivered["backend"] == "folder" and delivered["sent"] == queued
    assert len(list(flow_app.settings.effective_mail_dir.glob("*.eml"))) == queued
    table = Artifact.get("anquan-daily-tick")
    assert table is not None and table.type == "table" and "QL01" in str(table.data)
    summary = Artifact.get("anquan-daily-tick-summary")
    assert summary is not None and "messages queued" in str(summary.data)
    # The same day again: the flow runs, nothing new is queued.
    assert daily_tick(day="2026-01-26")["messages"] == 0
    # The run log, also in a file under the data folder, each line in county time with its zone.
    log = (flow_app.settings.data_dir / "logs" / "anquan.log").read_text(encoding="utf-8")
    line = next(x for x in log.splitlines() if f"tick 2026-01-26: {ticked['messages']} messages queued" in x)
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CST\+0800 INFO anquan prefect\.flow_runs: ", line), line
    assert "planned 2026: " in log and f"delivered {queued}, deferred 0, failed 0" in log


def _artifact_text(key: str) -> str:
    from prefect.artifacts import Artifact

    artifact = Artifact.get(key)
    assert artifact is not None and artifact.type == "markdown", key
    return str(artifact.data)


def _run_scheduled(flow, when: datetime, return_type: str = "result"):
    """Run a flow as Prefect runs a scheduled one: a flow run in the Scheduled state for `when`."""
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow
    from prefect.states import Scheduled

    with get_client(sync_client=True) as client:
        flow_run = client.create_flow_run(flow, parameters={}, state=Scheduled(scheduled_time=when))
    return run_flow(flow, flow_run=flow_run, parameters={}, return_type=return_type)


def test_late_scheduled_run_uses_its_scheduled_date(flow_app, monkeypatch):
    from anquan.flows.cycle import daily_tick, plan_year

    plan_year(year=2026)
    # Scheduled for 08:00 on 26 Jan 2026 and started long after (now); the schedule fires
    # only on 26 Jan, so no newer run exists and this one acts for its own date.
    monkeypatch.setenv("ANQUAN_TICK_CRON", "0 8 26 1 *")
    result = _run_scheduled(daily_tick, datetime(2026, 1, 26, 8, 0, tzinfo=SHANGHAI))
    assert result.get("date") == "2026-01-26", result
    assert result["messages"] > 300


def test_missed_old_run_acts_for_the_newest_day(flow_app, monkeypatch):
    from anquan.flows.cycle import daily_tick, plan_year

    plan_year(year=2026)
    # A tick missed three days ago, started now that daily ticks have come due since: it acts for the newest
    # scheduled day (today's 08:00 or yesterday's), as the newest tick would, since the concurrency limit may
    # have cancelled that one while this one held the slot.
    monkeypatch.setenv("ANQUAN_TICK_CRON", "0 8 * * *")
    now = datetime.now(SHANGHAI)
    newest = (now if now.hour >= 8 else now - timedelta(days=1)).date()
    state = _run_scheduled(daily_tick, now - timedelta(days=3), return_type="state")
    assert state.is_completed() and state.name == "CaughtUp", state  # named so in the UI
    result = state.result()
    assert result["caught_up"] is True and result["date"] == newest.isoformat(), result
    # The newest tick, if it runs after all, finds the day done: nothing is queued twice.
    assert daily_tick(day=newest.isoformat())["messages"] == 0
    with session_scope(flow_app.engine) as s:
        assert s.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == result["messages"]


@pytest.mark.parametrize(
    "scheduled,now,cron,expected",
    [
        (datetime(2026, 6, 30, 8, 0, tzinfo=SHANGHAI), datetime(2026, 6, 30, 8, 5, tzinfo=SHANGHAI), "0 8 * * *", False),
        (datetime(2026, 6, 29, 8, 0, tzinfo=SHANGHAI), datetime(2026, 6, 30, 8, 5, tzinfo=SHANGHAI), "0 8 * * *", True),
        # Starting after midnight does not make a 23:59 run stale.
        (datetime(2026, 6, 30, 23, 59, tzinfo=SHANGHAI), datetime(2026, 7, 1, 0, 1, tzinfo=SHANGHAI), "59 23 * * *", False),
        # Prefect reports UTC; the cron is in county time.
        (datetime(2026, 6, 30, 0, 0, tzinfo=timezone.utc), datetime(2026, 6, 30, 0, 5, tzinfo=timezone.utc), "0 8 * * *", False),
        (datetime(2026, 6, 29, 0, 0, tzinfo=timezone.utc), datetime(2026, 6, 30, 0, 5, tzinfo=timezone.utc), "0 8 * * *", True),
        # Before today's run is due, yesterday's is still the newest.
        (datetime(2026, 6, 29, 8, 0, tzinfo=SHANGHAI), datetime(2026, 6, 30, 7, 0, tzinfo=SHANGHAI), "0 8 * * *", False),
    ],
)
def test_newest_due(scheduled, now, cron, expected):
    assert (newest_due(scheduled, now=now, cron=cron, tz=SHANGHAI) is not None) is expected


def test_deployments_are_on_county_time_crons(app):
    from anquan.flows.serve import deployments

    deps = {d.flow_name: d for d in deployments(app.settings)}
    assert set(deps) == {"daily_tick", "deliver_mail", "plan_year", "annual_assessment", "special_campaign",
                         "monthly_report", "sign_books", "quarterly_round", "major_event", "prune_history"}
    # One machine, no installation named: every deployment is the `anquan` one, tagged so.
    assert {d.name for d in deps.values()} == {"anquan"} and all(d.tags == ["anquan", "anquan"] for d in deps.values())
    assert deps["sign_books"].schedules[0].schedule.cron == "0 9 1 2 *"
    assert deps["quarterly_round"].schedules[0].schedule.cron == "0 8 1 1,4,7,10 *"
    assert deps["monthly_report"].schedules[0].schedule.cron == "0 7 1 * *"
    assert not deps["special_campaign"].schedules and not deps["major_event"].schedules
    # The two started by hand: Prefect's form in the office's words (office_schema), with no directory yet too.
    for name in ("special_campaign", "major_event"):
        props = deps[name]._parameter_openapi_schema.model_dump()["properties"]
        assert props["name"]["title"] == "名称" and props["townships"]["items"]["enum"] == ["全部乡镇"]
    assert deps["major_event"]._parameter_openapi_schema.model_dump()["properties"]["from_date"]["description"] == (
        "须晚于今天（重大活动须在开始前录入）")
    assert deps["annual_assessment"].schedules[0].schedule.cron == "0 9 15 1 *"
    tick_schedule = deps["daily_tick"].schedules[0].schedule
    assert tick_schedule.cron == "0 8 * * *" and tick_schedule.timezone == "Asia/Shanghai"
    assert deps["deliver_mail"].schedules[0].schedule.cron == "*/5 * * * *"
    assert deps["prune_history"].schedules[0].schedule.cron == "30 2 * * *"
    # One tick and one delivery at a time: a run that comes due while the last one still runs is cancelled.
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy

    for name in ("daily_tick", "deliver_mail"):
        assert deps[name].concurrency_limit == 1
        assert deps[name].concurrency_options.collision_strategy == ConcurrencyLimitStrategy.CANCEL_NEW
    assert all(d.concurrency_limit is None for name, d in deps.items() if name not in {"daily_tick", "deliver_mail"})


def test_deployments_carry_the_installation_name(app):
    from anquan.flows.serve import deployments

    settings = app.settings.model_copy(update={"installation": "qinglan", "timezone": "Asia/Urumqi"})
    deps = deployments(settings)
    assert {d.name for d in deps} == {"qinglan"} and all(d.tags == ["anquan", "qinglan"] for d in deps)
    assert {d.schedules[0].schedule.timezone for d in deps if d.schedules} == {"Asia/Urumqi"}


def test_annual_assessment_flow(flow_app):
    from prefect.artifacts import Artifact

    from anquan.flows.cycle import annual_assessment, plan_year

    plan_year(year=2026)
    rows = annual_assessment(year=2026)
    # Ranks: best first, equal results share a rank and the next skips (1, 1, 3), so not always 1..8 any more.
    ranks = [r["rank"] for r in rows]
    assert len(rows) == 8 and ranks[0] == 1 and ranks == sorted(ranks)
    assert all(rank == (i + 1 if i == 0 or (rows[i - 1]["score"], rows[i - 1]["vetoed"]) != (r["score"], r["vetoed"])
                        else ranks[i - 1]) for i, (rank, r) in enumerate(zip(ranks, rows)))
    assert all(r["grade"] in {"优秀", "良好", "合格", "不合格"} for r in rows)
    table = Artifact.get("anquan-annual-assessment")
    assert table is not None and "QL01" in str(table.data)
    folder = flow_app.settings.data_dir / "reports" / "2026"
    assert (folder / "assessment-2026-draft.xlsx").is_file() and (folder / "assessment-2026-draft.docx").is_file()
    with session_scope(flow_app.engine) as s:
        subjects = s.execute(select(OutboxMessage.subject)).scalars().all()
    # A draft: the 3 county office staff are asked to review it; no township head hears of it before the approval.
    assert [x for x in subjects if x.startswith("【履职考核】")] == ["【履职考核】青岚县2026年度乡镇安全生产履职考核结果草稿（待审定）（暂定）"] * 3


def test_special_campaign_flow_mails_arrive(flow_app, monkeypatch):
    """Started as the Prefect deployment would start it; delivered to a real SMTP server."""
    from anquan.flows.cycle import deliver_mail, special_campaign
    from tests.support.smtp import SmtpSink

    sink = SmtpSink().start()
    try:
        monkeypatch.setenv("ANQUAN_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ANQUAN_SMTP_PORT", str(sink.port))
        monkeypatch.setenv("ANQUAN_SMTP_SECURITY", "none")
        # As Prefect's form sends them (office_schema): the sectors and townships by their Chinese names.
        result = special_campaign(name="烟花爆竹安全专项整治", sectors=["烟花爆竹"], from_date="2026-12-01",
                                  to_date="2027-01-31", summary_due="2027-02-10", townships=["石门镇", "龙潭乡"])
        assert result["townships"] == ["QL01", "QL02"] and result["mails_queued"] > 0
        delivered = deliver_mail()
        assert delivered["backend"] == "smtp" and delivered["sent"] == result["mails_queued"]
        subjects = {str(r.message["Subject"]) for r in sink.received}
        assert any(s.startswith("【专项整治】烟花爆竹安全专项整治：请组织石门镇") for s in subjects)
        rcpts = {r.rcpt_tos[0] for r in sink.received}
        assert any(x.endswith("@qinglan.example") for x in rcpts)  # the township safety offices
        assert any("ql01e" in x or "ql02e" in x for x in rcpts)     # the fireworks enterprises
    finally:
        sink.stop()
    # What each run did, for IT, as artifacts keyed with the installation's name: counts and who was mailed.
    started, delivery = _artifact_text("anquan-special-campaign"), _artifact_text("anquan-deliver-mail")
    assert started.startswith("# Special campaign 烟花爆竹安全专项整治") and "sectors: fireworks" in started
    assert "campaign obligations (a summary per township): 2" in started
    assert f"mails queued: {result['mails_queued']}" in started and f"- sent: {delivered['sent']}" in delivery
    for text in (started, delivery):
        listed = re.findall(r"^- (campaign_\w+) \((\d+)\): (.*)$", text, re.M)
        assert sum(int(n) for _, n, _ in listed) == len(rcpts), text
        assert all(a in rcpts for *_, names in listed for a in re.findall(r"<([^>]+)>", names))


def test_deliver_flow_fails_once_when_the_login_is_refused(flow_app, monkeypatch):
    """A wrong SMTP password: the Prefect run fails with the reason (IT's alert), the mail waits, one login."""
    from anquan.flows.cycle import daily_tick, deliver_mail, plan_year
    from tests.support.smtp import SmtpSink

    plan_year(year=2026)
    queued = daily_tick(day="2026-01-26")["messages"]
    sink = SmtpSink(auth=True).start()
    sink.behaviour.refuse_logins = True
    try:
        for key, value in {"HOST": "127.0.0.1", "PORT": str(sink.port), "SECURITY": "none", "USERNAME": "anquan",
                           "PASSWORD": "wrong-password"}.items():
            monkeypatch.setenv(f"ANQUAN_SMTP_{key}", value)
        state = deliver_mail(return_state=True)
        assert state.is_failed()
        assert "535" in state.message and "wrong-password" not in state.message
        assert sink.logins == 1 and not sink.received
        with session_scope(flow_app.engine) as s:
            statuses = s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        assert dict(statuses) == {"pending": queued}
    finally:
        sink.stop()


def test_special_campaign_flow_refuses_bad_parameters(flow_app):
    """What no schema can check (a summary due before the campaign ends) with a bad name: both refused at once,
    the run Failed and named Refused, its message in the office's words, nothing written."""
    from anquan.flows.cycle import special_campaign
    from anquan.models.records import Campaign

    state = special_campaign(name="整", sectors=["烟花爆竹"], from_date="2026-12-01", to_date="2027-01-31",
                             summary_due="2027-01-01", return_state=True)
    assert state.is_failed() and state.name == "Refused"
    assert state.message == ("专项整治未启动：请填写专项整治名称（2至200个字，不换行）。"
                             "请填写有效的总结报送截止日期，且不早于结束日期。")
    with session_scope(flow_app.engine) as s:
        assert s.execute(select(func.count()).select_from(Campaign)).scalar_one() == 0


def test_monthly_report_flow(flow_app):
    from prefect.artifacts import Artifact

    from anquan.flows.cycle import monthly_report, plan_year

    plan_year(year=2026)
    result = monthly_report(year=2026, month=3)
    assert len(result["townships"]) == 8 and all(t["done"] == 0 for t in result["townships"])
    assert result["mails_queued"] == 19  # every township safety office
    assert "QL01" in str(Artifact.get("anquan-monthly-risk-analysis").data)
    assert monthly_report(year=2026, month=3)["mails_queued"] == 0


def test_sign_books_flow_delivers_books_over_smtp(flow_app, monkeypatch):
    """The February flow for real: books rendered, mailed to a real SMTP server, opening as .docx with the right names."""
    from anquan.flows.cycle import deliver_mail, plan_year, sign_books
    from tests.support.smtp import SmtpSink

    plan_year(year=2026)
    sink = SmtpSink().start()
    try:
        monkeypatch.setenv("ANQUAN_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ANQUAN_SMTP_PORT", str(sink.port))
        monkeypatch.setenv("ANQUAN_SMTP_SECURITY", "none")
        result = sign_books(year=2026)
        assert result["books"] == 116
        assert deliver_mail()["sent"] == result["mails_queued"]
    finally:
        sink.stop()
    assert len(sink.received) == result["mails_queued"]
    # A village without a safety officer sends its book to the township safety office instead.
    messages = [r.message for r in sink.received]
    township_mails = [m for m in messages if str(m["Subject"]).startswith("【责任书签订】请签订石门镇2026")]
    assert len(township_mails) == 1
    attachment = next(township_mails[0].iter_attachments())
    assert attachment.get_filename() == "2026-QL01-石门镇-安全生产目标责任书.docx"
    text = _docx_text(attachment)  # the parties sign side by side, in a table
    assert "（2026年度\u3000石门镇）" in text and "青岚县人民政府（盖章）" in text


def test_quarterly_round_flow(flow_app):
    from anquan.flows.cycle import plan_year, quarterly_round

    plan_year(year=2026)
    result = quarterly_round(year=2026, quarter=2)
    assert result["period"] == "2026-Q2" and result["townships"] == 8 and result["enterprises_told"] == 320
    with session_scope(flow_app.engine) as s:
        subjects = s.execute(select(OutboxMessage.subject)).scalars().all()
    assert sum(x.startswith("【自查自纠】") for x in subjects) == 320
    assert sum(x.startswith("【季度检查】石门镇2026年第2季度") for x in subjects) >= 2  # head and safety office
    assert sum(x.startswith("【督查计划】青岚县2026年第2季度") for x in subjects) == 3
    assert quarterly_round(year=2026, quarter=2)["mails_queued"] == 0


# -- every flow against a real SMTP server: what arrived, to whom, with which attachment --------------

@pytest.fixture
def smtp(flow_app, monkeypatch):
    """A real SMTP server on loopback, and the flows pointed at it."""
    from tests.support.smtp import SmtpSink

    sink = SmtpSink().start()
    monkeypatch.setenv("ANQUAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ANQUAN_SMTP_PORT", str(sink.port))
    monkeypatch.setenv("ANQUAN_SMTP_SECURITY", "none")
    yield sink
    sink.stop()


def _emails(app, org_code, *roles):
    from anquan.models.directory import Contact, Organisation

    with session_scope(app.engine) as s:
        return set(s.execute(
            select(Contact.email).join(Organisation, Organisation.id == Contact.org_id)
            .where(Organisation.code == org_code, Contact.active, Contact.role.in_(roles))
        ).scalars())


def _docx_text(part) -> str:
    import io

    from docx import Document

    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    doc = Document(io.BytesIO(part.get_content()))  # a valid .docx, or this raises
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_monthly_report_flow_over_smtp(flow_app, smtp):
    from anquan.flows.cycle import deliver_mail, monthly_report, plan_year

    plan_year(year=2026)
    result = monthly_report(year=2026, month=3)
    assert deliver_mail()["sent"] == result["mails_queued"] == len(smtp.received) == 19
    by_to = {r.rcpt_tos[0]: r.message for r in smtp.received}
    assert set(by_to) >= _emails(flow_app, "QL01", "safety_office") | _emails(flow_app, "QL04", "safety_office")
    msg = by_to[sorted(_emails(flow_app, "QL01", "safety_office"))[0]]
    assert str(msg["Subject"]).startswith("【风险分析月报】石门镇2026年3月企业风险分析完成0/")
    assert "未报" in msg.get_body(("plain",)).get_content()


def test_quarterly_round_flow_over_smtp(flow_app, smtp):
    from anquan.flows.cycle import deliver_mail, plan_year, quarterly_round

    plan_year(year=2026)
    result = quarterly_round(year=2026, quarter=3)
    assert deliver_mail()["sent"] == result["mails_queued"] == len(smtp.received)
    subjects = [(r.rcpt_tos[0], str(r.message["Subject"])) for r in smtp.received]
    county_office = _emails(flow_app, "QL", "county_office")
    assert {to for to, s in subjects if s == "【督查计划】青岚县2026年第3季度乡镇安全生产督查安排"} == county_office
    ql01_head = _emails(flow_app, "QL01", "township_head")
    assert any(to in ql01_head and s.startswith("【季度检查】石门镇2026年第3季度") for to, s in subjects)
    assert ("principal@ql04e006.example", "【自查自纠】请云溪金鹏烟花爆竹批发有限公司开展2026年第3季度安全隐患自查自纠") in subjects


def test_annual_assessment_flow_over_smtp(flow_app, smtp):
    from anquan.flows.cycle import annual_assessment, deliver_mail, plan_year

    plan_year(year=2026)
    annual_assessment(year=2026)
    assert deliver_mail()["sent"] == 3 == len(smtp.received)  # the draft: the county office only
    county_office = _emails(flow_app, "QL", "county_office")
    assert {r.rcpt_tos[0] for r in smtp.received} == county_office
    parts = {p.get_filename(): p for p in smtp.received[0].message.iter_attachments()}
    assert set(parts) == {"青岚县2026年度乡镇安全生产履职考核汇总表.xlsx", "青岚县2026年度乡镇安全生产履职考核结果通报（草稿）.docx"}
    text = _docx_text(parts["青岚县2026年度乡镇安全生产履职考核结果通报（草稿）.docx"])
    assert all(name in text for name in ("石门镇", "云溪乡", "白沙镇", "（草稿）")) and "{{" not in text and "{%" not in text


def test_daily_tick_flow_sends_the_duty_report_form_over_smtp(flow_app, smtp):
    """The mid-year report reminder carries the township's pre-filled 履职报告书 as a .docx."""
    from datetime import timedelta

    from anquan.cycle.obligations import list_obligations
    from anquan.flows.cycle import daily_tick, deliver_mail, plan_year

    plan_year(year=2026)
    with session_scope(flow_app.engine) as s:
        due = date.fromisoformat(next(iter(list_obligations(session=s, kind="midyear_report", org_code="QL01")))["due_on"])
    day = due - timedelta(days=21)
    ticked = daily_tick(day=day.isoformat())
    assert deliver_mail()["sent"] == ticked["messages"] == len(smtp.received)
    head = _emails(flow_app, "QL01", "township_head")
    mine = [r.message for r in smtp.received if r.rcpt_tos[0] in head]
    assert len(mine) == 1
    forms = [p for p in mine[0].iter_attachments() if p.get_filename().endswith(".docx")]
    assert [p.get_filename() for p in forms] == ["2026年石门镇半年安全生产工作履职报告书.docx"]
    text = _docx_text(forms[0])
    assert "石门镇" in text and "{{" not in text and "{%" not in text


def test_major_event_flow_over_smtp(flow_app, smtp, monkeypatch):
    from anquan.flows.cycle import deliver_mail, major_event

    result = major_event(name="全国两会", from_date="2027-03-03", to_date="2027-03-12", townships=["QL02"])
    assert result["townships"] == ["QL02"] and result["inspection_due"] == "2027-03-02"
    assert deliver_mail()["sent"] == result["mails_queued"] == len(smtp.received)
    assert {r.rcpt_tos[0] for r in smtp.received} == _emails(flow_app, "QL02", "safety_office", "deputy_head_safety")
    assert {str(r.message["Subject"]) for r in smtp.received} == {
        "【重大活动】全国两会：请龙潭乡于2027年3月2日前完成安全专项检查"}
    entered = _artifact_text("anquan-major-event")
    assert entered.startswith("# Major event 全国两会") and "inspections due 2027-03-02" in entered
    assert "townships (1): QL02" in entered and f"mails queued: {result['mails_queued']}" in entered
    assert all(r.rcpt_tos[0] in entered for r in smtp.received)  # who was mailed
    refused = major_event(name="全国两会", from_date="2027-03-03", to_date="2027-03-01", return_state=True)
    assert refused.is_failed() and refused.name == "Refused"
    assert refused.message == "重大活动未录入：请填写有效的结束日期，且不早于开始日期。"


def test_a_failed_tick_alerts_it_by_mail(prefect_harness, monkeypatch, tmp_path):
    """The database is unreachable: the tick fails, and the IT contact's alert arrives at a real SMTP server."""
    from tests.support.smtp import SmtpSink, free_port

    from anquan.flows.cycle import daily_tick

    sink = SmtpSink().start()
    try:
        for key, value in {"DATABASE_URL": f"postgresql://anquan@127.0.0.1:{free_port()}/anquan", "INSTALLATION": "qinglan",
                           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "SMTP_SECURITY": "none",
                           "IT_EMAIL": "it@qinglan.example", "MAIL_FROM": "青岚县安委办 <anquan@qinglan.example>",
                           "DATA_DIR": str(tmp_path)}.items():
            monkeypatch.setenv(f"ANQUAN_{key}", value)
        state = daily_tick(day="2026-03-10", return_state=True)
        assert state.is_failed()
    finally:
        sink.stop()
    assert [r.rcpt_tos for r in sink.received] == [["it@qinglan.example"]]
    msg = sink.received[0].message
    assert str(msg["Subject"]).startswith("[Anquan qinglan] daily_tick failed: run ")
    body = msg.get_body(("plain",)).get_content()
    assert "Installation: qinglan" in body and "State: Failed" in body and "Reason: " in body
    assert "connection" in body.lower() and "127.0.0.1" in body  # what failed, as Prefect recorded it


def test_a_failed_tick_without_an_it_contact_sends_nothing(prefect_harness, monkeypatch, tmp_path):
    from tests.support.smtp import SmtpSink, free_port

    from anquan.flows.cycle import daily_tick

    sink = SmtpSink().start()
    try:
        for key, value in {"DATABASE_URL": f"postgresql://anquan@127.0.0.1:{free_port()}/anquan",
                           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "SMTP_SECURITY": "none",
                           "DATA_DIR": str(tmp_path)}.items():
            monkeypatch.setenv(f"ANQUAN_{key}", value)
        assert daily_tick(day="2026-03-10", return_state=True).is_failed()
    finally:
        sink.stop()
    assert sink.received == []

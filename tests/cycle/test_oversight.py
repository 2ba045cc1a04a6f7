"""The township safety office's oversight: what it sees, returning a report (退回), recording one on an
organisation's behalf (代报), and the tick picking a returned duty up where its schedule stands."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from anquan.cycle import usecases as cycle
from anquan.cycle.mine import NotYours, duty_for
from anquan.cycle.returns import NotReturnable
from anquan.directory.importer import import_directory
from anquan.errors import InvalidValue
from anquan.models.directory import Contact, Organisation
from anquan.models.obligations import Obligation, Submission, SubmissionReturn
from anquan.models.outbox import Notice, OutboxMessage
from anquan.records.usecases import report_on_behalf
from tests.support.county import SMALL_CONTACTS, SMALL_ORGS, write_csvs
from tests.support.web import contact, obligation_id

SO = "so1@t1.example"  # 王安监, 东山镇安监办


def _at(app, day: date):
    app.today = lambda: day
    return app



def _tick(app, *days: date) -> None:
    for d in days:
        cycle.tick(_at(app, d), as_of=d)


def _notices(app, oid: int, **where) -> list[tuple[str, str, str]]:
    with app.session() as s:
        q = select(Notice.stage, Notice.outcome, Notice.recipient_email).where(Notice.obligation_id == oid)
        for k, v in where.items():
            q = q.where(getattr(Notice, k) == v)
        return sorted(s.execute(q).all())


def _web_report(app, oid: int, on: date, email: str = "boss@e1.example") -> None:
    cycle.submit(_at(app, on), obligation_id=oid, submitted_on=on, today=on, source="web",
                 contact_id=contact(app, email).id, client_addr="10.0.0.7")


# -- who oversees, what they see -----------------------------------------------------------

def test_the_safety_office_and_the_deputy_oversee_nobody_else_does(planned):
    assert [t.code for t in cycle.overseen_townships(planned, contact=contact(planned, SO))] == ["T1"]
    for other in ("head@t1.example", "boss@e1.example", "v1@t1.example", "office@county.example"):
        assert cycle.overseen_townships(planned, contact=contact(planned, other)) == []
        with pytest.raises(NotYours):
            cycle.township_page(planned, contact=contact(planned, other))
    with planned.session() as s:  # a deputy head in charge of safety at 西河乡, holding no other post
        t2 = s.execute(select(Organisation.id).where(Organisation.code == "T2")).scalar_one()
        s.add(Contact(org_id=t2, name="冯副乡长", role="deputy_head_safety", email="deputy@t2.example", phone="13900000002"))
    assert [t.code for t in cycle.overseen_townships(planned, contact=contact(planned, "deputy@t2.example"))] == ["T2"]


def test_the_month_view_counts_and_names_who_to_call(planned):
    a = _at(planned, date(2026, 3, 6))
    view = cycle.township_page(a, contact=contact(a, SO), month="2026-02")
    assert (view.township.name, view.year, view.month) == ("东山镇", 2026, 2)
    assert (view.counts.due, view.counts.reported, view.counts.overdue) == (1, 0, 1)
    [row] = view.enterprises  # E2 belongs to 西河乡
    assert (row.org_name, row.title, row.period_label, row.days_left) == ("东山建筑公司", "企业每月安全生产风险分析",
                                                                          "2026年2月", -6)
    assert [(r.name, r.role_label) for r in row.responsible] == [("孙经理", "企业主要负责人"), ("吴安全", "企业安全管理人员")]
    # The villages' and units' books: the village's safety officer stands in for its missing committee head.
    books = {r.org_name: r for r in view.villages}
    assert set(books) == {"上村", "东山中心小学"} and all(r.title == "签订安全生产目标责任书" for r in books.values())
    assert [r.name for r in books["上村"].responsible] == ["钱安全员"] and books["东山中心小学"].responsible == []
    assert (view.village_counts.due, view.village_counts.overdue) == (2, 2)
    # The default is this month; a month not offered (the future, garbage) reads as this month too.
    assert cycle.township_page(a, contact=contact(a, SO)).month == 3
    assert cycle.township_page(a, contact=contact(a, SO), month="2026-09").month == 3
    assert cycle.township_page(a, contact=contact(a, SO), month="x'; drop").month == 3
    with pytest.raises(NotYours):  # 西河乡 is not theirs
        with a.session() as s:
            t2 = s.execute(select(Organisation.id).where(Organisation.code == "T2")).scalar_one()
        cycle.township_page(a, contact=contact(a, SO), township_id=t2)


def test_a_web_report_shows_with_its_date_files_and_finding(planned, tmp_path):
    from anquan.records.usecases import submit_risk_analysis

    a = _at(planned, date(2026, 2, 25))
    oid = obligation_id(a, "E1")
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4 x")
    submit_risk_analysis(a, obligation_id=oid, submitted_on=date(2026, 2, 25), warning="3号储罐区可燃气体报警两次",
                         files=[(pdf, "二月分析.pdf")], source="web", contact_id=contact(a, "boss@e1.example").id)
    view = cycle.township_page(a, contact=contact(a, SO), month="2026-02")
    assert (view.counts.due, view.counts.reported, view.counts.overdue) == (1, 1, 0)
    report = view.enterprises[0].report
    assert (report.submitted_on, report.source, report.proxy_by) == (date(2026, 2, 25), "web", None)
    [(sid, name)] = report.files
    path, given = cycle.evidence_file(a, contact=contact(a, SO), obligation_id=oid, submission_id=sid)
    assert given == "二月分析.pdf" and path.read_bytes() == b"%PDF-1.4 x"
    for who, ob, sub in ((SO, oid, sid + 1), (SO, obligation_id(a, "E2"), sid), ("boss@e2.example", oid, sid)):
        with pytest.raises(NotYours):
            cycle.evidence_file(a, contact=contact(a, who), obligation_id=ob, submission_id=sub)
    assert report.findings == [("事故征兆", "3号储罐区可燃气体报警两次")]


# -- returning a report ----------------------------------------------------------------------

def test_a_return_reopens_the_duty_records_why_and_mails_the_enterprise_once(planned):
    a = _at(planned, date(2026, 2, 25))
    oid = obligation_id(a, "E1")
    _web_report(a, oid, date(2026, 2, 25))
    _at(a, date(2026, 3, 2))
    result = cycle.return_report(a, contact=contact(a, SO), obligation_id=oid, reason="未写明整改措施，请补充。",
                                 client_addr="10.1.2.3")
    assert (result.status, result.mails_queued) == ("open", 2)
    assert sorted(result.recipients) == ["boss@e1.example", "safety@e1.example"]
    with a.session() as s:
        ob = s.get(Obligation, oid)
        assert (ob.status, ob.submitted_on) == ("open", None)
        [ret] = s.execute(select(SubmissionReturn)).scalars().all()
        assert (ret.reason, ret.status_before, ret.submitted_on, ret.client_addr) == (
            "未写明整改措施，请补充。", "submitted", date(2026, 2, 25), "10.1.2.3")
        assert ret.contact_id == contact(a, SO).id and ret.returned_at is not None
        mails = s.execute(select(OutboxMessage).where(OutboxMessage.template == "report_returned")).scalars().all()
        assert s.execute(select(func.count()).select_from(Submission)).scalar_one() == 1  # history kept
    assert sorted(m.to_addr for m in mails) == ["boss@e1.example", "safety@e1.example"]
    text = message_from_bytes(mails[0].raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "未写明整改措施，请补充。" in text and "东山镇安监办王安监" in text and "2026年2月" in text
    assert "企业每月安全生产风险分析" in text and "2026年2月25日" in text and "/l/" in text
    # Open again: a second return is refused; the enterprise's page lists it as its own duty again.
    with pytest.raises(NotReturnable, match="only a reported duty"):
        cycle.return_report(a, contact=contact(a, SO), obligation_id=oid, reason="再次退回试试")
    with a.session() as s:
        assert duty_for(session=s, rules=a.rules, contact=contact(a, "boss@e1.example"), obligation_id=oid,
                        today=date(2026, 3, 2)).status == "open"


@pytest.mark.parametrize("reason", ["", "   ", "太短", "很" * 501])
def test_a_return_needs_a_reason_of_sensible_length_and_writes_nothing_without(planned, reason):
    a = _at(planned, date(2026, 2, 25))
    oid = obligation_id(a, "E1")
    _web_report(a, oid, date(2026, 2, 25))
    with pytest.raises(InvalidValue) as refused:
        cycle.return_report(a, contact=contact(a, SO), obligation_id=oid, reason=reason)
    assert refused.value.field == "reason"
    with a.session() as s:
        assert s.get(Obligation, oid).status == "submitted"
        assert s.execute(select(func.count()).select_from(SubmissionReturn)).scalar_one() == 0


def test_nobody_returns_what_is_not_theirs(planned):
    a = _at(planned, date(2026, 2, 25))
    e1, e2 = obligation_id(a, "E1"), obligation_id(a, "E2")
    _web_report(a, e1, date(2026, 2, 25))
    _web_report(a, e2, date(2026, 2, 25), email="boss@e2.example")
    with a.session() as s:  # the township's own book with the county: not the safety office's to return
        t1_book = s.execute(select(Obligation.id).join(Organisation, Organisation.id == Obligation.org_id)
                            .where(Organisation.code == "T1", Obligation.kind == "book_signing")).scalar_one()
    cycle.submit(a, obligation_id=t1_book, submitted_on=date(2026, 2, 25), today=date(2026, 2, 25))
    for email, oid in ((SO, e2), (SO, t1_book), ("head@t1.example", e1), ("boss@e1.example", e1), (SO, 10 ** 9)):
        with pytest.raises(NotYours):
            cycle.return_report(a, contact=contact(a, email), obligation_id=oid, reason="不符合要求，请重报")
    with a.session() as s:
        assert s.execute(select(func.count()).select_from(SubmissionReturn)).scalar_one() == 0


# -- the tick after a return --------------------------------------------------------------------

def test_returned_after_its_reminder_the_next_tick_sends_the_stage_due_now(planned):
    """Reported after the reminder, returned on 6 March: the tick goes on from 1 March, sends the stage due
    (the safety office, 5 days overdue), skips the owner's 1 March stage, and never repeats the reminder."""
    a = planned
    oid = obligation_id(a, "E1")
    _tick(a, date(2026, 2, 23))
    reminders = _notices(a, oid)
    assert {s for s, _, _ in reminders} == {"reminder-5"}
    _web_report(a, oid, date(2026, 2, 25))
    _tick(a, date(2026, 3, 1), date(2026, 3, 5))
    assert _notices(a, oid) == reminders  # reported: nothing more
    result = cycle.return_report(_at(a, date(2026, 3, 6)), contact=contact(a, SO), obligation_id=oid, reason="附件缺失，请补充")
    assert result.next_action_on == date(2026, 3, 1)
    _tick(a, date(2026, 3, 6))
    assert _notices(a, oid, tick_date=date(2026, 3, 6)) == [
        ("escalation-1", "skipped", ""), ("escalation-2", "notified", "so1@t1.example"),
        ("escalation-2", "notified", "so2@t1.example")]
    _tick(a, date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9))
    assert len(_notices(a, oid)) == len(reminders) + 3
    _tick(a, date(2026, 3, 10))  # the deputy's stage; T1 has no deputy: the township head stands in
    assert _notices(a, oid, tick_date=date(2026, 3, 10)) == [("escalation-3", "notified", "head@t1.example")]
    assert [s for s, _, _ in _notices(a, oid)].count("reminder-5") == 2  # boss and safety manager, once each


def test_returned_after_a_stage_was_sent_that_stage_is_never_sent_again(planned):
    a = planned
    oid = obligation_id(a, "E1")
    _tick(a, date(2026, 2, 23), date(2026, 3, 1))  # the reminder, then the owner's first escalation
    first = _notices(a, oid, stage="escalation-1")
    assert {e for _, _, e in first} == {"boss@e1.example", "safety@e1.example"}
    _web_report(a, oid, date(2026, 3, 3))
    result = cycle.return_report(_at(a, date(2026, 3, 4)), contact=contact(a, SO), obligation_id=oid,
                                 reason="风险分析内容过于简单，请补充")
    assert result.next_action_on == date(2026, 3, 5)
    _tick(a, date(2026, 3, 4))
    assert _notices(a, oid, tick_date=date(2026, 3, 4)) == []
    _tick(a, date(2026, 3, 5))
    assert [s for s, _, _ in _notices(a, oid, tick_date=date(2026, 3, 5))] == ["escalation-2", "escalation-2"]
    assert _notices(a, oid, stage="escalation-1") == first


def test_returned_before_its_reminder_the_reminder_comes_on_its_day(planned):
    a = planned
    oid = obligation_id(a, "E1")
    _web_report(a, oid, date(2026, 2, 20))
    cycle.return_report(_at(a, date(2026, 2, 21)), contact=contact(a, SO), obligation_id=oid, reason="请附风险分析记录表")
    _tick(a, date(2026, 2, 22))
    assert _notices(a, oid) == []
    _tick(a, date(2026, 2, 23))
    assert _notices(a, oid) == [("reminder-5", "notified", "boss@e1.example"),
                                ("reminder-5", "notified", "safety@e1.example")]


def test_a_second_return_is_a_second_mail(planned):
    a = planned
    oid = obligation_id(a, "E1")
    for day, reason in ((date(2026, 2, 25), "附件缺失，请补充"), (date(2026, 2, 26), "仍缺少签字页，请补充")):
        _web_report(a, oid, day)
        assert cycle.return_report(_at(a, day), contact=contact(a, SO), obligation_id=oid, reason=reason).mails_queued == 2
    with a.session() as s:
        assert s.execute(select(func.count()).select_from(OutboxMessage)
                         .where(OutboxMessage.template == "report_returned")).scalar_one() == 4


# -- recording on behalf (代报) ---------------------------------------------------------------

def test_a_report_on_behalf_is_the_same_submit_marked_proxy(planned):
    a = _at(planned, date(2026, 3, 2))
    oid = obligation_id(a, "E1")
    result = report_on_behalf(a, contact=contact(a, SO), obligation_id=oid, submitted_on=date(2026, 2, 27),
                              note="企业电话报告，纸质材料已交镇安监办", finding="none", client_addr="10.0.0.9")
    assert (result.status, result.first) == ("submitted", True)
    with a.session() as s:
        [sub] = s.execute(select(Submission).where(Submission.obligation_id == oid)).scalars().all()
        assert (sub.source, sub.contact_id, sub.client_addr) == ("proxy", contact(a, SO).id, "10.0.0.9")
    view = cycle.township_page(a, contact=contact(a, SO), month="2026-02")
    assert view.enterprises[0].report.proxy_by == "王安监"
    shown = cycle.show_obligation(a, obligation_id=oid)["submissions"][0]
    assert (shown["source"], shown["recorded_by"]) == ("proxy", "王安监")
    with a.session() as s:  # the enterprise's own page marks it too
        own = duty_for(session=s, rules=a.rules, contact=contact(a, "boss@e1.example"), obligation_id=oid,
                       today=date(2026, 3, 2))
    assert own.submissions[0]["source"] == "proxy" and own.submissions[0]["by"] == "王安监"


def test_a_report_on_behalf_of_a_village_and_a_refusal_elsewhere(planned):
    a = _at(planned, date(2026, 3, 2))
    book = obligation_id(a, "V1", kind="book_signing", period="2026")
    report_on_behalf(a, contact=contact(a, SO), obligation_id=book, submitted_on=date(2026, 2, 27), note="已签字盖章")
    assert cycle.show_obligation(a, obligation_id=book)["status"] == "submitted"
    with pytest.raises(NotYours):
        report_on_behalf(a, contact=contact(a, SO), obligation_id=obligation_id(a, "E2"), submitted_on=date(2026, 2, 27))
    with pytest.raises(NotYours):
        report_on_behalf(a, contact=contact(a, "boss@e1.example"), obligation_id=obligation_id(a, "E1"),
                         submitted_on=date(2026, 2, 27))
    assert cycle.show_obligation(a, obligation_id=obligation_id(a, "E2"))["submissions"] == []


# -- a large township ------------------------------------------------------------------------

def test_a_township_of_320_enterprises_is_paged_open_ones_first(app, tmp_path):
    orgs = SMALL_ORGS + [[f"E{i:03d}X", f"东山第{i}企业", "enterprise", "T1", "other", "10", "false"]
                         for i in range(320)]
    contacts = SMALL_CONTACTS + [[f"E{i:03d}X", f"负责人{i}", "enterprise_principal", f"p{i}@x.example", ""]
                                 for i in range(320)]
    a = _at(app, date(2026, 3, 6))
    with a.session() as s:
        import_directory(session=s, path=write_csvs(tmp_path / "big", orgs, contacts))
    cycle.plan(a, year=2026)
    cycle.submit_all(a, obligation_ids=[obligation_id(a, f"E{i:03d}X") for i in range(0, 320, 2)], on=date(2026, 2, 26))
    so = contact(a, SO)
    first = cycle.township_page(a, contact=so, month="2026-02")
    assert (first.counts.due, first.counts.reported, first.counts.overdue) == (321, 160, 161)
    assert (first.pages, first.listed, len(first.enterprises)) == (7, 321, 50)
    assert all(not r.reported for r in first.enterprises)
    last = cycle.township_page(a, contact=so, month="2026-02", page=7)
    assert len(last.enterprises) == 21 and all(r.reported for r in last.enterprises)
    done = cycle.township_page(a, contact=so, month="2026-02", show="done", page=99)
    assert (done.listed, done.pages, done.page) == (160, 4, 4)


def test_a_warning_sign_reported_on_behalf_takes_the_alert_path(planned):
    from anquan.models.records import RiskAlert

    a = _at(planned, date(2026, 3, 2))
    oid = obligation_id(a, "E1")
    report_on_behalf(a, contact=contact(a, SO), obligation_id=oid, submitted_on=date(2026, 2, 27),
                     finding="warning_sign", finding_text="3号储罐区可燃气体报警两次", measures="停用3号储罐")
    with a.session() as s:
        [alert] = s.execute(select(RiskAlert)).scalars().all()
        queued = s.execute(select(OutboxMessage.to_addr).where(OutboxMessage.template == "risk_alert")).scalars().all()
    assert (alert.obligation_id, alert.kind) == (oid, "warning_sign")
    assert set(queued) == {"so1@t1.example", "so2@t1.example", "office@county.example"}
    report = cycle.township_page(a, contact=contact(a, SO), month="2026-02").enterprises[0].report
    assert report.findings == [("事故征兆", "3号储罐区可燃气体报警两次")] and report.proxy_by == "王安监"


def test_the_command_line_shows_proxy_and_returns(planned):
    from typer.testing import CliRunner

    from anquan.cli import app as cli

    a = _at(planned, date(2026, 3, 2))
    oid = obligation_id(a, "E1")
    report_on_behalf(a, contact=contact(a, SO), obligation_id=oid, submitted_on=date(2026, 2, 27), finding="none",
                     note="纸质材料")
    cycle.return_report(a, contact=contact(a, SO), obligation_id=oid, reason="缺少签字页，请补充")
    env = {"ANQUAN_DATABASE_URL": a.settings.effective_database_url, "ANQUAN_DATA_DIR": str(a.settings.data_dir)}
    out = CliRunner().invoke(cli, ["obligations", "show", str(oid)], env=env).stdout
    assert "(proxy by 王安监) 纸质材料" in out and "returned" in out and "by 王安监: 缺少签字页，请补充" in out


def test_two_returns_at_once_one_wins_and_one_mail_set_goes(planned):
    """Both safety office staff press 退回 at the same moment: the obligation's lock makes them take turns."""
    import threading

    a = _at(planned, date(2026, 2, 25))
    oid = obligation_id(a, "E1")
    _web_report(a, oid, date(2026, 2, 25))
    start, outcomes = threading.Barrier(2), []

    def press(email: str) -> None:
        start.wait()
        try:
            cycle.return_report(a, contact=contact(a, email), obligation_id=oid, reason=f"{email}：请补充材料")
            outcomes.append("returned")
        except NotReturnable:
            outcomes.append("refused")

    threads = [threading.Thread(target=press, args=(e,)) for e in (SO, "so2@t1.example")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["refused", "returned"]
    with a.session() as s:
        assert s.execute(select(func.count()).select_from(SubmissionReturn)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(OutboxMessage)
                         .where(OutboxMessage.template == "report_returned")).scalar_one() == 2

"""The assessment's approval step, on both backends: the January draft mails no township head and takes no number;
drafting again replaces the draft; only a county admin approves; the approval mails the township heads once and
numbers the notice; approving or drafting again afterwards is refused and sends nothing; objections are recorded
within 5 working days after the results were mailed and refused after, then handled."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from anquan.accounts.accounts import Actor
from anquan.assessment import usecases as assessment
from anquan.assessment.approval import AlreadyApproved, ObjectionInput, ObjectionTooLate
from anquan.errors import AnquanError, InvalidValue
from anquan.models.accounts import ConsoleAudit
from anquan.records import usecases as records
from tests.support import outbox
from tests.support.console import make_user

RUN = date(2027, 1, 15)  # a Friday: the 5th working day after it is Friday 22 January
ADMIN = "huang.jie.ql@qinglan.example"  # 黄杰, 县安委办
STAFF = "zeng.cheng.ql@qinglan.example"  # 曾成, 县安委办
OFFICE = {ADMIN, STAFF, "zhao.hongqiang.ql@qinglan.example"}
QL01_HEAD = "li.junwei.ql01@qinglan.example"


def _body(message) -> str:
    return message_from_bytes(message.raw, policy=policy.default).get_body(("plain",)).get_content()


def _to(app) -> list[str]:
    return sorted(m.to_addr for m in outbox(app))


def test_draft_then_one_approval_then_objections(planned_county, tmp_path):
    a = planned_county
    drafted = assessment.draft_year(a, year=2026, on=RUN, folder=tmp_path)
    assert [p.name for p in drafted.written] == ["assessment-2026-draft.xlsx", "assessment-2026-draft.docx"]
    assert set(_to(a)) == OFFICE and drafted.mails_queued == 3  # the county office only: no township head
    assert all("草稿" in m.subject for m in outbox(a))
    assert assessment.recorded(a, year=2026).record.notice_number is None

    # Drafting again before the approval replaces the draft (a supervision finding came in meanwhile).
    records.add_adjustment(a, org_code="QL02", year=2026, points="-3", item="督查发现问题", reason="四季度督查台账不全")
    assessment.draft_year(a, year=2026, on=RUN, folder=tmp_path)
    view = assessment.recorded(a, year=2026)
    ql02 = next(r for r in view.assessment.results if r.org_code == "QL02")
    assert ql02.deductions[-1].evidence == "县安委会调整：四季度督查台账不全" and len(view.assessment.results) == 8
    assert not view.approved and len(outbox(a)) == 6  # the changed draft told to the office again

    admin, staff = make_user(a, ADMIN, "county_admin"), make_user(a, STAFF, "county_staff")
    with pytest.raises(InvalidValue) as refused:
        assessment.approve_year(a, year=2026, login=staff, actor=Actor(2, staff), on=RUN, folder=tmp_path, deliver=False)
    assert refused.value.field == "approver" and len(outbox(a)) == 6

    approved = assessment.approve_year(a, year=2026, login=admin, actor=Actor(1, admin), on=RUN, folder=tmp_path,
                                       deliver=False)
    assert approved.notice_number == "青安委〔2027〕1号" and approved.closed == 1
    assert approved.mails_queued == 8 + 3 and len(outbox(a)) == 6 + 11
    heads = [m for m in outbox(a) if m.to_addr not in OFFICE]
    assert len(heads) == 8 and any(m.to_addr == QL01_HEAD for m in heads)
    assert all("5个工作日内（截至2027年1月22日）" in _body(m) for m in heads)
    assert [p.name for p in approved.written] == ["assessment-2026.xlsx", "assessment-2026.docx"]

    for again in (lambda: assessment.approve_year(a, year=2026, login=admin, actor=Actor(1, admin), on=RUN,
                                                  folder=tmp_path, deliver=False),
                  lambda: assessment.draft_year(a, year=2026, on=RUN, folder=tmp_path)):
        with pytest.raises(AlreadyApproved):
            again()
    assert len(outbox(a)) == 17
    with a.session() as s:
        actions = s.execute(select(ConsoleAudit.action, ConsoleAudit.actor)).all()
    assert ("assessment_approve", admin) in actions

    # Objections: received within 5 working days after the mail (until 22 January), refused after.
    def objection(received, code="QL02"):
        return assessment.record_objection(a, year=2026, actor=Actor(2, staff), today=date(2027, 1, 26),
                                           entry=ObjectionInput(code, "龙潭乡人民政府 张乡长", "四季度督查台账已补齐，请复核。",
                                                                received))
    with pytest.raises(ObjectionTooLate) as late:
        objection(date(2027, 1, 25))
    assert late.value.field == "received_on" and late.value.deadline == date(2027, 1, 22)
    with pytest.raises(AnquanError) as early:
        objection(date(2027, 1, 14))
    assert early.value.field == "received_on"
    oid = objection(date(2027, 1, 22))
    assessment.decide_objection(a, objection_id=oid, outcome="upheld", note="台账补齐在督查之后，维持原扣分。",
                                actor=Actor(1, admin))
    with pytest.raises(InvalidValue):
        assessment.decide_objection(a, objection_id=oid, outcome="adjusted", note="再次办理", actor=Actor(1, admin))
    mine = assessment.recorded(a, year=2026, org_id=ql02.org_id)
    assert [(o.org_name, o.outcome_label, o.received_on) for o in mine.objections] == [("龙潭乡", "维持", date(2027, 1, 22))]
    assert mine.objections_until == date(2027, 1, 22)
    assert len(outbox(a)) == 17


def test_a_provisional_draft_is_not_approved(planned_county, tmp_path):
    """Scored before the year-end reports fell due (5 January), the draft cannot be approved: draft it again."""
    a = planned_county
    assessment.draft_year(a, year=2026, on=date(2026, 12, 20), folder=tmp_path)
    admin = make_user(a, ADMIN, "county_admin")
    with pytest.raises(InvalidValue) as refused:
        assessment.approve_year(a, year=2026, login=admin, actor=Actor(1, admin), on=date(2026, 12, 20),
                                folder=tmp_path, deliver=False)
    assert refused.value.field == "year" and "provisional" in str(refused.value)
    assert set(_to(a)) == OFFICE

"""The same report sent twice (a double click, a resent form) is recorded once; a later resubmission is history.

The pages send back `seen`, the newest submission the person saw; `submit` holds the obligation locked while it
looks for a newer one by the same contact with the same content.
"""

from __future__ import annotations

import threading
import time
from datetime import date

from sqlalchemy import select

from anquan.cycle.obligations import lock_obligation, submit
from anquan.models.db import session_scope
from anquan.models.directory import Contact, Organisation
from anquan.models.obligations import Obligation, Submission

TODAY = date(2026, 11, 29)
ON = date(2026, 4, 3)


def _setup(app) -> tuple[int, int, int]:
    """T1's first-quarter inspection, and two of T1's contacts."""
    with session_scope(app.engine) as s:
        t1 = s.execute(select(Organisation.id).where(Organisation.code == "T1")).scalar_one()
        oid = s.execute(select(Obligation.id).where(Obligation.org_id == t1, Obligation.kind == "quarterly_inspection",
                                                    Obligation.period == "2026-Q1")).scalar_one()
        a, b = s.execute(select(Contact.id).where(Contact.org_id == t1).order_by(Contact.id).limit(2)).scalars()
    return oid, a, b


def _submit(app, oid, **kw):
    kw.setdefault("submitted_on", ON)
    with session_scope(app.engine) as s:
        return submit(session=s, obligation_id=oid, today=TODAY, source="web", **kw)


def _rows(app, oid) -> list[Submission]:
    with session_scope(app.engine) as s:
        return s.execute(select(Submission).where(Submission.obligation_id == oid).order_by(Submission.id)).scalars().all()


def test_the_same_form_sent_twice_is_one_report(planned, tmp_path):
    oid, me, _ = _setup(planned)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    form = dict(contact_id=me, seen=0, note="已完成", files=[(scan, "检查记录.pdf")], files_dir=planned.settings.files_dir)
    first = _submit(planned, oid, **form)
    again = _submit(planned, oid, **form)
    assert first.first and not first.repeated
    assert again.repeated and (again.submission_id, again.status, again.submitted_on) == (first.submission_id, "submitted", ON)
    assert len(_rows(planned, oid)) == 1


def test_a_later_resubmission_is_kept_as_history(planned):
    oid, me, _ = _setup(planned)
    first = _submit(planned, oid, contact_id=me, seen=0, note="已完成")
    # The person saw the first report on the page, then reported again (the same words): a new report.
    second = _submit(planned, oid, contact_id=me, seen=first.submission_id, note="已完成")
    assert not second.repeated and second.submission_id > first.submission_id
    assert [r.note for r in _rows(planned, oid)] == ["已完成", "已完成"]


def test_the_old_form_changed_and_sent_again_is_kept(planned, tmp_path):
    """Back to the form, a file added or the note changed: what is new is not thrown away."""
    oid, me, _ = _setup(planned)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    _submit(planned, oid, contact_id=me, seen=0, note="已完成")
    with_file = _submit(planned, oid, contact_id=me, seen=0, note="已完成", files=[(scan, "a.pdf")],
                        files_dir=planned.settings.files_dir)
    other_date = _submit(planned, oid, contact_id=me, seen=0, note="已完成", submitted_on=date(2026, 4, 2))
    assert not with_file.repeated and not other_date.repeated
    assert len(_rows(planned, oid)) == 3


def test_another_contact_and_the_command_line_are_not_repeats(planned):
    oid, me, colleague = _setup(planned)
    _submit(planned, oid, contact_id=me, seen=0, note="已完成")
    assert not _submit(planned, oid, contact_id=colleague, seen=0, note="已完成").repeated
    with session_scope(planned.engine) as s:  # no `seen`: every call records (the command line, imports)
        submit(session=s, obligation_id=oid, today=TODAY, submitted_on=ON, note="已完成")
        submit(session=s, obligation_id=oid, today=TODAY, submitted_on=ON, note="已完成")
    assert len(_rows(planned, oid)) == 4


def test_reports_sent_at_once_take_turns_at_the_lock(planned):
    """Several identical reports arrive while another unit of work holds the obligation: one is recorded.

    Without the lock each would read "nothing newer" before the first one commits, and all would be recorded."""
    oid, me, _ = _setup(planned)
    results, errors = [], []

    def report():
        try:
            results.append(_submit(planned, oid, contact_id=me, seen=0, note="已完成"))
        except Exception as exc:  # noqa: BLE001 - the test counts them
            errors.append(exc)

    threads = [threading.Thread(target=report) for _ in range(4)]
    with session_scope(planned.engine) as s:
        lock_obligation(s, oid)
        for t in threads:
            t.start()
        time.sleep(1.0)  # every thread is now waiting for the lock (or, without it, past its check)
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(r.repeated for r in results) == [False, True, True, True]
    assert len({r.submission_id for r in results}) == 1
    assert len(_rows(planned, oid)) == 1


def test_the_same_form_sent_again_after_a_return_is_a_new_report(planned):
    """The township returned the report (退回); the old form sent again is the report anew, not a repeat."""
    from anquan.cycle import usecases as cycle
    from tests.support.web import contact

    planned.today = lambda: date(2026, 3, 2)
    with session_scope(planned.engine) as s:
        e1 = s.execute(select(Organisation.id).where(Organisation.code == "E1")).scalar_one()
        oid = s.execute(select(Obligation.id).where(Obligation.org_id == e1, Obligation.kind == "monthly_risk_analysis",
                                                    Obligation.period == "2026-02")).scalar_one()
    boss = contact(planned, "boss@e1.example").id
    form = dict(contact_id=boss, seen=0, note="已完成", submitted_on=date(2026, 2, 27))
    assert not _submit(planned, oid, **form).repeated
    cycle.return_report(planned, contact=contact(planned, "so1@t1.example"), obligation_id=oid, reason="未写明措施，请补充。")
    again = _submit(planned, oid, **form)
    assert not again.repeated and again.status == "submitted"
    assert _submit(planned, oid, **form).repeated  # and that one sent twice is one report again
    assert len(_rows(planned, oid)) == 2

from datetime import date

import pytest
from sqlalchemy import func, select

from anquan.errors import AnquanError, InputRejected
from anquan.cycle.obligations import get_obligation, import_submissions, list_obligations, submit, waive
from anquan.models.db import session_scope
from anquan.models.obligations import Obligation, Submission

TODAY = date(2026, 11, 29)


def _id(app, kind, org, period=None) -> int:
    with session_scope(app.engine) as s:
        rows = [r for r in list_obligations(session=s, kind=kind, org_code=org) if period in (None, r["period"])]
    assert len(rows) == 1
    return rows[0]["id"]


def _submit(app, oid, **kw):
    with session_scope(app.engine) as s:
        return submit(session=s, obligation_id=oid, today=TODAY, **kw)


def _show(app, oid):
    with session_scope(app.engine) as s:
        return get_obligation(session=s, obligation_id=oid)


def test_on_time_and_late(planned):
    mid = _id(planned, "midyear_report", "T1")
    assert _submit(planned, mid, submitted_on=date(2026, 7, 5)).status == "submitted"  # the 5th counts
    mid2 = _id(planned, "midyear_report", "T2")
    assert _submit(planned, mid2, submitted_on=date(2026, 7, 6)).status == "late"
    shown = _show(planned, mid2)
    assert shown["status"] == "late" and shown["submitted_on"] == "2026-07-06"
    with session_scope(planned.engine) as s:
        ob = s.get(Obligation, mid2)
        assert ob.next_action_on is None  # nothing more for the tick to do


def test_resubmission_is_kept_as_history(planned, tmp_path):
    oid = _id(planned, "quarterly_inspection", "T1", "2026-Q1")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 test scan")
    first = _submit(planned, oid, submitted_on=date(2026, 4, 3), note="一季度总结", file=scan, files_dir=planned.settings.files_dir)
    second = _submit(planned, oid, submitted_on=date(2026, 4, 20), note="补充材料")
    assert first.first and not second.first
    shown = _show(planned, oid)
    assert shown["status"] == "submitted" and shown["submitted_on"] == "2026-04-03"
    assert [s["note"] for s in shown["submissions"]] == ["一季度总结", "补充材料"]
    kept = shown["submissions"][0]
    assert kept["file_name"] == "scan.pdf" and len(kept["file_sha256"]) == 64
    stored = list(planned.settings.files_dir.rglob("*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == b"%PDF-1.4 test scan"


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"obligation_id": 999999}, "no obligation with id 999999"),
        ({"submitted_on": date(2026, 12, 1)}, "is in the future"),
        ({"file": "/nonexistent/scan.pdf"}, "file: no such file"),
    ],
)
def test_bad_submission_writes_nothing(planned, kwargs, fragment):
    kwargs = dict(kwargs)
    oid = kwargs.pop("obligation_id", None) or _id(planned, "book_signing", "T1")
    if "file" in kwargs:
        from pathlib import Path

        kwargs["file"] = Path(kwargs["file"])
        kwargs["files_dir"] = planned.settings.files_dir
    with pytest.raises(AnquanError, match=fragment):
        _submit(planned, oid, **kwargs)
    with session_scope(planned.engine) as s:
        assert s.execute(select(func.count()).select_from(Submission)).scalar_one() == 0


def test_waive_then_submit_is_refused(planned):
    oid = _id(planned, "monthly_risk_analysis", "E2", "2026-03")
    with session_scope(planned.engine) as s:
        waive(session=s, obligation_id=oid, reason="企业停业整顿")
    assert _show(planned, oid)["status"] == "waived"
    with pytest.raises(AnquanError, match="was waived"):
        _submit(planned, oid)
    with pytest.raises(AnquanError, match="only an open obligation"):
        with session_scope(planned.engine) as s:
            waive(session=s, obligation_id=oid, reason="again")


def test_import_submissions_csv(planned, tmp_path):
    a = _id(planned, "quarterly_meeting", "T1", "2026-Q1")
    b = _id(planned, "quarterly_meeting", "T2", "2026-Q1")
    f = tmp_path / "subs.csv"
    f.write_text(f"id,submitted_on,note\n{a},2026-03-20,会议纪要\n{b},2026-04-10,\n{a},2026-03-25,补充\n", encoding="utf-8-sig")
    with session_scope(planned.engine) as s:
        results = import_submissions(session=s, path=f, today=TODAY)
    assert len(results) == 3
    assert _show(planned, a)["status"] == "submitted" and len(_show(planned, a)["submissions"]) == 2
    assert _show(planned, b)["status"] == "late"


def test_import_submissions_all_or_nothing(planned, tmp_path):
    from openpyxl import Workbook

    good = _id(planned, "quarterly_meeting", "T1", "2026-Q2")
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "submitted_on", "note"])
    ws.append([good, date(2026, 6, 1), "ok"])
    ws.append([424242, "2026-06-01", None])
    ws.append(["abc", "2026-06-01", None])
    ws.append([good, "06/01/2026", None])
    ws.append([good, "2027-01-01", None])
    wb.save(tmp_path / "subs.xlsx")
    with pytest.raises(InputRejected) as exc:
        with session_scope(planned.engine) as s:
            import_submissions(session=s, path=tmp_path / "subs.xlsx", today=TODAY)
    where = {(p.row, p.column) for p in exc.value.problems}
    assert where == {(3, "id"), (4, "id"), (5, "submitted_on"), (6, "submitted_on")}
    assert _show(planned, good)["status"] == "open"
    with session_scope(planned.engine) as s:
        assert s.execute(select(func.count()).select_from(Submission)).scalar_one() == 0


def test_list_filters(planned):
    with session_scope(planned.engine) as s:
        rows = list(list_obligations(session=s, year=2026, org_code="E1"))
        assert len(rows) == 12 and {r["kind"] for r in rows} == {"monthly_risk_analysis"}
        dues = [r["due_on"] for r in rows]
        assert dues == sorted(dues)
        assert list(list_obligations(session=s, status="late")) == []
        keys = set(rows[0])
    assert {"id", "kind", "org_code", "org_name", "year", "period", "due_on", "status", "submitted_on"} <= keys

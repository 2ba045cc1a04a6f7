"""The assessment's preview; the daily tick with the duty report handed in; the tick's imports; the notice's number.

The January draft, the approval and objections: tests/assessment/test_approval.py."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from email import message_from_bytes, policy

import pytest

from anquan.assessment import usecases as assessment
from tests.support import outbox

FINAL = date(2027, 1, 15)


def test_the_preview_writes_what_is_asked_and_records_and_mails_nothing(planned_county, tmp_path):
    quiet = assessment.publish(planned_county, year=2026, as_of=FINAL, today=FINAL, xlsx=tmp_path / "a.xlsx")
    assert quiet.mails_queued == 0 and quiet.written == [tmp_path / "a.xlsx"] and outbox(planned_county) == []
    assert (tmp_path / "a.xlsx").stat().st_size > 0 and quiet.county_name
    one = assessment.publish(planned_county, year=2026, as_of=date(2026, 11, 29), org_code="QL02")
    assert one.assessment.provisional and [r.org_code for r in one.assessment.results] == ["QL02"] and not one.written


@pytest.mark.parametrize("backend", ["sqlite"])  # document-heavy: one backend (see tests/conftest.py)
def test_the_daily_tick_attaches_the_duty_report_to_each_township_head(planned_county):
    report = assessment.daily_tick(planned_county, as_of=date(2026, 6, 14))
    forms = [m.to_addr for m in outbox(planned_county)
             for part in message_from_bytes(m.raw, policy=policy.default).iter_attachments()
             if part.get_filename().endswith("履职报告书.docx")]
    assert report.messages > 0 and len(forms) == len(set(forms)) == 8


def test_the_cycle_does_not_import_word_rendering_or_scoring():
    code = ("import sys, anquan.cycle.tick, anquan.cycle.usecases; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('docx', 'docxtpl') "
            "or m.startswith(('anquan.assessment', 'anquan.reporting'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_notice_follows_the_county_settings(planned_county, tmp_path):
    """ANQUAN_NOTICE_CODE names the issuing body in the number; ANQUAN_NOTICE_PRAISE_GOOD praises 良好 too."""
    from tests.support import docx_text

    planned_county.settings = planned_county.settings.model_copy(update={"notice_code": "岚安委", "notice_praise_good": True})
    assessment.publish(planned_county, year=2026, as_of=FINAL, today=FINAL, docx=tmp_path / "notice.docx")
    text = docx_text((tmp_path / "notice.docx").read_bytes())
    assert "岚安委〔2027〕　号" in text and "青安委" not in text
    praise = text.split("二、通报表扬")[1].split("三、通报批评")[0]
    assert "良好" in praise


def test_the_issued_notice_takes_the_next_number_once(planned_county, tmp_path):
    """Issued (approved), the notice takes 青安委〔2027〕1号 and keeps it; a draft has none and says （草稿）."""
    from anquan.assessment.notice import notice_number
    from anquan.models.db import session_scope
    from tests.support import docx_text

    assessment.publish(planned_county, year=2026, as_of=FINAL, today=FINAL, docx=tmp_path / "draft.docx")
    draft = docx_text((tmp_path / "draft.docx").read_bytes())
    assert "青安委〔2027〕　号" in draft and "（草稿）" in draft
    with session_scope(planned_county.engine) as s:
        assert notice_number(s, year=2026, code="青安委", issued_on=FINAL) == 1
    with session_scope(planned_county.engine) as s:
        assert notice_number(s, year=2026, code="青安委", issued_on=FINAL) == 1
        assert notice_number(s, year=2025, code="青安委", issued_on=FINAL) == 2  # the next in 2027's series
        assert notice_number(s, year=2024, code="青安委", issued_on=date(2028, 1, 10), first=5) == 5

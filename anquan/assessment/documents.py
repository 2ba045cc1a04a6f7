"""The assessment as documents: the county's workbook (anquan.assessment.workbook) and its notice
(anquan.assessment.notice), importable from here as before."""

from __future__ import annotations

from anquan.assessment.notice import NoticeOptions, assessment_notice
from anquan.assessment.workbook import assessment_workbook

__all__ = ["NoticeOptions", "assessment_notice", "assessment_workbook"]

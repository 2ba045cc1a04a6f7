"""The duties of the county↔township book, one per clause, as the duty report form (履职报告书) lists them.

The book's 附件 (scripts/make_document_templates.py) and the pre-filled form (anquan.assessment.duty_report)
both list these rows; `KINDS` says which of the cycle's obligations are a duty's record.
"""

from __future__ import annotations

from anquan.vocabulary import (BOOK_SIGNING, CAMPAIGN_TASK, EVENT_INSPECTION, HOLIDAY_INSPECTION, MIDYEAR_REPORT,
                               QUARTERLY_INSPECTION, QUARTERLY_MEETING)

# (clause, what it is about)
BOOK_DUTIES: list[tuple[str, str]] = [
    ("(一)1", "属地管理和组织领导"), ("(一)2", "乡(镇)长全面领导责任"), ("(一)3", "分管副乡(镇)长综合监管"),
    ("(一)4", "班子成员“一岗双责”"), ("(一)5", "贯彻落实上级文件、专项整治"), ("(一)6", "监管机构和队伍建设"),
    ("(一)7", "安全生产专项资金"), ("(一)8", "季度大检查、专项检查和材料报送"), ("(一)9", "隐患排查治理和挂牌督办"),
    ("(一)10", "重点行业(领域)专项整治"), ("(一)11", "安全生产宣传教育"), ("(二)1", "企业安全管理机构和人员"),
    ("(二)2", "企业安全生产规章制度"), ("(二)3", "高危行业企业安全费用和保险"), ("(二)4", "企业隐患自查自纠"),
    ("(二)5", "企业每月安全生产风险分析"), ("(二)6", "企业负责人现场带班"), ("(二)7", "企业安全教育培训"),
    ("(二)8", "企业安全技术人员"), ("二", "控制考核指标"),
]

# The township's own obligations that record a clause's duty.
KINDS: dict[str, tuple[str, ...]] = {
    "(一)1": (BOOK_SIGNING,),
    "(一)2": (QUARTERLY_MEETING,),
    "(一)5": (CAMPAIGN_TASK,),
    "(一)8": (QUARTERLY_INSPECTION, HOLIDAY_INSPECTION, EVENT_INSPECTION, MIDYEAR_REPORT),
}

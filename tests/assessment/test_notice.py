"""The notice reads like one: masthead, number, praise by grade, criticism with the veto in words, the year's
problems, next year's requirements, 抄送 and 印发."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from anquan.assessment.notice import NoticeOptions, assessment_notice, problems
from anquan.assessment.scoring import Assessment, Deduction, TownshipResult
from tests.support.documents import docx_paragraphs, docx_text


def _assessment() -> Assessment:
    def township(i, name, *points, veto=None):
        r = TownshipResult(i, f"QL0{i}", name, Decimal(100))
        for item, p in points:
            r.deductions.append(Deduction(item, Decimal(p), "依据"))
        if veto:
            r.veto_reasons.append(veto)
        return r

    late = ("履职报告书未按时报送", -5)
    return Assessment(2026, date(2027, 1, 15), False, [
        township(1, "石门镇", ("季度安全生产工作会议未按时召开", -2)),
        township(2, "龙潭乡", late, ("季度安全生产工作会议未按时召开", -2), ("企业每月安全生产风险分析完成率不足", -8)),
        township(3, "白沙镇", late, veto="发生一次死亡5人以上道路交通以外行业安全生产责任事故（事故：2026年10月10日，死亡5人）"),
        township(4, "云溪乡", late, ("企业每月安全生产风险分析完成率不足", -30)),
    ], [])


def test_the_notice_has_a_masthead_praise_criticism_problems_and_requirements():
    data = assessment_notice(_assessment(), county_name="青岚县", issued_on=date(2027, 1, 15))
    paragraphs = docx_paragraphs(data)
    assert paragraphs[:3] == ["青岚县安全生产委员会文件", "青安委〔2027〕　号", "关于2026年度乡镇安全生产履职考核结果的通报"]
    text = docx_text(data)
    # Praise for 优秀 only (龙潭乡 is 良好 and is not praised by default); criticism for 不合格 and the veto.
    assert "考核等次为优秀的乡（镇）：石门镇。" in text and "龙潭乡。" not in text.split("三、通报批评")[0].split("二、通报表扬")[1]
    assert ("白沙镇：年度内发生一次死亡5人以上道路交通以外行业安全生产责任事故（2026年10月10日，死亡5人），"
            "按照责任书规定实行“一票否决”，考核等次确定为不合格。") in text
    assert "云溪乡：考核得分65分，低于70分，考核等次为不合格。" in text
    assert "（一）履职报告书未按时报送。涉及云溪乡、白沙镇、龙潭乡，共扣15分。" in text
    assert "四、存在问题" in paragraphs and "五、下一步要求" in paragraphs
    assert any(p.startswith("（一）进一步压实安全生产属地管理责任") for p in paragraphs)
    assert paragraphs[-2].startswith("抄送：") and paragraphs[-1].endswith("2027年1月15日印发")
    assert "青岚县安全生产委员会" in paragraphs and "2027年1月15日" in paragraphs
    assert "QL0" not in text and "事故：" not in text


def test_the_county_decides_whether_good_is_praised_and_what_next_year_requires():
    options = NoticeOptions(praise_good=True, requirements=["按时签订2027年度责任书。"], copied_to="县政府办公室。",
                            doc_code="岚安委")
    text = docx_text(assessment_notice(_assessment(), county_name="青岚县", issued_on=date(2027, 1, 20), options=options))
    assert "考核等次为良好的乡（镇）：龙潭乡。" in text and "给予通报表扬" in text
    assert "（一）按时签订2027年度责任书。" in text and "进一步压实" not in text
    assert "抄送：县政府办公室。" in text and "岚安委〔2027〕　号" in text


def test_problems_come_from_the_deductions_most_widespread_first():
    found = problems(_assessment())
    assert found[0].startswith("履职报告书未按时报送。涉及云溪乡、白沙镇、龙潭乡")
    assert found[1].startswith("企业每月安全生产风险分析完成率不足。") and "共扣38分" in found[1]
    none = Assessment(2026, date(2027, 1, 15), False, [TownshipResult(1, "QL01", "石门镇", Decimal(100))], [])
    assert problems(none) == []


def test_a_veto_names_the_accident_in_words():
    """The veto reason says when, what happened where (as recorded) and the toll, not a record number."""
    from anquan.assessment.scoring import AccidentFacts, veto_reasons

    quarry = AccidentFacts(5, date(2026, 10, 10), "other", 5, 2, True, False, "白沙镇石场村采石场边坡坍塌。")
    assert veto_reasons([quarry]) == ["发生一次死亡5人以上道路交通以外行业安全生产责任事故"
                                      "（事故：2026年10月10日，白沙镇石场村采石场边坡坍塌，死亡5人、受伤2人）"]

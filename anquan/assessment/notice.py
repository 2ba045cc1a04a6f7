"""The county's notice of the assessment results (考核结果通报), laid out as a GB/T 9704 document.

版头: the issuing body's mark (发文机关标志) in red, the document number (发文字号 青安委〔2027〕3号: the
counter's next number when the notice is issued, blank on a draft) and the red rule; then the title, the addressees, the results
table, praise (优秀, and 良好 when the county praises it), criticism (不合格, and every veto with its accident
in words), the problems the year's records show (存在问题), the requirements for next year (下一步要求), the
signature and date; 版记: 抄送 and 印发 between rules.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from anquan.assessment.scoring import EXCELLENT, FAIL, GOOD, Assessment, TownshipResult
from anquan.reporting import docxkit as kit
from anquan.reporting.docxkit import BODY, HEADING, PLAIN, TITLE, add_text

NEXT_YEAR = [
    "进一步压实安全生产属地管理责任。各乡（镇）要严格落实党政同责、一岗双责，按时签订新一年度安全生产目标责任书，"
    "层层分解责任，确保责任落实到村、到单位、到企业。",
    "按时开展季度安全生产工作会议和安全生产大检查，节日长假、重要会议和重大活动期间组织安全专项检查，"
    "按时报送检查总结、半年和全年履职报告书。",
    "督促企业每月开展安全生产风险分析，深化重点行业（领域）专项整治，对挂牌督办隐患逐项落实整改责任、措施、资金、期限和应急预案，"
    "按期整改销号。",
    "配齐配强乡（镇）安监人员和村级兼职安全员，加强安全生产宣传教育培训，坚决遏制较大以上生产安全事故发生。",
]
COPIED_TO = "县委办公室，县人大常委会办公室，县政府办公室，县政协办公室，县纪委监委。"


@dataclass
class NoticeOptions:
    """What the county office decides about its notice: whether 良好 is praised, next year's requirements, 抄送."""

    praise_good: bool = False
    requirements: list[str] = field(default_factory=lambda: list(NEXT_YEAR))
    copied_to: str = COPIED_TO
    doc_code: str | None = None  # 机关代字, e.g. 青安委; default: the county's first character + 安委
    number: int | None = None  # the number once issued; a draft leaves it for the office


def notice_options(settings, *, county_name: str) -> NoticeOptions:
    """The county's settings for its notice (ANQUAN_NOTICE_CODE, ANQUAN_NOTICE_PRAISE_GOOD)."""
    return NoticeOptions(praise_good=settings.notice_praise_good, doc_code=settings.notice_code or f"{county_name[:1]}安委")


def notice_number(session, *, year: int, code: str, issued_on: date, first: int = 1) -> int:
    """The notice of `year`'s assessment's number in its issue year's series (青安委〔2027〕N号): the next one the first
    time it is issued, the same one after; `first` is where Anquan's numbers start (the office's own documents
    of the year take the ones before)."""
    from sqlalchemy import func, select

    from anquan.models.records import IssuedDocument

    found = session.execute(select(IssuedDocument).where(IssuedDocument.kind == "assessment_notice",
                                                         IssuedDocument.subject == str(year))).scalar_one_or_none()
    if found is not None:
        return found.number
    last = session.execute(select(func.max(IssuedDocument.number)).where(
        IssuedDocument.code == code, IssuedDocument.issue_year == issued_on.year)).scalar() or 0
    number = max(last + 1, first)
    session.add(IssuedDocument(kind="assessment_notice", subject=str(year), code=code, issue_year=issued_on.year,
                               number=number, issued_on=issued_on))
    session.flush()
    return number


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _score(r: TownshipResult) -> str:
    return f"{float(r.score):g}"


def _masthead(doc, county_name: str, code: str, issued_on: date, options: NoticeOptions) -> None:
    """发文机关标志 in red, the document number, and the red rule under them."""
    from docx.shared import RGBColor

    mark = add_text(doc, f"{county_name}安全生产委员会文件", kit.Look(kit.TITLE_FONT, 30, align="center"))
    mark.runs[0].font.color.rgb = RGBColor(0xE6, 0x00, 0x12)
    add_text(doc, "", PLAIN)
    number = add_text(doc, f"{code}〔{issued_on.year}〕{options.number or '　'}号", kit.Look(align="center"))
    kit.rule_below(number, color="E60012", size=12)
    add_text(doc, "", PLAIN)


def _results(doc, assessment: Assessment) -> None:
    rows = [[str(i), r.org_name, _score(r), r.grade, "一票否决" if r.vetoed else ""] for i, r in assessment.ranks()]
    kit.grid_table(doc, ["排名", "乡（镇）", "得分", "等次", "备注"], rows, [16, 50, 26, 26, 38], size=kit.SIZE_4)


def _praise(doc, ranked: list[TownshipResult], options: NoticeOptions) -> None:
    grades = (EXCELLENT, GOOD) if options.praise_good else (EXCELLENT,)
    praised = [r for r in ranked if r.grade in grades]
    if not praised:
        add_text(doc, f"本年度无考核等次为{'或'.join(grades)}的乡（镇）。")
        return
    for grade in grades:
        names = "、".join(r.org_name for r in praised if r.grade == grade)
        if names:
            add_text(doc, f"考核等次为{grade}的乡（镇）：{names}。")
    add_text(doc, f"县安委会决定，对考核等次为{'、'.join(grades)}的乡（镇）给予通报表扬，并按规定给予奖励。")


def _criticism(doc, ranked: list[TownshipResult]) -> None:
    failed = [r for r in ranked if r.grade == FAIL]
    if not failed:
        add_text(doc, "本年度无考核不合格的乡（镇）。")
        return
    for r in failed:
        if r.vetoed:
            why = "；".join(reason.replace("（事故：", "（") for reason in r.veto_reasons)
            add_text(doc, f"{r.org_name}：年度内{why}，按照责任书规定实行“一票否决”，考核等次确定为不合格。")
        else:
            add_text(doc, f"{r.org_name}：考核得分{_score(r)}分，低于70分，考核等次为不合格。")
    add_text(doc, "县安委会决定，对以上考核不合格的乡（镇）予以通报批评。被通报批评的乡（镇）要认真查找原因，"
                  "举一反三，限期整改，并于30日内将整改情况书面报县安委会。")


def problems(assessment: Assessment, *, limit: int = 6) -> list[str]:
    """存在问题, drawn from the year's deductions: each item with how many townships lost points on it, most first."""
    townships: dict[str, set[str]] = defaultdict(set)
    points: dict[str, float] = defaultdict(float)
    for r in assessment.results:
        for d in r.deductions:
            if d.points < 0:
                townships[d.item].add(r.org_name)
                points[d.item] += float(-d.points)
    order = sorted(townships, key=lambda item: (-len(townships[item]), -points[item], item))[:limit]
    out = []
    for item in order:
        names = sorted(townships[item])
        who = "、".join(names) if len(names) <= 3 else f"{'、'.join(names[:3])}等{len(names)}个乡（镇）"
        out.append(f"{item}。涉及{who}，共扣{points[item]:g}分。")
    return out


def _body(doc, assessment: Assessment, *, county_name: str, issued_on: date, options: NoticeOptions) -> None:
    y = assessment.year
    ranked = assessment.ranked()
    add_text(doc, "各乡（镇）人民政府，县安委会各成员单位：", PLAIN)
    add_text(doc, f"根据《乡镇安全生产目标责任书》和县政府下发的考核细则，按照“季度检查、阶段督查，年终考核”的方式，"
                  f"县安委会于{issued_on.year}年{issued_on.month}月对各乡（镇）{y}年度安全生产履职情况进行了全面考评。"
                  "考核实行量化计分，基本分为100分，考评分90分及以上为优秀，90分以下至80分为良好，80分以下至70分为合格，"
                  "低于70分为不合格；对发生“一票否决”情形的，确定为不合格。现将考核结果通报如下：")
    add_text(doc, "一、考核结果", HEADING)
    _results(doc, assessment)
    add_text(doc, "二、通报表扬", HEADING)
    _praise(doc, ranked, options)
    add_text(doc, "三、通报批评", HEADING)
    _criticism(doc, ranked)
    add_text(doc, "四、存在问题", HEADING)
    found = problems(assessment)
    if not found:
        add_text(doc, "考核中未发现扣分事项。")
    for i, text in enumerate(found, start=1):
        add_text(doc, f"（{'一二三四五六七八九十'[i - 1]}）{text}")
    if assessment.county_targets:
        add_text(doc, "全县控制目标完成情况：" + "；".join(assessment.county_targets) + "。")
    add_text(doc, "五、下一步要求", HEADING)
    for i, text in enumerate(options.requirements, start=1):
        add_text(doc, f"（{'一二三四五六七八九十'[i - 1]}）{text}")
    add_text(doc, "希望各乡（镇）以先进为榜样，进一步落实安全生产属地管理责任，扎实做好各项安全生产工作，确保全县安全生产形势持续稳定好转。")


def _closing(doc, assessment: Assessment, *, county_name: str, issued_on: date, options: NoticeOptions) -> None:
    add_text(doc, "", PLAIN)
    add_text(doc, f"附件：{assessment.year}年度乡镇安全生产履职考核汇总表", BODY)
    add_text(doc, "", PLAIN, keep_with_next=True)
    add_text(doc, "", PLAIN, keep_with_next=True)
    kit.right_block(doc, [f"{county_name}安全生产委员会", _cn(issued_on)])
    if assessment.provisional:
        add_text(doc, f"（暂定结果：截至{_cn(assessment.as_of)}，本年度尚有事项未到期。）")
    for note in assessment.notes:
        add_text(doc, f"（{note}）")
    kit.imprint(doc, [f"抄送：{options.copied_to}", f"{county_name}安全生产委员会办公室　　　　{_cn(issued_on)}印发"])


def assessment_notice(assessment: Assessment, *, county_name: str, issued_on: date,
                      options: NoticeOptions | None = None, draft: bool = False) -> bytes:
    """The notice as a .docx: a draft (marked （草稿） under the title, no number) for the county office to review,
    or as issued with its number once a county admin approved the year."""
    options = options or NoticeOptions()
    doc = kit.official_document()
    _masthead(doc, county_name, options.doc_code or f"{county_name[:1]}安委", issued_on, options)
    add_text(doc, f"关于{assessment.year}年度乡镇安全生产履职考核结果的通报", TITLE)
    if draft:
        add_text(doc, "（草稿）", kit.Look(align="center"))
    add_text(doc, "", PLAIN)
    _body(doc, assessment, county_name=county_name, issued_on=issued_on, options=options)
    _closing(doc, assessment, county_name=county_name, issued_on=issued_on, options=options)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

"""The county↔township book is the seed book whole: compared clause by clause, only the blanks may differ.

The seed (scripts/seed/responsibility-book-template.zh.txt, the county's adopted text) has blanks for the
year ("20__"), the signing day ("2月日"), the parties and signatories, and the control indicators issued apart.
Its four document numbers lost their 〔〕 on the way (one its year, to a "20__"): the book prints the real ones.
"""

from __future__ import annotations

from anquan.models.db import session_scope
from anquan.models.records import ControlIndicator
from anquan.reporting.books import render_book
from tests.support import REPO_ROOT, org_by_code
from tests.support.documents import docx_paragraphs, docx_table_cells

SEED = REPO_ROOT / "scripts" / "seed" / "responsibility-book-template.zh.txt"
NUMBERS = {"国发20__23号": "国发〔2010〕23号", "国发201140号": "国发〔2011〕40号",
           "桂政发201112号": "桂政发〔2011〕12号", "桂政发201140号": "桂政发〔2011〕40号"}


def seed_lines() -> list[str]:
    return [x.strip() for x in SEED.read_text(encoding="utf-8").splitlines() if x.strip()]


def filled(line: str, year: int) -> str:
    """A seed line as the book must print it for `year`: its blanks filled, nothing else changed."""
    for seed, real in NUMBERS.items():
        line = line.replace(seed, real)
    line = line.replace("20__年1月5日前", f"{year + 1}年1月5日前").replace("2月日", "2月　日")
    return line.replace("20__", str(year))


def seed_clauses(year: int) -> tuple[list[str], list[str]]:
    lines = seed_lines()
    cut = next(i for i, x in enumerate(lines) if x.startswith("签字人："))
    return [filled(x, year) for x in lines[1:cut]], [filled(x, year) for x in lines[cut:]]


def _render(engine, code: str, year: int = 2026) -> bytes:
    with session_scope(engine) as s:
        return render_book(s, org_by_code(s, code), year)


def test_the_county_township_book_is_the_seed_clause_by_clause(planned_county):
    with session_scope(planned_county.engine) as s:
        s.add(ControlIndicator(org_id=org_by_code(s, "QL01").id, year=2026, max_accidents=2, max_deaths=1, max_injuries=3))
    data = _render(planned_county.engine, "QL01")
    paragraphs = docx_paragraphs(data)
    assert paragraphs[:2] == ["青岚县乡镇安全生产目标责任书", "（2026年度　石门镇）"]
    attachment = paragraphs.index("附件")
    body = paragraphs[2:attachment]
    clauses, signature = seed_clauses(2026)
    indicators = "石门镇2026年度控制考核指标：事故起数不超过2起，死亡人数不超过1人，受伤人数不超过3人。"
    expected = list(clauses)
    expected.insert(next(i for i, c in enumerate(clauses) if c.startswith("杜绝一次死亡")) + 1, indicators)
    for i, (got, want) in enumerate(zip(body, expected), start=1):
        assert got == want, f"clause {i} differs from the seed:\n got: {got}\nseed: {want}"
    assert len(body) == len(expected), f"extra or missing clauses: {body[len(expected):] or expected[len(body):]}"
    # The 一票否决 items are a list: one paragraph each.
    assert [c[:2] for c in body if c.startswith(("1.年度内", "2.年度内", "3.发生"))] == ["1.", "2.", "3."]
    # Both parties, side by side (one table row), with the seed's signature lines filled in.
    county, township = docx_table_cells(data, 0)
    assert county == ["青岚县人民政府（盖章）", *signature[:2]]
    assert township == ["石门镇人民政府（盖章）", "签字人：李俊伟", signature[4]]
    assert signature[2] == "乡(镇)人民政府" and signature[3] == "签字人："
    # The duty report form (三(七), 详见附件) is attached: one row per duty of the book.
    assert paragraphs[attachment + 1] == "2026年乡(镇)级人民政府安全生产工作履职报告书"
    assert "《2026年乡(镇)级人民政府安全生产工作履职报告书》(详见附件)" in body[-1]
    form = docx_table_cells(data, 1)
    rows = [form[i:i + 4] for i in range(0, len(form), 4)]
    assert [r[0][0] for r in rows] == ["序号"] + [str(i) for i in range(1, 21)]
    assert rows[1][1] == ["(一)1 属地管理和组织领导"] and rows[19][1] == ["(二)8 企业安全技术人员"]


def test_a_township_without_indicators_keeps_the_seed_sentence_only(planned_county):
    data = _render(planned_county.engine, "QL02", 2027)
    paragraphs = docx_paragraphs(data)
    clauses, _ = seed_clauses(2027)
    assert paragraphs[2:paragraphs.index("附件")] == clauses
    assert "年度控制考核指标：" not in "".join(paragraphs) and "（2027年度　龙潭乡）" in paragraphs


def test_village_and_unit_books_follow_the_same_structure_with_their_own_duties(planned_county):
    village = _render(planned_county.engine, "QL01V01")
    unit = _render(planned_county.engine, "QL01U01")
    for data, party, head in ((village, "田心村", "刘建磊"), (unit, "石门镇中心小学", None)):
        paragraphs = docx_paragraphs(data)
        assert paragraphs[0] == f"石门镇人民政府与{party}安全生产目标责任书" and paragraphs[1] == "（2026年度）"
        assert [p for p in paragraphs if p.endswith(("工作职责", "控制目标", "履职考核"))] == [
            "一、工作职责", "二、控制目标", "三、履职考核"]
        township, org = docx_table_cells(data, 0)
        assert township == ["石门镇人民政府（盖章）", "签字人：李俊伟", "签章时间：2026年2月　日"]
        assert org[0] == f"{party}（盖章）" and org[2] == "签章时间：2026年2月　日"
        if head:
            assert org[1] == f"签字人：{head}"


def test_the_county_head_signs_for_the_county_when_the_directory_names_one(planned_county):
    """The seed's first 签字人 is the county's: the directory's 县长 (role county_head), blank while none is listed."""
    from anquan.models.directory import Contact

    with session_scope(planned_county.engine) as s:
        county = org_by_code(s, "QL01")
        s.add(Contact(org_id=county.parent_id, name="陈志远", role="county_head", email="chen.zhiyuan@qinglan.example"))
    county_cell, _ = docx_table_cells(_render(planned_county.engine, "QL01"), 0)
    assert county_cell == ["青岚县人民政府（盖章）", "签字人：陈志远", "签章时间：2026年2月　日"]

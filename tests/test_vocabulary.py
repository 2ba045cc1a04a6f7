"""The domain's words: periods parse into typed values and read in Chinese; kinds and holidays agree with the rules."""

import ast

import pytest

from anquan.resources import config_file
from anquan.rules.cycle import load_rules
from anquan import vocabulary as v
from tests.support.code import package_sources


def _kind_constants() -> set[str]:
    return {value for name, value in vars(v).items() if name.isupper() and isinstance(value, str) and value.islower()
            and "_" in value}


@pytest.mark.parametrize("text,unit,year,number,holiday,label", [
    ("2026", "year", 2026, None, None, "2026年"),
    ("2026-Q2", "quarter", 2026, 2, None, "2026年第2季度"),
    ("2026-03", "month", 2026, 3, None, "2026年3月"),
    ("2026-09", "month", 2026, 9, None, "2026年9月"),
    ("2026-spring_festival", "holiday", 2026, None, "spring_festival", "2026年春节前"),
    ("2026-national_day", "holiday", 2026, None, "national_day", "2026年国庆节前"),
    ("campaign-3", "campaign", None, 3, None, "专项整治第3号"),
    ("2026-hazard-4", "hazard", 2026, 4, None, "2026年挂牌督办隐患第4号"),
    ("2026-event-2", "event", 2026, 2, None, "2026年重大活动第2号前"),
])
def test_a_period_parses_into_its_parts_and_reads_in_chinese(text, unit, year, number, holiday, label):
    p = v.parse_period(text)
    assert (p.text, p.unit, p.year, p.number, p.holiday) == (text, unit, year, number, holiday)
    assert p.label == label == v.period_label(text)
    assert p.is_event == (unit in ("campaign", "hazard", "event")) == v.is_event_period(text)


def test_the_writers_make_what_the_parser_reads():
    made = [v.year_period(2026), v.quarter_period(2026, 4), v.month_period(2026, 1), v.holiday_period(2026, "labour_day"),
            v.campaign_period(7), v.hazard_period(2026, 12), v.event_period(2027, 5)]
    assert made == ["2026", "2026-Q4", "2026-01", "2026-labour_day", "campaign-7", "2026-hazard-12", "2027-event-5"]
    assert [v.parse_period(p).unit for p in made] == ["year", "quarter", "month", "holiday", "campaign", "hazard", "event"]


@pytest.mark.parametrize("text", ["", "26", "2026-", "2026-Q5", "2026-13", "2026-00", "soon", "2026-Spring"])
def test_what_is_no_period_is_refused_and_reads_as_itself(text):
    with pytest.raises(ValueError, match="is not a period"):
        v.parse_period(text)
    assert v.period_label(text) == text


def test_every_kind_constant_is_a_kind_of_the_default_rules():
    rules = load_rules(config_file("cycle.yaml"))
    kinds = _kind_constants()
    assert kinds and kinds <= set(rules.kinds), kinds - set(rules.kinds)
    assert set(v.REPORT_KINDS) <= set(rules.kinds)
    assert set(rules.long_holidays) <= set(v.HOLIDAY_NAMES)


def test_labels_cover_every_role_and_sector():
    from anquan.models.directory import Role, Sector

    assert set(v.ROLE_LABELS) == {r.value for r in Role}
    assert set(v.SECTOR_LABELS) == {s.value for s in Sector}
    assert v.role_label("township_head") == "乡镇长" and v.role_label("nobody") == "nobody" and v.role_label(None) is None
    # A salutation names the post at its organisation, in the township's own word (乡 or 镇), never 乡(镇).
    assert v.role_title("township_head", "青峰乡") == "青峰乡乡长" and v.role_title("township_head", "石门镇") == "石门镇镇长"
    assert v.role_title("deputy_head_safety", "青峰乡") == "青峰乡分管安全副乡长"
    assert v.role_title("safety_office", "石门镇") == "石门镇安监办" and v.role_title("county_office", "青岚县") == "青岚县安委办"
    assert v.role_title("village_safety_officer", "石门村") == "石门村兼职安全员" and v.role_title("township_head") == "乡镇长"
    assert v.sector_label(None) == "其他行业" and v.sector_label("fireworks") == "烟花爆竹"
    assert v.report_span_label(v.MIDYEAR_REPORT) == "半年" and v.report_span_label(v.ANNUAL_REPORT) == "全年"
    assert v.accident_kind_label("road_traffic") == "道路交通" and v.accident_kind_label("other") == "道路交通以外行业"


def test_kind_identifiers_are_spelled_out_only_in_the_vocabulary():
    """Code names a kind it treats specially through its constant, never by spelling it out again."""
    kinds = _kind_constants()
    found = []
    for path in package_sources():
        if path.name == "vocabulary.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in kinds:
                found.append(f"{path}:{node.lineno}: {node.value!r}")
    assert found == []


@pytest.mark.parametrize("title,period,label,name", [
    ("季度安全生产工作会议", "2026-Q2", None, "2026年第2季度安全生产工作会议"),
    ("节日长假前安全专项检查", "2026-spring_festival", None, "2026年春节前安全专项检查"),
    ("半年安全生产履职报告书及自检自评", "2026", None, "2026年半年安全生产履职报告书及自检自评"),
    ("企业每月安全生产风险分析", "2026-03", None, "2026年3月企业每月安全生产风险分析"),
    ("专项整治工作总结", "campaign-3", "“烟花爆竹安全专项整治”", "专项整治工作总结（“烟花爆竹安全专项整治”）"),
    ("重大活动前安全专项检查", "2026-event-2", None, "重大活动前安全专项检查（2026年重大活动第2号前）"),
])
def test_a_duty_is_named_by_its_period_and_title(title, period, label, name):
    assert v.duty_name(title, period, label) == name


def test_a_rules_generic_township_head_reads_in_the_townships_own_word():
    action = "由乡镇长主持或委托分管领导召开本季度安全生产工作会议"
    assert v.in_township_words(action, "石门镇") == "由镇长主持或委托分管领导召开本季度安全生产工作会议"
    assert v.in_township_words(action, "青峰乡").startswith("由乡长主持")
    assert v.in_township_words(action, "") == action

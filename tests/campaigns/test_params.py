"""The hand-started flows' parameters as Prefect's form shows them to the county office: Chinese names, the sectors
and townships as Chinese choices, every bad value found by the schema Prefect enforces, and what the form offers
read back to the codes the use case works with."""

from __future__ import annotations

from datetime import date

import pytest
from prefect.utilities.callables import parameter_schema
from prefect.utilities.schema_tools import validate as schema_errors

from anquan.campaigns.campaign import validate_params
from anquan.campaigns.events import validate_event
from anquan.campaigns.params import (ALL_TOWNSHIPS, CAMPAIGN_REFUSALS, EVENT_REFUSALS, office_schema, refusal_in_words,
                                     choice_codes)
from anquan.errors import Refused
from anquan.flows.cycle import major_event, special_campaign

TOWNSHIPS = [("QL01", "石门镇"), ("QL02", "龙潭乡"), ("QL03", "白沙镇"), ("QL09", "白沙镇")]


def _schema(flow, townships=TOWNSHIPS) -> dict:
    return office_schema(parameter_schema(flow.fn).model_dump(), townships,
                         what="event" if flow is major_event else "campaign")


def test_the_form_reads_chinese():
    schema = _schema(special_campaign)
    props = schema["properties"]
    assert {k: p["title"] for k, p in props.items()} == {
        "name": "名称", "sectors": "行业领域", "from_date": "开始日期", "to_date": "结束日期",
        "summary_due": "总结报送截止日期", "townships": "乡镇"}
    assert props["sectors"]["items"]["enum"] == ["非煤矿山", "水上交通", "道路交通", "人员密集场所消防", "建筑施工",
                                                 "烟花爆竹", "危险化学品", "其他行业"]
    # 全部乡镇 first and the default; two townships of one name told apart by their codes.
    assert props["townships"]["items"]["enum"] == [ALL_TOWNSHIPS, "石门镇", "龙潭乡", "白沙镇（QL03）", "白沙镇（QL09）"]
    assert props["townships"]["default"] == [ALL_TOWNSHIPS]
    assert "definitions" not in schema and "Sector" not in str(schema)  # no English choice left
    assert [p["position"] for p in props.values()] == sorted(p["position"] for p in props.values())
    event = _schema(major_event)["properties"]
    assert set(event) == {"name", "from_date", "to_date", "townships"}
    assert event["from_date"]["description"] == "须晚于今天（重大活动须在开始前录入）" and "description" not in props["from_date"]
    # Deployed before a directory is imported: Chinese all the same, 全部乡镇 the one choice.
    assert _schema(special_campaign, [])["properties"]["townships"]["items"]["enum"] == [ALL_TOWNSHIPS]


def test_the_schema_finds_every_bad_value_at_once():
    bad = {"name": "危化品\n专项整治", "sectors": ["hazardous_chemicals"], "townships": ["QL99"],
           "from_date": "2026-13-01", "to_date": "2026-06-30", "summary_due": "2026-07-10"}
    errors = schema_errors(bad, _schema(special_campaign), raise_on_error=False)
    assert sorted({e.path[0] for e in errors}) == ["from_date", "name", "sectors", "townships"]
    good = {"name": "危化品专项整治", "sectors": ["危险化学品", "烟花爆竹"], "townships": ["龙潭乡", "白沙镇（QL09）"],
            "from_date": "2026-06-01", "to_date": "2026-06-30", "summary_due": "2026-07-10"}
    assert schema_errors(good, _schema(special_campaign), raise_on_error=False) == []


def test_what_the_form_offers_the_use_case_reads_back():
    checked = validate_params({"name": "危化品专项整治", "sectors": ["危险化学品", "烟花爆竹"], "townships": [ALL_TOWNSHIPS],
                               "from_date": "2026-06-01", "to_date": "2026-06-30", "summary_due": "2026-07-10"})
    assert [s.value for s in checked.sectors] == ["hazardous_chemicals", "fireworks"] and checked.townships == "all"
    # A name and its code-qualified twin are choices too (townships_in_scope resolves them against the directory).
    assert choice_codes(TOWNSHIPS) == {"石门镇": "QL01", "龙潭乡": "QL02", "白沙镇（QL03）": "QL03",
                                           "白沙镇（QL09）": "QL09"}


@pytest.mark.parametrize(("validate", "refusals", "raw", "said"), [
    (validate_params, CAMPAIGN_REFUSALS, {"name": "整", "sectors": [], "from_date": "2026-06-01", "to_date": "2026-05-01",
                       "summary_due": "2026-07-10"},
     "请填写专项整治名称（2至200个字，不换行）。请至少选择一个行业领域。请填写有效的结束日期，且不早于开始日期。"),
    (lambda raw: validate_event(raw, today=date(2026, 6, 1)), EVENT_REFUSALS,
     {"name": "茶文化旅游节", "from_date": "2026-05-20", "to_date": "2026-05-01"},
     "请填写有效的开始日期，且须晚于今天（重大活动须在开始前录入）。"),
])
def test_a_refusal_in_the_office_words_names_every_field(validate, refusals, raw, said):
    with pytest.raises(Refused) as exc:
        validate(raw)
    assert refusal_in_words(exc.value, refusals) == said

from datetime import date

import pytest

from anquan.errors import RulesError
from anquan.rules.cycle import load_rules, parse_rules
from anquan.models.settings import DEFAULT_CYCLE_FILE

SHIPPED = DEFAULT_CYCLE_FILE.read_text(encoding="utf-8")
KINDS = {"book_signing", "quarterly_meeting", "quarterly_inspection", "holiday_inspection", "monthly_risk_analysis",
         "midyear_report", "annual_report", "county_supervision", "annual_assessment"}


def test_shipped_rules_are_valid_and_name_every_kind():
    rules = load_rules(DEFAULT_CYCLE_FILE)
    assert KINDS <= set(rules.kinds)
    assert {k for k, r in rules.kinds.items() if r.recurrence == "event"} == {"hazard_rectification", "hazard_evaluation", "campaign_task", "event_inspection"}
    assert rules.deadlines.inclusive is True
    assert rules.deadlines.roll_forward_off_rest_days is False
    assert len(rules.digest) == 64


def test_shipped_due_rules_follow_the_book():
    rules = load_rules(DEFAULT_CYCLE_FILE)
    assert rules.kind("midyear_report").due.month == 7 and rules.kind("midyear_report").due.day == 5
    annual = rules.kind("annual_report").due
    assert (annual.month, annual.day, annual.year_offset) == (1, 5, 1)
    assess = rules.kind("annual_assessment").due
    assert (assess.month, assess.day, assess.year_offset) == (1, 20, 1)
    assert rules.kind("book_signing").due.month == 2 and rules.kind("book_signing").due.day == "last"
    assert rules.kind("quarterly_inspection").due.months_after_period == 1
    assert rules.kind("monthly_risk_analysis").recurrence == "monthly"
    # An enterprise's missed analysis climbs: enterprise, township safety office, deputy head, head and county.
    stages = [s.notify for s in rules.kind("monthly_risk_analysis").escalation]
    assert stages == [["owner"], ["safety_office"], ["deputy_head_safety"], ["township_head", "county_office"]]


@pytest.mark.parametrize(
    "old,new,path",
    [
        ("due: {month: 7, day: 5, before: true}", "due: {month: 13, day: 5, before: true}", "kinds.midyear_report.due.month"),
        ("recurrence: monthly", "recurrence: weekly", "kinds.monthly_risk_analysis"),
        ("reminders: [5]", "reminders: [5, 5]", "kinds.monthly_risk_analysis.reminders"),
        ("notify: [owner, safety_office]", "notify: [owner, boss]", "kinds.book_signing.escalation[0].notify"),
        ("{months_after_period: 1, day: 5}", "{month: 1, day: 5}", "kinds.quarterly_inspection.due.month"),
        ("version: 1", "version: 1\nsurprise: true", "surprise"),
        ("long_holidays: [spring_festival, labour_day, national_day]", "long_holidays: [christmas]", "long_holidays[0]"),
        ("- {after_days: 7, notify: [deputy_head_safety]}", "- {after_days: 0, notify: [deputy_head_safety]}",
         "kinds.book_signing.escalation[1].after_days"),
        ("enterprise_self_check_day: 15", "enterprise_self_check_day: 31", "enterprise_self_check_day"),
        ("enterprise_self_check_day: 15", "enterprise_self_check_day: 0", "enterprise_self_check_day"),
    ],
)
def test_errors_name_the_yaml_path(old, new, path):
    assert old in SHIPPED
    with pytest.raises(RulesError) as exc:
        parse_rules(SHIPPED.replace(old, new, 1))
    assert f"  {path}:" in str(exc.value)


def test_owner_role_must_be_held_at_owner_kind():
    bad = SHIPPED.replace("roles: [township_head]\n    recurrence: yearly\n    due: {month: 7",
                          "roles: [unit_head]\n    recurrence: yearly\n    due: {month: 7", 1)
    with pytest.raises(RulesError, match=r"kinds.midyear_report.owners\[0\]: role unit_head is held at a unit"):
        parse_rules(bad)


def test_escalation_must_climb():
    bad = SHIPPED.replace("{after_days: 14, notify: [township_head, county_office]}",
                          "{after_days: 3, notify: [township_head, county_office]}", 1)
    with pytest.raises(RulesError, match="kinds.book_signing.escalation: escalation stages must have strictly increasing"):
        parse_rules(bad)


def test_broken_yaml_says_where():
    with pytest.raises(RulesError, match="not valid YAML at line 3"):
        parse_rules("version: 1\nkinds: [oops\n")


def test_unknown_kind_lookup_lists_the_known_ones():
    rules = load_rules(DEFAULT_CYCLE_FILE)
    with pytest.raises(RulesError, match="unknown obligation kind 'nope'.*book_signing"):
        rules.kind("nope")


def test_event_due_takes_one_rule_not_both():
    from anquan.rules.cycle import EventDue

    assert EventDue(working_days_before_start=1).days_after_event is None
    with pytest.raises(ValueError, match="not both"):
        EventDue(days_after_event=30, working_days_before_start=1)


def test_escalation_that_goes_down_the_chain_is_refused():
    """The township head's report used to escalate head → deputy → county; rules check now refuses it."""
    down = SHIPPED.replace(
        "  midyear_report:", "  midyear_report:\n    # the old order\n", 1)
    down = down.replace(
        "escalation:                        # the head's own duty: the next step up is the county, never the deputy\n"
        "      - {after_days: 1, notify: [owner]}",
        "escalation:\n      - {after_days: 1, notify: [owner, deputy_head_safety]}", 1)
    assert down != SHIPPED
    with pytest.raises(RulesError, match=r"kinds\.midyear_report.*deputy_head_safety, who is below the owner"):
        parse_rules(down)
    # A later stage lower than an earlier one is refused too.
    lower = SHIPPED.replace("      - {after_days: 10, notify: [deputy_head_safety]}\n      - {after_days: 20, notify: [township_head, county_office]}",
                            "      - {after_days: 10, notify: [county_office]}\n      - {after_days: 20, notify: [township_head]}")
    assert lower != SHIPPED
    with pytest.raises(RulesError, match=r"monthly_risk_analysis.*below county_office told at an earlier stage"):
        parse_rules(lower)
    # The shipped head's duties go straight to the county.
    rules = parse_rules(SHIPPED)
    for kind in ("midyear_report", "annual_report"):
        assert [s.notify for s in rules.kind(kind).escalation] == [["owner"], ["county_office"]]


def test_full_time_manager_sectors_are_the_books():
    rules = parse_rules(SHIPPED)
    assert {s.value for s in rules.full_time_manager_sectors} == {"non_coal_mining", "construction", "fireworks",
                                                                  "hazardous_chemicals"}
    assert rules.dedicated_safety_staff_over == 300

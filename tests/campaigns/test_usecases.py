"""Campaigns and major events from raw parameters, as the command line and the Prefect UI give them."""

from __future__ import annotations

from datetime import date

import pytest

from anquan.campaigns import usecases as campaigns
from anquan.errors import AnquanError
from tests.support import outbox

CAMPAIGN = {"name": "烟花爆竹安全专项整治", "sectors": "fireworks,hazardous_chemicals", "from_date": "2026-12-01",
            "to_date": "2027-01-31", "summary_due": "2027-02-10"}


def test_a_campaign_is_checked_then_started_once(county):
    with pytest.raises(AnquanError):
        campaigns.start_campaign(county, params={**CAMPAIGN, "sectors": "nonsense"}, today=date(2026, 11, 20))
    assert outbox(county) == []
    started = campaigns.start_campaign(county, params=CAMPAIGN, today=date(2026, 11, 20))
    assert started["created"] and len(started["townships"]) == 8 and started["mails_queued"] > 0
    again = campaigns.start_campaign(county, params=CAMPAIGN, today=date(2026, 11, 20))
    assert (again["created"], again["id"], again["mails_queued"]) == (False, started["id"], 0)


def test_a_major_event_is_entered_and_listed(county):
    entered = campaigns.add_major_event(county, params={"name": "青岚县茶文化旅游节", "from_date": "2026-12-18",
                                                        "to_date": "2026-12-20", "townships": "QL01,QL02"},
                                        today=date(2026, 11, 20))
    assert entered["created"] and entered["townships"] == ["QL01", "QL02"]
    assert [e["id"] for e in campaigns.list_major_events(county, year=2026)] == [entered["id"]]

"""The records' use cases: a risk analysis with its alert in one unit of work, alerts, accidents, hazards."""

from __future__ import annotations

from datetime import date

import pytest

from anquan.cycle import usecases as cycle
from anquan.errors import AnquanError
from anquan.records import usecases as records
from tests.support import outbox


def _analysis(app, period: str) -> int:
    return next(r["id"] for r in cycle.each_obligation(app, org_code="QL04E006", kind="monthly_risk_analysis")
                if r["period"] == period)


def test_a_risk_analysis_with_a_warning_is_recorded_together_and_delivered_at_once(planned_county):
    oid = _analysis(planned_county, "2026-10")
    done = records.submit_risk_analysis(planned_county, obligation_id=oid, warning="仓库温度异常升高，烟感报警两次",
                                        measures="已停止作业", submitted_on=date(2026, 10, 30), today=date(2026, 11, 2))
    assert done.submission.obligation_id == oid and done.submission.status == "submitted"
    [alert] = done.reported.alerts
    assert (alert["kind"], alert["obligation_id"], alert["org_code"]) == ("warning_sign", oid, "QL04E006")
    assert alert["mails_queued"] > 0
    assert done.reported.delivery["backend"] == "folder" and done.reported.delivery["sent"] == alert["mails_queued"]
    assert len(list(planned_county.settings.effective_mail_dir.glob("*.eml"))) == alert["mails_queued"]
    assert [a["id"] for a in records.list_alerts(planned_county, year=2026)] == [alert["id"]]


def test_a_warning_goes_only_with_a_risk_analysis_and_then_nothing_is_written(planned_county):
    other = cycle.obligation_page(planned_county, org_code="QL04", kind="midyear_report").rows[0]["id"]
    with pytest.raises(AnquanError, match="go with an enterprise's monthly risk analysis"):
        records.submit_risk_analysis(planned_county, obligation_id=other, warning="xxxx", today=date(2026, 11, 2))
    assert cycle.show_obligation(planned_county, obligation_id=other)["status"] == "open"
    assert records.list_alerts(planned_county) == [] and outbox(planned_county) == []
    with pytest.raises(AnquanError, match="measures"):
        records.submit_risk_analysis(planned_county, obligation_id=_analysis(planned_county, "2026-10"),
                                     measures="已停止作业")


def test_an_alert_can_leave_its_mail_to_the_scheduled_delivery(county):
    reported = records.report_alert(county, org_code="QL04E006", kind="major_hazard_source",
                                    description="新增液氨储罐，构成重大危险源", reported_on=date(2026, 5, 1),
                                    today=date(2026, 5, 1), deliver=False)
    assert reported.delivery is None
    assert len(outbox(county, status="pending")) == reported.alerts[0]["mails_queued"] > 0


def test_record_and_correct_an_accident(county):
    recorded = records.record_accident(county, org_code="QL01", occurred_on=date(2026, 5, 3), kind="road_traffic",
                                       deaths=2, injuries=3, today=date(2026, 5, 3))
    assert recorded.accident["liability"] is True and recorded.mails_queued >= 2
    assert recorded.as_dict()["mails_queued"] == recorded.mails_queued
    records.correct_accident(county, accident_id=recorded.accident["id"], deaths=3, egregious=True)
    shown = records.show_accident(county, accident_id=recorded.accident["id"])
    assert (shown["deaths"], shown["egregious"]) == (3, True)
    assert [a["id"] for a in records.list_accidents(county, year=2026)] == [recorded.accident["id"]]


def test_list_and_close_a_hazard(planned_county):
    h = records.add_hazard(planned_county, org_code="QL01", year=2026, description="脚手架基础不稳",
                           responsible_person="张伟", measures="加固基础", deadline=date(2026, 9, 30),
                           emergency_plan="停止作业", funds="5万元", enterprise_code="QL01E001")
    closed = records.close_hazard(planned_county, hazard_id=h["id"], closed_on=date(2026, 9, 20),
                                  today=date(2026, 9, 21), note="基础已加固，验收合格")
    assert closed["status"] == "closed" and closed["evaluation_id"]
    assert [x["id"] for x in records.list_hazards(planned_county, year=2026, status="closed")] == [h["id"]]


def _dates(app) -> list:
    from email import message_from_bytes, policy

    return [message_from_bytes(m.raw, policy=policy.default)["Date"].datetime for m in outbox(app)]


def test_an_accident_recorded_now_is_mailed_with_the_time_it_was_recorded(county):
    """Issue 11: accident and alert mails carry the real send time, not 08:00; a given day keeps 08:00."""
    from datetime import datetime, timedelta

    before = datetime.now(county.settings.tz)
    records.record_accident(county, org_code="QL01", occurred_on=county.today(), kind="other", deaths=1)
    stamped = _dates(county)
    assert stamped and all(before - timedelta(seconds=1) <= d <= datetime.now(county.settings.tz) + timedelta(seconds=1)
                           for d in stamped)
    records.record_accident(county, org_code="QL02", occurred_on=date(2026, 5, 3), kind="other", deaths=1,
                            today=date(2026, 5, 3))
    replayed = [d for d in _dates(county) if d not in stamped]
    assert replayed and all((d.hour, d.minute) == (8, 0) for d in replayed)

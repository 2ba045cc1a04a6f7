"""The cycle's use cases over an App: plan, pages of obligations, submissions, waivers, the tick, delivery."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes, policy

import pytest

from anquan.cycle import usecases as cycle
from anquan.errors import AnquanError
from tests.support import outbox


def _attachments(app) -> list[str]:
    return [part.get_filename() for m in outbox(app)
            for part in message_from_bytes(m.raw, policy=policy.default).iter_attachments()]


def test_plan_is_idempotent_and_a_page_counts_all(county):
    assert cycle.plan(county, year=2026).total_created > 4000
    assert cycle.plan(county, year=2026).total_created == 0
    page = cycle.obligation_page(county, year=2026, org_code="QL01", limit=3)
    assert len(page.rows) == 3
    assert page.total == len(list(cycle.each_obligation(county, year=2026, org_code="QL01"))) > 3


def test_filters_are_refused_before_the_first_row(planned_county):
    with pytest.raises(AnquanError, match="NOPE"):
        cycle.each_obligation(planned_county, org_code="NOPE")  # at the call, before anything is streamed
    with pytest.raises(AnquanError, match="nap"):
        cycle.obligation_page(planned_county, kind="nap")


def test_submit_one_a_days_batch_and_waive(planned_county):
    report = cycle.obligation_page(planned_county, org_code="QL01", kind="midyear_report").rows[0]
    late = cycle.submit(planned_county, obligation_id=report["id"], submitted_on=date(2026, 7, 6), note="迟交",
                        today=date(2026, 7, 6))
    assert (late.status, late.first) == ("late", True)
    assert cycle.show_obligation(planned_county, obligation_id=report["id"])["submissions"][0]["note"] == "迟交"

    analyses = cycle.obligation_page(planned_county, org_code="QL04E006", kind="monthly_risk_analysis").rows
    done = cycle.submit_all(planned_county, obligation_ids=[analyses[0]["id"], analyses[1]["id"]],
                            on=date(2026, 1, 20), note="模拟报送")
    assert [r.obligation_id for r in done] == [analyses[0]["id"], analyses[1]["id"]]
    assert all(r.status == "submitted" for r in done)
    cycle.waive(planned_county, obligation_id=analyses[2]["id"], reason="停产")
    assert cycle.show_obligation(planned_county, obligation_id=analyses[2]["id"])["status"] == "waived"


@pytest.mark.parametrize("backend", ["sqlite"])  # document-heavy: one backend (see tests/conftest.py)
def test_the_cycles_tick_attaches_nothing_unless_handed_a_provider(planned_county):
    report = cycle.tick(planned_county, as_of=date(2026, 6, 14))
    assert report.messages > 0
    # Only a long digest's own list of its items (issue 11) goes along; no duty-report form without a provider.
    assert {n for n in _attachments(planned_county) if not n.startswith("安全生产待办事项清单")} == set()


@pytest.mark.parametrize("backend", ["sqlite"])  # document-heavy: one backend (see tests/conftest.py)
def test_the_provider_is_asked_per_message_and_its_files_attached(planned_county):
    asked = []

    def provider(session, items, as_of):
        asked.append((len(items), as_of))
        return [("note.txt", "text/plain", b"x")] if any(i.kind == "midyear_report" for i in items) else None

    report = cycle.tick(planned_county, as_of=date(2026, 6, 14), attachments=provider)
    assert len(asked) == report.messages and {d for _, d in asked} == {date(2026, 6, 14)}
    assert 0 < _attachments(planned_county).count("note.txt") < report.messages


def test_deliver_mail_writes_eml_files_without_smtp(planned_county):
    queued = cycle.tick(planned_county, as_of=date(2026, 1, 26)).messages
    delivered = cycle.deliver_mail(planned_county)
    assert (delivered.backend, delivered.sent, delivered.failed) == ("folder", queued, 0)
    assert len(list(planned_county.settings.effective_mail_dir.glob("*.eml"))) == queued
    assert [m["status"] for m in cycle.each_message(planned_county)] == ["sent"] * queued

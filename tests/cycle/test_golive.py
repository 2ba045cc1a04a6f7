"""The go-live date: what fell due before it is not tracked, and the county office is told once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from anquan.assessment import usecases as assessment
from anquan.cycle import usecases as cycle
from anquan.directory import usecases as directory
from anquan.models.directory import Contact, Organisation, OrgKind, Role
from anquan.models.obligations import Installation, Obligation, ObligationStatus
from anquan.models.outbox import Notice, NoticeOutcome
from anquan.resources import sample_county
from tests.support.db import outbox

LATE_IN_THE_YEAR = date(2026, 11, 30)


@pytest.fixture
def fresh(app, monkeypatch):
    """The App as a county installs it: no go-live setting, and today pinned late in the year."""
    app.settings = app.settings.model_copy(update={"go_live": None})
    monkeypatch.setattr(app, "today", lambda: LATE_IN_THE_YEAR)
    return app


def _first_run(app):
    """The README's first command: db upgrade (the fixture), directory import, plan, tick, mail deliver."""
    directory.import_directory(app, path=sample_county())
    report = cycle.plan(app, year=2026)
    ticked = assessment.daily_tick(app, as_of=app.today())
    delivered = cycle.deliver_mail(app)
    return report, ticked, delivered


def test_first_run_late_in_the_year_chases_nothing_due_before_go_live(fresh):
    report, ticked, _ = _first_run(fresh)
    assert report.go_live == LATE_IN_THE_YEAR and report.not_tracked > 0
    with fresh.session() as s:
        assert s.get(Installation, 1).go_live_on == LATE_IN_THE_YEAR
        told_about_old = s.execute(
            select(func.count()).select_from(Notice).join(Obligation, Obligation.id == Notice.obligation_id)
            .where(Notice.outcome == NoticeOutcome.notified.value, Obligation.due_on < LATE_IN_THE_YEAR)
        ).scalar_one()
        open_before = s.execute(select(func.count()).select_from(Obligation).where(
            Obligation.due_on < LATE_IN_THE_YEAR, Obligation.status == ObligationStatus.open.value)).scalar_one()
        office = {c.email.lower() for c in s.execute(select(Contact).join(Organisation, Organisation.id == Contact.org_id)
                  .where(Organisation.kind == OrgKind.county.value, Contact.role == Role.county_office.value)).scalars()}
    assert told_about_old == 0 and open_before == 0
    escalations = [m for m in outbox(fresh) if "escalation" in m.stage]
    assert escalations == []
    baseline = outbox(fresh, stage="baseline")
    assert {m.to_addr for m in baseline} == office and office
    text = baseline[0].raw.decode("utf-8", "replace") if isinstance(baseline[0].raw, bytes) else baseline[0].raw
    assert "纳入系统管理" in baseline[0].subject
    assert text  # the message was built
    # The next day: no second baseline; the tick chases only what falls due from go-live on.
    fresh.today = lambda: date(2026, 12, 1)
    assessment.daily_tick(fresh, as_of=date(2026, 12, 1))
    assert len(outbox(fresh, stage="baseline")) == len(office)


def test_go_live_setting_overrides_the_recorded_date_and_reopens(fresh):
    _first_run(fresh)
    fresh.settings = fresh.settings.model_copy(update={"go_live": date(2026, 10, 1)})
    report = cycle.plan(fresh, year=2026)
    with fresh.session() as s:
        reopened = s.execute(select(Obligation).where(Obligation.due_on >= date(2026, 10, 1),
                                                      Obligation.due_on < LATE_IN_THE_YEAR)).scalars().all()
        assert reopened and {o.status for o in reopened} == {ObligationStatus.open.value}
        assert {o.next_action_on for o in reopened} == {date(2026, 10, 1)}
        # Still recorded as first planned; the setting wins.
        assert s.get(Installation, 1).go_live_on == LATE_IN_THE_YEAR
    assert report.go_live == date(2026, 10, 1)


def test_assessment_leaves_out_duties_due_before_go_live_and_says_so(fresh):
    _first_run(fresh)
    published = assessment.publish(fresh, year=2026, as_of=LATE_IN_THE_YEAR)
    a = published.assessment
    assert a.go_live == LATE_IN_THE_YEAR
    # Nothing due before go-live is deducted: every obligation item is about duties due from then on.
    for r in a.results:
        assert not [d for d in r.deductions if "截止" in d.evidence], r.deductions
    assert any("纳入系统管理" in n for n in a.notes)


def test_tick_refuses_a_day_after_today_outside_the_simulation(fresh):
    from anquan.errors import InvalidValue

    directory.import_directory(fresh, path=sample_county())
    with pytest.raises(InvalidValue, match="2026-12-01 is after today") as exc:
        cycle.tick(fresh, as_of=date(2026, 12, 1))
    assert exc.value.field == "as_of"
    assert cycle.tick(fresh, as_of=date(2026, 12, 1), simulated=True).date == date(2026, 12, 1)

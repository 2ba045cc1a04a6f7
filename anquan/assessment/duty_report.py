"""The duty report form (履职报告书) a township head hands in by 5 July and 5 January, pre-filled.

What the system knows of the township for the half-year or the year: its own duties done or missed,
its enterprises' monthly risk-analysis completion, listed hazards, accidents, staffing gaps, and the
self-assessment score with every deduction. Rendered from templates/documents/duty_report.docx.

The daily tick is handed `duty_report_forms(...)` as its attachment provider (see
`anquan.assessment.usecases`): the cycle does not import Word rendering or scoring.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from anquan.cycle.tick import AttachmentProvider
from anquan.models.directory import Organisation, OrgKind, Role
from anquan.notifications.render import MailItem
from anquan.reporting.books import DOCUMENTS_DIR, _first, render_docx
from anquan.vocabulary import (BOOK_SIGNING, CAMPAIGN_TASK, EVENT_INSPECTION, HOLIDAY_INSPECTION, MIDYEAR_REPORT,
                               MONTHLY_RISK_ANALYSIS, QUARTERLY_INSPECTION, QUARTERLY_MEETING, event_period_labels,
                               parse_period, period_label, REPORT_KINDS, report_span_label)


DUTY_KINDS = (BOOK_SIGNING, QUARTERLY_MEETING, QUARTERLY_INSPECTION, HOLIDAY_INSPECTION, EVENT_INSPECTION, MIDYEAR_REPORT,
              CAMPAIGN_TASK)


def duty_report_context(session: Session, *, rules, rubric, township: Organisation, year: int, kind: str, as_of: date) -> dict:
    """What the system knows of a township for the duty report (履职报告书): mid-year (H1) or the whole year."""
    from anquan.assessment.scoring import assess
    from anquan.directory.summary import staffing_gaps
    from anquan.records.hazards import list_hazards
    from anquan.models.obligations import Obligation, ObligationStatus
    from anquan.models.records import Accident

    period_to = date(year, 6, 30) if kind == MIDYEAR_REPORT else date(year, 12, 31)
    county = session.get(Organisation, township.parent_id)
    duties = []
    obligations = session.execute(
        select(Obligation).where(Obligation.subject_org_id == township.id, Obligation.org_id == township.id,
                                 Obligation.year == year, Obligation.kind.in_(DUTY_KINDS), Obligation.due_on <= period_to)
        .order_by(Obligation.due_on, Obligation.id)
    ).scalars().all()
    names = event_period_labels(session, (ob.period for ob in obligations))
    for ob in obligations:
        title = rules.kinds[ob.kind].title if ob.kind in rules.kinds else ob.kind
        status = {"submitted": "按时完成", "late": "逾期完成", "waived": "免于报送"}.get(ob.status)
        if status is None:
            status = "未完成" if ob.due_on < as_of else "未到期"
        duties.append({"title": f"{title}（{names.get(ob.period) or period_label(ob.period)}）", "status": status,
                       "note": f"截止{ob.due_on.isoformat()}" + (f"，{ob.submitted_on.isoformat()}报送" if ob.submitted_on else "")})
    enterprise_ids = select(Organisation.id).where(Organisation.township_id == township.id, Organisation.kind == OrgKind.enterprise.value)
    due, done = session.execute(
        select(func.count(), func.count().filter(Obligation.status.in_([ObligationStatus.submitted.value, ObligationStatus.late.value])))
        .where(Obligation.kind == MONTHLY_RISK_ANALYSIS, Obligation.year == year, Obligation.subject_org_id.in_(enterprise_ids),
               Obligation.due_on <= min(period_to, as_of), Obligation.status != ObligationStatus.waived.value)
    ).one()
    hazards = list_hazards(session=session, year=year, org_code=township.code, today=as_of)
    acc = session.execute(
        select(func.count(Accident.id), func.coalesce(func.sum(Accident.deaths), 0), func.coalesce(func.sum(Accident.injuries), 0))
        .where(Accident.org_id == township.id, Accident.occurred_on >= date(year, 1, 1), Accident.occurred_on <= period_to)
    ).one()
    gaps = [f"{g['org_name']}{g['detail_zh']}" for g in staffing_gaps(session=session, rules=rules, township_id=township.id)]
    result = assess(session=session, rules=rules, rubric=rubric, year=year, as_of=as_of, org_code=township.code).results[0]
    return {
        "year": year, "county_name": county.name if county else "", "township_name": township.name,
        "township_head": _first(session, township.id, Role.township_head),
        "period_label": report_span_label(kind),
        "period_from": date(year, 1, 1).isoformat(), "period_to": period_to.isoformat(), "as_of": as_of.isoformat(),
        "duties": duties,
        "risk": {"due": due, "done": done, "rate": f"{done / due * 100:.1f}%" if due else "—"},
        "hazards": {"total": len(hazards), "closed": sum(h["status"] == "closed" for h in hazards),
                    "open": sum(h["status"] == "open" for h in hazards), "overdue": sum(h["overdue"] for h in hazards)},
        "accidents": {"count": acc[0], "deaths": int(acc[1]), "injuries": int(acc[2])},
        "gaps": gaps,
        "score": f"{float(result.score):g}", "grade": result.grade, "vetoed": result.vetoed,
        "deductions": [f"{d.item}（{float(d.points):+g}）" for d in result.deductions][:30],
    }


def render_duty_report(session: Session, *, rules, rubric, township: Organisation, year: int, kind: str, as_of: date) -> bytes:
    return render_docx(DOCUMENTS_DIR / "duty_report.docx",
                       duty_report_context(session, rules=rules, rubric=rubric, township=township, year=year, kind=kind, as_of=as_of))


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def duty_report_forms(*, rules, rubric) -> AttachmentProvider:
    """An attachment provider: the form for each mid-year or year-end report reminder to a township head."""

    def forms(session: Session, items: list[MailItem], as_of: date) -> list[tuple[str, str, bytes]]:
        out = []
        for i in items:
            if i.kind in REPORT_KINDS and i.stage_kind == "reminder" and i.recipient_role == Role.township_head.value:
                township = session.execute(select(Organisation).where(Organisation.code == i.org_code)).scalar_one()
                year = parse_period(i.period).year
                data = render_duty_report(session, rules=rules, rubric=rubric, township=township, year=year,
                                          kind=i.kind, as_of=as_of)
                out.append((f"{year}年{township.name}{report_span_label(i.kind)}安全生产工作履职报告书.docx", DOCX, data))
        return out

    return forms

"""The duty report form (履职报告书) a township head hands in by 5 July and 5 January, pre-filled.

One row per duty of the book (anquan.reporting.bookduties), with what the system knows of it as of the day
the form is made (each report reminder makes it afresh): the township's own duties named with where each
stands (2026年第2季度安全生产大检查总结，逾期3天), its enterprises' monthly risk analysis, listed hazards,
staffing, accidents; and the self-assessment score with every deduction named. The township fills in the
rest. Rendered from templates/documents/duty_report.docx.

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
from anquan.reporting.bookduties import BOOK_DUTIES, KINDS
from anquan.vocabulary import (MIDYEAR_REPORT, MONTHLY_RISK_ANALYSIS, REPORT_KINDS, duty_name, event_period_labels,
                               parse_period, report_span_label)


DUTY_KINDS = tuple(kind for kinds in KINDS.values() for kind in kinds)


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _state(ob, as_of: date) -> str:
    """Where one obligation stands, in words: 2026年6月28日按时报送 / 逾期3天 / 尚未到期."""
    if ob.status == "submitted":
        return f"{_cn(ob.submitted_on)}按时报送" if ob.submitted_on else "按时报送"
    if ob.status == "late":
        days = (ob.submitted_on - ob.due_on).days if ob.submitted_on else None
        return f"{_cn(ob.submitted_on)}报送，逾期{days}天" if days else "逾期报送"
    if ob.status == "waived":
        return "免于报送"
    if ob.status == "not_tracked":
        return "纳入系统管理前到期（未跟踪）"
    if ob.due_on < as_of:
        return f"截止{_cn(ob.due_on)}，逾期未报送"
    return f"{_cn(ob.due_on)}前报送，尚未到期，请据实填写"


def _duty_records(session: Session, *, rules, township: Organisation, year: int, period_to: date, as_of: date) -> dict:
    """The township's own duties of the period, named, by the book's clause."""
    from anquan.models.obligations import Obligation

    obligations = session.execute(
        select(Obligation).where(Obligation.subject_org_id == township.id, Obligation.org_id == township.id,
                                 Obligation.year == year, Obligation.kind.in_(DUTY_KINDS), Obligation.due_on <= period_to)
        .order_by(Obligation.due_on, Obligation.id)
    ).scalars().all()
    names = event_period_labels(session, (ob.period for ob in obligations))
    clause_of = {kind: clause for clause, kinds in KINDS.items() for kind in kinds}
    records: dict[str, list[str]] = {}
    for ob in obligations:
        title = rules.kinds[ob.kind].title if ob.kind in rules.kinds else ob.kind
        records.setdefault(clause_of[ob.kind], []).append(f"{duty_name(title, ob.period, names.get(ob.period))}，"
                                                          f"{_state(ob, as_of)}")
    return records


def _facts(session: Session, *, rules, township: Organisation, year: int, period_to: date, as_of: date) -> dict:
    """Risk analysis, listed hazards, accidents and staffing of the period, each as the form's sentence."""
    from anquan.directory.summary import staffing_gaps
    from anquan.models.obligations import Obligation, ObligationStatus
    from anquan.models.records import Accident
    from anquan.records.hazards import list_hazards

    enterprise_ids = select(Organisation.id).where(Organisation.township_id == township.id,
                                                   Organisation.kind == OrgKind.enterprise.value)
    due, done = session.execute(
        select(func.count(), func.count().filter(Obligation.status.in_([ObligationStatus.submitted.value,
                                                                         ObligationStatus.late.value])))
        .where(Obligation.kind == MONTHLY_RISK_ANALYSIS, Obligation.year == year, Obligation.subject_org_id.in_(enterprise_ids),
               Obligation.due_on <= min(period_to, as_of),
               Obligation.status.notin_([ObligationStatus.waived.value, ObligationStatus.not_tracked.value]))
    ).one()
    hazards = list_hazards(session=session, year=year, org_code=township.code, today=as_of)
    acc = session.execute(
        select(func.count(Accident.id), func.coalesce(func.sum(Accident.deaths), 0), func.coalesce(func.sum(Accident.injuries), 0))
        .where(Accident.org_id == township.id, Accident.occurred_on >= date(year, 1, 1), Accident.occurred_on <= period_to)
    ).one()
    gaps = [f"{g['org_name']}{g['detail_zh']}" for g in staffing_gaps(session=session, rules=rules, township_id=township.id)]
    closed = sum(h["status"] == "closed" for h in hazards)
    return {
        "(二)5": [f"企业每月安全生产风险分析应报{due}次，已报{done}次，完成率{done / due * 100:.1f}%" if due
                  else "企业每月安全生产风险分析尚无到期"],
        "(一)9": [f"挂牌督办隐患{len(hazards)}项，已整改销号{closed}项，在办{len(hazards) - closed}项，"
                  f"其中逾期{sum(h['overdue'] for h in hazards)}项"],
        "(一)6": [f"安全监管人员配备存在不足：{'；'.join(gaps)}" if gaps else "安全监管人员配备符合责任书要求"],
        "二": [f"生产安全事故{acc[0]}起，死亡{int(acc[1])}人，受伤{int(acc[2])}人"],
        "accidents": {"count": acc[0], "deaths": int(acc[1]), "injuries": int(acc[2])},
    }


def duty_report_context(session: Session, *, rules, rubric, township: Organisation, year: int, kind: str, as_of: date) -> dict:
    """What the system knows of a township for the duty report (履职报告书), mid-year (H1) or the whole year:
    one row per duty of the book, with the records of that duty named, and space for what the township adds."""
    from anquan.assessment.scoring import assess

    period_to = date(year, 6, 30) if kind == MIDYEAR_REPORT else date(year, 12, 31)
    county = session.get(Organisation, township.parent_id)
    known = _duty_records(session, rules=rules, township=township, year=year, period_to=period_to, as_of=as_of)
    facts = _facts(session, rules=rules, township=township, year=year, period_to=period_to, as_of=as_of)
    rows = [{"no": i, "clause": f"{clause} {about}", "record": "；".join(known.get(clause) or facts.get(clause) or [])}
            for i, (clause, about) in enumerate(BOOK_DUTIES, start=1)]
    result = assess(session=session, rules=rules, rubric=rubric, year=year, as_of=as_of, org_code=township.code).results[0]
    return {
        "year": year, "county_name": county.name if county else "", "township_name": township.name,
        "township_head": _first(session, township.id, Role.township_head),
        "period_label": report_span_label(kind),
        "period_from": _cn(date(year, 1, 1)), "period_to": _cn(period_to), "as_of": _cn(as_of),
        "rows": rows, "accidents": facts["accidents"],
        "score": f"{float(result.score):g}", "grade": result.grade, "vetoed": result.vetoed,
        "deductions": [f"{d.item}：{d.evidence}（{float(d.points):+g}分）" for d in result.deductions][:30],
    }


def render_duty_report(session: Session, *, rules, rubric, township: Organisation, year: int, kind: str, as_of: date) -> bytes:
    return render_docx(DOCUMENTS_DIR / "duty_report.docx",
                       duty_report_context(session, rules=rules, rubric=rubric, township=township, year=year, kind=kind, as_of=as_of))


def form_filename(township: Organisation, year: int, kind: str) -> str:
    return f"{year}年{township.name}{report_span_label(kind)}安全生产工作履职报告书.docx"


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
                out.append((form_filename(township, year, i.kind), DOCX, data))
        return out

    return forms

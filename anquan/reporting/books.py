"""Word documents from templates county IT can edit in Word (docxtpl: Jinja2 fields inside .docx).

A template whose fields are broken, or name a field Anquan does not provide,
is rejected with the field's name before anything is sent.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from jinja2 import Environment, StrictUndefined, TemplateSyntaxError, UndefinedError
from sqlalchemy import func, select
from sqlmodel import Session

from anquan.errors import AnquanError
from anquan.models.directory import Contact, Organisation, OrgKind, Role
from anquan.models.records import ControlIndicator
from anquan.resources import templates_dir
from anquan.vocabulary import (BOOK_SIGNING, CAMPAIGN_TASK, EVENT_INSPECTION, HOLIDAY_INSPECTION, MIDYEAR_REPORT,
                               MONTHLY_RISK_ANALYSIS, QUARTERLY_INSPECTION, QUARTERLY_MEETING, ROLE_LABELS,
                               event_period_labels, period_label, report_span_label)

DOCUMENTS_DIR = templates_dir("documents")


class TemplateError(AnquanError):
    pass


def _env() -> Environment:
    return Environment(undefined=StrictUndefined, autoescape=False)


def check_template(path: Path, provided: set[str]) -> None:
    """Refuse a template that does not parse or that uses a field outside `provided`."""
    from docxtpl import DocxTemplate

    try:
        tpl = DocxTemplate(str(path))
        used = tpl.get_undeclared_template_variables(_env())
    except TemplateSyntaxError as exc:
        raise TemplateError(f"{path.name}: a broken field near line {exc.lineno} of its text: {exc.message}") from None
    except Exception as exc:  # a damaged .docx
        raise TemplateError(f"{path.name}: cannot be read as a Word template: {exc}") from None
    unknown = sorted(set(used) - provided)
    if unknown:
        raise TemplateError(f"{path.name}: unknown field(s) {', '.join(unknown)}; the fields are: {', '.join(sorted(provided))}")


def render_docx(path: Path, context: dict, *, check: bool = True) -> bytes:
    """Render a template; `check=False` when the caller checked it once for a whole batch."""
    from docxtpl import DocxTemplate

    if check:
        check_template(path, set(context))
    tpl = DocxTemplate(str(path))
    try:
        tpl.render(context, _env())
    except UndefinedError as exc:
        raise TemplateError(f"{path.name}: field {exc.message}") from None
    except TemplateSyntaxError as exc:
        raise TemplateError(f"{path.name}: a broken field: {exc.message}") from None
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def _first(session: Session, org_id: int | None, role: Role) -> str:
    if org_id is None:
        return ""
    return session.execute(
        select(Contact.name).where(Contact.org_id == org_id, Contact.role == role.value, Contact.active).order_by(Contact.id)
    ).scalars().first() or ""


def book_context(session: Session, org: Organisation, year: int) -> tuple[str, dict]:
    """The template and the fields of one organisation's responsibility book."""
    if org.kind == OrgKind.township.value:
        county = session.get(Organisation, org.parent_id)
        ind = session.execute(select(ControlIndicator).where(ControlIndicator.org_id == org.id,
                                                             ControlIndicator.year == year)).scalar_one_or_none()
        indicators = None if ind is None else {"max_accidents": ind.max_accidents, "max_deaths": ind.max_deaths,
                                                "max_injuries": ind.max_injuries}
        return "book_county_township.docx", {
            "year": year, "county_name": county.name, "township_name": org.name, "township_code": org.code,
            "township_head": _first(session, org.id, Role.township_head), "indicators": indicators,
        }
    if org.kind in (OrgKind.village.value, OrgKind.unit.value):
        township = session.get(Organisation, org.township_id)
        county = session.get(Organisation, township.parent_id)
        is_village = org.kind == OrgKind.village.value
        officer = _first(session, org.id, Role.village_safety_officer) if is_village else ""
        return "book_township_village.docx", {
            "year": year, "county_name": county.name, "township_name": township.name,
            "township_head": _first(session, township.id, Role.township_head), "org_name": org.name, "org_code": org.code,
            "org_label": "村" if is_village else "单位", "is_village": is_village, "safety_officer": officer,
            "signatory": officer if is_village else _first(session, org.id, Role.unit_head),
        }
    raise AnquanError(f"{org.code} is {org.kind}: books are signed by townships, villages and units")


def render_book(session: Session, org: Organisation, year: int, *, check: bool = True) -> bytes:
    name, context = book_context(session, org, year)
    return render_docx(DOCUMENTS_DIR / name, context, check=check)


def book_filename(org: Organisation, year: int) -> str:
    return f"{year}-{org.code}-{org.name}-安全生产目标责任书.docx"


def render_books(*, session: Session, year: int, out: Path, org_code: str | None = None) -> list[Path]:
    """Every book of the year (or one organisation's) as .docx files in `out`."""
    q = select(Organisation).where(Organisation.kind.in_([OrgKind.township.value, OrgKind.village.value, OrgKind.unit.value]))
    if org_code:
        q = q.where(Organisation.code == org_code)
    orgs = session.execute(q.order_by(Organisation.code)).scalars().all()
    if org_code and not orgs:
        raise AnquanError(f"--org: no township, village or unit with code {org_code!r}")
    for name, fields in BOOK_FIELDS.items():  # refuse a broken template before writing anything
        check_template(DOCUMENTS_DIR / name, fields)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for org in orgs:
        path = out / book_filename(org, year)
        path.write_bytes(render_book(session, org, year, check=False))
        paths.append(path)
    return paths


BOOK_FIELDS = {
    "book_county_township.docx": {"year", "county_name", "township_name", "township_code", "township_head", "indicators"},
    "book_township_village.docx": {"year", "county_name", "township_name", "township_head", "org_name", "org_code",
                                   "org_label", "is_village", "safety_officer", "signatory"},
}


DUTY_KINDS = (BOOK_SIGNING, QUARTERLY_MEETING, QUARTERLY_INSPECTION, HOLIDAY_INSPECTION, EVENT_INSPECTION, MIDYEAR_REPORT,
              CAMPAIGN_TASK)


def duty_report_context(session: Session, *, rules, rubric, township: Organisation, year: int, kind: str, as_of: date) -> dict:
    """What the system knows of a township for the duty report (履职报告书): mid-year (H1) or the whole year."""
    from anquan.assessment.scoring import assess
    from anquan.directory.importer import staffing_gaps
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


def send_books(*, session: Session, rules, year: int, today: date, mail_from: str, tz) -> dict:
    """Mail every organisation whose book for the year is not yet signed its book, asking for the signed scan."""
    from anquan.models.obligations import Obligation, ObligationStatus
    from anquan.notifications.outbox import enqueue, event_key
    from anquan.notifications.render import render_named

    for name, fields in BOOK_FIELDS.items():
        check_template(DOCUMENTS_DIR / name, fields)
    role_for = {OrgKind.township.value: Role.township_head, OrgKind.village.value: Role.village_safety_officer,
                OrgKind.unit.value: Role.unit_head}
    rows = session.execute(
        select(Obligation, Organisation).join(Organisation, Organisation.id == Obligation.org_id)
        .where(Obligation.kind == BOOK_SIGNING, Obligation.year == year, Obligation.status == ObligationStatus.open.value)
        .order_by(Organisation.code)
    ).all()
    queued = books = 0
    for ob, org in rows:
        role = role_for.get(org.kind)
        people = session.execute(
            select(Contact.name, Contact.email).where(Contact.org_id == org.id, Contact.role == role.value, Contact.active)
        ).all() if role else []
        if not people:  # nobody to sign at the organisation: the township safety office takes it
            people = session.execute(
                select(Contact.name, Contact.email).where(Contact.org_id == (org.township_id or org.id),
                                                          Contact.role == Role.safety_office.value, Contact.active)
            ).all()
            role = Role.safety_office
        if not people:
            continue
        data = render_book(session, org, year, check=False)
        books += 1
        attachment = [(book_filename(org, year), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data)]
        for name, email in people:
            rendered = render_named("book", {"to_name": name, "role_label": ROLE_LABELS[role.value], "org": org,
                                             "year": year, "ob": ob})
            queued += enqueue(session=session, key=event_key("book", year, org.id, email.lower()), to_name=name,
                              to_addr=email, rendered=rendered, stage="book", on=today, mail_from=mail_from, tz=tz,
                              attachments=attachment)
    return {"year": year, "books": books, "mails_queued": queued}

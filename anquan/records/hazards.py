"""Listed-supervision hazards (挂牌督办隐患): each with a rectification obligation, and an
effect evaluation (整改效果评价) opened when it is closed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from anquan.errors import AnquanError, InputRejected, InvalidValue, NotFound, Problem
from anquan.cycle.obligations import _record, open_event_obligation
from anquan.tabular import parse_date, read_single_table, whole
from anquan.models.directory import Organisation, OrgKind
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.models.records import Hazard, HazardStatus
from anquan.models.types import utcnow
from anquan.vocabulary import HAZARD_EVALUATION, HAZARD_RECTIFICATION, hazard_period

# The book lists responsibility, measures, funds, deadline and emergency plan for every listed hazard ((一)9).
REQUIRED = ("description", "responsible_person", "measures", "funds", "emergency_plan")


def hazard_dict(h: Hazard, township: Organisation, enterprise: Organisation | None, today: date | None = None) -> dict:
    overdue = h.status == HazardStatus.open.value and today is not None and today > h.deadline
    return {
        "id": h.id, "org_code": township.code, "org_name": township.name, "year": h.year,
        "enterprise_code": enterprise.code if enterprise else None, "enterprise_name": enterprise.name if enterprise else None,
        "place": h.place, "description": h.description, "responsible_person": h.responsible_person,
        "measures": h.measures, "funds": h.funds, "deadline": h.deadline.isoformat(), "emergency_plan": h.emergency_plan,
        "status": h.status, "overdue": overdue, "closed_on": h.closed_on.isoformat() if h.closed_on else None,
        "close_note": h.close_note, "rectification_id": h.rectification_id, "evaluation_id": h.evaluation_id,
    }


def _where(session: Session, org_code: str, enterprise_code: str | None, place: str | None):
    township = session.execute(select(Organisation).where(Organisation.code == org_code)).scalar_one_or_none()
    if township is None or township.kind != OrgKind.township.value:
        raise NotFound(f"{org_code!r} is not a township in the directory", field="org_code")
    enterprise = None
    if enterprise_code:
        enterprise = session.execute(select(Organisation).where(Organisation.code == enterprise_code)).scalar_one_or_none()
        if enterprise is None or enterprise.kind != OrgKind.enterprise.value:
            raise NotFound(f"{enterprise_code!r} is not an enterprise in the directory", field="enterprise_code")
        if enterprise.township_id != township.id:
            raise InvalidValue(f"{enterprise_code} is not in township {org_code}", field="enterprise_code")
    elif not (place or "").strip():
        raise InvalidValue("give the enterprise, or the place: where the hazard is", field="enterprise_code")
    return township, enterprise


def add_hazard(
    *, session: Session, rules, org_code: str, year: int, description: str, responsible_person: str, measures: str,
    deadline: date, emergency_plan: str, funds: str | None = None, enterprise_code: str | None = None,
    place: str | None = None,
) -> dict:
    """List a hazard for the year and open its rectification obligation (due on the deadline)."""
    township, enterprise = _where(session, org_code, enterprise_code, place)
    values = {"description": description, "responsible_person": responsible_person, "measures": measures,
              "emergency_plan": emergency_plan}
    for name, value in {**values, "funds": funds}.items():
        if not (value or "").strip():
            raise InvalidValue("required (the book lists it for every hazard)", field=name)
    if not 2000 <= year <= 2100:
        raise InvalidValue(f"{year} is out of range", field="year")
    if deadline.year < year:
        raise InvalidValue(f"{deadline.isoformat()} is before the year {year}", field="deadline")
    h = Hazard(org_id=township.id, enterprise_id=enterprise.id if enterprise else None, place=(place or "").strip() or None,
               year=year, funds=funds.strip(), deadline=deadline,
               **{k: v.strip() for k, v in values.items()})
    session.add(h)
    session.flush()
    ob = open_event_obligation(session=session, rules=rules, kind=HAZARD_RECTIFICATION, org_id=township.id,
                               subject_org_id=enterprise.id if enterprise else township.id, year=year,
                               period=hazard_period(year, h.id), due_on=deadline)
    h.rectification_id = ob.id
    session.add(h)
    session.flush()
    return hazard_dict(h, township, enterprise)


def _load(session: Session, hazard_id: int) -> Hazard:
    h = session.get(Hazard, hazard_id)
    if h is None:
        raise NotFound(f"no hazard with id {hazard_id}")
    return h


def get_hazard(*, session: Session, hazard_id: int, today: date | None = None) -> dict:
    h = _load(session, hazard_id)
    return hazard_dict(h, session.get(Organisation, h.org_id),
                       session.get(Organisation, h.enterprise_id) if h.enterprise_id else None, today)


def list_hazards(*, session: Session, year: int | None = None, org_code: str | None = None, status: str | None = None,
                 today: date | None = None) -> list[dict]:
    township, enterprise = aliased(Organisation), aliased(Organisation)
    q = (select(Hazard, township, enterprise).join(township, township.id == Hazard.org_id)
         .outerjoin(enterprise, enterprise.id == Hazard.enterprise_id))
    if year:
        q = q.where(Hazard.year == year)
    if org_code:
        q = q.where(township.code == org_code)
    if status:
        if status not in HazardStatus.__members__:
            raise InvalidValue(f"{status!r} is not open or closed", field="status")
        q = q.where(Hazard.status == status)
    return [hazard_dict(h, t, e, today) for h, t, e in session.execute(q.order_by(Hazard.deadline, Hazard.id)).all()]


def update_hazard(*, session: Session, rules, hazard_id: int, **changes) -> dict:
    """Change a hazard's details; a new deadline moves its open rectification obligation too."""
    h = _load(session, hazard_id)
    if h.status != HazardStatus.open.value:
        raise AnquanError(f"hazard {hazard_id} is closed; it can no longer be changed")
    changes = {k: v for k, v in changes.items() if v is not None}
    for name in REQUIRED:
        if name in changes and not changes[name].strip():
            raise InvalidValue("cannot be empty", field=name)
    for k, v in changes.items():
        setattr(h, k, v.strip() if isinstance(v, str) else v)
    if "deadline" in changes and h.rectification_id:
        ob = session.get(Obligation, h.rectification_id)
        if ob.status == ObligationStatus.open.value:
            from anquan.cycle.planning import first_action_on

            ob.due_on = ob.nominal_due_on = h.deadline
            # The schedule starts again from the new deadline; a stage already sent
            # for this obligation is never sent twice (notices are unique).
            ob.next_action_on = first_action_on(rules.kind(HAZARD_RECTIFICATION), h.deadline)
            ob.updated_at = utcnow()
            session.add(ob)
    h.updated_at = utcnow()
    session.add(h)
    session.flush()
    return get_hazard(session=session, hazard_id=hazard_id)


def close_hazard(*, session: Session, rules, hazard_id: int, closed_on: date, today: date, note: str | None = None) -> dict:
    """The rectification is done: its obligation is met (late if after the deadline) and the effect evaluation opens."""
    h = _load(session, hazard_id)
    if h.status == HazardStatus.closed.value:
        raise AnquanError(f"hazard {hazard_id} was closed on {h.closed_on.isoformat()}")
    if closed_on > today:
        raise InvalidValue(f"{closed_on.isoformat()} is in the future", field="closed_on")
    h.status, h.closed_on, h.close_note, h.updated_at = HazardStatus.closed.value, closed_on, (note or "").strip() or None, utcnow()
    ob = session.get(Obligation, h.rectification_id)
    if ob is not None and ob.status == ObligationStatus.open.value:
        _record(session, ob, closed_on, note or "隐患整改完成", None, "hazard")
    days = rules.kind(HAZARD_EVALUATION).due.days_after_event or 30
    ev = open_event_obligation(session=session, rules=rules, kind=HAZARD_EVALUATION, org_id=h.org_id,
                               subject_org_id=ob.subject_org_id if ob else h.org_id, year=h.year,
                               period=hazard_period(h.year, h.id), due_on=closed_on + timedelta(days=days))
    h.evaluation_id = ev.id
    session.add(h)
    session.flush()
    return get_hazard(session=session, hazard_id=hazard_id, today=today)


def evaluate_hazard(*, session: Session, hazard_id: int, evaluated_on: date, today: date, note: str) -> dict:
    """The effect evaluation (整改效果评价) of an accepted hazard is done, with what it found: its obligation is met
    (late after its due date)."""
    h = _load(session, hazard_id)
    ev = session.get(Obligation, h.evaluation_id) if h.evaluation_id else None
    if ev is None:
        raise AnquanError(f"hazard {hazard_id} is not closed; its effect evaluation opens when it is")
    if ev.status != ObligationStatus.open.value:
        raise AnquanError(f"hazard {hazard_id}'s effect evaluation was recorded on {ev.submitted_on.isoformat()}")
    text = " ".join((note or "").split())
    if not text:
        raise InvalidValue("say what the evaluation found", field="note")
    if evaluated_on > today:
        raise InvalidValue(f"{evaluated_on.isoformat()} is in the future", field="evaluated_on")
    if evaluated_on < h.closed_on:
        raise InvalidValue(f"{evaluated_on.isoformat()} is before the rectification was accepted "
                           f"({h.closed_on.isoformat()})", field="evaluated_on")
    _record(session, ev, evaluated_on, text, None, "hazard")
    return {**get_hazard(session=session, hazard_id=hazard_id, today=today), "evaluated_on": evaluated_on.isoformat(),
            "evaluation_status": ev.status}


def awaiting_evaluation(*, session: Session, today: date) -> list[dict]:
    """The accepted hazards whose effect evaluation is still open, the earliest due first (with its due date)."""
    township, enterprise = aliased(Organisation), aliased(Organisation)
    q = (select(Hazard, township, enterprise, Obligation.due_on).join(township, township.id == Hazard.org_id)
         .outerjoin(enterprise, enterprise.id == Hazard.enterprise_id)
         .join(Obligation, Obligation.id == Hazard.evaluation_id)
         .where(Obligation.status == ObligationStatus.open.value).order_by(Obligation.due_on, Hazard.id))
    return [{**hazard_dict(h, t, e, today), "evaluation_due": due.isoformat()}
            for h, t, e, due in session.execute(q).all()]


COLUMNS = ["org_code", "year", "description", "enterprise_code", "place", "responsible_person", "measures", "funds",
           "deadline", "emergency_plan"]


def import_hazards(*, session: Session, rules, path: Path) -> list[dict]:
    """Hazards from .xlsx/.csv (columns as `anquan hazard add`); all or nothing."""
    problems: list[Problem] = []
    sheet = read_single_table(Path(path), "hazards", ["org_code", "year", "description", "responsible_person",
                                                      "measures", "funds", "deadline", "emergency_plan"], problems)
    if sheet is None:
        raise InputRejected(str(path), problems)
    parsed = []
    for row, r in sheet.rows:
        bad = len(problems)
        try:
            year = whole(r.get("year", ""), lo=2000, hi=2100)
        except ValueError:
            problems.append(Problem("hazards", row, "year", f"{r.get('year')!r} is not a year"))
            year = None
        deadline = None
        try:
            deadline = parse_date(r.get("deadline", ""))
        except ValueError as exc:
            problems.append(Problem("hazards", row, "deadline", str(exc)))
        for col in REQUIRED:
            if not r.get(col):
                problems.append(Problem("hazards", row, col, "empty"))
        if len(problems) == bad:
            try:
                with session.begin_nested():
                    _where(session, r.get("org_code", ""), r.get("enterprise_code") or None, r.get("place") or None)
            except AnquanError as exc:
                problems.append(Problem("hazards", row, exc.field if exc.field in COLUMNS else "org_code", exc.message))
        if len(problems) == bad:
            parsed.append(dict(org_code=r["org_code"], year=year, description=r["description"],
                               enterprise_code=r.get("enterprise_code") or None, place=r.get("place") or None,
                               responsible_person=r["responsible_person"], measures=r["measures"],
                               funds=r.get("funds") or None, deadline=deadline, emergency_plan=r["emergency_plan"]))
    if problems:
        raise InputRejected(str(path), problems)
    return [add_hazard(session=session, rules=rules, **p) for p in parsed]

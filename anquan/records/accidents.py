"""Recording the year's accidents, the county's control indicators and manual score items.

Recording an accident with deaths tells the county office and the township
head at once (through the outbox, in the same transaction), and so does a
township reaching 80 % of a control indicator or passing it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from anquan.directory.recipients import Person, holders, post_title
from anquan.errors import InputRejected, InvalidValue, NotFound, Problem
from anquan.rules.rubric import Rubric
from anquan.tabular import parse_bool, parse_date, read_single_table, whole
from anquan.models.directory import Organisation, OrgKind, Role
from anquan.models.records import Accident, AccidentKind, Adjustment, ControlIndicator
from anquan.models.types import utcnow
from anquan.notifications.outbox import MailSettings, enqueue, event_key
from anquan.notifications.render import render_named
from anquan.vocabulary import accident_kind_label


def _township(session: Session, code: str, field: str = "org_code") -> Organisation:
    org = session.execute(select(Organisation).where(Organisation.code == code)).scalar_one_or_none()
    if org is None:
        raise NotFound(f"no organisation with code {code!r}", field=field)
    if org.kind != OrgKind.township.value:
        hint = ""
        if org.township_id:
            t = session.get(Organisation, org.township_id)
            hint = f": accidents and indicators are charged to its township, use {t.code}"
        raise InvalidValue(f"{code} is {'an' if org.kind[0] in 'aeiou' else 'a'} {org.kind}, not a township{hint}", field=field)
    return org


def _head_and_county_office(session: Session, township: Organisation) -> list[Person]:
    found = holders(session, org_ids=[township.id, township.parent_id], roles=[Role.township_head, Role.county_office])
    return ([p for p in found.get(township.id, []) if p.role == Role.township_head.value]
            + [p for p in found.get(township.parent_id, []) if p.role == Role.county_office.value])


def _tell(session: Session, people, *, template: str, values: dict, key_parts: tuple, stage: str, on: date,
          mail: MailSettings, at: datetime | None = None) -> int:
    sent = 0
    for person in people:
        name, email = person.name, person.email
        rendered = render_named(template, {**values, "to_name": name, "to_title": post_title(session, person)})
        if enqueue(session=session, key=event_key(*key_parts, email.lower()), to_name=name, to_addr=email,
                   rendered=rendered, stage=stage, on=on, mail_from=mail.mail_from, tz=mail.tz, at=at):
            sent += 1
    return sent


# -- accidents ---------------------------------------------------------------------

def accident_dict(a: Accident, org: Organisation) -> dict:
    return {
        "id": a.id, "org_code": org.code, "org_name": org.name, "date": a.occurred_on.isoformat(), "year": a.occurred_on.year,
        "kind": a.kind, "deaths": a.deaths, "injuries": a.injuries, "liability": a.liability, "egregious": a.egregious,
        "description": a.description,
    }


def _validate_accident(kind: str, deaths: int, injuries: int) -> None:
    if kind not in AccidentKind.__members__:
        raise InvalidValue(f"{kind!r} is not one of road_traffic, other", field="kind")
    if deaths < 0:
        raise InvalidValue("cannot be negative", field="deaths")
    if injuries < 0:
        raise InvalidValue("cannot be negative", field="injuries")


def _accident_mail(session, accident: Accident, township: Organisation, mail: MailSettings, on: date,
                   at: datetime | None = None) -> int:
    if accident.deaths <= 0:
        return 0
    level = "重特大事故" if accident.deaths >= 10 else "较大事故" if accident.deaths >= 3 else "一般事故"
    values = {"a": accident, "township": township, "level": level,
              "kind_label": accident_kind_label(accident.kind)}
    return _tell(session, _head_and_county_office(session, township), template="accident", values=values,
                 key_parts=("accident", accident.id, accident.deaths), stage="accident", on=on, mail=mail, at=at)


def add_accident(
    *, session: Session, org_code: str, occurred_on: date, kind: str, deaths: int, injuries: int = 0,
    liability: bool = True, egregious: bool = False, description: str | None = None, mail: MailSettings,
    rubric: Rubric, today: date, at: datetime | None = None,
) -> tuple[dict, int]:
    """Record an accident; returns it and the number of mails queued (deaths, indicators).
    `at`, when given, is the moment it was recorded: the mail is dated then, not 08:00."""
    _validate_accident(kind, deaths, injuries)
    if occurred_on > today:
        raise InvalidValue(f"{occurred_on.isoformat()} is in the future", field="occurred_on")
    township = _township(session, org_code)
    a = Accident(org_id=township.id, occurred_on=occurred_on, kind=kind, deaths=deaths, injuries=injuries,
                 liability=liability, egregious=egregious, description=(description or "").strip() or None)
    session.add(a)
    session.flush()
    queued = _accident_mail(session, a, township, mail, today, at)
    queued += check_indicators(session=session, township=township, year=occurred_on.year, rubric=rubric, mail=mail,
                               today=today, at=at)
    return accident_dict(a, township), queued


def update_accident(*, session: Session, accident_id: int, mail: MailSettings, rubric: Rubric, today: date,
                    at: datetime | None = None, **changes) -> tuple[dict, int]:
    a = session.get(Accident, accident_id)
    if a is None:
        raise NotFound(f"no accident with id {accident_id}")
    changes = {k: v for k, v in changes.items() if v is not None}
    if "org_code" in changes:
        a.org_id = _township(session, changes.pop("org_code")).id
    if "description" in changes:
        changes["description"] = changes["description"].strip() or None
    for k, v in changes.items():
        setattr(a, k, v)
    _validate_accident(a.kind, a.deaths, a.injuries)
    if a.occurred_on > today:
        raise InvalidValue(f"{a.occurred_on.isoformat()} is in the future", field="occurred_on")
    a.updated_at = utcnow()
    session.add(a)
    session.flush()
    township = session.get(Organisation, a.org_id)
    queued = _accident_mail(session, a, township, mail, today, at)
    queued += check_indicators(session=session, township=township, year=a.occurred_on.year, rubric=rubric, mail=mail,
                               today=today, at=at)
    return accident_dict(a, township), queued


def list_accidents(*, session: Session, year: int | None = None, org_code: str | None = None) -> list[dict]:
    q = select(Accident, Organisation).join(Organisation, Organisation.id == Accident.org_id)
    if year:
        q = q.where(Accident.occurred_on >= date(year, 1, 1), Accident.occurred_on <= date(year, 12, 31))
    if org_code:
        q = q.where(Organisation.code == org_code)
    return [accident_dict(a, o) for a, o in session.execute(q.order_by(Accident.occurred_on, Accident.id)).all()]


def get_accident(*, session: Session, accident_id: int) -> dict:
    a = session.get(Accident, accident_id)
    if a is None:
        raise NotFound(f"no accident with id {accident_id}")
    return accident_dict(a, session.get(Organisation, a.org_id))


ACCIDENT_COLUMNS = ["org_code", "date", "kind", "deaths", "injuries", "liability", "egregious", "description"]


def import_accidents(*, session: Session, path: Path, mail: MailSettings, rubric: Rubric, today: date) -> list[dict]:
    """Accidents from .xlsx/.csv (columns org_code, date, kind, deaths, injuries, liability, egregious, description). All or nothing."""
    problems: list[Problem] = []
    sheet = read_single_table(Path(path), "accidents", ["org_code", "date", "kind", "deaths"], problems)
    if sheet is None:
        raise InputRejected(str(path), problems)
    codes = {c: (k, t) for c, k, t in session.execute(select(Organisation.code, Organisation.kind, Organisation.township_id)).all()}
    rows = []
    for row, r in sheet.rows:
        bad = len(problems)
        code = r.get("org_code", "")
        if code not in codes:
            problems.append(Problem("accidents", row, "org_code", f"unknown organisation {code!r}"))
        elif codes[code][0] != OrgKind.township.value:
            problems.append(Problem("accidents", row, "org_code", f"{code} is not a township"))
        on = None
        try:
            on = parse_date(r.get("date", ""))
            if on > today:
                problems.append(Problem("accidents", row, "date", f"{on.isoformat()} is in the future"))
        except ValueError as exc:
            problems.append(Problem("accidents", row, "date", str(exc)))
        kind = r.get("kind", "").lower()
        if kind not in AccidentKind.__members__:
            problems.append(Problem("accidents", row, "kind", f"{r.get('kind')!r} is not road_traffic or other"))
        numbers = {}
        for col in ("deaths", "injuries"):
            try:
                numbers[col] = whole(r.get(col) or "0")
                if numbers[col] < 0:
                    raise ValueError
            except ValueError:
                problems.append(Problem("accidents", row, col, f"{r.get(col)!r} is not a whole number ≥ 0"))
        flags = {}
        for col, default in (("liability", True), ("egregious", False)):
            try:
                value = parse_bool(r.get(col, ""))
                flags[col] = default if value is None else value
            except ValueError as exc:
                problems.append(Problem("accidents", row, col, str(exc)))
        if len(problems) == bad:
            rows.append(dict(org_code=code, occurred_on=on, kind=kind, deaths=numbers["deaths"], injuries=numbers["injuries"],
                             liability=flags["liability"], egregious=flags["egregious"], description=r.get("description") or None))
    if problems:
        raise InputRejected(str(path), problems)
    return [add_accident(session=session, mail=mail, rubric=rubric, today=today, **r)[0] for r in rows]


# -- control indicators --------------------------------------------------------------

INDICATOR_COLUMNS = ["org_code", "year", "max_accidents", "max_deaths", "max_injuries"]


def import_indicators(*, session: Session, path: Path, rubric: Rubric, mail: MailSettings, today: date) -> dict:
    """The county's control indicators per township and year; re-importing replaces them. All or nothing."""
    problems: list[Problem] = []
    sheet = read_single_table(Path(path), "indicators", ["org_code", "year", "max_accidents", "max_deaths"], problems)
    if sheet is None:
        raise InputRejected(str(path), problems)
    townships = dict(session.execute(
        select(Organisation.code, Organisation.id).where(Organisation.kind == OrgKind.township.value)).all())
    parsed, seen = [], {}
    for row, r in sheet.rows:
        bad = len(problems)
        code = r.get("org_code", "")
        if code not in townships:
            problems.append(Problem("indicators", row, "org_code", f"{code!r} is not a township in the directory"))
        values = {}
        for col, required in (("year", True), ("max_accidents", True), ("max_deaths", True), ("max_injuries", False)):
            text = r.get(col, "")
            if not text and not required:
                values[col] = None
                continue
            try:
                values[col] = whole(text)
                if values[col] < 0 or (col == "year" and not 2000 <= values[col] <= 2100):
                    raise ValueError
            except ValueError:
                problems.append(Problem("indicators", row, col, f"{text!r} is not a valid {'year' if col == 'year' else 'whole number ≥ 0'}"))
        key = (code, values.get("year"))
        if key in seen and len(problems) == bad:
            problems.append(Problem("indicators", row, "org_code", f"{code} {values.get('year')} is already at row {seen[key]}"))
        seen.setdefault(key, row)
        if len(problems) == bad:
            parsed.append((townships[code], values))
    if problems:
        raise InputRejected(str(path), problems)
    created = updated = 0
    years = set()
    for org_id, v in parsed:
        years.add((org_id, v["year"]))
        current = session.execute(
            select(ControlIndicator).where(ControlIndicator.org_id == org_id, ControlIndicator.year == v["year"])
        ).scalar_one_or_none()
        if current is None:
            session.add(ControlIndicator(org_id=org_id, **v))
            created += 1
        else:
            current.max_accidents, current.max_deaths, current.max_injuries = v["max_accidents"], v["max_deaths"], v["max_injuries"]
            current.updated_at = utcnow()
            session.add(current)
            updated += 1
    session.flush()
    warned = 0
    for org_id, year in sorted(years):
        warned += check_indicators(session=session, township=session.get(Organisation, org_id), year=year,
                                   rubric=rubric, mail=mail, today=today)
    return {"created": created, "updated": updated, "warnings_queued": warned}


def indicator_status(*, session: Session, township: Organisation, year: int) -> list[dict]:
    """Each indicator of a township's year: the limit, the count so far, and the share used."""
    ind = session.execute(
        select(ControlIndicator).where(ControlIndicator.org_id == township.id, ControlIndicator.year == year)
    ).scalar_one_or_none()
    if ind is None:
        return []
    n, deaths, injuries = session.execute(
        select(func.count(Accident.id), func.coalesce(func.sum(Accident.deaths), 0), func.coalesce(func.sum(Accident.injuries), 0))
        .where(Accident.org_id == township.id, Accident.occurred_on >= date(year, 1, 1), Accident.occurred_on <= date(year, 12, 31))
    ).one()
    out = [("accidents", "事故起数", n, ind.max_accidents), ("deaths", "死亡人数", deaths, ind.max_deaths)]
    if ind.max_injuries is not None:
        out.append(("injuries", "受伤人数", injuries, ind.max_injuries))
    return [{"metric": m, "label": label, "value": int(v), "limit": limit,
             "share": (float(v) / limit) if limit else (float("inf") if v else 0.0)} for m, label, v, limit in out]


def check_indicators(*, session: Session, township: Organisation, year: int, rubric: Rubric, mail: MailSettings, today: date,
                     at: datetime | None = None) -> int:
    """Warn the township head and the county office when an indicator reaches 80 % or is passed (once per level)."""
    queued = 0
    warn_at = float(rubric.indicators.warn_at)
    for s in indicator_status(session=session, township=township, year=year):
        if s["value"] > s["limit"]:
            level, label = "exceeded", "已超过"
        elif s["limit"] and s["value"] == s["limit"]:  # the whole indicator used: say so, not "80 %"
            level, label = "reached", "已达到"
        elif s["limit"] and s["share"] >= warn_at:
            level, label = f"{int(warn_at * 100)}pct", f"已达到{int(warn_at * 100)}%"
        else:
            continue
        queued += _tell(session, _head_and_county_office(session, township), template="indicator_warning",
                        values={"s": s, "township": township, "year": year, "level_label": label},
                        key_parts=("indicator", township.id, year, s["metric"], level), stage="indicator", on=today, mail=mail,
                        at=at)
    return queued


# -- manual adjustments ---------------------------------------------------------------

def _points(text) -> Decimal:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number of points") from None
    if not value.is_finite() or abs(value) > 100 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{text!r}: points must lie between -100 and 100 with at most two decimals")
    if value == 0:
        raise ValueError("0 points changes nothing")
    return value


def add_adjustment(*, session: Session, org_code: str, year: int, points, item: str, reason: str, source: str = "cli") -> dict:
    township = _township(session, org_code)
    try:
        value = _points(points)
    except ValueError as exc:
        raise InvalidValue(str(exc), field="points") from None
    if not item or not item.strip():
        raise InvalidValue("name the rubric item", field="item")
    if not reason or not reason.strip():
        raise InvalidValue("say why (it is shown to the township)", field="reason")
    if not 2000 <= year <= 2100:
        raise InvalidValue(f"{year} is out of range", field="year")
    adj = Adjustment(org_id=township.id, year=year, points=float(value), item=item.strip(), reason=reason.strip(), source=source)
    session.add(adj)
    session.flush()
    return {"id": adj.id, "org_code": township.code, "year": year, "points": float(value), "item": adj.item, "reason": adj.reason}


def import_adjustments(*, session: Session, path: Path) -> list[dict]:
    """Manual items from .xlsx/.csv (columns org_code, year, points, item, reason). All or nothing."""
    problems: list[Problem] = []
    sheet = read_single_table(Path(path), "adjustments", ["org_code", "year", "points", "item", "reason"], problems)
    if sheet is None:
        raise InputRejected(str(path), problems)
    townships = set(session.execute(select(Organisation.code).where(Organisation.kind == OrgKind.township.value)).scalars())
    parsed = []
    for row, r in sheet.rows:
        bad = len(problems)
        if r.get("org_code") not in townships:
            problems.append(Problem("adjustments", row, "org_code", f"{r.get('org_code')!r} is not a township in the directory"))
        try:
            year = whole(r.get("year", ""))
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            problems.append(Problem("adjustments", row, "year", f"{r.get('year')!r} is not a year"))
        try:
            _points(r.get("points", ""))
        except ValueError as exc:
            problems.append(Problem("adjustments", row, "points", str(exc)))
        for col in ("item", "reason"):
            if not r.get(col):
                problems.append(Problem("adjustments", row, col, "empty"))
        if len(problems) == bad:
            parsed.append(r)
    if problems:
        raise InputRejected(str(path), problems)
    return [add_adjustment(session=session, org_code=r["org_code"], year=int(r["year"]), points=r["points"], item=r["item"],
                           reason=r["reason"], source="import") for r in parsed]

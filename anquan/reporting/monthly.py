"""After each month: how far each township's enterprises got with their risk analysis, and where the listed hazards stand."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from anquan.records.hazards import list_hazards
from anquan.directory.recipients import holders
from anquan.models.directory import Organisation, OrgKind, Role
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.notifications.outbox import enqueue, event_key
from anquan.notifications.render import render_named
from anquan.vocabulary import MONTHLY_RISK_ANALYSIS, month_period, role_title


def risk_analysis_completion(*, session: Session, year: int, month: int) -> list[dict]:
    """Per township: the month's risk analyses due, handed in, and the enterprises that have not reported."""
    enterprise, township = aliased(Organisation), aliased(Organisation)
    rows = session.execute(
        select(township.id, township.code, township.name, enterprise.code, enterprise.name, Obligation.status)
        .join(enterprise, enterprise.id == Obligation.subject_org_id)
        .join(township, township.id == enterprise.township_id)
        .where(Obligation.kind == MONTHLY_RISK_ANALYSIS, Obligation.period == month_period(year, month),
               Obligation.status != ObligationStatus.waived.value)
        .order_by(township.code, enterprise.code)
    ).all()
    out: dict[int, dict] = {}
    for tid, tcode, tname, ecode, ename, status in rows:
        t = out.setdefault(tid, {"township_id": tid, "org_code": tcode, "org_name": tname, "due": 0, "done": 0, "missing": []})
        t["due"] += 1
        if status in (ObligationStatus.submitted.value, ObligationStatus.late.value):
            t["done"] += 1
        else:
            t["missing"].append({"code": ecode, "name": ename})
    for t in out.values():
        t["rate"] = round(t["done"] / t["due"], 4) if t["due"] else 1.0
    return list(out.values())


def send_monthly_reports(*, session: Session, year: int, month: int, today: date, mail_from: str, tz) -> dict:
    """Mail each township safety office its month's completion list, and each county office the hazards' progress."""
    completion = risk_analysis_completion(session=session, year=year, month=month)
    queued = 0
    offices = holders(session, org_ids=[t["township_id"] for t in completion], roles=[Role.safety_office])
    for t in completion:
        for name, email in [(p.name, p.email) for p in offices.get(t["township_id"], [])]:
            rendered = render_named("risk_completion", {"to_name": name, "to_title": role_title("safety_office", t["org_name"]),
                                                        "t": t, "year": year, "month": month})
            queued += enqueue(session=session, key=event_key("risk-completion", year, month, t["township_id"], email.lower()),
                              to_name=name, to_addr=email, rendered=rendered, stage="monthly", on=today,
                              mail_from=mail_from, tz=tz)
    hazards = list_hazards(session=session, year=year, today=today)
    for county_id, county_name in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.kind == OrgKind.county.value)
    ).all():
        codes = set(session.execute(select(Organisation.code).where(Organisation.parent_id == county_id,
                                                                    Organisation.kind == OrgKind.township.value)).scalars())
        mine = [h for h in hazards if h["org_code"] in codes]
        if not mine:
            continue
        for name, email in [(p.name, p.email) for p in holders(session, org_ids=[county_id],
                                                               roles=[Role.county_office]).get(county_id, [])]:
            rendered = render_named("hazard_digest", {
                "to_name": name, "to_title": role_title("county_office", county_name), "county_name": county_name, "hazards": mine,
                "year": year, "month": month, "open": sum(h["status"] == "open" for h in mine),
                "overdue": sum(h["overdue"] for h in mine), "closed": sum(h["status"] == "closed" for h in mine)})
            queued += enqueue(session=session, key=event_key("hazard-digest", year, month, county_id, email.lower()),
                              to_name=name, to_addr=email, rendered=rendered, stage="monthly", on=today,
                              mail_from=mail_from, tz=tz)
    return {"year": year, "month": month, "townships": [{k: v for k, v in t.items() if k != "township_id"} for t in completion],
            "hazards": len(hazards), "mails_queued": queued}

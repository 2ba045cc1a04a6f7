"""Risk alerts: a warning sign (事故征兆) or a major hazard source (重大危险源) an enterprise reports.

The book asks every enterprise for a monthly risk analysis; a warning sign found
in it calls for a warning at once, and a major hazard source must be filed with
the authorities. Such a report does not wait for the monthly table: it is mailed
at once to the township's safety office and to the county office (each role
falling back up the chain the rules file gives when nobody holds it). The same
report recorded twice is one alert and is mailed once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from anquan.directory.recipients import holders, post_title, resolve, unique_by_address
from anquan.errors import InvalidValue, NotFound
from anquan.models.directory import Organisation, OrgKind, Role
from anquan.models.obligations import Obligation
from anquan.models.records import RiskAlert
from anquan.notifications.outbox import enqueue, event_key
from anquan.notifications.render import render_named
from anquan.vocabulary import ALERT_KIND_LABELS, MONTHLY_RISK_ANALYSIS, month_period, role_label, sector_label


def analysis_for_alert(*, session: Session, obligation_id: int) -> Obligation | None:
    """The obligation an alert is reported with: only an enterprise's monthly risk analysis finds warning signs.

    None when there is no such obligation (submitting it says so)."""
    ob = session.get(Obligation, obligation_id)
    if ob is not None and ob.kind != MONTHLY_RISK_ANALYSIS:
        raise InvalidValue(f"warning signs and major hazard sources go with an enterprise's monthly risk analysis; "
                           f"obligation {obligation_id} is a {ob.kind}")
    return ob


REFUSED = "alert refused"


def report_alert(
    *, session: Session, rules, org_code: str, kind: str, description: str, reported_on: date, today: date,
    mail_from: str, tz, measures: str | None = None, obligation_id: int | None = None, at: datetime | None = None,
) -> dict:
    """Record the alert and queue the mail to the township safety office and the county office, in one transaction."""
    if kind not in ALERT_KIND_LABELS:
        raise InvalidValue(f"{kind!r} is not one of {', '.join(ALERT_KIND_LABELS)}", field="kind", what=REFUSED)
    description = (description or "").strip()
    if len(description) < 4:
        raise InvalidValue("describe what was found (at least 4 characters)", field="description", what=REFUSED)
    if reported_on > today:
        raise InvalidValue(f"{reported_on} is in the future", field="reported_on", what=REFUSED)
    enterprise = session.execute(select(Organisation).where(Organisation.code == org_code)).scalar_one_or_none()
    if enterprise is None:
        raise NotFound(f"no organisation has code {org_code!r}", field="org_code", what=REFUSED)
    if enterprise.kind != OrgKind.enterprise.value:
        raise InvalidValue(f"{org_code} is a {enterprise.kind}, not an enterprise", field="org_code", what=REFUSED)
    township = session.get(Organisation, enterprise.township_id) if enterprise.township_id else None
    if township is None:
        raise InvalidValue(f"{org_code} has no township in the directory", field="org_code", what=REFUSED)
    if obligation_id is None:
        obligation_id = session.execute(
            select(Obligation.id).where(Obligation.kind == MONTHLY_RISK_ANALYSIS, Obligation.org_id == enterprise.id,
                                        Obligation.period == month_period(reported_on.year, reported_on.month))
        ).scalar_one_or_none()
    key = event_key("risk-alert", enterprise.id, kind, reported_on, description)
    alert = session.execute(select(RiskAlert).where(RiskAlert.key == key)).scalar_one_or_none()
    created = alert is None
    if created:
        alert = RiskAlert(key=key, org_id=enterprise.id, obligation_id=obligation_id, kind=kind,
                          description=description, measures=(measures or "").strip() or None, reported_on=reported_on)
        session.add(alert)
        session.flush()
    people = unique_by_address(
        resolve(session, role=Role.safety_office, place=township, rules=rules).people
        + resolve(session, role=Role.county_office, place=township, rules=rules).people)
    own = [{"name": c.name, "role_label": role_label(c.role), "phone": c.phone, "email": c.email}
           for c in holders(session, org_ids=[enterprise.id],
                            roles=[Role.enterprise_principal, Role.enterprise_safety_manager])[enterprise.id]]
    mails = 0
    for p in people:
        others = "、".join(f"{o.name}（{post_title(session, o)}）" for o in people if o is not p)
        rendered = render_named("risk_alert", {
            "to_name": p.name, "to_title": post_title(session, p), "a": alert, "enterprise": enterprise,
            "township": township, "kind_label": ALERT_KIND_LABELS[kind], "enterprise_contacts": own,
            "sector_label": sector_label(enterprise.sector), "also_told": others})
        mails += enqueue(session=session, key=event_key("risk-alert", alert.id, p.email.lower()), to_name=p.name,
                         to_addr=p.email, rendered=rendered, stage="alert", on=today, mail_from=mail_from, tz=tz, at=at)
    return {"id": alert.id, "created": created, "kind": kind, "org_code": enterprise.code, "org_name": enterprise.name,
            "township": township.code, "reported_on": reported_on.isoformat(), "obligation_id": obligation_id,
            "recipients": [p.email for p in people], "mails_queued": mails}


def list_alerts(*, session: Session, year: int | None = None, township: str | None = None) -> list[dict]:
    ent = Organisation.__table__.alias("ent")
    ts = Organisation.__table__.alias("ts")
    q = (select(RiskAlert, ent.c.code, ent.c.name, ts.c.code.label("ts_code"))
         .join(ent, ent.c.id == RiskAlert.org_id).join(ts, ts.c.id == ent.c.township_id)
         .order_by(RiskAlert.reported_on, RiskAlert.id))
    if township:
        q = q.where(ts.c.code == township)
    rows = []
    for a, code, name, ts_code in session.execute(q).all():
        if year is not None and a.reported_on.year != year:
            continue
        rows.append({"id": a.id, "kind": a.kind, "kind_label": ALERT_KIND_LABELS.get(a.kind, a.kind), "org_code": code,
                     "org_name": name, "township": ts_code, "reported_on": a.reported_on.isoformat(),
                     "description": a.description, "measures": a.measures, "obligation_id": a.obligation_id})
    return rows


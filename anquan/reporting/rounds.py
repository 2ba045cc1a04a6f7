"""The quarterly round (季度安全生产大检查): opened at the start of each quarter.

Each township hears what the quarter holds (the meeting, the big inspection and
its summary to the county by the 5th after the quarter) and which enterprises
of the key sectors it has; every enterprise is asked to run its own self-check
(自查自纠); the county office gets the round plan for its supervision visits.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from anquan.directory.recipients import holders
from anquan.models.directory import Organisation, OrgKind, Role
from anquan.models.obligations import Obligation
from anquan.notifications.outbox import enqueue, event_key
from anquan.notifications.render import render_named
from anquan.vocabulary import (COUNTY_SUPERVISION, QUARTERLY_INSPECTION, QUARTERLY_MEETING, ROLE_LABELS,
                               SECTOR_LABELS, quarter_period)

KEY_SECTORS = ["non_coal_mining", "water_transport", "road_transport", "crowded_places", "construction", "fireworks",
               "hazardous_chemicals"]


def open_quarter(*, session: Session, rules, year: int, quarter: int, today: date, mail_from: str, tz) -> dict:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter is 1 to 4")
    period = quarter_period(year, quarter)
    due = defaultdict(list)
    for ob, org_code in session.execute(
        select(Obligation, Organisation.code).join(Organisation, Organisation.id == Obligation.subject_org_id)
        .where(Obligation.period == period, Obligation.kind.in_([QUARTERLY_MEETING, QUARTERLY_INSPECTION, COUNTY_SUPERVISION]))
        .order_by(Obligation.due_on)
    ).all():
        due[org_code].append({"kind": ob.kind, "title": rules.kinds[ob.kind].title, "due_on": ob.due_on, "id": ob.id})
    townships = session.execute(select(Organisation).where(Organisation.kind == OrgKind.township.value)
                                .order_by(Organisation.code)).scalars().all()
    queued = enterprises_told = 0
    plan = []
    for t in townships:
        ents = session.execute(select(Organisation).where(Organisation.township_id == t.id,
                                                          Organisation.kind == OrgKind.enterprise.value)
                               .order_by(Organisation.code)).scalars().all()
        key_sector = defaultdict(list)
        for e in ents:
            if e.sector in KEY_SECTORS:
                key_sector[SECTOR_LABELS[e.sector]].append(e.name)
        items = [d for d in due.get(t.code, []) if d["kind"] != COUNTY_SUPERVISION]
        plan.append({"township": t, "duties": due.get(t.code, []), "enterprises": len(ents),
                     "key": sum(len(v) for v in key_sector.values())})
        for name, email, role in [(p.name, p.email, p.role) for p in holders(
                session, org_ids=[t.id], roles=[Role.township_head, Role.safety_office]).get(t.id, [])]:
            queued += enqueue(session=session, key=event_key("round", period, t.id, email.lower()), to_name=name, to_addr=email,
                              rendered=render_named("round_township", {
                                  "to_name": name, "role_label": ROLE_LABELS[role], "township": t, "year": year,
                                  "quarter": quarter, "items": items, "key_sector": dict(key_sector)}),
                              stage="round", on=today, mail_from=mail_from, tz=tz)
        ids = {e.id: e for e in ents}
        if ids:
            principals = holders(session, org_ids=ids, roles=[Role.enterprise_principal])
            for org_id, name, email, role in [(p.org_id, p.name, p.email, p.role)
                                              for e in ents for p in principals.get(e.id, [])]:
                enterprises_told += 1
                queued += enqueue(session=session, key=event_key("round", period, org_id, email.lower()), to_name=name,
                                  to_addr=email, rendered=render_named("round_enterprise", {
                                      "to_name": name, "role_label": ROLE_LABELS[role], "enterprise": ids[org_id],
                                      "township": t, "year": year, "quarter": quarter}),
                                  stage="round", on=today, mail_from=mail_from, tz=tz)
    for county_id, county_name in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.kind == OrgKind.county.value)
    ).all():
        mine = [p for p in plan if p["township"].parent_id == county_id]
        for name, email in [(p.name, p.email) for p in holders(session, org_ids=[county_id],
                                                               roles=[Role.county_office]).get(county_id, [])]:
            queued += enqueue(session=session, key=event_key("round-plan", period, county_id, email.lower()), to_name=name,
                              to_addr=email, rendered=render_named("round_county", {
                                  "to_name": name, "role_label": ROLE_LABELS["county_office"], "county_name": county_name,
                                  "year": year, "quarter": quarter, "plan": mine}),
                              stage="round", on=today, mail_from=mail_from, tz=tz)
    return {"period": period, "townships": len(townships), "enterprises_told": enterprises_told, "mails_queued": queued}

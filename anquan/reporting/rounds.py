"""The quarterly round (季度安全生产大检查): opened at the start of each quarter.

Each township hears everything the quarter holds (roundplan.township_duties: the
meeting, the big inspection and its summary, reports and holiday inspections
falling due, the monthly follow-up of its enterprises) and which enterprises of
the key sectors it has; every enterprise is asked to run its own self-check
(自查自纠) by a deadline, with its sector's checklist; the county office gets
the round plan with a proposed visit date and the open problems of each township.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from anquan.directory.recipients import holders
from anquan.models.directory import Organisation, OrgKind, Role
from anquan.notifications.outbox import enqueue, event_key
from anquan.notifications.render import render_named
from anquan.reporting.roundplan import (checklist, monthly_follow_up, open_problems, proposed_dates,
                                        self_check_deadline, township_duties)
from anquan.vocabulary import ROLE_LABELS, SECTOR_LABELS, quarter_period, role_title

KEY_SECTORS = ["non_coal_mining", "water_transport", "road_transport", "crowded_places", "construction", "fireworks",
               "hazardous_chemicals"]


def open_quarter(*, session: Session, rules, year: int, quarter: int, today: date, mail_from: str, tz,
                 is_rest_day=None) -> dict:
    """Mail the quarter's round; `is_rest_day` (the work calendar's) keeps proposed visits off holidays."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter is 1 to 4")
    period = quarter_period(year, quarter)
    deadline = self_check_deadline(year, quarter, rules.enterprise_self_check_day)
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
        items = township_duties(session, rules=rules, township_id=t.id, year=year, quarter=quarter)
        follow_up = monthly_follow_up(session, township_id=t.id, year=year, quarter=quarter)
        plan.append({"township": t, "duties": items, "enterprises": len(ents),
                     "key": sum(len(v) for v in key_sector.values()),
                     "problems": open_problems(session, rules=rules, township_id=t.id, today=today)})
        for name, email, role in [(p.name, p.email, p.role) for p in holders(
                session, org_ids=[t.id], roles=[Role.township_head, Role.safety_office]).get(t.id, [])]:
            queued += enqueue(session=session, key=event_key("round", period, t.id, email.lower()), to_name=name, to_addr=email,
                              rendered=render_named("round_township", {
                                  "to_name": name, "role_label": ROLE_LABELS[role], "to_title": role_title(role, t.name),
                                  "township": t, "year": year, "quarter": quarter, "items": items,
                                  "key_sector": dict(key_sector), "follow_up": follow_up, "self_check_due": deadline}),
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
                                      "to_title": role_title(role, ids[org_id].name), "township": t, "year": year,
                                      "quarter": quarter, "self_check_due": deadline,
                                      "checks": checklist(ids[org_id].sector)}),
                                  stage="round", on=today, mail_from=mail_from, tz=tz)
    for county_id, county_name in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.kind == OrgKind.county.value)
    ).all():
        mine = [p for p in plan if p["township"].parent_id == county_id]
        for p, visit in zip(mine, proposed_dates(year, quarter, len(mine), is_rest_day)):
            p["visit_on"] = visit
        for name, email in [(p.name, p.email) for p in holders(session, org_ids=[county_id],
                                                               roles=[Role.county_office]).get(county_id, [])]:
            queued += enqueue(session=session, key=event_key("round-plan", period, county_id, email.lower()), to_name=name,
                              to_addr=email, rendered=render_named("round_county", {
                                  "to_name": name, "role_label": ROLE_LABELS["county_office"], "county_name": county_name,
                                  "to_title": role_title("county_office", county_name),
                                  "year": year, "quarter": quarter, "plan": mine}),
                              stage="round", on=today, mail_from=mail_from, tz=tz)
    return {"period": period, "townships": len(townships), "enterprises_told": enterprises_told, "mails_queued": queued}

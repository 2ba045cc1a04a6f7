"""Special rectification campaigns (专项整治), started by hand from the command line or the Prefect UI.

The parameters are validated by pydantic whichever way they come in, and a bad
one is refused with the field named. Starting a campaign creates a
`campaign_task` obligation per township in scope (the summary, followed by the
usual reminders and escalation) and notifies the enterprises of the sectors in
scope. Several campaigns can run at once; starting the same one twice starts it once.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import select
from sqlmodel import Session

from anquan.cycle.obligations import open_event_obligation
from anquan.campaigns.params import Name, Sectors, Townships, not_before, townships_in_scope, validate
from anquan.directory.recipients import holders
from anquan.models.directory import Organisation, OrgKind, Role
from anquan.models.records import Campaign
from anquan.notifications.outbox import enqueue, event_key
from anquan.notifications.render import render_named
from anquan.vocabulary import CAMPAIGN_TASK, SECTOR_LABELS, campaign_period, role_title



class CampaignParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    sectors: Sectors
    townships: Townships = "all"
    from_date: date
    to_date: date
    summary_due: date

    # Field validators (not one model validator), so that each refusal names its date and comes with the others.
    _ends = field_validator("to_date")(not_before("from_date", "to_date is before from_date"))
    _summary = field_validator("summary_due")(not_before(
        "to_date", "summary_due is before to_date (the summary comes after the campaign)"))


def validate_params(raw: dict) -> CampaignParams:
    """CampaignParams from raw input; a refusal names each bad field."""
    return validate(CampaignParams, raw, refused="campaign parameters refused")


def start_campaign(*, session: Session, rules, params: CampaignParams, mail_from: str, tz, today: date) -> dict:
    """Create the campaign, a summary obligation per township in scope, and the notices to enterprises and townships."""
    townships = townships_in_scope(session, params.townships, refused="campaign parameters refused")
    sectors = sorted(s.value for s in params.sectors)
    codes = [t.code for t in townships]
    key = event_key("campaign", params.name, ",".join(sectors), ",".join(codes), params.from_date, params.to_date, params.summary_due)
    campaign = session.execute(select(Campaign).where(Campaign.key == key)).scalar_one_or_none()
    created = campaign is None
    if created:
        campaign = Campaign(key=key, name=params.name, sectors=",".join(sectors), townships=",".join(codes),
                            starts_on=params.from_date, ends_on=params.to_date, summary_due=params.summary_due)
        session.add(campaign)
        session.flush()
    values = {"c": campaign, "sector_labels": "、".join(SECTOR_LABELS[s] for s in sectors)}
    tasks, mails = [], 0
    for t in townships:
        ob = open_event_obligation(session=session, rules=rules, kind=CAMPAIGN_TASK, org_id=t.id, subject_org_id=t.id,
                                   year=params.summary_due.year, period=campaign_period(campaign.id), due_on=params.summary_due)
        tasks.append(ob.id)
        enterprises = session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.township_id == t.id,
                                                             Organisation.kind == OrgKind.enterprise.value,
                                                             Organisation.sector.in_(sectors))
        ).all()
        for name, email, role in [(p.name, p.email, p.role) for p in holders(
                session, org_ids=[t.id], roles=[Role.safety_office, Role.deputy_head_safety]).get(t.id, [])]:
            mails += enqueue(session=session, key=event_key("campaign", campaign.id, "township", email.lower()), to_name=name,
                             to_addr=email, rendered=render_named("campaign_township", {
                                 **values, "to_name": name, "to_title": role_title(role, t.name), "township": t,
                                 "enterprise_count": len(enterprises), "obligation_id": ob.id}),
                             stage="campaign", on=today, mail_from=mail_from, tz=tz)
        names = dict(enterprises)
        if names:
            staff = holders(session, org_ids=names, roles=[Role.enterprise_principal, Role.enterprise_safety_manager])
            for org_id, name, email, role in [(p.org_id, p.name, p.email, p.role)
                                              for people in staff.values() for p in people]:
                mails += enqueue(session=session, key=event_key("campaign", campaign.id, "enterprise", org_id, email.lower()),
                                 to_name=name, to_addr=email, rendered=render_named("campaign_enterprise", {
                                     **values, "to_name": name, "to_title": role_title(role, names[org_id]), "township": t,
                                     "enterprise_name": names[org_id]}),
                                 stage="campaign", on=today, mail_from=mail_from, tz=tz)
    return {"id": campaign.id, "name": campaign.name, "created": created, "sectors": sectors, "townships": codes,
            "from": params.from_date.isoformat(), "to": params.to_date.isoformat(),
            "summary_due": params.summary_due.isoformat(), "obligation_ids": tasks, "mails_queued": mails}

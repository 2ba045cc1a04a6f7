"""Small factories: one row (and its contacts) at a time, over an explicit session, for tests that need a fact
the sample county does not have. They write rows directly, as an import would leave them; they send no mail.

    with session_scope(app.engine) as s:
        c = county(session=s)
        t = township(session=s, county=c, code="T1", head="head@t1.example", safety_office=["so@t1.example"])
        e = enterprise(session=s, township=t, code="E1", sector="fireworks", principal="boss@e1.example")
        ob = obligation(session=s, org=t, kind="quarterly_inspection", due_on=date(2026, 4, 5), rules=app.rules)
        accident(session=s, township=t, occurred_on=date(2026, 3, 3), deaths=1)
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from anquan.cycle.planning import first_action_on
from anquan.models.directory import Contact, Organisation, OrgKind, Role
from anquan.models.obligations import Obligation
from anquan.models.records import Accident


def contact(*, session: Session, org: Organisation, role: Role | str, email: str, name: str | None = None,
            phone: str | None = None, full_time: bool | None = None) -> Contact:
    """One active contact holding a role at an organisation (the name defaults to the mailbox)."""
    c = Contact(org_id=org.id, role=str(role), email=email, name=name or email.split("@")[0], phone=phone,
                full_time=full_time)
    session.add(c)
    session.flush()
    return c


def organisation(*, session: Session, code: str, name: str, kind: OrgKind | str, parent: Organisation | None = None,
                 sector: str | None = None, employees: int | None = None, dangerous_goods: bool = False) -> Organisation:
    """One organisation under its parent, with the township link the directory import keeps."""
    org = Organisation(code=code, name=name, kind=str(kind), parent_id=parent.id if parent else None,
                       township_id=parent.township_id if parent else None, sector=sector, employees=employees,
                       dangerous_goods=dangerous_goods)
    session.add(org)
    session.flush()
    if org.kind == OrgKind.township:
        org.township_id = org.id  # a township belongs to itself
        session.flush()
    return org


def county(*, session: Session, code: str = "C1", name: str = "测试县",
           office: str | None = "office@county.example") -> Organisation:
    """The county, with its safety committee office (县安委办) when `office` is given."""
    org = organisation(session=session, code=code, name=name, kind=OrgKind.county)
    if office:
        contact(session=session, org=org, role=Role.county_office, email=office)
    return org


def township(*, session: Session, county: Organisation, code: str = "T1", name: str = "东山镇",
             head: str | None = "head@t1.example", deputy: str | None = None,
             safety_office: list[str] | tuple[str, ...] = ()) -> Organisation:
    """A township with its head, its deputy head for safety and its safety office staff (mailboxes)."""
    org = organisation(session=session, code=code, name=name, kind=OrgKind.township, parent=county)
    for role, emails in ((Role.township_head, [head]), (Role.deputy_head_safety, [deputy]),
                         (Role.safety_office, safety_office)):
        for email in filter(None, emails):
            contact(session=session, org=org, role=role, email=email)
    return org


def village(*, session: Session, township: Organisation, code: str = "V1", name: str = "上村",
            safety_officer: str | None = "v1@t1.example") -> Organisation:
    """A village with its part-time safety officer (村兼职安全员)."""
    org = organisation(session=session, code=code, name=name, kind=OrgKind.village, parent=township)
    if safety_officer:
        contact(session=session, org=org, role=Role.village_safety_officer, email=safety_officer)
    return org


def enterprise(*, session: Session, township: Organisation, code: str = "E1", name: str = "东山建筑公司",
               sector: str = "construction", employees: int = 50, dangerous_goods: bool = False,
               principal: str | None = "boss@e1.example", safety_manager: str | None = None,
               parent: Organisation | None = None, full_time_manager: bool | None = True) -> Organisation:
    """An enterprise under a township (or a village of it, as `parent`) with its principal and safety manager
    (full-time unless `full_time_manager` says otherwise)."""
    org = organisation(session=session, code=code, name=name, kind=OrgKind.enterprise, parent=parent or township,
                       sector=sector, employees=employees, dangerous_goods=dangerous_goods)
    for role, email in ((Role.enterprise_principal, principal), (Role.enterprise_safety_manager, safety_manager)):
        if email:
            contact(session=session, org=org, role=role, email=email,
                    full_time=full_time_manager if role == Role.enterprise_safety_manager else None)
    return org


def obligation(*, session: Session, org: Organisation, kind: str, due_on: date, rules=None, period: str | None = None,
               subject: Organisation | None = None) -> Obligation:
    """An open obligation of a kind due on a date; with `rules`, the tick first acts on it as planning would say."""
    next_action = first_action_on(rules.kinds[kind], due_on) if rules is not None else None
    ob = Obligation(kind=kind, org_id=org.id, subject_org_id=(subject or org).id, year=due_on.year,
                    period=period or str(due_on.year), due_on=due_on, nominal_due_on=due_on, next_action_on=next_action)
    session.add(ob)
    session.flush()
    return ob


def accident(*, session: Session, township: Organisation, occurred_on: date, kind: str = "other", deaths: int = 0,
             injuries: int = 0, liability: bool = True, egregious: bool = False,
             description: str | None = None) -> Accident:
    """An accident charged to a township, recorded without the mail that `add_accident` sends."""
    a = Accident(org_id=township.id, occurred_on=occurred_on, kind=kind, deaths=deaths, injuries=injuries,
                 liability=liability, egregious=egregious, description=description)
    session.add(a)
    session.flush()
    return a

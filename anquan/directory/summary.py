"""The directory in figures: organisations and contacts by kind, and the staffing gaps the book forbids."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from anquan.rules.cycle import CycleRules
from anquan.models.directory import Contact, Organisation, OrgKind, Role


def needs_dedicated_safety_manager(*, sector: str | None, dangerous_goods: bool, employees: int | None, rules: CycleRules) -> bool:
    return (
        (sector is not None and sector in {s.value for s in rules.high_risk_sectors})
        or bool(dangerous_goods)
        or (employees or 0) > rules.dedicated_safety_staff_over
    )


def staffing_gaps(*, session: Session, rules: CycleRules, township_id: int | None = None) -> list[dict]:
    """Every staffing gap the responsibility book names, as dicts (org_code, org_name, kind, gap, detail, detail_zh).

    Each role is counted once per organisation in one grouped subquery joined
    to the organisations (not a subquery per row). `township_id` limits it to one township.
    """
    gaps: list[dict] = []

    def counted(role: Role):
        sub = (select(Contact.org_id.label("org_id"), func.count().label("n"))
               .where(Contact.active, Contact.role == role.value).group_by(Contact.org_id).subquery())
        return sub, func.coalesce(sub.c.n, 0)

    def scoped(q):
        return q.where(Organisation.township_id == township_id) if township_id is not None else q

    office, n_office_col = counted(Role.safety_office)
    head, n_head_col = counted(Role.township_head)
    townships = session.execute(scoped(
        select(Organisation.code, Organisation.name, n_office_col, n_head_col)
        .outerjoin(office, office.c.org_id == Organisation.id).outerjoin(head, head.c.org_id == Organisation.id)
        .where(Organisation.kind == OrgKind.township.value).order_by(Organisation.code)
    )).all()
    for code, name, n_office, n_head in townships:
        if n_office < 2:
            gaps.append({"org_code": code, "org_name": name, "kind": "township", "gap": "safety_office_staff",
                         "detail": f"{n_office} safety office staff; the book requires at least 2",
                         "detail_zh": f"安监办专（兼）职人员{n_office}人，责任书要求2人以上"})
        if n_head < 1:
            gaps.append({"org_code": code, "org_name": name, "kind": "township", "gap": "no_township_head",
                         "detail": "no township head to answer for the book", "detail_zh": "通讯录中无乡(镇)长"})
    officers, n_officers = counted(Role.village_safety_officer)
    for code, name in session.execute(scoped(
        select(Organisation.code, Organisation.name).outerjoin(officers, officers.c.org_id == Organisation.id)
        .where(Organisation.kind == OrgKind.village.value, n_officers < 1)
        .order_by(Organisation.code)
    )).all():
        gaps.append({"org_code": code, "org_name": name, "kind": "village", "gap": "no_village_safety_officer",
                     "detail": "no part-time safety officer; the book requires 1 per village",
                     "detail_zh": "未配备村兼职安全员，责任书要求每村1名"})
    high_risk = [s.value for s in rules.high_risk_sectors]
    managers, n_managers = counted(Role.enterprise_safety_manager)
    for code, name, sector, dg, emp in session.execute(scoped(
        select(Organisation.code, Organisation.name, Organisation.sector, Organisation.dangerous_goods, Organisation.employees)
        .outerjoin(managers, managers.c.org_id == Organisation.id)
        .where(
            Organisation.kind == OrgKind.enterprise.value,
            (Organisation.sector.in_(high_risk)) | Organisation.dangerous_goods
            | (func.coalesce(Organisation.employees, 0) > rules.dedicated_safety_staff_over),
            n_managers < 1,
        )
        .order_by(Organisation.code)
    )).all():
        reasons, reasons_zh = [], []
        if sector in high_risk:
            reasons.append(f"high-risk sector {sector}")
            reasons_zh.append("高危行业")
        if dg:
            reasons.append("dangerous goods")
            reasons_zh.append("涉及危险物品")
        if (emp or 0) > rules.dedicated_safety_staff_over:
            reasons.append(f"{emp} employees")
            reasons_zh.append(f"从业人员{emp}人")
        gaps.append({"org_code": code, "org_name": name, "kind": "enterprise", "gap": "no_safety_manager",
                     "detail": "needs a dedicated safety manager (" + ", ".join(reasons) + ") and has none",
                     "detail_zh": "应配备专职安全生产管理人员（" + "、".join(reasons_zh) + "）而未配备"})
    return gaps


def directory_summary(*, session: Session, rules: CycleRules) -> dict:
    """The tree in figures: organisations by kind, each township's make-up, and the staffing gaps."""
    by_kind = dict(session.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all())
    contacts = session.execute(select(func.count()).select_from(Contact).where(Contact.active)).scalar_one()
    per_township: dict[int, dict] = {}
    for tid, code, name, parent in session.execute(
        select(Organisation.id, Organisation.code, Organisation.name, Organisation.parent_id)
        .where(Organisation.kind == OrgKind.township.value).order_by(Organisation.code)
    ).all():
        per_township[tid] = {"code": code, "name": name, "villages": 0, "units": 0, "enterprises": 0,
                             "enterprises_by_sector": {}, "contacts": 0}
    for tid, kind, sector, n in session.execute(
        select(Organisation.township_id, Organisation.kind, Organisation.sector, func.count())
        .where(Organisation.kind != OrgKind.township.value, Organisation.township_id.is_not(None))
        .group_by(Organisation.township_id, Organisation.kind, Organisation.sector)
    ).all():
        t = per_township.get(tid)
        if t is None:
            continue
        key = {"village": "villages", "unit": "units", "enterprise": "enterprises"}[kind]
        t[key] += n
        if kind == OrgKind.enterprise.value:
            t["enterprises_by_sector"][sector] = t["enterprises_by_sector"].get(sector, 0) + n
    for tid, n in session.execute(
        select(Organisation.township_id, func.count())
        .select_from(Contact).join(Organisation, Organisation.id == Contact.org_id)
        .where(Contact.active, Organisation.township_id.is_not(None))
        .group_by(Organisation.township_id)
    ).all():
        if tid in per_township:
            per_township[tid]["contacts"] += n
    counties = [
        {"code": c, "name": n}
        for c, n in session.execute(
            select(Organisation.code, Organisation.name).where(Organisation.kind == OrgKind.county.value).order_by(Organisation.code)
        ).all()
    ]
    return {
        "counties": counties,
        "organisations": {k.value: by_kind.get(k.value, 0) for k in OrgKind},
        "contacts": contacts,
        "townships": list(per_township.values()),
        "gaps": staffing_gaps(session=session, rules=rules),
    }

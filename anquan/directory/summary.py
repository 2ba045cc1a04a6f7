"""The directory in figures: organisations and contacts by kind, and the staffing gaps the book forbids."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlmodel import Session

from anquan.rules.cycle import CycleRules
from anquan.models.directory import Contact, Organisation, OrgKind, Role
from anquan.vocabulary import SECTOR_LABELS


def needs_dedicated_safety_manager(*, sector: str | None, dangerous_goods: bool, employees: int | None, rules: CycleRules) -> bool:
    """Whether the book requires a full-time safety manager: the rules' sectors, dangerous goods, or over the headcount."""
    return (
        (sector is not None and sector in {s.value for s in rules.full_time_manager_sectors})
        or bool(dangerous_goods)
        or (employees or 0) > rules.dedicated_safety_staff_over
    )


def held_in(year: int | None):
    """The contacts that count: active now, or (for a past year) those that were in the directory during it.

    The directory keeps no history of its own; the approximation is the contact's timestamps: created before the
    year ended, and still active or changed (deactivation sets updated_at) on or after the year began."""
    if year is None:
        return Contact.active
    start = datetime(year, 1, 1, tzinfo=timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    return (Contact.created_at < end) & (Contact.active | (Contact.updated_at >= start))


def staffing_gaps(*, session: Session, rules: CycleRules, township_id: int | None = None,
                  year: int | None = None) -> list[dict]:
    """Every staffing gap the responsibility book names, as dicts (org_code, org_name, kind, gap, detail, detail_zh).

    Each role is counted once per organisation in one grouped subquery joined
    to the organisations (not a subquery per row). `township_id` limits it to one township;
    `year` counts the contacts of that year (see held_in) instead of today's.
    """
    gaps: list[dict] = []

    def counted(role: Role, *extra):
        sub = (select(Contact.org_id.label("org_id"), func.count().label("n"))
               .where(held_in(year), Contact.role == role.value, *extra).group_by(Contact.org_id).subquery())
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
    gaps.extend(_enterprise_gaps(session, rules=rules, counted=counted, scoped=scoped))
    return gaps


def _enterprise_gaps(session: Session, *, rules: CycleRules, counted, scoped) -> list[dict]:
    """Enterprises the book requires a full-time safety manager of (book (二)1) without one.

    Only a contact imported as full-time counts; one whose full_time is empty (unknown) or false does not, and the
    text says which: none at all, or only part-time / not stated."""
    sectors = [s.value for s in rules.full_time_manager_sectors]
    over = rules.dedicated_safety_staff_over
    _all, n_any = counted(Role.enterprise_safety_manager)
    full, n_full = counted(Role.enterprise_safety_manager, Contact.full_time.is_(True))
    gaps = []
    for code, name, sector, dg, emp, any_ in session.execute(scoped(
        select(Organisation.code, Organisation.name, Organisation.sector, Organisation.dangerous_goods,
               Organisation.employees, n_any)
        .outerjoin(_all, _all.c.org_id == Organisation.id).outerjoin(full, full.c.org_id == Organisation.id)
        .where(Organisation.kind == OrgKind.enterprise.value,
               (Organisation.sector.in_(sectors)) | Organisation.dangerous_goods
               | (func.coalesce(Organisation.employees, 0) > over),
               n_full < 1)
        .order_by(Organisation.code)
    )).all():
        reasons, reasons_zh = [], []
        if sector in sectors:
            reasons.append(f"sector {sector}")
            reasons_zh.append(SECTOR_LABELS.get(sector, sector))
        if dg:
            reasons.append("dangerous goods")
            reasons_zh.append("危险物品生产、经营、储存单位")
        if (emp or 0) > over:
            reasons.append(f"{emp} employees")
            reasons_zh.append(f"从业人员{emp}人，超过{over}人")
        why, why_zh = ", ".join(reasons), "、".join(reasons_zh)
        if any_:
            detail = f"needs a full-time safety manager ({why}); its {any_} safety manager(s) are not marked full-time"
            detail_zh = f"应配备专职安全生产管理人员（{why_zh}），现有{any_}名安全生产管理人员未登记为专职"
        else:
            detail = f"needs a full-time safety manager ({why}) and has none"
            detail_zh = f"应配备专职安全生产管理人员（{why_zh}）而未配备"
        gaps.append({"org_code": code, "org_name": name, "kind": "enterprise", "gap": "no_safety_manager",
                     "detail": detail, "detail_zh": detail_zh})
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

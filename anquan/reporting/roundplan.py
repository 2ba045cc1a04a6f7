"""What a quarter's round says (issue 11): every duty of the quarter, a self-check with a deadline and a checklist by
sector, and a supervision plan with proposed dates and each township's open problems.

The quarter's mail to a township lists all it owes in the quarter: the meeting, the big inspection and its summary,
the previous quarter's summary and a duty report when they fall due in it, the holiday inspections, listed hazards,
and the monthly follow-up of its enterprises' risk analyses. Enterprises are asked to finish their self-check by
the rules' `enterprise_self_check_day` of the quarter's last month, before the township's inspection summary is due.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from anquan.models.directory import Organisation
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.models.records import Hazard, HazardStatus
from anquan.vocabulary import COUNTY_SUPERVISION, MONTHLY_RISK_ANALYSIS, period_label, quarter_period

# What an enterprise checks in its self-check, by sector (the book's key sectors; others get the common list).
COMMON_CHECKS = ["安全生产责任制和规章制度落实情况", "从业人员安全教育培训和持证上岗情况", "隐患排查治理台账（建档立卡）和整改落实情况",
                 "应急预案、应急演练和应急物资配备情况"]
SECTOR_CHECKS = {
    "non_coal_mining": ["采场边坡、排土场和尾矿库稳定情况", "爆破器材储存和爆破作业管理", "通风、排水和供电设施"],
    "water_transport": ["船舶适航和载客定额", "救生设备配备", "渡口和码头安全管理、恶劣天气停航制度"],
    "road_transport": ["车辆技术状况和动态监控", "驾驶员资质和疲劳驾驶管理", "危险货物运输资质和押运"],
    "crowded_places": ["消防设施、器材完好情况", "疏散通道和安全出口畅通情况", "电气线路和用火用电管理"],
    "construction": ["深基坑、高支模和脚手架等危大工程管理", "起重机械和施工用电", "高处作业防护和特种作业人员持证"],
    "fireworks": ["储存仓库定量、分类存放情况", "防火、防雷和防静电设施", "经营许可和进销台账"],
    "hazardous_chemicals": ["重大危险源监测监控", "储罐区防火堤和泄漏报警装置", "动火等特殊作业审批"],
}


def quarter_window(year: int, quarter: int) -> tuple[date, date]:
    """The quarter's first and last day."""
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - timedelta(days=1)
    return start, end


def self_check_deadline(year: int, quarter: int, day: int) -> date:
    """The quarter's self-check deadline: `day` (the rules' enterprise_self_check_day) of its last month."""
    return date(year, 3 * quarter, day)


def checklist(sector: str | None) -> list[str]:
    """The self-check items of a sector: its own, then the common ones."""
    return [*SECTOR_CHECKS.get(sector or "", []), *COMMON_CHECKS]


def township_duties(session: Session, *, rules, township_id: int, year: int, quarter: int) -> list[dict]:
    """Everything the township owes in the quarter: the quarter's own duties and any falling due in it."""
    start, end = quarter_window(year, quarter)
    rows = session.execute(
        select(Obligation).where(
            Obligation.org_id == township_id, Obligation.kind != COUNTY_SUPERVISION,
            or_(Obligation.period == quarter_period(year, quarter), and_(Obligation.due_on >= start, Obligation.due_on <= end)))
        .order_by(Obligation.due_on, Obligation.id)
    ).scalars().all()
    return [{"kind": ob.kind, "title": rules.kinds[ob.kind].title if ob.kind in rules.kinds else ob.kind,
             "period_label": period_label(ob.period), "due_on": ob.due_on, "id": ob.id} for ob in rows]


def monthly_follow_up(session: Session, *, township_id: int, year: int, quarter: int) -> dict | None:
    """The enterprises' monthly risk analyses due in the quarter, which the township follows up each month."""
    start, end = quarter_window(year, quarter)
    subject = Organisation.__table__.alias("subject")
    rows = session.execute(
        select(Obligation.due_on, Obligation.org_id).join(subject, subject.c.id == Obligation.subject_org_id)
        .where(Obligation.kind == MONTHLY_RISK_ANALYSIS, subject.c.township_id == township_id,
               Obligation.due_on >= start, Obligation.due_on <= end)
    ).all()
    if not rows:
        return None
    return {"enterprises": len({r.org_id for r in rows}), "due": sorted({r.due_on for r in rows})}


def open_problems(session: Session, *, rules, township_id: int, today: date) -> list[str]:
    """The township's open problems as the county's supervisors read them: overdue duties by kind, hazards."""
    subject = Organisation.__table__.alias("subject")
    late: dict[str, list[int]] = defaultdict(list)
    for kind, due_on in session.execute(
        select(Obligation.kind, Obligation.due_on).join(subject, subject.c.id == Obligation.subject_org_id)
        .where(Obligation.status == ObligationStatus.open.value, Obligation.due_on < today,
               Obligation.kind != COUNTY_SUPERVISION,
               or_(subject.c.id == township_id, subject.c.township_id == township_id))
    ).all():
        late[rules.kinds[kind].title if kind in rules.kinds else kind].append((today - due_on).days)
    out = [f"{title}逾期未报{len(days)}项，最长{max(days)}天" for title, days in sorted(late.items(), key=lambda x: -max(x[1]))]
    hazards = session.execute(
        select(Hazard.deadline).where(Hazard.org_id == township_id, Hazard.status == HazardStatus.open.value)
    ).scalars().all()
    if hazards:
        overdue = sum(1 for d in hazards if d < today)
        out.append(f"挂牌督办隐患{len(hazards)}项未销号" + (f"，其中{overdue}项已过整改期限" if overdue else ""))
    return out


def proposed_dates(year: int, quarter: int, count: int, is_rest_day=None) -> list[date]:
    """One visit a working day from the first of the quarter's second month, in township order. Working days are
    the calendar's (`is_rest_day`, with the official holidays) or else Monday to Friday."""
    rest = is_rest_day or (lambda d: d.weekday() >= 5)
    day, out = date(year, 3 * quarter - 1, 1), []
    while len(out) < count:
        if not rest(day):
            out.append(day)
        day += timedelta(days=1)
    return out

"""A township's page in the console: its duties of the year (its row of the matrix), its villages, units and
enterprises, the enterprises' monthly risk-analysis completion month by month, the provisional score with
every deduction (anquan.assessment.scoring, the same scoring as the assess command for one township), its listed
hazards with their deadlines, and its accidents against the county's control indicators (anquan.records).

Counting is SQL (GROUP BY period and state over the township's monthly analyses); the score is the
assessment's own computation for one township."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from anquan.assessment.scoring import TownshipResult, assess
from anquan.console.yearview import Matrix, matrix, state_case
from anquan.cycle.mine import NotYours
from anquan.errors import InvalidValue
from anquan.models.directory import Organisation, OrgKind
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.notifications.render import cn_date
from anquan.rules.cycle import CycleRules
from anquan.vocabulary import MONTHLY_RISK_ANALYSIS, month_period


@dataclass
class Month:
    month: int
    counts: dict[str, int] = field(default_factory=dict)

    def n(self, state: str) -> int:
        return self.counts.get(state, 0)

    @property
    def owed(self) -> int:
        """Enterprises that owe the month's analysis (waived and not tracked: nobody)."""
        return sum(self.counts.values()) - self.n("waived") - self.n("not_tracked")

    @property
    def done(self) -> int:
        return self.n("on_time") + self.n("late")

    @property
    def due(self) -> bool:
        """Whether the month's deadline has come (anything overdue, late or reported on time says so)."""
        return self.n("not_due") + self.n("open") < self.owed

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.owed) if self.owed else None


@dataclass
class ListedHazard:
    """A listed-supervision hazard (挂牌督办隐患) as the township's page shows it."""

    where: str  # the enterprise, or the place
    description: str
    responsible_person: str
    deadline: date  # 整改期限
    closed_on: date | None
    overdue_days: int | None  # open past its deadline: by how many days
    evaluation: str | None = None  # once accepted: where its effect evaluation (整改效果评价) stands, in words
    evaluation_late: bool = False

    @property
    def status(self) -> str:
        if self.closed_on is not None:
            return "已整改销号"
        return f"逾期未整改（已逾期{self.overdue_days}天）" if self.overdue_days else "整改中"


def _evaluation(ob, today: date) -> tuple[str | None, bool]:
    """Where an accepted hazard's effect evaluation stands: (words, past its due date and not done)."""
    if ob is None:
        return None, False
    if ob.status in (ObligationStatus.submitted.value, ObligationStatus.late.value):
        return f"已完成整改效果评价（{cn_date(ob.submitted_on)}）", False
    if ob.status == ObligationStatus.waived.value:
        return "整改效果评价已免除", False
    if today > ob.due_on:
        return f"整改效果评价逾期未做（已逾期{(today - ob.due_on).days}天）", True
    return f"待整改效果评价（{cn_date(ob.due_on)}前）", False


@dataclass
class Indicator:
    """One control indicator (控制考核指标) of the year against the accidents so far."""

    label: str  # 事故起数, 死亡人数, 受伤人数
    value: int
    limit: int
    level: str  # within, near, reached, exceeded

    @property
    def words(self) -> str:
        return {"exceeded": f"已超过控制指标（超出{self.value - self.limit}）", "reached": "已达到控制指标",
                "near": "接近控制指标", "within": "在控制指标以内"}[self.level]


def listed_hazards(session: Session, *, year: int, today: date, township_code: str) -> list[ListedHazard]:
    from anquan.records.hazards import list_hazards

    out = []
    found = list_hazards(session=session, year=year, org_code=township_code, today=today)
    evaluations = {ob.id: ob for ob in session.execute(select(Obligation).where(
        Obligation.id.in_([h["evaluation_id"] for h in found if h["evaluation_id"]]))).scalars()}
    for h in found:
        deadline = date.fromisoformat(h["deadline"])
        out.append(ListedHazard(h["enterprise_name"] or h["place"] or "", h["description"], h["responsible_person"],
                                deadline, date.fromisoformat(h["closed_on"]) if h["closed_on"] else None,
                                (today - deadline).days if h["overdue"] else None,
                                *_evaluation(evaluations.get(h["evaluation_id"]), today)))
    return out


def indicators(session: Session, *, township: Organisation, year: int, warn_at: float) -> list[Indicator]:
    from anquan.records.accidents import indicator_status

    out = []
    for i in indicator_status(session=session, township=township, year=year):
        v, limit = i["value"], i["limit"]
        level = ("exceeded" if v > limit else "reached" if limit and v == limit
                 else "near" if limit and i["share"] >= warn_at else "within")
        out.append(Indicator(i["label"], v, limit, level))
    return out


@dataclass
class TownshipPage:
    id: int
    code: str
    name: str
    year: int
    today: date
    orgs: dict[str, int]  # village, unit, enterprise -> how many
    row: Matrix  # the matrix limited to this township
    months: list[Month]
    result: TownshipResult | None  # none for a year never planned
    provisional: bool
    notes: list[str]
    hazards: list[ListedHazard] = field(default_factory=list)
    accidents: list[dict] = field(default_factory=list)  # anquan.records.accidents.accident_dict (+ on: its date)
    indicators: list[Indicator] = field(default_factory=list)  # none: the county set none for the year


def monthly_completion(session: Session, *, rules: CycleRules, year: int, today: date, township_id: int) -> list[Month]:
    subject = aliased(Organisation)
    inner = (select(Obligation.period.label("period"), state_case(rules, today).label("state"))
             .join(subject, subject.id == Obligation.subject_org_id)
             .where(Obligation.year == year, Obligation.kind == MONTHLY_RISK_ANALYSIS,
                    subject.township_id == township_id).subquery())
    found: dict[str, dict[str, int]] = {}
    for period, st, n in session.execute(select(inner.c.period, inner.c.state, func.count())
                                         .group_by(inner.c.period, inner.c.state)):
        found.setdefault(period, {})[st] = n
    return [Month(m, found.get(month_period(year, m), {})) for m in range(1, 13)]


@dataclass
class Completion:
    """Enterprises' monthly risk-analysis completion, township by month, for the year."""

    year: int
    today: date
    townships: list  # yearview.Township
    months: dict[int, list[Month]]  # township id -> its twelve months


def completion_by_township(session: Session, *, rules: CycleRules, year: int, today: date,
                           only: int | None = None) -> Completion:
    """One GROUP BY (township, period, state) over the year's monthly analyses."""
    from anquan.console.yearview import townships

    subject = aliased(Organisation)
    inner = (select(subject.township_id.label("township_id"), Obligation.period.label("period"),
                    state_case(rules, today).label("state"))
             .join(subject, subject.id == Obligation.subject_org_id)
             .where(Obligation.year == year, Obligation.kind == MONTHLY_RISK_ANALYSIS))
    if only is not None:
        inner = inner.where(subject.township_id == only)
    sub = inner.subquery()
    found: dict[tuple[int, str], dict[str, int]] = {}
    for tid, period, st, n in session.execute(select(sub.c.township_id, sub.c.period, sub.c.state, func.count())
                                              .group_by(sub.c.township_id, sub.c.period, sub.c.state)):
        found.setdefault((tid, period), {})[st] = n
    towns = townships(session, only=only)
    return Completion(year, today, towns, {t.id: [Month(m, found.get((t.id, month_period(year, m)), {}))
                                                  for m in range(1, 13)] for t in towns})


def township_page(*, session: Session, rules: CycleRules, rubric, year: int, today: date, township_id: int,
                  only: int | None = None, go_live: date | None = None) -> TownshipPage:
    """NotYours for a township outside `only`, or no township."""
    from anquan.records.accidents import list_accidents

    if only is not None and township_id != only:
        raise NotYours(f"township {township_id} is not this account's")
    town = session.get(Organisation, township_id)
    if town is None or town.kind != OrgKind.township.value:
        raise NotYours(f"no township {township_id}")
    orgs = dict(session.execute(select(Organisation.kind, func.count()).where(
        Organisation.township_id == township_id, Organisation.kind != OrgKind.township.value)
        .group_by(Organisation.kind)).all())
    try:
        scored = assess(session=session, rules=rules, rubric=rubric, year=year, as_of=today, org_code=town.code,
                        go_live=go_live)
    except InvalidValue:  # the year was never planned: nothing to score
        scored = None
    return TownshipPage(
        id=town.id, code=town.code, name=town.name, year=year, today=today, orgs=orgs,
        row=matrix(session=session, rules=rules, year=year, today=today, only=township_id),
        months=monthly_completion(session, rules=rules, year=year, today=today, township_id=township_id),
        result=scored.results[0] if scored else None, provisional=scored.provisional if scored else True,
        notes=scored.notes if scored else [],
        hazards=listed_hazards(session, year=year, today=today, township_code=town.code),
        accidents=[{**a, "on": date.fromisoformat(a["date"])}
                   for a in list_accidents(session=session, year=year, org_code=town.code)],
        indicators=indicators(session, township=town, year=year, warn_at=float(rubric.indicators.warn_at)))

"""The annual assessment (履职考核): scores, the one-vote veto and grades, exactly as the book says.

Base 100 points; automatic deductions from the year's records, each with
points per instance and a cap (the rubric file); manual items the county
enters; grades ≥ 90 优秀, 80 to under 90 良好, 70 to under 80 合格, under 70
不合格; and the one-vote veto (一票否决) that makes the grade 不合格 whatever the
score. The points of the items add up to the score minus the base.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from anquan.directory.summary import staffing_gaps
from anquan.errors import InvalidValue, NotFound
from anquan.rules.rubric import Rubric
from anquan.rules.cycle import CycleRules
from anquan.models.directory import Organisation, OrgKind
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.models.records import Accident, AccidentKind, Adjustment, ControlIndicator
from anquan.notifications.render import cn_date
from anquan.vocabulary import MONTHLY_RISK_ANALYSIS, duty_name, event_period_labels

EXCELLENT, GOOD, PASS, FAIL = "优秀", "良好", "合格", "不合格"


def grade_for(score: Decimal, vetoed: bool) -> str:
    if vetoed:
        return FAIL
    if score >= 90:
        return EXCELLENT
    if score >= 80:
        return GOOD
    if score >= 70:
        return PASS
    return FAIL


@dataclass(frozen=True)
class AccidentFacts:
    id: int
    occurred_on: date
    kind: str
    deaths: int
    injuries: int
    liability: bool
    egregious: bool
    description: str | None = None  # what happened and where, as the county recorded it


def _accident_named(a: AccidentFacts) -> str:
    """One accident in words: its day, what happened where (as recorded), and its toll."""
    toll = "、".join(t for t in (f"死亡{a.deaths}人" if a.deaths else "", f"受伤{a.injuries}人" if a.injuries else "") if t)
    return "，".join(part for part in (cn_date(a.occurred_on), (a.description or "").strip().rstrip("。"), toll) if part)


def _accidents_named(accidents: list[AccidentFacts]) -> str:
    """The accidents as officials know them: 2026年8月3日，某采石场边坡坍塌，死亡3人；2026年9月1日，死亡5人、受伤2人."""
    return "；".join(_accident_named(a) for a in accidents)


def veto_reasons(accidents: list[AccidentFacts]) -> list[str]:
    """The one-vote veto rules of the book, applied to one township's accidents of one year."""
    reasons = []
    road = [a for a in accidents if a.liability and a.kind == AccidentKind.road_traffic.value]
    other = [a for a in accidents if a.liability and a.kind != AccidentKind.road_traffic.value]
    ids = _accidents_named
    if big := [a for a in road if a.deaths >= 10]:
        reasons.append(f"发生一次死亡10人以上重特大道路交通安全责任事故（事故：{ids(big)}）")
    if len(five := [a for a in road if a.deaths >= 5]) >= 2:
        reasons.append(f"发生两起以上一次死亡5人以上道路交通安全责任事故（事故：{ids(five)}）")
    if big := [a for a in other if a.deaths >= 5]:
        reasons.append(f"发生一次死亡5人以上道路交通以外行业安全生产责任事故（事故：{ids(big)}）")
    if len(three := [a for a in other if a.deaths >= 3]) >= 2:
        reasons.append(f"发生两起以上一次死亡3人以上道路交通以外行业安全生产责任事故（事故：{ids(three)}）")
    if bad := [a for a in accidents if a.egregious]:
        reasons.append(f"发生社会影响特别恶劣的事故（事故：{ids(bad)}）")
    return reasons


@dataclass
class Deduction:
    item: str
    points: Decimal  # negative for a deduction
    evidence: str

    def as_dict(self) -> dict:
        return {"item": self.item, "points": float(self.points), "evidence": self.evidence}


@dataclass
class TownshipResult:
    org_id: int
    org_code: str
    org_name: str
    base: Decimal
    deductions: list[Deduction] = field(default_factory=list)
    veto_reasons: list[str] = field(default_factory=list)
    # The rubric's bounds (min_score, max_score): +5 on 99.8 gives 100, never 104.8.
    floor: Decimal = Decimal(0)
    ceiling: Decimal = Decimal(100)

    @property
    def score(self) -> Decimal:
        raw = self.base + sum((d.points for d in self.deductions), Decimal(0))
        return max(self.floor, min(self.ceiling, raw))

    @property
    def vetoed(self) -> bool:
        return bool(self.veto_reasons)

    @property
    def grade(self) -> str:
        return grade_for(self.score, self.vetoed)

    def as_dict(self) -> dict:
        return {
            "org_code": self.org_code,
            "org_name": self.org_name,
            "score": float(self.score),
            "grade": self.grade,
            "vetoed": self.vetoed,
            "veto_reasons": self.veto_reasons,
            "deductions": [d.as_dict() for d in self.deductions],
        }


@dataclass
class Assessment:
    year: int
    as_of: date
    provisional: bool
    results: list[TownshipResult]
    county_targets: list[str]
    # The installation's go-live: duties due before it were not tracked and are left out of the score.
    go_live: date | None = None
    notes: list[str] = field(default_factory=list)

    def ranked(self) -> list[TownshipResult]:
        """Best first: a vetoed township below every other whatever its score, then by score."""
        return sorted(self.results, key=lambda r: (r.vetoed, -r.score, r.org_code))

    def ranks(self) -> list[tuple[int, TownshipResult]]:
        """(rank, result) best first; equal results share a rank and the next rank skips (1, 1, 3)."""
        out: list[tuple[int, TownshipResult]] = []
        for i, r in enumerate(self.ranked(), start=1):
            tied = out and (out[-1][1].vetoed, out[-1][1].score) == (r.vetoed, r.score)
            out.append((out[-1][0] if tied else i, r))
        return out

    def as_list(self) -> list[dict]:
        return [{**r.as_dict(), "rank": rank, "year": self.year, "as_of": self.as_of.isoformat(), "provisional": self.provisional}
                for rank, r in self.ranks()]


def is_provisional(year: int, as_of: date) -> bool:
    """Before the year-end duty report's deadline (5 January) some of the year's duties have not fallen due."""
    return as_of <= date(year + 1, 1, 5)


def _capped(result: TownshipResult, item: str, cap: Decimal, entries: list[tuple[Decimal, str]]) -> None:
    """Add an item's instances, each as a deduction, until the cap is used up."""
    left = cap
    dropped = []
    for points, evidence in entries:
        take = min(points, left)
        if take > 0:
            result.deductions.append(Deduction(item, -take, evidence + ("" if take == points else f"（达到本项上限{cap}分）")))
            left -= take
        else:
            dropped.append(evidence)
    if dropped and result.deductions and result.deductions[-1].item == item:
        last = result.deductions[-1]
        last.evidence += f"；另有{len(dropped)}项因本项扣分上限{cap}分未再扣分"


def _status_text(status: str, due_on: date, submitted_on: date | None) -> str:
    """2026年7月10日报告，逾期5天 / 截止2026年7月5日，截至考核日未提交."""
    if status == ObligationStatus.late.value:
        return f"{cn_date(submitted_on)}报告，逾期{(submitted_on - due_on).days}天"
    return f"截止{cn_date(due_on)}，截至考核日未提交"


def assess(
    *, session: Session, rules: CycleRules, rubric: Rubric, year: int, as_of: date, org_code: str | None = None,
    go_live: date | None = None,
) -> Assessment:
    """Score every township (or one) for a year, as of a date. Reproducible: same records, same result.

    Duties due before `go_live` (the installation's go-live date) are left out, and the result says so."""
    q = select(Organisation.id, Organisation.code, Organisation.name).where(Organisation.kind == OrgKind.township.value)
    if org_code:
        q = q.where(Organisation.code == org_code)
    townships = session.execute(q.order_by(Organisation.code)).all()
    if org_code and not townships:
        raise NotFound(f"{org_code!r} is not a township in the directory", field="org_code")
    if townships and session.execute(select(Obligation.id).where(Obligation.year == year).limit(1)).first() is None:
        # Nothing to score against: every township would be graded 优秀 for a year nobody tracked.
        raise InvalidValue(f"year {year} was never planned, so there is nothing to assess; "
                           f"plan it first (anquan plan {year}) or give the year that was planned", field="year")
    results = {t.id: TownshipResult(t.id, t.code, t.name, rubric.base, floor=rubric.min_score, ceiling=rubric.max_score)
               for t in townships}
    ids = list(results)
    if not ids:
        return Assessment(year, as_of, is_provisional(year, as_of), [], [])

    since = go_live or date.min
    _obligations(session, rules=rules, rubric=rubric, year=year, as_of=as_of, since=since, results=results)
    _risk_analysis(session, rubric=rubric, year=year, as_of=as_of, since=since, results=results)
    _staffing(session, rules=rules, rubric=rubric, year=year, results=results)
    accidents = _accidents(session, rubric=rubric, year=year, results=results)
    _adjustments(session, year=year, results=results)
    notes = []
    if go_live is not None and go_live > date(year, 1, 1):
        notes.append(f"本县自{go_live.year}年{go_live.month}月{go_live.day}日起纳入系统管理，"
                     f"此前到期的事项未纳入系统跟踪，不计入本次考核计分。")
    return Assessment(year, as_of, is_provisional(year, as_of), list(results.values()), _county_targets(accidents),
                      go_live=go_live, notes=notes)


Results = dict[int, TownshipResult]


def _obligations(session: Session, *, rules: CycleRules, rubric: Rubric, year: int, as_of: date, since: date,
                 results: Results) -> None:
    """Duties handed in late or not at all, per rubric entry, capped."""
    ids = list(results)
    subject = aliased(Organisation)
    for entry in rubric.obligations:
        rows = session.execute(
            select(Obligation.id, Obligation.kind, Obligation.period, Obligation.due_on, Obligation.status,
                   Obligation.submitted_on, subject.township_id, subject.code, subject.name, Obligation.org_id,
                   Obligation.subject_org_id)
            .join(subject, subject.id == Obligation.subject_org_id)
            .where(Obligation.year == year, Obligation.kind.in_(entry.kinds), subject.township_id.in_(ids),
                   Obligation.due_on >= since,
                   (Obligation.status == ObligationStatus.late.value)
                   | and_(Obligation.status == ObligationStatus.open.value, Obligation.due_on < as_of))
            .order_by(Obligation.due_on, Obligation.id)
        ).all()
        per: dict[int, list[tuple[Decimal, str]]] = defaultdict(list)
        labels = event_period_labels(session, (r.period for r in rows))
        for r in rows:
            if entry.scope == "own" and not (r.org_id == r.subject_org_id == r.township_id):
                continue
            points = entry.late if r.status == ObligationStatus.late.value else entry.missed
            title = rules.kinds[r.kind].title if r.kind in rules.kinds else r.kind
            who = "" if r.subject_org_id == r.township_id else f"{r.name}："
            per[r.township_id].append((points, f"{who}{duty_name(title, r.period, labels.get(r.period))}"
                                               f"（{_status_text(r.status, r.due_on, r.submitted_on)}）"))
        for tid, entries in per.items():
            _capped(results[tid], entry.item, entry.cap, entries)


def _risk_analysis(session: Session, *, rubric: Rubric, year: int, as_of: date, since: date, results: Results) -> None:
    """The enterprises' monthly risk analysis: points per step below the threshold completion rate."""
    ids = list(results)
    subject = aliased(Organisation)
    ra = rubric.risk_analysis
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for tid, status in session.execute(
        select(subject.township_id, Obligation.status)
        .join(subject, subject.id == Obligation.subject_org_id)
        .where(Obligation.year == year, Obligation.kind == MONTHLY_RISK_ANALYSIS, subject.township_id.in_(ids),
               Obligation.due_on < as_of, Obligation.due_on >= since,
               Obligation.status.not_in([ObligationStatus.waived.value, ObligationStatus.not_tracked.value]))
    ).all():
        counts[tid][1] += 1
        if status in (ObligationStatus.submitted.value, ObligationStatus.late.value):
            counts[tid][0] += 1
    for tid, (done, total) in counts.items():
        rate = Decimal(done) / Decimal(total)
        if rate < ra.threshold:
            steps = math.ceil((ra.threshold - rate) / ra.step)
            points = min(ra.points * steps, ra.cap)
            results[tid].deductions.append(Deduction(
                ra.item, -points,
                f"辖区企业每月风险分析应报{total}次，已报{done}次，完成率{float(rate) * 100:.1f}%，低于{float(ra.threshold) * 100:.0f}%",
            ))


def _staffing(session: Session, *, rules: CycleRules, rubric: Rubric, year: int, results: Results) -> None:
    """Staffing, as the directory stood in the year (the contacts held during it: see directory.summary.held_in)."""
    ids = list(results)
    st = rubric.staffing
    township_of = dict(session.execute(
        select(Organisation.code, Organisation.township_id).where(Organisation.township_id.in_(ids))
    ).all())
    staffing: dict[int, list[tuple[Decimal, str]]] = defaultdict(list)
    one = ids[0] if len(ids) == 1 else None
    for gap in staffing_gaps(session=session, rules=rules, township_id=one, year=year):
        tid = township_of.get(gap["org_code"])
        if tid not in results:
            continue
        points = {"safety_office_staff": st.township_safety_office_short,
                  "no_village_safety_officer": st.village_without_officer,
                  "no_safety_manager": st.enterprise_without_manager}.get(gap["gap"])
        if points:
            staffing[tid].append((points, f"{gap['org_name']}：{gap['detail_zh']}"))
    for tid, entries in staffing.items():
        _capped(results[tid], st.item, st.cap, entries)


def _accidents(session: Session, *, rubric: Rubric, year: int, results: Results) -> dict[int, list[AccidentFacts]]:
    """Control indicators exceeded, and the one-vote veto; returns the year's accidents by township."""
    ids = list(results)
    accidents: dict[int, list[AccidentFacts]] = defaultdict(list)
    for a in session.execute(
        select(Accident).where(Accident.org_id.in_(ids), Accident.occurred_on >= date(year, 1, 1),
                               Accident.occurred_on <= date(year, 12, 31)).order_by(Accident.occurred_on, Accident.id)
    ).scalars():
        accidents[a.org_id].append(AccidentFacts(a.id, a.occurred_on, a.kind, a.deaths, a.injuries, a.liability, a.egregious,
                                                 a.description))
    ind = rubric.indicators
    for c in session.execute(
        select(ControlIndicator).where(ControlIndicator.org_id.in_(ids), ControlIndicator.year == year)
    ).scalars():
        acc = accidents.get(c.org_id, [])
        entries = []
        n, deaths, injuries = len(acc), sum(a.deaths for a in acc), sum(a.injuries for a in acc)
        if n > c.max_accidents:
            entries.append((ind.accidents_exceeded, f"事故{n}起，超过控制指标{c.max_accidents}起"))
        if deaths > c.max_deaths:
            entries.append((ind.deaths_exceeded, f"死亡{deaths}人，超过控制指标{c.max_deaths}人"))
        if c.max_injuries is not None and injuries > c.max_injuries:
            entries.append((ind.injuries_exceeded, f"受伤{injuries}人，超过控制指标{c.max_injuries}人"))
        _capped(results[c.org_id], ind.item, ind.cap, entries)
    for tid, acc in accidents.items():
        results[tid].veto_reasons = veto_reasons(acc)
    return accidents


def _adjustments(session: Session, *, year: int, results: Results) -> None:
    """Manual items from the county's supervision."""
    ids = list(results)
    for adj in session.execute(
        select(Adjustment).where(Adjustment.org_id.in_(ids), Adjustment.year == year).order_by(Adjustment.id)
    ).scalars():
        results[adj.org_id].deductions.append(
            Deduction(adj.item, Decimal(str(adj.points)), f"县安委会调整：{adj.reason}")
        )


def _county_targets(accidents: dict[int, list[AccidentFacts]]) -> list[str]:
    """The county's own targets missed: a major (10+ deaths) or larger (3+) accident anywhere."""
    county_targets = []
    all_acc = [a for acc in accidents.values() for a in acc]
    if big := [a for a in all_acc if a.deaths >= 10]:
        county_targets.append(f"未实现杜绝一次死亡10人以上重特大事故的目标（事故：{_accidents_named(big)}）")
    if larger := [a for a in all_acc if 3 <= a.deaths < 10]:
        county_targets.append(f"发生一次死亡3人以上较大事故{len(larger)}起（事故：{_accidents_named(larger)}）")
    return county_targets


def county_name(session: Session) -> str:
    names = session.execute(select(Organisation.name).where(Organisation.kind == OrgKind.county.value).order_by(Organisation.code)).scalars().all()
    return names[0] if len(names) == 1 else "本县"

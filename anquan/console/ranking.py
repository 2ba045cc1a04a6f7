"""The provisional ranking (考核排名): every township's score as of a day, best first, with its enterprises' risk
analysis completion so far (the assessment's own scoring; the completion counted in SQL by township)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from anquan.assessment.scoring import TownshipResult, assess
from anquan.console.yearview import state_case
from anquan.errors import InvalidValue
from anquan.models.directory import Organisation
from anquan.models.obligations import Obligation
from anquan.rules.cycle import CycleRules
from anquan.vocabulary import MONTHLY_RISK_ANALYSIS


@dataclass
class Ranked:
    rank: int
    result: TownshipResult
    analyses_done: int  # monthly analyses reported (on time or late) of the months already due
    analyses_due: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.analyses_done / self.analyses_due) if self.analyses_due else None


@dataclass
class Ranking:
    year: int
    today: date
    provisional: bool
    rows: list[Ranked]
    notes: list[str]


def analyses_by_township(session: Session, *, rules: CycleRules, year: int, today: date) -> dict[int, tuple[int, int]]:
    """township id -> (reported, due so far) of its enterprises' monthly analyses."""
    subject = aliased(Organisation)
    inner = (select(subject.township_id.label("township_id"), state_case(rules, today).label("state"))
             .join(subject, subject.id == Obligation.subject_org_id)
             .where(Obligation.year == year, Obligation.kind == MONTHLY_RISK_ANALYSIS).subquery())
    out: dict[int, list[int]] = {}
    for tid, st, n in session.execute(select(inner.c.township_id, inner.c.state, func.count())
                                      .group_by(inner.c.township_id, inner.c.state)):
        done_due = out.setdefault(tid, [0, 0])
        if st in ("on_time", "late"):
            done_due[0] += n
        if st in ("on_time", "late", "overdue"):
            done_due[1] += n
    return {k: (v[0], v[1]) for k, v in out.items()}


def ranking(*, session: Session, rules: CycleRules, rubric, year: int, today: date, go_live: date | None) -> Ranking | None:
    """None for a year never planned."""
    try:
        scored = assess(session=session, rules=rules, rubric=rubric, year=year, as_of=today, go_live=go_live)
    except InvalidValue:
        return None
    analyses = analyses_by_township(session, rules=rules, year=year, today=today)
    rows = [Ranked(rank, r, *analyses.get(r.org_id, (0, 0))) for rank, r in scored.ranks()]
    return Ranking(year, today, scored.provisional, rows, scored.notes)

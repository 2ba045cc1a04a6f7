"""Accidents on rows made by the factories: each counts for its own year and township, and a grave one vetoes."""

from datetime import date

from anquan.assessment.scoring import assess
from anquan.cycle.planning import plan_year
from anquan.models.db import session_scope
from anquan.records.accidents import list_accidents
from tests.support import factories as f


def test_made_accidents_are_listed_by_year_and_township(app):
    with session_scope(app.engine) as s:
        c = f.county(session=s)
        t1 = f.township(session=s, county=c, code="T1", name="东山镇")
        t2 = f.township(session=s, county=c, code="T2", name="西河乡", head="head@t2.example")
        f.accident(session=s, township=t1, occurred_on=date(2025, 12, 31), deaths=1)
        f.accident(session=s, township=t1, occurred_on=date(2026, 1, 1), injuries=2, description="叉车碰撞")
        f.accident(session=s, township=t2, occurred_on=date(2026, 5, 1), kind="road_traffic", deaths=3)
    with session_scope(app.engine) as s:
        assert [(a["org_code"], a["date"]) for a in list_accidents(session=s, year=2026)] == [
            ("T1", "2026-01-01"), ("T2", "2026-05-01")]
        assert [a["description"] for a in list_accidents(session=s, year=2026, org_code="T1")] == ["叉车碰撞"]
        assert [a["year"] for a in list_accidents(session=s, org_code="T1")] == [2025, 2026]


def test_a_grave_accident_vetoes_only_its_township(app):
    with session_scope(app.engine) as s:
        c = f.county(session=s)
        t1 = f.township(session=s, county=c, code="T1", name="东山镇")
        f.township(session=s, county=c, code="T2", name="西河乡", head="head@t2.example")
        f.enterprise(session=s, township=t1, code="E1", safety_manager="safety@e1.example")
        f.accident(session=s, township=t1, occurred_on=date(2026, 8, 3), deaths=5)
        plan_year(session=s, rules=app.rules, calendar=app.calendar, year=2026)  # a year never planned is refused
    with session_scope(app.engine) as s:
        a = assess(session=s, rules=app.rules, rubric=app.rubric, year=2026, as_of=date(2027, 1, 15))
    by_code = {r.org_code: r for r in a.results}
    assert by_code["T1"].vetoed and not by_code["T2"].vetoed

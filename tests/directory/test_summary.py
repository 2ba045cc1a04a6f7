"""The directory's summary and staffing gaps on a tree made by the factories (tests/support/factories.py)."""

from anquan.directory.summary import directory_summary
from anquan.models.db import session_scope
from tests.support import factories as f


def test_summary_counts_a_made_tree_and_names_its_gaps(app):
    with session_scope(app.engine) as s:
        c = f.county(session=s)
        t = f.township(session=s, county=c, safety_office=["so1@t1.example", "so2@t1.example"])
        v = f.village(session=s, township=t)
        f.village(session=s, township=t, code="V2", name="下村", safety_officer=None)
        f.enterprise(session=s, township=t, code="E1", sector="fireworks", safety_manager="safety@e1.example")
        f.enterprise(session=s, township=t, code="E2", name="上村烟花仓库", sector="fireworks", parent=v)
    with session_scope(app.engine) as s:
        summary = directory_summary(session=s, rules=app.rules)
    assert summary["organisations"] == {"county": 1, "township": 1, "village": 2, "unit": 0, "enterprise": 2}
    [township] = summary["townships"]
    assert (township["villages"], township["enterprises"], township["enterprises_by_sector"]) == (2, 2, {"fireworks": 2})
    gaps = {(g["org_code"], g["gap"]) for g in summary["gaps"]}
    assert ("V2", "no_village_safety_officer") in gaps and ("V1", "no_village_safety_officer") not in gaps
    assert ("E2", "no_safety_manager") in gaps and ("E1", "no_safety_manager") not in gaps

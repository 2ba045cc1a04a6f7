"""`anquan simulate`: a whole year of the sample county on a database of its own.

The year takes about 40 s, so it is played once per test run (the `simulated_year` fixture) and every test
reads it. That the same seed plays the same year is checked against the year recorded in
tests/testdata/simulation/ (regenerate after an intended change with --update-snapshots).
"""

import json
import os
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from anquan.models.settings import load_settings
from anquan.simulation import simulate
from tests.support.databases import PG_ENV

# The simulated year is played once, on one worker (scripts/test runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("simulation")

SEED = 7
RECORDED = Path(__file__).resolve().parent.parent / "testdata" / "simulation" / f"2026-seed{SEED}.json"


@pytest.fixture(scope="session")
def simulated_year(tmp_path_factory):
    """(summary, tmp folder): the sample county's 2026 played with seed 7, once per test run."""
    tmp = tmp_path_factory.mktemp("simulation")
    with pytest.MonkeyPatch.context() as mp:  # as tests/conftest.py's _isolated_env, for a session
        for key in list(os.environ):
            if key.startswith("ANQUAN_") and key != PG_ENV:
                mp.delenv(key)
        mp.chdir(tmp)
        mp.setenv("ANQUAN_DATA_DIR", str(tmp / "mine"))  # the user's own data stays untouched
        summary = simulate(year=2026, out=tmp / "sim", seed=SEED, base=load_settings())
    return summary, tmp


def test_a_year_of_the_sample_county(simulated_year):
    summary, tmp_path = simulated_year
    obligations = summary["obligations"]
    assert obligations["submitted"] > obligations["late"] > obligations["open"] > 0
    mail = summary["mail"]
    assert mail["total"] == mail["files"] > 1000
    templates = mail["by_template_and_stage"]
    assert {"reminder", "escalation", "digest", "book", "assessment_result", "campaign_enterprise", "risk_completion",
            "major_event_township", "risk_alert"} <= set(templates)
    assert summary["major_events"] == 1 and sum(summary["alerts"].values()) >= 2
    assert len(summary["townships"]) == 8 and all("grade" in t for t in summary["townships"].values())
    out = tmp_path / "sim"
    assert (out / "assessment-2026.xlsx").is_file() and (out / "assessment-2026.docx").is_file()
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["seed"] == 7
    some = sorted((out / "mail").glob("*.eml"))[0]
    assert str(message_from_bytes(some.read_bytes(), policy=policy.default)["Subject"]).startswith("【")
    assert not (tmp_path / "mine").exists()


def test_the_same_seed_plays_the_same_year(simulated_year, update_snapshots):
    summary, _ = simulated_year
    played = {"obligations": summary["obligations"], "by_template_and_stage": summary["mail"]["by_template_and_stage"],
              "alerts": summary["alerts"]}
    if update_snapshots:
        RECORDED.parent.mkdir(parents=True, exist_ok=True)
        RECORDED.write_text(json.dumps(played, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert RECORDED.exists(), f"no recorded year {RECORDED}; create it with --update-snapshots"
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert recorded["obligations"] == played["obligations"]
    assert recorded["by_template_and_stage"] == played["by_template_and_stage"]
    assert recorded["alerts"] == played["alerts"]

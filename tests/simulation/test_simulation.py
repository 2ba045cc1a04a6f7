"""`anquan simulate`: a whole year of the sample county on a database of its own."""

import json
from email import message_from_bytes, policy

from anquan.simulation import simulate
from anquan.models.settings import load_settings


def test_a_year_of_the_sample_county(tmp_path, monkeypatch):
    monkeypatch.setenv("ANQUAN_DATA_DIR", str(tmp_path / "mine"))  # the user's own data stays untouched
    summary = simulate(year=2026, out=tmp_path / "sim", seed=7, base=load_settings())
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
    # The same seed plays the same year.
    again = simulate(year=2026, out=tmp_path / "sim2", seed=7, base=load_settings())
    assert again["obligations"] == obligations and again["mail"]["by_template_and_stage"] == templates
    assert again["alerts"] == summary["alerts"]

"""scripts/make_sample_county.py makes exactly the shipped sample county (samples/qinglan-county/), byte for byte.

The shipped files were once edited by hand (the full_time and village_head columns); the generator is the
source, so a hand edit that the script cannot reproduce fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from anquan.resources import config_file
from anquan.rules.cycle import load_rules

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_sample_county.py"
SHIPPED = ROOT / "samples" / "qinglan-county"


def test_the_script_makes_the_shipped_sample_county(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    for name in ("organisations.csv", "contacts.csv"):
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), f"{name} differs from the shipped one"
    header = (tmp_path / "contacts.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "org_code,name,role,email,phone,full_time"
    assert ",village_head," in (tmp_path / "contacts.csv").read_text(encoding="utf-8")


def test_the_script_marks_full_time_staff_by_the_default_rules():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import make_sample_county as script
    finally:
        sys.path.remove(str(SCRIPT.parent))
    rules = load_rules(config_file("cycle.yaml"))
    assert set(script.FULL_TIME_SECTORS) == {s.value for s in rules.full_time_manager_sectors}
    assert script.FULL_TIME_OVER == rules.dedicated_safety_staff_over

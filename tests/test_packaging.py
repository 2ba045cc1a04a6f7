"""`pip install .` gives a working Anquan: the wheel holds only `anquan.*`, with its templates, rules, migrations
and sample county as package data, and it runs from any folder without the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import REPO_ROOT

# The wheel is built once, on one worker (scripts/test runs with --dist loadgroup).
pytestmark = pytest.mark.xdist_group("wheel")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(REPO_ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (found,) = out.glob("anquan-*.whl")
    return found


def test_the_wheel_installs_only_anquan(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names}
    assert top == {"anquan", next(t for t in top if t.endswith(".dist-info"))}, top


def test_the_wheel_carries_its_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"anquan/templates/mail/{p.name}" for p in (REPO_ROOT / "templates" / "mail").glob("*.j2")}
    expected |= {f"anquan/templates/documents/{p.name}" for p in (REPO_ROOT / "templates" / "documents").glob("*.docx")}
    expected |= {f"anquan/migrations/versions/{p.name}" for p in (REPO_ROOT / "migrations" / "versions").glob("*.py")}
    expected |= {"anquan/migrations/env.py", "anquan/migrations/script.py.mako", "anquan/config/cycle.yaml",
                 "anquan/config/rubric.yaml", "anquan/samples/qinglan-county/organisations.csv",
                 "anquan/samples/qinglan-county/contacts.csv", "anquan/models/db.py", "anquan/flows/cycle.py",
                 "anquan/notifications/render.py"}
    assert not expected - names, sorted(expected - names)


def test_every_package_folder_is_in_the_wheel(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    folders = [p.parent for p in (REPO_ROOT / "anquan").rglob("__init__.py")]
    missing = [str(f.relative_to(REPO_ROOT)) for f in folders
               if f"{f.relative_to(REPO_ROOT).as_posix()}/__init__.py" not in names]
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_the_installed_package_runs_outside_the_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_")}
    env["PYTHONPATH"] = str(site)
    script = (
        "import sys, anquan; assert anquan.__file__.startswith(sys.argv[1]), anquan.__file__\n"
        "from anquan.resources import sample_county\n"
        "from anquan.cli import app\n"
        "for args in (['db', 'upgrade'], ['directory', 'import', str(sample_county())], ['plan', '2026']):\n"
        "    try:\n"
        "        app(args, standalone_mode=False)\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, (args, exc.code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(site)], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "437 new" in proc.stdout and (work / "data" / "anquan.db").is_file()

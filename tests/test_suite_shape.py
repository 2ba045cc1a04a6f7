"""The suite's own shape: what tests share comes from tests/support, and conftest.py holds fixtures and hooks only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_nothing_imports_conftest():
    pattern = re.compile(r"^\s*(from\s+tests\.conftest\s+import|import\s+tests\.conftest)\b", re.M)
    offenders = [str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == [], "import shared helpers from tests.support, not from conftest"


def test_conftest_defines_fixtures_and_hooks_only():
    tree = ast.parse((TESTS / "conftest.py").read_text(encoding="utf-8"))
    loose = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            fixture = any("fixture" in ast.unparse(d) for d in node.decorator_list)
            if not (fixture or node.name.startswith("pytest_")):
                loose.append(node.name)
        elif isinstance(node, (ast.ClassDef, ast.Assign, ast.AnnAssign)):
            loose.append(ast.unparse(node).splitlines()[0])
    assert loose == [], "helpers and constants belong in tests/support"


def test_a_costly_shared_fixture_keeps_its_tests_on_one_worker():
    """scripts/test spreads tests over the cores (pytest-xdist, --dist loadgroup): a module that builds a session- or
    module-scoped fixture (a Prefect server, the simulated year, a wheel) marks its tests with one xdist_group, or
    every worker would build it again."""
    scoped = re.compile(r"@pytest\.fixture\(scope=\"(session|module)\"\)")
    grouped = re.compile(r"^pytestmark\s*=\s*pytest\.mark\.xdist_group\(", re.M)
    offenders = [str(p.relative_to(TESTS)) for p in TESTS.rglob("test_*.py")
                 if scoped.search(p.read_text(encoding="utf-8")) and not grouped.search(p.read_text(encoding="utf-8"))]
    assert offenders == [], "mark these modules with pytestmark = pytest.mark.xdist_group(...)"

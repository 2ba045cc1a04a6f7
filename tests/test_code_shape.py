"""The shape the code keeps (README, Layout; CONTRIBUTING): no module over 500 lines, no function over 80."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.code import package_sources

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 500, 80


def _sources():
    return package_sources()


def test_no_module_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in _sources()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"split these by concept: {long}"


def test_no_function_over_80_lines():
    long = []
    for p in _sources():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{p.relative_to(ROOT)}:{node.lineno} {node.name} ({n} lines)")
    assert not long, "name the steps of these as functions:\n" + "\n".join(long)

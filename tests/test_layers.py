"""The import rules of the layout (README, Layout): every import points down, and no package imports another in a cycle.

Read from the source with ast (imports inside functions count too), so a lazy import cannot hide an upward one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lowest first. A module may import its own layer's package and anything below it, never above.
LAYERS = [
    ["anquan.errors", "anquan.resources"],
    ["anquan.models"],
    ["anquan.vocabulary", "anquan.tabular"],
    ["anquan.notifications"],
    ["anquan.rules"],
    ["anquan.app"],
    ["anquan.directory"],
    ["anquan.accounts"],
    ["anquan.cycle"],
    ["anquan.records"],
    ["anquan.campaigns"],
    ["anquan.reporting"],
    ["anquan.assessment"],
    ["anquan.console"],
    ["anquan.simulation"],
    ["anquan.flows", "anquan.cli", "anquan.web"],
]
# The repository's top-level folders install as these packages (pyproject.toml, package-dir).
# Upward imports tolerated for a while, each with its reason; each must still exist, so the list cannot go stale.
KNOWN: dict[tuple[str, str], str] = {}
CARD_FOLDERS = {"models": "anquan.models", "notifications": "anquan.notifications", "flows": "anquan.flows"}


def _unit(module: str) -> str | None:
    """The layered unit a module belongs to: the longest LAYERS entry that is it or a parent of it."""
    best = None
    for layer in LAYERS:
        for unit in layer:
            if (module == unit or module.startswith(unit + ".")) and (best is None or len(unit) > len(best)):
                best = unit
    return best


def _level(unit: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def _sources() -> dict[str, Path]:
    out = {}
    for path in (ROOT / "anquan").rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        out[".".join(rel.parts).removesuffix(".__init__")] = path
    for folder, package in CARD_FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            out[".".join((package, *rel.parts)).removesuffix(".__init__")] = path
    return out


def _imports(module: str, path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")[: -node.level]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)  # `from anquan.cli import kit` imports a module
    return {f for f in found if f == "anquan" or f.startswith("anquan.")}


SOURCES = _sources()


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in SOURCES if m != "anquan" and _unit(m) is None)
    assert not unplaced, f"modules with no layer in tests/test_layers.py LAYERS (add them where they belong): {unplaced}"


def test_the_card_folders_are_no_top_level_packages():
    for folder in CARD_FOLDERS:
        for module, path in SOURCES.items():
            text = path.read_text(encoding="utf-8")
            assert f"\nfrom {folder}." not in text and f"\nimport {folder}." not in text, (
                f"{path.relative_to(ROOT)} imports {folder}.* — write anquan.{folder}.*")


def test_imports_point_down():
    upward, seen_known = [], set()
    for module, path in sorted(SOURCES.items()):
        unit = _unit(module)
        if unit is None:
            continue
        for target in sorted(_imports(module, path)):
            to = _unit(target)
            if to is None or to == unit:
                continue
            if _level(to) > _level(unit) or (_level(to) == _level(unit) and to != unit and _level(unit) < len(LAYERS) - 1):
                if any(module == m and (target == t or target.startswith(t + ".")) for m, t in KNOWN):
                    seen_known.add(next((m, t) for m, t in KNOWN if module == m and (target == t or target.startswith(t + "."))))
                    continue
                upward.append(f"{path.relative_to(ROOT)}: {module} imports {target} ({unit} may not import {to})")
    assert not upward, "imports that point up or sideways:\n" + "\n".join(upward)
    assert seen_known == set(KNOWN), f"fixed, remove from KNOWN: {sorted(set(KNOWN) - seen_known)}"


@pytest.mark.parametrize("case", ["upward", "sideways", "fine"])
def test_the_rule_itself(case):
    """The checker catches what it should (a check that cannot fail is no check)."""
    a, b = {"upward": ("anquan.cycle.tick", "anquan.assessment.scoring"),
            "sideways": ("anquan.vocabulary", "anquan.tabular"),
            "fine": ("anquan.assessment.scoring", "anquan.cycle.tick")}[case]
    ua, ub = _unit(a), _unit(b)
    bad = _level(ub) > _level(ua) or (_level(ub) == _level(ua) and ub != ua)
    assert bad is (case != "fine")

"""A temporary copy of the checkout for tests that run the README's commands as a process.

Such a process reads `.env` from its working folder and every ANQUAN_* variable; run in the real checkout on a
production host it would read production's. The copy holds the tracked files (no `.env`, no `data/`) and
reuses the checkout's `.venv` through a link, so nothing is installed again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.county import REPO_ROOT


SKIP = {".git", ".venv", "data", ".env", "__pycache__", ".pytest_cache", ".benchmarks", "build", "artifacts"}


def _tracked() -> list[str]:
    """The checkout's tracked files; in a copy that is no git work tree, every file but the skipped ones."""
    proc = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True)
    if proc.returncode == 0 and proc.stdout:
        return [n for n in proc.stdout.decode().split("\0") if n]
    return [str(p.relative_to(REPO_ROOT)) for p in REPO_ROOT.rglob("*")
            if p.is_file() and not SKIP & set(p.relative_to(REPO_ROOT).parts) and not p.name.endswith(".egg-info")]


def checkout_copy(dest: Path) -> Path:
    """The tracked files of the checkout under dest (never its .env or data/), with .venv linked; returns dest."""
    for name in _tracked():
        src = REPO_ROOT / name
        if src.is_file() and not SKIP & set(Path(name).parts):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    os.symlink((REPO_ROOT / ".venv").resolve(), dest / ".venv")
    return dest


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any ANQUAN_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_")}
    env.update(extra)
    return env

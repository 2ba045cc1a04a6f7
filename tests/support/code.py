"""The package's own source, for tests that read the code: the vocabulary's kinds, the flags errors must not name."""

from __future__ import annotations

from pathlib import Path


def package_sources() -> list[Path]:
    """Every module of the installed package, whichever folder of the checkout each subpackage lives in."""
    import anquan
    import anquan.flows
    import anquan.models
    import anquan.notifications

    roots = {Path(p.__file__).resolve().parent for p in (anquan, anquan.flows, anquan.models, anquan.notifications)}
    return sorted({f for r in roots for f in r.rglob("*.py")})


def outside_cli() -> list[Path]:
    """The modules that are no part of the command line (anquan/cli/)."""
    import anquan

    cli = Path(anquan.__file__).resolve().parent / "cli"
    return [f for f in package_sources() if cli not in f.parents]

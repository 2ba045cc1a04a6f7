"""Where the package's own files are: templates, default configuration, migrations, the sample county.

Installed from a wheel they sit inside the `anquan` package; in a checkout (editable install) they are
the repository's top-level folders. Both are reached the same way, through importlib.resources.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_dir(package: str, *parts: str) -> Path:
    """A real folder of package data, e.g. package_dir("anquan.templates", "mail")."""
    path = Path(str(files(package).joinpath(*parts)))
    if not path.exists():
        raise FileNotFoundError(f"package data missing: {package} {'/'.join(parts)} (expected at {path})")
    return path


def templates_dir(kind: str) -> Path:
    """templates/mail or templates/documents."""
    return package_dir("anquan.templates", kind)


def config_file(*parts: str) -> Path:
    return package_dir("anquan.config", *parts)


def migrations_dir() -> Path:
    return package_dir("anquan.migrations")


def sample_county() -> Path:
    return package_dir("anquan.samples", "qinglan-county")

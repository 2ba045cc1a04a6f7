"""Loading a county's YAML configuration into a pydantic model, every error named by its YAML path."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from anquan.errors import AnquanError

M = TypeVar("M", bound=BaseModel)
_UNION_TAGS = {"yearly", "quarterly", "monthly", "holiday", "event"}


def yaml_path(loc: tuple) -> str:
    """A pydantic error location as a YAML path: kinds.book_signing.yearly.due.month -> kinds.book_signing.due.month."""
    parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            parts.append(f"[{part}]")
            continue
        if i == 2 and loc[0] == "kinds" and part in _UNION_TAGS:
            continue  # the discriminated union's tag, not a key in the file
        if str(part).startswith(("function-after[", "literal[", "str-enum[", "enum[")):
            continue
        parts.append(("." if parts else "") + str(part))
    return "".join(parts)


def parse_config(text: str, model: type[M], *, source: str, error: type[AnquanError], noun: str) -> M:
    """Validate YAML text as `model`; set its `digest` field to the text's SHA-256."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"{source}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise error(f"{source}: expected a mapping at the top level")
    data.pop("digest", None)
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        seen: dict[str, str] = {}
        for err in exc.errors():
            seen.setdefault(yaml_path(err["loc"]) or "(top level)", err["msg"].removeprefix("Value error, "))
        listing = "\n".join(f"  {path}: {msg}" for path, msg in seen.items())
        raise error(f"{source}: the {noun} has {len(seen)} error(s):\n{listing}") from None
    return parsed.model_copy(update={"digest": hashlib.sha256(text.encode("utf-8")).hexdigest()})


def load_config(path: Path, model: type[M], *, error: type[AnquanError], noun: str) -> M:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"cannot read the {noun} {path}: {exc.strerror}") from None
    return parse_config(text, model, source=str(path), error=error, noun=noun)

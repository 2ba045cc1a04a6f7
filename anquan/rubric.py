"""The assessment rubric (考核细则) as validated configuration."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from anquan.errors import AnquanError
from anquan.rules import _yaml_path


class RubricError(AnquanError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Points = Field(ge=0, le=100, decimal_places=2)


class ObligationItem(_Strict):
    item: str = Field(min_length=1)
    kinds: list[str] = Field(min_length=1)
    scope: Literal["own", "area"] = "own"
    late: Decimal = Points
    missed: Decimal = Points
    cap: Decimal = Points


class RiskAnalysisItem(_Strict):
    item: str = Field(min_length=1)
    threshold: Decimal = Field(gt=0, le=1)
    step: Decimal = Field(gt=0, le=1)
    points: Decimal = Points
    cap: Decimal = Points


class StaffingItem(_Strict):
    item: str = Field(min_length=1)
    township_safety_office_short: Decimal = Points
    village_without_officer: Decimal = Points
    enterprise_without_manager: Decimal = Points
    cap: Decimal = Points


class IndicatorItem(_Strict):
    item: str = Field(min_length=1)
    accidents_exceeded: Decimal = Points
    deaths_exceeded: Decimal = Points
    injuries_exceeded: Decimal = Points
    cap: Decimal = Points
    warn_at: Decimal = Field(default=Decimal("0.8"), gt=0, le=1)


class Rubric(_Strict):
    version: Literal[1]
    base: Decimal = Field(default=Decimal(100), gt=0, le=1000)
    obligations: list[ObligationItem] = Field(default_factory=list)
    risk_analysis: RiskAnalysisItem
    staffing: StaffingItem
    indicators: IndicatorItem
    digest: str = ""

    @field_validator("obligations")
    @classmethod
    def _each_kind_once(cls, v: list[ObligationItem]) -> list[ObligationItem]:
        seen: dict[str, str] = {}
        for entry in v:
            for kind in entry.kinds:
                if kind in seen:
                    raise ValueError(f"kind {kind} is scored twice (in {seen[kind]!r} and {entry.item!r})")
                seen[kind] = entry.item
        return v


def parse_rubric(text: str, *, source: str = "<rubric>") -> Rubric:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RubricError(f"{source}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise RubricError(f"{source}: expected a mapping at the top level")
    data.pop("digest", None)
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        seen: dict[str, str] = {}
        for err in exc.errors():
            seen.setdefault(_yaml_path(err["loc"]) or "(top level)", err["msg"].removeprefix("Value error, "))
        listing = "\n".join(f"  {path}: {msg}" for path, msg in seen.items())
        raise RubricError(f"{source}: the rubric has {len(seen)} error(s):\n{listing}") from None
    return rubric.model_copy(update={"digest": hashlib.sha256(text.encode()).hexdigest()})


def load_rubric(path: Path) -> Rubric:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RubricError(f"cannot read the rubric {path}: {exc.strerror}") from None
    return parse_rubric(text, source=str(path))

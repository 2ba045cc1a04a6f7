"""The assessment rubric (考核细则) as validated configuration."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from anquan.errors import RubricError
from anquan.rules.yamlconfig import load_config, parse_config


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Points = Field(ge=0, le=100, decimal_places=2)


class _Item(_Strict):
    """What every rubric item has: its name as the assessment prints it, and the most it can deduct."""

    item: str = Field(min_length=1)
    cap: Decimal = Points


class ObligationItem(_Item):
    kinds: list[str] = Field(min_length=1)
    scope: Literal["own", "area"] = "own"
    late: Decimal = Points
    missed: Decimal = Points


class RiskAnalysisItem(_Item):
    threshold: Decimal = Field(gt=0, le=1)
    step: Decimal = Field(gt=0, le=1)
    points: Decimal = Points


class StaffingItem(_Item):
    township_safety_office_short: Decimal = Points
    village_without_officer: Decimal = Points
    enterprise_without_manager: Decimal = Points


class IndicatorItem(_Item):
    accidents_exceeded: Decimal = Points
    deaths_exceeded: Decimal = Points
    injuries_exceeded: Decimal = Points
    warn_at: Decimal = Field(default=Decimal("0.8"), gt=0, le=1)


class Rubric(_Strict):
    version: Literal[1]
    base: Decimal = Field(default=Decimal(100), gt=0, le=1000)
    # A score never leaves these bounds (the book's base of 100 is also its most): +5 on 99.8 gives 100.
    min_score: Decimal = Field(default=Decimal(0), ge=0, le=1000)
    max_score: Decimal = Field(default=Decimal(100), gt=0, le=1000)
    obligations: list[ObligationItem] = Field(default_factory=list)
    risk_analysis: RiskAnalysisItem
    staffing: StaffingItem
    indicators: IndicatorItem
    digest: str = ""

    @model_validator(mode="after")
    def _bounds_hold_the_base(self) -> "Rubric":
        if not self.min_score <= self.base <= self.max_score:
            raise ValueError(f"base {self.base} must lie between min_score {self.min_score} and max_score {self.max_score}")
        return self

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
    return parse_config(text, Rubric, source=source, error=RubricError, noun="rubric")


def load_rubric(path: Path) -> Rubric:
    return load_config(path, Rubric, error=RubricError, noun="rubric")

"""The rules of the cycle: which duties exist, who owes them, when they are due,
when to remind and whom to tell when they are missed.

The rules are data (``config/cycle.yaml`` by default); this module validates
them. A file with an error is rejected with the YAML path of every error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from anquan.errors import RulesError
from anquan.rules.yamlconfig import load_config, parse_config
from anquan.models.directory import ROLE_ORG_KIND, OrgKind, Role, Sector
from anquan.vocabulary import HOLIDAY_NAMES

OWNER = "owner"  # in an escalation stage: the roles that owe the obligation

# How high a role stands in the chain the book describes (owner → their supervisor → township leadership →
# county safety office); escalation may only climb it. Within a township: the safety office, a leadership
# member, the deputy head in charge of safety, the head.
ROLE_RANK: dict[Role, int] = {
    Role.enterprise_safety_manager: 0, Role.enterprise_principal: 1, Role.village_safety_officer: 1, Role.village_head: 1,
    Role.unit_head: 1, Role.safety_office: 10, Role.township_leader: 11, Role.deputy_head_safety: 12,
    Role.township_head: 13, Role.county_inspector: 20, Role.county_office: 21,
    Role.county_head: 22,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Deadlines(_Strict):
    inclusive: bool = True
    # Move a due date off a rest day: in the kind's `roll` direction (see _DueRoll).
    roll_forward_off_rest_days: bool = False


class _DueRoll(_Strict):
    """Which way a due date on a rest day moves when deadlines.roll_forward_off_rest_days is on.

    earlier: to the previous working day, never past the book's date ("before 5 July", "in February",
    the last day of a month or quarter); later: to the next working day ("on the 5th"). None = earlier
    for a `before` date or a period's last day, later otherwise."""

    roll: Literal["earlier", "later"] | None = None

    def rolls_earlier(self) -> bool:
        if self.roll is not None:
            return self.roll == "earlier"
        return bool(getattr(self, "before", False)) or getattr(self, "day", None) == "last"


class OwnerSpec(_Strict):
    org_kinds: list[OrgKind] = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)
    # "township": a county-owned duty planned once per township of the county.
    per: Literal["township"] | None = None

    @model_validator(mode="after")
    def _roles_fit_kinds(self) -> "OwnerSpec":
        for role in self.roles:
            if ROLE_ORG_KIND[role] not in self.org_kinds:
                raise ValueError(
                    f"role {role.value} is held at a {ROLE_ORG_KIND[role].value}, "
                    f"not at {', '.join(k.value for k in self.org_kinds)}"
                )
        if self.per == "township" and self.org_kinds != [OrgKind.county]:
            raise ValueError("per: township is only for duties the county owes (org_kinds: [county])")
        return self


class EscalationStage(_Strict):
    after_days: int = Field(ge=1, description="days after the due date")
    notify: list[str] = Field(min_length=1, description="roles, or 'owner' for the roles that owe it")

    @field_validator("notify")
    @classmethod
    def _known_roles(cls, v: list[str]) -> list[str]:
        allowed = {r.value for r in Role} | {OWNER}
        for name in v:
            if name not in allowed:
                raise ValueError(f"unknown role {name!r}; use 'owner' or one of: {', '.join(r.value for r in Role)}")
        return v


class YearlyDue(_DueRoll):
    month: int = Field(ge=1, le=12)
    day: Union[int, Literal["last"]]
    year_offset: int = Field(default=0, ge=0, le=1)
    # The book says "before" this date: deadlines.inclusive decides whether the day itself counts.
    before: bool = False

    @field_validator("day")
    @classmethod
    def _day_range(cls, v):
        if isinstance(v, int) and not 1 <= v <= 31:
            raise ValueError("day must be 1..31 or 'last'")
        return v


class PeriodDue(_DueRoll):
    months_after_period: int = Field(ge=0, le=3, description="0 = in the period's last month")
    day: Union[int, Literal["last"]]
    before: bool = False

    @field_validator("day")
    @classmethod
    def _day_range(cls, v):
        if isinstance(v, int) and not 1 <= v <= 28:
            raise ValueError("day must be 1..28 or 'last' (a month-relative day must exist in every month)")
        return v


class HolidayDue(_Strict):
    working_days_before_start: int = Field(ge=1, le=10)


class _KindBase(_Strict):
    title: str = Field(min_length=1)
    # What the owner must do, in the words the mail uses.
    action: str = "请按《安全生产目标责任书》要求按时完成并报送。"
    owners: list[OwnerSpec] = Field(min_length=1)
    reminders: list[int] = Field(default_factory=list, description="days before the due date")
    escalation: list[EscalationStage] = Field(default_factory=list)

    @field_validator("reminders")
    @classmethod
    def _reminders(cls, v: list[int]) -> list[int]:
        if any(d < 0 for d in v):
            raise ValueError("reminder offsets are days before the due date and cannot be negative")
        if len(set(v)) != len(v):
            raise ValueError("reminder offsets repeat")
        return sorted(v, reverse=True)

    @field_validator("escalation")
    @classmethod
    def _stages_ascend(cls, v: list[EscalationStage]) -> list[EscalationStage]:
        days = [s.after_days for s in v]
        if days != sorted(set(days)):
            raise ValueError("escalation stages must have strictly increasing after_days")
        return v

    @model_validator(mode="after")
    def _escalation_climbs(self) -> "_KindBase":
        check_escalation_climbs(self)
        return self


def check_escalation_climbs(kind: "_KindBase") -> None:
    """The stages only climb: no role named below the lowest owner, and no stage lower than the one before.

    A duty the township head owns goes from the head to the county, never down to the deputy."""
    lowest_owner = min(ROLE_RANK[r] for spec in kind.owners for r in spec.roles)
    previous = None
    for n, stage in enumerate(kind.escalation, start=1):
        named = [Role(x) for x in stage.notify if x != OWNER]
        for role in named:
            if ROLE_RANK[role] < lowest_owner:
                owners = ", ".join(r.value for spec in kind.owners for r in spec.roles)
                raise ValueError(f"escalation stage {n} tells {role.value}, who is below the owner ({owners}): "
                                 "escalation only climbs (owner → … → county_office)")
        if named:
            low = min(ROLE_RANK[r] for r in named)
            if previous is not None and low < previous[1]:
                raise ValueError(f"escalation stage {n} tells {min(named, key=ROLE_RANK.get).value}, below "
                                 f"{previous[0].value} told at an earlier stage: escalation only climbs")
            top = max(named, key=ROLE_RANK.get)
            previous = (top, ROLE_RANK[top])


class YearlyKind(_KindBase):
    recurrence: Literal["yearly"]
    due: YearlyDue


class QuarterlyKind(_KindBase):
    recurrence: Literal["quarterly"]
    due: PeriodDue


class MonthlyKind(_KindBase):
    recurrence: Literal["monthly"]
    due: PeriodDue


class HolidayKind(_KindBase):
    recurrence: Literal["holiday"]
    due: HolidayDue


class EventDue(_Strict):
    # Due this many days after the event that creates it (e.g. a hazard's closing);
    # none: the event gives the date (a hazard's deadline, a campaign's summary date).
    days_after_event: int | None = Field(default=None, ge=1, le=366)
    # Due this many working days before the event starts (a major event, like a long holiday).
    working_days_before_start: int | None = Field(default=None, ge=1, le=10)

    @model_validator(mode="after")
    def _one_rule(self) -> "EventDue":
        if self.days_after_event is not None and self.working_days_before_start is not None:
            raise ValueError("give days_after_event or working_days_before_start, not both")
        return self


class EventKind(_KindBase):
    """Created by an event (a listed hazard, a campaign started by hand), not planned for the year."""

    recurrence: Literal["event"]
    due: EventDue = EventDue()


KindRule = Annotated[
    Union[YearlyKind, QuarterlyKind, MonthlyKind, HolidayKind, EventKind], Field(discriminator="recurrence")
]

KIND_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class CycleRules(_Strict):
    version: Literal[1]
    deadlines: Deadlines = Deadlines()
    # Enterprises that must have a FULL-TIME safety manager (book (二)1): these sectors, dangerous-goods
    # units (the organisation's dangerous_goods flag) and more than `dedicated_safety_staff_over` employees.
    full_time_manager_sectors: list[Sector]
    dedicated_safety_staff_over: int = Field(ge=0)
    # The day of the quarter's last month by which enterprises finish the quarter's self-check (自查自纠).
    enterprise_self_check_day: int = Field(default=15, ge=1, le=30)
    long_holidays: list[Literal[HOLIDAY_NAMES]] = Field(default_factory=list)  # type: ignore[valid-type]
    fallback: dict[Role, Role] = Field(default_factory=dict)
    kinds: dict[str, KindRule] = Field(min_length=1)

    @field_validator("kinds")
    @classmethod
    def _kind_ids(cls, v: dict) -> dict:
        for key in v:
            if not KIND_ID.match(key):
                raise ValueError(f"kind identifier {key!r} must be lower_snake_case (a-z, 0-9, _), 2 to 40 characters")
        return v

    @field_validator("fallback")
    @classmethod
    def _fallback_climbs(cls, v: dict[Role, Role]) -> dict[Role, Role]:
        level = {OrgKind.enterprise: 0, OrgKind.village: 0, OrgKind.unit: 0, OrgKind.township: 1, OrgKind.county: 2}
        for src, dst in v.items():
            if level[ROLE_ORG_KIND[dst]] < level[ROLE_ORG_KIND[src]]:
                raise ValueError(f"{src.value} falls back to {dst.value}, which is lower in the tree")
            seen, role = [src], dst
            while role in v:
                if role in seen:
                    raise ValueError("fallback loops: " + " → ".join(r.value for r in seen + [role]))
                seen.append(role)
                role = v[role]
        return v

    def fallback_chain(self, role: Role) -> list[Role]:
        """The roles a notice for `role` goes to, in order, while nobody holds the previous one."""
        chain, current = [], self.fallback.get(role)
        while current is not None:
            chain.append(current)
            current = self.fallback.get(current)
        return chain

    # Filled in by load_rules: a digest of the file, so that planning can tell
    # whether the rules changed since an organisation's year was planned.
    digest: str = ""

    def kind(self, kind: str) -> YearlyKind | QuarterlyKind | MonthlyKind | HolidayKind:
        try:
            return self.kinds[kind]
        except KeyError:
            raise RulesError(f"unknown obligation kind {kind!r}; the rules define: {', '.join(self.kinds)}") from None


def parse_rules(text: str, *, source: str = "<rules>") -> CycleRules:
    return parse_config(text, CycleRules, source=source, error=RulesError, noun="rules file")


def load_rules(path: Path) -> CycleRules:
    return load_config(path, CycleRules, error=RulesError, noun="rules file")

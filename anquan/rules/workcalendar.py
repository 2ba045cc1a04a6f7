"""Working days, rest days and the long public holidays of a year.

Sources, in order of preference for a year:
1. a file ``<ANQUAN_HOLIDAYS_DIR>/<year>.yaml`` with the official arrangement
   (the State Council notice, published each November for the next year);
2. the chinese-calendar package, for the years it knows;
3. neither: only weekends are rest days and the holidays are estimates. Such a
   year is *provisional*; whatever is planned from it is marked provisional and
   a warning says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from anquan.errors import CalendarError
from anquan.vocabulary import HOLIDAY_NAMES

# Lunar New Year's Day (正月初一), used only to *estimate* the Spring Festival
# of a year with no official arrangement. Astronomical fact, not policy.
LUNAR_NEW_YEAR = {
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}


class _Range(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    start: date = Field(alias="from")
    end: date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> "_Range":
        if self.end < self.start:
            raise ValueError("'to' is before 'from'")
        return self


class HolidayFile(BaseModel):
    """The official holiday arrangement of one year, as a county drops it in."""

    model_config = ConfigDict(extra="forbid")
    year: int
    source: str | None = None
    holidays: dict[str, _Range]
    workdays: list[date] = Field(default_factory=list, description="adjusted working days (调休上班)")

    @model_validator(mode="after")
    def _consistent(self) -> "HolidayFile":
        for name, rng in self.holidays.items():
            if name not in HOLIDAY_NAMES:
                raise ValueError(f"holidays.{name}: unknown holiday; use one of {', '.join(HOLIDAY_NAMES)}")
            # The New Year's Day break may begin in December of the year before.
            if not (self.year - 1 <= rng.start.year <= self.year and rng.end.year in {self.year, self.year + 1}):
                raise ValueError(f"holidays.{name}: dates are not in {self.year}")
        for d in self.workdays:
            if d.year != self.year:
                raise ValueError(f"workdays: {d} is not in {self.year}")
        return self


@dataclass(frozen=True)
class HolidayBlock:
    """A long public holiday: the run of consecutive rest days around it."""

    name: str
    start: date
    end: date
    provisional: bool


@dataclass
class YearCalendar:
    year: int
    source: str  # "file:<path>", "chinese-calendar", or "estimate"
    rest_days: frozenset[date]  # holidays and weekends, less adjusted working days
    holidays: dict[str, tuple[date, date]]  # official (or estimated) holiday ranges
    digest: str
    warnings: list[str] = field(default_factory=list)

    @property
    def provisional(self) -> bool:
        return self.source == "estimate"


def _weekend_rest_days(year: int, extra_workdays: set[date]) -> set[date]:
    d = date(year, 1, 1)
    out = set()
    while d.year == year:
        if d.weekday() >= 5 and d not in extra_workdays:
            out.add(d)
        d += timedelta(days=1)
    return out


def _from_file(year: int, path: Path) -> YearCalendar:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = HolidayFile.model_validate(raw)
    except yaml.YAMLError as exc:
        raise CalendarError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        msgs = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise CalendarError(f"{path}: {msgs}") from None
    if parsed.year != year:
        raise CalendarError(f"{path}: says year {parsed.year} but is named for {year}")
    workdays = set(parsed.workdays)
    rest = _weekend_rest_days(year, workdays)
    holidays = {}
    for name, rng in parsed.holidays.items():
        holidays[name] = (rng.start, rng.end)
        d = rng.start
        while d <= rng.end:
            rest.add(d)
            d += timedelta(days=1)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return YearCalendar(year, f"file:{path}", frozenset(rest), holidays, digest)


def _from_chinese_calendar(year: int) -> YearCalendar | None:
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return None
    by_label = {h.value: h.name for h in Holiday}
    holidays: dict[str, tuple[date, date]] = {}
    official = {d: by_label.get(label, label) for d, label in chinese_calendar.holidays.items() if d.year == year}
    for d, name in sorted(official.items()):
        start, end = holidays.get(name, (d, d))
        holidays[name] = (min(start, d), max(end, d))
    workdays = {d for d in chinese_calendar.workdays if d.year == year}
    rest = _weekend_rest_days(year, workdays) | set(official)
    digest = hashlib.sha256(
        repr((sorted(official.items()), sorted(workdays))).encode()
    ).hexdigest()
    return YearCalendar(year, "chinese-calendar", frozenset(rest), holidays, digest)


def _estimated(year: int) -> YearCalendar:
    holidays: dict[str, tuple[date, date]] = {
        "new_years_day": (date(year, 1, 1), date(year, 1, 1)),
        "tomb_sweeping_day": (date(year, 4, 4), date(year, 4, 4)),
        "labour_day": (date(year, 5, 1), date(year, 5, 5)),
        "national_day": (date(year, 10, 1), date(year, 10, 7)),
    }
    warnings = [
        f"{year}: no official holiday arrangement is known (chinese-calendar does not cover it and there is no "
        f"{year}.yaml in ANQUAN_HOLIDAYS_DIR): only weekends are treated as rest days, holiday dates are "
        "estimates, and obligations that depend on them are marked provisional. Drop in the official "
        "arrangement and plan again to fix them."
    ]
    if year in LUNAR_NEW_YEAR:
        eve = LUNAR_NEW_YEAR[year] - timedelta(days=1)
        holidays["spring_festival"] = (eve, eve + timedelta(days=7))
    else:
        warnings.append(f"{year}: the Spring Festival date is unknown; no estimate is possible")
    rest = _weekend_rest_days(year, set())
    digest = hashlib.sha256(f"estimate:{year}:{sorted(holidays.items())}".encode()).hexdigest()
    return YearCalendar(year, "estimate", frozenset(rest), holidays, digest, warnings)


class WorkCalendar:
    """Answers rest-day questions across years, loading each year once."""

    def __init__(self, holidays_dir: Path | None):
        self.holidays_dir = Path(holidays_dir) if holidays_dir else None
        self._years: dict[int, YearCalendar] = {}

    def year(self, year: int) -> YearCalendar:
        if year not in self._years:
            path = self.holidays_dir / f"{year}.yaml" if self.holidays_dir else None
            if path is not None and path.is_file():
                cal = _from_file(year, path)
            else:
                cal = _from_chinese_calendar(year) or _estimated(year)
            self._years[year] = cal
        return self._years[year]

    def is_rest_day(self, d: date) -> bool:
        return d in self.year(d.year).rest_days

    def is_provisional(self, d: date) -> bool:
        return self.year(d.year).provisional

    def next_working_day(self, d: date) -> date:
        """d itself if it is a working day, else the first working day after it."""
        while self.is_rest_day(d):
            d += timedelta(days=1)
        return d

    def working_day_after(self, d: date, n: int = 1) -> date:
        """The n-th working day after d (not counting d)."""
        return self._nth_working_day(d, n, timedelta(days=1))

    def working_day_before(self, d: date, n: int = 1) -> date:
        """The n-th working day before d (not counting d)."""
        return self._nth_working_day(d, n, timedelta(days=-1))

    def _nth_working_day(self, d: date, n: int, step: timedelta) -> date:
        while n > 0:
            d += step
            if not self.is_rest_day(d):
                n -= 1
        return d

    def long_holidays(self, year: int, names: list[str]) -> tuple[list[HolidayBlock], list[str]]:
        """The named long holidays of a year as rest-day blocks, and warnings for those unknown."""
        cal = self.year(year)
        blocks, warnings = [], list(cal.warnings)
        for name in names:
            if name not in cal.holidays:
                warnings.append(f"{year}: holiday {name} is not in the calendar; no holiday inspection planned for it")
                continue
            start, end = cal.holidays[name]
            # Widen to the whole run of rest days (weekends next to the holiday).
            while self.is_rest_day(start - timedelta(days=1)):
                start -= timedelta(days=1)
            while self.is_rest_day(end + timedelta(days=1)):
                end += timedelta(days=1)
            blocks.append(HolidayBlock(name, start, end, cal.provisional))
        blocks.sort(key=lambda b: b.start)
        return blocks, warnings

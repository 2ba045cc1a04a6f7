"""Errors the user can act on: one hierarchy, each naming the field it is about, never a front door's spelling of it.

The domain says which input is wrong by its field (the parameter of the use
case, `org_code`, `from_date`; a column for an input file) and what is wrong in
a message without it. Each front door names the field in its own terms when it
shows the error: the command line by its flag (anquan/cli/kit.py keeps the
table), a Prefect flow by its parameter (the field itself), a web form by its
input.
`render(name)` takes that naming; `str()` names the field as it is.

    AnquanError(message, field=, what=)  anything the user can fix
      NotFound                           a code, an id or a file that does not exist
      InvalidValue                       a value refused (out of range, in the future, missing)
      Refused                            an action's parameters refused, one reason per field
      InputRejected                      an input file's problems (sheet, row, column)
      ConfigError                        a configuration file or setting is wrong
        RulesError, RubricError, CalendarError, TemplateError, SettingsError
      SchemaNotCurrent                   the database needs `anquan db upgrade`
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def as_is(field: str) -> str:
    """A field named as it is: what a flow shows, whose parameters are the fields."""
    return field


class AnquanError(Exception):
    """A problem with the user's input or installation, with a message that says what to do.

    field: the input it is about, or None; what: the action that was refused ("alert refused"), or None.
    """

    def __init__(self, message: str, *, field: str | None = None, what: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.what = what

    @property
    def fields(self) -> list[str]:
        """Every field the error is about."""
        return [self.field] if self.field else []

    def render(self, name: Callable[[str], str] = as_is) -> str:
        """The whole message, each field called what `name` calls it."""
        text = f"{name(self.field)}: {self.message}" if self.field else self.message
        return f"{self.what}: {text}" if self.what else text

    def __str__(self) -> str:
        return self.render()


class NotFound(AnquanError):
    """Something named does not exist: an organisation's code, a record's id, a file."""


class InvalidValue(AnquanError):
    """A value was refused: out of range, in the future, empty where it is required."""


class Refused(AnquanError):
    """An action's parameters were refused, with one reason per field (e.g. a campaign's dates and sectors)."""

    def __init__(self, what: str, reasons: list[tuple[str | None, str]]):
        self.reasons = reasons
        super().__init__("; ".join(reason for _, reason in reasons), field=reasons[0][0] if reasons else None, what=what)

    @property
    def fields(self) -> list[str]:
        return [f for f, _ in self.reasons if f]

    def render(self, name: Callable[[str], str] = as_is) -> str:
        return f"{self.what}: " + "; ".join(f"{name(f)}: {r}" if f else r for f, r in self.reasons)


@dataclass(frozen=True)
class Problem:
    """One problem in an input file: where it is and what is wrong."""

    sheet: str
    row: int | None  # 1-based as a spreadsheet shows it (header = row 1); None for the whole file
    column: str | None
    reason: str

    def where(self) -> str:
        parts = [self.sheet]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "reason": self.reason}


class InputRejected(AnquanError):
    """An input file has problems; nothing was written. Each problem says its sheet, row and column."""

    def __init__(self, what: str, problems: list[Problem]):
        self.problems = problems
        listing = "\n".join(f"  {p.where()}: {p.reason}" for p in problems)
        super().__init__(f"{len(problems)} problem(s), nothing was written:\n{listing}", what=what)


class ConfigError(AnquanError):
    """A configuration file or setting is wrong; the message says where (a YAML path, a variable)."""


class RulesError(ConfigError):
    """The cycle rules (config/cycle.yaml) are invalid."""


class RubricError(ConfigError):
    """The assessment rubric (config/rubric.yaml) is invalid."""


class CalendarError(ConfigError):
    """A holiday file is invalid, or a year has no holiday arrangement."""


class TemplateError(ConfigError):
    """A document template is broken or names fields the system does not fill."""


class SettingsError(ConfigError):
    """A setting has a bad value; the message names the environment variable."""


class SchemaNotCurrent(AnquanError):
    """The database schema is missing or older than the code; `anquan db upgrade` fixes it."""

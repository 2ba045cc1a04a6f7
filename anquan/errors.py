"""Errors the user can act on. The command line prints them without a traceback."""

from __future__ import annotations

from dataclasses import dataclass


class AnquanError(Exception):
    """A problem with the user's input or installation, with a message that says what to do."""


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
    """An input file has problems; nothing was written."""

    def __init__(self, what: str, problems: list[Problem]):
        self.what = what
        self.problems = problems
        listing = "\n".join(f"  {p.where()}: {p.reason}" for p in problems)
        super().__init__(f"{what}: {len(problems)} problem(s), nothing was written:\n{listing}")

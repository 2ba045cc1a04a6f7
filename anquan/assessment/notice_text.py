"""The notice's text the county office edits before the approval: the 下一步要求 paragraphs and the 抄送 line.

The office writes the requirements one a line (or a paragraph, blank lines between them); a number it typed in front
of one (（一）, 1., 一、) is dropped, as the notice numbers them itself. The 抄送 line is one line ending in 。. Once the
year is approved the notice was issued as it read then, and is not edited again.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from anquan.assessment.notice import NoticeOptions
from anquan.errors import InvalidValue

MOST_REQUIREMENTS = 10  # the notice numbers them （一） to （十）
REQUIREMENT_SHORTEST, REQUIREMENT_LONGEST = 4, 500
COPIED_TO_SHORTEST, COPIED_TO_LONGEST = 2, 300
TEXT_LONGEST = MOST_REQUIREMENTS * (REQUIREMENT_LONGEST + 8)  # the whole textarea
_NUMBERED = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[、.．)）])\s*")


@dataclass
class NoticeText:
    """下一步要求 and 抄送 as the notice prints them."""

    requirements: list[str]
    copied_to: str

    @property
    def requirements_text(self) -> str:
        """The requirements as the office's textarea shows them: one a line."""
        return "\n".join(self.requirements)


def _controls(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") and ch not in "\n\r\t" for ch in text)


def parse_requirements(text: str) -> list[str]:
    """The paragraphs of the office's textarea, numbers dropped and spaces tidied; InvalidValue (field requirements)
    without one, with more than ten, one too short or too long, or a control character."""
    if _controls(text or "") or "\t" in (text or ""):
        raise InvalidValue("the requirements contain a control character", field="requirements")
    paragraphs = [" ".join(_NUMBERED.sub("", line, count=1).split()) for line in (text or "").splitlines()]
    paragraphs = [p for p in paragraphs if p]
    if not 1 <= len(paragraphs) <= MOST_REQUIREMENTS:
        raise InvalidValue(f"1 to {MOST_REQUIREMENTS} requirements, one a line", field="requirements")
    if any(not REQUIREMENT_SHORTEST <= len(p) <= REQUIREMENT_LONGEST for p in paragraphs):
        raise InvalidValue(f"each requirement {REQUIREMENT_SHORTEST} to {REQUIREMENT_LONGEST} characters",
                           field="requirements")
    return paragraphs


def parse_copied_to(text: str) -> str:
    """The 抄送 line, one line ending in 。; InvalidValue (field copied_to) when empty, too long, on several lines or with
    a control character."""
    if _controls(text or "") or any(ch in (text or "") for ch in "\n\r\t\u2028\u2029"):
        raise InvalidValue("the 抄送 line is one line without control characters", field="copied_to")
    line = " ".join((text or "").split()).rstrip("。.，,；; ")
    if not COPIED_TO_SHORTEST <= len(line) <= COPIED_TO_LONGEST:
        raise InvalidValue(f"{COPIED_TO_SHORTEST} to {COPIED_TO_LONGEST} characters", field="copied_to")
    return line + "。"


def stored(requirements: str | None, copied_to: str | None, options: NoticeOptions) -> NoticeText:
    """The notice's text: what the office saved (the record's columns), else `options`' defaults."""
    return NoticeText(json.loads(requirements) if requirements else list(options.requirements),
                      copied_to or options.copied_to)


def apply(options: NoticeOptions, text: NoticeText) -> NoticeOptions:
    options.requirements, options.copied_to = list(text.requirements), text.copied_to
    return options

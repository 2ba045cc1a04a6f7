"""What tests share: the sample county, small directories, factories, database helpers and the SMTP sink.

Fixtures live in tests/conftest.py; everything a test imports comes from here (never from conftest).
"""

from __future__ import annotations

from tests.support.db import org_by_code, outbox, tick_on
from tests.support.documents import docx_text

__all__ = ["docx_text", "org_by_code", "outbox", "tick_on"]

"""What tests share: the sample county, small directories, factories, database helpers, fixed mail values and the
SMTP sink. Fixtures live in tests/conftest.py; everything a test imports comes from here (never from conftest).

    county.py     SAMPLE, REPO_ROOT, write_csvs, SMALL_ORGS / SMALL_CONTACTS
    databases.py  the per-session database states (empty, county, planned) and their per-test copies
    factories.py  a county, township, village, enterprise (with contacts), obligation, accident — one row at a time
    db.py         outbox rows, the tick on a day, an organisation by code
    documents.py  the text of a Word document
    mail.py       fixed values for every mail template (the golden snapshots)
    smtp.py       a real SMTP server on loopback that records what it receives
    code.py       the package's own modules, for tests that read the code (no flags in errors, kinds by name)
"""

from __future__ import annotations

from tests.support import factories
from tests.support.county import REPO_ROOT, SAMPLE, SMALL_CONTACTS, SMALL_ORGS, write_csvs
from tests.support.db import org_by_code, outbox, tick_on
from tests.support.documents import docx_text
from tests.support.smtp import SmtpSink, free_port, with_smtp

__all__ = ["REPO_ROOT", "SAMPLE", "SMALL_CONTACTS", "SMALL_ORGS", "SmtpSink", "docx_text", "factories", "free_port",
           "org_by_code", "outbox", "tick_on", "with_smtp", "write_csvs"]

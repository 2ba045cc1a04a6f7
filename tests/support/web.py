"""Helpers for the officials' pages: a contact's personal link, a small real PDF, an obligation of an organisation."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from anquan.app import App
from anquan.models.directory import Contact, Organisation
from anquan.models.obligations import Obligation
from anquan.notifications.links import LinkSigner

# The tests' own signing key (tests/conftest.py sets it as ANQUAN_SECRET_KEY for every test).
TEST_SECRET_KEY = "tests-only-signing-key-" + "0123456789abcdef" * 2

# A minimal but well-formed one-page PDF.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def contact(app: App, email: str) -> Contact:
    with app.session() as s:
        return s.execute(select(Contact).where(func.lower(Contact.email) == email.lower())).scalar_one()


def link_path(app: App, email: str) -> str:
    """The path of the contact's personal link (/l/<token>), as a mail would carry it."""
    c = contact(app, email)
    url = LinkSigner.from_settings(app.settings).url(contact_id=c.id, epoch=c.link_epoch)
    return url.removeprefix(app.settings.effective_public_url)


def obligation(app: App, org_code: str, kind: str, status: str | None = None) -> Obligation:
    """The first obligation of a kind an organisation owes, in due-date order."""
    with app.session() as s:
        q = (select(Obligation).join(Organisation, Organisation.id == Obligation.org_id)
             .where(Organisation.code == org_code, Obligation.kind == kind).order_by(Obligation.due_on))
        if status:
            q = q.where(Obligation.status == status)
        return s.execute(q).scalars().first()


def obligation_id(app: App, org_code: str, kind: str = "monthly_risk_analysis", period: str = "2026-02") -> int:
    """The id of an organisation's obligation of a kind for one period (by default its February risk analysis)."""
    with app.session() as s:
        return s.execute(select(Obligation.id).join(Organisation, Organisation.id == Obligation.org_id)
                         .where(Organisation.code == org_code, Obligation.kind == kind,
                                Obligation.period == period)).scalar_one()


def sign_in(client, app: App, email: str) -> str:
    """Open the contact's personal link with a TestClient; the CSRF token of the session it starts."""
    assert client.get(link_path(app, email)).status_code == 303
    page = client.get("/my")
    assert page.status_code == 200
    return page.text.split('name="csrf" value="')[1].split('"')[0]


def field_error(html: str, name: str) -> str | None:
    """The message a form shows for input `name` (an input, or a fieldset of boxes with that id): the input points
    at it (aria-describedby) and it follows the input."""
    found = re.search(rf'(name|id)="{name}"[^>]*aria-invalid="true" aria-describedby="{name}-error"', html)
    if found is None:
        return None
    message = re.search(rf'<p class="error field-error" id="{name}-error" role="alert">([^<]+)</p>', html[found.end():])
    return message.group(1) if message else None


def follow(page, target) -> None:
    """Click a link or a submit button and wait until the page it leads to has loaded.

    A bare click returns once the navigation has started, so a count() or all_inner_texts() straight after it
    may read a half-parsed page (CI once counted 0 rows of a table that has 8)."""
    with page.expect_navigation(wait_until="load"):
        if isinstance(target, str):
            page.click(target)
        else:
            target.click()

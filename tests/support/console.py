"""Helpers for the console's pages: an account made from a contact, signing in through the form."""

from __future__ import annotations

import re

from anquan.accounts import usecases as accounts
from anquan.app import App
from tests.support.web import contact, follow

PASSWORD = "correct-horse-battery-7"


def make_user(app: App, email: str, role: str, password: str = PASSWORD, *, temporary: bool = False) -> str:
    """A console account for the contact at `email`; its login. Unless `temporary`, as if its holder had already
    replaced the password they were given with `password` (a new account must change it first: no page opens)."""
    from sqlalchemy import update

    from anquan.models.accounts import ConsoleUser

    login = accounts.add_user(app, contact_id=contact(app, email).id, role=role, password=password).login
    if not temporary:
        with app.session() as s:
            s.execute(update(ConsoleUser).where(ConsoleUser.login == login).values(must_change_password=False))
    return login


def form_csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, email: str, password: str = PASSWORD, *, csrf: str | None = None):
    """Open the sign-in form and send it; the response to the POST."""
    if csrf is None:
        csrf = form_csrf(client.get("/console/login").text)
    token = csrf
    return client.post("/console/login", data={"csrf": token, "login": email, "password": password})


def signed_in(client, email: str, password: str = PASSWORD) -> str:
    """Sign in (it must work); the session's CSRF token, as the matrix page's logout form carries it."""
    r = login(client, email, password)
    assert r.status_code == 303 and r.headers["location"] == "/console/year", r.text
    page = client.get("/console/year")
    assert page.status_code == 200
    return form_csrf(page.text)


def busy_year(app: App, today) -> None:
    """A year under way on `app`'s directory: of what fell due before `today`, by the obligation's id, six in ten
    reported two days early, two in ten five days late (if that day has come), the rest left open; then the tick of
    `today` (reminders and escalations queued)."""
    from datetime import timedelta

    from sqlalchemy import select

    from anquan.cycle.obligations import submit
    from anquan.cycle.tick import tick
    from anquan.models.obligations import Obligation

    with app.session() as s:
        due = s.execute(select(Obligation.id, Obligation.due_on).where(Obligation.due_on < today,
                                                                     Obligation.status == "open")
                        .order_by(Obligation.id)).all()
        for oid, due_on in due:
            on = due_on - timedelta(days=2) if oid % 10 < 6 else due_on + timedelta(days=5) if oid % 10 < 8 else None
            if on is not None and on <= today:
                submit(session=s, obligation_id=oid, today=today, submitted_on=on, note="已按要求完成")
    with app.session() as s:
        tick(session=s, rules=app.rules, as_of=today, mail_from=app.settings.mail_from, tz=app.settings.tz)


def sign_in_page(page, base: str, login: str, password: str = PASSWORD) -> None:
    """In a browser page: open the console's sign-in form and sign in (where it leads is the caller's to check)."""
    page.goto(base + "/console/login")
    page.fill("#login", login)
    page.fill("#password", password)
    follow(page, "button.primary")


def desktop_and_phone(page, stem) -> None:
    """Whole-page screenshots STEM-desktop.png (1280 px wide) and STEM-phone.png (390 px); the page is left at the
    desktop's width. `stem` is a path without the suffix, e.g. ARTIFACTS / "console-year"."""
    page.screenshot(path=f"{stem}-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=f"{stem}-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


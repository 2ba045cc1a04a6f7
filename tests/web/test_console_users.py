"""The county admin manages the console's accounts from the console; every change is in the audit log with who,
when and from where. A county staff account cannot."""

from __future__ import annotations

import re

from sqlalchemy import select

from anquan.models.accounts import ConsoleAudit, ConsoleUser
from tests.support.console import login, make_user, signed_in
from tests.support.web import contact

ADMIN = "office@county.example"
T1_OFFICE = "so1@t1.example"


def test_the_admin_makes_an_account_resets_its_password_and_disables_it(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    csrf = signed_in(client, ADMIN)
    page = client.get("/console/users")
    assert page.status_code == 200 and "王安监" in page.text  # a township's safety office can be given an account
    so = contact(web_county, T1_OFFICE).id
    r = client.post("/console/users", data={"csrf": csrf, "contact": str(so), "role": "township_office"})
    assert r.status_code == 200 and "此密码只显示这一次" in r.text
    password = re.search(r"<code>([^<]+)</code>", r.text).group(1)
    # The same contact twice: refused next to the field, nothing written.
    r = client.post("/console/users", data={"csrf": csrf, "contact": str(so), "role": "township_office"})
    assert r.status_code == 400 and "尚无账户" in r.text
    # Without the token: refused.
    assert client.post("/console/users/disable", data={"login": T1_OFFICE}).status_code == 403
    r = client.post("/console/users/reset", data={"csrf": csrf, "login": T1_OFFICE})
    new_password = re.search(r"<code>([^<]+)</code>", r.text).group(1)
    assert new_password != password
    r = client.post("/console/users/disable", data={"csrf": csrf, "login": T1_OFFICE})
    assert r.status_code == 303 and r.headers["location"] == "/console/users?done=disabled"
    # The admin cannot lock themselves out.
    assert client.post("/console/users/disable", data={"csrf": csrf, "login": ADMIN}).status_code == 400
    with web_county.session() as s:
        assert s.execute(select(ConsoleUser.active).where(ConsoleUser.login == T1_OFFICE)).scalar_one() is False
        audit = [(a.actor, a.action, a.target, a.client_addr) for a in s.execute(
            select(ConsoleAudit).where(ConsoleAudit.action.in_(("user_add", "password_reset", "user_disable")))
            .order_by(ConsoleAudit.id)).scalars()]
    assert audit == [("command line", "user_add", ADMIN, None), (ADMIN, "user_add", T1_OFFICE, "testclient"),
                     (ADMIN, "password_reset", T1_OFFICE, "testclient"), (ADMIN, "user_disable", T1_OFFICE, "testclient")]
    client.cookies.clear()
    assert login(client, T1_OFFICE, new_password).status_code == 401  # disabled


def test_a_county_staff_account_cannot_manage_accounts(web_county, client):
    make_user(web_county, ADMIN, "county_staff")
    csrf = signed_in(client, ADMIN)
    assert "账户管理" not in client.get("/console/year").text
    assert client.get("/console/users").status_code == 404
    so = contact(web_county, T1_OFFICE).id
    r = client.post("/console/users", data={"csrf": csrf, "contact": str(so), "role": "county_admin"})
    assert r.status_code == 404
    for action in ("disable", "enable", "reset"):
        assert client.post(f"/console/users/{action}", data={"csrf": csrf, "login": ADMIN}).status_code == 404


def test_a_role_that_does_not_fit_the_contact_is_refused(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    csrf = signed_in(client, ADMIN)
    so = contact(web_county, T1_OFFICE).id
    r = client.post("/console/users", data={"csrf": csrf, "contact": str(so), "role": "county_admin"})
    assert r.status_code == 400 and "所在单位与角色相符" in r.text
    with web_county.session() as s:
        assert s.execute(select(ConsoleUser).where(ConsoleUser.contact_id == so)).first() is None

"""`anquan users`: accounts made from directory contacts, listed, disabled, enabled, their passwords reset, audited."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from anquan.cli import app as cli
from tests.support import SAMPLE
from tests.support.web import TEST_SECRET_KEY


def _run(env, *args, stdin: str | None = None, code: int = 0):
    r = CliRunner().invoke(cli, list(args), env=env, input=stdin, prog_name="anquan")
    assert r.exit_code == code, (r.stdout, r.stderr, r.exception)
    return r


def test_accounts_from_the_command_line(tmp_path):
    env = {"ANQUAN_DATA_DIR": str(tmp_path / "data"), "ANQUAN_SECRET_KEY": TEST_SECRET_KEY}
    _run(env, "db", "upgrade")
    _run(env, "directory", "import", str(SAMPLE))
    people = json.loads(_run(env, "users", "contacts", "--json").stdout)
    county = next(p for p in people if p["org_kind"] == "county" and p["role"] == "county_office")
    office = next(p for p in people if p["org_kind"] == "township" and p["role"] == "safety_office")
    made = json.loads(_run(env, "users", "add", "--contact", str(county["contact_id"]), "--role", "county_admin",
                           "--json").stdout)
    assert made["generated"] and len(made["password"]) >= 16 and made["login"] == county["email"].lower()
    _run(env, "users", "add", "--contact", str(office["contact_id"]), "--role", "township_office", "--password-stdin",
         stdin="a-password-of-my-own\n")
    # Refused, each naming its flag: a county role for a township's contact, the same contact twice, a short password.
    r = _run(env, "users", "add", "--contact", str(office["contact_id"]), "--role", "county_staff", code=1)
    assert "contact (--contact)" in r.stderr and "not at the county" in r.stderr
    r = _run(env, "users", "add", "--contact", str(county["contact_id"]), "--role", "county_admin", code=1)
    assert "already has an account" in r.stderr
    r = _run(env, "users", "reset-password", "--login", office["email"], "--password-stdin", stdin="short\n", code=1)
    assert "password (--password-stdin)" in r.stderr
    r = _run(env, "users", "disable", "--login", "nobody@example.org", code=1)
    assert "login (--login)" in r.stderr
    _run(env, "users", "disable", "--login", office["email"])
    listed = {u["login"]: u for u in json.loads(_run(env, "users", "list", "--json").stdout)}
    assert listed[office["email"].lower()]["active"] is False and listed[made["login"]]["role"] == "county_admin"
    _run(env, "users", "enable", "--login", office["email"])
    again = json.loads(_run(env, "users", "reset-password", "--login", office["email"], "--json").stdout)
    assert again["generated"] and again["password"] != "a-password-of-my-own"
    audit = json.loads(_run(env, "users", "audit", "--json").stdout)
    assert [a["action"] for a in audit] == ["password_reset", "user_enable", "user_disable", "user_add", "user_add"]
    assert {a["actor"] for a in audit} == {"command line"}

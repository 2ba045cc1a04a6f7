"""`anquan users`: the console's accounts (county office and township safety offices)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from anquan.cli.kit import ID_MAX, JsonOpt, lazy, open_app, out, print_json, table

accounts = lazy("anquan.accounts.usecases")

users_app = typer.Typer(help="Console accounts: add, list, disable, enable, reset a password, the audit log.",
                        no_args_is_help=True)
ROLE_HELP = "county_admin (the county office, manages accounts), county_staff (the county office) or township_office " \
            "(a township's safety office: its own township only)."
LoginOpt = Annotated[str, typer.Option("--login", help="The account's login (its mail address).")]
StdinOpt = Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input instead of "
                                        "generating one.")]


def _password(from_stdin: bool) -> str | None:
    return sys.stdin.readline().rstrip("\r\n") if from_stdin else None


def _print_made(made, as_json: bool, what: str) -> None:
    if as_json:
        print_json(made.as_dict())
        return
    out.print(f"{what} {made.login} ({made.role}); the password is temporary: the console asks for a new one at the "
              "first sign-in.")
    if made.generated:
        out.print(f"Password (shown once, hand it over in person): {made.password}")


@users_app.command("add")
def users_add(
    contact: Annotated[int, typer.Option("--contact", min=1, max=ID_MAX, help="The directory contact's id.")],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
    password_stdin: StdinOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Make a console account for a directory contact; signs in with the contact's mail address.

    Example: anquan users add --contact 3 --role county_admin
    """
    made = accounts.add_user(open_app(), contact_id=contact, role=role, password=_password(password_stdin))
    _print_made(made, as_json, "Added")


@users_app.command("contacts")
def users_contacts(as_json: JsonOpt = False) -> None:
    """The contacts at the county and the townships who may be given an account, with the id `add` takes.

    Example: anquan users contacts
    """
    rows = accounts.candidates(open_app())
    if as_json:
        print_json([r.as_dict() for r in rows])
        return
    out.print(table(["id", "organisation", "name", "role", "email", "account"],
                    [(r.contact_id, f"{r.org_code} {r.org_name}", r.name, r.role, r.email, "yes" if r.has_account else "")
                     for r in rows]))


@users_app.command("list")
def users_list(as_json: JsonOpt = False) -> None:
    """Every console account, with its role, organisation and last sign-in.

    Example: anquan users list
    """
    rows = accounts.list_users(open_app())
    if as_json:
        print_json([r.as_dict() for r in rows])
        return
    out.print(table(["login", "name", "role", "organisation", "active", "last login"],
                    [(r.login, r.name, r.role, r.organisation, "yes" if r.active else "no",
                      r.last_login_at.isoformat(timespec="seconds") if r.last_login_at else "") for r in rows]))


@users_app.command("disable")
def users_disable(login: LoginOpt,
                  as_json: JsonOpt = False) -> None:
    """Disable an account: it cannot sign in, and its open sessions end at once.

    Example: anquan users disable --login huang.jie.ql@qinglan.example
    """
    row = accounts.set_active(open_app(), login=login, active=False)
    print_json(row.as_dict()) if as_json else out.print(f"Disabled {row.login}; its sessions have ended.")


@users_app.command("enable")
def users_enable(login: LoginOpt,
                 as_json: JsonOpt = False) -> None:
    """Enable a disabled account again.

    Example: anquan users enable --login huang.jie.ql@qinglan.example
    """
    row = accounts.set_active(open_app(), login=login, active=True)
    print_json(row.as_dict()) if as_json else out.print(f"Enabled {row.login}.")


@users_app.command("reset-password")
def users_reset_password(login: LoginOpt,
                         password_stdin: StdinOpt = False, as_json: JsonOpt = False) -> None:
    """Give an account a new password (generated unless read from stdin); its open sessions end.

    Example: anquan users reset-password --login huang.jie.ql@qinglan.example
    """
    made = accounts.reset_password(open_app(), login=login, password=_password(password_stdin))
    _print_made(made, as_json, "New password for")


@users_app.command("audit")
def users_audit(limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="How many entries.")] = 50,
                as_json: JsonOpt = False) -> None:
    """The console's audit log, newest first: who changed what, when, from where.

    Example: anquan users audit --limit 20
    """
    rows = accounts.audit_log(open_app(), limit=limit)
    if as_json:
        print_json(rows)
        return
    out.print(table(["at (UTC)", "actor", "action", "target", "detail", "from"],
                    [(r["at"].isoformat(timespec="seconds"), r["actor"], r["action"], r["target"], r["detail"],
                      r["client_addr"]) for r in rows]))

"""What every command shares: the consoles, JSON and table output, the progress bar, dates, the App, the errors.

Start-up time: `anquan --help` must not import the database layer, Prefect or
Word rendering (together about a second). So the command modules import the
domain only through `lazy("anquan.<concept>.usecases")` below, which imports
the module on first use, i.e. when a command runs. That is the one reason for
a lazy import in the command line; everything else is imported at the top.
"""

from __future__ import annotations

import importlib
import json
import sys
import types
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import TYPE_CHECKING, Annotated, Iterable, Optional

import click
import typer
from typer.core import TyperGroup
from rich.console import Console
from rich.table import Table

from anquan.errors import AnquanError, InputRejected

if TYPE_CHECKING:
    from anquan.app import App

# In a pipe, keep rows whole rather than folding them to 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

EXIT_OK, EXIT_FAILURE = 0, 1
# Ids are the database's 32-bit integers: a larger number is refused by the option's range, not by an overflow.
ID_MAX = 2_147_483_647

# The option a domain error's field is given with on the command line. Domain errors name fields
# (`exc.field`: the use case's parameter, as a flow or a web form knows it), never flags; the error
# printer shows both: "org_code (--org): no organisation with code 'NOPE'". A command that gives a
# field by another flag says so with `flags_of_this_command` (`alert report --text` is the description).
FLAG_FOR_FIELD: dict[str, str] = {
    "org_code": "--org", "enterprise_code": "--enterprise", "place": "--place", "year": "--year",
    "prefect_file": "--prefect-file",
    "kind": "--kind", "status": "--status", "description": "--description", "responsible_person": "--responsible",
    "measures": "--measures", "emergency_plan": "--emergency-plan", "funds": "--funds", "deadline": "--deadline",
    "closed_on": "--on", "occurred_on": "--date", "reported_on": "--date", "deaths": "--deaths",
    "injuries": "--injuries", "points": "--points", "item": "--item", "reason": "--reason", "file": "--file",
    "name": "--name", "sectors": "--sectors", "townships": "--townships", "from_date": "--from", "to_date": "--to",
    "summary_due": "--summary-due", "as_of": "--as-of", "evaluated_on": "--on", "note": "--note",
    "contact": "--contact", "role": "--role", "password": "--password-stdin", "login": "--login",
    "before": "--before", "days": "--days",
    "approver": "--by", "received_on": "--received", "raised_by": "--raised-by", "content": "--content",
    "objection": "--objection", "outcome": "--outcome", "state": "--status",
    "requirements": "--requirements", "copied_to": "--copied-to",
}
_OWN_FLAGS: ContextVar[dict[str, str | None] | None] = ContextVar("anquan_cli_own_flags", default=None)


class _LazyModule(types.ModuleType):
    """A module imported on first attribute access (see the module docstring for why)."""

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self.__name__), attr)


def lazy(name: str) -> types.ModuleType:
    """`uc = lazy("anquan.cycle.usecases")`: `uc.plan(...)` imports the module when first called."""
    return sys.modules.get(name) or _LazyModule(name)


def open_app() -> "App":
    """The application context of a command: settings from the environment and the .env file."""
    from anquan.app import App  # lazy: see the module docstring

    return App()


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def stream_json(items: Iterable[dict]) -> None:
    """A JSON array written as it is read, one object a line: long listings never sit in memory."""
    sys.stdout.write("[")
    for i, item in enumerate(items):
        sys.stdout.write(("," if i else "") + "\n  " + json.dumps(item, ensure_ascii=False, default=str))
    sys.stdout.write("\n]\n")


@contextmanager
def progress_bar(enabled: bool):
    """A progress bar on a terminal; nothing in a pipe."""
    if not (enabled and sys.stderr.isatty()):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        yield update


def parse_date(value: Optional[str], option: str) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AnquanError(f"{option}: {value!r} is not a date (use YYYY-MM-DD)") from None


def table(columns: list[str], rows: Iterable[Iterable]) -> Table:
    t = Table(*columns, show_lines=False, header_style="bold")
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    return t


def print_fields(data: dict, *, width: int) -> None:
    """One record, a `name: value` line per field, the names right-aligned to `width`."""
    for k, v in data.items():
        out.print(f"{k:>{width}}: {'' if v is None else v}")


def print_record(data: dict, *, as_json: bool, width: int) -> None:
    """What a `show` command prints: the record as JSON, or as `name: value` lines."""
    if as_json:
        print_json(data)
    else:
        print_fields(data, width=width)


def print_delivery(delivery: dict | None) -> None:
    """What an immediate delivery (after an alert) did."""
    if delivery is None:
        return
    where = f"as .eml files in {delivery['where']}" if delivery["backend"] == "folder" else f"via {delivery['where']}"
    out.print(f"Delivered {delivery['sent']} message(s) {where} at once; {delivery['deferred']} deferred for retry "
              f"(the scheduled delivery retries them), {delivery['failed']} failed.")


def print_alert(x: dict, delivery: dict | None) -> None:
    label = {"warning_sign": "Warning sign", "major_hazard_source": "Major hazard source"}[x["kind"]]
    verb = "recorded" if x["created"] else "already recorded"
    out.print(f"{label} #{x['id']} from {x['org_code']} {x['org_name']} {verb}; {x['mails_queued']} mail(s) queued "
              f"to {', '.join(x['recipients']) or 'nobody (no safety office or county office in the directory)'}.")
    print_delivery(delivery)


# -- errors --------------------------------------------------------------------------

def flags_of_this_command(**flag_for_field: str | None) -> None:
    """Say that the running command gives these fields by other flags than FLAG_FOR_FIELD's (None: by no flag)."""
    _OWN_FLAGS.set(flag_for_field)


def flag_for(field: str, own: dict[str, str | None] | None = None) -> str:
    """How the command line names a field in an error: `org_code (--org)`; a field without a flag as itself."""
    flag = own[field] if own and field in own else FLAG_FOR_FIELD.get(field)
    return f"{field} ({flag})" if flag else field


def _known_failure(exc: BaseException, own: dict[str, str | None] | None = None) -> str | None:
    """The message for a failure the user can act on, or None for a bug.

    Looks only at modules already loaded, so that `--help` does not pay for
    importing the database layer.
    """
    if isinstance(exc, AnquanError):  # settings and schema errors too
        return exc.render(lambda field: flag_for(field, own))
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.OperationalError):
        return f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}"
    return None


def report_failure(exc: BaseException, own: dict[str, str | None] | None = None) -> bool:
    """Print a failure the user can act on as `error: ...` on stderr and say True; False for a bug."""
    if isinstance(exc, InputRejected):
        err.print(f"error: {exc.what}: {len(exc.problems)} problem(s), nothing was written:")
        for p in exc.problems:
            err.print(f"  {p.where()}: {p.reason}")
        return True
    message = _known_failure(exc, own)
    if message is None:
        return False
    err.print(f"error: {message}")
    return True


class AnquanGroup(TyperGroup):
    """The top command group: a failure the user can act on ends the command with exit code 1, not a traceback.

    Done here rather than around `app()` so that the same happens in-process (tests, typer's CliRunner)."""

    def invoke(self, ctx):
        own = _OWN_FLAGS.set(None)
        try:
            return super().invoke(ctx)
        except click.exceptions.ClickException:
            raise
        except Exception as exc:
            if not report_failure(exc, _OWN_FLAGS.get()):
                raise
            raise typer.Exit(EXIT_FAILURE) from None
        finally:
            _OWN_FLAGS.reset(own)

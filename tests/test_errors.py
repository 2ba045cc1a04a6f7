"""Errors name fields, never flags: the domain says which input is wrong, each front door names it its own way."""

import ast
import re

import pytest

from anquan.errors import AnquanError, InputRejected, InvalidValue, NotFound, Problem, Refused
from tests.support.code import outside_cli

# A flag: --org, --summary-due; not a MIME boundary line ("--" boundary ["--"] CRLF, RFC 2046).
FLAG = re.compile(r"(?<![\w-])--[a-z][\w-]*(?!-*\r\n)")
# Strings that are a flag of another program, not ours: the Prefect server's command line.
OTHER_PROGRAMS = {("serve.py", "--host"), ("serve.py", "--port"), ("deploy.py", "--no-prompt"), ("deploy.py", "--all"),
                  ("deploy.py", "--prefect-file")}


def _strings(tree: ast.AST):
    """Every string constant with its line; an f-string reads with its holes filled by 'x' ('--{name}' -> '--x')."""
    in_fstring = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in in_fstring:
            yield node.lineno, node.value


def test_no_module_outside_the_command_line_mentions_a_flag():
    found = []
    for path in outside_cli():
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            if FLAG.search(text) and (path.name, text) not in OTHER_PROGRAMS:
                found.append(f"{path}:{line}: {text[:80]!r}")
    assert found == []


def test_the_scan_sees_flags_in_plain_and_formatted_strings():
    tree = ast.parse('a = "--org: x"\nb = f"--{name}: required"\nc = "a-b --- c"\nd = "x--y"\n'
                     'e = f"--{boundary}\\r\\nContent-Type"\nf = f"--{outer}--\\r\\n"\ng = "use --summary-due"')
    assert [text for _, text in _strings(tree) if FLAG.search(text)] == ["--org: x", "--x: required", "use --summary-due"]


def test_an_error_names_its_field_as_each_front_door_asks():
    exc = NotFound("no organisation with code 'NOPE'", field="org_code")
    assert str(exc) == "org_code: no organisation with code 'NOPE'"  # a flow: the parameter is the field
    assert exc.render(lambda f: f"{f} (--org)") == "org_code (--org): no organisation with code 'NOPE'"
    assert exc.message == "no organisation with code 'NOPE'" and exc.fields == ["org_code"]
    refused = InvalidValue("2026-12-01 is in the future", field="reported_on", what="alert refused")
    assert str(refused) == "alert refused: reported_on: 2026-12-01 is in the future"
    assert str(AnquanError("plain")) == "plain" and AnquanError("plain").fields == []
    assert isinstance(exc, AnquanError) and isinstance(refused, AnquanError)


def test_a_refusal_names_every_field():
    exc = Refused("major event refused", [("name", "too short"), ("to_date", "before from_date"), (None, "whole")])
    assert exc.fields == ["name", "to_date"] and exc.field == "name"
    assert str(exc) == "major event refused: name: too short; to_date: before from_date; whole"
    assert exc.render(str.upper) == "major event refused: NAME: too short; TO_DATE: before from_date; whole"


def test_an_input_file_names_sheet_row_and_column():
    exc = InputRejected("d.xlsx", [Problem("contacts", 2, "email", "not an address"), Problem("orgs", None, None, "empty")])
    assert exc.what == "d.xlsx" and exc.field is None
    assert str(exc) == "d.xlsx: 2 problem(s), nothing was written:\n  contacts, row 2, column email: not an address\n  orgs: empty"


@pytest.mark.parametrize("cls", ["RulesError", "RubricError", "CalendarError", "TemplateError", "SettingsError",
                                 "SchemaNotCurrent"])
def test_configuration_and_schema_errors_join_the_hierarchy(cls):
    import anquan.errors

    assert issubclass(getattr(anquan.errors, cls), AnquanError)

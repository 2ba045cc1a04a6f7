"""The command line names a domain error's field by its flag: `org_code (--org): ...`; the domain never does."""

import ast

import pytest
from typer.testing import CliRunner

from anquan.cli import app as cli
from anquan.cli.kit import FLAG_FOR_FIELD, flag_for
from anquan.errors import InvalidValue, NotFound, Refused
from tests.support import SAMPLE
from tests.support.code import outside_cli


def _fields_the_domain_names() -> set[str]:
    """Every `field="..."` the domain raises with, the fields of the parameter models, the hazard's required texts."""
    from anquan.campaigns.campaign import CampaignParams
    from anquan.campaigns.events import EventParams

    fields = set(CampaignParams.model_fields) | set(EventParams.model_fields)
    fields |= {"description", "responsible_person", "measures", "emergency_plan"}  # hazards: field=name, a loop
    for path in outside_cli():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "field" and isinstance(node.value, ast.Constant):
                fields.add(node.value.value)
    return fields


def test_every_field_the_domain_names_has_a_flag():
    named = _fields_the_domain_names()
    assert {"org_code", "from_date", "closed_on", "reported_on"} <= named  # the scan sees them
    assert named - set(FLAG_FOR_FIELD) == set()
    assert all(flag.startswith("--") for flag in FLAG_FOR_FIELD.values())


@pytest.mark.parametrize("exc,shown", [
    (NotFound("no organisation with code 'NOPE' in the directory", field="org_code"),
     "org_code (--org): no organisation with code 'NOPE' in the directory"),
    (InvalidValue("2026-12-01 is in the future", field="closed_on"), "closed_on (--on): 2026-12-01 is in the future"),
    (InvalidValue("required", field="responsible_person"), "responsible_person (--responsible): required"),
    (InvalidValue("'rumour' is not one of warning_sign, major_hazard_source", field="kind", what="alert refused"),
     "alert refused: kind (--kind): 'rumour' is not one of warning_sign, major_hazard_source"),
    (Refused("major event refused", [("to_date", "2027-03-01 is before from_date 2027-03-03"), ("name", "too short")]),
     "major event refused: to_date (--to): 2027-03-01 is before from_date 2027-03-03; name (--name): too short"),
    (InvalidValue("not a field of any command", field="nonesuch"), "nonesuch: not a field of any command"),
])
def test_the_printer_puts_the_flag_after_the_field(exc, shown):
    assert exc.render(flag_for) == shown


def _anquan(tmp_path, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"ANQUAN_DATA_DIR": str(tmp_path / "data")})


@pytest.fixture
def county_cli(tmp_path):
    assert _anquan(tmp_path, "db", "upgrade").exit_code == 0
    assert _anquan(tmp_path, "directory", "import", SAMPLE).exit_code == 0
    return tmp_path


@pytest.mark.parametrize("args,shown", [
    (["obligations", "list", "--org", "NOPE"], "error: org_code (--org): no organisation with code 'NOPE' in the directory"),
    (["obligations", "list", "--status", "done"], "error: status (--status): 'done' is not one of"),
    (["mail", "list", "--status", "lost"], "error: status (--status): 'lost' is not one of"),
    (["hazard", "list", "--status", "ajar"], "error: status (--status): 'ajar' is not open or closed"),
    (["accident", "add", "--org", "QL01E001", "--date", "2026-05-03", "--kind", "other", "--deaths", "1"],
     "error: org_code (--org): QL01E001 is an enterprise, not a township: accidents and indicators are charged to its "
     "township, use QL01"),
    (["accident", "add", "--org", "QL01", "--date", "2026-05-03", "--kind", "fall", "--deaths", "1"],
     "error: kind (--kind): 'fall' is not one of road_traffic, other"),
    (["assess", "adjust", "--org", "QL01", "--year", "2026", "--points", "x", "--item", "i", "--reason", "r"],
     "error: points (--points): 'x' is not a number of points"),
    (["hazard", "add", "--org", "QL01", "--year", "2026", "--description", "渗漏", "--responsible", " ",
      "--measures", "加固", "--deadline", "2026-08-31", "--emergency-plan", "值守", "--place", "河堤"],
     "error: responsible_person (--responsible): required"),
    (["alert", "report", "--org", "QL04", "--kind", "warning_sign", "--text", "仓库温度异常升高"],
     "error: alert refused: org_code (--org): QL04 is a township, not an enterprise"),
    (["alert", "report", "--org", "QL04E006", "--kind", "warning_sign", "--text", "  "],
     "error: alert refused: description (--text): describe what was found"),
    (["event", "add", "--name", "全国两会", "--from", "2099-03-03", "--to", "2099-03-01"],
     "error: major event refused: to_date (--to): 2099-03-01 is before from_date 2099-03-03"),
    (["campaign", "start", "--name", "整治", "--sectors", "boats", "--from", "2099-01-01", "--to", "2099-02-01",
      "--summary-due", "2099-03-01"], "error: campaign parameters refused: sectors (--sectors): "),
    (["campaign", "start", "--name", "整治", "--sectors", "fireworks", "--from", "2099-01-01", "--to", "2099-02-01",
      "--summary-due", "2099-03-01", "--townships", "QL99"],
     "error: campaign parameters refused: townships (--townships): not townships in the directory: QL99"),
])
def test_a_command_names_the_flag_of_the_field_in_error(county_cli, args, shown):
    result = _anquan(county_cli, *args)
    assert result.exit_code == 1, result.output
    assert shown in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output


def test_a_command_that_gives_a_field_by_another_flag_names_that_flag(county_cli):
    """`anquan submit ID --warning TEXT`: the alert's description is --warning's text, its date --on's."""
    import json

    assert _anquan(county_cli, "plan", "2026").exit_code == 0
    listed = _anquan(county_cli, "obligations", "list", "--kind", "monthly_risk_analysis", "--limit", "1", "--json")
    oid = json.loads(listed.output)[0]["id"]
    result = _anquan(county_cli, "submit", oid, "--on", "2026-03-02", "--warning", "ab")
    assert result.exit_code == 1, result.output
    assert "error: alert refused: description (--warning): describe what was found" in result.output

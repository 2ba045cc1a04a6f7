"""The command line: in-process through typer's runner, and as a real process where the process is the point.

In-process (`run`) for what a command does with its arguments; a real process (`run_process`) for the exit
code a shell sees, start-up (what `--help` imports), `bash scripts/run --once` and the progress bar on a terminal.
"""

import json
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anquan.cli import app
from tests.support import REPO_ROOT as PROJECT_ROOT, SAMPLE
from tests.support.checkout import checkout_copy, clean_env
from tests.support.documents import docx_paragraphs
from tests.support.web import TEST_SECRET_KEY

# The installed console script, as a user runs it.
ANQUAN = [str(Path(sys.executable).parent / "anquan")]

COMMANDS = [
    [], ["db"], ["db", "upgrade"], ["db", "current"], ["db", "prune"], ["db", "retally"], ["directory"], ["directory", "template"],
    ["directory", "import"], ["directory", "show"], ["rules"], ["rules", "check"], ["holidays"], ["plan"],
    ["obligations"], ["obligations", "list"], ["obligations", "show"], ["obligations", "waive"], ["submit"],
    ["tick"], ["mail"], ["mail", "deliver"], ["mail", "list"], ["mail", "retry"], ["serve"], ["deploy"],
    ["accident"], ["accident", "add"], ["accident", "update"], ["accident", "list"], ["accident", "show"],
    ["accident", "import"], ["indicators"], ["indicators", "import"],
    ["assess"], ["assess", "run"], ["assess", "adjust"], ["assess", "check-rubric"], ["assess", "draft"],
    ["assess", "approve"], ["assess", "notice"], ["assess", "objection"], ["assess", "decide"],
    ["hazard"], ["hazard", "add"], ["hazard", "list"], ["hazard", "show"], ["hazard", "update"], ["hazard", "close"],
    ["hazard", "evaluate"], ["hazard", "import"], ["campaign"], ["campaign", "start"], ["book"], ["book", "render"], ["book", "send"], ["report"], ["report", "form"],
    ["event"], ["event", "add"], ["event", "list"], ["alert"], ["alert", "report"], ["alert", "list"],
    ["web"], ["contacts"], ["contacts", "revoke-links"],
    ["users"], ["users", "add"], ["users", "contacts"], ["users", "list"], ["users", "disable"], ["users", "enable"],
    ["users", "reset-password"], ["users", "audit"],
]


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(args, env_extra=None, tmp=None, check=True) -> Ran:
    """`anquan ARGS` in this process. The working directory is the test's tmp_path (tests/conftest.py).

    An exception the command line does not turn into `error: ...` shows as a traceback on stderr, as it would
    in a shell, so `"Traceback" not in stderr` keeps its meaning."""
    result = CliRunner().invoke(app, [str(a) for a in args], env=env_extra or {}, prog_name="anquan")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    ran = Ran(result.exit_code, result.stdout, stderr)
    if check and ran.returncode != 0:
        raise AssertionError(f"anquan {' '.join(map(str, args))} failed ({ran.returncode}):\n{ran.stdout}\n{ran.stderr}")
    return ran


def run_process(args, env_extra=None, tmp=None, check=True):
    """`anquan ARGS` as a separate process, as a shell runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_")}
    env.update(env_extra or {})
    proc = subprocess.run(ANQUAN + [str(a) for a in args], capture_output=True, text=True, env=env,
                          cwd=tmp or PROJECT_ROOT, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"anquan {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def env(tmp_path):
    return {"ANQUAN_DATA_DIR": str(tmp_path / "data"), "ANQUAN_SECRET_KEY": TEST_SECRET_KEY}


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "anquan")
def test_help_everywhere_in_english_with_examples(cmd):
    proc = run(cmd + ["--help"])
    assert "Usage: anquan" in proc.stdout
    if cmd and cmd[-1] not in {"db", "directory", "rules", "obligations", "mail", "accident", "indicators", "assess", "hazard", "campaign", "book", "event", "alert", "contacts", "users", "report"}:
        assert "Example" in proc.stdout, proc.stdout


def test_help_starts_without_the_domain():
    """Start-up: `anquan --help` in a fresh process imports no database layer, Prefect or document library."""
    proc = subprocess.run([sys.executable, "-X", "importtime", ANQUAN[0], "--help"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "Usage: anquan" in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    heavy = {"sqlalchemy", "sqlmodel", "alembic", "prefect", "docx", "docxtpl", "openpyxl", "jinja2", "aiosmtplib"}
    assert not {m for m in imported if m.split(".")[0] in heavy}, sorted(m for m in imported if m.split(".")[0] in heavy)
    assert not {m for m in imported if m.startswith("anquan.") and not m.startswith("anquan.cli")} - {"anquan.errors"}


def test_schema_missing_is_explained(env, tmp_path):
    """As a shell sees it: exit code 1 and one line on stderr."""
    proc = run_process(["plan", "2026"], env, tmp_path, check=False)
    assert proc.returncode == 1
    assert "run `anquan db upgrade`" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_schema_behind_is_explained(env, tmp_path):
    run(["db", "upgrade"], env, tmp_path)
    import sqlite3

    con = sqlite3.connect(tmp_path / "data" / "anquan.db")
    con.execute("UPDATE alembic_version SET version_num = '0000'")
    con.commit()
    con.close()
    proc = run(["directory", "show"], env, tmp_path, check=False)
    assert proc.returncode == 1
    assert "schema is at revision 0000" in proc.stderr and "anquan db upgrade" in proc.stderr


def test_bad_setting_names_variable_without_traceback(tmp_path):
    proc = run(["db", "current"], {"ANQUAN_TIMEZONE": "Nowhere/Land"}, tmp_path, check=False)
    assert proc.returncode == 1
    assert "ANQUAN_TIMEZONE" in proc.stderr and "Traceback" not in proc.stderr


def test_whole_session_in_a_pipe(env, tmp_path):
    assert "upgraded from empty" in run(["db", "upgrade"], env, tmp_path).stdout
    assert "up to date" in run(["db", "upgrade"], env, tmp_path).stdout
    imported = run(["directory", "import", SAMPLE], env, tmp_path)
    assert "organisations 437 new" in imported.stdout
    assert imported.stderr == ""  # no progress bar in a pipe
    planned = json.loads(run(["plan", "2026", "--json"], env, tmp_path).stdout)
    assert planned["total_created"] > 4000 and planned["warnings"] == []
    again = run(["plan", "2026"], env, tmp_path).stdout
    assert "0 obligations created" in again
    rows = json.loads(run(["obligations", "list", "--org", "QL01", "--kind", "midyear_report", "--json"], env, tmp_path).stdout)
    assert len(rows) == 1 and rows[0]["due_on"] == "2026-07-05" and rows[0]["status"] == "open"
    oid = rows[0]["id"]
    scan = tmp_path / "report.pdf"
    scan.write_bytes(b"%PDF-1.4")
    out = run(["submit", oid, "--on", "2026-07-06", "--note", "迟交", "--file", scan], env, tmp_path).stdout
    assert f"Obligation {oid}: submitted on 2026-07-06, late." in out
    shown = json.loads(run(["obligations", "show", oid, "--json"], env, tmp_path).stdout)
    assert shown["status"] == "late" and shown["submissions"][0]["note"] == "迟交"
    late = json.loads(run(["obligations", "list", "--status", "late", "--json"], env, tmp_path).stdout)
    assert [r["id"] for r in late] == [oid]
    summary = json.loads(run(["directory", "show", "--json"], env, tmp_path).stdout)
    assert summary["organisations"]["township"] == 8 and summary["gaps"]
    table = run(["obligations", "list", "--year", "2026", "--limit", "3"], env, tmp_path).stdout
    assert "Showing 3 of" in table
    assert "equal a recount" in run(["db", "retally", "--check"], env, tmp_path).stdout
    import sqlite3

    con = sqlite3.connect(tmp_path / "data" / "anquan.db")  # a count written around the triggers
    con.execute("UPDATE obligation_tally SET n = n + 1 WHERE status = 'late'")
    con.commit()
    con.close()
    checked = run(["db", "retally", "--check"], env, tmp_path, check=False)
    assert checked.returncode == 1 and "late due 2026-07-05: kept 2, recounted 1" in checked.stdout
    assert "1 counts differed from a recount; counted afresh." in run(["db", "retally"], env, tmp_path).stdout
    assert "equal a recount" in run(["db", "retally", "--check"], env, tmp_path).stdout


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["plan", "nineteen"], "Invalid value"),
        (["plan", "1900"], "out of range"),
        (["obligations", "list", "--status", "done"], "status (--status): 'done' is not one of"),
        (["obligations", "list", "--kind", "nap"], "unknown obligation kind 'nap'"),
        (["obligations", "list", "--org", "NOPE"], "org_code (--org): no organisation with code 'NOPE'"),
        (["submit", "1", "--on", "yesterday"], "--on: 'yesterday' is not a date"),
        (["submit"], "give either an obligation ID or --import FILE"),
        (["submit", "999999"], "no obligation with id 999999"),
        (["directory", "import", "/nonexistent/dir"], "no such file or folder"),
        (["directory", "template", "out.csv"], "give a name ending in .xlsx"),
        (["rules", "check", "/nonexistent.yaml"], "cannot read the rules file"),
    ],
)
def test_bad_input_exits_nonzero_without_traceback(env, tmp_path, args, fragment):
    run(["db", "upgrade"], env, tmp_path)
    proc = run(args, env, tmp_path, check=False)
    assert proc.returncode != 0
    assert fragment in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_rejected_import_lists_rows(env, tmp_path):
    run(["db", "upgrade"], env, tmp_path)
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "organisations.csv").write_text(
        "code,name,kind,parent_code,sector,employees,dangerous_goods\nC1,县,county,,,,\nT1,镇,township,C9,,,\n", encoding="utf-8")
    (folder / "contacts.csv").write_text("org_code,name,role,email,phone\nT1,镇长,township_head,head@@x,\n", encoding="utf-8")
    proc = run(["directory", "import", folder], env, tmp_path, check=False)
    assert proc.returncode == 1
    assert "organisations, row 3, column parent_code: unknown parent C9" in proc.stderr
    assert "contacts, row 2, column email" in proc.stderr
    assert "nothing was written" in proc.stderr


def test_template_and_rules_check(env, tmp_path):
    out = run(["directory", "template", tmp_path / "county.xlsx"], env, tmp_path).stdout
    assert (tmp_path / "county.xlsx").is_file() and "Wrote" in out
    assert "valid, 13 obligation kinds" in run(["rules", "check"], env, tmp_path).stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text((PROJECT_ROOT / "config" / "cycle.yaml").read_text(encoding="utf-8").replace("day: last}", "day: 0}", 1), encoding="utf-8")
    proc = run(["rules", "check", bad], env, tmp_path, check=False)
    assert proc.returncode == 1 and "kinds.book_signing.due.day" in proc.stderr


def test_holidays_command(env, tmp_path):
    data = json.loads(run(["holidays", "2026", "--json"], env, tmp_path).stdout)
    assert data["source"] == "chinese-calendar"
    assert {h["name"] for h in data["long_holidays"]} == {"spring_festival", "labour_day", "national_day"}
    proc = run(["holidays", "2027"], env, tmp_path)
    assert "PROVISIONAL" in proc.stdout and "WARNING" in proc.stderr


def test_unreachable_database_is_a_clear_error(tmp_path):
    proc = run(["db", "upgrade"], {"ANQUAN_DATABASE_URL": "postgresql://postgres:pw-secret@127.0.0.1:1/anquan"}, tmp_path, check=False)
    assert proc.returncode == 1
    assert "error: cannot use the database" in proc.stderr
    assert "Traceback" not in proc.stderr and "pw-secret" not in proc.stderr


def test_progress_shows_on_a_terminal(env, tmp_path):
    import pty
    import select as _select

    run(["db", "upgrade"], env, tmp_path)
    run(["directory", "import", SAMPLE], env, tmp_path)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_")} | env | {"COLUMNS": "100", "TERM": "xterm"}
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(tmp_path)
        os.execve(ANQUAN[0], ANQUAN + ["plan", "2026"], full_env)
    output = b""
    while True:
        ready, _, _ = _select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        output += data
    _, status = os.waitpid(pid, 0)
    import re

    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output.decode("utf-8", "replace"))
    assert os.waitstatus_to_exitcode(status) == 0
    # The bar: its label, then a done/total counter of planning steps.
    assert re.search(r"plan\s.*?\d+/\d+", text), text
    assert "Planned 2026" in text


def test_readme_main_command_once(tmp_path):
    """`bash scripts/run` as the README gives it, stopping before it serves: in a copy of the checkout with its
    own data folder, so that a `.env` in the real checkout (a production host's) is never read."""
    copy = checkout_copy(tmp_path / "checkout")
    env = clean_env(ANQUAN_YEAR="2026")
    proc = subprocess.run(["bash", "scripts/run", "--once"], cwd=copy, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "organisations 437 new" in proc.stdout
    assert "Planned 2026" in proc.stdout
    assert "Tick " in proc.stdout and "Delivered" in proc.stdout
    assert (copy / "data" / "anquan.db").is_file() and any((copy / "data" / "mail").glob("*.eml"))
    # It keeps a signing key for the checkout, and the mail it wrote carries each recipient's link.
    key = copy / "data" / "secret_key"
    assert key.is_file() and oct(key.stat().st_mode & 0o777) == "0o600"
    mails = list((copy / "data" / "mail").rglob("*.eml"))
    assert mails and all(b"http://127.0.0.1:8000/l/" in _decoded(m) for m in mails[:20])


def _decoded(path) -> bytes:
    from email import message_from_bytes, policy

    return message_from_bytes(path.read_bytes(), policy=policy.default).get_body(("plain",)).get_content().encode()


def test_accident_indicators_and_assess_commands(env, tmp_path):
    run(["db", "upgrade"], env, tmp_path)
    run(["directory", "import", SAMPLE], env, tmp_path)
    run(["plan", "2026"], env, tmp_path)
    added = json.loads(run(["accident", "add", "--org", "QL01", "--date", "2026-05-03", "--kind", "road_traffic",
                            "--deaths", "2", "--injuries", "3", "--json"], env, tmp_path).stdout)
    assert added["liability"] is True and added["mails_queued"] >= 2
    proc = run(["accident", "add", "--org", "QL01E001", "--date", "2026-05-03", "--kind", "other", "--deaths", "1"],
               env, tmp_path, check=False)
    assert proc.returncode == 1 and "org_code (--org): QL01E001 is an enterprise" in proc.stderr and "use QL01" in proc.stderr
    run(["accident", "update", added["id"], "--deaths", "3", "--egregious"], env, tmp_path)
    shown = json.loads(run(["accident", "show", added["id"], "--json"], env, tmp_path).stdout)
    assert shown["deaths"] == 3 and shown["egregious"] is True
    (tmp_path / "ind.csv").write_text("org_code,year,max_accidents,max_deaths\nQL01,2026,1,5\n", encoding="utf-8")
    assert "1 new" in run(["indicators", "import", tmp_path / "ind.csv"], env, tmp_path).stdout
    run(["assess", "adjust", "--org", "QL02", "--year", "2026", "--points", "-2", "--item", "督查发现问题",
         "--reason", "三季度督查台账不全"], env, tmp_path)
    result = json.loads(run(["assess", "2026", "--as-of", "2027-01-15", "--json", "--xlsx", tmp_path / "a.xlsx",
                             "--docx", tmp_path / "a.docx"], env, tmp_path).stdout)
    ql01 = next(r for r in result if r["org_code"] == "QL01")
    assert ql01["vetoed"] and ql01["grade"] == "不合格" and ql01["veto_reasons"]
    ql02 = next(r for r in result if r["org_code"] == "QL02")
    assert {"item": "督查发现问题", "points": -2.0} in [{k: d[k] for k in ("item", "points")} for d in ql02["deductions"]]
    assert (tmp_path / "a.xlsx").is_file() and (tmp_path / "a.docx").is_file()
    one = run(["assess", "2026", "--org", "QL02", "--as-of", "2026-11-29"], env, tmp_path).stdout
    assert "Provisional: as of 2026-11-29" in one
    assert "督查发现问题" in one
    assert "valid" in run(["assess", "check-rubric"], env, tmp_path).stdout
    # The January run drafts; only a county admin's account approves it, once; an objection after 5 working days is refused.
    assert "Draft recorded; 3 mail(s) to the county office" in run(["assess", "draft", "2026", "--on", "2027-01-15"],
                                                                   env, tmp_path).stdout
    (tmp_path / "req.txt").write_text("（一）切实抓好汛期安全防范。\n", encoding="utf-8")
    run(["assess", "notice", "2026", "--requirements", tmp_path / "req.txt", "--copied-to", "县委办公室"], env, tmp_path)
    (tmp_path / "bad.txt").write_text("\n\n", encoding="utf-8")
    bad = run(["assess", "notice", "2026", "--requirements", tmp_path / "bad.txt", "--copied-to", "县委办公室"], env,
              tmp_path, check=False)
    assert bad.returncode == 1 and "requirements (--requirements)" in bad.stderr
    refused = run(["assess", "approve", "2026", "--by", "nobody@qinglan.example"], env, tmp_path, check=False)
    assert refused.returncode == 1 and "approver (--by)" in refused.stderr
    people = json.loads(run(["users", "contacts", "--json"], env, tmp_path).stdout)
    admin = next(p for p in people if p["role"] == "county_office")
    run(["users", "add", "--contact", str(admin["contact_id"]), "--role", "county_admin"], env, tmp_path)
    approved = json.loads(run(["assess", "approve", "2026", "--by", admin["email"], "--on", "2027-01-15", "--json"],
                              env, tmp_path).stdout)
    assert approved["notice_number"] == "青安委〔2027〕1号" and approved["mails_queued"] == 8 + 3
    issued = docx_paragraphs(Path(next(p for p in approved["written"] if p.endswith(".docx"))).read_bytes())
    assert "（一）切实抓好汛期安全防范。" in issued and "抄送：县委办公室。" in issued
    fixed = run(["assess", "notice", "2026", "--requirements", tmp_path / "req.txt", "--copied-to", "县政府办公室"], env,
                tmp_path, check=False)
    assert fixed.returncode == 1 and "not edited again" in fixed.stderr
    again = run(["assess", "approve", "2026", "--by", admin["email"]], env, tmp_path, check=False)
    assert again.returncode == 1 and "already approved" in again.stderr
    late = run(["assess", "objection", "2026", "--org", "QL02", "--raised-by", "龙潭乡人民政府", "--content", "请复核扣分",
                "--received", "2027-01-25"], env, tmp_path, check=False)
    assert late.returncode == 1 and "received_on (--received)" in late.stderr and "2027-01-22" in late.stderr


def test_risk_analysis_with_a_warning_sign_is_mailed_at_once(env, tmp_path):
    """`anquan submit ID --warning`: the analysis is recorded and the alert reaches a real SMTP server before the command ends."""
    from tests.support.smtp import SmtpSink

    run(["db", "upgrade"], env, tmp_path)
    run(["directory", "import", SAMPLE], env, tmp_path)
    run(["plan", "2026"], env, tmp_path)
    rows = json.loads(run(["obligations", "list", "--org", "QL04E006", "--kind", "monthly_risk_analysis", "--json"],
                          env, tmp_path).stdout)
    oid = next(r["id"] for r in rows if r["period"] == "2026-10")
    sink = SmtpSink().start()
    try:
        smtp = {**env, "ANQUAN_SMTP_HOST": "127.0.0.1", "ANQUAN_SMTP_PORT": str(sink.port), "ANQUAN_SMTP_SECURITY": "none"}
        proc = run(["submit", oid, "--on", "2026-10-30", "--warning", "仓库温度异常升高，烟感报警两次",
                    "--measures", "已停止作业"], smtp, tmp_path)
        assert f"Obligation {oid}: submitted on 2026-10-30" in proc.stdout
        assert "Warning sign #1 from QL04E006" in proc.stdout and "Delivered 5 message(s) via 127.0.0.1" in proc.stdout
        subjects = {str(r.message["Subject"]) for r in sink.received}
        assert subjects == {"【事故征兆】云溪金鹏烟花爆竹批发有限公司（云溪乡）报告事故征兆，请立即跟进"}
        assert len(sink.received) == 5 and all(r.rcpt_tos[0].endswith("@qinglan.example") for r in sink.received)
        # the same command again records history, no second alert mail
        again = run(["submit", oid, "--on", "2026-10-30", "--warning", "仓库温度异常升高，烟感报警两次",
                     "--measures", "已停止作业"], smtp, tmp_path)
        assert "already recorded; 0 mail(s) queued" in again.stdout and len(sink.received) == 5
    finally:
        sink.stop()
    wrong = json.loads(run(["obligations", "list", "--org", "QL04", "--kind", "midyear_report", "--json"],
                           env, tmp_path).stdout)[0]["id"]
    proc = run(["submit", wrong, "--warning", "xxxx"], env, tmp_path, check=False)
    assert proc.returncode == 1 and "go with an enterprise's monthly risk analysis" in proc.stderr
    assert "Traceback" not in proc.stderr
    listed = json.loads(run(["alert", "list", "--json"], env, tmp_path).stdout)
    assert [(a["org_code"], a["kind"]) for a in listed] == [("QL04E006", "warning_sign")]


def test_refused_smtp_login_is_one_clear_error_an_alert_in_mail_list_and_mail_retry(env, tmp_path):
    """A wrong SMTP password: `mail deliver` fails with the reason (no traceback), `mail list` shows the alert
    above the table, `mail retry` requeues; nothing failed for good."""
    from tests.support import SMALL_CONTACTS, SMALL_ORGS, write_csvs
    from tests.support.smtp import SmtpSink

    run(["db", "upgrade"], env, tmp_path)
    run(["directory", "import", write_csvs(tmp_path / "small", SMALL_ORGS, SMALL_CONTACTS)], env, tmp_path)
    run(["plan", "2026"], env, tmp_path)
    run(["tick", "--date", "2026-02-20"], env, tmp_path)
    sink = SmtpSink(auth=True).start()
    sink.behaviour.refuse_logins = True
    try:
        smtp = {**env, "ANQUAN_SMTP_HOST": "127.0.0.1", "ANQUAN_SMTP_PORT": str(sink.port), "ANQUAN_SMTP_SECURITY": "none",
                "ANQUAN_SMTP_USERNAME": "anquan", "ANQUAN_SMTP_PASSWORD": "wrong-password"}
        proc = run(["mail", "deliver"], smtp, tmp_path, check=False)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr
        assert "SMTP delivery halted" in proc.stderr and "535" in proc.stderr and "wrong-password" not in proc.stderr
        listed = run(["mail", "list"], smtp, tmp_path)
        assert "ALERT" in listed.stderr and "535" in listed.stderr
        assert "failed" not in {r["status"] for r in json.loads(run(["mail", "list", "--json"], smtp, tmp_path).stdout)}
        bad = run(["mail", "retry", "--failed-since", "yesterday"], smtp, tmp_path, check=False)
        assert bad.returncode != 0 and "--failed-since" in bad.stderr and "Traceback" not in bad.stderr
        sink.behaviour.refuse_logins = False
        requeued = json.loads(run(["mail", "retry", "--json"], smtp, tmp_path).stdout)["requeued"]
        assert requeued > 0
        assert f"Delivered {requeued} message(s)" in run(["mail", "deliver"], smtp, tmp_path).stdout
        assert "ALERT" not in run(["mail", "list"], smtp, tmp_path).stderr
    finally:
        sink.stop()


def test_assessing_a_year_never_planned_names_the_year():
    """A year never planned is refused (it used to grade every township 优秀); the error names the year, not --year."""
    run(["db", "upgrade"])
    run(["directory", "import", SAMPLE])
    ran = run(["assess", "2031"], check=False)
    assert ran.returncode != 0 and "year 2031 was never planned" in ran.stderr
    assert "--year" not in ran.stderr and "Traceback" not in ran.stderr


def test_report_form_is_made_on_demand(tmp_path):
    """`anquan report form` makes the pre-filled duty report now (not the snapshot of a reminder weeks ago)."""
    from tests.support import docx_text

    run(["db", "upgrade"])
    run(["directory", "import", SAMPLE])
    run(["plan", "2026"])
    ran = run(["report", "form", "2026", "--org", "QL01", "--half", "--as-of", "2026-07-01", "--out", tmp_path / "f.docx"])
    assert "Wrote" in ran.stdout
    text = docx_text((tmp_path / "f.docx").read_bytes())
    assert "（半年　石门镇）" in text and "系统记录”为截至2026年7月1日" in text
    assert "2026年第2季度安全生产工作会议，截止2026年6月30日" in text
    bad = run(["report", "form", "2026", "--org", "QL01V01"], check=False)
    assert bad.returncode != 0 and "org_code (--org)" in bad.stderr and "not a township" in bad.stderr


def test_books_for_a_year_never_planned_are_refused(tmp_path):
    """`book render 2030` used to write 116 books for a year nobody planned; render and send refuse it by name."""
    run(["db", "upgrade"])
    run(["directory", "import", SAMPLE])
    for args in (["book", "render", "2030", "--out", tmp_path / "books"], ["book", "send", "2030"]):
        ran = run(args, check=False)
        assert ran.returncode != 0 and "year 2030 is not planned" in ran.stderr and "anquan plan 2030" in ran.stderr
        assert "--year" not in ran.stderr and "Traceback" not in ran.stderr
    assert not (tmp_path / "books").exists()

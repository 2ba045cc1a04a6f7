import json

import pytest
from sqlalchemy import func, select

from anquan.directory.importer import import_directory, write_template
from anquan.directory.summary import directory_summary
from anquan.errors import InputRejected
from anquan.models.db import session_scope
from anquan.models.directory import Contact, Organisation
from tests.support import SAMPLE, SMALL_CONTACTS, SMALL_ORGS, write_csvs


def _counts(app):
    with session_scope(app.engine) as s:
        return (
            s.execute(select(func.count()).select_from(Organisation)).scalar_one(),
            s.execute(select(func.count()).select_from(Contact)).scalar_one(),
        )


def _import(app, path, **kw):
    with session_scope(app.engine) as s:
        return import_directory(session=s, path=path, **kw)


def _rejected(app, path) -> list:
    with pytest.raises(InputRejected) as exc:
        _import(app, path)
    return exc.value.problems


def test_import_small_county_and_tree_links(app, small_dir):
    report = _import(app, small_dir)
    assert report.organisations_created == 7 and report.contacts_created == 9
    with session_scope(app.engine) as s:
        orgs = {o.code: o for o in s.execute(select(Organisation)).scalars()}
    assert orgs["T1"].parent_id == orgs["C1"].id
    assert orgs["E1"].township_id == orgs["T1"].id
    assert orgs["T1"].township_id == orgs["T1"].id
    assert orgs["C1"].township_id is None and orgs["C1"].parent_id is None
    assert orgs["E1"].sector == "construction" and orgs["E1"].employees == 50


def test_reimport_updates_by_code_without_duplicating(app, small_dir, tmp_path):
    _import(app, small_dir)
    orgs = [r[:] for r in SMALL_ORGS]
    orgs[5][1] = "东山建筑工程有限公司"  # renamed
    contacts = SMALL_CONTACTS + [["E2", "新安全员", "enterprise_safety_manager", "safety@e2.example", ""]]
    contacts = [c for c in contacts if c[3] != "so2@t1.example"]  # dropped from T1's list
    report = _import(app, write_csvs(tmp_path / "again", orgs, contacts))
    assert (report.organisations_created, report.organisations_updated, report.organisations_unchanged) == (0, 1, 6)
    assert (report.contacts_created, report.contacts_deactivated) == (1, 1)
    assert _counts(app) == (7, 10)
    with session_scope(app.engine) as s:
        assert s.execute(select(Organisation.name).where(Organisation.code == "E1")).scalar_one() == "东山建筑工程有限公司"
        dropped = s.execute(select(Contact).where(Contact.email == "so2@t1.example")).scalar_one()
        assert dropped.active is False


def test_import_adds_to_existing_tree(app, small_dir, tmp_path):
    _import(app, small_dir)
    more = write_csvs(tmp_path / "more", [["E3", "新企业", "enterprise", "V1", "fireworks", "12", "true"]],
                      [["E3", "冯老板", "enterprise_principal", "boss@e3.example", ""]])
    report = _import(app, more)
    assert report.organisations_created == 1
    with session_scope(app.engine) as s:
        e3 = s.execute(select(Organisation).where(Organisation.code == "E3")).scalar_one()
        t1 = s.execute(select(Organisation).where(Organisation.code == "T1")).scalar_one()
    assert e3.township_id == t1.id and e3.dangerous_goods is True


def test_every_problem_is_listed_and_nothing_written(app, tmp_path):
    orgs = [
        ["C1", "测试县", "county", "", "", "", ""],
        ["T1", "东山镇", "township", "C1", "", "", ""],
        ["T1", "重复镇", "township", "C1", "", "", ""],               # duplicate code
        ["E1", "企业甲", "enterprise", "T1", "construction", "x", ""],  # bad employees
        ["V9", "悬空村", "village", "NOPE", "", "", ""],               # unknown parent
        ["V8", "企业下的村", "village", "E1", "", "", ""],              # village under an enterprise
        ["T7", "无长镇", "township", "C1", "", "", ""],                # township with no head
        ["E2", "企业乙", "enterprise", "T1", "mining", "", "maybe"],   # bad sector and bool
        ["X1", "怪", "hamlet", "T1", "", "", ""],                      # bad kind
    ]
    contacts = [
        ["T1", "李镇长", "township_head", "head@t1.example", ""],
        ["T1", "坏邮箱", "safety_office", "not-an-email", ""],
        ["T1", "某人", "village_safety_officer", "x@t1.example", ""],  # role at wrong kind
        ["T1", "某人", "mayor", "y@t1.example", ""],                   # unknown role
        ["ZZ", "无处", "unit_head", "z@zz.example", ""],               # unknown organisation
    ]
    problems = _rejected(app, write_csvs(tmp_path / "bad", orgs, contacts))
    found = {(p.sheet, p.row, p.column) for p in problems}
    reasons = " | ".join(p.reason for p in problems)
    expected = {
        ("organisations", 4, "code"),
        ("organisations", 5, "employees"),
        ("organisations", 6, "parent_code"),
        ("organisations", 7, "parent_code"),
        ("organisations", 8, "code"),
        ("organisations", 9, "sector"),
        ("organisations", 9, "dangerous_goods"),
        ("organisations", 10, "kind"),
        ("contacts", 3, "email"),
        ("contacts", 4, "role"),
        ("contacts", 5, "role"),
        ("contacts", 6, "org_code"),
    }
    assert expected <= found, found
    assert "duplicate code T1 (first at row 3)" in reasons
    assert "unknown parent NOPE" in reasons
    assert "a village cannot stand under E1, an enterprise" in reasons
    assert "township T7 has no township_head contact" in reasons
    assert _counts(app) == (0, 0)


def test_a_cycle_is_named(app, small_dir, tmp_path):
    _import(app, small_dir)
    # Re-parenting T1 under V1 (which stands under T1) closes a loop.
    problems = _rejected(app, write_csvs(tmp_path / "cycle", [["T1", "东山镇", "township", "V1", "", "", ""]], []))
    assert any("cycle: T1 → V1 → T1" in p.reason for p in problems)


def test_missing_column_and_missing_file(app, tmp_path):
    folder = tmp_path / "cols"
    folder.mkdir()
    (folder / "organisations.csv").write_text("code,name,kind\nC1,县,county\n", encoding="utf-8")
    problems = _rejected(app, folder)
    assert ("organisations", 1, "parent_code") in {(p.sheet, p.row, p.column) for p in problems}
    assert any(p.sheet == "contacts" and "missing" in p.reason for p in problems)


def test_csv_with_bom_is_read(app, tmp_path):
    report = _import(app, write_csvs(tmp_path / "bom", SMALL_ORGS, SMALL_CONTACTS, bom=True))
    assert report.organisations_created == 7


def test_dry_run_writes_nothing(app, small_dir):
    with session_scope(app.engine) as s:
        report = import_directory(session=s, path=small_dir, dry_run=True)
        s.rollback()
    assert report.organisations_created == 7 and report.dry_run
    assert _counts(app) == (0, 0)


def test_template_round_trips(app, tmp_path, small_dir):
    _import(app, small_dir)  # the template's example enterprise hangs under QL01, so add it first
    _import(app, write_csvs(tmp_path / "ql", [["QL", "青岚县", "county", "", "", "", ""], ["QL01", "石门镇", "township", "QL", "", "", ""]],
                            [["QL01", "镇长", "township_head", "h@ql01.example", ""]]))
    path = write_template(tmp_path / "t.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    assert [ws.title for ws in wb.worksheets] == ["organisations", "contacts", "values"]
    assert [c.value for c in wb["organisations"][1]] == ["code", "name", "kind", "parent_code", "sector", "employees", "dangerous_goods"]
    assert [c.value for c in wb["contacts"][1]] == ["org_code", "name", "role", "email", "phone", "full_time"]
    report = _import(app, path)
    assert report.organisations_created == 1 and report.contacts_created == 1


def test_xlsx_errors_carry_sheet_and_row(app, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "organisations"
    ws.append(["code", "name", "kind", "parent_code", "sector", "employees", "dangerous_goods"])
    ws.append(["C1", "县", "county", None, None, None, None])
    ws.append(["T1", "镇", "township", "C1", None, None, None])
    ws2 = wb.create_sheet("contacts")
    ws2.append(["org_code", "name", "role", "email", "phone"])
    ws2.append(["T1", "镇长", "township_head", "bad@", None])
    wb.save(tmp_path / "d.xlsx")
    problems = _rejected(app, tmp_path / "d.xlsx")
    assert [(p.sheet, p.row, p.column) for p in problems if p.column == "email"] == [("contacts", 2, "email")]


def test_sample_county_imports_with_its_gaps(county):
    with session_scope(county.engine) as s:
        summary = directory_summary(session=s, rules=county.rules)
    assert summary["organisations"]["township"] == 8
    assert summary["organisations"]["enterprise"] >= 300
    gaps = {(g["org_code"], g["gap"]) for g in summary["gaps"]}
    assert ("QL03", "safety_office_staff") in gaps
    assert {("QL02V03", "no_village_safety_officer"), ("QL02V05", "no_village_safety_officer"),
            ("QL05V02", "no_village_safety_officer")} <= gaps
    no_manager = {code for code, gap in gaps if gap == "no_safety_manager"}
    # Only mines, construction, dangerous goods and over 300 employees need a full-time manager (it was 15 when road
    # transport, water transport and crowded places did too).
    assert len(no_manager) == 7 and "QL02E013" in no_manager  # 820 employees, sector other
    # Low-risk small enterprises without a manager are not gaps.
    assert "QL01E027" not in no_manager
    json.dumps(summary, ensure_ascii=False)  # serialisable as the CLI prints it


def test_names_with_control_characters_are_refused_with_their_row(app, tmp_path):
    from anquan.errors import InputRejected

    orgs = [list(o) for o in SMALL_ORGS]
    orgs[5][1] = "东山\t建筑公司"
    contacts = [list(c) for c in SMALL_CONTACTS]
    contacts[1][1] = "李\x07镇长"
    with pytest.raises(InputRejected) as caught:
        with app.session() as s:
            import_directory(session=s, path=write_csvs(tmp_path / "ctl", orgs, contacts))
    where = {(p.sheet, p.row, p.column) for p in caught.value.problems}
    assert ("organisations", 7, "name") in where and ("contacts", 3, "name") in where
    with app.session() as s:
        assert s.execute(select(func.count()).select_from(Organisation)).scalar_one() == 0


def test_full_time_column_is_optional_and_checked(app, tmp_path):
    """contacts.csv may say whether a contact is full-time (专职); a value that is not yes/no names its row and column."""
    from anquan.models.directory import Contact

    contacts = SMALL_CONTACTS + [["E2", "新安全员", "enterprise_safety_manager", "safety@e2.example", "", "是"]]
    with session_scope(app.engine) as s:
        import_directory(session=s, path=write_csvs(tmp_path / "ft", SMALL_ORGS, contacts))
        full_time = dict(s.execute(select(Contact.email, Contact.full_time)).all())
    assert full_time["safety@e2.example"] is True and full_time["safety@e1.example"] is True
    assert full_time["boss@e1.example"] is None  # empty: the directory does not say
    bad = SMALL_CONTACTS + [["E2", "新安全员", "enterprise_safety_manager", "safety@e2.example", "", "maybe"]]
    with pytest.raises(InputRejected) as exc:
        with session_scope(app.engine) as s:
            import_directory(session=s, path=write_csvs(tmp_path / "bad", SMALL_ORGS, bad))
    assert [(p.sheet, p.row, p.column) for p in exc.value.problems] == [("contacts", len(bad) + 1, "full_time")]

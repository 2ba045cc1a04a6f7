"""The counties tests run on: the shipped sample county, and small directories written as CSV folders."""

from __future__ import annotations

import csv
from pathlib import Path

from anquan.resources import sample_county

SAMPLE = sample_county()
REPO_ROOT = Path(__file__).resolve().parents[2]  # the checkout (scripts/, README) for tests of the two commands


def write_csvs(folder: Path, orgs: list[list], contacts: list[list], bom: bool = False) -> Path:
    """A directory import folder from rows (header added)."""
    folder.mkdir(parents=True, exist_ok=True)
    enc = "utf-8-sig" if bom else "utf-8"
    with open(folder / "organisations.csv", "w", newline="", encoding=enc) as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "kind", "parent_code", "sector", "employees", "dangerous_goods"])
        w.writerows(orgs)
    with open(folder / "contacts.csv", "w", newline="", encoding=enc) as fh:
        w = csv.writer(fh)
        w.writerow(["org_code", "name", "role", "email", "phone"] + (["full_time"] if any(len(r) > 5 for r in contacts) else []))
        w.writerows(contacts)
    return folder


# A small valid county used by many tests.
SMALL_ORGS = [
    ["C1", "测试县", "county", "", "", "", ""],
    ["T1", "东山镇", "township", "C1", "", "", ""],
    ["T2", "西河乡", "township", "C1", "", "", ""],
    ["V1", "上村", "village", "T1", "", "", ""],
    ["U1", "东山中心小学", "unit", "T1", "", "", ""],
    ["E1", "东山建筑公司", "enterprise", "T1", "construction", "50", "false"],
    ["E2", "西河百货店", "enterprise", "T2", "other", "8", "false"],
]
SMALL_CONTACTS = [
    ["C1", "县安委办甲", "county_office", "office@county.example", ""],
    ["T1", "李镇长", "township_head", "head@t1.example", "13800000001"],
    ["T1", "王安监", "safety_office", "so1@t1.example", ""],
    ["T1", "赵安监", "safety_office", "so2@t1.example", ""],
    ["T2", "周乡长", "township_head", "head@t2.example", ""],
    ["V1", "钱安全员", "village_safety_officer", "v1@t1.example", ""],
    ["E1", "孙经理", "enterprise_principal", "boss@e1.example", ""],
    ["E1", "吴安全", "enterprise_safety_manager", "safety@e1.example", "", "true"],
    ["E2", "郑老板", "enterprise_principal", "boss@e2.example", ""],
]

"""The county directory: importing it (all or nothing) and the empty workbook to fill in."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, insert, select
from sqlmodel import Session

from anquan.errors import AnquanError, InputRejected, Problem
from anquan.tabular import Sheet, has_control_characters, parse_bool, read_csv, read_workbook, whole
from anquan.models.obligations import PlanStamp
from anquan.models.directory import ALLOWED_PARENTS, ROLE_ORG_KIND, Contact, Organisation, OrgKind, Role, Sector
from anquan.models.bulk import update_by_id
from anquan.directory.links import revoke_contacts
from anquan.models.types import utcnow

ORG_SHEET = "organisations"
CONTACT_SHEET = "contacts"
ORG_COLUMNS = ["code", "name", "kind", "parent_code", "sector", "employees", "dangerous_goods"]
CONTACT_COLUMNS = ["org_code", "name", "role", "email", "phone", "full_time"]
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,30}$")

Progress = Callable[[str, int, int], None]


@dataclass
class _Org:
    row: int
    code: str
    name: str
    kind: OrgKind
    parent_code: str
    sector: str | None
    employees: int | None
    dangerous_goods: bool


@dataclass
class _Contact:
    row: int
    org_code: str
    name: str
    role: Role
    email: str
    phone: str | None
    full_time: bool | None = None  # empty or no column: the directory does not say


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    organisations_created: int = 0
    organisations_updated: int = 0
    organisations_unchanged: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    contacts_unchanged: int = 0
    contacts_deactivated: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


# -- reading ---------------------------------------------------------------

def _read_sources(path: Path, problems: list[Problem]) -> dict[str, Sheet]:
    path = Path(path)
    wanted = {ORG_SHEET: ["code", "name", "kind", "parent_code"], CONTACT_SHEET: ["org_code", "name", "role", "email"]}
    if path.is_dir():
        sheets = {}
        for name, required in wanted.items():
            csv_path = path / f"{name}.csv"
            if not csv_path.is_file():
                problems.append(Problem(name, None, None, f"{csv_path} is missing"))
                continue
            sheet = read_csv(csv_path, name, problems, required)
            if sheet is not None:
                sheets[name] = sheet
        return sheets
    if path.is_file() and path.suffix.lower() in {".xlsx", ".xlsm"}:
        return read_workbook(path, wanted, problems)
    if not path.exists():
        raise AnquanError(f"no such file or folder: {path}")
    raise AnquanError(f"{path}: expected an .xlsx workbook or a folder holding organisations.csv and contacts.csv")


def _checked_name(r: dict[str, str], sheet: str, row: int, limit: int, problems: list[Problem]) -> str:
    """A row's name, with a problem noted if it is empty, too long or holds a control character."""
    name = r.get("name", "")
    if not name:
        problems.append(Problem(sheet, row, "name", "empty"))
    elif len(name) > limit:
        problems.append(Problem(sheet, row, "name", f"longer than {limit} characters"))
    elif has_control_characters(name):
        problems.append(Problem(sheet, row, "name", "holds a line break or another control character"))
    return name


def _parse_orgs(sheet: Sheet, problems: list[Problem]) -> list[_Org]:
    out, first_row = [], {}
    for row, r in sheet.rows:
        code = r.get("code", "")
        if not code:
            problems.append(Problem(ORG_SHEET, row, "code", "empty"))
        elif not CODE_RE.match(code):
            problems.append(Problem(ORG_SHEET, row, "code", f"{code!r} is not a code (letters, digits, _ . -; at most 32)"))
        elif code in first_row:
            problems.append(Problem(ORG_SHEET, row, "code", f"duplicate code {code} (first at row {first_row[code]})"))
        else:
            first_row[code] = row
        name = _checked_name(r, ORG_SHEET, row, 200, problems)
        kind = None
        try:
            kind = OrgKind(r.get("kind", "").lower())
        except ValueError:
            problems.append(Problem(ORG_SHEET, row, "kind", f"{r.get('kind')!r} is not one of {', '.join(k.value for k in OrgKind)}"))
        sector = r.get("sector", "").lower() or None
        if sector is not None and sector not in Sector.__members__:
            problems.append(Problem(ORG_SHEET, row, "sector", f"{sector!r} is not one of {', '.join(s.value for s in Sector)}"))
        elif kind == OrgKind.enterprise and sector is None:
            problems.append(Problem(ORG_SHEET, row, "sector", "an enterprise needs a sector"))
        employees = None
        if r.get("employees", ""):
            try:
                employees = whole(r["employees"])
                if employees < 0:
                    raise ValueError
            except ValueError:
                problems.append(Problem(ORG_SHEET, row, "employees", f"{r['employees']!r} is not a whole number ≥ 0"))
        dangerous = False
        try:
            dangerous = bool(parse_bool(r.get("dangerous_goods", "")))
        except ValueError as exc:
            problems.append(Problem(ORG_SHEET, row, "dangerous_goods", str(exc)))
        # A row with problems in other fields still takes its place in the tree,
        # so that its children are not reported as orphans as well.
        if kind is not None and code and first_row.get(code) == row:
            out.append(_Org(row, code, name, kind, r.get("parent_code", ""), sector, employees, dangerous))
    return out


def _parse_contacts(sheet: Sheet, problems: list[Problem]) -> list[_Contact]:
    out, seen = [], {}
    for row, r in sheet.rows:
        bad = len(problems)
        org_code = r.get("org_code", "")
        if not org_code:
            problems.append(Problem(CONTACT_SHEET, row, "org_code", "empty"))
        name = _checked_name(r, CONTACT_SHEET, row, 100, problems)
        role = None
        try:
            role = Role(r.get("role", "").lower())
        except ValueError:
            problems.append(Problem(CONTACT_SHEET, row, "role", f"{r.get('role')!r} is not one of {', '.join(x.value for x in Role)}"))
        email = r.get("email", "")
        if not email:
            problems.append(Problem(CONTACT_SHEET, row, "email", "empty"))
        else:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError as exc:
                problems.append(Problem(CONTACT_SHEET, row, "email", f"{email!r} is not a valid address: {exc}"))
        phone = r.get("phone", "") or None
        if phone and not PHONE_RE.match(phone):
            problems.append(Problem(CONTACT_SHEET, row, "phone", f"{phone!r} is not a phone number"))
        full_time = None
        try:
            full_time = parse_bool(r.get("full_time", "") or "")
        except ValueError as exc:
            problems.append(Problem(CONTACT_SHEET, row, "full_time", str(exc)))
        if len(problems) == bad and role is not None:
            key = (org_code, role, email.lower())
            if key in seen:
                problems.append(Problem(CONTACT_SHEET, row, "email", f"the same person and role is already at row {seen[key]}"))
                continue
            seen[key] = row
            out.append(_Contact(row, org_code, name, role, email, phone, full_time))
    return out


# -- checking ----------------------------------------------------------------

def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _check_tree(orgs: list[_Org], existing: dict[str, tuple[int, str, str | None]], problems: list[Problem]) -> dict[str, tuple[str, str | None]]:
    """Check parents, kinds and cycles. Returns code -> (kind, parent_code) for file and database together."""
    tree: dict[str, tuple[str, str | None]] = {code: (kind, parent) for code, (_id, kind, parent) in existing.items()}
    for o in orgs:
        tree[o.code] = (o.kind.value, o.parent_code or None)
    for o in orgs:
        if o.kind == OrgKind.county:
            if o.parent_code:
                problems.append(Problem(ORG_SHEET, o.row, "parent_code", "a county has no parent; leave it empty"))
            continue
        if not o.parent_code:
            problems.append(Problem(ORG_SHEET, o.row, "parent_code", f"{_a(o.kind.value)} needs a parent"))
            continue
        if o.parent_code not in tree:
            problems.append(Problem(ORG_SHEET, o.row, "parent_code", f"unknown parent {o.parent_code} (not in the file nor in the directory)"))
            continue
        # Walk up to find a loop before judging kinds, so a loop is named as such.
        seen, code = [o.code], o.parent_code
        while code is not None and code in tree and code not in seen:
            seen.append(code)
            code = tree[code][1]
        if code in seen:
            loop = seen[seen.index(code):] + [code]
            problems.append(Problem(ORG_SHEET, o.row, "parent_code", "cycle: " + " → ".join(loop)))
            continue
        parent_kind = OrgKind(tree[o.parent_code][0])
        if parent_kind not in ALLOWED_PARENTS[o.kind]:
            allowed = " or ".join(sorted(k.value for k in ALLOWED_PARENTS[o.kind]))
            problems.append(Problem(
                ORG_SHEET, o.row, "parent_code",
                f"{_a(o.kind.value)} cannot stand under {o.parent_code}, {_a(parent_kind.value)} (its parent must be {_a(allowed)})",
            ))
    return tree


def _check_contacts(contacts: list[_Contact], tree: dict[str, tuple[str, str | None]], problems: list[Problem]) -> None:
    for c in contacts:
        if c.org_code not in tree:
            problems.append(Problem(CONTACT_SHEET, c.row, "org_code", f"unknown organisation {c.org_code}"))
            continue
        org_kind = tree[c.org_code][0]
        if ROLE_ORG_KIND[c.role].value != org_kind:
            problems.append(Problem(
                CONTACT_SHEET, c.row, "role",
                f"{c.role.value} is a role at {_a(ROLE_ORG_KIND[c.role].value)}, but {c.org_code} is {_a(org_kind)}",
            ))


def _check_heads(orgs, contacts, tree, session: Session, problems: list[Problem]) -> None:
    """Every township must have a head after the import (the file's contacts replace a listed org's)."""
    listed = defaultdict(list)
    for c in contacts:
        listed[c.org_code].append(c)
    db_heads = set(session.execute(
        select(Organisation.code).join(Contact, Contact.org_id == Organisation.id)
        .where(Contact.role == Role.township_head.value, Contact.active)
    ).scalars())
    org_row = {o.code: o.row for o in orgs}
    for code, (kind, _parent) in tree.items():
        if kind != OrgKind.township.value:
            continue
        if code in listed:
            has_head = any(c.role == Role.township_head for c in listed[code])
        else:
            has_head = code in db_heads
        if has_head:
            continue
        if code in org_row:
            problems.append(Problem(ORG_SHEET, org_row[code], "code", f"township {code} has no township_head contact"))
        else:
            problems.append(Problem(CONTACT_SHEET, listed[code][0].row, "org_code", f"township {code} has no township_head contact"))


# -- writing -----------------------------------------------------------------

def _township_of(code: str, tree: dict[str, tuple[str, str | None]]) -> str | None:
    while code is not None:
        kind, parent = tree[code]
        if kind == OrgKind.township.value:
            return code
        if kind == OrgKind.county.value:
            return None
        code = parent
    return None


def import_directory(*, session: Session, path: Path, dry_run: bool = False, progress: Progress | None = None) -> ImportReport:
    """Import organisations and contacts, all or nothing.

    Raises InputRejected listing every problem (sheet, row, column, reason);
    nothing is written then. Organisations are matched by code; the contacts
    listed for an organisation replace its earlier ones (those no longer
    listed are kept but made inactive).
    """
    problems: list[Problem] = []
    sheets = _read_sources(path, problems)
    orgs = _parse_orgs(sheets[ORG_SHEET], problems) if ORG_SHEET in sheets else []
    contacts = _parse_contacts(sheets[CONTACT_SHEET], problems) if CONTACT_SHEET in sheets else []

    existing = {
        code: (oid, kind, parent)
        for oid, code, kind, parent in session.execute(
            select(Organisation.id, Organisation.code, Organisation.kind, Organisation.parent_id)
        ).all()
    }
    code_by_id = {oid: code for code, (oid, _k, _p) in existing.items()}
    existing = {code: (oid, kind, code_by_id.get(parent)) for code, (oid, kind, parent) in existing.items()}
    tree = _check_tree(orgs, existing, problems)
    _check_contacts(contacts, tree, problems)
    if not any(p.sheet in (ORG_SHEET, CONTACT_SHEET) and p.row is None for p in problems):
        _check_heads(orgs, contacts, tree, session, problems)
    if problems:
        problems.sort(key=lambda p: (p.sheet != ORG_SHEET, p.row or 0))
        raise InputRejected(f"{path}", problems)

    report = ImportReport(source=str(path), dry_run=dry_run)
    report.by_kind = dict(Counter(o.kind.value for o in orgs))
    now = utcnow()

    # Organisations: insert the new ones, update the changed ones, then link parents.
    current = {
        row.code: row
        for row in session.execute(
            select(Organisation.id, Organisation.code, Organisation.name, Organisation.kind, Organisation.sector,
                   Organisation.employees, Organisation.dangerous_goods, Organisation.parent_id, Organisation.township_id)
        ).all()
    }
    new_rows, changed_rows = [], []
    for o in orgs:
        values = {"name": o.name, "kind": o.kind.value, "sector": o.sector, "employees": o.employees, "dangerous_goods": o.dangerous_goods}
        cur = current.get(o.code)
        if cur is None:
            new_rows.append({"code": o.code, **values, "created_at": now, "updated_at": now})
        elif any(getattr(cur, k) != v for k, v in values.items()) or code_by_id.get(cur.parent_id) != (o.parent_code or None):
            changed_rows.append({"id": cur.id, **values, "updated_at": now})
        else:
            report.organisations_unchanged += 1
    report.organisations_created = len(new_rows)
    report.organisations_updated = len(changed_rows)

    total = len(orgs) + len(contacts)
    if progress:
        progress("import", 0, total)
    if not dry_run:
        ids = _write_organisations(session, orgs=orgs, tree=tree, new_rows=new_rows, changed_rows=changed_rows)
        if progress:
            progress("import", len(orgs), total)
    else:
        ids = {code: oid for code, (oid, _k, _p) in existing.items()}

    _sync_contacts(session, contacts, ids, report, dry_run, now)
    if progress:
        progress("import", total, total)
    if not dry_run:
        session.flush()
    return report


def _write_organisations(session: Session, *, orgs: list[_Org], tree: dict[str, tuple[str, str | None]],
                         new_rows: list[dict], changed_rows: list[dict]) -> dict[str, int]:
    """Insert the new organisations, update the changed ones, then link parents and townships; {code: id}."""
    for start in range(0, len(new_rows), 2000):
        session.execute(insert(Organisation), new_rows[start:start + 2000])
    update_by_id(session, Organisation, changed_rows)
    if changed_rows:
        # A changed organisation (kind, sector, parent…) is planned afresh next time.
        ids_changed = [r["id"] for r in changed_rows]
        for start in range(0, len(ids_changed), 1000):
            session.execute(delete(PlanStamp).where(PlanStamp.org_id.in_(ids_changed[start:start + 1000])))
    ids = dict(session.execute(select(Organisation.code, Organisation.id)).all())
    links = []
    for o in orgs:
        township = _township_of(o.code, tree)
        links.append({
            "id": ids[o.code],
            "parent_id": ids.get(o.parent_code) if o.parent_code else None,
            "township_id": ids.get(township) if township else None,
        })
    update_by_id(session, Organisation, links)
    return ids


def _sync_contacts(session: Session, contacts: list[_Contact], ids: dict[str, int], report: ImportReport, dry_run: bool, now) -> None:
    if not contacts:
        return
    listed_codes = {c.org_code for c in contacts}
    listed_ids = [ids[c] for c in listed_codes if c in ids]
    current: dict[tuple[int, str, str], Contact] = {}
    for start in range(0, len(listed_ids), 1000):
        chunk = listed_ids[start:start + 1000]
        for row in session.execute(
            select(Contact.id, Contact.org_id, Contact.role, Contact.email, Contact.name, Contact.phone, Contact.active,
                   Contact.full_time)
            .where(Contact.org_id.in_(chunk))
        ).all():
            current[(row.org_id, row.role, row.email.lower())] = row
    seen = set()
    new_rows, changed = [], []
    for c in contacts:
        org_id = ids.get(c.org_code)
        key = (org_id, c.role.value, c.email.lower())
        seen.add(key)
        cur = current.get(key) if org_id is not None else None
        if cur is None:
            new_rows.append({"org_id": org_id, "name": c.name, "role": c.role.value, "email": c.email, "phone": c.phone,
                             "full_time": c.full_time, "active": True, "created_at": now, "updated_at": now})
        elif (cur.name, cur.phone, cur.active, cur.full_time) != (c.name, c.phone, True, c.full_time):
            changed.append({"id": cur.id, "name": c.name, "phone": c.phone, "full_time": c.full_time, "active": True,
                            "updated_at": now})
        else:
            report.contacts_unchanged += 1
    dropped = [{"id": row.id, "active": False, "updated_at": now} for key, row in current.items() if key not in seen and row.active]
    report.contacts_created = len(new_rows)
    report.contacts_updated = len(changed)
    report.contacts_deactivated = len(dropped)
    if dry_run:
        return
    for start in range(0, len(new_rows), 2000):
        session.execute(insert(Contact), new_rows[start:start + 2000])
    update_by_id(session, Contact, changed)
    update_by_id(session, Contact, dropped)
    # A contact who left the directory can no longer open a page with a link mailed before.
    revoke_contacts(session, contact_ids=[d["id"] for d in dropped])


# -- the template ------------------------------------------------------------

def write_template(path: Path) -> Path:
    """An empty directory workbook: the two sheets with headers, one example row each, and the allowed values."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise AnquanError(f"{path}: the template is an .xlsx workbook; give a name ending in .xlsx")
    wb = Workbook()
    ws = wb.active
    ws.title = ORG_SHEET
    ws.append(ORG_COLUMNS)
    ws.append(["QL01E001", "青岚县石门建筑工程有限公司", "enterprise", "QL01", "construction", 120, "false"])
    ws2 = wb.create_sheet(CONTACT_SHEET)
    ws2.append(CONTACT_COLUMNS)
    ws2.append(["QL01E001", "张伟", "enterprise_principal", "principal@ql01e001.example", "13800000000"])
    ws3 = wb.create_sheet("values")
    ws3.append(["kind", "allowed parent kinds", "sector", "role", "role is held at"])
    kinds = list(OrgKind)
    roles = list(Role)
    sectors = list(Sector)
    for i in range(max(len(kinds), len(roles), len(sectors))):
        k = kinds[i] if i < len(kinds) else None
        ws3.append([
            k.value if k else None,
            ", ".join(sorted(p.value for p in ALLOWED_PARENTS[k])) if k else None,
            sectors[i].value if i < len(sectors) else None,
            roles[i].value if i < len(roles) else None,
            ROLE_ORG_KIND[roles[i]].value if i < len(roles) else None,
        ])
    for sheet in (ws, ws2, ws3):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for col in sheet.columns:
            sheet.column_dimensions[col[0].column_letter].width = 24
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path

"""Word documents from templates county IT can edit in Word (docxtpl: Jinja2 fields inside .docx).

A template whose fields are broken, or name a field Anquan does not provide,
is rejected with the field's name before anything is sent.
"""

from __future__ import annotations

import io
import threading
from datetime import date
from pathlib import Path

from jinja2 import Environment, StrictUndefined, TemplateSyntaxError, UndefinedError
from sqlalchemy import select
from sqlmodel import Session

from anquan.errors import AnquanError, InvalidValue, NotFound, TemplateError
from anquan.models.directory import ROLE_ORG_KIND, Contact, Organisation, OrgKind, Role
from anquan.models.obligations import Obligation, ObligationStatus
from anquan.models.records import ControlIndicator
from anquan.resources import templates_dir
from anquan.tabular import safe_filename
from anquan.vocabulary import BOOK_SIGNING, ROLE_LABELS, role_title

DOCUMENTS_DIR = templates_dir("documents")


class _DocumentEnvironment(Environment):
    """Compiles each distinct part of a Word template once per process.

    docxtpl hands every XML part of the .docx to `from_string` on every render; a county's 300 books share
    the same few parts, so the compiled template is kept by its source (compiling was a third of the time).
    """

    def __init__(self) -> None:
        # Every value is XML-escaped: a name like 白沙&镇 or one holding markup must stay text in the document.
        super().__init__(undefined=StrictUndefined, autoescape=True)
        self._compiled: dict[str, object] = {}
        self._lock = threading.Lock()

    def from_string(self, source, globals=None, template_class=None):
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        with self._lock:
            found = self._compiled.get(source)
        if found is None:
            found = super().from_string(source)
            with self._lock:
                if len(self._compiled) >= 64:  # an edited template's old parts go, not the process's memory
                    self._compiled.clear()
                self._compiled[source] = found
        return found


_ENVIRONMENT = _DocumentEnvironment()


def _env() -> Environment:
    return _ENVIRONMENT


def check_template(path: Path, provided: set[str]) -> None:
    """Refuse a template that does not parse or that uses a field outside `provided`."""
    from docxtpl import DocxTemplate

    try:
        tpl = DocxTemplate(str(path))
        used = tpl.get_undeclared_template_variables(_env())
    except TemplateSyntaxError as exc:
        raise TemplateError(f"{path.name}: a broken field near line {exc.lineno} of its text: {exc.message}") from None
    except Exception as exc:  # a damaged .docx
        raise TemplateError(f"{path.name}: cannot be read as a Word template: {exc}") from None
    unknown = sorted(set(used) - provided)
    if unknown:
        raise TemplateError(f"{path.name}: unknown field(s) {', '.join(unknown)}; the fields are: {', '.join(sorted(provided))}")


def render_docx(path: Path, context: dict, *, check: bool = True) -> bytes:
    """Render a template; `check=False` when the caller checked it once for a whole batch."""
    from docxtpl import DocxTemplate

    if check:
        check_template(path, set(context))
    tpl = DocxTemplate(str(path))
    try:
        tpl.render(context, _env())
    except UndefinedError as exc:
        raise TemplateError(f"{path.name}: field {exc.message}") from None
    except TemplateSyntaxError as exc:
        raise TemplateError(f"{path.name}: a broken field: {exc.message}") from None
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def _first(session: Session, org_id: int | None, role: Role) -> str:
    if org_id is None:
        return ""
    return session.execute(
        select(Contact.name).where(Contact.org_id == org_id, Contact.role == role.value, Contact.active).order_by(Contact.id)
    ).scalars().first() or ""


def book_context(session: Session, org: Organisation, year: int) -> tuple[str, dict]:
    """The template and the fields of one organisation's responsibility book."""
    if org.kind == OrgKind.township.value:
        county = session.get(Organisation, org.parent_id)
        ind = session.execute(select(ControlIndicator).where(ControlIndicator.org_id == org.id,
                                                             ControlIndicator.year == year)).scalar_one_or_none()
        indicators = None if ind is None else {"max_accidents": ind.max_accidents, "max_deaths": ind.max_deaths,
                                                "max_injuries": ind.max_injuries}
        return "book_county_township.docx", {
            "year": year, "county_name": county.name, "township_name": org.name, "township_code": org.code,
            "township_head": _first(session, org.id, Role.township_head), "indicators": indicators,
            "county_head": _first(session, county.id, Role.county_head),
        }
    if org.kind in (OrgKind.village.value, OrgKind.unit.value):
        township = session.get(Organisation, org.township_id)
        county = session.get(Organisation, township.parent_id)
        is_village = org.kind == OrgKind.village.value
        officer = _first(session, org.id, Role.village_safety_officer) if is_village else ""
        # The signatory the book names: the village committee head (its officer while none is listed), the unit head.
        signatory = (_first(session, org.id, Role.village_head) or officer) if is_village else _first(session, org.id, Role.unit_head)
        return ("book_township_village.docx" if is_village else "book_township_unit.docx"), {
            "year": year, "county_name": county.name, "township_name": township.name,
            "township_head": _first(session, township.id, Role.township_head), "org_name": org.name, "org_code": org.code,
            "org_label": "村" if is_village else "单位", "is_village": is_village, "safety_officer": officer,
            "signatory": signatory,
        }
    raise AnquanError(f"{org.code} is {org.kind}: books are signed by townships, villages and units")


def render_book(session: Session, org: Organisation, year: int, *, check: bool = True) -> bytes:
    name, context = book_context(session, org, year)
    return render_docx(DOCUMENTS_DIR / name, context, check=check)


def book_filename(org: Organisation, year: int) -> str:
    return safe_filename(f"{year}-{org.code}-{org.name}-安全生产目标责任书.docx")


def require_planned(session: Session, year: int) -> None:
    """Refuse a year that was never planned: its books would commit townships to a year nobody tracks."""
    if session.execute(select(Obligation.id).where(Obligation.year == year).limit(1)).first() is None:
        planned = session.execute(select(Obligation.year).distinct().order_by(Obligation.year)).scalars().all()
        known = f"the planned year(s): {', '.join(map(str, planned))}" if planned else "no year is planned yet"
        raise InvalidValue(f"year {year} is not planned, so it has no books; plan it first (anquan plan {year}); "
                           f"{known}", field="year")


def render_books(*, session: Session, year: int, out: Path, org_code: str | None = None) -> list[Path]:
    """Every book of the year (or one organisation's) as .docx files in `out`; the year must be planned."""
    require_planned(session, year)
    q = select(Organisation).where(Organisation.kind.in_([OrgKind.township.value, OrgKind.village.value, OrgKind.unit.value]))
    if org_code:
        q = q.where(Organisation.code == org_code)
    orgs = session.execute(q.order_by(Organisation.code)).scalars().all()
    if org_code and not orgs:
        raise NotFound(f"no township, village or unit with code {org_code!r}", field="org_code")
    for name, fields in BOOK_FIELDS.items():  # refuse a broken template before writing anything
        check_template(DOCUMENTS_DIR / name, fields)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for org in orgs:
        path = out / book_filename(org, year)
        path.write_bytes(render_book(session, org, year, check=False))
        paths.append(path)
    return paths


BOOK_FIELDS = {
    "book_county_township.docx": {"year", "county_name", "township_name", "township_code", "township_head", "indicators",
                                  "county_head"},
    "book_township_village.docx": {"year", "county_name", "township_name", "township_head", "org_name", "org_code",
                                   "org_label", "is_village", "safety_officer", "signatory"},
}
BOOK_FIELDS["book_township_unit.docx"] = BOOK_FIELDS["book_township_village.docx"]


def send_books(*, session: Session, rules, year: int, today: date, mail_from: str, tz) -> dict:
    """Mail every organisation whose book for the year is not yet signed its book, asking for the signed scan."""
    from anquan.directory.recipients import resolve
    from anquan.notifications.outbox import enqueue, event_key
    from anquan.notifications.render import render_named

    require_planned(session, year)
    for name, fields in BOOK_FIELDS.items():
        check_template(DOCUMENTS_DIR / name, fields)
    # The signatory the book names, then who stands in at the organisation; the scan goes back to the other party.
    signatories = {OrgKind.township.value: (Role.township_head,),
                   OrgKind.village.value: (Role.village_head, Role.village_safety_officer),
                   OrgKind.unit.value: (Role.unit_head,)}
    rows = session.execute(
        select(Obligation, Organisation).join(Organisation, Organisation.id == Obligation.org_id)
        .where(Obligation.kind == BOOK_SIGNING, Obligation.year == year, Obligation.status == ObligationStatus.open.value)
        .order_by(Organisation.code)
    ).all()
    queued = books = 0
    for ob, org in rows:
        role, people = None, []
        for role in signatories.get(org.kind, ()):
            people = resolve(session, role=role, place=org, climb=False).people
            if people:
                break
        if not people:  # nobody to sign at the organisation: the township safety office takes it
            people = resolve(session, role=Role.safety_office, place=org, climb=False).people
            role = Role.safety_office
        if not people:
            continue
        data = render_book(session, org, year, check=False)
        other = session.get(Organisation, org.parent_id if org.kind == OrgKind.township.value else org.township_id)
        return_to = f"{other.name}安委办" if org.kind == OrgKind.township.value else f"{other.name}安监办"
        holder = org if ROLE_ORG_KIND[role].value == org.kind else other
        books += 1
        attachment = [(book_filename(org, year), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data)]
        for name, email in [(p.name, p.email) for p in people]:
            rendered = render_named("book", {"to_name": name, "role_label": ROLE_LABELS[role.value], "org": org,
                                             "year": year, "ob": ob, "to_title": role_title(role.value, holder.name),
                                             "return_to": return_to})
            queued += enqueue(session=session, key=event_key("book", year, org.id, email.lower()), to_name=name,
                              to_addr=email, rendered=rendered, stage="book", on=today, mail_from=mail_from, tz=tz,
                              attachments=attachment)
    return {"year": year, "books": books, "mails_queued": queued}

"""Looking at obligations and recording what was done: submissions and waivers."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from anquan.errors import AnquanError, InputRejected, InvalidValue, NotFound, Problem
from anquan.tabular import parse_date, read_single_table, whole
from anquan.models.directory import Contact, Organisation
from anquan.models.obligations import Obligation, ObligationStatus, Submission, SubmissionReturn
from anquan.models.types import utcnow

SUBMISSION_SHEET = "submissions"


def _listing_query(*, year: int | None, org_code: str | None, kind: str | None, status: str | None):
    owner = aliased(Organisation, name="owner")
    subject = aliased(Organisation, name="subject")
    q = (
        select(Obligation, owner.code, owner.name, subject.code, subject.name)
        .join(owner, owner.id == Obligation.org_id)
        .join(subject, subject.id == Obligation.subject_org_id)
    )
    if year is not None:
        q = q.where(Obligation.year == year)
    if org_code:
        # An organisation's list: what it owes and what is owed about it.
        q = q.where((owner.code == org_code) | (subject.code == org_code))
    if kind:
        q = q.where(Obligation.kind == kind)
    if status:
        q = q.where(Obligation.status == status)
    return q.order_by(Obligation.due_on, Obligation.kind, subject.code, Obligation.id)


def obligation_dict(ob: Obligation, org_code: str, org_name: str, subject_code: str, subject_name: str) -> dict:
    return {
        "id": ob.id,
        "kind": ob.kind,
        "org_code": org_code,
        "org_name": org_name,
        "subject_code": subject_code,
        "subject_name": subject_name,
        "year": ob.year,
        "period": ob.period,
        "due_on": ob.due_on.isoformat(),
        "nominal_due_on": ob.nominal_due_on.isoformat(),
        "provisional": ob.provisional,
        "status": ob.status,
        "submitted_on": ob.submitted_on.isoformat() if ob.submitted_on else None,
        "waived_reason": ob.waived_reason,
    }


def validate_filters(*, session: Session, kinds: list[str], org_code: str | None, status: str | None) -> None:
    if status is not None and status not in ObligationStatus.__members__:
        raise InvalidValue(f"{status!r} is not one of {', '.join(s.value for s in ObligationStatus)}", field="status")
    if org_code is not None and session.execute(select(Organisation.id).where(Organisation.code == org_code)).first() is None:
        raise NotFound(f"no organisation with code {org_code!r} in the directory", field="org_code")


def list_obligations(
    *, session: Session, year: int | None = None, org_code: str | None = None, kind: str | None = None,
    status: str | None = None, limit: int | None = None, batch: int = 2000,
) -> Iterator[dict]:
    """Obligations matching the filters, in due-date order, streamed in batches."""
    q = _listing_query(year=year, org_code=org_code, kind=kind, status=status)
    if limit:
        q = q.limit(limit)
    result = session.execute(q.execution_options(yield_per=batch))
    for row in result:
        yield obligation_dict(*row)


def count_obligations(*, session: Session, year=None, org_code=None, kind=None, status=None) -> int:
    q = _listing_query(year=year, org_code=org_code, kind=kind, status=status).order_by(None).subquery()
    return session.execute(select(func.count()).select_from(q)).scalar_one()


def get_obligation(*, session: Session, obligation_id: int) -> dict:
    row = session.execute(
        _listing_query(year=None, org_code=None, kind=None, status=None).where(Obligation.id == obligation_id)
    ).first()
    if row is None:
        raise AnquanError(f"no obligation with id {obligation_id}")
    out = obligation_dict(*row)
    out["submissions"] = [
        {
            "id": s.id,
            "submitted_on": s.submitted_on.isoformat(),
            "note": s.note,
            "file_name": s.file_name,
            "file_sha256": s.file_sha256,
            "source": s.source,  # proxy: recorded on the organisation's behalf (代报) by `recorded_by`
            "recorded_by": name,
            "recorded_at": s.recorded_at.isoformat(),
        }
        for s, name in session.execute(
            select(Submission, Contact.name).outerjoin(Contact, Contact.id == Submission.contact_id)
            .where(Submission.obligation_id == obligation_id).order_by(Submission.id)
        ).all()
    ]
    out["returns"] = [
        {"returned_at": r.returned_at.isoformat(), "returned_by": name, "reason": r.reason,
         "submitted_on": r.submitted_on.isoformat()}
        for r, name in session.execute(
            select(SubmissionReturn, Contact.name).join(Contact, Contact.id == SubmissionReturn.contact_id)
            .where(SubmissionReturn.obligation_id == obligation_id).order_by(SubmissionReturn.id)
        ).all()
    ]
    return out


@dataclass
class SubmissionResult:
    obligation_id: int
    submission_id: int
    status: str
    submitted_on: date
    first: bool  # the first submission for this obligation (a later one only adds to the history)
    repeated: bool = False  # the same report sent again (a double click, a resent form): nothing new was recorded

    def as_dict(self) -> dict:
        return {
            "obligation_id": self.obligation_id,
            "submission_id": self.submission_id,
            "status": self.status,
            "submitted_on": self.submitted_on.isoformat(),
            "first": self.first,
        }


def _check_submittable(ob: Obligation | None, obligation_id, on: date, today: date) -> str | None:
    if ob is None:
        return f"no obligation with id {obligation_id}"
    if ob.status == ObligationStatus.waived.value:
        return f"obligation {ob.id} was waived ({ob.waived_reason}); nothing to submit"
    if on > today:
        return f"{on.isoformat()} is in the future (today is {today.isoformat()})"
    if on.year < ob.year:
        return f"{on.isoformat()} is before the obligation's year {ob.year}"
    return None


def _store_file(files_dir: Path, path: Path, name: str | None = None) -> tuple[str, str, str]:
    """Copy a submitted file into the data folder under its content hash; `name` is the name it was given."""
    if not path.is_file():
        raise NotFound(f"no such file: {path}", field="file")
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    sha = digest.hexdigest()
    target_dir = files_dir / sha[:2]
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{sha}{path.suffix.lower()}"
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
    return name or path.name, str(target), sha


def _record(session: Session, ob: Obligation, on: date, note: str | None, file_info, source: str,
            contact_id: int | None = None, client_addr: str | None = None) -> SubmissionResult:
    first = ob.status == ObligationStatus.open.value
    if first:
        ob.status = (ObligationStatus.late if on > ob.due_on else ObligationStatus.submitted).value
        ob.submitted_on = on
        ob.next_action_on = None
        ob.updated_at = utcnow()
        session.add(ob)
    sub = Submission(
        obligation_id=ob.id, submitted_on=on, note=note, source=source,
        file_name=file_info[0] if file_info else None,
        file_path=file_info[1] if file_info else None,
        file_sha256=file_info[2] if file_info else None,
        contact_id=contact_id, client_addr=client_addr,
    )
    session.add(sub)
    session.flush()
    return SubmissionResult(ob.id, sub.id, ob.status, on, first)


def lock_obligation(session: Session, obligation_id: int) -> Obligation | None:
    """The obligation, locked until the unit of work ends: two reports of one obligation take turns.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite locks the whole database for a writer but a SELECT takes no
    lock, so a no-op UPDATE of the row comes first: it waits for any other writer (the busy timeout), and
    what this unit of work reads after it is the latest committed state."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Obligation).where(Obligation.id == obligation_id)
                        .values(status=Obligation.status).execution_options(synchronize_session=False))
    return session.get(Obligation, obligation_id, with_for_update=True)


def _same_report(session: Session, ob: Obligation, rows: list[tuple], contact_id: int | None,
                 seen: int | None) -> Submission | None:
    """The earlier submission this report repeats, if it is one: the same contact recorded, after the newest
    submission they saw (`seen`) and after any the township returned (退回), rows with the same date, note and
    files. None: the report is new."""
    if seen is None or contact_id is None:
        return None
    returned = session.execute(select(func.max(SubmissionReturn.last_submission_id))
                               .where(SubmissionReturn.obligation_id == ob.id)).scalar_one()
    newer = session.execute(
        select(Submission).where(Submission.obligation_id == ob.id, Submission.contact_id == contact_id,
                                 Submission.id > max(seen, returned or 0)).order_by(Submission.id)).scalars().all()
    by_content = {}
    for sub in newer:
        by_content.setdefault((sub.submitted_on, sub.note, sub.file_sha256), sub)
    if not newer or any(row not in by_content for row in rows):
        return None
    return by_content[rows[0]]


def submit(
    *, session: Session, obligation_id: int, today: date, submitted_on: date | None = None,
    note: str | None = None, file: Path | None = None, files_dir: Path | None = None,
    files: Sequence[tuple[Path, str]] = (), source: str = "cli", contact_id: int | None = None,
    client_addr: str | None = None, seen: int | None = None,
) -> SubmissionResult:
    """Record that an obligation was done. Late if after its due date; a resubmission is kept as history.

    `file` is a path from the command line; `files` are (path, name given) pairs from the officials'
    pages, each kept as its own submission row (the first carries the note). `contact_id` and
    `client_addr` say who reported it on the pages and from where. `seen` (the pages) is the id of the
    newest submission of this obligation the person saw when they filled in the form (0: none): a report
    that finds the same contact already recorded the same thing after it is that report sent again
    (double click, resent form) and records nothing (`repeated`). The obligation stays locked meanwhile.
    """
    on = submitted_on or today
    ob = lock_obligation(session, obligation_id)
    problem = _check_submittable(ob, obligation_id, on, today)
    if problem:
        raise AnquanError(problem)
    given = ([(Path(file), None)] if file is not None else []) + [(Path(p), n) for p, n in files]
    if given and files_dir is None:
        raise AnquanError("no folder to keep submitted files in")
    stored = [_store_file(files_dir, path, name) for path, name in given] or [None]
    rows = [(on, note if i == 0 else None, info[2] if info else None) for i, info in enumerate(stored)]
    earlier = _same_report(session, ob, rows, contact_id, seen)
    if earlier is not None:
        return SubmissionResult(ob.id, earlier.id, ob.status, earlier.submitted_on, first=False, repeated=True)
    results = [_record(session, ob, on, note if i == 0 else None, info, source, contact_id, client_addr)
               for i, info in enumerate(stored)]
    return results[0]


def import_submissions(*, session: Session, path: Path, today: date, dry_run: bool = False) -> list[SubmissionResult]:
    """Record many submissions from an .xlsx or .csv with columns id, submitted_on, note. All or nothing."""
    problems: list[Problem] = []
    sheet = read_single_table(Path(path), SUBMISSION_SHEET, ["id", "submitted_on"], problems)
    if sheet is None:
        raise InputRejected(str(path), problems)
    parsed: list[tuple[int, int, date, str | None]] = []
    for row, r in sheet.rows:
        bad = len(problems)
        oid = None
        try:
            oid = whole(r.get("id", ""), lo=1)
        except ValueError:
            problems.append(Problem(SUBMISSION_SHEET, row, "id", f"{r.get('id')!r} is not an obligation id"))
        on = None
        if r.get("submitted_on"):
            try:
                on = parse_date(r["submitted_on"])
            except ValueError as exc:
                problems.append(Problem(SUBMISSION_SHEET, row, "submitted_on", str(exc)))
        else:
            problems.append(Problem(SUBMISSION_SHEET, row, "submitted_on", "empty"))
        if len(problems) == bad:
            parsed.append((row, oid, on, r.get("note") or None))
    ids = sorted({oid for _r, oid, _on, _n in parsed})
    obligations: dict[int, Obligation] = {}
    for start in range(0, len(ids), 1000):
        for ob in session.execute(select(Obligation).where(Obligation.id.in_(ids[start:start + 1000]))).scalars():
            obligations[ob.id] = ob
    for row, oid, on, _note in parsed:
        problem = _check_submittable(obligations.get(oid), oid, on, today)
        if problem:
            column = "id" if obligations.get(oid) is None or "waived" in problem else "submitted_on"
            problems.append(Problem(SUBMISSION_SHEET, row, column, problem))
    if problems:
        raise InputRejected(str(path), problems)
    if not sheet.rows:
        raise InputRejected(str(path), [Problem(SUBMISSION_SHEET, None, None, "no rows to import")])
    results = []
    # Earlier dates first, so that the first submission decides on-time or late.
    for row, oid, on, note in sorted(parsed, key=lambda x: (x[2], x[0])):
        results.append(_record(session, obligations[oid], on, note, None, "import"))
    if dry_run:
        session.rollback()
    return results


def waive(*, session: Session, obligation_id: int, reason: str) -> dict:
    """Excuse an open obligation (e.g. an enterprise that closed); it gets no more reminders."""
    if not reason or not reason.strip():
        raise InvalidValue("say why the obligation is waived", field="reason")
    ob = lock_obligation(session, obligation_id)
    if ob is None:
        raise AnquanError(f"no obligation with id {obligation_id}")
    if ob.status != ObligationStatus.open.value:
        raise AnquanError(f"obligation {obligation_id} is {ob.status}; only an open obligation can be waived")
    ob.status = ObligationStatus.waived.value
    ob.waived_reason = reason.strip()
    ob.next_action_on = None
    ob.updated_at = utcnow()
    session.add(ob)
    session.flush()
    return {"id": ob.id, "status": ob.status, "waived_reason": ob.waived_reason}


def open_event_obligation(
    *, session: Session, rules, kind: str, org_id: int, subject_org_id: int, year: int, period: str, due_on: date,
) -> Obligation:
    """An obligation an event creates (a hazard listed or closed, a campaign started); the same event gives the same one."""
    from anquan.cycle.planning import first_action_on

    rule = rules.kind(kind)
    existing = session.execute(
        select(Obligation).where(Obligation.kind == kind, Obligation.org_id == org_id,
                                 Obligation.subject_org_id == subject_org_id, Obligation.period == period)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    ob = Obligation(kind=kind, org_id=org_id, subject_org_id=subject_org_id, year=year, period=period, due_on=due_on,
                    nominal_due_on=due_on, next_action_on=first_action_on(rule, due_on))
    session.add(ob)
    session.flush()
    return ob

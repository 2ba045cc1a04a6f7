"""The console's use cases: the year at a glance, a cell's duties, an evidence file.

`only` is the township a township office's account sees (None: the county's accounts see all)."""

from __future__ import annotations

from pathlib import Path

from anquan.app import App
from anquan.console import outbox as outbox_view, ranking as ranking_view, township, yearview
from anquan.cycle.golive import recorded_go_live
from anquan.cycle.mine import NotYours

YEARS_BACK = 3


def years(app: App) -> list[int]:
    """The years the picker offers: next year, this one and a few before."""
    this = app.today().year
    return list(range(this + 1, this - YEARS_BACK - 1, -1))


def year_matrix(app: App, *, year: int, only: int | None = None) -> yearview.Matrix:
    with app.session() as s:
        return yearview.matrix(session=s, rules=app.rules, year=year, today=app.today(), only=only)


def year_cell(app: App, *, year: int, township_id: int, kind: str, only: int | None = None, show: str = "all",
              page: int = 1) -> yearview.CellView:
    """One township's duties of one kind, with their history; NotYours outside the account's townships."""
    with app.session() as s:
        return yearview.cell(session=s, rules=app.rules, year=year, today=app.today(), township_id=township_id,
                             kind=kind, tz=app.settings.tz, only=only, show=show, page=page)


def evidence_file(app: App, *, submission_id: int, only: int | None = None) -> tuple[Path, str]:
    """(the stored file, the name it came with); NotYours when not the account's or not in the files folder."""
    with app.session() as s:
        sub = yearview.evidence_of(s, submission_id=submission_id, only=only)
    path = Path(sub.file_path).resolve()
    if Path(app.settings.files_dir).resolve() not in path.parents or not path.is_file():
        raise NotYours(f"submission {submission_id}'s file is not in the folder of submitted files")
    return path, sub.file_name or path.name


def township_page(app: App, *, year: int, township_id: int, only: int | None = None) -> township.TownshipPage:
    """A township's year: its duties, organisations, enterprises' monthly completion, provisional score."""
    with app.session() as s:
        return township.township_page(session=s, rules=app.rules, rubric=app.rubric, year=year, today=app.today(),
                                      township_id=township_id, only=only,
                                      go_live=recorded_go_live(s, setting=app.settings.go_live))


def ranking(app: App, *, year: int) -> ranking_view.Ranking | None:
    """Every township's (provisional) score, best first; None for a year never planned."""
    with app.session() as s:
        return ranking_view.ranking(session=s, rules=app.rules, rubric=app.rubric, year=year, today=app.today(),
                    go_live=recorded_go_live(s, setting=app.settings.go_live))


def completion(app: App, *, year: int, only: int | None = None) -> township.Completion:
    """Enterprises' monthly risk-analysis completion, township by month."""
    with app.session() as s:
        return township.completion_by_township(session=s, rules=app.rules, year=year, today=app.today(), only=only)


WAIVE_REASON_MIN, WAIVE_REASON_MAX = 4, 500


def waive_duty(app: App, *, obligation_id: int, reason: str, actor) -> dict:
    """免除: the county office waives an open duty with a reason, and the audit log records who, from where, why
    (one unit of work). NotYours for an obligation that does not exist or is about no township; InvalidValue for
    a reason too short or long (field reason); AnquanError for a duty that is not open."""
    from anquan.accounts.accounts import audit
    from anquan.cycle.obligations import waive
    from anquan.errors import InvalidValue
    from anquan.models.directory import Organisation
    from anquan.models.obligations import Obligation
    from anquan.vocabulary import period_label

    text = " ".join((reason or "").split())
    if not WAIVE_REASON_MIN <= len(text) <= WAIVE_REASON_MAX:
        raise InvalidValue(f"a reason of {WAIVE_REASON_MIN} to {WAIVE_REASON_MAX} characters", field="reason")
    with app.session() as s:
        ob = s.get(Obligation, obligation_id)
        owner = s.get(Organisation, ob.org_id) if ob else None
        subject = s.get(Organisation, ob.subject_org_id) if ob else None
        if ob is None or subject is None or subject.township_id is None:
            raise NotYours(f"obligation {obligation_id} is about no township")
        done = waive(session=s, obligation_id=obligation_id, reason=text)
        rule = app.rules.kinds.get(ob.kind)
        audit(s, actor, "obligation_waive", target=f"{owner.name} {period_label(ob.period)} {rule.title if rule else ob.kind}",
              detail=text, at=app.now())
        return done


def outbox(app: App, *, state: str | None = None, page: int | None = 1) -> outbox_view.OutboxPage:
    """The mail not yet delivered (or in one state), newest first, with the reason in plain words (page None: all)."""
    with app.session() as s:
        return outbox_view.outbox_page(session=s, state=state, page=page)


def unreachable(app: App) -> list[outbox_view.Unreachable]:
    """The people no mail reaches (no address, or their last mail failed for good), to be called instead."""
    with app.session() as s:
        return outbox_view.unreachable(session=s)


def retry_mail(app: App, *, message_id: int | None = None, failed_since=None, actor) -> int:
    """重新发送 from the console: one message, or every one failed since a day; the same use case as
    `anquan mail retry`, with the account in the audit log."""
    from anquan.cycle.usecases import retry_mail as requeue_mail

    return requeue_mail(app, ids=[message_id] if message_id is not None else None, failed_since=failed_since,
                        actor=actor)


def townships(app: App) -> list[tuple[str, str]]:
    """The townships (code, name) in code order, as the county office's forms offer them."""
    from sqlalchemy import select

    from anquan.models.directory import Organisation, OrgKind

    with app.session() as s:
        return [tuple(r) for r in s.execute(select(Organisation.code, Organisation.name)
                                            .where(Organisation.kind == OrgKind.township.value)
                                            .order_by(Organisation.code)).all()]

"""The records' use cases: accidents and indicators, score adjustments, listed hazards, risk alerts.

Each opens the unit of work once and returns what a front door presents. A
risk alert is delivered at once, after its transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from anquan.accounts.accounts import Actor, audit
from anquan.app import App
from anquan.cycle import obligations
from anquan.cycle.usecases import deliver_mail, proxy_recorder, submit
from anquan.errors import AnquanError
from anquan.models.directory import Contact, Organisation
from anquan.models.obligations import SubmissionSource
from anquan.models.records import Adjustment, AlertKind
from anquan.notifications.render import cn_date
from anquan.records import accidents, alerts, hazards
from anquan.vocabulary import MONTHLY_RISK_ANALYSIS, accident_kind_label


# -- accidents, indicators, adjustments --------------------------------------------

@dataclass
class AccidentRecorded:
    """The accident as stored, and how many mails it queued (deaths tell the county at once)."""

    accident: dict
    mails_queued: int

    def as_dict(self) -> dict:
        return {**self.accident, "mails_queued": self.mails_queued}


def record_accident(app: App, *, org_code: str, occurred_on: date, kind: str, deaths: int, injuries: int = 0,
                    liability: bool = True, egregious: bool = False, description: str | None = None,
                    today: date | None = None, actor: Actor | None = None) -> AccidentRecorded:
    """Record an accident (from the console, `actor`: audited in the same unit of work)."""
    with app.session() as s:
        data, queued = accidents.add_accident(
            session=s, org_code=org_code, occurred_on=occurred_on, kind=kind, deaths=deaths, injuries=injuries,
            liability=liability, egregious=egregious, description=description, mail=app.mail(), rubric=app.rubric,
            today=today or app.today(), at=None if today else app.now())
        if actor is not None:
            audit(s, actor, "accident_add", target=f"{data['org_name']} {cn_date(occurred_on)}", at=app.now(),
                  detail=f"{accident_kind_label(kind)}事故，死亡{deaths}人，受伤{injuries}人")
    return AccidentRecorded(data, queued)


def correct_accident(app: App, *, accident_id: int, **changes) -> AccidentRecorded:
    """Change an accident (e.g. a later death toll); only the changes given (not None) apply."""
    with app.session() as s:
        data, queued = accidents.update_accident(session=s, accident_id=accident_id, mail=app.mail(),
                                                 rubric=app.rubric, today=app.today(), at=app.now(), **changes)
    return AccidentRecorded(data, queued)


def list_accidents(app: App, *, year: int | None = None, org_code: str | None = None) -> list[dict]:
    with app.session() as s:
        return accidents.list_accidents(session=s, year=year, org_code=org_code)


def show_accident(app: App, *, accident_id: int) -> dict:
    with app.session() as s:
        return accidents.get_accident(session=s, accident_id=accident_id)


def import_accidents(app: App, *, path: Path) -> list[dict]:
    with app.session() as s:
        return accidents.import_accidents(session=s, path=path, mail=app.mail(), rubric=app.rubric, today=app.today())


def import_indicators(app: App, *, path: Path) -> dict:
    with app.session() as s:
        return accidents.import_indicators(session=s, path=path, rubric=app.rubric, mail=app.mail(), today=app.today())


def add_adjustment(app: App, *, org_code: str, year: int, points, item: str, reason: str,
                   actor: Actor | None = None) -> dict:
    """A manual score item (e.g. a supervision finding); from the console (`actor`) marked so and audited."""
    with app.session() as s:
        if actor is None:
            return accidents.add_adjustment(session=s, org_code=org_code, year=year, points=points, item=item,
                                            reason=reason)
        added = accidents.add_adjustment(session=s, org_code=org_code, year=year, points=points, item=item,
                                         reason=reason, source="console")
        township = s.get(Organisation, s.get(Adjustment, added["id"]).org_id).name
        audit(s, actor, "adjustment_add", target=f"{township} {year}年 {added['item']}", at=app.now(),
              detail=f"{added['points']:+g}分：{added['reason']}")
        return added


def import_adjustments(app: App, *, path: Path) -> list[dict]:
    with app.session() as s:
        return accidents.import_adjustments(session=s, path=path)


# -- hazards -------------------------------------------------------------------------

def add_hazard(app: App, *, org_code: str, year: int, description: str, responsible_person: str, measures: str,
               deadline: date, emergency_plan: str, funds: str | None = None, enterprise_code: str | None = None,
               place: str | None = None) -> dict:
    """List a hazard; its rectification becomes an obligation with reminders up to the deadline."""
    with app.session() as s:
        return hazards.add_hazard(session=s, rules=app.rules, org_code=org_code, year=year, description=description,
                                  responsible_person=responsible_person, measures=measures, deadline=deadline,
                                  emergency_plan=emergency_plan, funds=funds, enterprise_code=enterprise_code,
                                  place=place)


def list_hazards(app: App, *, year: int | None = None, org_code: str | None = None, status: str | None = None) -> list[dict]:
    with app.session() as s:
        return hazards.list_hazards(session=s, year=year, org_code=org_code, status=status, today=app.today())


def show_hazard(app: App, *, hazard_id: int) -> dict:
    with app.session() as s:
        return hazards.get_hazard(session=s, hazard_id=hazard_id, today=app.today())


def update_hazard(app: App, *, hazard_id: int, **changes) -> dict:
    with app.session() as s:
        return hazards.update_hazard(session=s, rules=app.rules, hazard_id=hazard_id, **changes)


def close_hazard(app: App, *, hazard_id: int, closed_on: date | None = None, note: str | None = None,
                 today: date | None = None, actor: Actor | None = None) -> dict:
    """Close a hazard (default: today): its rectification is accepted (验收) and its effect evaluation opens.
    From the console (`actor`), audited in the same unit of work."""
    today = today or app.today()
    with app.session() as s:
        closed = hazards.close_hazard(session=s, rules=app.rules, hazard_id=hazard_id, closed_on=closed_on or today,
                                      today=today, note=note)
        if actor is not None:
            where = closed["enterprise_name"] or closed["place"]
            audit(s, actor, "hazard_close", target=f"{closed['org_name']} {where}：{closed['description']}",
                  detail=f"{cn_date(closed_on or today)}整改验收" + (f"：{closed['close_note']}" if closed["close_note"] else ""),
                  at=app.now())
        return closed


def evaluate_hazard(app: App, *, hazard_id: int, note: str, evaluated_on: date | None = None,
                    actor: Actor | None = None) -> dict:
    """Record an accepted hazard's effect evaluation (default: today) with what it found; from the console
    (`actor`), audited in the same unit of work."""
    today = app.today()
    with app.session() as s:
        done = hazards.evaluate_hazard(session=s, hazard_id=hazard_id, evaluated_on=evaluated_on or today,
                                       today=today, note=note)
        if actor is not None:
            audit(s, actor, "hazard_evaluate", at=app.now(), detail=f"{cn_date(done['evaluated_on'])}评价：{note.strip()}",
                  target=f"{done['org_name']} {done['enterprise_name'] or done['place']}：{done['description']}")
        return done


def hazards_awaiting_evaluation(app: App) -> list[dict]:
    with app.session() as s:
        return hazards.awaiting_evaluation(session=s, today=app.today())


def import_hazards(app: App, *, path: Path) -> list[dict]:
    with app.session() as s:
        return hazards.import_hazards(session=s, rules=app.rules, path=path)


# -- risk alerts -----------------------------------------------------------------------

@dataclass
class AlertsReported:
    """The alerts recorded and, when they queued mail, what the immediate delivery did."""

    alerts: list[dict] = field(default_factory=list)
    delivery: dict | None = None


def _deliver_at_once(app: App, reported: list[dict]) -> dict | None:
    """Alerts do not wait for the next scheduled delivery; what cannot go now stays pending for it."""
    return deliver_mail(app).as_dict() if any(a["mails_queued"] for a in reported) else None


def report_alert(app: App, *, org_code: str, kind: str, description: str, measures: str | None = None,
                 reported_on: date | None = None, today: date | None = None, deliver: bool = True) -> AlertsReported:
    """Record a warning sign or major hazard source; mail it to the township and the county, delivered at once."""
    at = None if today else app.now()  # a simulated day is stamped 08:00, a real report when it was made
    today = today or app.today()
    with app.session() as s:
        alert = alerts.report_alert(session=s, rules=app.rules, org_code=org_code, kind=kind, description=description,
                                    measures=measures, reported_on=reported_on or today, today=today,
                                    mail_from=app.settings.mail_from, tz=app.settings.tz, at=at)
    return AlertsReported([alert], _deliver_at_once(app, [alert]) if deliver else None)


@dataclass
class AnalysisSubmitted:
    """A monthly risk analysis handed in together with the alerts it raised."""

    submission: obligations.SubmissionResult
    reported: AlertsReported


def submit_risk_analysis(app: App, *, obligation_id: int, warning: str | None = None, major_hazard: str | None = None,
                         measures: str | None = None, submitted_on: date | None = None, note: str | None = None,
                         file: Path | None = None, today: date | None = None, **recorded) -> AnalysisSubmitted:
    """Submit an enterprise's monthly risk analysis with the warning sign or major hazard source it found.

    The submission and the alerts are one unit of work; the alerts' mail is then delivered at once.
    `recorded`: what the officials' pages add (files with the names given, source, contact_id, client_addr)."""
    if measures and not (warning or major_hazard):
        raise AnquanError("measures go with a warning sign or a major hazard source")
    at = None if today else app.now()
    today = today or app.today()
    found = []
    with app.session() as s:
        ob = alerts.analysis_for_alert(session=s, obligation_id=obligation_id) if warning or major_hazard else None
        result = obligations.submit(session=s, obligation_id=obligation_id, today=today, submitted_on=submitted_on,
                                    note=note, file=file, files_dir=app.settings.files_dir, **recorded)
        for kind, text in ((AlertKind.warning_sign.value, warning), (AlertKind.major_hazard_source.value, major_hazard)):
            if text:
                found.append(alerts.report_alert(
                    session=s, rules=app.rules, org_code=s.get(Organisation, ob.org_id).code, kind=kind,
                    description=text, measures=measures, reported_on=submitted_on or today, today=today,
                    obligation_id=ob.id, mail_from=app.settings.mail_from, tz=app.settings.tz, at=at))
    return AnalysisSubmitted(result, AlertsReported(found, _deliver_at_once(app, found)))


def report_on_behalf(app: App, *, contact: Contact, obligation_id: int, submitted_on: date, note: str | None = None,
                     finding: str | None = None, finding_text: str | None = None, measures: str | None = None,
                     files=(), client_addr: str | None = None, seen: int | None = None, today: date | None = None
                     ) -> obligations.SubmissionResult:
    """The township's overseer records an organisation's report on its behalf (代报): the same submit as the
    organisation's own (an enterprise's risk analysis with what it found, its alerts mailed at once), marked
    `proxy` with the overseer's contact (`seen`: the form sent twice is one report, as on my page). NotYours (anquan.cycle.mine) when the person does not oversee it."""
    kind, by = proxy_recorder(app, contact=contact, obligation_id=obligation_id)
    recorded = dict(note=note, files=list(files), source=SubmissionSource.proxy.value, contact_id=by,
                    client_addr=client_addr, seen=seen)
    if kind != MONTHLY_RISK_ANALYSIS:
        return submit(app, obligation_id=obligation_id, submitted_on=submitted_on, today=today, **recorded)
    found = (finding_text or "").strip()
    return submit_risk_analysis(
        app, obligation_id=obligation_id, submitted_on=submitted_on, today=today, measures=measures or None,
        warning=found if finding == AlertKind.warning_sign.value else None,
        major_hazard=found if finding == AlertKind.major_hazard_source.value else None, **recorded).submission


def list_alerts(app: App, *, year: int | None = None, township: str | None = None) -> list[dict]:
    with app.session() as s:
        return alerts.list_alerts(session=s, year=year, township=township)

"""The assessment's mail: each township head its own result (only once the county admin approved the year), and the
county office the whole with the workbook and the notice: the draft to review, then the issued notice.

Keys carry a digest of the results, so queuing the same results again sends nothing."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from anquan.assessment.notice import NoticeOptions, assessment_notice
from anquan.assessment.scoring import Assessment
from anquan.assessment.workbook import assessment_workbook
from anquan.directory.recipients import holders
from anquan.models.directory import Organisation, Role
from anquan.notifications.outbox import enqueue, event_key
from anquan.notifications.render import render_named
from anquan.vocabulary import role_title

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Issue:
    """How the county office's mail presents the assessment: a draft to review (where), or issued (number, who
    approved it, until when objections are received)."""

    draft: bool
    review_url: str | None = None
    number_text: str | None = None  # 青安委〔2027〕1号
    approved_by: str | None = None
    objections_until: date | None = None


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def _people(session: Session, org_ids, role: Role):
    found = holders(session, org_ids=org_ids, roles=[role])
    return sorted(((p.org_id, p.name, p.email, p.contact_id) for ps in found.values() for p in ps), key=lambda x: x[3])


def notify_township_heads(*, session: Session, assessment: Assessment, mail_from: str, tz, today: date,
                          objections_until: date | None = None) -> int:
    """Mail each township head its own result with every deduction (the approved year's results), and until when
    an objection is received."""
    queued = 0
    ranked = assessment.ranked()
    by_id = {r.org_id: r for r in ranked}
    rank_of = {r.org_id: rank for rank, r in assessment.ranks()}
    for org_id, name, email, _ in _people(session, list(by_id), Role.township_head):
        r = by_id[org_id]
        rendered = render_named("assessment_result", {
            "to_name": name, "to_title": role_title(Role.township_head.value, r.org_name), "r": r, "a": assessment,
            "rank": rank_of[org_id], "total": len(ranked), "objections_until": objections_until})
        key = event_key("assessment", assessment.year, org_id, _digest(r.as_dict()), email.lower())
        queued += enqueue(session=session, key=key, to_name=name, to_addr=email, rendered=rendered,
                          stage="assessment", on=today, mail_from=mail_from, tz=tz)
    return queued


def notify_county_office(*, session: Session, assessment: Assessment, mail_from: str, tz, today: date,
                         notice: NoticeOptions | None, issue: Issue, issued_on: date) -> int:
    """Mail each county's office staff the whole, with the workbook and the notice (a draft, or as issued)."""
    queued = 0
    ranked = assessment.ranked()
    counties = defaultdict(list)
    parent = dict(session.execute(select(Organisation.id, Organisation.parent_id)
                                  .where(Organisation.id.in_([r.org_id for r in ranked]))).all())
    for r in ranked:
        counties[parent[r.org_id]].append(r)
    for county_id, members in counties.items():
        county = session.get(Organisation, county_id)
        part = Assessment(assessment.year, assessment.as_of, assessment.provisional, members, assessment.county_targets,
                          go_live=assessment.go_live, notes=assessment.notes)
        attachments = [
            (f"{county.name}{assessment.year}年度乡镇安全生产履职考核汇总表.xlsx", XLSX,
             assessment_workbook(part, county_name=county.name)),
            (f"{county.name}{assessment.year}年度乡镇安全生产履职考核结果通报{'（草稿）' if issue.draft else ''}.docx", DOCX,
             assessment_notice(part, county_name=county.name, issued_on=issued_on, options=notice, draft=issue.draft)),
        ]
        for _org, name, email, _ in _people(session, [county_id], Role.county_office):
            rendered = render_named("assessment_summary", {
                "to_name": name, "to_title": role_title(Role.county_office.value, county.name), "a": part,
                "ranked": part.ranked(), "county": county, "issue": issue})
            key = event_key("assessment-summary" if issue.draft else "assessment-issued", assessment.year, county_id,
                            _digest([r.as_dict() for r in part.ranked()]), email.lower())
            queued += enqueue(session=session, key=key, to_name=name, to_addr=email, rendered=rendered,
                              stage="assessment", on=today, mail_from=mail_from, tz=tz, attachments=attachments)
    return queued

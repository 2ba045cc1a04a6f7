"""Revoking personal links, and the contact a valid link names (see anquan.notifications.links)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlmodel import Session

from anquan.errors import AnquanError
from anquan.models.directory import Contact, Organisation
from anquan.models.types import utcnow
from anquan.notifications.links import LinkRefused


def current_contact(session: Session, *, contact_id: int, epoch: int) -> Contact:
    """The contact a valid token names; LinkRefused("revoked") if it was revoked or left the directory."""
    contact = session.get(Contact, contact_id)
    if contact is None or not contact.active or contact.link_epoch != epoch:
        raise LinkRefused("revoked")
    return contact


def revoke_contacts(session: Session, *, contact_ids: list[int]) -> int:
    """Refuse every link and page session made so far for these contacts and for others at the same addresses."""
    if not contact_ids:
        return 0
    emails: set[str] = set()
    for start in range(0, len(contact_ids), 1000):
        emails.update(session.execute(
            select(func.lower(Contact.email)).where(Contact.id.in_(contact_ids[start:start + 1000]))).scalars())
    now, count = utcnow(), 0
    ordered = sorted(emails)
    for start in range(0, len(ordered), 1000):
        result = session.execute(
            update(Contact).where(func.lower(Contact.email).in_(ordered[start:start + 1000]))
            .values(link_epoch=Contact.link_epoch + 1, links_revoked_at=now, updated_at=now)
            .execution_options(synchronize_session=False))
        count += result.rowcount or 0
    return count


@dataclass
class RevokeResult:
    org_code: str
    org_name: str
    contacts: int  # contacts whose links were revoked (with those sharing their addresses)

    def as_dict(self) -> dict:
        return {"org_code": self.org_code, "org_name": self.org_name, "contacts": self.contacts}


def revoke_links(*, session: Session, org_code: str) -> RevokeResult:
    """`anquan contacts revoke-links CODE`: every personal link of the organisation's contacts stops working."""
    org = session.execute(select(Organisation).where(Organisation.code == org_code)).scalar_one_or_none()
    if org is None:
        raise AnquanError(f"no organisation with code {org_code!r} in the directory")
    ids = list(session.execute(select(Contact.id).where(Contact.org_id == org.id)).scalars())
    return RevokeResult(org.code, org.name, revoke_contacts(session, contact_ids=ids))

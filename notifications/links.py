"""Personal links: the signed address in every mail that opens a contact's own page (我的待办).

A link is a capability. Its token names the contact and the contact's link epoch, carries the time it
was made, and is signed with the installation's secret key (itsdangerous, HMAC over a salted derived
key). It is refused when the signature matches no current or former key (forged or altered), when it is
older than `ANQUAN_LINK_DAYS` (expired), and, checked against the directory by
`anquan.directory.links.current_contact`, when the contact's epoch has moved on (revoked: `anquan
contacts revoke-links CODE`, or the contact left the directory on an import).

Rotation: `ANQUAN_SECRET_KEY` signs; keys in `ANQUAN_SECRET_KEY_OLD` are still accepted, so links
already mailed keep working until they expire.

Mail composition asks `Answers.for_address` what to put in the footer: the recipient's link and the
county office's contact person and phone. `App.session()` puts one `Answers` on each unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlmodel import Session

from anquan.errors import AnquanError
from anquan.models.directory import Contact, Organisation, OrgKind, Role
from anquan.models.settings import Settings, SettingsError
from anquan.notifications.render import Answer

LINK_SALT = "anquan.personal-link.v1"


class LinkRefused(AnquanError):
    """A personal link that cannot be used; `reason` is forged, expired or revoked."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"personal link refused: {reason}")


def require_keys(settings: Settings, *, purpose: str) -> list[str]:
    """The signing keys, or SettingsError naming ANQUAN_SECRET_KEY when none is set."""
    keys = settings.signing_keys
    if not keys:
        raise SettingsError(f"bad setting: ANQUAN_SECRET_KEY: must be set to {purpose} "
                            "(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')")
    return keys


@dataclass(frozen=True)
class LinkSigner:
    """Makes and reads personal links with the installation's keys (the last one signs)."""

    keys: tuple[str, ...]
    base_url: str
    max_age_days: int

    @classmethod
    def from_settings(cls, settings: Settings, *, purpose: str = "make personal links") -> "LinkSigner":
        keys = require_keys(settings, purpose=purpose)
        return cls(tuple(keys), settings.effective_public_url, settings.link_days)

    def _serializer(self, salt: str = LINK_SALT) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(list(self.keys), salt=salt)

    def token(self, *, contact_id: int, epoch: int) -> str:
        return self._serializer().dumps([contact_id, epoch])

    def url(self, *, contact_id: int, epoch: int) -> str:
        return f"{self.base_url}/l/{self.token(contact_id=contact_id, epoch=epoch)}"

    def read(self, token: str) -> tuple[int, int]:
        """(contact id, epoch) from a token; LinkRefused("expired") or ("forged") otherwise."""
        try:
            payload = self._serializer().loads(token, max_age=self.max_age_days * 86400)
        except SignatureExpired:
            raise LinkRefused("expired") from None
        except BadSignature:
            raise LinkRefused("forged") from None
        if not (isinstance(payload, list) and len(payload) == 2 and all(type(v) is int for v in payload)):
            raise LinkRefused("forged")
        return payload[0], payload[1]


@dataclass
class Answers:
    """What a mail's footer says to its recipient: their link, and whom at the county office to call.

    Loaded once per unit of work, on the first mail (a province's contacts in one query), so composing
    a month end's mail costs a dictionary look-up per message. Without a key the links are left out,
    unless mail goes to a real SMTP server: then the first mail stops with a SettingsError.
    """

    settings: Settings
    session: Session
    _by_email: dict[str, tuple[int, int, int | None, bool]] | None = field(default=None, repr=False)
    _offices: dict[int | None, tuple[str | None, str | None]] | None = field(default=None, repr=False)
    _signer: LinkSigner | None = field(default=None, repr=False)

    def _load(self) -> None:
        self._by_email = {}
        county_of = dict(self.session.execute(
            select(Organisation.id, Organisation.parent_id).where(Organisation.kind == OrgKind.township.value)).all())
        rows = self.session.execute(
            select(Contact.id, Contact.email, Contact.link_epoch, Organisation.kind, Organisation.id,
                   Organisation.township_id, Contact.role)
            .join(Organisation, Organisation.id == Contact.org_id).where(Contact.active).order_by(Contact.id))
        for cid, email, epoch, kind, org_id, township_id, role in rows:
            county = org_id if kind == OrgKind.county.value else county_of.get(township_id)
            self._by_email.setdefault(email.lower(), (cid, epoch, county, role == Role.county_office.value))
        if self.settings.signing_keys:
            self._signer = LinkSigner.from_settings(self.settings)
        elif self.settings.smtp_host:
            require_keys(self.settings, purpose="mail personal links")

    def office(self, county_id: int | None = None) -> Answer:
        """The county office's contact person and phone (the first with a phone), without a link."""
        if self._offices is None:
            self._offices = {}
            # Through the counties (a county office sits on a county): contact's org_id index, not a scan of a
            # province's contacts for the role, which every page's footer paid.
            counties = select(Organisation.id).where(Organisation.kind == OrgKind.county.value)
            for org_id, name, phone in self.session.execute(
                select(Contact.org_id, Contact.name, Contact.phone)
                .where(Contact.org_id.in_(counties), Contact.active, Contact.role == Role.county_office.value)
                .order_by(Contact.phone.is_(None), Contact.id)
            ):
                self._offices.setdefault(org_id, (name, phone))
        name, phone = self._offices.get(county_id) or next(iter(self._offices.values()), (None, None))
        return Answer(link=None, office_contact=name or self.settings.office_contact or None,
                      office_phone=phone or self.settings.office_phone or None, link_days=self.settings.link_days)

    def for_address(self, email: str) -> Answer:
        if self._by_email is None:
            self._load()
        cid, epoch, county, own_office = self._by_email.get(email.lower(), (None, 0, None, False))
        office = self.office(county)
        link = self._signer.url(contact_id=cid, epoch=epoch) if self._signer is not None and cid is not None else None
        return Answer(link=link, office_contact=office.office_contact, office_phone=office.office_phone,
                      link_days=office.link_days, own_office=own_office)

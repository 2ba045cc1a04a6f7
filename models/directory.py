"""The county directory: organisations in a tree, and the contacts who receive mail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, UniqueConstraint, func
from sqlmodel import Field, SQLModel

from anquan.models.types import UTCDateTime, utcnow


class OrgKind(StrEnum):
    county = "county"
    township = "township"
    village = "village"
    unit = "unit"
    enterprise = "enterprise"


class Sector(StrEnum):
    non_coal_mining = "non_coal_mining"
    water_transport = "water_transport"
    road_transport = "road_transport"
    crowded_places = "crowded_places"
    construction = "construction"
    fireworks = "fireworks"
    hazardous_chemicals = "hazardous_chemicals"
    other = "other"


class Role(StrEnum):
    county_office = "county_office"
    county_inspector = "county_inspector"
    county_head = "county_head"  # 县长: signs the county↔township books for the county government
    township_head = "township_head"
    deputy_head_safety = "deputy_head_safety"
    safety_office = "safety_office"
    township_leader = "township_leader"
    village_safety_officer = "village_safety_officer"
    village_head = "village_head"  # 村委会主任: signs the village's book
    unit_head = "unit_head"
    enterprise_principal = "enterprise_principal"
    enterprise_safety_manager = "enterprise_safety_manager"


# Each role is held at one level of the tree.
ROLE_ORG_KIND: dict[Role, OrgKind] = {
    Role.county_office: OrgKind.county,
    Role.county_inspector: OrgKind.county,
    Role.county_head: OrgKind.county,
    Role.township_head: OrgKind.township,
    Role.deputy_head_safety: OrgKind.township,
    Role.safety_office: OrgKind.township,
    Role.township_leader: OrgKind.township,
    Role.village_safety_officer: OrgKind.village,
    Role.village_head: OrgKind.village,
    Role.unit_head: OrgKind.unit,
    Role.enterprise_principal: OrgKind.enterprise,
    Role.enterprise_safety_manager: OrgKind.enterprise,
}

# Which kinds of organisation may stand directly under which.
ALLOWED_PARENTS: dict[OrgKind, frozenset[OrgKind]] = {
    OrgKind.county: frozenset(),
    OrgKind.township: frozenset({OrgKind.county}),
    OrgKind.village: frozenset({OrgKind.township}),
    OrgKind.unit: frozenset({OrgKind.township}),
    OrgKind.enterprise: frozenset({OrgKind.township, OrgKind.village}),
}


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"
    __table_args__ = (Index("ix_organisation_kind_township", "kind", "township_id"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    # The township an organisation belongs to (itself for a township, none for a
    # county). Kept by the directory import so that escalation and planning
    # never walk the tree row by row.
    township_id: int | None = Field(default=None, foreign_key="organisation.id")
    sector: str | None = Field(default=None, max_length=32)
    employees: int | None = None
    dangerous_goods: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("org_id", "role", "email", name="uq_contact_org_role_email"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=32)
    email: str = Field(max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    # Full-time (专职) or not; None = the directory does not say (treated as not full-time where the book
    # requires a full-time safety manager).
    full_time: bool | None = None
    # A contact dropped from a later import is kept (mail already sent names
    # it) but no longer receives anything.
    active: bool = True
    # Personal links name the contact and carry this number: raising it (revoke-links, or the contact
    # leaving the directory) refuses every link and page session made before.
    link_epoch: int = 0
    links_revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


# A person is their mail address: their page, the revocation of their links and the console's accounts find every
# post held at one address by lower(email). Without this index PostgreSQL read all 381,326 contacts of the
# province for each page (benchmarks/my_page.py).
Index("ix_contact_email_lower", func.lower(Contact.__table__.c.email))

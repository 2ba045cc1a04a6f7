"""Who receives a mail: the one resolver from a role at a place to the people who hold it.

Every mail names its addressees by role ("the township's safety office", "the county office").
A role is held at one level of the tree (ROLE_ORG_KIND: a safety office at a township, a principal
at an enterprise), so a role *for a place* means the holders at the place itself, its township or
its county. When nobody holds it, the rules' fallback chain (config/cycle.yaml `fallback`) names
the role next up; a caller that must not leave the role (a notice meant for the enterprise itself)
says `climb=False`.

The daily tick resolves thousands of stages per batch from contacts it has already loaded; it
walks the same chain through `first_held` with its own lookup.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select
from sqlmodel import Session

from anquan.models.directory import ROLE_ORG_KIND, Contact, Organisation, OrgKind, Role
from anquan.rules.cycle import CycleRules
from anquan.vocabulary import role_title

P = TypeVar("P")


@dataclass(frozen=True)
class Person:
    """One active contact as a mail addresses them."""

    contact_id: int
    org_id: int
    name: str
    email: str
    role: str
    phone: str | None = None


@dataclass
class Resolved:
    """The people a role resolved to; `held_as` is the role they hold when the chain climbed (else None)."""

    role: Role
    people: list[Person] = field(default_factory=list)
    held_as: Role | None = None

    @property
    def climbed(self) -> bool:
        return self.held_as is not None


def first_held(role: Role, *, rules: CycleRules | None, people_at: Callable[[Role], Sequence[P]],
               climb: bool = True) -> tuple[Role | None, Sequence[P]]:
    """The first role of [role, *its fallback chain] that somebody holds, and its holders; (None, []) if none."""
    chain = [role, *rules.fallback_chain(role)] if (climb and rules is not None) else [role]
    for candidate in chain:
        found = people_at(candidate)
        if found:
            return candidate, found
    return None, []


def _rows(session: Session, org_ids: list[int], roles: list[str]):
    for start in range(0, len(org_ids), 1000):
        yield from session.execute(
            select(Contact.id, Contact.org_id, Contact.name, Contact.email, Contact.role, Contact.phone)
            .where(Contact.org_id.in_(org_ids[start:start + 1000]), Contact.active, Contact.role.in_(roles))
            .order_by(Contact.id)
        ).all()


def holders(session: Session, *, org_ids: Iterable[int], roles: Iterable[Role | str]) -> dict[int, list[Person]]:
    """The active contacts holding any of `roles` at each organisation, in directory order (no climbing)."""
    wanted = sorted({o for o in org_ids if o is not None})
    names = [r.value if isinstance(r, Role) else r for r in roles]
    out: dict[int, list[Person]] = defaultdict(list)
    if wanted and names:
        for r in _rows(session, wanted, names):
            out[r.org_id].append(Person(r.id, r.org_id, r.name, r.email, r.role, r.phone))
    return out


def level_of(session: Session, role: Role, place: Organisation) -> Organisation | None:
    """The organisation where `role` is held for `place`: the place itself, its township or its county."""
    level = ROLE_ORG_KIND[role].value
    if place.kind == level:
        return place
    township = place if place.kind == OrgKind.township.value else (
        session.get(Organisation, place.township_id) if place.township_id else None)
    if level == OrgKind.township.value:
        return township
    if level == OrgKind.county.value:
        if place.kind == OrgKind.county.value:
            return place
        return session.get(Organisation, township.parent_id) if township and township.parent_id else None
    return None


def resolve(session: Session, *, role: Role, place: Organisation, rules: CycleRules | None = None,
            climb: bool = True) -> Resolved:
    """The people holding `role` for `place`, climbing the rules' fallback chain while nobody does."""

    def people_at(candidate: Role) -> list[Person]:
        org = level_of(session, candidate, place)
        return holders(session, org_ids=[org.id], roles=[candidate]).get(org.id, []) if org else []

    held, people = first_held(role, rules=rules, people_at=people_at, climb=climb)
    return Resolved(role=role, people=list(people), held_as=held if held not in (None, role) else None)


def unique_by_address(people: Iterable[Person]) -> list[Person]:
    """One entry per address (a person holding two of the roles gets one mail), first one kept."""
    seen: set[str] = set()
    out = []
    for p in people:
        if p.email.lower() not in seen:
            seen.add(p.email.lower())
            out.append(p)
    return out


def post_title(session: Session, person: Person) -> str:
    """How a mail's salutation names the person's post, at the organisation where they hold it: 石门镇镇长,
    青岚县安委办, 青岚县石门建筑工程有限公司主要负责人 (templates/mail/_salutation: "石门镇镇长 李明同志：")."""
    org = session.get(Organisation, person.org_id)
    return role_title(person.role, org.name if org is not None else None)

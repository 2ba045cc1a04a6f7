"""The one resolver from a role at a place to the people who hold it (anquan/directory/recipients.py)."""

from __future__ import annotations

from sqlalchemy import select

from anquan.directory.importer import import_directory
from anquan.directory.recipients import first_held, holders, resolve, unique_by_address, Person
from anquan.models.directory import Organisation, Role
from tests.support import SMALL_CONTACTS, SMALL_ORGS, write_csvs


def _org(s, code):
    return s.execute(select(Organisation).where(Organisation.code == code)).scalar_one()


def test_holders_by_organisation_in_directory_order(app, small_dir):
    with app.session() as s:
        import_directory(session=s, path=small_dir)
        t1 = _org(s, "T1")
        found = holders(s, org_ids=[t1.id, None], roles=[Role.safety_office, Role.township_head])
        assert [p.name for p in found[t1.id]] == ["李镇长", "王安监", "赵安监"]
        assert {p.role for p in found[t1.id]} == {"township_head", "safety_office"}
        assert holders(s, org_ids=[], roles=[Role.safety_office]) == {}


def test_resolve_finds_the_level_of_the_role_from_any_place(app, small_dir):
    with app.session() as s:
        import_directory(session=s, path=small_dir)
        enterprise = _org(s, "E1")
        office = resolve(s, role=Role.safety_office, place=enterprise, rules=app.rules)
        assert [p.email for p in office.people] == ["so1@t1.example", "so2@t1.example"] and not office.climbed
        county = resolve(s, role=Role.county_office, place=enterprise, rules=app.rules)
        assert [p.email for p in county.people] == ["office@county.example"]


def test_resolve_climbs_the_fallback_chain_only_when_asked(app, tmp_path):
    # T2 has no safety office and no deputy: the chain goes safety_office -> deputy_head_safety -> township_head.
    folder = write_csvs(tmp_path / "d", SMALL_ORGS, SMALL_CONTACTS)
    with app.session() as s:
        import_directory(session=s, path=folder)
        t2 = _org(s, "T2")
        climbed = resolve(s, role=Role.safety_office, place=t2, rules=app.rules)
        assert [p.email for p in climbed.people] == ["head@t2.example"]
        assert climbed.held_as == Role.township_head and climbed.climbed
        stay = resolve(s, role=Role.safety_office, place=t2, rules=app.rules, climb=False)
        assert stay.people == [] and stay.held_as is None


def test_first_held_walks_the_rules_chain(app):
    asked = []

    def people_at(role):
        asked.append(role)
        return ["x"] if role == Role.township_head else []

    held, people = first_held(Role.safety_office, rules=app.rules, people_at=people_at)
    assert held == Role.township_head and people == ["x"]
    assert asked == [Role.safety_office, Role.deputy_head_safety, Role.township_head]
    assert first_held(Role.safety_office, rules=app.rules, people_at=lambda r: [], climb=False) == (None, [])


def test_one_mail_per_address():
    a = Person(1, 1, "甲", "A@x.example", "township_head")
    b = Person(2, 1, "甲", "a@x.example", "safety_office")
    c = Person(3, 1, "乙", "b@x.example", "safety_office")
    assert unique_by_address([a, b, c]) == [a, c]

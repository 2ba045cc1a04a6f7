"""Personal links in mail: every message the tick or an alert queues carries the recipient's own link."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from anquan.cli import app as cli
from anquan.cycle.tick import tick
from anquan.models.settings import SettingsError
from anquan.notifications.links import LinkSigner
from anquan.web.app import create_app
from tests.support import outbox
from tests.support.web import contact
from tests.web.conftest import TODAY, keyed


def _body(message) -> str:
    from email import message_from_bytes, policy

    return message_from_bytes(message.raw, policy=policy.default).get_body(("plain",)).get_content()


def test_every_queued_mail_carries_its_recipients_link(web_county):
    rows = outbox(web_county)
    assert rows and any(r.to_addr == "office@county.example" for r in rows)
    signer = LinkSigner.from_settings(web_county.settings)
    for row in rows:
        text = _body(row)
        assert "请登录" not in text and "如何回复" in text
        if row.to_addr == "office@county.example":  # the county office is not told to call itself
            assert "如有疑问" not in text and "县安委办甲" not in text.split("如何回复")[1]
        else:
            assert "如有疑问，请联系县安委办县安委办甲" in text
        [link] = re.findall(r"http://testserver/l/\S+", text)
        contact_id, epoch = signer.read(link.rsplit("/", 1)[1])
        assert contact_id == contact(web_county, row.to_addr).id and epoch == 0


def test_a_mailed_link_opens_the_recipients_page(web_county):
    row = next(r for r in outbox(web_county) if r.to_addr == "head@t1.example")
    link = re.search(r"http://testserver(/l/\S+)", _body(row)).group(1)
    with TestClient(create_app(web_county), follow_redirects=False) as c:
        assert c.get(link).status_code == 303
        assert "李镇长" in c.get("/my").text


def test_office_phone_comes_from_the_settings_where_the_directory_has_none(app, small_dir):
    from anquan.directory.importer import import_directory

    a = keyed(app, office_phone="0571-8888 1234")
    with a.session() as s:
        import_directory(session=s, path=small_dir)
        from anquan.notifications.links import Answers

        answer = Answers(settings=a.settings, session=s).for_address("boss@e1.example")
    assert (answer.office_contact, answer.office_phone) == ("县安委办甲", "0571-8888 1234")
    assert answer.link.startswith("http://testserver/l/") and not answer.own_office
    with a.session() as s:
        assert Answers(settings=a.settings, session=s).for_address("office@county.example").own_office


def test_mail_over_smtp_without_a_key_stops_with_the_setting_named(app, small_dir):
    from anquan.cycle.planning import plan_year
    from anquan.directory.importer import import_directory
    from pydantic import SecretStr

    a = keyed(app, secret_key=SecretStr(""), smtp_host="mail.county.example")
    with pytest.raises(SettingsError, match="ANQUAN_SECRET_KEY"):
        with a.session() as s:
            import_directory(session=s, path=small_dir)
            plan_year(session=s, rules=a.rules, calendar=a.calendar, year=2026)
            tick(session=s, rules=a.rules, as_of=TODAY, mail_from=a.settings.mail_from, tz=a.settings.tz)


def test_revoke_links_command(web_county, monkeypatch):
    monkeypatch.setenv("ANQUAN_DATA_DIR", str(web_county.settings.data_dir))
    if web_county.settings.database_url:
        monkeypatch.setenv("ANQUAN_DATABASE_URL", web_county.settings.database_url)
    before = contact(web_county, "boss@e1.example").link_epoch
    result = CliRunner().invoke(cli, ["contacts", "revoke-links", "E1"])
    assert result.exit_code == 0, result.output
    assert "2 contact(s) of 东山建筑公司 (E1)" in result.output
    assert contact(web_county, "boss@e1.example").link_epoch == before + 1
    assert contact(web_county, "boss@e2.example").link_epoch == 0
    assert CliRunner().invoke(cli, ["contacts", "revoke-links", "NOPE"]).exit_code != 0

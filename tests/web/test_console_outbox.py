"""The outbox for the county office (/console/outbox): mail refused by a real SMTP server shown with its reason in
Chinese, 重新发送 of one message and of every one failed since a day (audited), the people no mail reaches with
their phone, the halted-delivery banner, the exports, and a township office's account kept out."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from pydantic import SecretStr
from sqlalchemy import select

from anquan.cycle import usecases as cycle
from anquan.models.accounts import ConsoleAudit
from anquan.models.directory import Contact
from anquan.models.outbox import OutboxMessage
from tests.support.console import make_user, signed_in
from tests.support.smtp import SmtpSink, with_smtp

ADMIN = "office@county.example"  # 县安委办甲
T1_OFFICE = "so1@t1.example"
REFUSED = "head@t1.example"  # 李镇长, 东山镇, phone 13800000001


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.text
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def _status(app, addr: str) -> list[str]:
    with app.session() as s:
        return list(s.execute(select(OutboxMessage.status).where(OutboxMessage.to_addr == addr)).scalars())


def test_the_office_sees_why_mail_failed_retries_it_and_whom_to_call(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    with web_county.session() as s:  # a contact entered before addresses were required: no address at all
        town = s.execute(select(Contact.org_id).where(Contact.email == REFUSED)).scalar_one()
        s.add(Contact(org_id=town, name="冯=HYPERLINK", role="deputy_head_safety", email="", phone="13900000002"))
    sink = SmtpSink().start()
    try:
        sink.behaviour.refuse_recipients = {REFUSED}
        report = cycle.deliver_mail(with_smtp(web_county, sink))
        assert report.failed >= 1 and _status(web_county, REFUSED) == ["failed"] * len(_status(web_county, REFUSED))
        csrf = signed_in(client, ADMIN)
        page = client.get("/console/outbox")
        assert page.status_code == 200
        html = page.text
        assert "李镇长" in html and "东山镇镇长" in html and "对方邮箱不存在或拒收" in html
        assert "550 5.1.1 mailbox unavailable" in html and "投递已暂停" not in html
        # Whom to call: the refused address and the contact with none, each with organisation and phone.
        people = html.split("<h2>邮件无法送达的人员</h2>")[1]
        assert "13800000001" in people and "最近一封邮件发送失败" in people
        assert "冯=HYPERLINK" in people and "13900000002" in people and "未登记电子邮箱" in people
        assert "王安监" not in people  # delivered: nothing to call about
        rows = _rows(client.get("/console/unreachable.xlsx"))
        assert rows[0][:5] == ("姓名", "职务", "单位", "所属乡镇", "电话")
        assert ("冯=HYPERLINK", "东山镇分管安全副镇长", "东山镇", "东山镇", "13900000002") in [r[:5] for r in rows]
        failed = _rows(client.get("/console/outbox.xlsx?s=failed"))
        assert failed[0][0] == "收件人" and {r[0] for r in failed[1:]} == {"李镇长"}
        assert client.get("/console/outbox?s=failed").text.count('name="message"') == len(failed) - 1

        # 重新发送 one message: due again, and the audit log says who asked.
        with web_county.session() as s:
            one = s.execute(select(OutboxMessage.id).where(OutboxMessage.to_addr == REFUSED)).scalars().first()
        assert client.post("/console/outbox/retry", data={"message": one}).status_code == 403  # no token
        r = client.post("/console/outbox/retry", data={"csrf": csrf, "message": one, "s": "failed"})
        assert r.status_code == 303 and r.headers["location"] == "/console/outbox?done=1&s=failed"
        assert "已将 1 封邮件重新排队" in client.get(r.headers["location"]).text
        sink.behaviour.refuse_recipients = set()
        cycle.deliver_mail(with_smtp(web_county, sink))
        assert sorted(_status(web_county, REFUSED))[-1] == "sent" and REFUSED in str(sink.received[-1].rcpt_tos)
        # Every one failed since a day; a day in the future or none is refused next to the field.
        r = client.post("/console/outbox/retry", data={"csrf": csrf, "since": ""})
        assert r.status_code == 400 and 'id="since-error"' in r.text
        r = client.post("/console/outbox/retry", data={"csrf": csrf, "since": "2099-01-01"})
        assert r.status_code == 400 and "不能晚于今天" in r.text
        r = client.post("/console/outbox/retry", data={"csrf": csrf, "since": "2026-02-01"})
        assert r.status_code == 303 and "done=" in r.headers["location"]
        cycle.deliver_mail(with_smtp(web_county, sink))
        assert set(_status(web_county, REFUSED)) == {"sent"}
        assert "所有邮件均已送达" in client.get("/console/outbox").text
        assert "李镇长" not in client.get("/console/outbox").text.split("<h2>邮件无法送达的人员</h2>")[1]
    finally:
        sink.stop()
    with web_county.session() as s:
        audit = s.execute(select(ConsoleAudit.target, ConsoleAudit.detail).where(ConsoleAudit.action == "mail_retry")
                          .order_by(ConsoleAudit.id)).all()
    assert [d for _, d in audit] == ["1封邮件重新排队发送", f"{len(_status(web_county, REFUSED)) - 1}封邮件重新排队发送"]
    assert audit[0][0].startswith("致李镇长：") and audit[1][0] == "2026年2月1日以来发送失败的邮件"
    assert "重新发送邮件" in client.get("/console/users").text


def test_a_halted_delivery_is_one_banner_and_a_township_office_never_sees_the_outbox(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    make_user(web_county, T1_OFFICE, "township_office")
    sink = SmtpSink(auth=True).start()
    try:
        sink.behaviour.refuse_logins = True
        try:
            cycle.deliver_mail(with_smtp(web_county, sink, smtp_username="anquan", smtp_password=SecretStr("wrong-password")))
        except cycle.DeliveryHalted:
            pass
    finally:
        sink.stop()
    signed_in(client, ADMIN)
    html = client.get("/console/outbox").text
    assert html.count("邮件投递已暂停") == 1 and html.count("请联系信息技术人员处理") == 1 and "ANQUAN_" not in html
    assert "拒绝了本系统的登录" in html.split('role="alert"')[1].split("</div>")[0]  # the banner says why
    held = client.get("/console/outbox?s=deferred").text
    with web_county.session() as s:
        waiting = len(s.execute(select(OutboxMessage.id).where(OutboxMessage.status == "pending")).all())
    assert waiting > 1 and held.count('name="message"') == waiting and held.count("投递已暂停：") >= waiting
    assert 'name="message"' not in client.get("/console/outbox?s=pending").text  # every one held back, none new
    assert 'name="message"' not in client.get("/console/outbox?s=failed").text  # nothing failed for good
    client.cookies.clear()
    csrf = signed_in(client, T1_OFFICE)
    assert "邮件发送" not in client.get("/console/year").text
    for path in ("/console/outbox", "/console/outbox?s=failed", "/console/outbox.xlsx", "/console/unreachable.xlsx"):
        assert client.get(path).status_code == 404, path
    r = client.post("/console/outbox/retry", data={"csrf": csrf, "since": "2026-02-01"})
    assert r.status_code == 404
    with web_county.session() as s:
        assert s.execute(select(ConsoleAudit).where(ConsoleAudit.action == "mail_retry")).first() is None


def test_the_reasons_in_plain_words():
    from anquan.console.outbox import explain

    assert explain("550 5.1.1 mailbox unavailable", "failed").startswith("对方邮箱不存在或拒收")
    assert explain("451 4.3.0 try again later", "deferred").endswith("将自动重试。")
    assert explain("552 mailbox full", "failed").startswith("对方邮箱已满")
    assert explain("quarantined, cannot be built: bad address", "failed").startswith("邮箱地址无法投递")
    assert explain("delivery halted: cannot connect to mail:25: OSError", "deferred").startswith("投递已暂停：无法连接")
    assert explain("SMTPServerDisconnected: gone", "deferred").startswith("与邮件服务器的连接中断")
    assert explain(None, "pending").startswith("尚未到发送时间")

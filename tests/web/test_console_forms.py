"""The county office's forms in the console, each change audited: waiving a duty with a reason (免除)."""

from __future__ import annotations

from sqlalchemy import select

from anquan.models.accounts import ConsoleAudit
from anquan.models.obligations import Obligation
from tests.support.console import form_csrf, make_user, signed_in
from tests.support.web import obligation

ADMIN = "office@county.example"
T1_OFFICE = "so1@t1.example"
REASON = "该企业已于1月停产注销，经核实免除本月风险分析"


def _waive(client, csrf, ob, reason=REASON) -> dict:
    data = {"obligation": str(ob.id), "reason": reason, "y": "2026", "t": "", "k": ob.kind, "show": "all", "p": "1"}
    if csrf is not None:
        data["csrf"] = csrf
    return data


def test_the_county_office_waives_a_duty_with_a_reason_and_it_is_audited(web_county, client):
    make_user(web_county, ADMIN, "county_staff")
    signed_in(client, ADMIN)
    ob = obligation(web_county, "E1", "monthly_risk_analysis")
    with web_county.session() as s:
        from anquan.models.directory import Organisation
        t1 = s.execute(select(Organisation.id).where(Organisation.code == "T1")).scalar_one()
    page = client.get(f"/console/year/cell?y=2026&t={t1}&k=monthly_risk_analysis")
    assert "免除此事项" in page.text
    csrf = form_csrf(page.text)
    data = _waive(client, csrf, ob) | {"t": str(t1)}
    # No token: refused; a reason too short: refused next to the field; nothing changes.
    assert client.post("/console/year/cell/waive", data={k: v for k, v in data.items() if k != "csrf"}).status_code == 403
    r = client.post("/console/year/cell/waive", data=data | {"reason": "停产"})
    assert r.status_code == 400 and "请填写免除原因" in r.text and 'aria-invalid="true"' in r.text
    with web_county.session() as s:
        assert s.get(Obligation, ob.id).status == "open"
    r = client.post("/console/year/cell/waive", data=data)
    assert r.status_code == 303 and "done=waived" in r.headers["location"]
    assert "已免除该事项" in client.get(r.headers["location"]).text
    with web_county.session() as s:
        row = s.get(Obligation, ob.id)
        assert (row.status, row.waived_reason, row.next_action_on) == ("waived", REASON, None)
        [entry] = s.execute(select(ConsoleAudit).where(ConsoleAudit.action == "obligation_waive")).scalars().all()
    assert (entry.actor, entry.detail, entry.client_addr) == (ADMIN, REASON, "testclient")
    assert entry.target == "东山建筑公司 2026年1月 企业每月安全生产风险分析"
    # Again: not open any more, said next to the field.
    r = client.post("/console/year/cell/waive", data=data)
    assert r.status_code == 400 and "已不在待办状态" in r.text


def test_a_township_office_cannot_waive(web_county, client):
    make_user(web_county, T1_OFFICE, "township_office")
    csrf = signed_in(client, T1_OFFICE)
    ob = obligation(web_county, "E1", "monthly_risk_analysis")
    t1 = ob.org_id  # any number: the route refuses before reading it
    assert "免除此事项" not in client.get(f"/console/year/cell?y=2026&t={obligation(web_county, 'T1', 'book_signing').org_id}"
                                       "&k=monthly_risk_analysis").text
    r = client.post("/console/year/cell/waive", data=_waive(client, csrf, ob) | {"t": str(t1)})
    assert r.status_code == 404
    with web_county.session() as s:
        assert s.get(Obligation, ob.id).status == "open"

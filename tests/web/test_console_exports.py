"""The console's tables as .xlsx: the year's matrix (a township office's only its own row), the ranking, the
enterprises' monthly completion and the accounts (the outbox's and a township's in their own tests)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from tests.support.console import make_user, signed_in

ADMIN = "office@county.example"
T1_OFFICE = "so1@t1.example"


def _sheets(response) -> dict[str, list[tuple]]:
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    wb = load_workbook(BytesIO(response.content))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_the_matrix_and_the_ranking_export(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    signed_in(client, ADMIN)
    sheets = _sheets(client.get("/console/year.xlsx?y=2026"))
    matrix, detail = sheets["2026年全年概览"], sheets["明细"]
    assert matrix[0][:2] == ("乡镇", "签订安全生产目标责任书") and [r[0] for r in matrix[1:]] == ["东山镇", "西河乡"]
    assert detail[0][:4] == ("乡镇", "责任事项", "合计", "逾期未报")
    # 20 February: the books (due 28 February) are in their reminder window, nothing overdue yet.
    book = next(r for r in detail if r[:2] == ("东山镇", "签订安全生产目标责任书"))
    assert book[2] == 3 and book[3 + 1] == 3  # 合计 3, 待办 3
    ranking = _sheets(client.get("/console/ranking.xlsx?y=2026"))
    [title] = [t for t in ranking if t.endswith("排名")]
    assert ranking[title][0][:3] == ("名次", "乡镇", "得分") and len(ranking[title]) == 3
    assert client.get("/console/ranking.xlsx?y=2027").status_code == 404  # never planned


def test_a_township_office_exports_its_own_row_only(web_county, client):
    make_user(web_county, T1_OFFICE, "township_office")
    signed_in(client, T1_OFFICE)
    sheets = _sheets(client.get("/console/year.xlsx"))
    assert [r[0] for r in sheets["2026年全年概览"][1:]] == ["东山镇"]
    assert {r[0] for r in sheets["明细"][1:]} == {"东山镇"}
    assert client.get("/console/ranking.xlsx").status_code == 404


def test_the_completion_and_the_accounts_export(web_county, client):
    make_user(web_county, ADMIN, "county_admin")
    make_user(web_county, T1_OFFICE, "township_office")
    signed_in(client, ADMIN)
    sheets = _sheets(client.get("/console/completion.xlsx?y=2026"))
    rates = sheets["2026年企业风险分析完成率"]
    assert rates[0][:3] == ("乡镇", "1月", "2月") and [r[0] for r in rates[1:]] == ["东山镇", "西河乡"]
    assert sheets["明细"][0] == ("乡镇", "月份", "应报", "按时", "逾期完成", "逾期未报", "完成率")
    assert ("东山镇", "1月") in [r[:2] for r in sheets["明细"][1:]]
    accounts = _sheets(client.get("/console/users.xlsx"))["工作台账户"]
    assert accounts[0] == ("姓名", "单位", "角色", "账号", "状态", "最近登录")
    assert {(r[0], r[2], r[4]) for r in accounts[1:]} == {("县安委办甲", "县安委办管理员", "启用"),
                                                          ("王安监", "乡镇安监办", "启用")}
    client.cookies.clear()
    signed_in(client, T1_OFFICE)
    assert [r[0] for r in _sheets(client.get("/console/completion.xlsx"))["2026年企业风险分析完成率"][1:]] == ["东山镇"]
    assert client.get("/console/users.xlsx").status_code == 404

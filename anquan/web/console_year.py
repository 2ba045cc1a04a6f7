"""The console's year at a glance: the township × duty matrix (/console/year), one cell's duties with their history
(/console/year/cell), an evidence file (/console/files/{id}).

A township office's account sees its own township's row and cells; any other township's is a 404."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from anquan.assessment import usecases as assessment
from anquan.console import usecases as console
from anquan.console.export import completion_workbook, matrix_workbook, ranking_workbook, township_workbook
from anquan.console.yearview import STATE_LABELS, STATES, ORG_KIND_LABELS
from anquan.console.usecases import WAIVE_REASON_MAX, WAIVE_REASON_MIN
from anquan.cycle.mine import NotYours
from anquan.errors import AnquanError
from anquan.vocabulary import accident_kind_label
from anquan.web.console import console_page, posted_form, require, xlsx_response
from anquan.web.township import MEDIA_TYPES

router = APIRouter()


def _year(request: Request, text: str | None) -> int:
    offered = console.years(request.app.state.anquan)
    if text is None:
        return request.app.state.anquan.today().year
    if not (text.isdigit() and int(text) in offered):
        raise HTTPException(404)
    return int(text)


def _number(text: str | None) -> int:
    if not (text and text.isdigit() and len(text) <= 9):
        raise HTTPException(404)
    return int(text)


@router.get("/console/year")
def year(request: Request, y: str | None = None) -> Response:
    staff = require(request)
    a = request.app.state.anquan
    chosen = _year(request, y)
    m = console.year_matrix(a, year=chosen, only=staff.only)

    def cell_link(township_id: int, kind: str, show: str = "all") -> str:
        return "/console/year/cell?" + urlencode({"y": chosen, "t": township_id, "k": kind, "show": show})

    return console_page(request, "year.html.j2", staff, {
        "m": m, "years": console.years(a), "labels": STATE_LABELS, "states": STATES, "cell_link": cell_link,
        "today": a.today()})


@router.get("/console/year/cell")
def year_cell(request: Request, y: str | None = None, t: str | None = None, k: str | None = None,
              show: str = "all", p: str | None = None, done: str | None = None) -> Response:
    return _cell_page(request, require(request), y, t, k, show, p, done=done == "waived")


def _cell_page(request: Request, staff, y, t, k, show, p, *, done: bool = False, errors: dict | None = None,
               status: int = 200) -> Response:
    a = request.app.state.anquan
    chosen, township_id = _year(request, y), _number(t)
    if not k or k not in a.rules.kinds:
        raise HTTPException(404)
    try:
        view = console.year_cell(a, year=chosen, township_id=township_id, kind=k, only=staff.only, show=show,
                                 page=_number(p) if p else 1)
    except NotYours:
        raise HTTPException(404) from None

    def link(**change) -> str:
        values = {"y": chosen, "t": township_id, "k": k, "show": view.show, "p": view.page}
        values.update(change)
        return "/console/year/cell?" + urlencode(values)

    return console_page(request, "cell.html.j2", staff, {
        "v": view, "labels": STATE_LABELS, "states": STATES, "link": link, "org_kinds": ORG_KIND_LABELS,
        "today": a.today(), "done": done, "errors": errors or {}, "reason_max": WAIVE_REASON_MAX,
        "back": {"y": chosen, "t": township_id, "k": k, "show": view.show, "p": view.page}}, status)


@router.post("/console/year/cell/waive")
async def waive(request: Request) -> Response:
    """免除 from a cell's page (county accounts only): the reason is required; the page comes back with it done."""
    staff, form, refused = await posted_form(request, county=True, max_fields=10, max_part_size=4096)
    if refused:
        return refused
    back = {k: str(form.get(k) or "") for k in ("y", "t", "k", "show", "p")}
    oid = _number(str(form.get("obligation") or ""))
    try:
        await run_in_threadpool(lambda: console.waive_duty(request.app.state.anquan, obligation_id=oid,
                                                           reason=str(form.get("reason") or "")[:2000],
                                                           actor=staff.actor(request)))
    except NotYours:
        raise HTTPException(404) from None
    except AnquanError as exc:
        errors = ({oid: f"请填写免除原因（{WAIVE_REASON_MIN}至{WAIVE_REASON_MAX}个字）。"} if exc.field == "reason"
                  else {"page": "此事项已不在待办状态（可能已报告或已免除），无需免除。"})
        return await run_in_threadpool(lambda: _cell_page(request, staff, back["y"], back["t"], back["k"], back["show"],
                                                          back["p"] or None, errors=errors, status=400))
    return RedirectResponse("/console/year/cell?" + urlencode({**back, "done": "waived"}), status_code=303)


CHART = {"width": 640, "height": 220, "left": 34, "top": 12, "bottom": 28, "step": 50, "bar": 30}
SEGMENTS = (("on_time", "#1e7a3a"), ("late", "#d39b00"), ("overdue", "#b3261e"), ("open", "#0b5394"),
            ("not_due", "#c9d3de"))


def month_bars(months) -> dict:
    """The enterprises' monthly completion as SVG rectangles (server-drawn: no script, nothing styled inline)."""
    c = CHART
    plot = c["height"] - c["top"] - c["bottom"]
    top = max((m.owed for m in months), default=0) or 1
    bars = []
    for i, m in enumerate(months):
        x, y = c["left"] + 8 + i * c["step"], c["top"] + plot
        rects = []
        for state, colour in SEGMENTS:
            h = plot * m.n(state) / top
            if h > 0:
                y -= h
                rects.append({"x": x, "y": round(y, 1), "h": round(h, 1), "fill": colour, "state": state, "n": m.n(state)})
        bars.append({"month": m.month, "x": x, "rects": rects, "label_y": c["height"] - 10,
                     "percent": m.percent if m.due else None, "percent_y": round(y - 4, 1)})
    return {"bars": bars, "top": top, "baseline": c["top"] + plot, "chart": c, "segments": SEGMENTS}


@router.get("/console/township")
def township_page(request: Request, y: str | None = None, t: str | None = None) -> Response:
    staff = require(request)
    a = request.app.state.anquan
    chosen = _year(request, y)
    township_id = _number(t) if t is not None or staff.only is None else staff.only
    try:
        view = console.township_page(a, year=chosen, township_id=township_id, only=staff.only)
    except NotYours:
        raise HTTPException(404) from None

    def cell_link(tid: int, kind: str, show: str = "all") -> str:
        return "/console/year/cell?" + urlencode({"y": chosen, "t": tid, "k": kind, "show": show})

    recorded = assessment.recorded(a, year=chosen, org_id=township_id)
    if recorded is not None and staff.only is not None and not recorded.approved:
        recorded = None  # a draft stays with the county office until it is approved
    return console_page(request, "township.html.j2", staff, {
        "v": view, "m": view.row, "labels": STATE_LABELS, "states": STATES, "cell_link": cell_link,
        "chart": month_bars(view.months), "years": console.years(a), "today": a.today(),
        "accident_kind": accident_kind_label, "rec": recorded})


@router.get("/console/ranking")
def ranking(request: Request, y: str | None = None) -> Response:
    """The county's provisional ranking: every township's score, so not for a township office's account (404)."""
    staff = require(request, county=True)
    a = request.app.state.anquan
    chosen = _year(request, y)
    return console_page(request, "ranking.html.j2", staff, {
        "r": console.ranking(a, year=chosen), "year": chosen, "years": console.years(a), "today": a.today()})


@router.get("/console/completion")
def completion(request: Request, y: str | None = None) -> Response:
    """Enterprises' monthly risk-analysis completion by township over the year (a township office: its own row)."""
    staff = require(request)
    a = request.app.state.anquan
    chosen = _year(request, y)
    return console_page(request, "completion.html.j2", staff, {
        "c": console.completion(a, year=chosen, only=staff.only), "years": console.years(a), "today": a.today()})


@router.get("/console/year.xlsx")
def year_xlsx(request: Request, y: str | None = None) -> Response:
    staff = require(request)
    chosen = _year(request, y)
    m = console.year_matrix(request.app.state.anquan, year=chosen, only=staff.only)
    return xlsx_response(matrix_workbook(m), f"{chosen}年全年概览.xlsx")


@router.get("/console/ranking.xlsx")
def ranking_xlsx(request: Request, y: str | None = None) -> Response:
    require(request, county=True)
    chosen = _year(request, y)
    r = console.ranking(request.app.state.anquan, year=chosen)
    if r is None:
        raise HTTPException(404)
    return xlsx_response(ranking_workbook(r), f"{chosen}年考核排名.xlsx")


@router.get("/console/township.xlsx")
def township_xlsx(request: Request, y: str | None = None, t: str | None = None) -> Response:
    staff = require(request)
    chosen = _year(request, y)
    township_id = _number(t) if t is not None or staff.only is None else staff.only
    try:
        view = console.township_page(request.app.state.anquan, year=chosen, township_id=township_id, only=staff.only)
    except NotYours:
        raise HTTPException(404) from None
    return xlsx_response(township_workbook(view, kind_label=accident_kind_label), f"{view.name}{chosen}年情况.xlsx")


@router.get("/console/completion.xlsx")
def completion_xlsx(request: Request, y: str | None = None) -> Response:
    staff = require(request)
    chosen = _year(request, y)
    c = console.completion(request.app.state.anquan, year=chosen, only=staff.only)
    return xlsx_response(completion_workbook(c), f"{chosen}年企业风险分析完成率.xlsx")


@router.get("/console/files/{submission}")
def evidence(request: Request, submission: str) -> Response:
    staff = require(request)
    try:
        path, name = console.evidence_file(request.app.state.anquan, submission_id=_number(submission),
                                           only=staff.only)
    except NotYours:
        raise HTTPException(404) from None
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
                        filename=name, content_disposition_type="attachment")

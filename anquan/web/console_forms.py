"""The county office's forms in the console (/console/forms): start a special rectification campaign, enter a major
event, record an accident, enter a supervision finding as a score adjustment, accept a listed hazard's
rectification (which opens its effect evaluation), record that evaluation. County accounts only: a township
office's account gets a 404, as for every county page.

Each form calls the same use case as the command line (and the Prefect deployment, for a campaign), with the
signed-in account as the actor, so the audit log records the change in the same unit of work. What the use case
refuses comes back beside its input, in the form's words; nothing is written then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from anquan.campaigns import usecases as campaigns
from anquan.campaigns.params import CAMPAIGN_REFUSALS, EVENT_REFUSALS
from anquan.console import usecases as console
from anquan.errors import AnquanError, Refused
from anquan.models.directory import Sector
from anquan.records import usecases as records
from anquan.vocabulary import ACCIDENT_KIND_LABELS, SECTOR_LABELS
from anquan.web.app import cn_date
from anquan.web.console import Staff, console_page, posted_form, require

router = APIRouter()
TEXT_MAX = 2000


@dataclass(frozen=True)
class Form:
    """One of the office's forms: its page, what each refused input is told, what is said once it is done."""

    name: str
    title: str
    template: str
    about: str
    fields: dict[str, str]
    done: str
    other: str = "未能办理，请检查填写的内容后重新提交。"


FORMS = {f.name: f for f in (
    Form("campaign", "启动专项整治", "campaign.html.j2",
         "确定整治的行业领域、乡镇和起止日期；各乡镇须在截止日期前报送整治总结，相关行业的企业同时收到通知。",
         CAMPAIGN_REFUSALS, "专项整治已启动：各乡镇的总结报送事项已生成，通知邮件已进入发送队列。"),
    Form("event", "录入重大活动", "event.html.j2",
         "录入活动名称和起止日期；各乡镇须在活动开始前完成专项安全检查并报告。",
         EVENT_REFUSALS, "重大活动已录入：各乡镇的活动前专项检查事项已生成，通知邮件已进入发送队列。"),
    Form("accident", "录入事故", "accident.html.j2",
         "录入事故所属乡镇、发生日期、类别和伤亡情况；有人员死亡的，系统立即通知乡镇主要负责人和县安委办。", {
        "org_code": "请选择事故所属乡镇。",
        "occurred_on": "请填写有效的事故发生日期，且不晚于今天。",
        "kind": "请选择事故类别。",
        "deaths": "请填写死亡人数（0或正整数）。",
        "injuries": "请填写受伤人数（0或正整数）。",
        "description": f"事故简要经过不超过{TEXT_MAX}字。"},
        "事故已录入。有人员死亡的，已通知乡镇主要负责人和县安委办。"),
    Form("adjustment", "录入督查发现问题", "adjustment.html.j2",
         "将县安委会督查中发现的问题作为加减分项，计入乡镇年度履职考核。", {
        "org_code": "请选择乡镇。",
        "year": "请选择考核年度。",
        "points": "请填写分值：-100至100之间、不为0的数，最多两位小数（扣分填负数）。",
        "item": "请填写考核项目。",
        "reason": "请填写督查发现的问题（将在考核结果中向乡镇说明）。"},
        "督查发现问题已录入，计入该乡镇的年度考核。"),
    Form("hazard", "挂牌隐患整改验收", "hazard.html.j2",
         "对整改完成的挂牌督办隐患进行验收；验收后开启整改效果评价。", {
        "hazard": "请选择要验收的隐患。",
        "closed_on": "请填写有效的验收日期，且不晚于今天。",
        "note": f"验收意见不超过{TEXT_MAX}字。"},
        "已完成整改验收，该隐患的整改效果评价已开启。",
        other="该隐患已整改验收，无需重复办理。"),
    Form("evaluation", "挂牌隐患整改效果评价", "hazard.html.j2",
         "对已验收隐患的整改效果作出评价，记录评价结论；评价记录后，该隐患的督办事项全部办结。", {
        "hazard": "请选择要评价的隐患。",
        "evaluated_on": "请填写有效的评价日期，且不早于整改验收日期、不晚于今天。",
        "note": f"请填写评价结论（{TEXT_MAX}字以内）。"},
        "整改效果评价已记录。",
        other="该隐患的整改效果评价已记录，无需重复办理。"),
)}


def _form(name: str) -> Form:
    if name not in FORMS:
        raise HTTPException(404)
    return FORMS[name]


def _choices(request: Request, form: Form) -> dict:
    """What the form's inputs offer: townships, sectors, accident kinds, years, the hazards still open."""
    a = request.app.state.anquan
    if form.name == "hazard":
        return {"hazards": [(h["id"], f"{_hazard_named(h)}（整改期限{cn_date(date.fromisoformat(h['deadline']))}"
                                      f"{'，已逾期' if h['overdue'] else ''}）")
                            for h in records.list_hazards(a, status="open")]}
    if form.name == "evaluation":
        return {"hazards": [(h["id"], f"{_hazard_named(h)}（{cn_date(date.fromisoformat(h['closed_on']))}验收，"
                                      f"评价期限{cn_date(date.fromisoformat(h['evaluation_due']))}）")
                            for h in records.hazards_awaiting_evaluation(a)]}
    return {"townships": console.townships(a), "sectors": [(s.value, SECTOR_LABELS[s.value]) for s in Sector],
            "kinds": list(ACCIDENT_KIND_LABELS.items()), "years": [(y, f"{y}年度") for y in console.years(a)]}


def _hazard_named(h: dict) -> str:
    return f"{h['org_name']} · {h['enterprise_name'] or h['place']}：{h['description']}"


def _page(request: Request, staff: Staff, form: Form, *, values: dict | None = None, errors: dict | None = None,
          done: bool = False, status: int = 200) -> HTMLResponse:
    a = request.app.state.anquan
    return console_page(request, f"forms/{form.template}", staff, {
        "f": form, "form": values or {}, "errors": errors or {}, "done": done, "today": a.today(),
        "text_max": TEXT_MAX, **_choices(request, form)}, status)


@router.get("/console/forms")
def forms_index(request: Request) -> Response:
    staff = require(request, county=True)
    return console_page(request, "forms/index.html.j2", staff, {"forms": FORMS.values()})


@router.get("/console/forms/{name}")
def form_page(request: Request, name: str, done: str | None = None) -> Response:
    staff = require(request, county=True)
    return _page(request, staff, _form(name), done=done == "1")


@router.post("/console/forms/{name}")
async def form_post(request: Request, name: str) -> Response:
    staff, raw, refused = await posted_form(request, county=True, max_fields=80, max_part_size=TEXT_MAX * 4)
    form = _form(name)
    if refused:
        return refused
    values = {k: (raw.getlist(k) if k in ("sectors", "townships") else str(raw.get(k) or "")[:TEXT_MAX + 1])
              for k in {*form.fields, *raw.keys()} if k != "csrf"}
    try:
        await run_in_threadpool(lambda: CALLS[name](request, staff, values))
    except AnquanError as exc:
        errors = _errors(form, exc)
        return await run_in_threadpool(lambda: _page(request, staff, form, values=values, errors=errors, status=400))
    return RedirectResponse(f"/console/forms/{name}?done=1", status_code=303)


def _errors(form: Form, exc: AnquanError) -> dict:
    """Each refused input with the form's message for it; what no input is about, at the top of the form."""
    fields = exc.fields if isinstance(exc, (Refused, _Unreadable)) else [exc.field] if exc.field else []
    errors = {f: form.fields[f] for f in fields if f in form.fields}
    return errors or {"page": form.other}


class _Unreadable(AnquanError):
    """The inputs that are not what they should be (a number, a date), every one at once."""

    def __init__(self, fields: list[str]):
        self._fields = fields
        super().__init__("unreadable: " + ", ".join(fields), field=fields[0])

    @property
    def fields(self) -> list[str]:
        return self._fields


def _read(values: dict, *, dates=(), numbers=(), required=(), long=()) -> dict:
    """Dates and whole numbers read from their text; every input that cannot be read, or is empty where it is
    required, refused together (the use case then checks what they mean)."""
    out, bad = dict(values), []
    for k in dates:
        try:
            out[k] = date.fromisoformat(values.get(k, ""))
        except ValueError:
            bad.append(k)
    for k in numbers:
        text = values.get(k, "").strip() or "0"
        if text.isdigit() and len(text) <= 6:
            out[k] = int(text)
        else:
            bad.append(k)
    bad += [k for k in required if not values.get(k, "").strip()]
    bad += [k for k in long if len(values.get(k, "")) > TEXT_MAX]
    if bad:
        raise _Unreadable(sorted(set(bad), key=bad.index))
    return out


def _campaign(request: Request, staff: Staff, v: dict) -> None:
    campaigns.start_campaign(request.app.state.anquan, actor=staff.actor(request), params={
        k: v.get(k, "") for k in ("name", "sectors", "townships", "from_date", "to_date", "summary_due")})


def _event(request: Request, staff: Staff, v: dict) -> None:
    campaigns.add_major_event(request.app.state.anquan, actor=staff.actor(request), params={
        k: v.get(k, "") for k in ("name", "townships", "from_date", "to_date")})


def _accident(request: Request, staff: Staff, v: dict) -> None:
    r = _read(v, dates=("occurred_on",), numbers=("deaths", "injuries"), required=("org_code", "kind"),
              long=("description",))
    records.record_accident(request.app.state.anquan, org_code=r["org_code"], occurred_on=r["occurred_on"],
                            kind=r["kind"], deaths=r["deaths"], injuries=r["injuries"], liability="liability" in v,
                            egregious="egregious" in v, description=r.get("description"), actor=staff.actor(request))


def _adjustment(request: Request, staff: Staff, v: dict) -> None:
    r = _read(v, numbers=("year",), required=("org_code", "year", "points", "item", "reason"), long=("reason",))
    records.add_adjustment(request.app.state.anquan, org_code=r["org_code"], year=r["year"], points=r["points"],
                           item=r["item"][:200], reason=r["reason"], actor=staff.actor(request))


def _hazard(request: Request, staff: Staff, v: dict) -> None:
    r = _read(v, dates=("closed_on",), numbers=("hazard",), required=("hazard",), long=("note",))
    records.close_hazard(request.app.state.anquan, hazard_id=r["hazard"], closed_on=r["closed_on"], note=r.get("note") or None,
                         actor=staff.actor(request))


def _evaluation(request: Request, staff: Staff, v: dict) -> None:
    r = _read(v, dates=("evaluated_on",), numbers=("hazard",), required=("hazard", "note"), long=("note",))
    records.evaluate_hazard(request.app.state.anquan, hazard_id=r["hazard"], evaluated_on=r["evaluated_on"],
                            note=r["note"], actor=staff.actor(request))


CALLS = {"campaign": _campaign, "event": _event, "accident": _accident, "adjustment": _adjustment, "hazard": _hazard,
         "evaluation": _evaluation}

"""What hand-started actions share (a campaign, a major event): a one-line name, a township scope,
and refusals that name each field (the parameter), whichever front door the parameters came in by."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationError
from sqlalchemy import select
from sqlmodel import Session

from anquan.errors import AnquanError, NotFound, Refused
from anquan.models.directory import Organisation, OrgKind, Sector
from anquan.vocabulary import SECTOR_LABELS


def one_line_name(v: str) -> str:
    """A name that goes into mail subjects: stripped, and refused if it holds a line break."""
    v = v.strip()
    if "\n" in v or "\r" in v:
        raise ValueError("must be one line")
    return v


ALL_TOWNSHIPS = "全部乡镇"  # the choice Prefect's form offers for 'all'


def township_codes(v):
    """'all' (or 全部乡镇), 'QL01,QL02' or a list of codes or choices -> 'all' or a list (codes or choices, which
    townships_in_scope resolves); a list holding 全部乡镇 is all of them."""
    if isinstance(v, str) and v.strip().lower() not in ("all", ALL_TOWNSHIPS):
        v = [t.strip() for t in v.split(",") if t.strip()]
    elif isinstance(v, str):
        return "all"
    if isinstance(v, list) and not v:
        raise ValueError("name at least one township, or all")
    if isinstance(v, list) and ALL_TOWNSHIPS in v:
        return "all"
    return v


def not_before(earlier: str, message: str):
    """A date field's validator: refused when before the date field `earlier` (declared, so validated, before it).
    `message` may name {v} and {earlier}."""

    def check(cls, v, info):
        other = info.data.get(earlier)
        if other is not None and v < other:
            raise ValueError(message.format(v=v, earlier=other))
        return v

    return check



SECTOR_BY_LABEL = {label: code for code, label in SECTOR_LABELS.items()}


def sector_list(v):
    """'a,b' or a list, of codes or of the Chinese names Prefect's form offers -> a list of codes."""
    if isinstance(v, str):
        v = [s.strip() for s in v.split(",") if s.strip()]
    if not isinstance(v, list):
        return v  # pydantic refuses it, naming the field
    return [SECTOR_BY_LABEL.get(s, s) if isinstance(s, str) else s for s in v]


# The parameters' types, one definition for the models below and the Prefect flows' signatures (whose JSON schema
# Prefect enforces before a run exists: sectors as choices, dates as dates; townships get the directory's codes as
# choices when the deployments are made).
Name = Annotated[str, Field(min_length=2, max_length=200, description="名称（一行）"), AfterValidator(one_line_name)]
Sectors = Annotated[list[Sector], BeforeValidator(sector_list), Field(min_length=1, description="行业领域")]
Townships = Annotated[list[str] | Literal["all"], BeforeValidator(township_codes),
                      Field(description="乡镇代码，或 all（全部乡镇）")]


# What each parameter is called and what a refusal of it tells the office, in the words of the console's forms;
# Prefect's form shows the same names (office_schema) and a refused run the same sentences (refusal_in_words).
NAME_HINT = "2至200个字，不换行"
TITLES = {"name": "名称", "sectors": "行业领域", "townships": "乡镇", "from_date": "开始日期", "to_date": "结束日期",
          "summary_due": "总结报送截止日期"}
_SCOPE_HINT = "可多选；选“全部乡镇”即全县各乡镇"
HINTS = {"campaign": {"name": NAME_HINT, "sectors": "可多选", "townships": _SCOPE_HINT,
                      "to_date": "不早于开始日期", "summary_due": "各乡镇报送整治总结的截止日期，不早于结束日期"},
         "event": {"name": NAME_HINT, "townships": _SCOPE_HINT,
                   "from_date": "须晚于今天（重大活动须在开始前录入）", "to_date": "不早于开始日期"}}
CAMPAIGN_REFUSALS = {
    "name": f"请填写专项整治名称（{NAME_HINT}）。",
    "sectors": "请至少选择一个行业领域。",
    "townships": "请至少选择一个乡镇。",
    "from_date": "请填写有效的开始日期。",
    "to_date": "请填写有效的结束日期，且不早于开始日期。",
    "summary_due": "请填写有效的总结报送截止日期，且不早于结束日期。"}
EVENT_REFUSALS = {
    "name": f"请填写活动名称（{NAME_HINT}）。",
    "townships": "请至少选择一个乡镇。",
    "from_date": "请填写有效的开始日期，且须晚于今天（重大活动须在开始前录入）。",
    "to_date": "请填写有效的结束日期，且不早于开始日期。"}


def refusal_in_words(exc: AnquanError, refusals: dict[str, str]) -> str | None:
    """What the office is told of a refused campaign or event: each refused parameter's sentence, every one at once
    (None when the refusal is about no parameter of theirs)."""
    said = [refusals[f] for f in dict.fromkeys(exc.fields) if f in refusals]
    return "".join(said) or None


def choice_codes(townships: list[tuple[str, str]]) -> dict[str, str]:
    """{choice: code} for the directory's (code, name) townships (usecases.township_choices): the name, or
    name（code） where two share it."""
    names = [name for _, name in townships]
    return {(name if names.count(name) == 1 else f"{name}（{code}）"): code for code, name in townships}


def office_schema(schema: dict, townships: list[tuple[str, str]], *, what: Literal["campaign", "event"]) -> dict:
    """A campaign's or event's parameter schema as Prefect's form should show it to the county office: Chinese names
    and hints, the sectors and the directory's townships as Chinese choices (Prefect enforces them before a run
    exists; the flow reads the choices back to codes). No township in the directory yet: 全部乡镇 alone."""
    props = schema.get("properties", {})
    for field, prop in props.items():
        if field in TITLES:
            prop["title"] = TITLES[field]
            if field in HINTS[what]:
                prop["description"] = HINTS[what][field]
    if "name" in props:
        props["name"]["pattern"] = "^[^\\r\\n]+$"  # one line (a mail subject); Prefect's form checks it as typed
    if "sectors" in props:
        props["sectors"]["items"] = {"type": "string", "enum": list(SECTOR_LABELS.values())}
        props["sectors"]["uniqueItems"] = True
        for defs in ("definitions", "$defs"):
            schema.get(defs, {}).pop("Sector", None)
            if defs in schema and not schema[defs]:
                del schema[defs]
    if "townships" in props:
        # One list of choices, 全部乡镇 first (the default): simpler in a form than a list or the word "all".
        props["townships"] = {
            "title": TITLES["townships"], "description": HINTS[what]["townships"], "type": "array", "minItems": 1,
            "uniqueItems": True, "default": [ALL_TOWNSHIPS], "position": props["townships"].get("position"),
            "items": {"type": "string", "enum": [ALL_TOWNSHIPS, *choice_codes(townships)]}}
    return schema


def validate(model: type[BaseModel], raw: dict, *, refused: str, context: dict | None = None) -> BaseModel:
    """model from raw input; a refusal (Refused) lists every bad field with its reason, e.g. ('to_date', '...').
    `context` reaches the model's validators (e.g. today, for a date that must lie ahead)."""
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as exc:
        reasons = [(str(e["loc"][0]) if e["loc"] else None, e["msg"].removeprefix("Value error, ")) for e in exc.errors()]
        raise Refused(refused, reasons) from None


def townships_in_scope(session: Session, townships: list[str] | str, *, refused: str) -> list[Organisation]:
    """The townships named by code or by their choice in Prefect's form (or all of them), in code order; unknown
    ones are refused by name."""
    every = session.execute(select(Organisation).where(Organisation.kind == OrgKind.township.value)
                            .order_by(Organisation.code)).scalars().all()
    if not every:
        raise NotFound("the directory has no township", field="townships", what=refused)
    if townships == "all":
        return list(every)
    by_code = {t.code: t for t in every}
    known = {**{choice: by_code[code] for choice, code in choice_codes([(t.code, t.name) for t in every]).items()},
             **by_code}
    unknown = sorted({t for t in townships if t not in known})
    if unknown:
        raise NotFound(f"not townships in the directory: {', '.join(unknown)}", field="townships", what=refused)
    chosen = {known[t].code for t in townships}
    return [t for t in every if t.code in chosen]

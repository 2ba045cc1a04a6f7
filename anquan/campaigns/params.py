"""What hand-started actions share (a campaign, a major event): a one-line name, a township scope,
and refusals that name each field (the parameter), whichever front door the parameters came in by."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationError
from sqlalchemy import select
from sqlmodel import Session

from anquan.errors import NotFound, Refused
from anquan.models.directory import Organisation, OrgKind, Sector


def one_line_name(v: str) -> str:
    """A name that goes into mail subjects: stripped, and refused if it holds a line break."""
    v = v.strip()
    if "\n" in v or "\r" in v:
        raise ValueError("must be one line")
    return v


def township_codes(v):
    """'all', 'QL01,QL02' or a list of codes -> 'all' or a list of codes."""
    if isinstance(v, str) and v.strip().lower() != "all":
        v = [t.strip() for t in v.split(",") if t.strip()]
    elif isinstance(v, str):
        return "all"
    if isinstance(v, list) and not v:
        raise ValueError("name at least one township, or all")
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



def sector_list(v):
    """'a,b' or a list -> a list."""
    return [s.strip() for s in v.split(",") if s.strip()] if isinstance(v, str) else v


# The parameters' types, one definition for the models below and the Prefect flows' signatures (whose JSON schema
# Prefect enforces before a run exists: sectors as choices, dates as dates; townships get the directory's codes as
# choices when the deployments are made).
Name = Annotated[str, Field(min_length=2, max_length=200, description="名称（一行）"), AfterValidator(one_line_name)]
Sectors = Annotated[list[Sector], BeforeValidator(sector_list), Field(min_length=1, description="行业领域")]
Townships = Annotated[list[str] | Literal["all"], BeforeValidator(township_codes),
                      Field(description="乡镇代码，或 all（全部乡镇）")]


def with_township_choices(schema: dict, townships: list[tuple[str, str]]) -> dict:
    """A flow's parameter schema whose `townships` lists the directory's township codes as its choices."""
    prop = schema.get("properties", {}).get("townships")
    if prop and townships:
        for option in prop.get("anyOf", []):
            if option.get("type") == "array":
                option["items"] = {"type": "string", "enum": [code for code, _ in townships]}
        prop["description"] = "乡镇代码，或 all（全部乡镇）：" + "、".join(f"{code} {name}" for code, name in townships)
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
    """The townships named (or all of them), in code order; unknown codes are refused by name."""
    q = select(Organisation).where(Organisation.kind == OrgKind.township.value)
    if townships != "all":
        q = q.where(Organisation.code.in_(townships))
    found = session.execute(q.order_by(Organisation.code)).scalars().all()
    if townships != "all":
        unknown = sorted(set(townships) - {t.code for t in found})
        if unknown:
            raise NotFound(f"not townships in the directory: {', '.join(unknown)}", field="townships", what=refused)
    if not found:
        raise NotFound("the directory has no township", field="townships", what=refused)
    return found

"""What hand-started actions share (a campaign, a major event): a one-line name, a township scope,
and refusals that name the field and its command-line option, whichever way the parameters came in."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlmodel import Session

from anquan.errors import AnquanError
from anquan.models.directory import Organisation, OrgKind


def one_line_name(v: str) -> str:
    """A name that goes into mail subjects: stripped, and refused if it holds a line break."""
    v = v.strip()
    if "\n" in v or "\r" in v:
        raise ValueError("must be one line")
    return v


def township_codes(v):
    """'all', 'QL01,QL02' or a list of codes -> 'all' or a list of codes."""
    if isinstance(v, str) and v.strip().lower() != "all":
        return [t.strip() for t in v.split(",") if t.strip()]
    return "all" if isinstance(v, str) else v


def validate(model: type[BaseModel], raw: dict, *, options: dict[str, str], refused: str) -> BaseModel:
    """model from raw input; a refusal lists every bad field with its option, e.g. 'to_date (--to): ...'."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        msgs = []
        for e in exc.errors():
            field = str(e["loc"][0]) if e["loc"] else "parameters"
            label = f"{field} ({options[field]})" if field in options else field
            msgs.append(f"{label}: {e['msg'].removeprefix('Value error, ')}")
        raise AnquanError(f"{refused}: " + "; ".join(msgs)) from None


def townships_in_scope(session: Session, townships: list[str] | str, *, refused: str) -> list[Organisation]:
    """The townships named (or all of them), in code order; unknown codes are refused by name."""
    q = select(Organisation).where(Organisation.kind == OrgKind.township.value)
    if townships != "all":
        q = q.where(Organisation.code.in_(townships))
    found = session.execute(q.order_by(Organisation.code)).scalars().all()
    if townships != "all":
        unknown = sorted(set(townships) - {t.code for t in found})
        if unknown:
            raise AnquanError(f"{refused}: townships (--townships): not townships in the directory: {', '.join(unknown)}")
    if not found:
        raise AnquanError(f"{refused}: townships (--townships): the directory has no township")
    return found

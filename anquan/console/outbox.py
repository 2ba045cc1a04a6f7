"""The outbox as the county office reads it (/console/outbox): the mail not yet delivered with the reason in plain
words, and the people no mail reaches (no address in the directory, or their last mail failed for good), with
their organisation and phone so that the office can call them.

The outbox's states are the delivery's own (anquan.notifications.delivery): a message is pending until sent or
failed; a pending one that was tried (a 4xx answer, a dropped connection) or held back by a halted run is
"deferred" here. Retrying is anquan.cycle.usecases.retry_mail, the same as `anquan mail retry`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlmodel import Session

from anquan.errors import InvalidValue
from anquan.models.directory import Contact, Organisation, OrgKind
from anquan.models.outbox import MailStatus, OutboxMessage
from anquan.notifications.outbox import HALTED
from anquan.vocabulary import role_title

STATES = ("pending", "deferred", "failed", "sent")
STATE_LABELS = {"pending": "待发送", "deferred": "等待重试", "failed": "发送失败", "sent": "已发送"}
PAGE_SIZE = 100
EXPORT_MAX = 20_000  # an export of 已发送 would otherwise hold every mail ever sent
_CODE = re.compile(r"^([245]\d\d)\b")


def explain(last_error: str | None, state: str) -> str:
    """The kind of a delivery failure in plain Chinese (the server's own words are shown beside it as they are)."""
    text = (last_error or "").strip()
    if state == "sent":
        return ""
    if text.startswith(HALTED):
        return f"投递已暂停：{halted_cause(text)}，修复后自动发送。"
    if text.startswith("quarantined"):
        return "邮箱地址无法投递（格式不被邮件系统接受），请核对通讯录中的邮箱地址。"
    if text.startswith("cannot be sent"):
        return "邮件无法经本单位邮件服务器发送（地址或内容不被接受），请核对邮箱地址。"
    code = _CODE.match(text)
    if code:
        n = int(code.group(1))
        if n in (550, 551, 553):
            return "对方邮箱不存在或拒收，请核对通讯录中的邮箱地址，或电话联系本人。"
        if n == 552:
            return "对方邮箱已满或邮件过大，已无法投递。"
        if n == 554:
            return "对方邮件服务器拒收了这封邮件（可能被判为垃圾邮件）。"
        if n >= 500:
            return "对方邮件服务器拒收，已不再自动重试。"
        if n == 421:
            return "对方邮件服务器暂时繁忙，将自动重试。"
        return "对方邮箱暂时无法接收，将自动重试。"
    if text:
        return "与邮件服务器的连接中断，将自动重试。" if state != "failed" else "发送失败。"
    return "尚未到发送时间或正在排队，将由下一次投递发出。" if state == "pending" else ""


def server_words(last_error: str | None) -> str | None:
    """The receiving server's own answer (e.g. 550 5.1.1 mailbox unavailable), when the reason is one."""
    text = (last_error or "").strip()
    return text if _CODE.match(text) else None


def halted_cause(text: str) -> str:
    """Why a delivery run halted, in words the office can pass on to IT (the settings' names stay off the page)."""
    if "refused the login" in text:
        return "邮件服务器拒绝了本系统的登录（账号或密码有误）"
    if text.removeprefix(HALTED).startswith("TLS"):
        return "与邮件服务器的加密连接失败"
    if "cannot connect" in text:
        return "无法连接本单位的邮件服务器"
    return "本单位的邮件服务器暂时无法使用"


def halted_reason(text: str) -> str:
    """The banner's words while a halted run holds the mail back."""
    return halted_cause(text) + "，全部邮件暂缓发送，请联系信息技术人员处理；修复后会自动继续，也可点击“重新发送”。"


def _state_of(t):
    """The message's state as the console names it, in SQL."""
    return case((t.c.status == MailStatus.failed.value, "failed"), (t.c.status == MailStatus.sent.value, "sent"),
                (or_(t.c.attempts > 0, t.c.last_error.like(HALTED + "%")), "deferred"), else_="pending")


@dataclass
class Message:
    id: int
    to_name: str
    to_addr: str
    roles: str  # 石门镇镇长、石门镇安监办 (every post held at the address)
    subject: str
    queued_at: datetime
    attempts: int
    state: str
    reason: str  # in Chinese
    server: str | None  # the server's words, as it said them
    sent_at: datetime | None


@dataclass
class OutboxPage:
    state: str | None  # the filter (None: everything not yet delivered)
    counts: dict[str, int]  # pending, deferred, failed
    messages: list[Message]
    page: int
    pages: int
    halted: str | None  # the halted run's reason in Chinese, while mail it held back waits


def roles_at(session: Session, addresses: list[str]) -> dict[str, str]:
    """Every post held at each address, in Chinese (石门镇镇长、石门镇安监办)."""
    found: dict[str, list[str]] = {}
    for email, role, org in session.execute(
            select(func.lower(Contact.email), Contact.role, Organisation.name)
            .join(Organisation, Organisation.id == Contact.org_id)
            .where(func.lower(Contact.email).in_(addresses)).order_by(Contact.active.desc(), Contact.id)).all():
        titles = found.setdefault(email, [])
        title = role_title(role, org)
        if title not in titles:
            titles.append(title)
    return {k: "、".join(v) for k, v in found.items()}


def outbox_page(*, session: Session, state: str | None = None, page: int | None = 1) -> OutboxPage:
    """The messages in one state (None: pending, deferred and failed), newest first, a page at a time (page None:
    the newest EXPORT_MAX of them, for the export)."""
    if state is not None and state not in STATES:
        raise InvalidValue(f"{state!r} is not one of {', '.join(STATES)}", field="state")
    t = OutboxMessage.__table__
    st = _state_of(t)
    counts = {s: 0 for s in STATES[:3]}
    counts.update(dict(session.execute(
        select(st, func.count()).where(t.c.status.in_((MailStatus.pending.value, MailStatus.failed.value)))
        .group_by(st)).all()))
    stored = {"failed": [MailStatus.failed.value], "sent": [MailStatus.sent.value]}.get(
        state or "", [MailStatus.pending.value] if state else [MailStatus.pending.value, MailStatus.failed.value])
    where = and_(t.c.status.in_(stored), st == state) if state in ("pending", "deferred") else t.c.status.in_(stored)
    total = counts.get(state, 0) if state != "sent" else session.execute(
        select(func.count()).where(t.c.status == MailStatus.sent.value)).scalar_one()
    total = sum(counts.values()) if state is None else total
    pages = max(1, -(-total // PAGE_SIZE)) if page is not None else 1
    q = (select(t.c.id, t.c.to_name, t.c.to_addr, t.c.subject, t.c.created_at, t.c.attempts, st.label("state"),
                t.c.last_error, t.c.sent_at).where(where).order_by(t.c.id.desc()))
    if page is not None:
        page = min(max(page, 1), pages)
        q = q.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    else:
        q = q.limit(EXPORT_MAX)
    rows = session.execute(q).all()
    roles = roles_at(session, sorted({r.to_addr for r in rows}))
    messages = [Message(r.id, r.to_name, r.to_addr, roles.get(r.to_addr, ""), r.subject, r.created_at, r.attempts,
                        r.state, explain(r.last_error, r.state), server_words(r.last_error), r.sent_at) for r in rows]
    halted = session.execute(
        select(t.c.last_error).where(t.c.status == MailStatus.pending.value, t.c.last_error.like(HALTED + "%"))
        .order_by(t.c.next_attempt_at.desc()).limit(1)).scalar()
    return OutboxPage(state, counts, messages, page or 1, pages, halted_reason(halted) if halted else None)


@dataclass
class Unreachable:
    """A person no mail reaches: no address in the directory, or the last mail to it failed for good."""

    name: str
    title: str  # the post, in Chinese
    organisation: str
    township: str | None
    phone: str | None
    email: str
    reason: str
    failed_at: datetime | None


def _township(org: Organisation, township_name: str | None) -> str | None:
    return org.name if org.kind == OrgKind.township.value else township_name


def unreachable(*, session: Session) -> list[Unreachable]:
    """The directory's people with no working address, by organisation (two queries: no address; last mail failed).

    "Last mail failed" is the address's newest message, failed: a later delivered one means it works again."""
    township = select(Organisation.id, Organisation.name).subquery()
    base = (select(Contact, Organisation, township.c.name.label("township"))
            .join(Organisation, Organisation.id == Contact.org_id)
            .outerjoin(township, township.c.id == Organisation.township_id).where(Contact.active))
    out = [Unreachable(c.name, role_title(c.role, o.name), o.name, _township(o, tn), c.phone, "", "通讯录中未登记电子邮箱。", None)
           for c, o, tn in session.execute(base.where(func.trim(Contact.email) == "")
                                           .order_by(Organisation.code, Contact.id)).all()]
    t = OutboxMessage.__table__
    failing = select(t.c.to_addr).where(t.c.status == MailStatus.failed.value).distinct().subquery()
    latest = (select(t.c.to_addr, func.max(t.c.id).label("last_id"))
              .where(t.c.to_addr.in_(select(failing.c.to_addr))).group_by(t.c.to_addr).subquery())
    rows = session.execute(
        base.add_columns(t.c.last_error, t.c.next_attempt_at)
        .join(latest, func.lower(Contact.email) == latest.c.to_addr)
        .join(t, and_(t.c.id == latest.c.last_id, t.c.status == MailStatus.failed.value))
        .order_by(Organisation.code, Contact.id)).all()
    out += [Unreachable(c.name, role_title(c.role, o.name), o.name, _township(o, tn), c.phone, c.email,
                        "最近一封邮件发送失败：" + explain(err, "failed"), at) for c, o, tn, err, at in rows]
    return out

"""Rendering mail: Jinja2 templates (zh-CN, plain text and HTML) into RFC 5322 messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
import base64
from email.utils import format_datetime, parseaddr
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from anquan.notifications.addresses import wire_address
from anquan.notifications.digest import ATTACH_OVER, digest_values, digest_workbook
from anquan.resources import templates_dir
from anquan.vocabulary import period_label, role_label, role_title

TEMPLATES_DIR = templates_dir("mail")

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(text: str) -> str:
    """A header-safe version of text: line breaks and control characters become one space."""
    return _CONTROL.sub(" ", text or "").strip()


@dataclass
class MailItem:
    obligation_id: int
    kind: str
    title: str
    action: str
    org_code: str
    org_name: str
    owner_name: str
    period: str
    due_on: date
    stage: str  # reminder-7 / escalation-2
    stage_kind: str  # reminder / escalation
    days: int  # days left (reminder) or days late (escalation)
    recipient_role: str
    fallback_from: str | None = None
    also_told: str | None = None
    # The event's own name, for obligations an event made (a campaign, a hazard, a major event).
    label: str | None = None
    # Who reads it how: "own" (the recipient owes it: report now), "supervise" (urge the owner),
    # "county" (the county office supervises: 督办).
    audience: str = "own"
    township_name: str = ""  # the township the item belongs to (the county's name for the county's own)
    owner_person: str | None = None  # the owner's responsible person and phone, for those who urge
    owner_phone: str | None = None
    report_to: str | None = None  # where the owner hands the material in (enterprises: the township's 安监办)
    history: str | None = None  # who was told before and when (for those above)

    @property
    def period_label(self) -> str:
        return self.label or period_label(self.period)

    @property
    def role_label(self) -> str:
        return role_label(self.recipient_role)

    @property
    def own(self) -> bool:
        return self.audience == "own"

    @property
    def late(self) -> bool:
        return self.stage_kind == "escalation"

    @property
    def when_label(self) -> str:
        """已逾期3天 / 今天到期 / 还有7天."""
        if self.late:
            return f"已逾期{self.days}天"
        return "今天到期" if self.days == 0 else f"还有{self.days}天"

    @property
    def fallback_label(self) -> str | None:
        """The post nobody holds, named at the item's township where it is a township's (石门镇安监办)."""
        label = role_label(self.fallback_from)
        if label and "乡镇" in label and self.township_name:
            return role_title(self.fallback_from, self.township_name)
        return label


@dataclass
class Rendered:
    template: str
    subject: str
    text: str
    html: str
    # Files the mail carries because of what it says (a long digest's full list as .xlsx).
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


# Every template's footer holds this mark where "how to answer" goes. The mail is rendered once per
# event; the part that is the recipient's own (their personal link) is filled in where the outbox row
# is written, by `fill_answer`.
ANSWER_MARK = "@@ANQUAN-ANSWER@@"
ANSWERS_KEY = "anquan.answers"  # session.info: the unit of work's Answers (anquan.directory.links)


@dataclass(frozen=True)
class Answer:
    """How the recipient answers: their personal link (None without a signing key), the county office's person and phone."""

    link: str | None = None
    office_contact: str | None = None
    office_phone: str | None = None
    link_days: int = 60
    # The recipient works at the county office: the footer does not tell them to call their own office.
    own_office: bool = False


def fill_answer(rendered: Rendered, answer: Answer) -> Rendered:
    """The rendered mail with its footer's "how to answer" block filled in for one recipient."""
    env = environment()
    text = env.get_template("_answer.txt.j2").render(a=answer).rstrip("\n")
    html = env.get_template("_answer.html.j2").render(a=answer).rstrip("\n")
    return Rendered(rendered.template, rendered.subject, rendered.text.replace(ANSWER_MARK, text),
                    rendered.html.replace(ANSWER_MARK, html), rendered.attachments)


def answer_for(session, email: str) -> Answer:
    """The answer block for a recipient, from the unit of work's Answers when the front door set one up."""
    answers = session.info.get(ANSWERS_KEY)
    return answers.for_address(email) if answers is not None else Answer()


@dataclass
class MailContext:
    to_name: str
    to_addr: str
    tick_date: date
    items: list[MailItem] = field(default_factory=list)
    to_title: str = ""  # how the salutation names the recipient's post: 石门镇镇长, 青岚县安委办


def cn_date(d: date | str | None) -> str:
    """2026年2月28日, from a date or an ISO date string (as records hand them over); nothing for None."""
    if d is None or d == "":
        return ""
    if isinstance(d, str):
        d = date.fromisoformat(d[:10])
    return f"{d.year}年{d.month}月{d.day}日"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates change with a deployment, not while running: no stat() per render
    )
    env.filters["cn_date"] = cn_date
    env.globals["answer_mark"] = ANSWER_MARK
    return env


def render_named(template: str, values: dict) -> Rendered:
    """Render templates/mail/<template>.{subject,txt,html}.j2 with the given values."""
    env = environment()
    subject = one_line(env.get_template(f"{template}.subject.j2").render(values))
    return Rendered(template, subject, env.get_template(f"{template}.txt.j2").render(values),
                    env.get_template(f"{template}.html.j2").render(values))


def render(ctx: MailContext) -> Rendered:
    """Pick the template (one reminder, one escalation, or a digest of several) and render it.

    A digest lists every item (own duties first, then those the recipient urges or supervises) after a summary
    by kind and township; a long one also carries the whole list as an .xlsx file.
    """
    if len(ctx.items) == 1:
        template = ctx.items[0].stage_kind
    else:
        template = "digest"
    env = environment()
    values = {
        "to_name": ctx.to_name,
        "to_title": ctx.to_title or ctx.items[0].role_label,
        "tick_date": ctx.tick_date,
        "item": ctx.items[0],
        "total": len(ctx.items),
        "escalations": sum(1 for i in ctx.items if i.stage_kind == "escalation"),
        "reminders": sum(1 for i in ctx.items if i.stage_kind == "reminder"),
    }
    attachments = []
    if template == "digest":
        values.update(digest_values(ctx.items, ctx.tick_date))
        if len(ctx.items) > ATTACH_OVER:
            attachments.append(digest_workbook(ctx.items, ctx.tick_date))
            values["attached"] = attachments[0][0]
    subject = one_line(env.get_template(f"{template}.subject.j2").render(values))
    text = env.get_template(f"{template}.txt.j2").render(values)
    html = env.get_template(f"{template}.html.j2").render(values)
    return Rendered(template, subject, text, html, attachments)


def encode_words(text: str) -> str:
    """RFC 2047 'B' encoded words for a header value that is not plain ASCII, folded between words."""
    text = one_line(text)
    if text.isascii():
        return text
    words, chunk = [], ""
    for ch in text:
        # 45 bytes of UTF-8 make 60 characters of base64: each encoded word stays under 76.
        if len((chunk + ch).encode("utf-8")) > 45:
            words.append(chunk)
            chunk = ""
        chunk += ch
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words)


def _address(name: str, addr: str) -> str:
    """A mailbox header value; the domain IDNA-encoded (a non-ASCII local part stays UTF-8, RFC 6532)."""
    name = one_line(name)
    addr = wire_address(one_line(addr))[0]
    if not name:
        return addr
    if name.isascii():
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{addr}>'
    return f"{encode_words(name)} <{addr}>"


def _base64_body(text: str) -> str:
    data = base64.b64encode(text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")).decode("ascii")
    return "\r\n".join(data[i:i + 76] for i in range(0, len(data), 76))


def build_message(
    *, rendered: Rendered, to_name: str, to_addr: str, mail_from: str, message_id: str, key: str, when: datetime,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> bytes:
    """The whole message as bytes: RFC 2047 encoded Chinese headers, text and HTML alternatives.

    Written out directly rather than through the email package's generator,
    which spends milliseconds per message folding headers; at a province's
    month end that is minutes. Every header value passes through one_line(),
    so no field can start a new header. tests/notifications check that the
    standard parser reads back every header and part.
    """
    sender_name, sender_addr = _parsed_sender(mail_from)
    boundary = f"=_anquan_{key[:32]}"
    outer = f"=_anquan_mixed_{key[:32]}"
    headers = [
        ("From", _address(sender_name, sender_addr)),
        ("To", _address(to_name, to_addr)),
        ("Subject", encode_words(rendered.subject)),
        ("Date", format_datetime(when)),
        ("Message-ID", one_line(message_id)),
        ("X-Anquan-Key", one_line(key)),
        ("Auto-Submitted", "auto-generated"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/mixed; boundary="{outer}"' if attachments else f'multipart/alternative; boundary="{boundary}"'),
    ]
    parts = []
    for subtype, body in (("plain", rendered.text), ("html", rendered.html)):
        parts.append(
            f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{_base64_body(body)}\r\n"
        )
    head = "".join(f"{k}: {v}\r\n" for k, v in headers)
    body = "".join(parts) + f"--{boundary}--\r\n"
    if attachments:
        mixed = [f"--{outer}\r\nContent-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n{body}"]
        for filename, content_type, data in attachments:
            name = encode_words(filename)
            encoded = base64.b64encode(data).decode("ascii")
            lines = "\r\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
            mixed.append(
                f"--{outer}\r\nContent-Type: {content_type}; name=\"{name}\"\r\n"
                f"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\n{lines}\r\n"
            )
        body = "".join(mixed) + f"--{outer}--\r\n"
    # ASCII throughout, except an address whose local part is not: only an SMTPUTF8 server takes that one.
    return (head + "\r\n" + body).encode("utf-8")


@lru_cache(maxsize=16)
def _parsed_sender(mail_from: str) -> tuple[str, str]:
    return parseaddr(mail_from)


def message_id_for(key: str, mail_from: str) -> str:
    """A Message-ID derived from the event's key, so a resend carries the same id."""
    domain = _parsed_sender(mail_from)[1].partition("@")[2] or "anquan.invalid"
    return f"<{key}@{domain}>"

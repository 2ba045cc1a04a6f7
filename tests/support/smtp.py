"""A real SMTP server on loopback for tests (aiosmtpd), that records what it receives, and an App that mails to it.

It can be told to refuse: the next N messages with a transient 421/451, or
some recipients with a permanent 550.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from anquan.app import App


def free_port() -> int:
    # aiosmtpd's Controller(port=0) does not work: find a free port first.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self):
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class Behaviour:
    transient_failures: int = 0  # refuse this many DATA commands with 451
    refuse_recipients: set[str] = field(default_factory=set)  # 550 at RCPT


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.sink.behaviour.refuse_recipients:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.sink.lock:
            if self.sink.behaviour.transient_failures > 0:
                self.sink.behaviour.transient_failures -= 1
                return "451 4.3.0 try again later"
            self.sink.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


class SmtpSink:
    def __init__(self):
        self.port = free_port()
        self.received: list[Received] = []
        self.behaviour = Behaviour()
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


def with_smtp(app: App, sink: SmtpSink, **extra) -> App:
    """The same database, with settings that deliver to the sink (plain SMTP on loopback)."""
    settings = app.settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": sink.port, "smtp_security": "none",
        "mail_from": "青岚县安委办 <anquan@qinglan.example>", **extra,
    })
    a = App(settings=settings)
    a.__dict__["engine"] = app.engine
    return a

"""A real SMTP server on loopback for tests (aiosmtpd), that records what it receives, and an App that mails to it.

It can be told to refuse: the next N messages with a transient 421/451, or
some recipients with a permanent 550; to refuse every login (535); to drop the
connection at given DATA commands without answering; and to offer SMTPUTF8 or not.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


_KEY = re.compile(rb"^X-Anquan-Key: *([^\r\n]+)", re.MULTILINE)

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
    refuse_logins: bool = False  # answer every AUTH with 535
    drop_at: set[int] = field(default_factory=set)  # the n-th DATA commands (1-based) at which the connection drops
    delay: float = 0.0  # seconds before answering each DATA (a slow server)
    hold_until_peers: int = 0  # take no message until this many connections have given a recipient (20 s at most)


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.sink.behaviour.refuse_recipients:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        with self.sink.lock:
            self.sink.peers.add(session.peer)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for _ in range(2000):
            if len(self.sink.peers) >= self.sink.behaviour.hold_until_peers:
                break
            await asyncio.sleep(0.01)
        if self.sink.behaviour.delay:
            await asyncio.sleep(self.sink.behaviour.delay)
        with self.sink.lock:
            self.sink.data_commands += 1
            if self.sink.data_commands in self.sink.behaviour.drop_at:
                server.transport.abort()  # gone without an answer: the client cannot know if it arrived
                return "421 4.4.2 connection dropped"
            if self.sink.behaviour.transient_failures > 0:
                self.sink.behaviour.transient_failures -= 1
                return "451 4.3.0 try again later"
            data = envelope.original_content or envelope.content
            self.sink.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), data))
            key = _KEY.search(data)
            self.sink.arrived.append(key.group(1).decode() if key else "")
        return "250 OK"


class SmtpSink:
    """`smtputf8`: offer SMTPUTF8 in EHLO; `auth`: offer AUTH (without TLS, loopback only) and count the logins."""

    def __init__(self, *, smtputf8: bool = False, auth: bool = False):
        self.port = free_port()
        self.received: list[Received] = []
        self.behaviour = Behaviour()
        self.lock = threading.Lock()
        self.logins = 0
        self.arrived: list[str] = []  # X-Anquan-Key of each message received, read as it arrives
        self.data_commands = 0
        self.peers: set = set()  # (host, port) of every connection that gave a recipient
        extra = {"authenticator": self._authenticate, "auth_require_tls": False} if auth else {}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     enable_SMTPUTF8=smtputf8, **extra)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        with self.lock:
            self.logins += 1
        return AuthResult(success=not self.behaviour.refuse_logins, handled=False)

    def keys(self) -> list[str]:
        """The X-Anquan-Key of every message received, in arrival order."""
        with self.lock:
            return list(self.arrived)

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

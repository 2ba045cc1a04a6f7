"""One SMTP connection of the deliverer, and what a failure on it means.

One login per connection with one AUTH command; a connection is reopened only
when it drops. A failure is classified as the message's own (4xx: retry, 5xx:
failed), a dropped connection (send the message in flight again on a fresh
one), or the installation's (login refused, TLS, server unreachable: the run halts).
"""

from __future__ import annotations

from functools import lru_cache

from anquan.models.settings import Settings
from anquan.notifications.addresses import wire_address

AUTH_CODES = {530, 534, 535, 538}  # authentication required / mechanism too weak / credentials invalid


def classify(exc: BaseException) -> tuple[str, str]:
    """What one message's failure means: (retry | failed | drop | halt, the reason in the server's words)."""
    import aiosmtplib

    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [e.code for e in exc.recipients]
        text = "; ".join(f"{e.code} {e.message}" for e in exc.recipients)
        return ("failed" if all(c >= 500 for c in codes) else "retry"), text
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        text = f"{exc.code} {exc.message}"
        if exc.code in AUTH_CODES:
            return "halt", f"the server refused the login ({text}); check ANQUAN_SMTP_USERNAME and ANQUAN_SMTP_PASSWORD"
        if exc.code == 421:  # the server is closing this connection
            return "drop", text
        return ("failed" if exc.code >= 500 else "retry"), text
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return "failed", f"cannot be sent through this server: {exc}"
    if isinstance(exc, (ValueError, UnicodeError)):  # an address or message nobody can send (quarantined)
        return "failed", f"cannot be sent: {exc}"
    return "drop", f"{type(exc).__name__}: {exc}".strip()


def open_failure(exc: BaseException, settings: Settings) -> str:
    """Why a connection could not be opened, as IT needs to read it (the whole run halts on it)."""
    import ssl

    import aiosmtplib

    where = f"{settings.smtp_host}:{settings.effective_smtp_port}"
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code in AUTH_CODES:
        return classify(exc)[1]
    if isinstance(exc, ssl.SSLError) or "SSL" in type(exc).__name__:
        return f"TLS failed with {where} ({exc}); check ANQUAN_SMTP_SECURITY and the server's certificate"
    return f"cannot connect to {where}: {type(exc).__name__}: {exc}".rstrip(": ")


async def _login_once(client, username: str, password: str) -> None:
    """One AUTH command with the server's preferred mechanism (aiosmtplib's login() would try every one it
    offers: a wrong password would count two or three failures against the account per connection)."""
    import aiosmtplib

    await client.ehlo()
    methods = client.supported_auth_methods
    if not methods:
        raise aiosmtplib.SMTPException("the server offers no AUTH mechanism Anquan knows (CRAM-MD5, PLAIN, LOGIN)")
    await getattr(client, f"auth_{methods[0].replace('-', '')}")(username, password)


@lru_cache(maxsize=4096)
def _quoted(address: str) -> str:
    """`<address>` as aiosmtplib's MAIL and RCPT put it (ValueError for anything unsafe on a command line)."""
    from aiosmtplib.email import quote_address

    return quote_address(address)


class Connection:
    """One reused SMTP connection: connect and log in once, reopen only when it drops."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.client = None
        self.in_data = False  # begin() has sent a message's data and end() has not ended it

    async def open(self):
        import aiosmtplib

        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.effective_smtp_port, timeout=s.smtp_timeout,
            use_tls=s.smtp_security == "tls", start_tls=s.smtp_security == "starttls",
        )
        await client.connect()
        if s.smtp_username:
            await _login_once(client, s.smtp_username, s.smtp_password.get_secret_value())
        self.client = client

    @property
    def is_open(self) -> bool:
        return self.client is not None and self.client.is_connected

    async def send(self, sender: str, to_addr: str, raw: bytes) -> None:
        """The whole transaction at once (aiosmtplib's sendmail)."""
        rcpt, needs_utf8 = wire_address(to_addr)
        await self.client.sendmail(sender, [rcpt], raw, mail_options=["SMTPUTF8"] if needs_utf8 else None)

    async def begin(self, sender: str, to_addr: str, raw: bytes) -> None:
        """Everything of sendmail's transaction but the end of data: MAIL FROM (SIZE, SMTPUTF8 when the local
        part needs it), RCPT TO, DATA and the body, line endings and dot-stuffing exactly as aiosmtplib's DATA
        writes them. The server has nothing to accept until end(); raises what sendmail would raise."""
        import aiosmtplib
        from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings

        client, Status = self.client, aiosmtplib.SMTPStatus
        rcpt, needs_utf8 = wire_address(to_addr)
        encoding, options = ("utf-8", [b"SMTPUTF8"]) if needs_utf8 else ("ascii", [])
        # sendmail's check that nothing unsafe goes on a command line, once per address (it parses each twice)
        mail_from, rcpt_to = _quoted(sender).encode(encoding), _quoted(rcpt).encode(encoding)
        await client._ehlo_or_helo_if_needed()
        if needs_utf8 and not client.supports_extension("smtputf8"):
            raise aiosmtplib.SMTPNotSupported("SMTPUTF8 is not supported by this server")
        body = normalize_message_line_endings(raw)
        if client.supports_extension("size"):
            options.insert(0, f"size={len(body)}".encode("ascii"))
        try:  # what SMTP.mail() and SMTP.rcpt() send and how they read the answers
            answer = await client.execute_command(b"MAIL", b"FROM:" + mail_from, *options)
            if answer.code != Status.completed:
                raise aiosmtplib.SMTPSenderRefused(answer.code, answer.message, sender)
            answer = await client.execute_command(b"RCPT", b"TO:" + rcpt_to)
            if answer.code not in (Status.completed, Status.will_forward):
                raise aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(answer.code, answer.message,
                                                                                        rcpt)])
            start = await client.execute_command(b"DATA")
            if start.code != Status.start_input:
                raise aiosmtplib.SMTPDataError(start.code, start.message)
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
            await self._reset()
            raise
        client.protocol.write(PERIOD_REGEX.sub(b"..", body))
        self.in_data = True

    async def end(self) -> None:
        """The end of data after begin(): the server takes the message now (250) or refuses it."""
        import aiosmtplib

        client, self.in_data = self.client, False
        protocol = client.protocol
        if protocol is None or protocol._command_lock is None:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        try:
            async with protocol._command_lock:
                protocol.write(b".\r\n")
                response = await protocol.read_response(timeout=client.timeout)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError):
            client.close()  # as aiosmtplib's data() does: an answer given up on would pair with the next command
            raise
        if response.code == aiosmtplib.SMTPStatus.domain_unavailable:
            client.close()
        elif response.code != aiosmtplib.SMTPStatus.completed:
            await self._reset()
        if response.code != aiosmtplib.SMTPStatus.completed:
            raise aiosmtplib.SMTPDataError(response.code, response.message)

    async def _reset(self) -> None:
        """RSET after a refusal, as sendmail does; a failure of it is not the message's."""
        import aiosmtplib

        try:
            await self.client.rset()
        except (ConnectionError, aiosmtplib.SMTPResponseException):
            pass

    async def drop(self):
        if self.client is not None:
            try:
                if self.client.is_connected and not self.in_data:
                    await self.client.quit()
                else:  # in the middle of a message's data: a QUIT would be read as its text
                    self.client.close()
            except Exception:
                self.client.close()
            self.client, self.in_data = None, False

"""Alerts to the installation's IT contact: straight to the SMTP server and an optional webhook, never through the
outbox (what failed may be the database the outbox lives in). Operations messages, in English, like the logs."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from anquan.models.settings import Settings


def _mail(settings: Settings, subject: str, text: str) -> None:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = settings.it_email
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(settings.mail_from)[1].rpartition("@")[2] or None)
    msg.set_content(text)
    port, timeout = settings.effective_smtp_port, settings.smtp_timeout
    client = (smtplib.SMTP_SSL(settings.smtp_host, port, timeout=timeout) if settings.smtp_security == "tls"
              else smtplib.SMTP(settings.smtp_host, port, timeout=timeout))
    with client:
        if settings.smtp_security == "starttls":
            client.starttls()
        if settings.smtp_username:
            client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        client.send_message(msg, from_addr=parseaddr(settings.mail_from)[1], to_addrs=[settings.it_email])


def _post(url: str, payload: dict, timeout: float) -> None:
    req = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        resp.read()


def send_alert(settings: Settings, subject: str, text: str) -> tuple[list[str], list[str]]:
    """Mail ANQUAN_IT_EMAIL (with SMTP) and post to ANQUAN_ALERT_WEBHOOK; return (what reached IT, what failed),
    each as short sentences."""
    reached, problems = [], []
    if settings.it_email and settings.smtp_host:
        try:
            _mail(settings, subject, text)
            reached.append(f"mail to {settings.it_email}")
        except (OSError, smtplib.SMTPException) as exc:
            problems.append(f"alert mail to {settings.it_email} failed: {exc}")
    elif settings.it_email:
        problems.append("ANQUAN_IT_EMAIL is set but ANQUAN_SMTP_HOST is not: no alert mail")
    if settings.alert_webhook:
        try:
            _post(settings.alert_webhook, {"installation": settings.installation_name, "subject": subject,
                                           "text": text}, settings.smtp_timeout)
            reached.append("webhook")
        except OSError as exc:
            problems.append(f"alert webhook {settings.alert_webhook} failed: {exc}")
    return reached, problems

"""Plain-text e-mail through SMTP (smtplib). Off unless MAIL_SERVER is configured."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from email.message import EmailMessage

from flask import current_app


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def site_address() -> str | None:
    """The site's public address from the config (``https://iop.example.org/rapport``, no slash at
    the end): SERVER_NAME, PREFERRED_URL_SCHEME and APPLICATION_ROOT. None without SERVER_NAME."""
    config = current_app.config
    if not config.get("SERVER_NAME"):
        return None
    root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
    return f"{config['PREFERRED_URL_SCHEME']}://{config['SERVER_NAME']}{root}"


def absolute_link(path: str, request_base: str | None = None) -> str:
    """``path`` (``/blocks/12``) as an address that works from an e-mail.

    On the configured address when there is one, so a mail made by the worker or the CLI links
    to the site, and no request's Host header (which a client chooses) ends up in anyone's mail.
    Without it, on ``request_base`` (the address of the request the mail came from), else the
    path as it is: relative, which a mail reader cannot open (set SERVER_NAME).
    """
    base = site_address() or request_base
    return base.rstrip("/") + path if base else path


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_FROM") or "iop-rapport@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body, charset="utf-8")
    return message


def send_messages(messages: Iterable[EmailMessage]) -> None:
    """Send over one SMTP connection. Raises on failure; callers decide what a failure means."""
    messages = list(messages)
    if not messages or not mail_enabled():
        return
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for message in messages:
            smtp.send_message(message)

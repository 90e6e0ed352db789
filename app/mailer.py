"""Sending e-mail: SMTP when configured, otherwise `.eml` files in the instance outbox."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, url_for

from app.models.columns import utcnow

SMTP_TIMEOUT = 30  # seconds
# What a mail server that is down or refuses raises: the caller tells the person to try
# again later (or, for queued mail, tries again itself).
MAIL_ERRORS = (OSError, smtplib.SMTPException)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, from the request or from LEERSPOOR_PUBLIC_URL."""
    public_url = current_app.config.get("PUBLIC_URL")
    # Without a configured address the request's Host is used: fine on a laptop, and
    # production requires LEERSPOOR_PUBLIC_URL so that no Host header steers the links.
    if has_request_context() and not public_url:
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=public_url or "http://localhost:5000"):
        return url_for(endpoint, _external=True, **values)


def mail_locale(user) -> str:
    """The language of e-mails to `user`: their own choice, else the site's default."""
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    """Send a plain-text message to one address."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = " ".join(subject.split())  # one line, whatever a name contained
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="leerspoor")
    message.set_content(body)
    if current_app.config.get("MAIL_SERVER"):
        _send_smtp(message)
    else:
        _write_to_outbox(message)
    return message


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    context = ssl.create_default_context()
    # A server that stops answering must not hold the dispatcher (and its row locks).
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(
            config["MAIL_SERVER"], config["MAIL_PORT"], context=context, timeout=SMTP_TIMEOUT
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _write_to_outbox(message: EmailMessage) -> None:
    outbox = Path(current_app.config["MAIL_OUTBOX_PATH"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(message.as_bytes())
    current_app.logger.info("E-mail to %s written to %s", message["To"], path)

"""Sending e-mail: SMTP when configured, otherwise `.eml` files in the instance outbox."""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, url_for

from app.models.columns import utcnow

SMTP_TIMEOUT = 30  # seconds
# What a mail server that is down or refuses raises: the caller tells the person to try
# again later (or, for queued mail, tries again itself).
MAIL_ERRORS = (OSError, smtplib.SMTPException)


# Where `leerspoor serve` last served, kept in the instance folder: without
# LEERSPOOR_PUBLIC_URL the e-mails that `leerspoor reminders run` and the scheduler write
# in development link to the server a developer actually runs.
SERVED_AT = "served_at"
SERVE_DEFAULT = "http://localhost:5000"  # `leerspoor serve` without --host and --port


@dataclass(frozen=True)
class LinkBase:
    """The address links in e-mails start with outside a request, and where it comes from."""

    url: str
    origin: str

    @property
    def configured(self) -> bool:
        return self.origin == "LEERSPOOR_PUBLIC_URL"


def link_base() -> LinkBase:
    """LEERSPOOR_PUBLIC_URL; else the address `leerspoor serve` last used; else its default."""
    public_url = current_app.config.get("PUBLIC_URL")
    if public_url:
        return LinkBase(public_url, "LEERSPOOR_PUBLIC_URL")
    served_at = Path(current_app.instance_path) / SERVED_AT
    if served_at.is_file() and (url := served_at.read_text().strip()):
        return LinkBase(url, "the address `leerspoor serve` last used")
    return LinkBase(SERVE_DEFAULT, "the default address of `leerspoor serve`")


def remember_served_address(host: str, port: int) -> str:
    """Keep the address `leerspoor serve` runs at for the links in e-mails; return it."""
    # A server listening on every interface is reached on this machine as localhost.
    reachable = "localhost" if _every_interface(host) else host
    url = f"http://[{reachable}]:{port}" if ":" in reachable else f"http://{reachable}:{port}"
    (Path(current_app.instance_path) / SERVED_AT).write_text(url + "\n")
    return url


def _every_interface(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:  # a host name
        return not host


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail: from LEERSPOOR_PUBLIC_URL; without it, from the
    request's own address inside a request (fine on a laptop; production requires the
    setting so that no Host header steers the links), else from `link_base()`.
    """
    if has_request_context() and not current_app.config.get("PUBLIC_URL"):
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=link_base().url):
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

"""Mail: render in the recipient's language, queue during the transaction, send after commit.

Messages queued with ``queue_email`` wait in the database session. When that
session commits they are sent (SMTP) or written to the outbox folder
(development); when it rolls back they are dropped, so a failed request mails
nobody.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_sqlalchemy.session import Session

log = logging.getLogger(__name__)

OUTBOX_KEY = "buurthulp_outbox"


@dataclass
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for a link in a mail, from PUBLIC_URL or the current request."""
    public = current_app.config.get("PUBLIC_URL")
    if not public:
        if has_request_context():
            return url_for(endpoint, _external=True, **values)
        raise RuntimeError("PUBLIC_URL is needed to build links outside a request")
    with current_app.test_request_context(base_url=public):
        return url_for(endpoint, _external=True, **values)


def render_email(template: str, locale: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML of ``templates/email/<template>.*`` in ``locale``."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = render_template(f"email/{template}.subject.txt", **context).strip()
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", subject=subject, **context)
    return " ".join(subject.split()), text, html


def queue_email(session, to: str, template: str, locale: str, headers: dict | None = None, **context) -> OutgoingEmail:
    """Render a mail now and send it once ``session`` commits."""
    subject, text, html = render_email(template, locale, **context)
    mail = OutgoingEmail(to=to, subject=subject, text=text, html=html, headers=headers or {})
    session.info.setdefault(OUTBOX_KEY, []).append(mail)
    return mail


def build_message(mail: OutgoingEmail, sender: str) -> EmailMessage:
    """A MIME message with a text and an HTML alternative."""
    # Lines up to 998 characters (RFC 5322): a long List-Unsubscribe URL stays one plain, unencoded line.
    msg = EmailMessage(policy=email_policy.default.clone(max_line_length=998))
    msg["Subject"] = mail.subject
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(sender)[1].partition("@")[2] or "buurthulp.local"
    msg["Message-ID"] = mail.headers.get("Message-ID") or make_msgid(domain=domain)
    for name, value in mail.headers.items():
        if name != "Message-ID":
            msg[name] = value
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


def deliver(messages: list[EmailMessage], config) -> list[tuple[EmailMessage, Exception]]:
    """Send over SMTP, or write to the outbox folder; returns the failures."""
    if not messages:
        return []
    if not config.get("MAIL_SERVER"):
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        for msg in messages:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            token = msg["Message-ID"].strip("<>").split("@")[0][-12:]
            (outbox / f"{stamp}-{token}.eml").write_bytes(bytes(msg))
        return []
    failures = []
    with smtp_connection(config) as smtp:
        for msg in messages:
            try:
                smtp.send_message(msg)
            except smtplib.SMTPException as exc:  # one bad address must not stop the rest
                failures.append((msg, exc))
    return failures


def smtp_connection(config) -> smtplib.SMTP:
    """An open, logged-in SMTP connection from configuration."""
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _send_after_commit(session) -> None:
    queued = session.info.pop(OUTBOX_KEY, [])
    if not queued:
        return
    app = current_app._get_current_object()
    messages = [build_message(mail, app.config["MAIL_SENDER"]) for mail in queued]
    try:
        failures = deliver(messages, app.config)
    except (OSError, smtplib.SMTPException):
        log.exception("sending %d mail(s) failed", len(messages))
        return
    for msg, exc in failures:
        log.error("mail to %s failed: %s", msg["To"], exc)


def _drop_on_rollback(session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(OUTBOX_KEY, None)


def discard_unsent(session) -> None:
    """Drop mail queued in a session that never committed."""
    session.info.pop(OUTBOX_KEY, None)


sa.event.listen(Session, "after_commit", _send_after_commit)
sa.event.listen(Session, "after_soft_rollback", _drop_on_rollback)


# Refusals of one message (this recipient, this content), after which the connection goes on.
REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
           smtplib.SMTPNotSupportedError)


class Transport:
    """One SMTP connection for the whole run (or the outbox folder without a mail server)."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, message) -> None:
        if not self.config.get("MAIL_SERVER"):
            deliver([message], self.config)
            return
        if self.smtp is None:
            self.smtp = smtp_connection(self.config)
            self.smtp.send_message(message)
            return
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            # the server closed a connection we kept (a limit per connection, a 421): once more on a new one
            self.smtp = smtp_connection(self.config)
            self.smtp.send_message(message)
        except REFUSED:
            if getattr(self.smtp, "sock", None) is None:  # refused and closed (421): start anew next time
                self.smtp = None
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None

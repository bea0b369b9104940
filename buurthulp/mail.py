"""Mail: render in the recipient's language, queue in the transaction, send from the outbox.

``queue_email`` renders a mail and adds it to the transaction as an ``OutboxMail`` row (``outbox.py``): a
request that rolls back queues nothing, and one that commits has its mail safe in the database. Requests never
talk to SMTP: ``send_queued`` (the ``send_queued_mail`` job every minute, and ``flask mail send-queued``) sends
the due rows over one connection and retries failures with exponential backoff. Without ``MAIL_SERVER``
(development) mail is written to the outbox folder as soon as the transaction commits, and /dev/outbox lists it.
The monthly digest keeps its own delivery rows but sends through the same ``Transport``.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale, get_translations
from flask_sqlalchemy.session import Session
from jinja2 import pass_context
from markupsafe import Markup

from buurthulp.db import utcnow
from buurthulp.mime import MAIL_POLICY, new_boundary
from buurthulp.outbox import MailStatus, OutboxMail

log = logging.getLogger(__name__)

FOLDER_KEY = "buurthulp_outbox_folder"  # session.info: mails for the outbox folder once the session commits


@dataclass
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for a link in a mail, from PUBLIC_URL or the current request.

    Built on the URL map directly, not in a request context of its own: ending such a context runs the request
    teardown, which would forget mail queued earlier in the same transaction."""
    public = current_app.config.get("PUBLIC_URL")
    if not public:
        if has_request_context():
            return url_for(endpoint, _external=True, **values)
        raise RuntimeError("PUBLIC_URL is needed to build links outside a request")
    parts = urlsplit(public)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def _bound_gettext(translations):
    """The templates' ``_()`` (Jinja's new-style gettext, as Flask-Babel installs it) on translations looked up once:
    the installed one looks the locale and catalogue up again for every string."""
    lookup = translations.ugettext

    @pass_context
    def gettext(__context, __string: str, **variables):
        rv = lookup(__string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    return gettext


def render_email(template: str, locale: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML of ``templates/email/<template>.*`` in ``locale``."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        context.setdefault("gettext", _bound_gettext(get_translations()))
        subject = render_template(f"email/{template}.subject.txt", **context).strip()
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", subject=subject, **context)
    return " ".join(subject.split()), text, html


def new_message_id(sender: str) -> str:
    domain = parseaddr(sender)[1].partition("@")[2] or "buurthulp.local"
    return make_msgid(domain=domain)


def queue_email(session, to: str, template: str, locale: str, headers: dict | None = None, **context) -> OutboxMail:
    """Render a mail now and put it in the outbox, in the same transaction as the change that caused it."""
    subject, text, html = render_email(template, locale, **context)
    headers = dict(headers or {})
    config = current_app.config
    row = OutboxMail(to_address=to, template=template, subject=subject, text=text, html=html,
                     message_id=headers.pop("Message-ID", None) or new_message_id(config["MAIL_SENDER"]),
                     headers=headers, status=MailStatus.QUEUED, attempts=0, next_attempt_at=utcnow(),
                     uncertain=False, last_error="")
    if not config.get("MAIL_SERVER"):
        # development: the outbox folder, written once the transaction commits (nothing to retry)
        row.status, row.attempts, row.sent_at = MailStatus.SENT, 1, utcnow()
        session.info.setdefault(FOLDER_KEY, []).append(outgoing(row))
    session.add(row)
    return row


def outgoing(row: OutboxMail) -> OutgoingEmail:
    """The mail of an outbox row, ready to build, with its own Message-ID (also when sent again)."""
    return OutgoingEmail(to=row.to_address, subject=row.subject, text=row.text, html=row.html,
                         headers={**(row.headers or {}), "Message-ID": row.message_id})


def build_message(mail: OutgoingEmail, sender: str) -> EmailMessage:
    """A MIME message with a text and an HTML alternative."""
    msg = EmailMessage(policy=MAIL_POLICY)  # lines up to 998 characters, parsed headers reused
    msg["Subject"] = mail.subject
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = mail.headers.get("Message-ID") or new_message_id(sender)
    for name, value in mail.headers.items():
        if name != "Message-ID":
            msg[name] = value
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    msg.set_boundary(new_boundary(mail.text, mail.html))
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


def _write_after_commit(session) -> None:
    queued = session.info.pop(FOLDER_KEY, [])
    if queued:
        config = current_app.config
        deliver([build_message(mail, config["MAIL_SENDER"]) for mail in queued], config)


def _drop_on_rollback(session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(FOLDER_KEY, None)


def discard_unsent(session) -> None:
    """Forget the folder mail of a session that never committed (its outbox rows went with the rollback)."""
    session.info.pop(FOLDER_KEY, None)


sa.event.listen(Session, "after_commit", _write_after_commit)
sa.event.listen(Session, "after_soft_rollback", _drop_on_rollback)


# Refusals of one message (this recipient, this content), after which the connection goes on.
REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
           smtplib.SMTPNotSupportedError)


class MaybeDelivered(smtplib.SMTPException):
    """The connection was lost after the message itself went out (DATA): the server may have accepted it. It is
    not sent again in the same run; a later run sends it with the same Message-ID, so the receiving side can
    drop a duplicate."""


def is_permanent(exc: Exception) -> bool:
    """A 5xx refusal: trying again will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def send_one(smtp: smtplib.SMTP, message: EmailMessage) -> None:
    """MAIL, RCPT and DATA for one message, telling a refusal of the envelope from a reply lost after DATA."""
    sender = parseaddr(message["From"])[1]
    recipients = [parseaddr(message["To"])[1]]
    smtp.ehlo_or_helo_if_needed()
    policy = message.policy.clone(linesep="\r\n")
    options: tuple[str, ...] = ()
    if not (sender + "".join(recipients)).isascii():  # an internationalised address, as send_message does
        if not smtp.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError("the mail server does not take internationalised addresses")
        options, policy = ("SMTPUTF8", "BODY=8BITMIME"), policy.clone(utf8=True)
    code, reply = smtp.mail(sender, options)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for address in recipients:
        code, reply = smtp.rcpt(address)
        if code not in (250, 251):
            refused[address] = (code, reply)
    if len(refused) == len(recipients):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    content = message.as_bytes(policy=policy)
    try:
        code, reply = smtp.data(content)
    except smtplib.SMTPDataError:
        smtp.rset()
        raise
    except (smtplib.SMTPServerDisconnected, OSError) as exc:  # a timeout is an OSError: no reply, no knowing
        raise MaybeDelivered(str(exc) or type(exc).__name__) from exc
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPDataError(code, reply)


class Transport:
    """One SMTP connection for the whole run (or the outbox folder without a mail server)."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, message) -> None:
        """Send one message; raises a refusal (``REFUSED``), ``MaybeDelivered``, or OSError/SMTPException when
        the server cannot be reached."""
        if not self.config.get("MAIL_SERVER"):
            deliver([message], self.config)
            return
        fresh = self.smtp is None
        if fresh:
            self.smtp = smtp_connection(self.config)
        try:
            send_one(self.smtp, message)
        except MaybeDelivered:
            self._drop()
            raise
        except smtplib.SMTPServerDisconnected:
            self._drop()
            if fresh:
                raise
            # the server closed a connection we kept (a limit per connection, a 421) before this message's
            # DATA: nothing of it went out, so once more on a new connection
            self.smtp = smtp_connection(self.config)
            send_one(self.smtp, message)
        except REFUSED:
            if getattr(self.smtp, "sock", None) is None:  # refused and closed (421): start anew next time
                self.smtp = None
            raise

    def _drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
            self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None


# --- sending the outbox --------------------------------------------------------------------------

def _retry_at(row: OutboxMail, now: datetime, config) -> datetime:
    """Exponential backoff: MAIL_RETRY_SECONDS after the first failure, doubling up to MAIL_RETRY_MAX_SECONDS."""
    delay = min(config["MAIL_RETRY_SECONDS"] * 2 ** max(row.attempts - 1, 0), config["MAIL_RETRY_MAX_SECONDS"])
    return now + timedelta(seconds=delay)


def _failed(row: OutboxMail, exc: Exception, now: datetime, config, *, uncertain: bool = False,
            refused: bool = False) -> str:
    """Record a failed attempt: retried later, or given up for good (a 5xx refusal of this message, or out of
    attempts). Returns what happened, for the counts."""
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
    row.uncertain = row.uncertain or uncertain
    if (refused and is_permanent(exc)) or row.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        row.status = MailStatus.FAILED
        log.error("mail %s (%s) given up after %d attempt(s): %s", row.id, row.template, row.attempts,
                  row.last_error)
        return "failed"
    row.next_attempt_at = _retry_at(row, now, config)
    log.warning("mail %s (%s) not sent, attempt %d, again at %s: %s", row.id, row.template, row.attempts,
                row.next_attempt_at.isoformat(), row.last_error)
    return "uncertain" if uncertain else "retry"


def _claim(session, now: datetime, limit: int, lease: timedelta) -> list[OutboxMail]:
    """Take up to ``limit`` due mails for this sender: their next attempt moves past the lease, so another sender
    leaves them alone (PostgreSQL: FOR UPDATE SKIP LOCKED, so two senders never wait for or take the same rows;
    SQLite: the conditional update runs one writer at a time). A sender that dies leaves them due again after
    the lease."""
    due = (sa.select(OutboxMail.id).where(OutboxMail.status == MailStatus.QUEUED, OutboxMail.next_attempt_at <= now)
           .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.scalars(due))
    if not ids:
        session.commit()
        return []
    # this sender's own lease time, to the microsecond, tells its rows from another sender's
    until = now + lease + timedelta(microseconds=secrets.randbelow(1_000_000))
    session.execute(sa.update(OutboxMail).where(OutboxMail.id.in_(ids), OutboxMail.status == MailStatus.QUEUED,
                                                OutboxMail.next_attempt_at <= now)
                    .values(next_attempt_at=until).execution_options(synchronize_session=False))
    session.commit()
    return list(session.scalars(sa.select(OutboxMail).where(OutboxMail.id.in_(ids),
                                                            OutboxMail.next_attempt_at == until)
                                .order_by(OutboxMail.id)))


def send_queued(session, now: datetime | None = None, *, limit: int = 500, transport: Transport | None = None) -> dict:
    """Send the due mails of the outbox over one connection: each is marked sent right after the server took
    it; a refusal is retried with backoff (a 5xx: not at all); when the server cannot be reached the run stops
    and the rest waits for the next one. Returns the counts (sent, retry, uncertain, failed, waiting)."""
    now = now or utcnow()
    config = current_app.config
    counts = {"sent": 0, "retry": 0, "uncertain": 0, "failed": 0, "waiting": 0}
    rows = _claim(session, now, limit, timedelta(seconds=config["MAIL_LEASE_SECONDS"]))
    transport = transport or Transport(config)
    try:
        for i, row in enumerate(rows):
            message = build_message(outgoing(row), config["MAIL_SENDER"])
            try:
                transport.send(message)
            except MaybeDelivered as exc:
                counts[_failed(row, exc, now, config, uncertain=True)] += 1
            except REFUSED as exc:
                counts[_failed(row, exc, now, config, refused=True)] += 1
            except (OSError, smtplib.SMTPException) as exc:  # the server cannot be reached: the rest waits
                counts[_failed(row, exc, now, config)] += 1
                rest = [r.id for r in rows[i + 1:]]
                if rest:
                    session.execute(sa.update(OutboxMail).where(OutboxMail.id.in_(rest))
                                    .values(next_attempt_at=row.next_attempt_at)
                                    .execution_options(synchronize_session=False))
                session.commit()
                log.warning("mail server unreachable: %d mail(s) wait for the next run: %s", len(rest) + 1, exc)
                break
            else:
                row.status, row.sent_at, row.last_error = MailStatus.SENT, utcnow(), ""
                row.attempts += 1
                counts["sent"] += 1
            session.commit()  # right after the server accepted (or refused) it
    finally:
        transport.close()
    counts["waiting"] = session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)
                                       .where(OutboxMail.status == MailStatus.QUEUED))
    return counts

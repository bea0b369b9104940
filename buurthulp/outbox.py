"""Mail that is never lost: a transactional outbox.

``mail.queue_email`` adds an ``OutboxMail`` row in the same transaction as the change that caused it: a request
that rolls back queues nothing, and one that commits has its mail safely in the database whatever the mail server
does. ``send_queued`` (a job every minute, and ``flask mail send-queued``) sends the due rows over one SMTP
connection, marks each sent right after the server accepted it, and retries failures with exponential backoff.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp.db import str_enum, utcnow
from buurthulp.extensions import db


class MailStatus(StrEnum):
    QUEUED = "queued"        # waiting for its (next) attempt
    SENT = "sent"            # the mail server accepted it
    FAILED = "failed"        # refused for good (a 5xx) or out of attempts: shown to the site admins
    DISCARDED = "discarded"  # a site admin gave up on it


class OutboxMail(db.Model):
    """One mail to send: rendered when it was queued, in the recipient's language."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        sa.Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_mail_outbox_sent_at", "sent_at"),
        sa.Index("ix_mail_outbox_to_address", "to_address"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    template: so.Mapped[str] = so.mapped_column(sa.String(100), default="")  # which mail, for the admins' page
    subject: so.Mapped[str] = so.mapped_column(sa.String(998))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    html: so.Mapped[str] = so.mapped_column(sa.Text)
    headers: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    message_id: so.Mapped[str] = so.mapped_column(sa.String(255), unique=True)
    status: so.Mapped[MailStatus] = so.mapped_column(str_enum(MailStatus, 10), default=MailStatus.QUEUED)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # the last attempt may have arrived (the reply after DATA was lost): sent again only with the same Message-ID
    uncertain: so.Mapped[bool] = so.mapped_column(default=False)
    last_error: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[Optional[datetime]]


def waiting(session) -> tuple[int, datetime | None]:
    """How many mails wait to be sent, and since when the oldest waits: for /healthz and the admins' page."""
    count, oldest = session.execute(sa.select(sa.func.count(), sa.func.min(OutboxMail.created_at))
                                    .where(OutboxMail.status == MailStatus.QUEUED)).one()
    return int(count), oldest


def failing(session, limit: int = 50) -> list[OutboxMail]:
    """Mails given up on, and those still being tried after a failure, newest first: for the site admins."""
    return list(session.scalars(
        sa.select(OutboxMail).where(sa.or_(OutboxMail.status == MailStatus.FAILED,
                                           sa.and_(OutboxMail.status == MailStatus.QUEUED, OutboxMail.attempts > 0)))
        .order_by(OutboxMail.id.desc()).limit(limit)))


def sent_since(session, since: datetime) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)
                              .where(OutboxMail.status == MailStatus.SENT, OutboxMail.sent_at >= since)))


def retry(session, mail: OutboxMail, now: datetime | None = None) -> None:
    """A site admin sends a failing mail again now, with a fresh count of attempts (and its own Message-ID)."""
    if mail.status not in (MailStatus.FAILED, MailStatus.QUEUED):
        return
    mail.status, mail.attempts, mail.next_attempt_at = MailStatus.QUEUED, 0, now or utcnow()


def discard(session, mail: OutboxMail) -> None:
    """A site admin gives up on a mail that is not sent."""
    if mail.status in (MailStatus.FAILED, MailStatus.QUEUED):
        mail.status = MailStatus.DISCARDED


def prune(session, now: datetime, keep_days: int) -> int:
    """Delete sent and discarded mail older than ``keep_days``: the outbox keeps no copy longer than needed."""
    before = now - timedelta(days=keep_days)
    gone = session.execute(sa.delete(OutboxMail).where(
        sa.or_(sa.and_(OutboxMail.status == MailStatus.SENT, OutboxMail.sent_at < before),
               sa.and_(OutboxMail.status == MailStatus.DISCARDED, OutboxMail.created_at < before))))
    return gone.rowcount or 0


def forget_address(session, address: str | None) -> None:
    """On account deletion: every mail to the address goes, sent or not (nothing more is sent to it)."""
    if address:
        session.execute(sa.delete(OutboxMail).where(OutboxMail.to_address == address))


def export_for(session, address: str | None) -> list[dict]:
    """The mails kept for an address: when, what about, and how it went."""
    if not address:
        return []
    rows = session.scalars(sa.select(OutboxMail).where(OutboxMail.to_address == address)
                           .order_by(OutboxMail.id))
    return [{"subject": r.subject, "queued_at": r.created_at.isoformat(), "status": str(r.status),
             "sent_at": r.sent_at.isoformat() if r.sent_at else None} for r in rows]

"""Mail that is never lost: a transactional outbox.

``mail.queue_email`` adds an ``OutboxMail`` row in the same transaction as the change that caused it: a request
that rolls back queues nothing, and one that commits has its mail safely in the database whatever the mail server
does. ``send_queued`` (a job every minute, and ``flask mail send-queued``) sends the due rows over one SMTP
connection, marks each sent right after the server accepted it, and retries failures with exponential backoff.
"""

from __future__ import annotations

from datetime import datetime
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

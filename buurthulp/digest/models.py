"""One row per neighbour and digest month: what was sent, so that a rerun sends nobody twice."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp.db import str_enum, utcnow
from buurthulp.extensions import db


class DeliveryStatus(StrEnum):
    SENT = "sent"
    EMPTY = "empty"    # nothing to show this month: no mail
    FAILED = "failed"  # the mail server refused it; retried at the next run
    # the reply after DATA was lost: it may have arrived; sent again only at the next run, with the same Message-ID
    UNCERTAIN = "uncertain"


class DigestDelivery(db.Model):
    """The digest of one month for one neighbour."""

    __tablename__ = "digest_delivery"
    __table_args__ = (
        sa.UniqueConstraint("month", "neighbour_id"),
        sa.Index("ix_digest_delivery_month_status", "month", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    month: so.Mapped[date]  # the first day of the month the digest is sent in
    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"), index=True)
    status: so.Mapped[DeliveryStatus] = so.mapped_column(str_enum(DeliveryStatus))
    message_id: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    error: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    sections: so.Mapped[str] = so.mapped_column(sa.String(100), default="")  # "asks,offers,pot": what it held
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[Optional[datetime]]

"""The broker's records: notes, warm referrals, proxy consent and follow-ups."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp.db import str_enum, utcnow
from buurthulp.extensions import db

if TYPE_CHECKING:
    from buurthulp.accounts.models import Neighbour
    from buurthulp.posts.models import Match, Post


class BrokerNote(db.Model):
    """A note on a neighbour or a match, for the brokers of one initiative only."""

    __tablename__ = "broker_note"
    __table_args__ = (
        sa.Index("ix_broker_note_initiative_id_neighbour_id", "initiative_id", "neighbour_id"),
        sa.Index("ix_broker_note_initiative_id_match_id", "initiative_id", "match_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    author_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    neighbour_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    match_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    author: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[author_id])


class Referral(db.Model):
    """A warm referral: an ask linked to a place or organisation, with who takes the person along."""

    __table_args__ = (sa.Index("ix_referral_initiative_id_created_at", "initiative_id", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    post_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200))
    place_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("place.id", ondelete="SET NULL"), index=True)
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    broker_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    post: so.Mapped[Post] = so.relationship()
    broker: so.Mapped[Optional[Neighbour]] = so.relationship()


class ConsentDecision(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ProxyConsent(db.Model):
    """A broker answered a match for a proxy neighbour after talking with them; their consent is kept."""

    __tablename__ = "proxy_consent"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    match_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), index=True)
    proxy_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    broker_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    decision: so.Mapped[ConsentDecision] = so.mapped_column(str_enum(ConsentDecision, 10))
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    recorded_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    broker: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[broker_id])


class FollowUpOutcome(StrEnum):
    WENT_WELL = "went_well"
    NEEDS_ATTENTION = "needs_attention"
    NOT_REACHED = "not_reached"


class FollowUp(db.Model):
    """"How did it go?": a broker's follow-up of done help ("elkaar in de gaten houden")."""

    __tablename__ = "follow_up"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    match_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), unique=True)
    broker_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    outcome: so.Mapped[FollowUpOutcome] = so.mapped_column(str_enum(FollowUpOutcome))
    note: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    match: so.Mapped[Match] = so.relationship()


class AskClaim(db.Model):
    """"I'm on it": the broker of an initiative who handles an ask, so that two brokers don't call the same
    neighbour. One holder per ask and initiative (the database refuses a second); visible to its brokers only."""

    __tablename__ = "ask_claim"
    __table_args__ = (
        sa.UniqueConstraint("initiative_id", "post_id"),
        sa.Index("ix_ask_claim_initiative_id_broker_id", "initiative_id", "broker_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    post_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    broker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"), index=True)
    handed_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"),
                                                              index=True)
    claimed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    broker: so.Mapped[Neighbour] = so.relationship(foreign_keys=[broker_id])
    handed_by: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[handed_by_id])


class ConsentWay(StrEnum):
    IN_PERSON = "in_person"
    BY_PHONE = "by_phone"
    THROUGH_REFERRER = "through_referrer"


class ProxyRegistration(db.Model):
    """How a neighbour without internet came to be represented: who asked, when and how they agreed, and which
    broker registered them. The form's idempotency key makes a form sent twice register one neighbour."""

    __tablename__ = "proxy_registration"

    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"),
                                                    primary_key=True)
    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    registered_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("neighbour.id", ondelete="SET NULL"), index=True)
    asked_by: so.Mapped[str] = so.mapped_column(sa.String(200))
    consent_way: so.Mapped[ConsentWay] = so.mapped_column(str_enum(ConsentWay))
    consent_on: so.Mapped[date]
    idempotency_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    registered_by: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[registered_by_id])


class ProxyAction(StrEnum):
    REGISTERED = "registered"
    POSTED = "posted"
    ANSWERED = "answered"
    MARKED_DONE = "marked_done"
    CONFIRMED_DONE = "confirmed_done"
    THANKED = "thanked"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"
    MESSAGED = "messaged"
    READ_CONVERSATION = "read_conversation"
    SIGNED_UP = "signed_up"    # for a date of an activity
    SIGNED_OFF = "signed_off"
    LIFT_ASKED = "lift_asked"  # a lift to a date of an activity


class BrokerAction(db.Model):
    """What a broker did for a neighbour without internet, with the broker's name: the proxy's own log."""

    __tablename__ = "broker_action"
    __table_args__ = (sa.Index("ix_broker_action_neighbour_id_created_at", "neighbour_id", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    broker_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"),
                                                           index=True)
    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    match_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("match.id", ondelete="SET NULL"), index=True)
    action: so.Mapped[ProxyAction] = so.mapped_column(str_enum(ProxyAction, 30))
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    broker: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[broker_id])

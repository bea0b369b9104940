"""Posts (asks and offers), matches, conversations, notifications, thanks, reports and blocks."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp.categories import Category
from buurthulp.db import str_enum, utcnow
from buurthulp.extensions import db

if TYPE_CHECKING:
    from buurthulp.accounts.models import Neighbour
    from buurthulp.activities.models import Activity
    from buurthulp.neighbourhoods.models import Neighbourhood
    from buurthulp.places.models import Place


class PostKind(StrEnum):
    ASK = "ask"
    OFFER = "offer"


class PostStatus(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    DONE = "done"
    CLOSED = "closed"
    EXPIRED = "expired"


class Timing(StrEnum):
    ONCE = "once"          # on a date, in a part of the day
    FLEXIBLE = "flexible"  # some time within a period
    WEEKLY = "weekly"      # on weekdays x parts of day, until a date


class PostLocation(StrEnum):
    HOME_AREA = "home_area"  # near the author's home
    THEIR_PLACE = "their_place"  # at the other person's place
    ELSEWHERE = "elsewhere"


class Post(db.Model):
    """An ask or an offer. One model for both: nobody is only a helper or only helped."""

    __table_args__ = (
        # The feed: open posts of some neighbourhoods, newest first. On PostgreSQL the
        # other feed filters ride along, so a page's ids and its count come from the index alone.
        sa.Index("ix_post_feed", "status", "neighbourhood_id", "created_at", "id",
                 postgresql_include=["expires_at", "hidden_at", "author_id", "kind", "category", "circle_id",
                                     "circle_only_until"]),
        sa.Index("ix_post_author_id_status", "author_id", "status"),
        sa.Index("ix_post_status_expires_at", "status", "expires_at"),
        sa.Index("ix_post_status_category", "status", "category"),
        sa.Index("ix_post_status_kind", "status", "kind"),
        sa.Index("ix_post_neighbourhood_id_created_at", "neighbourhood_id", "created_at"),  # figures per month
        # the hourly matcher: the open posts of some (neighbourhood, category) buckets, and what changed in an hour
        sa.Index("ix_post_open_category_neighbourhood_id", "category", "neighbourhood_id",
                 postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'")),
        sa.Index("ix_post_updated_at", "updated_at"),
        sa.Index("ix_post_circle_only_until", "circle_only_until",
                 postgresql_where=sa.text("circle_only_until IS NOT NULL"),
                 sqlite_where=sa.text("circle_only_until IS NOT NULL")),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[PostKind] = so.mapped_column(str_enum(PostKind, 5))
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    neighbourhood_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbourhood.id", ondelete="CASCADE"))
    category: so.Mapped[Category] = so.mapped_column(str_enum(Category))
    title: so.Mapped[str] = so.mapped_column(sa.String(100))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    private_details: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    timing: so.Mapped[Timing] = so.mapped_column(str_enum(Timing, 10))
    on_date: so.Mapped[Optional[date]]
    day_part: so.Mapped[Optional[int]]
    period_start: so.Mapped[Optional[date]]
    period_end: so.Mapped[Optional[date]]
    weekly_slots: so.Mapped[int] = so.mapped_column(default=0)
    weekly_until: so.Mapped[Optional[date]]
    duration_minutes: so.Mapped[int] = so.mapped_column(default=60)
    place: so.Mapped[PostLocation] = so.mapped_column(str_enum(PostLocation), default=PostLocation.HOME_AREA)
    place_note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # "ga mee": going along to a place or activity of the living map
    place_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("place.id", ondelete="SET NULL"), index=True)
    # Copied from the author when posting, already rounded to about 100 m.
    latitude: so.Mapped[Optional[float]]
    longitude: so.Mapped[Optional[float]]
    status: so.Mapped[PostStatus] = so.mapped_column(str_enum(PostStatus), default=PostStatus.OPEN)
    expires_at: so.Mapped[datetime]
    # an ask: a neighbour the matcher suggests may say yes straight away (the asker agreed beforehand, on the form,
    # where it is ticked for their own asks); else their yes waits for the asker's. False unless chosen: asks from
    # before this choice existed, lift asks, and a broker's ask for a neighbour without internet unless ticked.
    suggested_can_agree: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    reminded_at: so.Mapped[Optional[datetime]]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: so.Mapped[Optional[datetime]]
    hidden_at: so.Mapped[Optional[datetime]]
    hidden_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    # "to my circle": shown to the author's support circle first; from circle_only_until on (when set) to the
    # neighbourhood as any post, else to the circle only
    circle_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("circle.id", ondelete="SET NULL"),
                                                           index=True)
    circle_only_until: so.Mapped[Optional[datetime]]
    # a lift to (or offered to) a date of an activity: "Ik zoek vervoer" / "Ik kan iemand meenemen"
    activity_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("activity.id", ondelete="SET NULL"),
                                                             index=True)
    activity_on: so.Mapped[Optional[date]]  # the activity's series date

    author: so.Mapped[Neighbour] = so.relationship(foreign_keys=[author_id])
    neighbourhood: so.Mapped[Neighbourhood] = so.relationship()
    living_place: so.Mapped[Optional[Place]] = so.relationship("Place", foreign_keys=[place_id])

    @property
    def is_ask(self) -> bool:
        return self.kind == PostKind.ASK

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.kind}>"


class MatchSource(StrEnum):
    SCHEDULER = "scheduler"
    BROKER = "broker"
    RESPONSE = "response"


class MatchStatus(StrEnum):
    SUGGESTED = "suggested"
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DONE = "done"
    THANKED = "thanked"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


LIVE_MATCH_STATUSES = (MatchStatus.SUGGESTED, MatchStatus.PROPOSED, MatchStatus.ACCEPTED)
AGREED_MATCH_STATUSES = (MatchStatus.ACCEPTED, MatchStatus.DONE, MatchStatus.THANKED)


class Match(db.Model):
    """A person who asks paired with a person who helps, for an ask post, an offer post or both."""

    __table_args__ = (
        # no double response: one match per ask and helper, and per offer and asker
        sa.UniqueConstraint("ask_id", "helper_id"),
        sa.UniqueConstraint("offer_id", "asker_id"),
        sa.Index("ix_match_asker_id_status", "asker_id", "status"),
        sa.Index("ix_match_helper_id_status", "helper_id", "status"),
        # Partial: the matcher writes thousands of suggestions an hour, which need none of these.
        sa.Index("ix_match_done_marked_at", "done_marked_at", postgresql_where=sa.text("done_marked_at IS NOT NULL"),
                 sqlite_where=sa.text("done_marked_at IS NOT NULL")),
        sa.Index("ix_match_accepted_at", "accepted_at", postgresql_where=sa.text("accepted_at IS NOT NULL"),
                 sqlite_where=sa.text("accepted_at IS NOT NULL")),  # figures per month
        sa.Index("ix_match_done_at", "done_at", postgresql_where=sa.text("done_at IS NOT NULL"),
                 sqlite_where=sa.text("done_at IS NOT NULL")),
        # the broker's "proposals without an answer": few rows, while suggestions are many
        sa.Index("ix_match_proposed_created_at", "created_at", postgresql_where=sa.text("status = 'proposed'"),
                 sqlite_where=sa.text("status = 'proposed'")),
        # the hourly matcher: suggestions to end after some days, the weeks of helpers' caps, matches that changed
        # after they were made (the run's own suggestions have updated_at == created_at, so they are not in it)
        sa.Index("ix_match_suggested_created_at", "created_at", postgresql_where=sa.text("status = 'suggested'"),
                 sqlite_where=sa.text("status = 'suggested'")),
        sa.Index("ix_match_scheduler_created_at", "created_at", postgresql_where=sa.text("source = 'scheduler'"),
                 sqlite_where=sa.text("source = 'scheduler'")),
        sa.Index("ix_match_changed_updated_at", "updated_at", postgresql_where=sa.text("updated_at > created_at"),
                 sqlite_where=sa.text("updated_at > created_at")),
        sa.CheckConstraint("asker_id <> helper_id", name="not_self"),
        sa.CheckConstraint("ask_id IS NOT NULL OR offer_id IS NOT NULL", name="has_post"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ask_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"))
    # no index of its own: uq_match_offer_id_asker_id starts with offer_id
    offer_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"))
    asker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    helper_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    source: so.Mapped[MatchSource] = so.mapped_column(str_enum(MatchSource))
    status: so.Mapped[MatchStatus] = so.mapped_column(str_enum(MatchStatus))
    score: so.Mapped[float] = so.mapped_column(default=0.0)
    # [{"code": "distance", "metres": 400}, ...]: turned into translated sentences when shown
    reasons: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # the broker who arranged it (source "broker"), or who answers for a proxy neighbour
    broker_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    asker_accepted_at: so.Mapped[Optional[datetime]]
    helper_accepted_at: so.Mapped[Optional[datetime]]
    accepted_at: so.Mapped[Optional[datetime]]
    agreed_start: so.Mapped[Optional[datetime]]
    done_marked_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    done_marked_at: so.Mapped[Optional[datetime]]
    done_at: so.Mapped[Optional[datetime]]
    minutes: so.Mapped[Optional[int]]
    km: so.Mapped[Optional[int]]  # kilometres driven for a lift, for a compensation per km
    declined_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    cancelled_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    cancel_reason: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    closed_at: so.Mapped[Optional[datetime]]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    ask: so.Mapped[Optional[Post]] = so.relationship(foreign_keys=[ask_id])
    offer: so.Mapped[Optional[Post]] = so.relationship(foreign_keys=[offer_id])
    asker: so.Mapped[Neighbour] = so.relationship(foreign_keys=[asker_id])
    helper: so.Mapped[Neighbour] = so.relationship(foreign_keys=[helper_id])
    messages: so.WriteOnlyMapped[Message] = so.relationship(
        back_populates="match", cascade="all, delete-orphan", passive_deletes=True, order_by="Message.created_at"
    )

    @property
    def post(self) -> Post:
        """The post this match is about: the ask if there is one, else the offer."""
        return self.ask or self.offer

    @classmethod
    def post_is(cls, post):
        """SQL join condition: ``post`` (Post or an alias) is the match's post, the ask else the offer. Two
        primary-key conditions: a join on coalesce(ask_id, offer_id) makes PostgreSQL read every post."""
        return sa.or_(post.id == cls.ask_id, sa.and_(cls.ask_id.is_(None), post.id == cls.offer_id))

    def other(self, neighbour_id: int) -> int:
        return self.helper_id if neighbour_id == self.asker_id else self.asker_id

    def is_participant(self, neighbour_id: int) -> bool:
        return neighbour_id in (self.asker_id, self.helper_id)

    @property
    def both_accepted(self) -> bool:
        return self.status in AGREED_MATCH_STATUSES

    def __repr__(self) -> str:
        return f"<Match {self.id} {self.status}>"


class Message(db.Model):
    """One message in the conversation of a match."""

    __table_args__ = (sa.Index("ix_message_match_id_created_at", "match_id", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    match_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"))
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    match: so.Mapped[Match] = so.relationship(back_populates="messages")
    author: so.Mapped[Neighbour] = so.relationship()


class NotificationKind(StrEnum):
    RESPONSE = "response"        # someone responded to my post
    PROPOSED = "proposed"        # a match waits for my answer
    ACCEPTED = "accepted"        # the other person said yes
    DECLINED = "declined"
    CANCELLED = "cancelled"
    MESSAGE = "message"
    DONE_MARKED = "done_marked"  # the other person says it is done; please confirm
    DONE = "done"
    THANKED = "thanked"
    EXPIRING = "expiring"        # my post expires soon
    EXPIRED = "expired"
    SUGGESTED = "suggested"      # the matcher found neighbours who could help with my asks
    SUGGESTED_TO_HELP = "suggested_to_help"  # the matcher suggested me for an ask nearby (post_id)
    ASK_HELPED = "ask_helped"    # I was asked for an ask that someone else now helps with
    ALLOWANCE_WARNING = "allowance_warning"      # a compensation for me goes over a tax-free limit
    ALLOWANCE_CAPPED = "allowance_capped"        # ... and stopped at the limit, as I asked
    ALLOWANCE_TREASURER = "allowance_treasurer"  # a compensation for a member (actor) goes over a limit
    ACTIVITY_REMINDER = "activity_reminder"      # an activity I come to is tomorrow
    ACTIVITY_CHANGED = "activity_changed"        # ... moved to another day or time
    ACTIVITY_CANCELLED = "activity_cancelled"    # ... will not take place
    ACTIVITY_MOVED_UP = "activity_moved_up"      # a place came free: I am coming now, not waiting
    ACTIVITY_MESSAGE = "activity_message"        # an organiser wrote to everyone coming


class Notification(db.Model):
    """Something for one neighbour to see in the app, and maybe in a batched mail."""

    __table_args__ = (
        sa.Index("ix_notification_neighbour_id_read_at", "neighbour_id", "read_at"),
        sa.Index("ix_notification_neighbour_id_mailed_at", "neighbour_id", "mailed_at"),
        # Partial: most notifications point at one of these at most (the matcher's, written by the thousand, at a
        # post or at nothing), and a lookup by one of them (a cascade on delete) never looks for NULL.
        *(sa.Index(f"ix_notification_{column}", column, postgresql_where=sa.text(f"{column} IS NOT NULL"),
                   sqlite_where=sa.text(f"{column} IS NOT NULL")) for column in ("match_id", "post_id", "activity_id")),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    kind: so.Mapped[NotificationKind] = so.mapped_column(str_enum(NotificationKind))
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    match_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"))
    post_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"))
    activity_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    activity_on: so.Mapped[Optional[date]]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[Optional[datetime]]
    # Set when mailed, or when no mail is wanted: nothing is left to batch.
    mailed_at: so.Mapped[Optional[datetime]]

    actor: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[actor_id])
    match: so.Mapped[Optional[Match]] = so.relationship()
    post: so.Mapped[Optional[Post]] = so.relationship()
    activity: so.Mapped[Optional[Activity]] = so.relationship()


class ThankYou(db.Model):
    """A thank-you note from the person helped; public on the helper's profile only if the helper agrees."""

    __tablename__ = "thank_you"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    match_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("match.id", ondelete="CASCADE"), unique=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    helper_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"), index=True)
    body: so.Mapped[str] = so.mapped_column(sa.String(1000))
    public: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    author: so.Mapped[Neighbour] = so.relationship(foreign_keys=[author_id])
    match: so.Mapped[Match] = so.relationship()


class Report(db.Model):
    """A post or message reported as inappropriate, for the neighbourhood's brokers and coordinators."""

    __table_args__ = (sa.Index("ix_report_neighbourhood_id_resolved_at", "neighbourhood_id", "resolved_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reporter_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    neighbourhood_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbourhood.id", ondelete="CASCADE"))
    post_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    message_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("message.id", ondelete="CASCADE"), index=True)
    activity_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"),
                                                             index=True)
    reason: so.Mapped[str] = so.mapped_column(sa.String(1000))
    # The reported text as it was when reported, so a moderator can still act after its author deleted it.
    snapshot: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    resolved_at: so.Mapped[Optional[datetime]]
    resolved_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    outcome: so.Mapped[str] = so.mapped_column(sa.String(20), default="")

    reporter: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[reporter_id])
    post: so.Mapped[Optional[Post]] = so.relationship()
    message: so.Mapped[Optional[Message]] = so.relationship()
    activity: so.Mapped[Optional[Activity]] = so.relationship()


class Block(db.Model):
    """A neighbour who blocked another: they never see each other's posts and are never matched."""

    blocker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("neighbour.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    blocked: so.Mapped[Neighbour] = so.relationship(foreign_keys=[blocked_id])

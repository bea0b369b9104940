"""Activities neighbours can join: a coffee morning next Thursday, a walk every other Tuesday.

An activity is put on by a neighbour or by an initiative (its coordinators) and has one or more organisers. A
series (weekly, every other week, monthly) is expanded on read: only what happened to a date is stored
(``ActivityDate``: cancelled, moved, how many came, reminded), and who comes (``ActivitySignup``). Taking a place
is a check followed by a write: every change of who comes to an activity takes a lock on the activity's row
first, so the last free place is taken once and the waiting list moves up once.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp.db import str_enum, utcnow
from buurthulp.extensions import db

if TYPE_CHECKING:
    from buurthulp.accounts.models import Neighbour
    from buurthulp.neighbourhoods.models import Initiative, Neighbourhood
    from buurthulp.places.models import Place


class ActivityKind(StrEnum):
    COFFEE = "coffee"
    MEAL = "meal"
    WALK = "walk"
    CREATIVE = "creative"
    GAMES = "games"
    OUTING = "outing"
    LEARNING = "learning"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    ActivityKind.COFFEE: _l("Coffee and meeting"),
    ActivityKind.MEAL: _l("Eating together"),
    ActivityKind.WALK: _l("Walking and exercise"),
    ActivityKind.CREATIVE: _l("Crafts and hobbies"),
    ActivityKind.GAMES: _l("Games and quizzes"),
    ActivityKind.OUTING: _l("Outing"),
    ActivityKind.LEARNING: _l("Learning something"),
    ActivityKind.OTHER: _l("Something else"),
}


class Repeat(StrEnum):
    ONCE = "once"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"  # the same weekday of the month: "every first Thursday"


class Cost(StrEnum):
    FREE = "free"
    AMOUNT = "amount"
    PAY_WHAT_YOU_CAN = "pay_what_you_can"


class Audience(StrEnum):
    EVERYONE = "everyone"
    ALL_AGES = "all_ages"  # children welcome
    OTHER = "other"        # the organiser's own words


class ActivityStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"  # the whole activity (every coming date) is off


class Activity(db.Model):
    """An activity on a date, or a series of dates, that neighbours can join."""

    __table_args__ = (
        # the list: active activities of some neighbourhoods whose last date has not passed
        sa.Index("ix_activity_status_neighbourhood_id_last_on", "status", "neighbourhood_id", "last_on"),
        sa.Index("ix_activity_place_id_status", "place_id", "status"),
        sa.Index("ix_activity_initiative_id", "initiative_id"),
        sa.Index("ix_activity_author_id", "author_id"),
        sa.CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name="duration_range"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("cost_cents IS NULL OR cost_cents >= 0", name="cost_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    kind: so.Mapped[ActivityKind] = so.mapped_column(str_enum(ActivityKind, 12))
    neighbourhood_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbourhood.id", ondelete="CASCADE"))
    # put on by an initiative: its coordinators organise it too
    initiative_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="SET NULL"))
    author_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    # a place of the living map, or in the organiser's words ("at Joke's, Kerkstraat 4")
    place_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("place.id", ondelete="SET NULL"))
    place_note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    starts_on: so.Mapped[date]            # the first date
    start_time: so.Mapped[time]           # local time
    duration_minutes: so.Mapped[int] = so.mapped_column(default=120)
    repeat: so.Mapped[Repeat] = so.mapped_column(str_enum(Repeat, 12), default=Repeat.ONCE)
    repeat_until: so.Mapped[Optional[date]]
    # the last possible date: starts_on for once, repeat_until for a series (none: it keeps going)
    last_on: so.Mapped[Optional[date]]
    capacity: so.Mapped[Optional[int]]    # none: no limit
    cost: so.Mapped[Cost] = so.mapped_column(str_enum(Cost, 20), default=Cost.FREE)
    cost_cents: so.Mapped[Optional[int]]  # with Cost.AMOUNT
    audience: so.Mapped[Audience] = so.mapped_column(str_enum(Audience, 12), default=Audience.EVERYONE)
    audience_note: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    # the organisers agree that notes of those who came ("leuk om te doen") are shown with the activity
    show_notes: so.Mapped[bool] = so.mapped_column(default=True)
    status: so.Mapped[ActivityStatus] = so.mapped_column(str_enum(ActivityStatus, 10),
                                                         default=ActivityStatus.ACTIVE)
    hidden_at: so.Mapped[Optional[datetime]]
    hidden_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    neighbourhood: so.Mapped[Neighbourhood] = so.relationship()
    initiative: so.Mapped[Optional[Initiative]] = so.relationship()
    author: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[author_id])
    place: so.Mapped[Optional[Place]] = so.relationship()

    def __repr__(self) -> str:
        return f"<Activity {self.id}>"


class ActivityOrganiser(db.Model):
    """A neighbour who organises the activity: sees who comes, messages them, changes dates."""

    __tablename__ = "activity_organiser"

    activity_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"),
                                                   primary_key=True)
    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"),
                                                    primary_key=True, index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    neighbour: so.Mapped[Neighbour] = so.relationship()


class DateStatus(StrEnum):
    ON = "on"
    MOVED = "moved"
    CANCELLED = "cancelled"


class ActivityDate(db.Model):
    """One date of an activity, stored once something happened to it: moved, cancelled, counted, reminded.

    ``on_date`` is the date of the series (its key); a moved date is held on ``moved_to`` at ``moved_time``."""

    __tablename__ = "activity_date"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "on_date"),
        sa.Index("ix_activity_date_moved_to", "moved_to", postgresql_where=sa.text("moved_to IS NOT NULL"),
                 sqlite_where=sa.text("moved_to IS NOT NULL")),
        sa.CheckConstraint("attendance IS NULL OR attendance >= 0", name="attendance_not_negative"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    activity_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    on_date: so.Mapped[date]
    status: so.Mapped[DateStatus] = so.mapped_column(str_enum(DateStatus, 10), default=DateStatus.ON)
    moved_to: so.Mapped[Optional[date]]
    moved_time: so.Mapped[Optional[time]]
    change_note: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    changed_at: so.Mapped[Optional[datetime]]
    # how many came: a number, no names
    attendance: so.Mapped[Optional[int]]
    attendance_at: so.Mapped[Optional[datetime]]
    reminded_at: so.Mapped[Optional[datetime]]


class SignupStatus(StrEnum):
    COMING = "coming"
    WAITING = "waiting"


class ActivitySignup(db.Model):
    """"I'm coming" to one date, or a place on its waiting list (in order of ``created_at``)."""

    __tablename__ = "activity_signup"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "on_date", "neighbour_id"),
        sa.Index("ix_activity_signup_activity_id_on_date_status", "activity_id", "on_date", "status", "created_at"),
        sa.Index("ix_activity_signup_neighbour_id_on_date", "neighbour_id", "on_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    activity_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    on_date: so.Mapped[date]  # the series date, also when it was moved
    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    status: so.Mapped[SignupStatus] = so.mapped_column(str_enum(SignupStatus, 10))
    # a broker who signed up a neighbour without internet
    signed_up_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    moved_up_at: so.Mapped[Optional[datetime]]

    neighbour: so.Mapped[Neighbour] = so.relationship(foreign_keys=[neighbour_id])


class ActivityMessage(db.Model):
    """A message from an organiser to everyone coming to a date."""

    __tablename__ = "activity_message"
    __table_args__ = (sa.Index("ix_activity_message_activity_id_on_date", "activity_id", "on_date"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    activity_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    on_date: so.Mapped[date]
    author_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"),
                                                           index=True)
    body: so.Mapped[str] = so.mapped_column(sa.String(1000))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    author: so.Mapped[Optional[Neighbour]] = so.relationship()


class ActivityNote(db.Model):
    """"Leuk om te doen": a short note by someone who came; shown with the activity if its organisers agree."""

    __tablename__ = "activity_note"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "on_date", "author_id"),
        sa.Index("ix_activity_note_author_id", "author_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    activity_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"))
    on_date: so.Mapped[date]
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    body: so.Mapped[str] = so.mapped_column(sa.String(300))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    hidden_at: so.Mapped[Optional[datetime]]
    hidden_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))

    author: so.Mapped[Neighbour] = so.relationship(foreign_keys=[author_id])

"""Support circles (steuncirkels): a small network of neighbours around one person, with a shared rota.

A circle is around its centre, who is in control (or, for a neighbour without internet, the brokers who
represent them). Members take dates of the rota's slots; a slot repeats (every day, every week, every other
week) and is expanded on read for the coming weeks: only dates someone took, gave back, did or missed are
stored (``Shift``), and a member who takes a whole series is stored once (``SlotSeries``). Nobody is labelled:
the page says "Kring rond Annie".
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp.categories import Category
from buurthulp.db import str_enum, utcnow
from buurthulp.extensions import db

if TYPE_CHECKING:
    from buurthulp.accounts.models import Neighbour


class CircleStatus(StrEnum):
    PROPOSED = "proposed"  # started around someone who still has to say yes
    ACTIVE = "active"
    ENDED = "ended"


class Circle(db.Model):
    """A circle around one person (the centre)."""

    __table_args__ = (sa.Index("ix_circle_initiative_id_status", "initiative_id", "status"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    centre_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"), index=True)
    # the initiative whose brokers look after it: the centre's own (a proxy neighbour's) or the starter's
    initiative_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="SET NULL"))
    started_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    status: so.Mapped[CircleStatus] = so.mapped_column(str_enum(CircleStatus, 10), default=CircleStatus.ACTIVE)
    about: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")  # what the circle is for, in a line
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ended_at: so.Mapped[Optional[datetime]]

    centre: so.Mapped[Neighbour] = so.relationship(foreign_keys=[centre_id])


class MemberRole(StrEnum):
    CENTRE = "centre"
    COORDINATOR = "coordinator"  # a member the centre chose to keep an eye on the rota and check-ins
    MEMBER = "member"


class MemberStatus(StrEnum):
    INVITED = "invited"      # asked to join; not in yet
    REQUESTED = "requested"  # came in through a link or a slot suggestion; the centre approves
    ACTIVE = "active"
    LEFT = "left"


class CircleMember(db.Model):
    __tablename__ = "circle_member"
    __table_args__ = (
        sa.UniqueConstraint("circle_id", "neighbour_id"),
        sa.Index("ix_circle_member_neighbour_id_status", "neighbour_id", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    circle_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("circle.id", ondelete="CASCADE"))
    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    role: so.Mapped[MemberRole] = so.mapped_column(str_enum(MemberRole, 12), default=MemberRole.MEMBER)
    status: so.Mapped[MemberStatus] = so.mapped_column(str_enum(MemberStatus, 10), default=MemberStatus.INVITED)
    invited_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    joined_at: so.Mapped[Optional[datetime]]
    left_at: so.Mapped[Optional[datetime]]

    neighbour: so.Mapped[Neighbour] = so.relationship(foreign_keys=[neighbour_id])
    circle: so.Mapped[Circle] = so.relationship()


class CircleInvite(db.Model):
    """A signed invitation link: it expires, and works once. For someone outside the neighbourhood too."""

    __tablename__ = "circle_invite"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    circle_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("circle.id", ondelete="CASCADE"), index=True)
    created_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    # an invitation to one slot (the matcher's suggestion for an open slot), not to the whole rota
    slot_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("rota_slot.id", ondelete="CASCADE"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    used_at: so.Mapped[Optional[datetime]]
    used_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"


class SlotKind(StrEnum):
    HELP = "help"
    CHECK_IN = "check_in"  # "elkaar in de gaten houden": the one who did it says whether all is well


class RotaSlot(db.Model):
    """Recurring help in the circle's rota: meals on Monday evening, a phone call every day at 10:00."""

    __tablename__ = "rota_slot"
    __table_args__ = (sa.Index("ix_rota_slot_circle_id_ends_on", "circle_id", "ends_on"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    circle_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("circle.id", ondelete="CASCADE"))
    title: so.Mapped[str] = so.mapped_column(sa.String(100))
    category: so.Mapped[Category] = so.mapped_column(str_enum(Category))
    kind: so.Mapped[SlotKind] = so.mapped_column(str_enum(SlotKind, 10), default=SlotKind.HELP)
    frequency: so.Mapped[Frequency] = so.mapped_column(str_enum(Frequency, 12))
    weekday: so.Mapped[Optional[int]]   # 0 is Monday; none for a daily slot
    day_part: so.Mapped[Optional[int]]  # DayPart, or an exact time below
    at_time: so.Mapped[Optional[time]]
    starts_on: so.Mapped[date]
    ends_on: so.Mapped[Optional[date]]  # the last date; none: until the slot is stopped
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class SlotSeries(db.Model):
    """A member takes every date of a slot from a day on (until they give the series back)."""

    __tablename__ = "slot_series"
    __table_args__ = (sa.Index("ix_slot_series_slot_id_neighbour_id", "slot_id", "neighbour_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rota_slot.id", ondelete="CASCADE"))
    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"), index=True)
    starts_on: so.Mapped[date]
    ends_on: so.Mapped[Optional[date]]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class CheckIn(StrEnum):
    ALL_WELL = "all_well"
    ATTENTION = "attention"


class Shift(db.Model):
    """One date of a slot, stored once something happened to it: taken, given back, done, missed, reminded.

    ``taken_by_id`` none with ``given_back`` set: the series holder gave this one date back, it is open."""

    __table_args__ = (
        sa.UniqueConstraint("slot_id", "on_date"),
        sa.Index("ix_shift_taken_by_id_on_date", "taken_by_id", "on_date"),
        sa.Index("ix_shift_on_date_done_at", "on_date", "done_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rota_slot.id", ondelete="CASCADE"))
    on_date: so.Mapped[date]
    taken_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    given_back: so.Mapped[bool] = so.mapped_column(default=False)
    done_at: so.Mapped[Optional[datetime]]
    check_in: so.Mapped[Optional[CheckIn]] = so.mapped_column(str_enum(CheckIn, 10))
    note: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")  # "something needs attention": what
    minutes: so.Mapped[Optional[int]]  # how long done help took, for the pot when the initiative counts it
    reminded_at: so.Mapped[Optional[datetime]]     # three days ahead, the circle was asked
    escalated_at: so.Mapped[Optional[datetime]]    # a day ahead, the centre and the broker were told
    flagged_at: so.Mapped[Optional[datetime]]      # a check-in not ticked by the end of its day
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    taken_by: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[taken_by_id])


class CircleMessage(db.Model):
    """A message to the whole circle, on its board."""

    __tablename__ = "circle_message"
    __table_args__ = (sa.Index("ix_circle_message_circle_id_created_at", "circle_id", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    circle_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("circle.id", ondelete="CASCADE"))
    author_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"),
                                                           index=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    hidden_at: so.Mapped[Optional[datetime]]

    author: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[author_id])


class CalendarFeed(db.Model):
    """A person's secret calendar address (.ics): their rota dates and agreed help; a new token revokes it."""

    __tablename__ = "calendar_feed"

    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"),
                                                    primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

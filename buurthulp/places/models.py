"""The living map: places and activities, neighbours' stories about them, and flags when they are out of date."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp.db import str_enum, utcnow
from buurthulp.extensions import db

if TYPE_CHECKING:
    from buurthulp.accounts.models import Neighbour
    from buurthulp.neighbourhoods.models import Neighbourhood


class PlaceKind(StrEnum):
    COMMUNITY_CENTRE = "community_centre"
    LIBRARY = "library"
    HELP_DESK = "help_desk"
    MEALS = "meals"
    COFFEE = "coffee"
    WALKING = "walking"
    SPORT = "sport"
    CLUB = "club"
    FOOD_BANK = "food_bank"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    PlaceKind.COMMUNITY_CENTRE: _l("Community centre"),
    PlaceKind.LIBRARY: _l("Library"),
    PlaceKind.HELP_DESK: _l("Help desk (forms, computer, phone)"),
    PlaceKind.MEALS: _l("Eating together"),
    PlaceKind.COFFEE: _l("Coffee morning or meeting place"),
    PlaceKind.WALKING: _l("Walking group"),
    PlaceKind.SPORT: _l("Exercise and sport"),
    PlaceKind.CLUB: _l("Club or hobby group"),
    PlaceKind.FOOD_BANK: _l("Food bank"),
    PlaceKind.OTHER: _l("Something else"),
}


class PlaceStatus(StrEnum):
    PENDING = "pending"  # added by a neighbour; a broker or coordinator checks it first
    PUBLIC = "public"
    HIDDEN = "hidden"


class Place(db.Model):
    """A place or recurring activity in a neighbourhood, added by a neighbour and checked before it is public."""

    __table_args__ = (
        sa.Index("ix_place_status_neighbourhood_id_kind", "status", "neighbourhood_id", "kind"),
        sa.Index("ix_place_status_confirmed_at", "status", "confirmed_at"),
        sa.Index("ix_place_author_id", "author_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    kind: so.Mapped[PlaceKind] = so.mapped_column(str_enum(PlaceKind))
    neighbourhood_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbourhood.id", ondelete="CASCADE"))
    address: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    where_note: so.Mapped[str] = so.mapped_column(sa.String(300), default="")  # "behind the church"
    opening_hours: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    contact: so.Mapped[str] = so.mapped_column(sa.String(300), default="")  # phone, e-mail or website
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    latitude: so.Mapped[Optional[float]]
    longitude: so.Mapped[Optional[float]]
    status: so.Mapped[PlaceStatus] = so.mapped_column(str_enum(PlaceStatus), default=PlaceStatus.PENDING)
    author_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    reviewed_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))
    reviewed_at: so.Mapped[Optional[datetime]]
    # last time a broker or coordinator said it is still right; older than 6 months: flagged for a check
    confirmed_at: so.Mapped[Optional[datetime]]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    neighbourhood: so.Mapped[Neighbourhood] = so.relationship()
    author: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[author_id])
    activities: so.Mapped[list[PlaceActivity]] = so.relationship(
        back_populates="place", cascade="all, delete-orphan", order_by=lambda: [PlaceActivity.weekday, PlaceActivity.starts_at])

    @property
    def is_public(self) -> bool:
        return self.status == PlaceStatus.PUBLIC


class PlaceActivity(db.Model):
    """A weekly activity at a place: "walking group, Tuesdays 10:00-11:30"."""

    __tablename__ = "place_activity"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    place_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("place.id", ondelete="CASCADE"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))
    weekday: so.Mapped[int]  # 0 = Monday
    starts_at: so.Mapped[time]
    ends_at: so.Mapped[Optional[time]]

    place: so.Mapped[Place] = so.relationship(back_populates="activities")

    __table_args__ = (sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),)


class Story(db.Model):
    """A short first-hand note by a neighbour about a place."""

    __table_args__ = (sa.Index("ix_story_place_id_created_at", "place_id", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    place_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("place.id", ondelete="CASCADE"))
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"), index=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    hidden_at: so.Mapped[Optional[datetime]]
    hidden_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))

    author: so.Mapped[Neighbour] = so.relationship(foreign_keys=[author_id])


class PlaceFlag(db.Model):
    """A neighbour says "this is no longer right"; a broker or coordinator resolves it."""

    __tablename__ = "place_flag"
    __table_args__ = (sa.Index("ix_place_flag_place_id_resolved_at", "place_id", "resolved_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    place_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("place.id", ondelete="CASCADE"))
    neighbour_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"),
                                                              index=True)
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    resolved_at: so.Mapped[Optional[datetime]]
    resolved_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))

    neighbour: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[neighbour_id])

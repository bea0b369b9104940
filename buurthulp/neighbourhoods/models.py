"""Neighbourhoods, their postcodes and neighbours; initiatives and memberships."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp.db import str_enum, utcnow
from buurthulp.extensions import db

if TYPE_CHECKING:
    from buurthulp.accounts.models import Neighbour

neighbourhood_adjacency = sa.Table(
    "neighbourhood_adjacency",
    db.metadata,
    sa.Column("neighbourhood_id", sa.ForeignKey("neighbourhood.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("adjacent_id", sa.ForeignKey("neighbourhood.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_neighbourhood_adjacency_adjacent_id", "adjacent_id"),
)

initiative_neighbourhood = sa.Table(
    "initiative_neighbourhood",
    db.metadata,
    sa.Column("initiative_id", sa.ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("neighbourhood_id", sa.ForeignKey("neighbourhood.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_initiative_neighbourhood_neighbourhood_id", "neighbourhood_id"),
)


class Neighbourhood(db.Model):
    """A small area: its postcodes, its centre and the neighbourhoods next to it."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    slug: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)
    municipality: so.Mapped[str] = so.mapped_column(sa.String(100))
    centre_lat: so.Mapped[Optional[float]]
    centre_lon: so.Mapped[Optional[float]]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    postcodes: so.Mapped[list[NeighbourhoodPostcode]] = so.relationship(
        back_populates="neighbourhood", cascade="all, delete-orphan", order_by="NeighbourhoodPostcode.prefix"
    )
    adjacent: so.Mapped[list[Neighbourhood]] = so.relationship(
        secondary=neighbourhood_adjacency,
        primaryjoin=lambda: Neighbourhood.id == neighbourhood_adjacency.c.neighbourhood_id,
        secondaryjoin=lambda: Neighbourhood.id == neighbourhood_adjacency.c.adjacent_id,
        order_by=lambda: Neighbourhood.name,
    )
    initiatives: so.Mapped[list[Initiative]] = so.relationship(
        secondary=initiative_neighbourhood, back_populates="neighbourhoods", order_by=lambda: Initiative.name
    )

    @property
    def postcode_list(self) -> str:
        return ", ".join(p.prefix for p in self.postcodes)

    def __repr__(self) -> str:
        return f"<Neighbourhood {self.slug}>"


class NeighbourhoodPostcode(db.Model):
    """A PC4 ("3554") or PC6 ("3554AB") prefix that belongs to one neighbourhood."""

    __tablename__ = "neighbourhood_postcode"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    neighbourhood_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("neighbourhood.id", ondelete="CASCADE"), index=True
    )
    prefix: so.Mapped[str] = so.mapped_column(sa.String(6), unique=True)

    neighbourhood: so.Mapped[Neighbourhood] = so.relationship(back_populates="postcodes")


class BrokerTitle(StrEnum):
    """What an initiative calls its broker: a village's dorpsondersteuner, a city's buurtmakelaar, a wijkverbinder."""

    DORPSONDERSTEUNER = "dorpsondersteuner"
    BUURTMAKELAAR = "buurtmakelaar"
    WIJKVERBINDER = "wijkverbinder"

    @property
    def label(self) -> str:
        return str(BROKER_TITLE_LABELS[self])


BROKER_TITLE_LABELS = {
    BrokerTitle.DORPSONDERSTEUNER: _l("village supporter (dorpsondersteuner)"),
    BrokerTitle.BUURTMAKELAAR: _l("neighbourhood broker (buurtmakelaar)"),
    BrokerTitle.WIJKVERBINDER: _l("community connector (wijkverbinder)"),
}


class Initiative(db.Model):
    """A resident initiative working in one or more neighbourhoods."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    slug: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    contact_email: so.Mapped[Optional[str]] = so.mapped_column(sa.String(254))
    # Categories this initiative does not take on, comma-separated ("oppassen,vervoer").
    hidden_categories: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")
    # What its broker is called on the residents' pages; a city's buurtmakelaar unless the initiative says otherwise.
    broker_title: so.Mapped[BrokerTitle] = so.mapped_column(
        str_enum(BrokerTitle), default=BrokerTitle.BUURTMAKELAAR, server_default=BrokerTitle.BUURTMAKELAAR.value)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    neighbourhoods: so.Mapped[list[Neighbourhood]] = so.relationship(
        secondary=initiative_neighbourhood, back_populates="initiatives", order_by=lambda: Neighbourhood.name
    )

    @property
    def hidden(self) -> set[str]:
        return {c for c in self.hidden_categories.split(",") if c}
    memberships: so.WriteOnlyMapped[Membership] = so.relationship(
        back_populates="initiative", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Initiative {self.slug}>"


class Role(StrEnum):
    MEMBER = "member"
    BROKER = "broker"
    TREASURER = "treasurer"
    COORDINATOR = "coordinator"


class MembershipStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DECLINED = "declined"


class Membership(db.Model):
    """A neighbour in an initiative; active members may also hold extra roles."""

    __table_args__ = (
        sa.UniqueConstraint("initiative_id", "neighbour_id"),
        sa.Index("ix_membership_neighbour_id_status", "neighbour_id", "status"),
        sa.Index("ix_membership_initiative_id_status", "initiative_id", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"))
    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"))
    status: so.Mapped[MembershipStatus] = so.mapped_column(
        str_enum(MembershipStatus),
        default=MembershipStatus.PENDING,
    )
    is_broker: so.Mapped[bool] = so.mapped_column(default=False)
    is_treasurer: so.Mapped[bool] = so.mapped_column(default=False)
    is_coordinator: so.Mapped[bool] = so.mapped_column(default=False)
    requested_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    decided_at: so.Mapped[Optional[datetime]]
    decided_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))

    initiative: so.Mapped[Initiative] = so.relationship(back_populates="memberships")
    neighbour: so.Mapped[Neighbour] = so.relationship(foreign_keys=[neighbour_id])

    @property
    def roles(self) -> list[Role]:
        """The roles held, member first; a pending request holds none."""
        if self.status != MembershipStatus.ACTIVE:
            return []
        roles = [Role.MEMBER]
        roles += [role for role, on in (
            (Role.BROKER, self.is_broker),
            (Role.TREASURER, self.is_treasurer),
            (Role.COORDINATOR, self.is_coordinator),
        ) if on]
        return roles

    def has_role(self, role: Role) -> bool:
        return role in self.roles

ROLE_LABELS = {
    Role.MEMBER: _l("member"),
    Role.BROKER: _l("broker"),
    Role.TREASURER: _l("treasurer"),
    Role.COORDINATOR: _l("coordinator"),
}

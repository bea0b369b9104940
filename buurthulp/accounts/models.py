"""Neighbours (buurtgenoten): one kind of person who can both ask and offer."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from buurthulp.categories import Category, slots_in
from buurthulp.db import str_enum, utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Neighbourhood


class DigestPreference(StrEnum):
    MONTHLY = "monthly"
    OFF = "off"


class InterestDirection(StrEnum):
    """Whether a neighbour likes to do a category, or could use help with it."""

    OFFER = "offer"
    ASK = "ask"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Neighbour(UserMixin, db.Model):
    """A person. E-mail and password are optional (proxy neighbours, deleted accounts)."""

    __table_args__ = (sa.Index("ix_neighbour_neighbourhood_id_deleted_at", "neighbourhood_id", "deleted_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    email: so.Mapped[Optional[str]] = so.mapped_column(sa.String(254), unique=True)
    email_confirmed_at: so.Mapped[Optional[datetime]]
    password_hash: so.Mapped[Optional[str]] = so.mapped_column(sa.String(256))
    # Flask-Login keeps this, not the id, in the session: changing it logs out everywhere.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True, default=new_session_token)
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="nl")
    postcode: so.Mapped[Optional[str]] = so.mapped_column(sa.String(7))
    neighbourhood_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("neighbourhood.id", ondelete="SET NULL")
    )
    # Rounded to three decimals (about 100 m): near enough to say "± 400 m", never an address.
    latitude: so.Mapped[Optional[float]]
    longitude: so.Mapped[Optional[float]]
    about: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    availability: so.Mapped[int] = so.mapped_column(default=0)
    digest: so.Mapped[DigestPreference] = so.mapped_column(str_enum(DigestPreference), default=DigestPreference.MONTHLY)
    phone: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    share_email: so.Mapped[bool] = so.mapped_column(default=False)
    share_phone: so.Mapped[bool] = so.mapped_column(default=False)
    # Mail about responses and messages, at most one an hour (the rest waits in the app).
    notify_by_mail: so.Mapped[bool] = so.mapped_column(default=True)
    notifications_mailed_at: so.Mapped[Optional[datetime]]
    # Suggestions from the matcher reach someone by mail at most once a week.
    suggestions_mailed_at: so.Mapped[Optional[datetime]]
    is_admin: so.Mapped[bool] = so.mapped_column(default=False)
    # A proxy neighbour has no e-mail or log-in; the brokers of this initiative represent them.
    proxy_initiative_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("initiative.id", ondelete="SET NULL"), index=True
    )
    contact_route: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_login_at: so.Mapped[Optional[datetime]]
    deleted_at: so.Mapped[Optional[datetime]]
    # when what others may match this person on last changed (``PROFILE_FIELDS``, interests): stamped on every
    # flush that changes it (below), so that the hourly matcher reads only the profiles that changed
    profile_changed_at: so.Mapped[Optional[datetime]] = so.mapped_column(index=True)

    neighbourhood: so.Mapped[Optional[Neighbourhood]] = so.relationship()
    interests: so.Mapped[list[NeighbourInterest]] = so.relationship(
        back_populates="neighbour", cascade="all, delete-orphan", passive_deletes=True
    )

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None and self.password_hash is not None

    @property
    def is_proxy(self) -> bool:
        return self.proxy_initiative_id is not None

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def categories(self, direction: InterestDirection) -> list[Category]:
        return sorted(
            (Category(i.category) for i in self.interests if i.direction == direction),
            key=list(Category).index,
        )

    @property
    def likes_to_do(self) -> list[Category]:
        return self.categories(InterestDirection.OFFER)

    @property
    def could_use_help_with(self) -> list[Category]:
        return self.categories(InterestDirection.ASK)

    @property
    def available_slots(self):
        return slots_in(self.availability)

    def __repr__(self) -> str:
        return f"<Neighbour {self.id}>"


class NeighbourInterest(db.Model):
    """One category a neighbour likes to do (offer) or could use help with (ask)."""

    __tablename__ = "neighbour_interest"
    __table_args__ = (sa.Index("ix_neighbour_interest_direction_category", "direction", "category"),)

    neighbour_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("neighbour.id", ondelete="CASCADE"), primary_key=True
    )
    direction: so.Mapped[InterestDirection] = so.mapped_column(str_enum(InterestDirection, 5), primary_key=True)
    category: so.Mapped[Category] = so.mapped_column(str_enum(Category), primary_key=True)

    neighbour: so.Mapped[Neighbour] = so.relationship(back_populates="interests")


# --- postcodes and addresses, stored one way ----------------------------------------------------

POSTCODE_RE = re.compile(r"^([1-9][0-9]{3})([A-Z]{2})$")
FORBIDDEN_POSTCODE_LETTERS = {"SA", "SD", "SS"}


class NeighbourPhoto(db.Model):
    """A neighbour's optional profile photo: a square JPEG re-encoded from the upload (no EXIF, no location).

    Shown only where the profile may be seen. A broker may add one for a proxy neighbour with their consent,
    which ``consent_note`` records (how and when they said yes).
    """

    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"), primary_key=True)
    image: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    added_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"),
                                                              index=True)
    consent_note: so.Mapped[str] = so.mapped_column(sa.String(300), default="", server_default="")
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class InvalidPostcode(DomainError):
    pass


def normalise_postcode(raw: str) -> str:
    """A Dutch postcode as "1234 AB"; spaces and lower case are accepted."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    match = POSTCODE_RE.match(compact)
    if not match or match.group(2) in FORBIDDEN_POSTCODE_LETTERS:
        raise InvalidPostcode(_l("Enter a Dutch postcode: four digits and two letters, like 3554 AB."))
    return f"{match.group(1)} {match.group(2)}"


def normalise_email(raw: str) -> str:
    return (raw or "").strip().lower()


def find_by_email(session, email: str) -> Neighbour | None:
    """The neighbour with this e-mail address (as stored: trimmed, lower case)."""
    return session.scalar(sa.select(Neighbour).where(Neighbour.email == normalise_email(email)))


# --- the profile's change stamp -------------------------------------------------------------------

# what the matcher reads of a person as a helper, besides their interests
PROFILE_FIELDS = ("neighbourhood_id", "neighbourhood", "latitude", "longitude", "availability", "email",
                  "email_confirmed_at", "deleted_at", "interests")


@sa.event.listens_for(so.Session, "before_flush")
def _stamp_profile_changes(session, _flush_context, _instances) -> None:
    """Stamp ``profile_changed_at`` on every neighbour who is new, or whose matched-on fields or interests change
    in this flush, wherever in the app that happens (one place, not every form)."""
    now = utcnow()
    changed: set[Neighbour] = set()
    for item in session.new:
        if isinstance(item, Neighbour):
            changed.add(item)
    for item in session.dirty:
        if isinstance(item, Neighbour):
            state = sa.inspect(item)
            if any(state.attrs[name].history.has_changes() for name in PROFILE_FIELDS):
                changed.add(item)
    interests = [item for item in (*session.new, *session.deleted) if isinstance(item, NeighbourInterest)]
    with session.no_autoflush:
        for interest in interests:
            person = interest.neighbour if interest.neighbour is not None else (
                session.get(Neighbour, interest.neighbour_id) if interest.neighbour_id is not None else None)
            if person is not None and person not in session.deleted:
                changed.add(person)
    for person in changed:
        person.profile_changed_at = now

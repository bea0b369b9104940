"""The living map's rules: who adds, checks, sees and flags a place; stories; freshness; "ga mee"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.db import LIKE_ESCAPE, contains_pattern, utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.neighbourhoods.services import nearby_neighbourhood_ids
from buurthulp.places.models import Place, PlaceActivity, PlaceFlag, PlaceKind, PlaceStatus, Story
from buurthulp.posts.models import Post, PostStatus

STALE_AFTER = timedelta(days=183)  # about six months
UPCOMING_DAYS = 14
MAX_ACTIVITIES = 5


@dataclass
class ActivityInput:
    title: str
    weekday: int
    starts_at: time
    ends_at: time | None = None


@dataclass
class PlaceInput:
    """What the place form gives the service, already checked for type and length."""

    name: str
    kind: PlaceKind
    neighbourhood_id: int
    address: str = ""
    where_note: str = ""
    opening_hours: str = ""
    contact: str = ""
    description: str = ""
    latitude: float | None = None
    longitude: float | None = None
    activities: list[ActivityInput] = field(default_factory=list)


# --- who may see and do what --------------------------------------------------------------------

def reviews(session, neighbour: Neighbour, place: Place) -> bool:
    """A broker or coordinator of an initiative working in the place's neighbourhood, or a site admin."""
    return access.moderates(session, neighbour, place.neighbourhood_id)


def can_see(session, viewer: Neighbour, place: Place) -> bool:
    """Public places are for every neighbour; unchecked and hidden ones for their author and the reviewers."""
    if place.status == PlaceStatus.PUBLIC:
        return True
    return place.author_id == viewer.id or reviews(session, viewer, place)


def can_edit(session, actor: Neighbour, place: Place) -> bool:
    """Reviewers edit; the author only until the place is checked (after that, they flag what is wrong)."""
    if reviews(session, actor, place):
        return True
    return place.author_id == actor.id and place.status == PlaceStatus.PENDING


# --- adding and changing ------------------------------------------------------------------------

def _check(session, data: PlaceInput) -> None:
    if not data.name.strip():
        raise DomainError(_l("Fill in the name of the place or activity."))
    if session.get(Neighbourhood, data.neighbourhood_id) is None:
        raise DomainError(_l("Choose the neighbourhood."))
    if not (data.address.strip() or data.where_note.strip()):
        raise DomainError(_l("Fill in an address, or describe where it is."))
    if (data.latitude is None) != (data.longitude is None):
        raise DomainError(_l("A point on the map needs both coordinates."))
    if data.latitude is not None and not (50.5 <= data.latitude <= 53.7 and 3.2 <= data.longitude <= 7.3):
        raise DomainError(_l("That point is not in the Netherlands."))
    if len(data.activities) > MAX_ACTIVITIES:
        raise DomainError(_l("Add at most %(n)d activity times.", n=MAX_ACTIVITIES))
    for activity in data.activities:
        if activity.ends_at is not None and activity.ends_at <= activity.starts_at:
            raise DomainError(_l("An activity ends after it starts."))


def _apply(place: Place, data: PlaceInput) -> None:
    place.name = data.name.strip()
    place.kind = data.kind
    place.neighbourhood_id = data.neighbourhood_id
    place.address = data.address.strip()
    place.where_note = data.where_note.strip()
    place.opening_hours = data.opening_hours.strip()
    place.contact = data.contact.strip()
    place.description = data.description.strip()
    # rounded to about 10 m: a public building, not a home
    place.latitude = round(data.latitude, 4) if data.latitude is not None else None
    place.longitude = round(data.longitude, 4) if data.longitude is not None else None
    place.activities = [PlaceActivity(title=a.title.strip() or place.name, weekday=a.weekday, starts_at=a.starts_at,
                                      ends_at=a.ends_at) for a in data.activities]


def add_place(session, author: Neighbour, data: PlaceInput, now: datetime | None = None) -> Place:
    """Any neighbour adds a place; a reviewer's own addition is public at once, anyone else's waits for a check."""
    _check(session, data)
    now = now or utcnow()
    place = Place(author_id=author.id, status=PlaceStatus.PENDING, created_at=now)
    _apply(place, data)
    session.add(place)
    session.flush()
    if reviews(session, author, place):
        _approve(place, author, now)
    return place


def update_place(session, actor: Neighbour, place: Place, data: PlaceInput, now: datetime | None = None) -> None:
    if not can_edit(session, actor, place):
        raise NotAllowed(_l("You cannot change this place. You can say what is no longer right."))
    _check(session, data)
    moved = data.neighbourhood_id != place.neighbourhood_id
    _apply(place, data)
    if moved and place.status == PlaceStatus.PUBLIC and not reviews(session, actor, place):
        place.status = PlaceStatus.PENDING  # the new neighbourhood's reviewers check it first
    elif reviews(session, actor, place) and place.status == PlaceStatus.PUBLIC:
        place.confirmed_at = now or utcnow()


def _approve(place: Place, reviewer: Neighbour, now: datetime) -> None:
    place.status = PlaceStatus.PUBLIC
    place.reviewed_by_id = reviewer.id
    place.reviewed_at = place.confirmed_at = now


def review(session, reviewer: Neighbour, place: Place, action: str, now: datetime | None = None) -> None:
    """Approve (public), confirm it is still right, or hide; open flags are resolved by each."""
    now = now or utcnow()
    if not reviews(session, reviewer, place):
        raise NotAllowed(_l("Only a broker or coordinator of this neighbourhood checks places."))
    if action == "approve" or (action == "confirm" and place.status != PlaceStatus.PUBLIC):
        _approve(place, reviewer, now)  # reviewed_at: when it (last) became public, "new on the map"
    elif action == "confirm":
        place.confirmed_at = now
    elif action == "hide":
        place.status = PlaceStatus.HIDDEN
        place.reviewed_by_id, place.reviewed_at = reviewer.id, now
    else:
        raise DomainError(_l("Choose what to do with this place."))
    session.execute(sa.update(PlaceFlag).where(PlaceFlag.place_id == place.id, PlaceFlag.resolved_at.is_(None))
                    .values(resolved_at=now, resolved_by_id=reviewer.id))


def flag(session, neighbour: Neighbour, place: Place, note: str, now: datetime | None = None) -> PlaceFlag:
    """A neighbour says the place is no longer right; the reviewers see it in their queue."""
    if place.status != PlaceStatus.PUBLIC:
        raise DomainError(_l("This place is not public."))
    note = note.strip()
    if not note:
        raise DomainError(_l("Say briefly what is no longer right."))
    open_flag = session.scalar(sa.select(PlaceFlag).where(
        PlaceFlag.place_id == place.id, PlaceFlag.neighbour_id == neighbour.id, PlaceFlag.resolved_at.is_(None)))
    if open_flag is not None:
        open_flag.note = note[:500]
        return open_flag
    item = PlaceFlag(place_id=place.id, neighbour_id=neighbour.id, note=note[:500], created_at=now or utcnow())
    session.add(item)
    session.flush()
    return item


def add_story(session, author: Neighbour, place: Place, body: str, now: datetime | None = None) -> Story:
    """A neighbour tells about a public place, first-hand."""
    if place.status != PlaceStatus.PUBLIC:
        raise DomainError(_l("You can tell about a place once it is public."))
    body = body.strip()
    if len(body) < 10:
        raise DomainError(_l("Tell a little more: at least a sentence."))
    story = Story(place_id=place.id, author_id=author.id, body=body[:1000], created_at=now or utcnow())
    session.add(story)
    session.flush()
    return story


def remove_story(session, actor: Neighbour, story: Story, place: Place, now: datetime | None = None) -> None:
    """The author removes their story; a reviewer hides it."""
    if story.author_id == actor.id:
        session.delete(story)
    elif reviews(session, actor, place):
        story.hidden_at, story.hidden_by_id = now or utcnow(), actor.id
    else:
        raise NotAllowed(_l("This story is not yours."))


def forget_places(session, neighbour: Neighbour) -> None:
    """On account deletion: their stories and flags go; the places they added stay, without their name."""
    session.execute(sa.delete(Story).where(Story.author_id == neighbour.id))
    session.execute(sa.update(PlaceFlag).where(PlaceFlag.neighbour_id == neighbour.id).values(neighbour_id=None))
    session.execute(sa.update(Place).where(Place.author_id == neighbour.id).values(author_id=None))


def export_places(session, neighbour: Neighbour) -> dict:
    """The person's stories, flags and added places."""
    stories = session.execute(sa.select(Story, Place.name).join(Place, Place.id == Story.place_id)
                              .where(Story.author_id == neighbour.id).order_by(Story.id)).all()
    added = session.scalars(sa.select(Place.name).where(Place.author_id == neighbour.id).order_by(Place.id)).all()
    flags = session.execute(sa.select(PlaceFlag, Place.name).join(Place, Place.id == PlaceFlag.place_id)
                            .where(PlaceFlag.neighbour_id == neighbour.id).order_by(PlaceFlag.id)).all()
    return {
        "places_added": list(added),
        "stories": [{"place": name, "body": s.body, "created_at": s.created_at.isoformat()} for s, name in stories],
        "place_flags": [{"place": name, "note": f.note, "created_at": f.created_at.isoformat()} for f, name in flags],
    }


# --- reading ------------------------------------------------------------------------------------

def place_or_none(session, place_id: int) -> Place | None:
    return session.scalar(sa.select(Place).where(Place.id == place_id)
                          .options(so.joinedload(Place.neighbourhood), so.selectinload(Place.activities),
                                   so.joinedload(Place.author)))


def listing(session, viewer: Neighbour, *, neighbourhood_ids: list[int] | None, kind: PlaceKind | None,
            q: str, page: int, per_page: int = 60):
    """Public places (and the viewer's own unchecked ones), grouped by kind and neighbourhood, a page at a time."""
    query = (sa.select(Place).join(Neighbourhood, Neighbourhood.id == Place.neighbourhood_id)
             .where(sa.or_(Place.status == PlaceStatus.PUBLIC,
                           sa.and_(Place.author_id == viewer.id, Place.status == PlaceStatus.PENDING)))
             .options(so.contains_eager(Place.neighbourhood), so.selectinload(Place.activities))
             .order_by(Place.kind, Neighbourhood.name, Place.name, Place.id))
    if neighbourhood_ids is not None:
        query = query.where(Place.neighbourhood_id.in_(neighbourhood_ids))
    if kind is not None:
        query = query.where(Place.kind == kind)
    if q:
        pattern = contains_pattern(q.lower())
        query = query.where(sa.or_(sa.func.lower(Place.name).like(pattern, escape=LIKE_ESCAPE),
                                   sa.func.lower(Place.description).like(pattern, escape=LIKE_ESCAPE),
                                   sa.func.lower(Place.where_note).like(pattern, escape=LIKE_ESCAPE)))
    rows = list(session.scalars(query.offset((page - 1) * per_page).limit(per_page + 1)).unique())
    return rows[:per_page], len(rows) > per_page


def near(session, viewer: Neighbour) -> list[int] | None:
    """The viewer's own and adjacent neighbourhoods (None: all, for someone without a neighbourhood)."""
    if viewer.neighbourhood_id is None:
        return None
    return nearby_neighbourhood_ids(session, viewer.neighbourhood_id)


@dataclass(frozen=True)
class Upcoming:
    day: date
    activity: PlaceActivity


def upcoming(place: Place, today: date, days: int = UPCOMING_DAYS) -> list[Upcoming]:
    """The activity times of the coming ``days`` days, in order."""
    times = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        times += [Upcoming(day, a) for a in place.activities if a.weekday == day.weekday()]
    return sorted(times, key=lambda u: (u.day, u.activity.starts_at))


def stories_of(session, place: Place, viewer: Neighbour, limit: int = 50) -> list[Story]:
    shown = [Story.hidden_at.is_(None)]
    if reviews(session, viewer, place):
        shown = []  # reviewers see hidden ones too, marked
    return list(session.scalars(sa.select(Story).where(Story.place_id == place.id, *shown)
                                .options(so.joinedload(Story.author))
                                .order_by(Story.created_at.desc()).limit(limit)))


def open_flags(session, place: Place) -> list[PlaceFlag]:
    return list(session.scalars(sa.select(PlaceFlag).where(PlaceFlag.place_id == place.id,
                                                           PlaceFlag.resolved_at.is_(None))
                                .options(so.joinedload(PlaceFlag.neighbour)).order_by(PlaceFlag.created_at)))


def going_along(session, place: Place, viewer: Neighbour, now: datetime) -> list:
    """Open "ga mee" posts linked to the place (not those of people the viewer blocked or was blocked by)."""
    blocked = access.blocked_ids(session, viewer.id)
    return list(session.scalars(sa.select(Post).where(
        Post.place_id == place.id, Post.status == PostStatus.OPEN, Post.hidden_at.is_(None), Post.expires_at > now,
        access.post_public(now),
        Post.author_id.not_in(blocked) if blocked else sa.true())
        .options(so.joinedload(Post.author)).order_by(Post.created_at.desc()).limit(20)))


@dataclass
class ReviewQueue:
    pending: list[Place]
    flagged: list[tuple[Place, int]]
    stale: list[Place]

    @property
    def count(self) -> int:
        return len(self.pending) + len(self.flagged) + len(self.stale)


def review_queue(session, reviewer: Neighbour, now: datetime, limit: int = 100) -> ReviewQueue:
    """What a reviewer has to check: new places, flagged ones, and ones not confirmed for six months."""
    ids = access.moderated_neighbourhood_ids(session, reviewer)
    scope = [] if ids is None else [Place.neighbourhood_id.in_(ids)]
    load = (so.joinedload(Place.neighbourhood), so.joinedload(Place.author))
    pending = session.scalars(sa.select(Place).where(Place.status == PlaceStatus.PENDING, *scope).options(*load)
                              .order_by(Place.created_at).limit(limit)).all()
    flag_count = (sa.select(PlaceFlag.place_id, sa.func.count().label("n")).where(PlaceFlag.resolved_at.is_(None))
                  .group_by(PlaceFlag.place_id).subquery())
    flagged = session.execute(sa.select(Place, flag_count.c.n).join(flag_count, flag_count.c.place_id == Place.id)
                              .where(*scope).options(*load).order_by(Place.name).limit(limit)).all()
    stale = session.scalars(sa.select(Place).where(
        Place.status == PlaceStatus.PUBLIC, *scope,
        sa.or_(Place.confirmed_at.is_(None), Place.confirmed_at < now - STALE_AFTER))
        .options(*load).order_by(Place.confirmed_at).limit(limit)).all()
    return ReviewQueue(list(pending), [(p, n) for p, n in flagged], list(stale))


def review_count(session, reviewer: Neighbour, now: datetime) -> int:
    """How many places wait for this reviewer (one query, for the broker's queue and the menu)."""
    ids = access.moderated_neighbourhood_ids(session, reviewer)
    scope = [] if ids is None else [Place.neighbourhood_id.in_(ids)]
    flagged = sa.exists().where(PlaceFlag.place_id == Place.id, PlaceFlag.resolved_at.is_(None))
    return session.scalar(sa.select(sa.func.count()).select_from(Place).where(*scope, sa.or_(
        Place.status == PlaceStatus.PENDING,
        sa.and_(Place.status == PlaceStatus.PUBLIC, flagged),
        sa.and_(Place.status == PlaceStatus.PUBLIC,
                sa.or_(Place.confirmed_at.is_(None), Place.confirmed_at < now - STALE_AFTER)))))


def places_for_referral(session, neighbourhood_ids: list[int]) -> list[Place]:
    """Public places in these neighbourhoods, for a broker's warm referral."""
    return list(session.scalars(sa.select(Place).where(Place.status == PlaceStatus.PUBLIC,
                                                       Place.neighbourhood_id.in_(neighbourhood_ids))
                                .order_by(Place.name)))


def public_place(session, place_id: int | None) -> Place | None:
    """The place a "ga mee" post links to: it must be public."""
    if place_id is None:
        return None
    place = session.get(Place, place_id)
    if place is None or place.status != PlaceStatus.PUBLIC:
        raise DomainError(_l("This place is not on the map (any more)."))
    return place


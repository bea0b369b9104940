"""Asking and offering: posts (put up, changed, closed, renewed, expired) and the nearby feed.

What happens between two people once someone responds is in ``matches``; reports and blocks in ``moderation``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category, DayPart
from buurthulp.circles.models import Circle, CircleMember, CircleStatus, MemberStatus
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.geo import squared_km_expr
from buurthulp.neighbourhoods.services import nearby_neighbourhood_ids
from buurthulp.paging import Page, counted_page
from buurthulp.places.services import public_place
from buurthulp.posts.matches import MAX_MINUTES, end_open_matches
from buurthulp.posts.models import (
    Block,
    MatchStatus,
    NotificationKind,
    Post,
    PostKind,
    PostLocation,
    PostStatus,
    Timing,
)
from buurthulp.posts.notifications import notify
from buurthulp.timeutil import local_today

DEFAULT_EXPIRY_DAYS = 30
REMIND_DAYS_BEFORE_EXPIRY = 3


@dataclass
class PostInput:
    """What the post form gives a service, already validated for type and length."""

    kind: PostKind
    category: Category
    title: str
    description: str = ""
    private_details: str = ""
    timing: Timing = Timing.FLEXIBLE
    on_date: date | None = None
    day_part: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    weekly_slots: int = 0
    weekly_until: date | None = None
    duration_minutes: int = 60
    place: PostLocation = PostLocation.HOME_AREA
    place_note: str = ""
    expiry_days: int = DEFAULT_EXPIRY_DAYS
    place_id: int | None = None  # "ga mee": a place of the living map
    circle_id: int | None = None  # an ask "to my circle": one of the active circles the author is in
    circle_days: int | None = None  # ... shown to the neighbourhood after this many days; None: to the circle only
    # an ask: a suggested neighbour's yes is the match (Post.suggested_can_agree). Only where the asker chose it on
    # the form: a lift ask or anything else made without the form does not agree beforehand.
    suggested_can_agree: bool = False


# --- posts --------------------------------------------------------------------------------------

def check_timing(data: PostInput, today: date) -> None:
    """Refuse a "when" that cannot be: no date, a date or period already passed, an end before the start."""
    if data.timing == Timing.ONCE:
        if data.on_date is None:
            raise DomainError(_l("Choose the date."))
        if data.on_date < today:
            raise DomainError(_l("The date has already passed. Choose today or a later day."))
        if data.day_part is not None and data.day_part not in {p.value for p in DayPart}:
            raise DomainError(_l("Choose morning, afternoon or evening."))
    elif data.timing == Timing.FLEXIBLE:
        if data.period_start is None or data.period_end is None:
            raise DomainError(_l("Choose the first and the last day of the period."))
        if data.period_end < data.period_start:
            raise DomainError(_l("The last day comes before the first day."))
        if data.period_end < today:
            raise DomainError(_l("This period has already passed."))
    elif data.timing == Timing.WEEKLY:
        if not data.weekly_slots:
            raise DomainError(_l("Tick at least one day and part of the day."))
        if data.weekly_until is not None and data.weekly_until < today:
            raise DomainError(_l("The end date has already passed."))
    if not 1 <= data.duration_minutes <= MAX_MINUTES:
        raise DomainError(_l("Choose how long it will take."))
    if not 1 <= data.expiry_days <= 90:
        raise DomainError(_l("A post can be shown for at most 90 days."))


def _apply(post: Post, data: PostInput) -> None:
    post.kind, post.category = data.kind, data.category
    post.title = data.title.strip()
    post.description = data.description.strip()
    post.private_details = data.private_details.strip()
    post.timing = data.timing
    post.on_date = data.on_date if data.timing == Timing.ONCE else None
    post.day_part = data.day_part if data.timing == Timing.ONCE else None
    post.period_start = data.period_start if data.timing == Timing.FLEXIBLE else None
    post.period_end = data.period_end if data.timing == Timing.FLEXIBLE else None
    post.weekly_slots = data.weekly_slots if data.timing == Timing.WEEKLY else 0
    post.weekly_until = data.weekly_until if data.timing == Timing.WEEKLY else None
    post.duration_minutes = data.duration_minutes
    post.place = data.place
    post.place_note = data.place_note.strip() if data.place == PostLocation.ELSEWHERE else ""
    post.place_id = data.place_id
    post.suggested_can_agree = data.kind == PostKind.ASK and data.suggested_can_agree


def _going_along(session, data: PostInput) -> None:
    """A post about going along to a place of the living map is company, at that place."""
    if data.place_id is None:
        return
    place = public_place(session, data.place_id)
    data.category = Category.COMPANY
    data.place = PostLocation.ELSEWHERE
    data.place_note = data.place_note.strip() or place.name[:200]


CIRCLE_DAYS = (1, 3)  # "my circle first, then the neighbourhood after ... days"


def circles_to_ask(session, person: Neighbour) -> list[tuple[int, str]]:
    """The active circles the person is in (as an active member or at the centre), as (id, the centre's name),
    in one query: where they can post an ask "to my circle"."""
    centre = so.aliased(Neighbour)
    member = sa.exists().where(CircleMember.circle_id == Circle.id, CircleMember.neighbour_id == person.id,
                               CircleMember.status == MemberStatus.ACTIVE)
    return [tuple(row) for row in session.execute(
        sa.select(Circle.id, centre.display_name).join(centre, centre.id == Circle.centre_id)
        .where(Circle.status == CircleStatus.ACTIVE, sa.or_(Circle.centre_id == person.id, member))
        .order_by(Circle.centre_id != person.id, centre.display_name, Circle.id))]


def _for_circle(session, author: Neighbour, post: Post, data: PostInput, now: datetime) -> None:
    """An ask "to my circle": the circle must be an active one the author is in."""
    if data.circle_id is None:
        return
    if data.kind != PostKind.ASK:
        raise DomainError(_l("Only an ask can be shown to your circle first."))
    if data.circle_days is not None and data.circle_days not in CIRCLE_DAYS:
        raise DomainError(_l("Choose who sees this ask."))
    if data.circle_id not in {i for i, _name in circles_to_ask(session, author)}:
        raise DomainError(_l("Choose a circle you are in."))
    post.circle_id = data.circle_id
    post.circle_only_until = None if data.circle_days is None else now + timedelta(days=data.circle_days)


def create_post(session, author: Neighbour, data: PostInput, now: datetime | None = None) -> Post:
    """Post an ask or an offer for the author's neighbourhood and the ones next to it, or an ask for the author's
    circle first (or only)."""
    now = now or utcnow()
    if author.neighbourhood_id is None:
        raise DomainError(_l("Choose your neighbourhood on your profile first."))
    access.require_confirmed_email(author)
    check_timing(data, local_today(now))
    _going_along(session, data)
    post = Post(author=author, neighbourhood_id=author.neighbourhood_id, latitude=author.latitude,
                longitude=author.longitude, status=PostStatus.OPEN, created_at=now,
                expires_at=now + timedelta(days=data.expiry_days))
    _apply(post, data)
    _for_circle(session, author, post, data, now)
    session.add(post)
    session.flush()
    return post


def _own(post: Post, actor: Neighbour) -> None:
    if post.author_id != actor.id:
        raise NotAllowed(_l("Only the person who posted this can change it."))


def update_post(session, actor: Neighbour, post: Post, data: PostInput, now: datetime | None = None) -> None:
    """Change a post; the kind stays what it was."""
    _own(post, actor)
    if post.status not in (PostStatus.OPEN, PostStatus.MATCHED):
        raise DomainError(_l("This post is closed. Renew it first to change it."))
    check_timing(data, local_today(now))
    data.kind = post.kind
    data.place_id = post.place_id  # the place it goes along to stays
    if post.place_id is not None:
        data.category = Category.COMPANY
    _apply(post, data)


def close_post(session, actor: Neighbour, post: Post, now: datetime | None = None) -> None:
    """Close a post; suggestions and responses nobody answered yet end with it."""
    _own(post, actor)
    if post.status in (PostStatus.CLOSED, PostStatus.EXPIRED):
        raise DomainError(_l("This post is already closed."))
    now = now or utcnow()
    post.status = PostStatus.CLOSED
    post.closed_at = now
    end_open_matches(session, post, MatchStatus.CANCELLED, now)


def renew_post(session, actor: Neighbour, post: Post, days: int = DEFAULT_EXPIRY_DAYS,
               now: datetime | None = None) -> None:
    """Show a post again (or longer) from now on."""
    _own(post, actor)
    if post.hidden_at is not None:
        raise DomainError(_l("This post was hidden by a broker and cannot be renewed."))
    if post.status == PostStatus.DONE:
        raise DomainError(_l("This help is done. Post a new ask or offer instead."))
    now = now or utcnow()
    post.expires_at = now + timedelta(days=days)
    post.reminded_at = None
    if post.status in (PostStatus.CLOSED, PostStatus.EXPIRED):
        post.status = PostStatus.OPEN
        post.closed_at = None


# --- expiry -------------------------------------------------------------------------------------

def expire_posts(session, now: datetime) -> int:
    """Job: open posts past their date are expired; suggestions on them end too."""
    due = session.scalars(sa.select(Post).where(Post.status == PostStatus.OPEN, Post.expires_at <= now)).all()
    for post in due:
        post.status = PostStatus.EXPIRED
        end_open_matches(session, post, MatchStatus.EXPIRED, now)
        notify(session, post.author_id, NotificationKind.EXPIRED, post=post, now=now)
    return len(due)


def remind_expiring_posts(session, now: datetime) -> int:
    """Job: a few days before an open post expires, its author is reminded once."""
    due = session.scalars(sa.select(Post).where(
        Post.status == PostStatus.OPEN, Post.reminded_at.is_(None),
        Post.expires_at <= now + timedelta(days=REMIND_DAYS_BEFORE_EXPIRY), Post.expires_at > now)).all()
    for post in due:
        post.reminded_at = now
        notify(session, post.author_id, NotificationKind.EXPIRING, post=post, now=now)
    return len(due)


# --- the nearby feed ----------------------------------------------------------------------------

@dataclass
class FeedFilters:
    kind: PostKind | None = None
    category: Category | None = None
    max_metres: int | None = None
    within_days: int | None = None


def feed_page(session, viewer: Neighbour, filters: FeedFilters, now: datetime, page: int,
              per_page: int) -> Page:
    """One page of the nearby feed, in a constant number of queries."""
    return counted_page(session, feed_query(session, viewer, filters, now), page=page, per_page=per_page, by_id=Post.id)


def feed_query(session, viewer: Neighbour, filters: FeedFilters, now: datetime) -> sa.Select:
    """Open posts of the viewer's and adjacent neighbourhoods, newest first, without blocked people and without
    asks that are still for a circle only (those are on the circle's page)."""
    hood_ids = nearby_neighbourhood_ids(session, viewer.neighbourhood_id) if viewer.neighbourhood_id else []
    blocked = sa.exists().where(sa.or_(
        sa.and_(Block.blocker_id == viewer.id, Block.blocked_id == Post.author_id),
        sa.and_(Block.blocker_id == Post.author_id, Block.blocked_id == viewer.id),
    ))
    stmt = (sa.select(Post)
            .where(Post.status == PostStatus.OPEN, Post.hidden_at.is_(None), Post.expires_at > now,
                   access.post_public(now), Post.neighbourhood_id.in_(hood_ids), ~blocked)
            .options(so.joinedload(Post.author), so.joinedload(Post.neighbourhood))
            .order_by(Post.created_at.desc(), Post.id.desc()))
    if filters.kind:
        stmt = stmt.where(Post.kind == filters.kind)
    if filters.category:
        stmt = stmt.where(Post.category == filters.category)
    if filters.max_metres and viewer.latitude is not None and viewer.longitude is not None:
        km = filters.max_metres / 1000
        stmt = stmt.where(Post.latitude.is_not(None),
                          squared_km_expr(Post.latitude, Post.longitude, viewer.latitude, viewer.longitude) <= km * km)
    if filters.within_days:
        today = local_today(now)
        end = today + timedelta(days=filters.within_days)
        stmt = stmt.where(sa.or_(
            sa.and_(Post.timing == Timing.ONCE, Post.on_date >= today, Post.on_date <= end),
            sa.and_(Post.timing == Timing.FLEXIBLE, Post.period_start <= end, Post.period_end >= today),
            sa.and_(Post.timing == Timing.WEEKLY, sa.or_(Post.weekly_until.is_(None), Post.weekly_until >= today)),
        ))
    return stmt


# --- a circle's asks ----------------------------------------------------------------------------

def circle_asks(session, circle_id: int, viewer: Neighbour, now: datetime) -> list[Post]:
    """The open asks posted to a circle, for someone who sees the circle (``access.may_see_circle``, whom
    ``access.may_see_post`` shows them to), oldest first, without blocked people; in one query."""
    blocked = sa.exists().where(sa.or_(
        sa.and_(Block.blocker_id == viewer.id, Block.blocked_id == Post.author_id),
        sa.and_(Block.blocker_id == Post.author_id, Block.blocked_id == viewer.id),
    ))
    return list(session.scalars(
        sa.select(Post).where(Post.circle_id == circle_id, Post.status == PostStatus.OPEN, Post.hidden_at.is_(None),
                              Post.expires_at > now, ~blocked)
        .options(so.joinedload(Post.author)).order_by(Post.created_at, Post.id)))

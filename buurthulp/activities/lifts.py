"""Getting there: "Ik zoek vervoer" (a lift ask) and "Ik kan iemand meenemen" (a lift offer) for one date.

A lift is an ordinary transport post (``posts.services.create_post``), linked to the date by ``Post.activity_id``
and ``Post.activity_on``: it goes through the matcher, the feed and the digest like every post, on the date's
actual day and part of day, with the activity's place. Who may ask: someone coming or waiting for the date (or
their broker, for a neighbour without internet); who may offer: someone coming, or an organiser. Once per person
and date: asking again gives the lift already asked for. When a date moves, its lifts move with it; when it is
cancelled, they close.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale, format_date, format_time, gettext
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.activities import signups
from buurthulp.activities.dates import Occurrence, occurrence
from buurthulp.activities.models import Activity, ActivitySignup, ActivityStatus, SignupStatus
from buurthulp.categories import Category, DayPart
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.posts import services as posts
from buurthulp.posts.matches import MAX_MINUTES, end_match, end_open_matches
from buurthulp.posts.models import (
    AGREED_MATCH_STATUSES,
    Match,
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

LIVE_LIFT = (PostStatus.OPEN, PostStatus.MATCHED)  # a lift that still has to happen
MAX_EXPIRY_DAYS = 90  # posts.services.check_timing: a post is shown for at most 90 days


# --- words --------------------------------------------------------------------------------------

def day_part_of(start: time) -> DayPart:
    """The part of the day an activity starts in, for the matcher: before noon, before six, or the evening."""
    if start < time(12):
        return DayPart.MORNING
    return DayPart.AFTERNOON if start < time(18) else DayPart.EVENING


def first_name(person: Neighbour | None) -> str:
    """The first word of a display name: how neighbours see each other on a list."""
    words = (person.display_name if person is not None else "").split()
    return words[0] if words else ""


def place_text(activity: Activity) -> str:
    """Where the activity is, as written on a lift: the place's name and address, or the organiser's words."""
    if activity.place is not None:
        parts = [activity.place.name, activity.place.address or ""]
        return ", ".join(p.strip() for p in parts if p and p.strip())
    return activity.place_note.strip()


def _when_text(day: date, start: time, minutes: int) -> str:
    """"donderdag 10 december, 10:00 tot 12:00", as ``dates.when_label`` says it, in the current language."""
    end = (datetime.combine(day, start) + timedelta(minutes=minutes)).time()
    return gettext("%(date)s, %(start)s to %(end)s", date=format_date(day, format="EEEE d MMMM"),
                   start=format_time(start, "HH:mm"), end=format_time(end, "HH:mm"))


def _words(person: Neighbour, kind: PostKind, o: Occurrence) -> tuple[str, str]:
    """The title and description of a lift post, in the author's own language (the post is theirs)."""
    activity = o.activity
    with force_locale(person.locale or "nl"):
        when = _when_text(o.day, o.start_time, activity.duration_minutes)
        if kind == PostKind.ASK:
            title = gettext("A lift to %(title)s", title=activity.title)
            text = gettext("I would like a lift to “%(title)s” on %(when)s, at %(place)s. And back home afterwards, "
                           "if that suits you.", title=activity.title, when=when, place=place_text(activity))
        else:
            title = gettext("I can take someone along to %(title)s", title=activity.title)
            text = gettext("I am going to “%(title)s” on %(when)s, at %(place)s. I can take someone along.",
                           title=activity.title, when=when, place=place_text(activity))
    return title[:100], text


# --- who may ask and offer ----------------------------------------------------------------------

def _signup_status(session, activity: Activity, on_date: date, person: Neighbour) -> SignupStatus | None:
    signup = signups.signup_of(session, activity, on_date, person.id)
    return signup.status if signup is not None else None


def _may_ask(status: SignupStatus | None) -> bool:
    """A lift ask: someone coming or waiting for the date (a place may come free)."""
    return status in (SignupStatus.COMING, SignupStatus.WAITING)


def _may_offer(status: SignupStatus | None, organises: bool) -> bool:
    """A lift offer: someone coming, or an organiser (they are there anyway)."""
    return status == SignupStatus.COMING or organises


def _open(o: Occurrence, now: datetime) -> bool:
    return (o.activity.status == ActivityStatus.ACTIVE and not o.cancelled and o.day >= local_today(now))


def lift_of(session, person: Neighbour, activity: Activity, on_date: date, kind: PostKind) -> Post | None:
    """The person's lift ask (or offer) for the date that still has to happen, if any."""
    return session.scalar(sa.select(Post).where(
        Post.author_id == person.id, Post.activity_id == activity.id, Post.activity_on == on_date,
        Post.kind == kind, Post.status.in_(LIVE_LIFT)).order_by(Post.id.desc()).limit(1))


def _lift(session, person: Neighbour, activity: Activity, on_date: date, kind: PostKind, now: datetime,
          by: Neighbour | None) -> Post:
    """Post a lift ask or offer for a date, once per person and date (under the activity's lock)."""
    if by is not None and not access.may_sign_up_for(session, by, activity, person):
        raise NotAllowed(_l("You cannot arrange a lift for this neighbour to this activity."))
    if activity.status == ActivityStatus.CANCELLED:
        raise DomainError(_l("This activity has been cancelled."))
    if by is None and not (access.may_join(session, person, activity) or access.may_organise(session, person,
                                                                                                 activity)):
        raise NotAllowed(_l("You cannot arrange a lift to this activity."))
    signups.lock(session, activity)
    o = signups.open_date(session, activity, on_date, now)
    status = _signup_status(session, activity, on_date, person)
    if kind == PostKind.ASK and not _may_ask(status):
        if by is not None:
            raise DomainError(_l("Sign them up for this date first; then you can arrange a lift."))
        raise DomainError(_l("Say that you are coming first; then you can ask for a lift."))
    if kind == PostKind.OFFER and not _may_offer(status, access.may_organise(session, person, activity)):
        raise DomainError(_l("Say that you are coming first; then you can take someone along."))
    existing = lift_of(session, person, activity, on_date, kind)
    if existing is not None:
        return existing
    title, text = _words(person, kind, o)
    days = (o.day - local_today(now)).days + 1  # shown until the day after the date
    data = posts.PostInput(kind=kind, category=Category.TRANSPORT, title=title, description=text,
                           timing=Timing.ONCE, on_date=o.day, day_part=day_part_of(o.start_time),
                           duration_minutes=min(activity.duration_minutes, MAX_MINUTES),
                           place=PostLocation.ELSEWHERE, place_note=place_text(activity)[:200],
                           expiry_days=max(1, min(MAX_EXPIRY_DAYS, days)))
    post = posts.create_post(session, person, data, now)
    post.activity_id, post.activity_on = activity.id, on_date
    session.flush()
    return post


def ask_lift(session, person: Neighbour, activity: Activity, on_date: date, now: datetime | None = None,
             by: Neighbour | None = None) -> Post:
    """"Ik zoek vervoer": a transport ask for the date, for someone coming or waiting (``by``: their broker).
    Asking again gives the ask already there."""
    return _lift(session, person, activity, on_date, PostKind.ASK, now or utcnow(), by)


def offer_lift(session, person: Neighbour, activity: Activity, on_date: date, now: datetime | None = None) -> Post:
    """"Ik kan iemand meenemen": a transport offer for the date, for someone coming (or an organiser). Offering
    again gives the offer already there."""
    return _lift(session, person, activity, on_date, PostKind.OFFER, now or utcnow(), None)


# --- keeping lifts in step with their date --------------------------------------------------------

def _live_lifts(session, activity: Activity, condition) -> list[Post]:
    return list(session.scalars(sa.select(Post).where(Post.activity_id == activity.id, Post.status.in_(LIVE_LIFT),
                                                      condition)
                                .options(so.joinedload(Post.author)).order_by(Post.id)))


def _agreed(session, lifts: list[Post]) -> list[Match]:
    """The agreed (not yet done) matches on these lifts: one query."""
    if not lifts:
        return []
    ids = [p.id for p in lifts]
    return list(session.scalars(sa.select(Match).where(
        sa.or_(Match.ask_id.in_(ids), Match.offer_id.in_(ids)), Match.status == MatchStatus.ACCEPTED)
        .order_by(Match.id)))


def _tell_partners(session, activity: Activity, agreed: list[Match], kind: NotificationKind, now: datetime) -> None:
    """The other person of an agreed lift hears of the change when they are not signed up themselves (those
    signed up hear it anyway)."""
    if not agreed:
        return
    by_post = {m.id: m.post for m in agreed}
    told = set(session.execute(sa.select(ActivitySignup.neighbour_id, ActivitySignup.on_date).where(
        ActivitySignup.activity_id == activity.id,
        ActivitySignup.on_date.in_({p.activity_on for p in by_post.values()}))).tuples())
    for match in agreed:
        post = by_post[match.id]
        partner = match.other(post.author_id)
        if (partner, post.activity_on) not in told:
            told.add((partner, post.activity_on))
            notify(session, partner, kind, actor_id=post.author_id, activity=activity, activity_on=post.activity_on,
                   now=now)


def move_lifts(session, activity: Activity, on_date: date, old_day: date, old_time: time,
               now: datetime | None = None) -> int:
    """A date moved: its lifts go to the new day and part of day (their text too, where it still names the old
    time), an agreed lift's time moves as much, and the other person of an agreed lift hears of it."""
    now = now or utcnow()
    o = occurrence(session, activity, on_date)
    lifts = _live_lifts(session, activity, Post.activity_on == on_date)
    if o is None or not lifts:
        return 0
    shift = datetime.combine(o.day, o.start_time) - datetime.combine(old_day, old_time)
    for post in lifts:
        with force_locale(post.author.locale or "nl"):
            old = _when_text(old_day, old_time, activity.duration_minutes)
            new = _when_text(o.day, o.start_time, activity.duration_minutes)
        post.description = post.description.replace(old, new)
        post.on_date, post.day_part = o.day, day_part_of(o.start_time)
        post.expires_at = max(post.expires_at, now + timedelta(days=max(1, (o.day - local_today(now)).days + 1)))
    agreed = _agreed(session, lifts)
    for match in agreed:
        if match.agreed_start is not None:
            match.agreed_start = match.agreed_start + shift
    _tell_partners(session, activity, agreed, NotificationKind.ACTIVITY_CHANGED, now)
    session.flush()
    return len(lifts)


def follow_series(session, activity: Activity, old_time: time, now: datetime | None = None) -> int:
    """The series' time changed: the lifts of its coming dates follow (a date moved on its own keeps its own
    time; a lift whose date is no longer one of the series stays as it is: its people were told)."""
    now = now or utcnow()
    days = session.scalars(sa.select(Post.activity_on.distinct()).where(
        Post.activity_id == activity.id, Post.status.in_(LIVE_LIFT), Post.activity_on >= local_today(now)))
    moved = 0
    for day in list(days):
        o = occurrence(session, activity, day)
        if o is not None and not o.moved:
            moved += move_lifts(session, activity, day, day, old_time, now)
    return moved


def close_lifts(session, activity: Activity, now: datetime | None = None, on_date: date | None = None,
                author: Neighbour | None = None) -> int:
    """A date (``on_date``) or the whole activity is off, or ``author`` no longer comes to ``on_date``: those
    lifts still to come close, suggestions and unanswered proposals on them end, agreed lifts are cancelled and
    the other person hears of it."""
    now = now or utcnow()
    if on_date is not None:
        condition = Post.activity_on == on_date
    else:
        today = local_today(now)
        condition = sa.or_(Post.activity_on >= today, Post.on_date >= today)
    if author is not None:
        condition = sa.and_(condition, Post.author_id == author.id)
    lifts = _live_lifts(session, activity, condition)
    agreed = _agreed(session, lifts)
    _tell_partners(session, activity, agreed, NotificationKind.ACTIVITY_CANCELLED, now)
    for match in agreed:
        end_match(session, match, None, now)
    for post in lifts:
        end_open_matches(session, post, MatchStatus.CANCELLED, now)
        post.status, post.closed_at = PostStatus.CLOSED, now
    session.flush()
    return len(lifts)


def leave(session, person: Neighbour, activity: Activity, on_date: date, now: datetime | None = None, *,
          by: Neighbour | None = None) -> None:
    """Not coming after all (``signups.leave``): the person's own lift ask or offer for that date ends with it."""
    now = now or utcnow()
    signups.leave(session, person, activity, on_date, now, by=by)
    close_lifts(session, activity, now, on_date=on_date, author=person)


# --- what the pages show ------------------------------------------------------------------------

@dataclass
class LiftLine:
    """One lift on a page: the post, and who goes with whom once it is agreed (first names)."""

    post: Post
    name: str = ""               # the author's first name
    partners: list[str] = field(default_factory=list)  # agreed: the driver (of an ask) or the passengers


@dataclass
class LiftSection:
    """What the date page shows about lifts to this date, for one viewer."""

    occurrence: Occurrence
    my_asks: list[LiftLine] = field(default_factory=list)
    my_offers: list[LiftLine] = field(default_factory=list)
    others: list[LiftLine] = field(default_factory=list)  # open asks and offers of others the viewer may see
    can_ask: bool = False        # no ask yet, and may ask one
    can_offer: bool = False
    signed_up: bool = False      # coming or waiting
    open: bool = False           # the date can still get lifts


def _partners(session, posts_: list[Post]) -> dict[int, list[str]]:
    """Per post: the first names of the other people of its agreed matches, in one query."""
    if not posts_:
        return {}
    ids = [p.id for p in posts_]
    authors = {p.id: p.author_id for p in posts_}
    out: dict[int, list[str]] = {}
    for match in session.scalars(sa.select(Match).where(
            sa.or_(Match.ask_id.in_(ids), Match.offer_id.in_(ids)), Match.status.in_(AGREED_MATCH_STATUSES))
            .options(so.joinedload(Match.asker), so.joinedload(Match.helper)).order_by(Match.id)):
        post_id = match.ask_id if match.ask_id in authors else match.offer_id
        other = match.helper if match.asker_id == authors[post_id] else match.asker
        out.setdefault(post_id, []).append(first_name(other))
    return out


def lift_section(session, occurrence: Occurrence, viewer: Neighbour, now: datetime | None = None) -> LiftSection:
    """The lift asks and offers for this date that the viewer sees, in a fixed number of queries: the viewer's
    own (with whom they go, once agreed), and the open ones of others as the nearby feed shows them (the posts'
    own rules: open, not hidden, near, nobody blocked)."""
    now = now or utcnow()
    activity, on_date = occurrence.activity, occurrence.on_date
    section = LiftSection(occurrence, open=_open(occurrence, now))
    mine = list(session.scalars(sa.select(Post).where(
        Post.author_id == viewer.id, Post.activity_id == activity.id, Post.activity_on == on_date)
        .order_by(Post.created_at, Post.id)))
    feed = posts.feed_query(session, viewer, posts.FeedFilters(category=Category.TRANSPORT), now)
    others = list(session.scalars(feed.where(Post.activity_id == activity.id, Post.activity_on == on_date,
                                             Post.author_id != viewer.id)))
    partners = _partners(session, mine)
    for post in mine:
        line = LiftLine(post, first_name(viewer), partners.get(post.id, []))
        (section.my_asks if post.is_ask else section.my_offers).append(line)
    others.sort(key=lambda p: (not p.is_ask, p.created_at, p.id))
    section.others = [LiftLine(p, first_name(p.author)) for p in others]
    status = _signup_status(session, activity, on_date, viewer)
    section.signed_up = status is not None
    if section.open:
        # one button at a time: someone who asks for a lift does not offer one as well, and the other way round
        live = any(line.post.status in LIVE_LIFT for line in section.my_asks + section.my_offers)
        section.can_ask = not live and _may_ask(status)
        section.can_offer = not live and _may_offer(status, status != SignupStatus.COMING
                                                    and access.may_organise(session, viewer, activity))
    return section


@dataclass
class LiftInfo:
    """A person's lift to one date: their ask (if any) and the first name of the neighbour who takes them."""

    ask: Post | None = None
    driver: str = ""


def lifts_of(session, person: Neighbour, keys: Iterable[tuple[int, date]]) -> dict[tuple[int, date], LiftInfo]:
    """Per (activity id, series date): the person's latest lift ask and its agreed driver; two queries."""
    keys = set(keys)
    if not keys:
        return {}
    ids = {k[0] for k in keys}
    asks = session.scalars(sa.select(Post).where(
        Post.author_id == person.id, Post.kind == PostKind.ASK, Post.activity_id.in_(ids),
        Post.status.in_((*LIVE_LIFT, PostStatus.DONE))).order_by(Post.id))
    out: dict[tuple[int, date], LiftInfo] = {}
    for post in asks:
        key = (post.activity_id, post.activity_on)
        if key in keys:
            out[key] = LiftInfo(post)
    drivers = _partners(session, [info.ask for info in out.values()])
    for info in out.values():
        info.driver = ", ".join(drivers.get(info.ask.id, []))
    return out

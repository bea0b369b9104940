"""What goes into one neighbour's digest, built for a batch of neighbours in a fixed number of queries.

A batch reads only what concerns its neighbours and their own and adjacent
neighbourhoods, so memory stays the same however many neighbours the app has.
Asks and offers are ranked with the matcher's own score and reasons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from buurthulp.access import post_public
from buurthulp.accounts.models import InterestDirection, Neighbour, NeighbourInterest
from buurthulp.circles.calendar import rota_of_members, slot_times
from buurthulp.circles.rota import when_label
from buurthulp.digest.activities import ActivityItem, activities_nearby
from buurthulp.geo import distance_m
from buurthulp.matching.load import AUTHOR_AVAILABILITY, POST_COLUMNS, post_window
from buurthulp.matching.rules import FULL_WEEK, Ask, Context, Helper, Window, explain, pair, score
from buurthulp.neighbourhoods.models import Initiative, Neighbourhood, neighbourhood_adjacency
from buurthulp.places.models import Place, PlaceStatus
from buurthulp.posts.matches import unanswered
from buurthulp.posts.models import (
    AGREED_MATCH_STATUSES,
    LIVE_MATCH_STATUSES,
    Block,
    Match,
    MatchStatus,
    Post,
    PostKind,
    PostStatus,
    ThankYou,
)
from buurthulp.pot.allowance import limits_for
from buurthulp.pot.models import EARNING_KINDS, AccountKind, PotAccount, PotMonth
from buurthulp.timeutil import add_months, local_to_utc, local_today

PER_SECTION = 5
MAX_METRES = 3000.0
CIRCLE_TAKEN_DAYS = 31  # your rota dates: the coming month
CIRCLE_OPEN_DAYS = 14   # open dates of your circles: the coming two weeks
CIRCLE_ITEMS = 10


@dataclass(frozen=True)
class PostItem:
    id: int
    title: str
    category: str
    score: float
    reasons: tuple
    for_ask: str = ""  # offers: the title of the person's own ask it fits


@dataclass(frozen=True)
class MatchItem:
    id: int
    title: str
    other: str
    status: str
    helped: bool  # the neighbour was the helper


@dataclass(frozen=True)
class ThanksItem:
    author: str
    body: str


@dataclass(frozen=True)
class PlaceItem:
    id: int
    name: str
    kind: str
    neighbourhood: str


@dataclass(frozen=True)
class PotItem:
    initiative: str
    slug: str
    received_in_period: int
    outstanding: int


@dataclass(frozen=True)
class CircleDateItem:
    """A date of a circle's rota: one you took, or one nobody took yet."""

    circle_id: int
    centre: str        # "circle around Annie": the name of the person at the centre
    slot: str          # the slot's title
    on_date: date
    at_time: time | None
    day_part: int | None

    @property
    def when(self) -> str:
        """"woensdagavond 4 juni", in the language being rendered."""
        return when_label(self, self.on_date)


@dataclass
class DigestContent:
    neighbour: Neighbour
    edition: date          # the first day of the month it is sent in
    period_start: date     # the month it looks back on
    asks: list[PostItem] = field(default_factory=list)
    offers: list[PostItem] = field(default_factory=list)
    matches: list[MatchItem] = field(default_factory=list)
    thanks: list[ThanksItem] = field(default_factory=list)
    places: list[PlaceItem] = field(default_factory=list)
    pot: list[PotItem] = field(default_factory=list)
    circle_dates: list[CircleDateItem] = field(default_factory=list)  # rota dates you took, the coming month
    circle_open: list[CircleDateItem] = field(default_factory=list)   # open dates of your circles, two weeks
    activities: list[ActivityItem] = field(default_factory=list)       # activities nearby, the coming month
    room_cents: int | None = None        # tax-free room left this year, for pot members
    limits_fallback: int | None = None   # the year whose limits stand in for this one

    @property
    def sections(self) -> list[str]:
        return [name for name in ("asks", "offers", "matches", "thanks", "places", "activities", "pot", "circles")
                if getattr(self, name)]

    @property
    def circles(self) -> bool:
        """The "Your circles" section: dates you took, and open dates of your circles."""
        return bool(self.circle_dates or self.circle_open)

    @property
    def open_circles(self) -> list[tuple[int, str]]:
        """The circles with open dates (id, centre's name), to link their rota once each."""
        return list(dict.fromkeys((d.circle_id, d.centre) for d in self.circle_open))

    @property
    def is_empty(self) -> bool:
        return not self.sections


def period_of(edition: date) -> tuple[date, date]:
    """The month a digest looks back on: the one before its edition."""
    return add_months(edition, -1), edition


def build(session, neighbours: list[Neighbour], edition: date, now: datetime) -> dict[int, DigestContent]:
    """The digests of a batch of neighbours (a fixed number of queries, whatever the batch size)."""
    start, end = period_of(edition)
    since, until = local_to_utc(start, datetime.min.time()), local_to_utc(end, datetime.min.time())
    today = local_today(now)
    ids = [n.id for n in neighbours]
    out = {n.id: DigestContent(n, edition, start) for n in neighbours}
    hoods = {n.neighbourhood_id for n in neighbours if n.neighbourhood_id}
    adjacent: dict[int, set[int]] = defaultdict(set)
    for a, b in session.execute(sa.select(neighbourhood_adjacency.c.neighbourhood_id,
                                          neighbourhood_adjacency.c.adjacent_id)
                                .where(neighbourhood_adjacency.c.neighbourhood_id.in_(hoods))):
        adjacent[a].add(b)
    near = {h: {h} | adjacent[h] for h in hoods}
    all_near = set().union(*near.values()) if near else set()

    likes: dict[int, set[str]] = defaultdict(set)
    asks_help: set[int] = set()
    for person, direction, category in session.execute(
            sa.select(NeighbourInterest.neighbour_id, NeighbourInterest.direction, NeighbourInterest.category)
            .where(NeighbourInterest.neighbour_id.in_(ids))):
        if direction == InterestDirection.OFFER:
            likes[person].add(str(category))
        else:
            asks_help.add(person)

    blocked = {pair(a, b) for a, b in session.execute(sa.select(Block.blocker_id, Block.blocked_id).where(
        sa.or_(Block.blocker_id.in_(ids), Block.blocked_id.in_(ids))))}
    ctx = Context(adjacent=dict(adjacent), blocked=blocked, declined=set(), taken=set(), taken_offers=set(),
                  warm=set(), reciprocal=set(), load={}, live_per_ask={}, proposals_this_week={},
                  max_metres=MAX_METRES)
    _matches(session, ids, ctx, out, since, until)
    _thanks(session, ids, out, since, until)

    own_asks = session.execute(sa.select(*POST_COLUMNS, AUTHOR_AVAILABILITY, Post.title)
                               .join(Neighbour, Neighbour.id == Post.author_id).where(
        Post.author_id.in_(ids), Post.kind == PostKind.ASK, Post.status == PostStatus.OPEN,
        Post.hidden_at.is_(None), Post.expires_at > now, post_public(now))).all()
    ctx.reciprocal = asks_help | {r.author_id for r in own_asks}
    categories = set().union(*likes.values()) if likes else set()
    categories |= {str(r.category) for r in own_asks}
    nearby_posts = session.execute(
        sa.select(*POST_COLUMNS, AUTHOR_AVAILABILITY, Post.title, Post.kind)
        .join(Neighbour, Neighbour.id == Post.author_id)
        .where(Post.status == PostStatus.OPEN, Post.hidden_at.is_(None), Post.expires_at > now, post_public(now),
               Post.neighbourhood_id.in_(all_near), Post.category.in_(categories), Neighbour.deleted_at.is_(None))
    ).all() if all_near and categories else []
    by_hood_cat: dict[tuple[int, str, str], list] = defaultdict(list)
    for row in nearby_posts:
        by_hood_cat[(row.neighbourhood_id, str(row.category), str(row.kind))].append(row)

    for n in neighbours:
        if n.neighbourhood_id is None:
            continue
        helper_window = Window(n.availability or FULL_WEEK)
        found = []
        for hood in sorted(near[n.neighbourhood_id]):
            for category in sorted(likes[n.id]):
                for row in by_hood_cat.get((hood, category, PostKind.ASK.value), ()):
                    if row.author_id == n.id or pair(row.author_id, n.id) in blocked \
                            or (row.id, n.id) in ctx.taken or (row.author_id, n.id) in ctx.declined:
                        continue
                    ask = Ask(row.id, row.author_id, row.neighbourhood_id, category, row.latitude, row.longitude,
                              post_window(row, today))
                    helper = Helper(n.id, n.neighbourhood_id, category, n.latitude, n.longitude, helper_window)
                    item = _scored(ask, helper, row.title, ctx)
                    if item is not None:
                        found.append(item)
        out[n.id].asks = _best(found)

    for row in own_asks:
        person = out[row.author_id].neighbour
        if person.neighbourhood_id is None:
            continue
        ask = Ask(row.id, row.author_id, row.neighbourhood_id, str(row.category), row.latitude, row.longitude,
                  post_window(row, today))
        found = []
        for hood in sorted(near[person.neighbourhood_id]):
            for offer in by_hood_cat.get((hood, str(row.category), PostKind.OFFER.value), ()):
                if offer.author_id == person.id or pair(offer.author_id, person.id) in blocked \
                        or (offer.id, person.id) in ctx.taken_offers:
                    continue
                helper = Helper(offer.author_id, offer.neighbourhood_id, str(offer.category), offer.latitude,
                                offer.longitude, post_window(offer, today), offer=offer.id)
                item = _scored(ask, helper, offer.title, ctx, for_ask=row.title, item_id=offer.id)
                if item is not None:
                    found.append(item)
        out[row.author_id].offers = _best(out[row.author_id].offers + found)

    _places(session, neighbours, near, out, since, until)
    _pot(session, ids, out, start, end)
    _circles(session, ids, out, today)
    for person_id, items in activities_nearby(session, neighbours, near, blocked, now).items():
        out[person_id].activities = items
    return out


def _scored(ask: Ask, helper: Helper, title: str, ctx: Context, for_ask: str = "", item_id: int | None = None):
    if not ask.window.overlap(helper.window):
        return None
    overlap = ask.window.free_overlap(helper.window)  # what the score and the reasons go by, as in the matcher
    distance = None
    if ask.lat is not None and helper.lat is not None:
        distance = distance_m(ask.lat, ask.lon, helper.lat, helper.lon)
        if distance > ctx.max_metres:
            return None
    return PostItem(item_id or ask.id, title, ask.category, score(ask, helper, overlap, distance, ctx),
                    explain(ask, helper, overlap, distance, ctx), for_ask)


def _best(items: list[PostItem]) -> list[PostItem]:
    unique = {item.id: item for item in sorted(items, key=lambda i: i.score)}  # the best entry per post wins
    return sorted(unique.values(), key=lambda i: (-i.score, i.id))[:PER_SECTION]


def _matches(session, ids, ctx: Context, out, since, until) -> None:
    """The matcher's context for these people, and their agreed matches of the month."""
    asker, helper = so.aliased(Neighbour), so.aliased(Neighbour)
    rows = session.execute(
        sa.select(Match.id, Match.ask_id, Match.offer_id, Match.asker_id, Match.helper_id, Match.status,
                  Match.created_at, Match.accepted_at, Match.done_at, Match.closed_at, Post.title,
                  sa.not_(unanswered(Match)).label("answered"),
                  asker.display_name.label("asker_name"), helper.display_name.label("helper_name"))
        .join(Post, Match.post_is(Post))
        .join(asker, asker.id == Match.asker_id).join(helper, helper.id == Match.helper_id)
        .where(sa.or_(Match.helper_id.in_(ids), Match.asker_id.in_(ids)))
        .order_by(Match.id)).all()
    wanted = set(ids)
    # as the matcher has it (matching/load.py): a no keeps a pair apart for a while; a suggestion that ended
    # unanswered leaves the ask open to that helper, like to anyone nearby
    paused_since = until - timedelta(days=current_app.config["MATCH_DECLINE_PAUSE_DAYS"])
    for r in rows:
        if r.ask_id is not None and r.answered:
            ctx.taken.add((r.ask_id, r.helper_id))
        if r.offer_id is not None:
            ctx.taken_offers.add((r.offer_id, r.asker_id))
        if r.status == MatchStatus.DECLINED and r.closed_at is not None and r.closed_at > paused_since:
            ctx.declined.add((r.asker_id, r.helper_id))
        if r.status in (MatchStatus.DONE, MatchStatus.THANKED):
            ctx.warm.add(pair(r.asker_id, r.helper_id))
        if r.status in LIVE_MATCH_STATUSES:
            ctx.load[r.helper_id] = ctx.load.get(r.helper_id, 0) + 1
        happened = [t for t in (r.accepted_at, r.done_at) if t is not None and since <= t < until]
        if r.status in AGREED_MATCH_STATUSES and happened:
            for person, helped, name in ((r.helper_id, True, r.asker_name), (r.asker_id, False, r.helper_name)):
                if person in wanted:
                    out[person].matches.append(MatchItem(r.id, r.title, name, str(r.status), helped))
    for content in out.values():
        content.matches = content.matches[:10]


def _thanks(session, ids, out, since, until) -> None:
    author = so.aliased(Neighbour)
    for helper_id, name, body in session.execute(
            sa.select(ThankYou.helper_id, author.display_name, ThankYou.body)
            .join(author, author.id == ThankYou.author_id)
            .where(ThankYou.helper_id.in_(ids), ThankYou.created_at >= since, ThankYou.created_at < until)
            .order_by(ThankYou.created_at)):
        out[helper_id].thanks.append(ThanksItem(name, body))


def _places(session, neighbours, near, out, since, until) -> None:
    hoods = set().union(*near.values()) if near else set()
    if not hoods:
        return
    rows = session.execute(
        sa.select(Place.id, Place.name, Place.kind, Place.neighbourhood_id, Neighbourhood.name)
        .join(Neighbourhood, Neighbourhood.id == Place.neighbourhood_id)
        .where(Place.status == PlaceStatus.PUBLIC, Place.neighbourhood_id.in_(hoods),
               Place.reviewed_at >= since, Place.reviewed_at < until)
        .order_by(Place.reviewed_at.desc(), Place.id)).all()
    for n in neighbours:
        if n.neighbourhood_id is None:
            continue
        mine = near[n.neighbourhood_id]
        out[n.id].places = [PlaceItem(i, name, str(kind), hood_name) for i, name, kind, hood, hood_name in rows
                            if hood in mine][:PER_SECTION]


def _pot(session, ids, out, start: date, end: date) -> None:
    """For members with a pot account: what they received last month, what is still to be paid, their room."""
    accounts = session.execute(
        sa.select(PotAccount.id, PotAccount.neighbour_id, PotAccount.balance_cents, Initiative.name, Initiative.slug)
        .join(Initiative, Initiative.id == PotAccount.initiative_id)
        .where(PotAccount.neighbour_id.in_(ids), PotAccount.kind == AccountKind.MEMBER)
        .order_by(Initiative.name)).all()
    if not accounts:
        return
    year = end.year  # the room of the year the digest is read in (in January: the new year)
    sums = session.execute(
        sa.select(PotMonth.account_id, PotMonth.month, sa.func.sum(PotMonth.amount_cents))
        .where(PotMonth.account_id.in_([a.id for a in accounts]), PotMonth.effect.in_(EARNING_KINDS),
               PotMonth.month >= min(start, date(year, 1, 1)), PotMonth.month < date(year + 1, 1, 1))
        .group_by(PotMonth.account_id, PotMonth.month)).all()
    in_period: dict[int, int] = defaultdict(int)
    in_year: dict[int, int] = defaultdict(int)
    owner = {a.id: a.neighbour_id for a in accounts}
    for account_id, month, total in sums:
        if month.year == year:
            in_year[owner[account_id]] += int(total)
        if month == start:
            in_period[account_id] += int(total)
    limits = limits_for(year)
    for a in accounts:
        content = out[a.neighbour_id]
        content.pot.append(PotItem(a.name, a.slug, in_period[a.id], int(a.balance_cents)))
        content.room_cents = max(0, limits.yearly_cents - in_year[a.neighbour_id])
        content.limits_fallback = limits.year if limits.fallback_from else None



def _circles(session, ids, out, today: date) -> None:
    """Your circles: the rota dates you took in the coming month, and the open dates of your circles in the coming
    two weeks (two queries for the batch)."""
    dates, circles_of = rota_of_members(session, ids, today, today + timedelta(days=CIRCLE_TAKEN_DAYS))
    if not dates:
        return
    members: dict[int, list[int]] = defaultdict(list)
    for person, circle_ids in circles_of.items():
        for circle_id in circle_ids:
            members[circle_id].append(person)
    open_until = today + timedelta(days=CIRCLE_OPEN_DAYS)
    for d in sorted(dates, key=lambda d: (d.on_date, slot_times(d.slot, d.on_date)[0].isoformat(), d.slot.id)):
        item = CircleDateItem(d.slot.circle_id, d.slot.centre_name, d.slot.title, d.on_date, d.slot.at_time,
                              d.slot.day_part)
        if d.taken_by_id in circles_of and d.slot.circle_id in circles_of[d.taken_by_id]:
            mine = out[d.taken_by_id].circle_dates
            if len(mine) < CIRCLE_ITEMS:
                mine.append(item)
        elif d.is_open and d.on_date < open_until:
            for person in members[d.slot.circle_id]:
                if len(out[person].circle_open) < CIRCLE_ITEMS:
                    out[person].circle_open.append(item)

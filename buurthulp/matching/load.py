"""Build the matcher's inputs from the database in a handful of column queries, straight into numpy columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from buurthulp.access import post_public
from buurthulp.accounts.models import InterestDirection, Neighbour, NeighbourInterest
from buurthulp.categories import Category
from buurthulp.matching.columns import FAR_FUTURE_DAY, FAR_PAST_DAY, Codes, Side
from buurthulp.matching.models import MatchingCap, MatchingLiker
from buurthulp.matching.rules import (
    ALL_PARTS,
    FULL_WEEK,
    PARTS,
    Context,
    Window,
    pair,
    window_once,
    window_period,
    window_weekly,
)
from buurthulp.neighbourhoods.models import neighbourhood_adjacency
from buurthulp.posts.matches import unanswered
from buurthulp.posts.models import (
    LIVE_MATCH_STATUSES,
    Block,
    Match,
    MatchSource,
    MatchStatus,
    Post,
    PostKind,
    PostStatus,
    Timing,
)
from buurthulp.timeutil import local_today

RECENT = timedelta(days=30)
WEEK = timedelta(days=7)
POST_COLUMNS = (Post.id, Post.author_id, Post.neighbourhood_id, Post.category, Post.latitude, Post.longitude,
                Post.timing, Post.on_date, Post.day_part, Post.period_start, Post.period_end, Post.weekly_slots,
                Post.weekly_until)


# after POST_COLUMNS: a period post is really free on the days of its author's profile (needs the author joined)
AUTHOR_AVAILABILITY = Neighbour.availability.label("availability")


def post_window(row, today) -> Window:
    """When a post (a row of POST_COLUMNS and AUTHOR_AVAILABILITY) can happen."""
    timing = row.timing
    if timing == Timing.ONCE:
        return window_once(row.on_date, row.day_part)
    if timing == Timing.FLEXIBLE:
        return window_period(max(row.period_start, today), row.period_end, row.availability or 0)
    return window_weekly(row.weekly_slots, today, row.weekly_until)


def counted_as_load(now: datetime):
    """SQL condition on Match: what counts toward a helper's load in the fair spread (the score's "not much on
    their plate yet"): a live match, or one made in the last RECENT days, unless it was a suggestion that ended
    before anyone answered it (it asked nothing of the helper). The one home of this rule: the matcher, the
    broker's candidates and a circle's suggested helpers all count it so."""
    return sa.or_(Match.status.in_(LIVE_MATCH_STATUSES),
                  sa.and_(Match.created_at >= now - RECENT, sa.not_(unanswered(Match))))


def any_of(session, column, values):
    """``column`` is one of ``values``: one array parameter on PostgreSQL (any length), an IN list elsewhere."""
    values = sorted(values)
    if session.connection().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(sa.Integer)))
    return column.in_(values)


def in_buckets(session, hood_column, category_column, buckets: dict | None):
    """SQL condition: (neighbourhood, category) is one of ``buckets`` ({category: neighbourhoods}); None: all."""
    if buckets is None:
        return sa.true()
    return sa.or_(sa.false(), *(sa.and_(category_column == Category(category), any_of(session, hood_column, hoods))
                                for category, hoods in sorted(buckets.items()) if hoods))


def open_conditions(now: datetime, kind: PostKind) -> tuple:
    """Open posts of this kind the matcher considers (with Post joined to its author)."""
    return (Post.status == PostStatus.OPEN, Post.kind == kind, Post.hidden_at.is_(None), Post.expires_at > now,
            post_public(now), Neighbour.deleted_at.is_(None))


def not_capped(now: datetime, person):
    """SQL condition: ``person`` (a neighbour id column) is not at their weekly cap at ``now`` (``MatchingCap``)."""
    return ~sa.exists().where(MatchingCap.neighbour_id == person, MatchingCap.until >= now)


def open_posts(session, now: datetime, kind: PostKind, where=None):
    """Open posts as plain rows of POST_COLUMNS and AUTHOR_AVAILABILITY; only those ``where`` says when given."""
    # on the connection, not the session: plain rows without the ORM's per-row work (three times faster here)
    return session.connection().execute(
        sa.select(*POST_COLUMNS, AUTHOR_AVAILABILITY)
        .join(Neighbour, Neighbour.id == Post.author_id)
        .where(*open_conditions(now, kind), sa.true() if where is None else where)
        .order_by(Post.id)
    ).all()


@dataclass
class Region:
    """What an hourly run loads (``changes.Changes.region``): asks by id and by bucket, helpers by bucket (as
    {category: neighbourhoods}); and the buckets of the helpers who changed, as (neighbourhood, category)."""

    ask_ids: list[int]
    asks: dict[str, set[int]]
    helpers: dict[str, set[int]]
    changed_helpers: set[tuple[int, str]]


LIKER_COLUMNS = (Neighbour.id, Neighbour.neighbourhood_id, NeighbourInterest.category, Neighbour.latitude,
                 Neighbour.longitude, Neighbour.availability)


def likers_select(session, buckets: dict | None = None) -> sa.Select:
    """Helpers from their profile: one row of LIKER_COLUMNS per category they like to do."""
    return (sa.select(*LIKER_COLUMNS)
            .join(NeighbourInterest, NeighbourInterest.neighbour_id == Neighbour.id)
            .where(NeighbourInterest.direction == InterestDirection.OFFER, Neighbour.deleted_at.is_(None),
                   Neighbour.neighbourhood_id.is_not(None), Neighbour.availability != 0,
                   sa.or_(Neighbour.email_confirmed_at.is_not(None), Neighbour.email.is_(None)),
                   in_buckets(session, Neighbour.neighbourhood_id, NeighbourInterest.category, buckets)))


TIMING_CODES = {Timing.ONCE: 0, Timing.FLEXIBLE: 1, Timing.WEEKLY: 2}


def _days(values, missing: int) -> np.ndarray:
    """Dates as day ordinals, ``missing`` for None."""
    return np.fromiter((missing if d is None else d.toordinal() for d in values), dtype=np.int64, count=len(values))


def post_side(rows, today: int, codes: Codes) -> Side:
    """Open posts (rows of POST_COLUMNS and AUTHOR_AVAILABILITY) as columns, with their windows worked out on the
    columns (as ``post_window`` does per row)."""
    if not rows:
        return Side.empty()
    (ids, authors, hoods, categories, lats, lons, timings, on_dates, day_parts, period_starts, period_ends, slots,
     untils, availability) = zip(*rows, strict=True)
    timing = np.fromiter(map(TIMING_CODES.__getitem__, timings), dtype=np.int64, count=len(rows))
    once, flexible = timing == 0, timing == 1
    on = _days(on_dates, today)
    part = np.nan_to_num(np.asarray(day_parts, dtype=np.float64), nan=-1).astype(np.int64)
    once_mask = np.where(part < 0, ALL_PARTS, 1 << np.maximum(part, 0)) << ((on - 1) % 7 * PARTS)
    begin = np.maximum(_days(period_starts, today), today)
    finish = _days(period_ends, today)
    span = finish - begin
    flexible_mask = np.where(span >= 6, FULL_WEEK, 0)
    for day in range(6):  # a period shorter than a week: the weekdays it covers
        flexible_mask |= np.where((span < 6) & (day <= span), ALL_PARTS << ((begin - 1 + day) % 7 * PARTS), 0)
    mask = np.where(once, once_mask, np.where(flexible, flexible_mask, np.asarray(slots, dtype=np.int64)))
    start = np.where(once, on, np.where(flexible, begin, today))
    end = np.where(once, on, np.where(flexible, finish, _days(untils, FAR_FUTURE_DAY)))
    profile = np.fromiter((a or 0 for a in availability), dtype=np.int64, count=len(rows))
    free = np.where(flexible & (profile != 0), mask & profile, mask)
    return Side.build(person=authors, hood=hoods, category=codes.column(categories), lat=lats, lon=lons, mask=mask,
                      start=start, end=end, post=ids, free=free)


def _could_gain(asks: Side, helpers: Side, region: Region, codes: Codes, adjacent: dict[int, set[int]]) -> np.ndarray:
    """The rows of the asks that may gain a suggestion: a changed ask, or one that can see a changed helper who is
    not at their cap (an unchanged ask can gain no one else, ``changes.py``)."""
    changed = {(hood, codes[category]) for hood, category in region.changed_helpers if category in codes}
    seen = set(zip(helpers.hood.tolist(), helpers.category.tolist(), strict=True)) & changed
    near = {(other, category) for hood, category in seen for other in (hood, *adjacent.get(hood, ()))}
    keep = np.isin(asks.post, np.asarray(region.ask_ids, dtype=np.int64))
    for at, (hood, category) in enumerate(zip(asks.hood.tolist(), asks.category.tolist(), strict=True)):
        keep[at] |= (hood, category) in near
    return np.flatnonzero(keep)


def load(session, now: datetime, *, max_metres: float, k: int, m: int, decline_pause: timedelta = timedelta(days=90),
         region: Region | None = None, adjacent: dict[int, set[int]] | None = None) -> tuple[Side, Side, Context]:
    """Open asks, the helpers who could take them (as columns), and what the matcher must respect.

    ``decline_pause``: a no keeps the two apart this long (for the same ask, ``taken`` does for good).
    ``region``: only these asks and helpers (``changes.Changes.region``), with the match history of just these
    asks and helpers; None: everything. ``adjacent``: the neighbourhood map, when the caller has read it.
    """
    today = local_today(now).toordinal()
    session.flush()  # the connection does not flush on its own: changes of this transaction count too
    db = session.connection()  # plain rows, as in open_posts()
    codes = Codes()
    if region is None:
        asks = post_side(open_posts(session, now, PostKind.ASK), today, codes)
        helpers = post_side(open_posts(session, now, PostKind.OFFER), today, codes)
        likers = db.execute(likers_select(session)).all()
    else:
        asks = post_side(open_posts(session, now, PostKind.ASK, sa.or_(
            in_buckets(session, Post.neighbourhood_id, Post.category, region.asks),
            any_of(session, Post.id, region.ask_ids) if region.ask_ids else sa.false())), today, codes)
        # helpers at their weekly cap (as the matcher keeps it) are left out at once
        helpers = post_side(open_posts(session, now, PostKind.OFFER, sa.and_(
            in_buckets(session, Post.neighbourhood_id, Post.category, region.helpers),
            not_capped(now, Post.author_id))), today, codes)
        # the helpers' profiles from the matcher's own copy, which the run has just brought up to date
        # (``changes.refresh_likers``), through its index on the bucket
        likers = db.execute(sa.select(
            MatchingLiker.neighbour_id, MatchingLiker.neighbourhood_id, MatchingLiker.category, MatchingLiker.latitude,
            MatchingLiker.longitude, MatchingLiker.availability).where(
            in_buckets(session, MatchingLiker.neighbourhood_id, MatchingLiker.category, region.helpers),
            not_capped(now, MatchingLiker.neighbour_id))).all()
    if likers:
        people, hoods, categories, lats, lons, availability = zip(*likers, strict=True)
        n = len(likers)
        helpers = Side.concat(helpers, Side.build(
            person=people, hood=hoods, category=codes.column(categories), lat=lats, lon=lons, mask=availability,
            start=np.full(n, FAR_PAST_DAY), end=np.full(n, FAR_FUTURE_DAY), post=np.zeros(n, dtype=np.int64)))

    if adjacent is None:
        adjacent = {}
        for a, b in db.execute(sa.select(neighbourhood_adjacency.c.neighbourhood_id,
                                         neighbourhood_adjacency.c.adjacent_id)):
            adjacent.setdefault(a, set()).add(b)
    blocked = {pair(a, b) for a, b in db.execute(sa.select(Block.blocker_id, Block.blocked_id))}

    # what earlier matches mean for this run, counted by the database rather than row by row here; in a region,
    # only the history of its asks and helpers (the indexes on ask_id and helper_id find it)
    mine = (lambda column, values: sa.true()) if region is None else (  # noqa: E731
        lambda column, values: any_of(session, column, values))
    this_week = sa.and_(Match.source == MatchSource.SCHEDULER, Match.created_at >= now - WEEK)
    per_helper = db.execute(sa.select(Match.helper_id, sa.func.count(sa.case((counted_as_load(now), 1))),
                                      sa.func.count(sa.case((this_week, 1))))
                            .where(mine(Match.helper_id, np.unique(helpers.person).tolist()))
                            .group_by(Match.helper_id)).all()
    # a helper at their weekly cap cannot be suggested in this run: the rest need not be read about them
    capped = [helper for helper, _, n in per_helper if n >= m]
    if capped:
        helpers = helpers.take(np.flatnonzero(~np.isin(helpers.person, capped)))
    if region is not None:
        asks = asks.take(_could_gain(asks, helpers, region, codes, adjacent))
    ask_ids, people = asks.post.tolist(), np.unique(helpers.person).tolist()
    live = sa.func.count(sa.case((Match.status.in_(LIVE_MATCH_STATUSES), 1)))
    per_ask = sa.select(Match.ask_id).where(Match.ask_id.is_not(None), mine(Match.ask_id, ask_ids)) \
        .group_by(Match.ask_id)
    # an ask with k live matches is skipped altogether, so only the asks with room need their pairs
    with_room = per_ask.having(live < k)

    def pairs(first, second, where) -> set[tuple[int, int]]:
        return set(db.execute(sa.select(first, second).where(where)).tuples())

    offers = helpers.post[helpers.post != 0].tolist()
    ctx = Context(
        adjacent=adjacent, blocked=blocked,
        declined=pairs(Match.asker_id, Match.helper_id, sa.and_(Match.status == MatchStatus.DECLINED,
                                                                Match.closed_at > now - decline_pause,
                                                                mine(Match.asker_id, asks.person.tolist()))),
        taken=pairs(Match.ask_id, Match.helper_id, Match.ask_id.in_(with_room)),
        taken_offers=pairs(Match.offer_id, Match.asker_id, sa.and_(Match.offer_id.is_not(None),
                                                                   mine(Match.offer_id, offers))),
        warm={pair(a, h) for a, h in pairs(Match.asker_id, Match.helper_id, sa.and_(
            Match.status.in_((MatchStatus.DONE, MatchStatus.THANKED)),
            mine(Match.asker_id, set(people).union(asks.person.tolist()))))},
        reciprocal=set(),
        load={helper: n for helper, n, _ in per_helper if n},
        live_per_ask=dict(db.execute(per_ask.add_columns(live).having(live > 0)).all()),
        proposals_this_week={helper: n for helper, _, n in per_helper if n},
        max_metres=max_metres, k=k, m=m)
    # the helpers who ask too: in their profile, or with an open ask (anywhere, not only in the region)
    askers = set(db.scalars(sa.select(NeighbourInterest.neighbour_id).where(
        NeighbourInterest.direction == InterestDirection.ASK, mine(NeighbourInterest.neighbour_id, people))))
    if region is None:
        askers.update(asks.person.tolist())
    else:
        askers.update(db.scalars(sa.select(Post.author_id.distinct()).join(Neighbour, Neighbour.id == Post.author_id)
                                 .where(*open_conditions(now, PostKind.ASK), any_of(session, Post.author_id, people))))
    ctx.reciprocal = askers.intersection(helpers.person.tolist())
    return asks, helpers, ctx

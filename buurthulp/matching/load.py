"""Build the matcher's inputs from the database in a handful of column queries, straight into numpy columns."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa

from buurthulp.access import post_public
from buurthulp.accounts.models import InterestDirection, Neighbour, NeighbourInterest
from buurthulp.matching.columns import FAR_FUTURE_DAY, FAR_PAST_DAY, Codes, Side
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


def open_posts(session, now: datetime, kind: PostKind):
    # on the connection, not the session: plain rows without the ORM's per-row work (three times faster here)
    return session.connection().execute(
        sa.select(*POST_COLUMNS, AUTHOR_AVAILABILITY)
        .join(Neighbour, Neighbour.id == Post.author_id)
        .where(Post.status == PostStatus.OPEN, Post.kind == kind, Post.hidden_at.is_(None), Post.expires_at > now,
               post_public(now), Neighbour.deleted_at.is_(None))
        .order_by(Post.id)
    ).all()


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


def load(session, now: datetime, *, max_metres: float, k: int, m: int) -> tuple[Side, Side, Context]:
    """Open asks, the helpers who could take them (as columns), and what the matcher must respect."""
    today = local_today(now).toordinal()
    session.flush()  # the connection does not flush on its own: changes of this transaction count too
    db = session.connection()  # plain rows, as in open_posts()
    codes = Codes()
    asks = post_side(open_posts(session, now, PostKind.ASK), today, codes)
    helpers = post_side(open_posts(session, now, PostKind.OFFER), today, codes)
    likers = db.execute(
        sa.select(Neighbour.id, Neighbour.neighbourhood_id, NeighbourInterest.category, Neighbour.latitude,
                  Neighbour.longitude, Neighbour.availability)
        .join(NeighbourInterest, NeighbourInterest.neighbour_id == Neighbour.id)
        .where(NeighbourInterest.direction == InterestDirection.OFFER, Neighbour.deleted_at.is_(None),
               Neighbour.neighbourhood_id.is_not(None), Neighbour.availability != 0,
               sa.or_(Neighbour.email_confirmed_at.is_not(None), Neighbour.email.is_(None)))
    ).all()
    if likers:
        people, hoods, categories, lats, lons, availability = zip(*likers, strict=True)
        n = len(likers)
        helpers = Side.concat(helpers, Side.build(
            person=people, hood=hoods, category=codes.column(categories), lat=lats, lon=lons, mask=availability,
            start=np.full(n, FAR_PAST_DAY), end=np.full(n, FAR_FUTURE_DAY), post=np.zeros(n, dtype=np.int64)))

    adjacent: dict[int, set[int]] = {}
    for a, b in db.execute(sa.select(neighbourhood_adjacency.c.neighbourhood_id,
                                          neighbourhood_adjacency.c.adjacent_id)):
        adjacent.setdefault(a, set()).add(b)
    blocked = {pair(a, b) for a, b in db.execute(sa.select(Block.blocker_id, Block.blocked_id))}

    # what earlier matches mean for this run, counted by the database rather than row by row here
    live = sa.func.count(sa.case((Match.status.in_(LIVE_MATCH_STATUSES), 1)))
    per_ask = sa.select(Match.ask_id).where(Match.ask_id.is_not(None)).group_by(Match.ask_id)
    # an ask with k live matches is skipped altogether, so only the asks with room need their pairs
    with_room = per_ask.having(live < k)
    recent_load = sa.or_(Match.status.in_(LIVE_MATCH_STATUSES), Match.created_at >= now - RECENT)
    this_week = sa.and_(Match.source == MatchSource.SCHEDULER, Match.created_at >= now - WEEK)
    per_helper = db.execute(sa.select(Match.helper_id, sa.func.count(sa.case((recent_load, 1))),
                                      sa.func.count(sa.case((this_week, 1)))).group_by(Match.helper_id)).all()

    def pairs(first, second, where) -> set[tuple[int, int]]:
        return set(db.execute(sa.select(first, second).where(where)).tuples())

    ctx = Context(
        adjacent=adjacent, blocked=blocked,
        declined=pairs(Match.asker_id, Match.helper_id, Match.status == MatchStatus.DECLINED),
        taken=pairs(Match.ask_id, Match.helper_id, Match.ask_id.in_(with_room)),
        taken_offers=pairs(Match.offer_id, Match.asker_id, Match.offer_id.is_not(None)),
        warm={pair(a, h) for a, h in pairs(Match.asker_id, Match.helper_id,
                                           Match.status.in_((MatchStatus.DONE, MatchStatus.THANKED)))},
        reciprocal=set(),
        load={helper: n for helper, n, _ in per_helper if n},
        live_per_ask=dict(db.execute(per_ask.add_columns(live).having(live > 0)).all()),
        proposals_this_week={helper: n for helper, _, n in per_helper if n},
        max_metres=max_metres, k=k, m=m)
    askers = set(db.scalars(sa.select(NeighbourInterest.neighbour_id)
                                 .where(NeighbourInterest.direction == InterestDirection.ASK)))
    askers.update(asks.person.tolist())
    ctx.reciprocal = askers.intersection(helpers.person.tolist())
    return asks, helpers, ctx

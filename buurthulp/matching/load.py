"""Build the matcher's inputs from the database in a handful of column queries, straight into numpy columns."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa

from buurthulp.accounts.models import InterestDirection, Neighbour, NeighbourInterest
from buurthulp.matching.engine import (
    ALL_PARTS,
    FAR_FUTURE_DAY,
    FAR_PAST_DAY,
    FULL_WEEK,
    PARTS,
    Codes,
    Context,
    Side,
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


def post_window(row, today) -> Window:
    timing = row.timing
    if timing == Timing.ONCE:
        return window_once(row.on_date, row.day_part)
    if timing == Timing.FLEXIBLE:
        return window_period(max(row.period_start, today), row.period_end)
    return window_weekly(row.weekly_slots, today, row.weekly_until)


def open_posts(session, now: datetime, kind: PostKind):
    return session.execute(
        sa.select(*POST_COLUMNS)
        .join(Neighbour, Neighbour.id == Post.author_id)
        .where(Post.status == PostStatus.OPEN, Post.kind == kind, Post.hidden_at.is_(None), Post.expires_at > now,
               Neighbour.deleted_at.is_(None))
        .order_by(Post.id)
    ).all()


def _days(values, missing: int) -> np.ndarray:
    return np.fromiter((missing if d is None else d.toordinal() for d in values), dtype=np.int64, count=len(values))


def post_side(rows, today: int, codes: Codes) -> Side:
    """Open posts as columns, with their windows worked out on the columns (as ``post_window`` does per row)."""
    if not rows:
        return Side.build(*([] for _ in range(9)))
    (ids, authors, hoods, categories, lats, lons, timings, on_dates, day_parts, period_starts, period_ends, slots,
     untils) = zip(*rows, strict=True)
    once = np.asarray([t == Timing.ONCE for t in timings], dtype=bool)
    flexible = np.asarray([t == Timing.FLEXIBLE for t in timings], dtype=bool)
    on = _days(on_dates, today)
    part = np.asarray([-1 if p is None else p for p in day_parts], dtype=np.int64)
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
    return Side.build(authors, hoods, [codes(c) for c in categories], lats, lons, mask, start, end, ids)


def load(session, now: datetime, *, max_metres: float, k: int, m: int) -> tuple[Side, Side, Context]:
    """Open asks, the helpers who could take them (as columns), and what the matcher must respect."""
    today = local_today(now).toordinal()
    codes = Codes()
    asks = post_side(open_posts(session, now, PostKind.ASK), today, codes)
    helpers = post_side(open_posts(session, now, PostKind.OFFER), today, codes)
    likers = session.execute(
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
            people, hoods, [codes(c) for c in categories], lats, lons, availability, np.full(n, FAR_PAST_DAY),
            np.full(n, FAR_FUTURE_DAY), np.zeros(n, dtype=np.int64)))

    adjacent: dict[int, set[int]] = {}
    for a, b in session.execute(sa.select(neighbourhood_adjacency.c.neighbourhood_id,
                                          neighbourhood_adjacency.c.adjacent_id)):
        adjacent.setdefault(a, set()).add(b)
    blocked = {pair(a, b) for a, b in session.execute(sa.select(Block.blocker_id, Block.blocked_id))}

    ctx = Context(adjacent=adjacent, blocked=blocked, declined=set(), taken=set(), taken_offers=set(), warm=set(),
                  reciprocal=set(),
                  load={}, live_per_ask={}, proposals_this_week={}, max_metres=max_metres, k=k, m=m)
    rows = session.execute(sa.select(Match.ask_id, Match.offer_id, Match.asker_id, Match.helper_id, Match.status,
                                     Match.source, Match.created_at))
    for ask_id, offer_id, asker, helper, status, source, created in rows:
        if ask_id is not None:
            ctx.taken.add((ask_id, helper))
        if offer_id is not None:
            ctx.taken_offers.add((offer_id, asker))
        if status == MatchStatus.DECLINED:
            ctx.declined.add((asker, helper))
        if status in (MatchStatus.DONE, MatchStatus.THANKED):
            ctx.warm.add(pair(asker, helper))
        if status in LIVE_MATCH_STATUSES or created >= now - RECENT:
            ctx.load[helper] = ctx.load.get(helper, 0) + 1
        if ask_id is not None and status in (MatchStatus.SUGGESTED, MatchStatus.PROPOSED, MatchStatus.ACCEPTED):
            ctx.live_per_ask[ask_id] = ctx.live_per_ask.get(ask_id, 0) + 1
        if source == MatchSource.SCHEDULER and created >= now - WEEK:
            ctx.proposals_this_week[helper] = ctx.proposals_this_week.get(helper, 0) + 1
    askers = set(session.scalars(sa.select(NeighbourInterest.neighbour_id)
                                 .where(NeighbourInterest.direction == InterestDirection.ASK)))
    askers.update(asks.person.tolist())
    ctx.reciprocal = askers.intersection(helpers.person.tolist())
    return asks, helpers, ctx

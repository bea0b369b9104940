"""Build the matcher's inputs from the database in a handful of column queries (no ORM objects)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from buurthulp.accounts.models import InterestDirection, Neighbour, NeighbourInterest
from buurthulp.matching.engine import Ask, Context, Helper, Window, pair, window_once, window_period, window_weekly
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


def load(session, now: datetime, *, max_metres: float, k: int, m: int) -> tuple[list[Ask], list[Helper], Context]:
    """Open asks, the helpers who could take them, and what the matcher must respect."""
    today = local_today(now)
    asks = [Ask(r.id, r.author_id, r.neighbourhood_id, str(r.category), r.latitude, r.longitude, post_window(r, today))
            for r in open_posts(session, now, PostKind.ASK)]
    helpers = [Helper(r.author_id, r.neighbourhood_id, str(r.category), r.latitude, r.longitude,
                      post_window(r, today), offer=r.id)
               for r in open_posts(session, now, PostKind.OFFER)]
    likers = session.execute(
        sa.select(Neighbour.id, Neighbour.neighbourhood_id, NeighbourInterest.category, Neighbour.latitude,
                  Neighbour.longitude, Neighbour.availability)
        .join(NeighbourInterest, NeighbourInterest.neighbour_id == Neighbour.id)
        .where(NeighbourInterest.direction == InterestDirection.OFFER, Neighbour.deleted_at.is_(None),
               Neighbour.neighbourhood_id.is_not(None), Neighbour.availability != 0,
               sa.or_(Neighbour.email_confirmed_at.is_not(None), Neighbour.email.is_(None)))
        .order_by(Neighbour.id, NeighbourInterest.category)
    ).all()
    helpers += [Helper(r.id, r.neighbourhood_id, str(r.category), r.latitude, r.longitude, Window(r.availability))
                for r in likers]

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
    askers |= {a.asker for a in asks}
    offerers = {h.person for h in helpers}
    ctx.reciprocal = askers & offerers
    return asks, helpers, ctx

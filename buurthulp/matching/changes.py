"""What changed since the last run: the (neighbourhood, category) buckets an hourly run must look at again.

A run leaves nothing that a rerun on the same data would suggest. So after a
run, an ask can only gain a suggestion when something in its own bucket or in
the same category next door changed in a way that can add a pair: a new or
changed ask or offer, a post shown to everyone at last (``circle_only_until``),
a helper's profile (interests, availability, place, confirmed e-mail), a match
that changed (declined, cancelled, a suggestion that ran out: room for another
suggestion), a helper whose weekly cap of new suggestions reset, or an asker
whose pause after a no to a helper ended. Everything else can only take pairs
away (closed and expired posts, new blocks, time going by), and those need no
new run. What no timestamp records (a block lifted, a match deleted with an
erased person, a changed setting or neighbourhood map) waits for the daily full
run, or makes the next run a full one (settings and the map).
Suggestions that ran out of time end at the start of a run: that changes their
matches, so their buckets are looked at again in the same run.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

import sqlalchemy as sa

from buurthulp.matching.load import WEEK, likers_select
from buurthulp.matching.models import MatchingLiker
from buurthulp.neighbourhoods.models import neighbourhood_adjacency
from buurthulp.posts.models import Match, MatchSource, MatchStatus, Post, PostKind

# Changes are read from this long before the last run: a transaction that began before that run and committed
# after it carries a timestamp from before it. Looking again at a bucket that did not change costs a little.
MARGIN = timedelta(minutes=15)
LIKER_KEYS = ("neighbour_id", "neighbourhood_id", "category", "latitude", "longitude", "availability")


def adjacency(session) -> dict[int, set[int]]:
    """Each neighbourhood's adjacent neighbourhoods."""
    adjacent: dict[int, set[int]] = {}
    for a, b in session.connection().execute(sa.select(neighbourhood_adjacency.c.neighbourhood_id,
                                                       neighbourhood_adjacency.c.adjacent_id)):
        adjacent.setdefault(a, set()).add(b)
    return adjacent


def settings_key(config, adjacent: dict[int, set[int]]) -> str:
    """The settings and the neighbourhood map a run matches with, as a short text to compare."""
    edges = sorted((a, b) for a, near in adjacent.items() for b in near)
    return (f"{config['MATCH_MAX_METRES']} {config['MATCH_SUGGESTIONS_PER_ASK']} "
            f"{config['MATCH_PROPOSALS_PER_HELPER_PER_WEEK']} {config['MATCH_DECLINE_PAUSE_DAYS']} "
            f"{zlib.crc32(repr(edges).encode()):08x}")


def changed_buckets(session, since: datetime, now: datetime,
                    decline_pause: timedelta = timedelta(days=90)) -> set[tuple[int, str]]:
    """Buckets of posts, matches, helpers' weekly caps and pauses after a no that changed from ``since`` to ``now``."""
    db = session.connection()
    posts = sa.select(Post.neighbourhood_id, Post.category).where(
        sa.or_(Post.updated_at >= since, Post.circle_only_until.between(since, now)))
    # a match that changed after it was made (a suggestion the run itself stored has created_at == updated_at)
    matches = sa.select(Post.neighbourhood_id, Post.category).join(Match, Match.ask_id == Post.id).where(
        Match.updated_at >= since, Match.updated_at > Match.created_at)
    # the week of a suggestion made between a week before the last run and a week ago has ended since
    capped = sa.select(Match.helper_id).where(Match.source == MatchSource.SCHEDULER,
                                              Match.created_at >= since - WEEK, Match.created_at < now - WEEK)
    offers = sa.select(Post.neighbourhood_id, Post.category).where(Post.kind == PostKind.OFFER,
                                                                   Post.author_id.in_(capped))
    profiles = sa.select(MatchingLiker.neighbourhood_id, MatchingLiker.category).where(
        MatchingLiker.neighbour_id.in_(capped))
    # a no whose pause ended since: the asker's asks may be suggested that helper again
    unpaused = sa.select(Match.asker_id).where(Match.status == MatchStatus.DECLINED,
                                               Match.closed_at >= since - decline_pause,
                                               Match.closed_at < now - decline_pause)
    asks = sa.select(Post.neighbourhood_id, Post.category).where(Post.kind == PostKind.ASK,
                                                                 Post.author_id.in_(unpaused))
    found = set()
    for query in (posts, matches, offers, profiles, asks):
        found.update((hood, str(category)) for hood, category in db.execute(query.distinct()))
    return found


def refresh_likers(session, full: bool) -> set[tuple[int, str]]:
    """Compare the helpers' profiles with what the last run saw; remember them; the buckets of new or changed ones.

    Done by the database in one pass (a full join on person and category), so only the differences travel.
    ``full``: just replace them all.
    """
    db = session.connection()
    table = MatchingLiker.__table__
    if full:
        db.execute(sa.delete(table))
        db.execute(sa.insert(table).from_select(LIKER_KEYS, likers_select(session)))
        return set()
    now = likers_select(session).subquery("now")
    now_columns = [now.c.id, *(now.c[key] for key in LIKER_KEYS[1:])]
    differs = sa.or_(now.c.id.is_(None), table.c.neighbour_id.is_(None),
                     *(now.c[key].is_distinct_from(table.c[key]) for key in LIKER_KEYS[1:] if key != "category"))
    rows = db.execute(sa.select(*now_columns, table.c.neighbour_id, table.c.category)
                      .select_from(now.join(table, sa.and_(table.c.neighbour_id == now.c.id,
                                                           table.c.category == now.c.category), full=True))
                      .where(differs)).all()
    for *_, person, category in rows:  # few: what changed in an hour
        if person is not None:
            db.execute(sa.delete(table).where(table.c.neighbour_id == person, table.c.category == category))
    new = [row[:len(LIKER_KEYS)] for row in rows if row[0] is not None]
    if new:
        db.execute(sa.insert(table), [dict(zip(LIKER_KEYS, (person, hood, str(category), *rest), strict=True))
                                      for person, hood, category, *rest in new])
    return {(hood, str(category)) for _, hood, category, *_ in new}


def region(touched: set[tuple[int, str]], adjacent: dict[int, set[int]]) -> dict[str, set[int]]:
    """The buckets to match again, as {category: neighbourhoods}: the touched ones and the same category next door.

    An ask next door can only gain a helper from a touched bucket; an ask in a touched bucket may gain one from
    anywhere it looks, which is its own and the adjacent neighbourhoods. A helper elsewhere was no candidate for
    these asks after the last run (or is still at their weekly cap) and still is not: nothing of theirs changed.
    """
    buckets: dict[str, set[int]] = {}
    for hood, category in touched:
        buckets.setdefault(category, set()).update({hood, *adjacent.get(hood, ())})
    return buckets

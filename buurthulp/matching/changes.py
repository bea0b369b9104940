"""What changed since the last run: the asks and helpers an hourly run must look at again.

A run leaves nothing that a rerun on the same data would suggest: every ask
with room has no helper left that it could still be suggested. So after a run
a pair can only be added by a change on one of its two sides:
  - an ask that may now take any helper near it: a new or changed ask, an ask
    shown to everyone at last (``circle_only_until``), an ask whose match
    changed (declined, cancelled, a suggestion that ran out: room for another
    suggestion), an ask whose asker's pause after a no to a helper ended;
  - a helper who may now be suggested to any ask that can see them: a new or
    changed offer, a profile that changed (interests, availability, place,
    confirmed e-mail), a helper whose weekly cap of new suggestions reset.
So the hourly run loads the changed asks with every helper they can see, and
the changed helpers with every ask that can see them; a pair of an unchanged
ask and an unchanged helper is left out, as the last run already weighed it.
Everything else can only take pairs away (closed and expired posts, new
blocks, time going by), and those need no new run. What no timestamp records
(a block lifted, a match deleted with an erased person, a changed setting or
neighbourhood map) waits for the daily full run, or makes the next run a full
one (settings and the map). Suggestions that ran out of time end at the start
of a run: that changes their matches, so their asks are looked at again in the
same run.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.matching.load import WEEK, Region, any_of, likers_select, not_capped, open_conditions
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


@dataclass
class Changes:
    """What changed since the last run, in the two ways that can add a pair.

    ``asks``: open asks that can gain a suggestion from any helper near them (new or changed, a match of theirs
    changed, their asker's pause after a no ended), as {id: (neighbourhood, category)}. ``helpers``: the buckets
    where a helper appeared or changed (a new or changed offer, a profile, a weekly cap that reset): the asks that
    can see such a bucket may gain that helper, and only such a helper.
    """

    asks: dict[int, tuple[int, str]] = field(default_factory=dict)
    helpers: set[tuple[int, str]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.asks or self.helpers)

    def buckets(self) -> int:
        """How many buckets changed (for the run's counts)."""
        return len(self.helpers.union(self.asks.values()))

    def region(self, adjacent: dict[int, set[int]]) -> Region:
        """What to load: the changed asks and the asks that can see a changed helper; the helpers that the changed
        asks can see and the changed helpers. A helper who did not change was no candidate for an ask that did not
        change after the last run (or is still at their weekly cap): that pair needs no look, so an unchanged ask
        is only loaded beside a changed helper."""
        return Region(ask_ids=sorted(self.asks), asks=_spread(self.helpers, adjacent),
                      helpers=_merge(_spread(set(self.asks.values()), adjacent), _spread(self.helpers, {})),
                      changed_helpers=self.helpers)


def _spread(buckets: set[tuple[int, str]], adjacent: dict[int, set[int]]) -> dict[str, set[int]]:
    """Buckets and the same category in the adjacent neighbourhoods, as {category: neighbourhoods}."""
    out: dict[str, set[int]] = {}
    for hood, category in buckets:
        out.setdefault(category, set()).update({hood, *adjacent.get(hood, ())})
    return out


def _merge(first: dict[str, set[int]], second: dict[str, set[int]]) -> dict[str, set[int]]:
    return {category: first.get(category, set()) | second.get(category, set()) for category in {*first, *second}}


def what_changed(session, since: datetime, now: datetime, profiles: set[tuple[int, int, str]],
                 decline_pause: timedelta = timedelta(days=90)) -> Changes:
    """Asks and helpers that changed from ``since`` to ``now`` (``profiles``: the profile rows that changed, from
    ``refresh_likers``). Every query here finds its rows through an index on a time. A changed helper at their
    weekly cap cannot be suggested in this run, so their bucket is not looked at for them."""
    db = session.connection()
    changed_post = sa.or_(Post.updated_at >= since, Post.circle_only_until.between(since, now))
    open_asks = sa.select(Post.id, Post.neighbourhood_id, Post.category).join(
        Neighbour, Neighbour.id == Post.author_id).where(*open_conditions(now, PostKind.ASK))
    # a match that changed after it was made (a suggestion the run itself stored has created_at == updated_at)
    rematched = sa.select(Match.ask_id).where(Match.updated_at >= since, Match.updated_at > Match.created_at)
    # a no whose pause ended since: the asker's asks may be suggested that helper again
    unpaused = sa.select(Match.asker_id).where(Match.status == MatchStatus.DECLINED,
                                               Match.closed_at >= since - decline_pause,
                                               Match.closed_at < now - decline_pause)
    asks: dict[int, tuple[int, str]] = {}
    for where in (changed_post, Post.id.in_(rematched), Post.author_id.in_(unpaused)):
        asks.update((post, (hood, str(category))) for post, hood, category in db.execute(open_asks.where(where)))
    # the week of a suggestion made between a week before the last run and a week ago has ended since
    capped = sa.select(Match.helper_id).where(Match.source == MatchSource.SCHEDULER,
                                              Match.created_at >= since - WEEK, Match.created_at < now - WEEK)
    open_offers = sa.select(Post.neighbourhood_id, Post.category).join(
        Neighbour, Neighbour.id == Post.author_id).where(*open_conditions(now, PostKind.OFFER))
    uncapped = sa.select(MatchingLiker.neighbourhood_id, MatchingLiker.category).where(
        MatchingLiker.neighbour_id.in_(capped))
    free = set(db.scalars(sa.select(Neighbour.id).where(
        any_of(session, Neighbour.id, {person for person, *_ in profiles}), not_capped(now, Neighbour.id)))) \
        if profiles else set()
    found = {(hood, category) for person, hood, category in profiles if person in free}
    for query in (open_offers.where(changed_post, not_capped(now, Post.author_id)),
                  open_offers.where(Post.author_id.in_(capped)), uncapped):
        found.update((hood, str(category)) for hood, category in db.execute(query.distinct()))
    return Changes(asks, found)


def refresh_likers(session, since: datetime | None) -> set[tuple[int, int, str]]:
    """Bring the matcher's copy of the helpers' profiles up to date; the new or changed rows as (person,
    neighbourhood, category).

    ``since``: only the people whose profile changed since then (``Neighbour.profile_changed_at``, stamped on
    every change), found through its index. None (the full run): replace them all, which also puts right what no
    stamp records.
    """
    db = session.connection()
    table = MatchingLiker.__table__
    if since is None:
        db.execute(sa.delete(table))
        db.execute(sa.insert(table).from_select(LIKER_KEYS, likers_select(session)))
        return set()
    people = sa.select(Neighbour.id).where(Neighbour.profile_changed_at >= since)
    fresh = {(row[0], str(row[2])): (row[0], row[1], str(row[2]), *row[3:])
             for row in db.execute(likers_select(session).where(Neighbour.id.in_(people)))}
    seen = {(row[0], row[2]): tuple(row) for row in db.execute(
        sa.select(*(table.c[key] for key in LIKER_KEYS)).where(table.c.neighbour_id.in_(people)))}
    for person, category in [key for key, row in seen.items() if fresh.get(key) != row]:  # few: an hour's changes
        db.execute(sa.delete(table).where(table.c.neighbour_id == person, table.c.category == category))
    new = [row for key, row in fresh.items() if seen.get(key) != row]
    if new:
        db.execute(sa.insert(table), [dict(zip(LIKER_KEYS, row, strict=True)) for row in new])
    return {(person, hood, category) for person, hood, category, *_ in new}

"""Small networks: neighbours the initiative serves who have few warm contacts, no circle, and help to ask for.

"Een klein netwerk is een groter probleem dan een grote zorgvraag": the broker sees who has helped or been helped
by fewer than two different people in the last six months (matches done or thanked), is in no circle that has not
ended, and has an open ask or a weekly ask that still runs, so that they can reach out (a call, a circle). Only
what the workspace shows anyway: names, neighbourhoods, the asks' titles.

A page is four queries whatever the number of neighbours: the count, the page, the warm contacts and the asks of
the people on it. Every filter is on an indexed column (post author and status, match asker/helper and status,
circle member and status, circle centre).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.circles.models import Circle, CircleMember, CircleStatus, MemberStatus
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.paging import Page, counted_page
from buurthulp.posts.models import Match, MatchStatus, Post, PostKind, PostStatus, Timing
from buurthulp.timeutil import local_today

WARM_DAYS = 183       # six months
FEW_WARM = 2          # fewer warm contacts than this is a small network
PER_PAGE = 25
WARM_STATUSES = (MatchStatus.DONE, MatchStatus.THANKED)


@dataclass
class AskItem:
    id: int
    title: str
    weekly: bool


@dataclass
class SmallNetwork:
    """One neighbour on the list: how many warm contacts, which asks."""

    person: Neighbour
    warm: int = 0
    asks: list[AskItem] = field(default_factory=list)

    @property
    def weekly(self) -> bool:
        return any(a.weekly for a in self.asks)


def _asks_help(now: datetime):
    """SQL on Post: an ask that is open, or a weekly ask that still runs (also when someone already helps)."""
    today = local_today(now)
    return sa.and_(
        Post.kind == PostKind.ASK, Post.hidden_at.is_(None),
        sa.or_(sa.and_(Post.status == PostStatus.OPEN, Post.expires_at > now),
               sa.and_(Post.timing == Timing.WEEKLY, Post.status.in_((PostStatus.OPEN, PostStatus.MATCHED)),
                       sa.or_(Post.weekly_until.is_(None), Post.weekly_until >= today))))


def _warm_count(since: datetime):
    """SQL on Neighbour: the different people they helped or were helped by since ``since`` (done or thanked)."""
    other = sa.case((Match.asker_id == Neighbour.id, Match.helper_id), else_=Match.asker_id)
    return (sa.select(sa.func.count(sa.distinct(other)))
            .where(sa.or_(Match.asker_id == Neighbour.id, Match.helper_id == Neighbour.id),
                   Match.status.in_(WARM_STATUSES), Match.done_at >= since)
            .correlate(Neighbour).scalar_subquery())


def _in_a_circle():
    """SQL on Neighbour: in a circle that has not ended, as its centre or an active member."""
    return sa.or_(
        sa.exists().where(CircleMember.neighbour_id == Neighbour.id, CircleMember.status == MemberStatus.ACTIVE,
                          Circle.id == CircleMember.circle_id, Circle.status != CircleStatus.ENDED),
        sa.exists().where(Circle.centre_id == Neighbour.id, Circle.status != CircleStatus.ENDED))


def small_networks_query(initiative: Initiative, now: datetime) -> sa.Select:
    """The neighbours the initiative serves with a small network and help to ask for, fewest contacts first."""
    warm = _warm_count(now - timedelta(days=WARM_DAYS))
    asks = sa.exists().where(Post.author_id == Neighbour.id, _asks_help(now))
    return (sa.select(Neighbour)
            .where(access.served_by(initiative), asks, ~_in_a_circle(), warm < FEW_WARM)
            .options(so.joinedload(Neighbour.neighbourhood))
            .order_by(warm, Neighbour.display_name, Neighbour.id))


def small_networks(session, initiative: Initiative, now: datetime, *, page: int = 1,
                   per_page: int = PER_PAGE) -> Page:
    """A page of the list; its items are ``SmallNetwork``s. Four queries, however long the list."""
    found = counted_page(session, small_networks_query(initiative, now), page=page, per_page=per_page)
    items = {p.id: SmallNetwork(p) for p in found.items}
    if items:
        ids = list(items)
        since = now - timedelta(days=WARM_DAYS)
        done = sa.and_(Match.status.in_(WARM_STATUSES), Match.done_at >= since)
        pairs = sa.union_all(
            sa.select(Match.asker_id.label("person"), Match.helper_id.label("other")).where(Match.asker_id.in_(ids),
                                                                                            done),
            sa.select(Match.helper_id.label("person"), Match.asker_id.label("other")).where(Match.helper_id.in_(ids),
                                                                                            done),
        ).subquery()
        for person, count in session.execute(
                sa.select(pairs.c.person, sa.func.count(sa.distinct(pairs.c.other))).group_by(pairs.c.person)):
            items[person].warm = int(count)
        for post_id, author_id, title, timing in session.execute(
                sa.select(Post.id, Post.author_id, Post.title, Post.timing)
                .where(Post.author_id.in_(ids), _asks_help(now)).order_by(Post.created_at, Post.id)):
            items[author_id].asks.append(AskItem(post_id, title, timing == Timing.WEEKLY))
    found.items = list(items.values())
    return found

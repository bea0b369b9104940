"""Choosing a helper for an ask: per candidate what the matcher knows (distance, a time that fits, the fair-spread
load, whether they helped this person before, its reasons), sorted by the matcher's own score.

The candidates are the ask's matches and suggestions, the neighbours who like this kind of help (or, with a
search, everyone served whose name fits), at most ``limit`` of them; five queries whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp import access
from buurthulp.accounts.models import InterestDirection, Neighbour, NeighbourInterest
from buurthulp.db import LIKE_ESCAPE, contains_pattern
from buurthulp.geo import distance_m
from buurthulp.matching.load import counted_as_load, post_window
from buurthulp.matching.rules import FULL_WEEK, Ask, Context, Helper, Window, explain, pair, score
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.posts.models import LIVE_MATCH_STATUSES, Match, MatchStatus, Post
from buurthulp.timeutil import local_to_utc, local_today, month_start

MAX_METRES = 3000.0


@dataclass
class Candidate:
    person: Neighbour
    score: float
    distance: float | None          # metres, when both have a location
    fits: bool                      # a time that fits the ask
    open_matches: int               # matches now open (suggested, proposed, agreed) as a helper
    this_month: int                 # matches this month as a helper: the fair-spread load
    helped_before: bool             # helped this person (or was helped by them) before
    reasons: tuple = field(default=())
    match: Match | None = None      # their match or suggestion for this ask, if any


def _people(session, initiative: Initiative, ask: Post, query: str, limit: int) -> list[Neighbour]:
    stmt = (sa.select(Neighbour).where(access.served_by(initiative), Neighbour.id != ask.author_id)
            .options(so.joinedload(Neighbour.neighbourhood)))
    if query.strip():
        stmt = stmt.where(sa.func.lower(Neighbour.display_name).like(contains_pattern(query.strip().lower()),
                                                                     escape=LIKE_ESCAPE))
    else:
        likes = sa.select(NeighbourInterest.neighbour_id).where(
            NeighbourInterest.direction == InterestDirection.OFFER, NeighbourInterest.category == ask.category)
        in_match = sa.select(Match.helper_id).where(Match.ask_id == ask.id)
        stmt = stmt.where(sa.or_(Neighbour.id.in_(likes), Neighbour.id.in_(in_match)))
    return list(session.scalars(stmt.order_by(Neighbour.display_name, Neighbour.id).limit(limit)))


def candidates(session, initiative: Initiative, ask: Post, now: datetime, *, query: str = "",
               limit: int = 30) -> list[Candidate]:
    """The helpers to choose from for ``ask``, best first by the matcher's score."""
    people = _people(session, initiative, ask, query, limit)
    if not people:
        return []
    ids = [p.id for p in people]
    month_began = local_to_utc(month_start(local_today(now)), time(0))
    loads = {helper: (n_open, n_recent, n_month) for helper, n_open, n_recent, n_month in session.execute(
        sa.select(Match.helper_id,
                  sa.func.count(sa.case((Match.status.in_(LIVE_MATCH_STATUSES), 1))),
                  sa.func.count(sa.case((counted_as_load(now), 1))),
                  sa.func.count(sa.case((Match.created_at >= month_began, 1))))
        .where(Match.helper_id.in_(ids)).group_by(Match.helper_id))}
    warm = {pair(a, h) for a, h in session.execute(
        sa.select(Match.asker_id, Match.helper_id).where(
            Match.status.in_((MatchStatus.DONE, MatchStatus.THANKED)),
            sa.or_(sa.and_(Match.asker_id == ask.author_id, Match.helper_id.in_(ids)),
                   sa.and_(Match.helper_id == ask.author_id, Match.asker_id.in_(ids)))))}
    blocked = access.blocked_ids(session, ask.author_id)
    matches = {m.helper_id: m for m in session.scalars(sa.select(Match).where(Match.ask_id == ask.id,
                                                                             Match.helper_id.in_(ids)))}
    author = ask.author
    ask_window = post_window(_WindowRow(ask, author.availability), local_today(now))
    the_ask = Ask(ask.id, ask.author_id, ask.neighbourhood_id, str(ask.category), ask.latitude, ask.longitude,
                  ask_window)
    ctx = Context(adjacent={}, blocked=set(), declined=set(), taken=set(), taken_offers=set(), warm=warm,
                  reciprocal=set(), load={h: recent for h, (_, recent, _) in loads.items() if recent},
                  live_per_ask={}, proposals_this_week={}, max_metres=MAX_METRES)
    out = []
    for person in people:
        if person.id in blocked:
            continue
        helper = Helper(person.id, person.neighbourhood_id or 0, str(ask.category), person.latitude,
                        person.longitude, Window(person.availability or FULL_WEEK))
        overlap = ask_window.free_overlap(helper.window)
        distance = (distance_m(ask.latitude, ask.longitude, person.latitude, person.longitude)
                    if ask.latitude is not None and person.latitude is not None else None)
        n_open, _, n_month = loads.get(person.id, (0, 0, 0))
        out.append(Candidate(
            person=person, score=score(the_ask, helper, overlap, distance, ctx), distance=distance,
            fits=bool(ask_window.overlap(helper.window)), open_matches=n_open, this_month=n_month,
            helped_before=pair(ask.author_id, person.id) in warm, reasons=explain(the_ask, helper, overlap, distance, ctx),
            match=matches.get(person.id)))
    out.sort(key=lambda c: (-c.score, c.person.display_name, c.person.id))
    return out


class _WindowRow:
    """A post as the row ``post_window`` reads, with its author's availability."""

    def __init__(self, post: Post, availability: int):
        self.timing, self.on_date, self.day_part = post.timing, post.on_date, post.day_part
        self.period_start, self.period_end = post.period_start, post.period_end
        self.weekly_slots, self.weekly_until = post.weekly_slots, post.weekly_until
        self.availability = availability

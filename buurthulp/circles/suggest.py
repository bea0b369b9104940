"""Growing a circle with the matcher: for a rota slot whose dates stay open, nearby neighbours who could take it.

A slot with three or more open dates in the coming four weeks gets up to three suggestions: neighbours of the
centre's neighbourhood or one next to it, who like that kind of help (``NeighbourInterest`` offer), whose profile
availability covers the slot's weekday and part of the day, who are not in the circle (in any status) and not
blocked with the centre. They are ranked by the matcher's own score and reasons (``matching.rules``), with its
fair spread: open and recent matches lower the score, and of two equal scores the one with fewer open matches
comes first. A suggestion invites someone to that slot, not to the whole circle; the centre approves (the rota's
pages do that). Seven queries, whatever the number of neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp import access
from buurthulp.accounts.models import InterestDirection, Neighbour, NeighbourInterest
from buurthulp.categories import DayPart
from buurthulp.circles import rota
from buurthulp.circles.models import Circle, CircleMember, CircleStatus, Frequency, RotaSlot
from buurthulp.geo import distance_m
from buurthulp.matching.load import RECENT
from buurthulp.matching.rules import FULL_WEEK, Ask, Context, Helper, Window, day_mask, explain, pair, score
from buurthulp.neighbourhoods.models import neighbourhood_adjacency
from buurthulp.posts.models import LIVE_MATCH_STATUSES, Match, MatchStatus
from buurthulp.timeutil import local_today

HORIZON_DAYS = 28    # the coming four weeks
MIN_OPEN = 3         # a slot "stays open" with this many open dates in them
LIMIT = 3
MAX_METRES = 3000.0  # as the broker's candidates: near means walking or cycling distance


@dataclass
class SlotSuggestion:
    person: Neighbour
    score: float
    distance: float | None  # metres, when both have a location
    open_matches: int       # matches now open as a helper: the fair spread
    reasons: tuple = field(default=())


def part_of(slot) -> int | None:
    """The slot's part of the day: as set, or from its exact time; None: any part."""
    if slot.day_part is not None:
        return int(slot.day_part)
    if slot.at_time is not None:
        if slot.at_time < time(12):
            return DayPart.MORNING
        return DayPart.AFTERNOON if slot.at_time < time(18) else DayPart.EVENING
    return None


def slot_mask(slot) -> int:
    """The weekday-parts of a slot, as the matcher's availability bits (a daily slot: that part on every day)."""
    part = part_of(slot)
    if slot.frequency == Frequency.DAILY or slot.weekday is None:
        days = range(7) if slot.frequency == Frequency.DAILY else [slot.starts_on.weekday()]
    else:
        days = [slot.weekday]
    mask = 0
    for day in days:
        mask |= day_mask(day, part)
    return mask


def open_dates(session, slot: RotaSlot, now: datetime) -> list:
    """The slot's open dates in the coming four weeks (the rota's own expansion)."""
    today = local_today(now)
    dates = rota.expand(session, [slot], today, today + timedelta(days=HORIZON_DAYS - 1), with_people=False)
    return [d for d in dates if d.is_open]


def suggestions(session, slot: RotaSlot, now: datetime, *, limit: int = LIMIT) -> list[SlotSuggestion]:
    """Up to ``limit`` neighbours to invite to ``slot``, best first; none when its dates do not stay open."""
    circle = session.get(Circle, slot.circle_id)
    if circle is None or circle.status != CircleStatus.ACTIVE:
        return []
    if len(open_dates(session, slot, now)) < MIN_OPEN:
        return []
    centre = session.get(Neighbour, circle.centre_id)
    if centre is None or centre.neighbourhood_id is None:
        return []
    t = neighbourhood_adjacency
    near = sa.union(sa.select(sa.literal(centre.neighbourhood_id)),
                    sa.select(t.c.adjacent_id).where(t.c.neighbourhood_id == centre.neighbourhood_id))
    likes = sa.select(NeighbourInterest.neighbour_id).where(NeighbourInterest.direction == InterestDirection.OFFER,
                                                            NeighbourInterest.category == slot.category)
    in_circle = sa.select(CircleMember.neighbour_id).where(CircleMember.circle_id == circle.id)
    people = list(session.scalars(
        sa.select(Neighbour).where(Neighbour.neighbourhood_id.in_(near), Neighbour.id.in_(likes),
                                   Neighbour.id.not_in(in_circle), Neighbour.id != centre.id,
                                   Neighbour.deleted_at.is_(None), Neighbour.proxy_initiative_id.is_(None))
        .options(so.lazyload("*")).order_by(Neighbour.id)))
    blocked = access.blocked_ids(session, centre.id)
    mask = slot_mask(slot)
    people = [p for p in people if p.id not in blocked and (p.availability or FULL_WEEK) & mask]
    if not people:
        return []
    ids = [p.id for p in people]
    loads = {helper: (n_open, n_recent) for helper, n_open, n_recent in session.execute(
        sa.select(Match.helper_id,
                  sa.func.count(sa.case((Match.status.in_(LIVE_MATCH_STATUSES), 1))),
                  sa.func.count(sa.case((sa.or_(Match.status.in_(LIVE_MATCH_STATUSES),
                                                Match.created_at >= now - RECENT), 1))))
        .where(Match.helper_id.in_(ids)).group_by(Match.helper_id))}
    warm = {pair(a, h) for a, h in session.execute(
        sa.select(Match.asker_id, Match.helper_id).where(
            Match.status.in_((MatchStatus.DONE, MatchStatus.THANKED)),
            sa.or_(sa.and_(Match.asker_id == centre.id, Match.helper_id.in_(ids)),
                   sa.and_(Match.helper_id == centre.id, Match.asker_id.in_(ids)))))}
    today = local_today(now)
    the_slot = Ask(slot.id, centre.id, centre.neighbourhood_id, str(slot.category), centre.latitude,
                   centre.longitude, Window(mask, today, today + timedelta(days=HORIZON_DAYS - 1)))
    ctx = Context(adjacent={}, blocked=set(), declined=set(), taken=set(), taken_offers=set(), warm=warm,
                  reciprocal=set(), load={h: recent for h, (_, recent) in loads.items() if recent}, live_per_ask={},
                  proposals_this_week={}, max_metres=MAX_METRES)
    out = []
    for person in people:
        distance = (distance_m(centre.latitude, centre.longitude, person.latitude, person.longitude)
                    if centre.latitude is not None and person.latitude is not None else None)
        if distance is not None and distance > MAX_METRES:
            continue
        helper = Helper(person.id, person.neighbourhood_id, str(slot.category), person.latitude, person.longitude,
                        Window(person.availability or FULL_WEEK))
        overlap = the_slot.window.free_overlap(helper.window)
        out.append(SlotSuggestion(person, score(the_slot, helper, overlap, distance, ctx), distance,
                                  loads.get(person.id, (0, 0))[0], explain(the_slot, helper, overlap, distance, ctx)))
    out.sort(key=lambda s: (-s.score, s.open_matches, s.person.display_name, s.person.id))
    return out[:limit]

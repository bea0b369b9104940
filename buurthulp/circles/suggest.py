"""Growing a circle with the matcher: for a rota slot whose dates stay open, nearby neighbours who could take it.

A slot with three or more open dates in the coming four weeks gets up to three suggestions: neighbours of the
centre's neighbourhood or one next to it, who like that kind of help (``NeighbourInterest`` offer), whose profile
availability covers the slot's weekday and part of the day, who are not in the circle (in any status) and not
blocked with the centre. They are ranked by the matcher's own score and reasons (``matching.rules``), with its
fair spread: open and recent matches lower the score, and of two equal scores the one with fewer open matches
comes first. A suggestion invites someone to that slot, not to the whole circle; the centre approves (the rota's
pages do that). Eight queries at most, whatever the number of neighbours; ``suggestions_for`` does all the
slots of a circle in as many.
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
from buurthulp.matching.load import counted_as_load
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


def open_date_counts(session, slots: list[RotaSlot], now: datetime) -> dict[int, int]:
    """Per slot, how many of its dates in the coming four weeks are open: two queries, however many slots."""
    today = local_today(now)
    counts: dict[int, int] = {}
    for row in rota.expand(session, slots, today, today + timedelta(days=HORIZON_DAYS - 1), with_people=False):
        if row.is_open:
            counts[row.slot.id] = counts.get(row.slot.id, 0) + 1
    return counts


def suggestions(session, slot: RotaSlot, now: datetime, *, limit: int = LIMIT) -> list[SlotSuggestion]:
    """Up to ``limit`` neighbours to invite to ``slot``, best first; none when its dates do not stay open."""
    circle = session.get(Circle, slot.circle_id)
    return suggestions_for(session, circle, [slot], now, limit=limit).get(slot.id, [])


def suggestions_for(session, circle: Circle | None, slots: list[RotaSlot], now: datetime, *, limit: int = LIMIT,
                    open_counts: dict[int, int] | None = None) -> dict[int, list[SlotSuggestion]]:
    """``suggestions`` for several slots of one circle at once (the rota page): slot id -> up to ``limit``
    neighbours, only for slots that have some. A fixed number of queries, whatever the number of slots and
    neighbours; ``open_counts`` (slot id -> open dates in the coming four weeks) saves two when the caller
    expanded the rota already."""
    if circle is None or circle.status != CircleStatus.ACTIVE or not slots:
        return {}
    if open_counts is None:
        open_counts = open_date_counts(session, slots, now)
    slots = [s for s in slots if s.circle_id == circle.id and open_counts.get(s.id, 0) >= MIN_OPEN]
    if not slots:
        return {}
    centre = session.get(Neighbour, circle.centre_id)
    if centre is None or centre.neighbourhood_id is None:
        return {}
    t = neighbourhood_adjacency
    near = sa.union(sa.select(sa.literal(centre.neighbourhood_id)),
                    sa.select(t.c.adjacent_id).where(t.c.neighbourhood_id == centre.neighbourhood_id))
    in_circle = sa.select(CircleMember.neighbour_id).where(CircleMember.circle_id == circle.id)
    rows = session.execute(
        sa.select(Neighbour, NeighbourInterest.category)
        .join(NeighbourInterest, NeighbourInterest.neighbour_id == Neighbour.id)
        .where(NeighbourInterest.direction == InterestDirection.OFFER,
               NeighbourInterest.category.in_(sorted({s.category for s in slots})),
               Neighbour.neighbourhood_id.in_(near), Neighbour.id.not_in(in_circle), Neighbour.id != centre.id,
               Neighbour.deleted_at.is_(None), Neighbour.proxy_initiative_id.is_(None))
        .options(so.joinedload(Neighbour.neighbourhood), so.lazyload("*"))
        .order_by(Neighbour.id, NeighbourInterest.category)).all()
    blocked = access.blocked_ids(session, centre.id)
    liked = {(p.id, str(category)) for p, category in rows if p.id not in blocked}
    people = list({p.id: p for p, _ in rows if p.id not in blocked}.values())
    if not people:
        return {}
    ids = [p.id for p in people]
    loads = {helper: (n_open, n_recent) for helper, n_open, n_recent in session.execute(
        sa.select(Match.helper_id,
                  sa.func.count(sa.case((Match.status.in_(LIVE_MATCH_STATUSES), 1))),
                  sa.func.count(sa.case((counted_as_load(now), 1))))
        .where(Match.helper_id.in_(ids)).group_by(Match.helper_id))}
    warm = {pair(a, h) for a, h in session.execute(
        sa.select(Match.asker_id, Match.helper_id).where(
            Match.status.in_((MatchStatus.DONE, MatchStatus.THANKED)),
            sa.or_(sa.and_(Match.asker_id == centre.id, Match.helper_id.in_(ids)),
                   sa.and_(Match.helper_id == centre.id, Match.asker_id.in_(ids)))))}
    ctx = Context(adjacent={}, blocked=set(), declined=set(), taken=set(), taken_offers=set(), warm=warm,
                  reciprocal=set(), load={h: recent for h, (_, recent) in loads.items() if recent}, live_per_ask={},
                  proposals_this_week={}, max_metres=MAX_METRES)
    found = {}
    for slot in slots:
        ranked = _rank(slot, centre, [p for p in people if (p.id, str(slot.category)) in liked], loads, ctx, now)
        if ranked:
            found[slot.id] = ranked[:limit]
    return found


def _rank(slot: RotaSlot, centre: Neighbour, people: list[Neighbour], loads: dict, ctx: Context,
          now: datetime) -> list[SlotSuggestion]:
    """The people who like the slot's kind of help, free then and near enough, scored as the matcher does."""
    today = local_today(now)
    mask = slot_mask(slot)
    the_slot = Ask(slot.id, centre.id, centre.neighbourhood_id, str(slot.category), centre.latitude,
                   centre.longitude, Window(mask, today, today + timedelta(days=HORIZON_DAYS - 1)))
    out = []
    for person in people:
        if not (person.availability or FULL_WEEK) & mask:
            continue
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
    return out

"""The matcher on plain data: candidates, scores with reasons, and a fair global assignment.

No database here: ``load.py`` builds the inputs, ``services.py`` stores the
result. Everything is deterministic for the same input (ties break on ids).

Assignment: every candidate pair gets a score; pairs are taken best first
(score, then ask id, then helper id) while the ask has fewer than ``k``
suggestions and the helper fewer than ``m`` new proposals this week. Taking
the best pair first is the greedy approximation of the maximum-weight
b-matching (at least half the optimum); unlike an exact solver it is
O(E log E), stable, and easy to explain to a broker.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

PARTS = 3
ALL_PARTS = 0b111
FULL_WEEK = (1 << 21) - 1
FAR_FUTURE = date.max
FAR_PAST = date.min


@dataclass(slots=True)
class Window:
    """When something can happen: weekday x part-of-day bits, between two dates."""

    mask: int
    start: date = FAR_PAST
    end: date = FAR_FUTURE

    def overlap(self, other: Window) -> int:
        if self.start > other.end or other.start > self.end:
            return 0
        return self.mask & other.mask


def day_mask(weekday: int, part: int | None) -> int:
    parts = ALL_PARTS if part is None else 1 << part
    return parts << (weekday * PARTS)


def window_once(day: date, part: int | None) -> Window:
    return Window(day_mask(day.weekday(), part), day, day)


def window_period(start: date, end: date) -> Window:
    if (end - start).days >= 6:
        return Window(FULL_WEEK, start, end)
    mask = 0
    for i in range((end - start).days + 1):
        mask |= day_mask((start + timedelta(days=i)).weekday(), None)
    return Window(mask, start, end)


def window_weekly(slots: int, today: date, until: date | None) -> Window:
    return Window(slots, today, until or FAR_FUTURE)


@dataclass(slots=True)
class Ask:
    id: int
    asker: int
    hood: int
    category: str
    lat: float | None
    lon: float | None
    window: Window


@dataclass(slots=True)
class Helper:
    """Someone who could help: the author of an offer, or a neighbour who likes the category."""

    person: int
    hood: int
    category: str
    lat: float | None
    lon: float | None
    window: Window
    offer: int | None = None  # the offer post, when this candidate comes from one


@dataclass
class Context:
    adjacent: dict[int, set[int]]                 # neighbourhood -> the ones next to it
    blocked: set[tuple[int, int]]                 # (a, b) with a < b
    declined: set[tuple[int, int]]                # (asker, helper) pairs that declined before
    taken: set[tuple[int, int]]                   # (ask, helper) pairs that already have a match
    taken_offers: set[tuple[int, int]]            # (offer, asker) pairs that already have a match
    warm: set[tuple[int, int]]                    # (a, b) with a < b who helped each other before
    reciprocal: set[int]                          # people who ask and offer
    load: dict[int, int]                          # helper -> open and recent matches
    live_per_ask: dict[int, int]                  # ask -> live suggestions and proposals
    proposals_this_week: dict[int, int]           # helper -> scheduler suggestions in the last 7 days
    max_metres: float = 3000.0
    k: int = 3
    m: int = 2
    per_ask: int = 8                              # candidates kept per ask for the assignment


@dataclass(frozen=True)
class Suggestion:
    ask: int
    asker: int
    helper: int
    offer: int | None
    score: float
    # the reasons a person reads; between candidates() and match(), what explain() needs to write them
    reasons: tuple = field(default=())


def pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def metres(lat1, lon1, lat2, lon2) -> float:
    """Metres from the first point (an ask) to the second, as ``candidates()`` measures them."""
    dx = (lon2 - lon1) * math.cos(math.radians(lat1)) * 111_320.0
    dy = (lat2 - lat1) * 111_320.0
    return math.sqrt(dx * dx + dy * dy)


def first_slot(mask: int) -> int | None:
    """The index (weekday * 3 + part) of the lowest bit set."""
    return (mask & -mask).bit_length() - 1 if mask else None


def score(ask: Ask, helper: Helper, overlap: int, distance: float | None, ctx: Context) -> float:
    """The score of one pair: near, free at the same time, warm, offering now, reciprocal, not overloaded."""
    total = 3.0 * (1.0 - distance / ctx.max_metres) if distance is not None else (
        1.5 if helper.hood == ask.hood else 1.0)
    if helper.hood == ask.hood:
        total += 0.5
    total += min(overlap.bit_count(), 6) / 6.0
    if pair(ask.asker, helper.person) in ctx.warm:
        total += 1.5
    total += 1.0 if helper.offer is not None else 0.5
    if helper.person in ctx.reciprocal:
        total += 0.3
    total -= 0.6 * min(ctx.load.get(helper.person, 0), 5)
    return round(total, 6)


def explain(ask: Ask, helper: Helper, overlap: int, distance: float | None, ctx: Context) -> tuple:
    """The reasons a person reads beside a suggestion, in the order of the score's parts."""
    reasons = []
    if distance is not None:
        reasons.append({"code": "distance", "metres": int(round(distance / 100.0)) * 100})
    elif helper.hood == ask.hood:
        reasons.append({"code": "same_neighbourhood"})
    slot = first_slot(overlap)
    if slot is not None:
        reasons.append({"code": "time", "weekday": slot // PARTS, "part": slot % PARTS})
    if pair(ask.asker, helper.person) in ctx.warm:
        reasons.append({"code": "warm"})
    reasons.append({"code": "offer"} if helper.offer is not None else {"code": "fit"})
    if helper.person in ctx.reciprocal:
        reasons.append({"code": "reciprocity"})
    if ctx.load.get(helper.person, 0) == 0:
        reasons.append({"code": "fair"})
    return tuple(reasons)


def _index_pairs(pairs, symmetric: bool = False) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for a, b in pairs:
        out.setdefault(a, set()).add(b)
        if symmetric:
            out.setdefault(b, set()).add(a)
    return out


def candidates(asks: list[Ask], helpers: list[Helper], ctx: Context) -> list[Suggestion]:
    """The best few helpers for every ask: near, free at the same time, never blocked or declined.

    The hot loop of the matcher: per ask it looks only at the helpers of the
    ask's category in its own and adjacent neighbourhoods, with the rules and
    the score written out inline (the same as ``score()``, which tests compare).
    """
    by_bucket: dict[tuple[int, str], list[tuple]] = {}
    reciprocal, load = ctx.reciprocal, ctx.load
    for h in helpers:
        w = h.window
        if not w.mask:
            continue
        static = (1.0 if h.offer is not None else 0.5) + (0.3 if h.person in reciprocal else 0.0) \
            - 0.6 * min(load.get(h.person, 0), 5)
        by_bucket.setdefault((h.hood, h.category), []).append(
            (h.person, w.mask, w.start, w.end, h.lat, h.lon, h.hood, static, h.offer or 0, h))
    taken = _index_pairs(ctx.taken)
    blocked = _index_pairs(ctx.blocked, symmetric=True)
    declined = _index_pairs(ctx.declined)
    warm = _index_pairs(ctx.warm, symmetric=True)
    max_m = ctx.max_metres
    max_sq = max_m * max_m
    nothing: set[int] = set()
    near = {hood: (hood, *sorted(adjacent)) for hood, adjacent in ctx.adjacent.items()}
    out: list[Suggestion] = []
    for ask in asks:
        if ctx.live_per_ask.get(ask.id, 0) >= ctx.k:
            continue
        asker, a_hood = ask.asker, ask.hood
        excluded = {asker} | taken.get(ask.id, nothing) | blocked.get(asker, nothing) | declined.get(asker, nothing)
        warm_with = warm.get(asker, nothing)
        a_mask, a_start, a_end = ask.window.mask, ask.window.start, ask.window.end
        a_lat, a_lon = ask.lat, ask.lon
        kx = math.cos(math.radians(a_lat)) * 111_320.0 if a_lat is not None else 0.0
        best: dict[int, tuple] = {}
        for hood in near.get(a_hood, (a_hood,)):
            same = hood == a_hood
            for person, h_mask, h_start, h_end, h_lat, h_lon, _, static, offer, helper in by_bucket.get(
                    (hood, ask.category), ()):
                if person in excluded or h_start > a_end or a_start > h_end:
                    continue
                overlap = a_mask & h_mask
                if not overlap:
                    continue
                if a_lat is not None and h_lat is not None:
                    dx = (h_lon - a_lon) * kx
                    dy = (h_lat - a_lat) * 111_320.0
                    sq = dx * dx + dy * dy
                    if sq > max_sq:
                        continue
                    distance = math.sqrt(sq)
                    value = 3.0 * (1.0 - distance / max_m)
                else:
                    distance = None
                    value = 1.5 if same else 1.0
                if same:
                    value += 0.5
                value += min(overlap.bit_count(), 6) / 6.0 + static
                if person in warm_with:
                    value += 1.5
                # one entry per person: the best of their offers and profile, ties broken the same way always
                known = best.get(person)
                if known is None or value > known[0][0] or (
                        value == known[0][0] and (value, -offer, -h_mask, h_start, h_end) > known[0]):
                    best[person] = ((value, -offer, -h_mask, h_start, h_end), person, helper, overlap, distance)
        if not best:
            continue
        top = heapq.nsmallest(ctx.per_ask, best.values(), key=lambda c: (-c[0][0], c[1]))
        out.extend(Suggestion(ask.id, asker, person, helper.offer, round(key[0], 6), (ask, helper, overlap, distance))
                   for key, person, helper, overlap, distance in top)
    return out


def assign(suggestions: list[Suggestion], ctx: Context) -> list[Suggestion]:
    """Best pairs first, at most k per ask (counting live ones) and m new per helper this week."""
    per_ask = dict(ctx.live_per_ask)
    per_helper = dict(ctx.proposals_this_week)
    offers_used = set(ctx.taken_offers)
    chosen = []
    for s in sorted(suggestions, key=lambda s: (-s.score, s.ask, s.helper)):
        if per_ask.get(s.ask, 0) >= ctx.k or per_helper.get(s.helper, 0) >= ctx.m:
            continue
        per_ask[s.ask] = per_ask.get(s.ask, 0) + 1
        per_helper[s.helper] = per_helper.get(s.helper, 0) + 1
        if s.offer is not None:
            if (s.offer, s.asker) in offers_used:
                # one offer is linked to one asker once (two asks of the same person): suggest the person only
                s = replace(s, offer=None)
            else:
                offers_used.add((s.offer, s.asker))
        chosen.append(s)
    return chosen


def match(asks: list[Ask], helpers: list[Helper], ctx: Context) -> list[Suggestion]:
    """Candidates, then the global assignment; only the chosen suggestions are put into words."""
    return [replace(s, reasons=explain(*s.reasons, ctx)) for s in assign(candidates(asks, helpers, ctx), ctx)]

"""The matcher's rules for one pair, on plain data: time windows, distance, score and the reasons.

This is the readable definition of a good suggestion: the digest uses it for
one neighbour at a time, and ``engine.py`` does the same work on columns for
a whole run (tests check that both agree). No database here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

PARTS = 3
ALL_PARTS = 0b111
FULL_WEEK = (1 << 21) - 1
FAR_FUTURE = date.max
FAR_PAST = date.min


@dataclass(slots=True)
class Window:
    """When something can happen: weekday x part-of-day bits, between two dates.

    ``mask`` is what the post (or profile) allows, and decides whether two
    can be matched at all; ``free`` is when the person is really free within
    it (a period post: its days that the person's profile lists), and is what
    a reason may name. ``None``: the same as ``mask``.
    """

    mask: int
    start: date = FAR_PAST
    end: date = FAR_FUTURE
    free: int | None = None

    def overlap(self, other: Window) -> int:
        """The weekday parts both allow on the days both windows share."""
        return self.mask & other.mask & shared_days(self, other)

    def free_overlap(self, other: Window) -> int:
        """The weekday parts both people are really free on the days both windows share."""
        mine = self.mask if self.free is None else self.free
        theirs = other.mask if other.free is None else other.free
        return mine & theirs & shared_days(self, other)


def days_mask(start: date, end: date) -> int:
    """All parts of the weekdays from start to end (every weekday for a week or more, none when end < start)."""
    if end < start:
        return 0
    if (end - start).days >= 6:
        return FULL_WEEK
    mask = 0
    for i in range((end - start).days + 1):
        mask |= day_mask((start + timedelta(days=i)).weekday(), None)
    return mask


def shared_days(a: Window, b: Window) -> int:
    """The weekdays of the dates both windows cover: two periods that share only a Tuesday share only Tuesday."""
    return days_mask(max(a.start, b.start), min(a.end, b.end))


def day_mask(weekday: int, part: int | None) -> int:
    parts = ALL_PARTS if part is None else 1 << part
    return parts << (weekday * PARTS)


def window_once(day: date, part: int | None) -> Window:
    return Window(day_mask(day.weekday(), part), day, day)


def window_period(start: date, end: date, availability: int = 0) -> Window:
    """A post "within a period": any day of it, and really free on the days its author's profile lists (if any)."""
    mask = days_mask(start, end)
    return Window(mask, start, end, mask & availability if availability else mask)


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
    taken: set[tuple[int, int]]                   # (ask, helper) pairs that already have a match (asks with room)
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
    # the codes of the reasons a person reads (see reasons())
    reasons: tuple = field(default=())


def pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def first_slot(mask: int) -> int | None:
    """The index (weekday * 3 + part) of the lowest bit set."""
    return (mask & -mask).bit_length() - 1 if mask else None


def score(ask: Ask, helper: Helper, overlap: int, distance: float | None, ctx: Context) -> float:
    """The score of one pair: near, free at the same time, warm, offering now, reciprocal, not overloaded.

    ``overlap`` is when both are really free (``Window.free_overlap``), as in ``explain``.
    """
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
    return reasons(distance, same_hood=helper.hood == ask.hood, overlap=overlap,
                   warm=pair(ask.asker, helper.person) in ctx.warm, offer=helper.offer is not None,
                   reciprocal=helper.person in ctx.reciprocal, load=ctx.load.get(helper.person, 0))


def reasons(distance: float | None, *, same_hood: bool, overlap: int, warm: bool, offer: bool, reciprocal: bool,
            load: int) -> tuple:
    """The reasons as codes with their numbers; templates and mails turn them into sentences.

    The time reason names the first weekday part in ``overlap``, when both
    are really free; with nothing in it, no day is named.
    """
    out = []
    if distance is not None:
        out.append({"code": "distance", "metres": int(round(distance / 100.0)) * 100})
    elif same_hood:
        out.append({"code": "same_neighbourhood"})
    slot = first_slot(overlap)
    if slot is not None:
        out.append({"code": "time", "weekday": slot // PARTS, "part": slot % PARTS})
    if warm:
        out.append({"code": "warm"})
    out.append({"code": "offer"} if offer else {"code": "fit"})
    if reciprocal:
        out.append({"code": "reciprocity"})
    if load == 0:
        out.append({"code": "fair"})
    return tuple(out)

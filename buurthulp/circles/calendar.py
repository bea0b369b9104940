"""A person's calendar: their rota dates and agreed help as events, served at a secret address (.ics).

Events come from sources (``register_source``): each is ``fn(session, person, start, end) -> list[Event]`` for
the dates from ``start`` up to (not including) ``end``; circles register the rota and agreed help here, and a
later domain (activities) adds its own the same way. A feed holds what the person may see anyway, and less:
titles and times, never private details, addresses or phone numbers, because a calendar program keeps a copy
and the address can leak.

Reading the rota (which dates of which slots someone took, which are open) is here too, in a fixed number of
queries for a whole set of circles: the calendar, the digest and the figures use it.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as ICalEvent

from buurthulp.accounts.models import Neighbour
from buurthulp.categories import DayPart
from buurthulp.circles import rota
from buurthulp.circles.models import (
    CalendarFeed,
    Circle,
    CircleMember,
    CircleStatus,
    MemberStatus,
    RotaSlot,
    Shift,
    SlotSeries,
)
from buurthulp.db import utcnow
from buurthulp.mail import external_url
from buurthulp.posts.models import Match, MatchStatus, Post, Timing
from buurthulp.timeutil import local_to_utc, local_today

WEEKS_AHEAD = 8
TOKEN_BYTES = 32
# A part of the day in a calendar: the hours a neighbour would say "in the morning" of (the app asks no more).
PART_HOURS = {
    DayPart.MORNING: (time(9, 0), time(12, 0)),
    DayPart.AFTERNOON: (time(13, 0), time(17, 0)),
    DayPart.EVENING: (time(18, 0), time(21, 0)),
}
AT_TIME_MINUTES = 60  # a slot at an exact time ("a phone call at 10:00") shows as an hour


# --- events and their sources -------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    """One calendar event. ``start``/``end`` are dates (all day; ``end`` the day after) or aware datetimes."""

    uid: str
    title: str
    start: date | datetime
    end: date | datetime
    description: str = ""
    url: str = ""

    @property
    def sort_key(self) -> tuple:
        moment = self.start if isinstance(self.start, datetime) else local_to_utc(self.start, time.min)
        return moment, self.uid


Source = Callable[..., list[Event]]
_sources: list[Source] = []


def register_source(fn: Source) -> Source:
    """Add ``fn(session, person, start, end) -> list[Event]`` to every person's calendar (once; a decorator too)."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def events_for(session, person: Neighbour, start: date, end: date) -> list[Event]:
    """The person's events from ``start`` up to (not including) ``end``, from every source, in time order."""
    return sorted((e for fn in _sources for e in fn(session, person, start, end)), key=lambda e: e.sort_key)


def to_ical(events: Iterable[Event], name: str) -> bytes:
    """The events as an iCalendar file (times in UTC, so no time zone table is needed)."""
    cal = Calendar()
    cal.add("prodid", "-//buurthulp//NL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    stamp = utcnow().replace(microsecond=0)
    for e in events:
        item = ICalEvent()
        item.add("uid", e.uid)
        item.add("dtstamp", stamp)
        item.add("dtstart", e.start)
        item.add("dtend", e.end)
        item.add("summary", e.title)
        if e.description:
            item.add("description", e.description)
        if e.url:
            item.add("url", e.url)
        item.add("transp", "OPAQUE" if isinstance(e.start, datetime) else "TRANSPARENT")
        cal.add_component(item)
    return cal.to_ical()


def window(today: date) -> tuple[date, date]:
    """The dates a feed holds: today and the coming eight weeks."""
    return today, today + timedelta(weeks=WEEKS_AHEAD)


# --- the secret address -------------------------------------------------------------------------

def feed_of(session, person: Neighbour) -> CalendarFeed | None:
    """The person's calendar address, if they made one."""
    return session.get(CalendarFeed, person.id)


def new_feed(session, person: Neighbour) -> CalendarFeed:
    """Make the person's calendar address, or a new one: the old address stops working at once."""
    feed = feed_of(session, person)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    if feed is None:
        feed = CalendarFeed(neighbour_id=person.id, token=token, created_at=utcnow())
        session.add(feed)
    else:
        feed.token, feed.created_at = token, utcnow()
    session.flush()
    return feed


def remove_feed(session, person: Neighbour) -> None:
    """Remove the person's calendar address: it stops working; calendars that follow it go empty."""
    session.execute(sa.delete(CalendarFeed).where(CalendarFeed.neighbour_id == person.id))


def person_for_token(session, token: str) -> Neighbour | None:
    """Whose calendar this address is: None for an unknown or revoked token, or a deleted account (one query)."""
    if not token or len(token) > 64:
        return None
    return session.scalar(sa.select(Neighbour).join(CalendarFeed, CalendarFeed.neighbour_id == Neighbour.id)
                          .where(CalendarFeed.token == token, Neighbour.deleted_at.is_(None)))


# --- reading the rota ---------------------------------------------------------------------------

def slot_times(slot, day: date) -> tuple[date | datetime, date | datetime]:
    """When a date of a slot is: its exact time (an hour), its part of the day, or all day."""
    if slot.at_time is not None:
        begin = local_to_utc(day, slot.at_time)
        return begin, begin + timedelta(minutes=AT_TIME_MINUTES)
    if slot.day_part is not None and slot.day_part in PART_HOURS:
        begin, finish = PART_HOURS[DayPart(slot.day_part)]
        return local_to_utc(day, begin), local_to_utc(day, finish)
    return day, day + timedelta(days=1)


@dataclass(frozen=True)
class SlotDate:
    """One date of a slot and who has it (None: open)."""

    slot: object  # a row with RotaSlot's columns, plus circle_id and centre_name
    on_date: date
    taken_by_id: int | None
    done: bool

    @property
    def is_open(self) -> bool:
        return self.taken_by_id is None


_SLOT_COLUMNS = (RotaSlot.id, RotaSlot.circle_id, RotaSlot.title, RotaSlot.category, RotaSlot.kind,
                 RotaSlot.frequency, RotaSlot.weekday, RotaSlot.day_part, RotaSlot.at_time, RotaSlot.starts_on,
                 RotaSlot.ends_on, Neighbour.display_name.label("centre_name"))


def _slots_in(start: date, end: date) -> sa.Select:
    """Slots of active circles that have dates in the window, with the centre's name."""
    return (sa.select(*_SLOT_COLUMNS).join(Circle, Circle.id == RotaSlot.circle_id)
            .join(Neighbour, Neighbour.id == Circle.centre_id)
            .where(Circle.status == CircleStatus.ACTIVE, RotaSlot.starts_on < end,
                   sa.or_(RotaSlot.ends_on.is_(None), RotaSlot.ends_on >= start))
            .order_by(RotaSlot.circle_id, RotaSlot.id))


@dataclass(frozen=True)
class _Series:
    neighbour_id: int
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class _Shift:
    taken_by_id: int | None
    given_back: bool
    done: bool


def _holders(session, slot_ids: list[int], start: date, end: date) -> tuple[dict, dict]:
    """Who took what of these slots in the window, in one query: the series per slot and the stored dates."""
    series = sa.select(sa.literal("s").label("what"), SlotSeries.slot_id, SlotSeries.neighbour_id.label("person"),
                       SlotSeries.starts_on.label("from_date"), SlotSeries.ends_on.label("to_date"),
                       sa.literal(False).label("given_back"), sa.literal(False).label("done"),
                       SlotSeries.id.label("id")) \
        .where(SlotSeries.slot_id.in_(slot_ids), SlotSeries.starts_on < end,
               sa.or_(SlotSeries.ends_on.is_(None), SlotSeries.ends_on >= start))
    shifts = sa.select(sa.literal("d").label("what"), Shift.slot_id, Shift.taken_by_id.label("person"),
                       Shift.on_date.label("from_date"), Shift.on_date.label("to_date"), Shift.given_back,
                       Shift.done_at.is_not(None).label("done"), Shift.id.label("id")) \
        .where(Shift.slot_id.in_(slot_ids), Shift.on_date >= start, Shift.on_date < end)
    by_slot: dict[int, list] = defaultdict(list)
    stored: dict[tuple[int, date], _Shift] = {}
    for row in session.execute(sa.union_all(series, shifts)):
        if row.what == "s":
            by_slot[row.slot_id].append((row.from_date, row.id, _Series(row.person, row.from_date, row.to_date)))
        else:
            stored[row.slot_id, row.from_date] = _Shift(row.person, bool(row.given_back), bool(row.done))
    # in the order rota.expand reads them: where two series overlap, the latest holds the date
    return {slot: [s for *_key, s in sorted(rows, key=lambda r: r[:2], reverse=True)]
            for slot, rows in by_slot.items()}, stored


def _dates(session, slots: list, start: date, end: date) -> list[SlotDate]:
    if not slots:
        return []
    series, stored = _holders(session, [s.id for s in slots], start, end)
    out = []
    for slot in slots:
        for day in rota.slot_dates(slot, start, end - timedelta(days=1)):
            shift = stored.get((slot.id, day))
            holder, _by_series = rota.holder_of(shift, series.get(slot.id, []), day)
            out.append(SlotDate(slot, day, holder, shift is not None and shift.done))
    return out


def rota_dates(session, circle_condition, start: date, end: date) -> list[SlotDate]:
    """Every date of the slots of the active circles ``circle_condition`` (SQL on Circle) picks, from ``start`` up
    to (not including) ``end``, with who has it: two queries, whatever the number of circles, slots and dates."""
    return _dates(session, session.execute(_slots_in(start, end).where(circle_condition)).all(), start, end)


def rota_of_members(session, person_ids, start: date, end: date) -> tuple[list[SlotDate], dict[int, set[int]]]:
    """The dates of the circles these people are active members of (the centre included), and per person their
    circles (those with dates in the window): two queries for any number of people."""
    rows = session.execute(
        _slots_in(start, end).add_columns(CircleMember.neighbour_id.label("member_id"))
        .join(CircleMember, sa.and_(CircleMember.circle_id == Circle.id, CircleMember.status == MemberStatus.ACTIVE,
                                    CircleMember.neighbour_id.in_(person_ids)))).all()
    circles: dict[int, set[int]] = defaultdict(set)
    slots: dict[int, object] = {}
    for row in rows:
        circles[row.member_id].add(row.circle_id)
        slots.setdefault(row.id, row)
    return _dates(session, list(slots.values()), start, end), circles


def circle_title(centre_name: str) -> str:
    """"circle around Annie" / "kring rond Annie"."""
    return _("circle around %(name)s", name=centre_name)


def _circle_url(circle_id: int) -> str:
    # the circle's own page is another room's; link it once it exists
    for endpoint in ("circles.rota", "circles.circle", "circles.show"):
        if endpoint in current_app.view_functions:
            return external_url(endpoint, circle_id=circle_id)
    return ""


@register_source
def rota_source(session, person: Neighbour, start: date, end: date) -> list[Event]:
    """The rota dates the person took in their circles."""
    out = []
    urls: dict[int, str] = {}
    dates, _circles = rota_of_members(session, [person.id], start, end)
    for d in dates:
        if d.taken_by_id != person.id:
            continue
        begin, finish = slot_times(d.slot, d.on_date)
        if d.slot.circle_id not in urls:
            urls[d.slot.circle_id] = _circle_url(d.slot.circle_id)
        out.append(Event(
            uid=f"rota-{d.slot.id}-{d.on_date:%Y%m%d}@buurthulp",
            title=_("%(slot)s – circle around %(name)s", slot=d.slot.title, name=d.slot.centre_name),
            start=begin, end=finish,
            description=_("You took this date in the rota of the circle around %(name)s.", name=d.slot.centre_name),
            url=urls[d.slot.circle_id]))
    return out


@register_source
def agreed_help_source(session, person: Neighbour, start: date, end: date) -> list[Event]:
    """Help the person agreed on (an accepted match) with a time or a date: only the post's title goes in."""
    since, until = local_to_utc(start, time.min), local_to_utc(end, time.min)
    rows = session.execute(
        sa.select(Match.id, Match.agreed_start, Post.title, Post.timing, Post.on_date, Post.day_part,
                  Post.duration_minutes)
        .join(Post, Match.post_is(Post))
        .where(Match.status == MatchStatus.ACCEPTED, sa.or_(Match.asker_id == person.id, Match.helper_id == person.id),
               sa.or_(sa.and_(Match.agreed_start >= since, Match.agreed_start < until),
                      sa.and_(Match.agreed_start.is_(None), Post.timing == Timing.ONCE,
                              Post.on_date >= start, Post.on_date < end)))
        .order_by(Match.id)).all()
    out = []
    for r in rows:
        if r.agreed_start is not None:
            begin, finish = r.agreed_start, r.agreed_start + timedelta(minutes=r.duration_minutes or 60)
        elif r.day_part is not None and r.day_part in PART_HOURS:
            first, last = PART_HOURS[DayPart(r.day_part)]
            begin, finish = local_to_utc(r.on_date, first), local_to_utc(r.on_date, last)
        else:
            begin, finish = r.on_date, r.on_date + timedelta(days=1)
        out.append(Event(uid=f"match-{r.id}@buurthulp", title=r.title, start=begin, end=finish,
                         description=_("Help you agreed on through buurthulp. What else you agreed is on the "
                                       "page of your appointment."),
                         url=external_url("posts.match", match_id=r.id)))
    return out


def feed_for(session, person: Neighbour, now: datetime | None = None) -> bytes:
    """The person's calendar file: their events of today and the coming eight weeks."""
    start, end = window(local_today(now))
    return to_ical(events_for(session, person, start, end), _("buurthulp: my calendar"))

"""The shared rota of a circle: its slots, who has which date, check-ins.

A slot repeats and is expanded on read: only dates something happened to are stored (``Shift``), and a member
who takes a whole series is stored once (``SlotSeries``). Who has a date: the member who took that date (the
Shift's ``taken_by``), else the holder of a series covering it, unless that date was given back. Taking a date is
a check followed by a write: the unique (slot, date) of Shift and a conditional UPDATE make sure that two members
taking the same open date at once end with one holder.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.access.rules import served_by
from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category, DayPart, slot_label
from buurthulp.circles.models import (
    CheckIn,
    Circle,
    CircleMember,
    CircleStatus,
    Frequency,
    MemberStatus,
    RotaSlot,
    Shift,
    SlotKind,
    SlotSeries,
)
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.timeutil import local_today

HORIZON_DAYS = 28   # the rota shows the coming four weeks
PAST_DAYS = 7       # and, to tick them, your dates of the past week
STEP = {Frequency.DAILY: 1, Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14}
TITLE_MAX, NOTE_MAX = 100, 1000

# the same words as the broker's notes (broker/forms.py NO_HEALTH): one message, one translation
NO_HEALTH = _l("Do not write health details here: only what brokers need to help.")


# --- expansion -----------------------------------------------------------------------------------

def first_date(slot: RotaSlot) -> date:
    """The slot's first date: its start, or for a weekly or fortnightly slot the first of its weekday from then."""
    if slot.frequency == Frequency.DAILY or slot.weekday is None:
        return slot.starts_on
    return slot.starts_on + timedelta(days=(slot.weekday - slot.starts_on.weekday()) % 7)


def slot_dates(slot: RotaSlot, start: date, end: date) -> list[date]:
    """The dates of a slot from ``start`` to ``end`` (both included), within its start and end.

    Dates are calendar dates in the neighbours' time zone, so a change to or from summer time moves nothing."""
    first = first_date(slot)
    last = end if slot.ends_on is None else min(end, slot.ends_on)
    step = STEP[slot.frequency]
    if start > first:
        first += timedelta(days=-(-(start - first).days // step) * step)
    if first > last:
        return []
    return [first + timedelta(days=i * step) for i in range((last - first).days // step + 1)]


def is_slot_date(slot: RotaSlot, day: date) -> bool:
    """Whether ``day`` is one of the slot's dates."""
    return slot_dates(slot, day, day) == [day]


def covers(series: SlotSeries, day: date) -> bool:
    return series.starts_on <= day and (series.ends_on is None or day <= series.ends_on)


@dataclass
class RotaDate:
    """One date of a slot on the rota: who has it, whether it is done."""

    on_date: date
    slot: RotaSlot
    shift: Shift | None
    holder_id: int | None
    holder: Neighbour | None
    series: SlotSeries | None  # the series the holder has it by, if so

    @property
    def is_open(self) -> bool:
        return self.holder_id is None

    @property
    def done(self) -> bool:
        return self.shift is not None and self.shift.done_at is not None

    @property
    def check_in(self) -> CheckIn | None:
        return self.shift.check_in if self.shift is not None else None

    @property
    def note(self) -> str:
        return self.shift.note if self.shift is not None else ""

    @property
    def flagged(self) -> bool:
        return self.shift is not None and self.shift.flagged_at is not None and self.shift.done_at is None

    @property
    def is_check_in(self) -> bool:
        return self.slot.kind == SlotKind.CHECK_IN


def holder_of(shift: Shift | None, series_list: list[SlotSeries], day: date) -> tuple[int | None, SlotSeries | None]:
    """Who has a date: the one who took that date, else the holder of a series covering it unless given back."""
    if shift is not None and shift.taken_by_id is not None:
        return shift.taken_by_id, None
    if shift is not None and shift.given_back:
        return None, None
    for series in series_list:
        if covers(series, day):
            return series.neighbour_id, series
    return None, None


def slots_between(circle_ids, start: date, end: date):
    """SQL: the slots of these circles that have dates between ``start`` and ``end``."""
    return sa.select(RotaSlot).where(RotaSlot.circle_id.in_(circle_ids), RotaSlot.starts_on <= end,
                                     sa.or_(RotaSlot.ends_on.is_(None), RotaSlot.ends_on >= start))


def expand(session, slots: list[RotaSlot], start: date, end: date, *, with_people: bool = True) -> list[RotaDate]:
    """Every date of ``slots`` from ``start`` to ``end``, with who has it: one query per table, however many."""
    ids = [s.id for s in slots]
    shifts = {(s.slot_id, s.on_date): s for s in session.scalars(
        sa.select(Shift).where(Shift.slot_id.in_(ids), Shift.on_date.between(start, end)))}
    series_of: dict[int, list[SlotSeries]] = defaultdict(list)
    for series in session.scalars(sa.select(SlotSeries).where(
            SlotSeries.slot_id.in_(ids), SlotSeries.starts_on <= end,
            sa.or_(SlotSeries.ends_on.is_(None), SlotSeries.ends_on >= start)).order_by(SlotSeries.starts_on.desc(),
                                                                                         SlotSeries.id.desc())):
        series_of[series.slot_id].append(series)
    rows = []
    for slot in slots:
        for day in slot_dates(slot, start, end):
            shift = shifts.get((slot.id, day))
            holder_id, series = holder_of(shift, series_of[slot.id], day)
            rows.append(RotaDate(day, slot, shift, holder_id, None, series))
    if with_people:
        wanted = {r.holder_id for r in rows if r.holder_id is not None}
        people = {p.id: p for p in session.scalars(sa.select(Neighbour).where(Neighbour.id.in_(wanted)))}
        for row in rows:
            row.holder = people.get(row.holder_id)
    rows.sort(key=lambda r: (r.on_date, _time_order(r.slot), r.slot.title, r.slot.id))
    return rows


def _time_order(slot: RotaSlot) -> time:
    if slot.at_time is not None:
        return slot.at_time
    return {DayPart.MORNING: time(9), DayPart.AFTERNOON: time(14), DayPart.EVENING: time(19)}.get(
        DayPart(slot.day_part) if slot.day_part is not None else None, time(12))


def circle_slots(session, circle: Circle, start: date, end: date) -> list[RotaSlot]:
    """The circle's slots with dates between ``start`` and ``end``."""
    return list(session.scalars(slots_between([circle.id], start, end).order_by(RotaSlot.title, RotaSlot.id)))


def rota(session, circle: Circle, today: date, *, past_days: int = PAST_DAYS,
         days: int = HORIZON_DAYS) -> list[RotaDate]:
    """The circle's rota from ``past_days`` ago up to the coming ``days`` days, in a fixed number of queries."""
    start, end = today - timedelta(days=past_days), today + timedelta(days=days - 1)
    return expand(session, circle_slots(session, circle, start, end), start, end)


# --- labels --------------------------------------------------------------------------------------

def when_label(slot: RotaSlot, day: date) -> str:
    """"woensdagmiddag 3 juni", "woensdag 3 juni om 10:00": a date of a slot, as in running text."""
    if slot.at_time is not None:
        return _("%(date)s at %(time)s", date=format_date(day, format="EEEE d MMMM"),
                 time=format_time(slot.at_time, "HH:mm"))
    if slot.day_part is not None:
        return _("%(day_and_part)s %(date)s", day_and_part=slot_label(day.weekday(), slot.day_part),
                 date=format_date(day, format="d MMMM"))
    return format_date(day, format="EEEE d MMMM")


FREQUENCY_LABELS = {
    Frequency.DAILY: _l("Every day"),
    Frequency.WEEKLY: _l("Every week"),
    Frequency.FORTNIGHTLY: _l("Every other week"),
}


def repeat_label(slot: RotaSlot) -> str:
    """"Elke week op dinsdagochtend", "Elke dag om 10:00": how a slot repeats."""
    if slot.at_time is not None:
        at = format_time(slot.at_time, "HH:mm")
        if slot.frequency == Frequency.DAILY:
            return _("Every day at %(time)s", time=at)
        day = format_date(first_date(slot), format="EEEE")
        if slot.frequency == Frequency.WEEKLY:
            return _("Every %(day)s at %(time)s", day=day, time=at)
        return _("Every other %(day)s at %(time)s", day=day, time=at)
    part = DayPart(slot.day_part) if slot.day_part is not None else DayPart.MORNING
    if slot.frequency == Frequency.DAILY:
        return _("Every day in the %(part)s", part=str(part.label).lower())
    when = slot_label(slot.weekday, part)
    if slot.frequency == Frequency.WEEKLY:
        return _("Every week on %(when)s", when=when)
    return _("Every other week on %(when)s", when=when)


# --- slots ---------------------------------------------------------------------------------------

@dataclass
class SlotInput:
    title: str
    category: Category
    kind: SlotKind
    frequency: Frequency
    weekday: int | None
    day_part: int | None
    at_time: time | None
    starts_on: date


def _check_slot(data: SlotInput, earliest: date) -> SlotInput:
    title = (data.title or "").strip()
    if not title:
        raise DomainError(_l("Give the slot a name, for example “Meals on Monday evening”."))
    if len(title) > TITLE_MAX:
        raise DomainError(_l("Use at most 100 characters for the name."))
    if data.frequency != Frequency.DAILY and (data.weekday is None or not 0 <= data.weekday <= 6):
        raise DomainError(_l("Choose the day of the week."))
    if data.day_part is None and data.at_time is None:
        raise DomainError(_l("Choose a part of the day or a time."))
    if data.day_part is not None and data.at_time is not None:
        raise DomainError(_l("Choose a part of the day or a time, not both."))
    if data.day_part is not None and data.day_part not in {p.value for p in DayPart}:
        raise DomainError(_l("Choose a part of the day or a time."))
    if data.starts_on < earliest:
        raise DomainError(_l("The first date cannot be in the past."))
    data.title = title
    if data.frequency == Frequency.DAILY:
        data.weekday = None
    return data


def require_rule(rule, session, person: Neighbour, circle: Circle, message) -> None:
    if not rule(session, person, circle):
        raise NotAllowed(message)


def may_change_rota(session, person: Neighbour, circle: Circle) -> bool:
    """Add, change and stop slots: the centre, their brokers and the coordinators, while the circle is on."""
    return circle.status != CircleStatus.ENDED and access.may_coordinate_circle(session, person, circle)


def add_slot(session, person: Neighbour, circle: Circle, data: SlotInput, today: date | None = None) -> RotaSlot:
    """Add a recurring slot to the circle's rota."""
    require_rule(may_change_rota, session, person, circle, _l("Only the people who lead this circle can change the rota."))
    data = _check_slot(data, today or local_today())
    slot = RotaSlot(circle_id=circle.id, title=data.title, category=data.category, kind=data.kind,
                    frequency=data.frequency, weekday=data.weekday, day_part=data.day_part, at_time=data.at_time,
                    starts_on=data.starts_on)
    session.add(slot)
    session.flush()
    return slot


def change_slot(session, person: Neighbour, slot: RotaSlot, data: SlotInput, today: date | None = None) -> RotaSlot:
    """Change a slot's name, kind of help, day and time; dates already taken keep their holder."""
    circle = session.get(Circle, slot.circle_id)
    require_rule(may_change_rota, session, person, circle, _l("Only the people who lead this circle can change the rota."))
    today = today or local_today()
    if slot.ends_on is not None and slot.ends_on < today:
        raise DomainError(_l("This slot has stopped."))
    # an unchanged first date may lie in the past; a new one may not
    data = _check_slot(data, min(today, slot.starts_on) if data.starts_on == slot.starts_on else today)
    for name in ("title", "category", "kind", "frequency", "weekday", "day_part", "at_time", "starts_on"):
        setattr(slot, name, getattr(data, name))
    session.flush()
    return slot


def stop_slot(session, person: Neighbour, slot: RotaSlot, last_day: date, today: date | None = None) -> RotaSlot:
    """Stop a slot: ``last_day`` is its last date (a date before its start removes all its dates)."""
    circle = session.get(Circle, slot.circle_id)
    require_rule(may_change_rota, session, person, circle, _l("Only the people who lead this circle can change the rota."))
    if last_day < (today or local_today()) - timedelta(days=1):
        raise DomainError(_l("The last date cannot be in the past."))
    slot.ends_on = last_day
    session.flush()
    return slot


# --- for the broker's pages ----------------------------------------------------------------------

@dataclass
class FlaggedCheckIn:
    shift: Shift
    slot: RotaSlot
    circle: Circle
    centre: Neighbour
    holder: Neighbour | None


def flagged_check_ins(session, initiative, since: date) -> list[FlaggedCheckIn]:
    """Check-ins of the initiative's circles from ``since`` on that were flagged as not ticked, newest first, in
    one query; a check-in ticked after all keeps its flag and has ``shift.done_at`` set."""
    holder = so.aliased(Neighbour)
    rows = session.execute(
        sa.select(Shift, RotaSlot, Circle, Neighbour, holder)
        .join(RotaSlot, RotaSlot.id == Shift.slot_id)
        .join(Circle, Circle.id == RotaSlot.circle_id)
        .join(Neighbour, Neighbour.id == Circle.centre_id)
        .outerjoin(holder, holder.id == Shift.taken_by_id)
        .where(Circle.initiative_id == initiative.id, Circle.status == CircleStatus.ACTIVE, served_by(initiative),
               RotaSlot.kind == SlotKind.CHECK_IN, Shift.flagged_at.is_not(None), Shift.on_date >= since)
        .order_by(Shift.on_date.desc(), Circle.id, RotaSlot.title))
    return [FlaggedCheckIn(*row) for row in rows]


def active_members(session, circle: Circle) -> list[Neighbour]:
    """The circle's active members, by name."""
    return list(session.scalars(
        sa.select(Neighbour).join(CircleMember, CircleMember.neighbour_id == Neighbour.id)
        .where(CircleMember.circle_id == circle.id, CircleMember.status == MemberStatus.ACTIVE,
               Neighbour.deleted_at.is_(None))
        .order_by(Neighbour.display_name, Neighbour.id)))


def time_label(slot: RotaSlot) -> str:
    """"10:00" or "Ochtend": when on its day a slot is."""
    if slot.at_time is not None:
        return format_time(slot.at_time, "HH:mm")
    if slot.day_part is not None:
        return DayPart(slot.day_part).label
    return ""

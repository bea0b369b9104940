"""The dates of activities: a series expanded on read, with what happened to each date and who comes.

A date is keyed by its series date (``on_date``); a moved date keeps that key and is held on its new day and
time. Reading is a fixed number of queries for any number of activities: the stored dates of all of them in one,
the counts of who comes in one more (for the dates asked only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from buurthulp.activities.models import (
    Activity,
    ActivityDate,
    ActivitySignup,
    DateStatus,
    Repeat,
    SignupStatus,
)
from buurthulp.timeutil import local_to_utc

STEP_DAYS = {Repeat.WEEKLY: 7, Repeat.FORTNIGHTLY: 14}


# --- the dates of a series ----------------------------------------------------------------------

def week_of_month(day: date) -> int:
    """1 for the first Thursday of a month, ... 5 for the fifth (which monthly series read as "the last")."""
    return (day.day - 1) // 7 + 1


def _monthly(activity: Activity, year: int, month: int) -> date:
    """The date of a monthly series in a month: the same weekday in the same week of the month; a series that
    started on a fifth weekday takes the last one of each month."""
    weekday, nth = activity.starts_on.weekday(), week_of_month(activity.starts_on)
    first = date(year, month, 1)
    first_weekday = first + timedelta(days=(weekday - first.weekday()) % 7)
    days = [first_weekday + timedelta(days=7 * i) for i in range(5)]
    days = [d for d in days if d.month == month]
    return days[nth - 1] if nth <= 4 else days[-1]


def series_dates(activity: Activity, start: date, end: date) -> list[date]:
    """The activity's series dates from ``start`` to ``end`` (both included), within its first and last date."""
    first = activity.starts_on
    last = end if activity.last_on is None else min(end, activity.last_on)
    if activity.repeat == Repeat.ONCE:
        return [first] if start <= first <= last else []
    begin = max(start, first)
    if begin > last:
        return []
    if activity.repeat == Repeat.MONTHLY:
        out, year, month = [], begin.year, begin.month
        while date(year, month, 1) <= last:
            day = _monthly(activity, year, month)
            if begin <= day <= last:
                out.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out
    step = STEP_DAYS[activity.repeat]
    offset = -(-(begin - first).days // step) * step
    day = first + timedelta(days=offset)
    return [day + timedelta(days=i * step) for i in range(max(0, (last - day).days // step + 1))]


def is_series_date(activity: Activity, day: date) -> bool:
    return series_dates(activity, day, day) == [day]


def last_date(repeat: Repeat, starts_on: date, repeat_until: date | None) -> date | None:
    """What ``Activity.last_on`` holds: the date itself, or the end of the series (none: it keeps going)."""
    return starts_on if repeat == Repeat.ONCE else repeat_until


# --- one date as shown --------------------------------------------------------------------------

@dataclass
class Occurrence:
    """One date of an activity as people see it: when, whether it is off, how many come."""

    activity: Activity
    on_date: date                 # the series date: the key in URLs and sign-ups
    row: ActivityDate | None = None
    coming: int = 0
    waiting: int = 0
    mine: SignupStatus | None = None  # the viewer's own sign-up, when asked
    extra: dict = field(default_factory=dict)

    @property
    def day(self) -> date:
        return self.row.moved_to if self.row is not None and self.row.moved_to is not None else self.on_date

    @property
    def start_time(self) -> time:
        if self.row is not None and self.row.moved_time is not None:
            return self.row.moved_time
        return self.activity.start_time

    @property
    def starts_at(self) -> datetime:
        return local_to_utc(self.day, self.start_time)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.activity.duration_minutes)

    @property
    def cancelled(self) -> bool:
        return self.row is not None and self.row.status == DateStatus.CANCELLED

    @property
    def moved(self) -> bool:
        return self.row is not None and self.row.status == DateStatus.MOVED

    @property
    def places_left(self) -> int | None:
        """Free places, or None when there is no limit."""
        if self.activity.capacity is None:
            return None
        return max(0, self.activity.capacity - self.coming)

    @property
    def full(self) -> bool:
        return self.places_left == 0

    @property
    def sort_key(self) -> tuple:
        return self.day, self.start_time, self.activity.title.lower(), self.activity.id


def _stored(session, ids: list[int], start: date, end: date) -> dict[tuple[int, date], ActivityDate]:
    """Stored dates of these activities whose series date or new date lies between ``start`` and ``end``."""
    if not ids:
        return {}
    rows = session.scalars(sa.select(ActivityDate).where(
        ActivityDate.activity_id.in_(ids),
        sa.or_(ActivityDate.on_date.between(start, end), ActivityDate.moved_to.between(start, end))))
    return {(r.activity_id, r.on_date): r for r in rows}


def expand(session, activities: Iterable[Activity], start: date, end: date, *,
           with_cancelled: bool = True) -> list[Occurrence]:
    """Every date of ``activities`` that falls between ``start`` and ``end`` (moved dates on their new day),
    sorted by day and time; one query, whatever the number of activities. Counts are not read: see ``count``."""
    activities = list(activities)
    by_id = {a.id: a for a in activities}
    stored = _stored(session, list(by_id), start, end)
    out = []
    for activity in activities:
        for day in series_dates(activity, start, end):
            out.append(Occurrence(activity, day, stored.get((activity.id, day))))
    seen = {(o.activity.id, o.on_date) for o in out}
    for (activity_id, on_date), row in stored.items():
        # moved here from a series date outside the window
        if (activity_id, on_date) not in seen and row.moved_to is not None and is_series_date(by_id[activity_id],
                                                                                              on_date):
            out.append(Occurrence(by_id[activity_id], on_date, row))
    out = [o for o in out if start <= o.day <= end and (with_cancelled or not o.cancelled)]
    out.sort(key=lambda o: o.sort_key)
    return out


def count(session, occurrences: list[Occurrence], viewer_id: int | None = None) -> list[Occurrence]:
    """Fill in how many come and wait for each date (and the viewer's own sign-up): one query."""
    if not occurrences:
        return occurrences
    keys = {(o.activity.id, o.on_date) for o in occurrences}
    ids = sorted({k[0] for k in keys})
    days = [k[1] for k in keys]
    counts: dict[tuple[int, date], dict] = defaultdict(dict)
    mine_expr = (sa.func.max(sa.case((ActivitySignup.neighbour_id == viewer_id, ActivitySignup.status)))
                 if viewer_id is not None else sa.null())
    for activity_id, on_date, status, n, mine in session.execute(
            sa.select(ActivitySignup.activity_id, ActivitySignup.on_date, ActivitySignup.status, sa.func.count(),
                      mine_expr)
            .where(ActivitySignup.activity_id.in_(ids), ActivitySignup.on_date.between(min(days), max(days)))
            .group_by(ActivitySignup.activity_id, ActivitySignup.on_date, ActivitySignup.status)):
        counts[(activity_id, on_date)][SignupStatus(status)] = int(n)
        if mine is not None:
            counts[(activity_id, on_date)]["mine"] = SignupStatus(mine)
    for o in occurrences:
        c = counts.get((o.activity.id, o.on_date), {})
        o.coming, o.waiting = c.get(SignupStatus.COMING, 0), c.get(SignupStatus.WAITING, 0)
        o.mine = c.get("mine")
    return occurrences


def occurrence(session, activity: Activity, on_date: date, viewer_id: int | None = None) -> Occurrence | None:
    """One date of the activity by its series date, counted; None if it is not one of its dates."""
    if not is_series_date(activity, on_date):
        return None
    row = session.scalar(sa.select(ActivityDate).where(ActivityDate.activity_id == activity.id,
                                                       ActivityDate.on_date == on_date))
    return count(session, [Occurrence(activity, on_date, row)], viewer_id)[0]


def date_row(session, activity: Activity, on_date: date) -> ActivityDate:
    """The stored row of a date, made when first needed."""
    row = session.scalar(sa.select(ActivityDate).where(ActivityDate.activity_id == activity.id,
                                                       ActivityDate.on_date == on_date))
    if row is None:
        row = ActivityDate(activity_id=activity.id, on_date=on_date, status=DateStatus.ON)
        session.add(row)
        session.flush()
    return row


# --- labels -------------------------------------------------------------------------------------

ORDINALS = {1: _l("first"), 2: _l("second"), 3: _l("third"), 4: _l("fourth"), 5: _l("last")}


def when_label(o: Occurrence) -> str:
    """"donderdag 10 december, 10:00 tot 12:00": a date as in running text."""
    end = (datetime.combine(o.day, o.start_time) + timedelta(minutes=o.activity.duration_minutes)).time()
    return _("%(date)s, %(start)s to %(end)s", date=format_date(o.day, format="EEEE d MMMM"),
             start=format_time(o.start_time, "HH:mm"), end=format_time(end, "HH:mm"))


def repeat_label(activity: Activity) -> str:
    """"Elke donderdag om 10:00", "Elke eerste donderdag van de maand om 10:00", or the one date."""
    at = format_time(activity.start_time, "HH:mm")
    day = format_date(activity.starts_on, format="EEEE")
    if activity.repeat == Repeat.WEEKLY:
        text = _("Every %(day)s at %(time)s", day=day, time=at)
    elif activity.repeat == Repeat.FORTNIGHTLY:
        text = _("Every other %(day)s at %(time)s", day=day, time=at)
    elif activity.repeat == Repeat.MONTHLY:
        text = _("Every %(nth)s %(day)s of the month at %(time)s",
                 nth=ORDINALS[min(5, week_of_month(activity.starts_on))], day=day, time=at)
    else:
        return _("%(date)s at %(time)s", date=format_date(activity.starts_on, format="EEEE d MMMM y"), time=at)
    if activity.repeat_until is not None:
        text = _("%(repeat)s, until %(date)s", repeat=text, date=format_date(activity.repeat_until, format="d MMMM y"))
    return text

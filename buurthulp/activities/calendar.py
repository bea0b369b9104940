"""Activities in a calendar: one date as an .ics file, and the dates a person comes to in their calendar feed.

The feed (``circles.calendar``, the person's secret address) holds the dates they said they are coming to and
the dates of the activities they organise; not the dates they wait for, nor cancelled ones. As everything in
the feed: titles, times and the name of a living-map place, never an address written by the organiser (it may
be someone's home), because a calendar program keeps a copy and the address can leak. The .ics of one date is
downloaded by someone who may see the activity, and carries where it is.

Both give a date the same uid (the activity and its series date), so a calendar program that has the date from
both, or fetches it again after it was moved, keeps one event.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as ICalEvent

from buurthulp.accounts.models import Neighbour
from buurthulp.activities.dates import Occurrence, expand
from buurthulp.activities.models import (
    Activity,
    ActivityOrganiser,
    ActivitySignup,
    ActivityStatus,
    SignupStatus,
)
from buurthulp.circles.calendar import Event
from buurthulp.db import utcnow
from buurthulp.mail import external_url

MOVE_DAYS = 31  # a date is moved by at most a month (services.move_date)
SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def uid(activity_id: int, on_date: date) -> str:
    """The same for a date wherever it comes from, also after it was moved: the series date is its key."""
    return f"activity-{activity_id}-{on_date:%Y%m%d}@buurthulp"


def _date_url(o: Occurrence) -> str:
    return external_url("activities.date", activity_id=o.activity.id, on=o.on_date)


def location(activity: Activity) -> str:
    """Where it is: the living-map place's name and address, or the organiser's own words."""
    if activity.place is not None:
        return ", ".join(part for part in (activity.place.name, activity.place.address) if part)
    return activity.place_note


# --- the person's calendar feed -----------------------------------------------------------------

def activity_source(session, person: Neighbour, start: date, end: date) -> list[Event]:
    """The dates from ``start`` up to (not including) ``end`` the person comes to or organises: three queries."""
    last = end - timedelta(days=1)
    near = (start - timedelta(days=MOVE_DAYS), last + timedelta(days=MOVE_DAYS))
    in_window = sa.and_(Activity.status == ActivityStatus.ACTIVE, Activity.starts_on <= near[1],
                        sa.or_(Activity.last_on.is_(None), Activity.last_on >= near[0]))
    organised = {a.id: a for a in session.scalars(
        sa.select(Activity).join(ActivityOrganiser, ActivityOrganiser.activity_id == Activity.id)
        .where(ActivityOrganiser.neighbour_id == person.id, in_window).options(so.joinedload(Activity.place)))}
    coming: set[tuple[int, date]] = set()
    activities = dict(organised)
    for on_date, activity in session.execute(
            sa.select(ActivitySignup.on_date, Activity).join(Activity, Activity.id == ActivitySignup.activity_id)
            .where(ActivitySignup.neighbour_id == person.id, ActivitySignup.status == SignupStatus.COMING,
                   ActivitySignup.on_date.between(*near), Activity.hidden_at.is_(None), in_window)
            .options(so.joinedload(Activity.place))):
        coming.add((activity.id, on_date))
        activities.setdefault(activity.id, activity)
    out = []
    for o in expand(session, activities.values(), start, last, with_cancelled=False):
        key = (o.activity.id, o.on_date)
        if key not in coming and o.activity.id not in organised:
            continue
        said = _("You said you are coming.") if key in coming else _("You organise this activity.")
        if o.activity.place is not None:
            said = _("%(said)s Where: %(place)s.", said=said, place=o.activity.place.name)
        out.append(Event(uid=uid(*key), title=o.activity.title, start=o.starts_at, end=o.ends_at,
                         description=said, url=_date_url(o)))
    return out


# --- one date as a file -------------------------------------------------------------------------

def _sequence(o: Occurrence) -> int:
    """Grows with every change of the date, so a calendar program takes the new time over the one it has."""
    changed = o.row.changed_at if o.row is not None else None
    return int((changed - SEQUENCE_EPOCH).total_seconds() // 60) if changed is not None else 0


def date_ical(o: Occurrence) -> bytes:
    """One date of an activity as an iCalendar file; a cancelled date (or activity) says STATUS:CANCELLED."""
    cal = Calendar()
    cal.add("prodid", "-//buurthulp//NL")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    event = ICalEvent()
    event.add("uid", uid(o.activity.id, o.on_date))
    event.add("dtstamp", utcnow().replace(microsecond=0))
    event.add("dtstart", o.starts_at)
    event.add("dtend", o.ends_at)
    event.add("summary", o.activity.title)
    event.add("sequence", _sequence(o))
    where = location(o.activity)
    if where:
        event.add("location", where)
    notes = [o.activity.description.strip(), o.row.change_note.strip() if o.row is not None else ""]
    if any(notes):
        event.add("description", "\n\n".join(n for n in notes if n))
    event.add("url", _date_url(o))
    cancelled = o.cancelled or o.activity.status == ActivityStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()

"""The digest's "Activities nearby this coming month": for a batch of neighbours in two queries.

Each neighbour gets the activities they could join (as ``access.activity_seen_by`` has it: their own and adjacent
neighbourhoods, not hidden, not put on by someone they blocked or who blocked them), each once with its next date,
soonest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_date, format_time
from flask_babel import gettext as _

from buurthulp.accounts.models import Neighbour
from buurthulp.activities.dates import expand
from buurthulp.activities.models import Activity, ActivityStatus
from buurthulp.matching.rules import pair
from buurthulp.timeutil import local_today

ACTIVITY_DAYS = 31  # the coming month
ACTIVITY_ITEMS = 5
MOVE_DAYS = 31      # a date is moved by at most a month (activities.services.move_date)


@dataclass(frozen=True)
class ActivityItem:
    """The next date of an activity nearby."""

    activity_id: int
    on_date: date      # the series date: the date's address
    day: date          # the day it takes place (a moved date: its new day)
    start_time: time
    duration_minutes: int
    title: str
    place: str         # a living-map place's name, or the organiser's own words

    @property
    def when(self) -> str:
        """"donderdag 11 december, 10:00 tot 12:00", in the language being rendered."""
        end = (datetime.combine(self.day, self.start_time) + timedelta(minutes=self.duration_minutes)).time()
        return _("%(date)s, %(start)s to %(end)s", date=format_date(self.day, format="EEEE d MMMM"),
                 start=format_time(self.start_time, "HH:mm"), end=format_time(end, "HH:mm"))


def activities_nearby(session, neighbours: list[Neighbour], near: dict[int, set[int]], blocked: set,
                      now: datetime) -> dict[int, list[ActivityItem]]:
    """Per neighbour, at most five activities nearby with a date in the coming month (``near``: each home
    neighbourhood with its adjacent ones; ``blocked``: blocked pairs of the batch, as ``matching.rules.pair``)."""
    hoods = set().union(*near.values()) if near else set()
    if not hoods:
        return {}
    today = local_today(now)
    last = today + timedelta(days=ACTIVITY_DAYS - 1)
    activities = session.scalars(
        sa.select(Activity).where(Activity.status == ActivityStatus.ACTIVE, Activity.hidden_at.is_(None),
                                  Activity.neighbourhood_id.in_(hoods),
                                  Activity.starts_on <= last + timedelta(days=MOVE_DAYS),
                                  sa.or_(Activity.last_on.is_(None),
                                         Activity.last_on >= today - timedelta(days=MOVE_DAYS)))
        .options(so.joinedload(Activity.place)).order_by(Activity.id)).all()
    upcoming = [o for o in expand(session, activities, today, last, with_cancelled=False) if o.starts_at > now]
    out: dict[int, list[ActivityItem]] = {}
    for n in neighbours:
        if n.neighbourhood_id is None:
            continue
        mine, seen = [], set()
        for o in upcoming:
            a = o.activity
            if (a.id in seen or a.neighbourhood_id not in near[n.neighbourhood_id] or a.author_id == n.id
                    or (a.author_id is not None and pair(a.author_id, n.id) in blocked)):
                continue
            seen.add(a.id)
            mine.append(ActivityItem(a.id, o.on_date, o.day, o.start_time, a.duration_minutes, a.title,
                                     a.place.name if a.place is not None else a.place_note))
            if len(mine) == ACTIVITY_ITEMS:
                break
        out[n.id] = mine
    return out

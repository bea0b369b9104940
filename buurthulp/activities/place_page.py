"""A place's page shows the activities coming there ("Coming activities here"): registered with the living map
(``places.sections``), which sits below activities and does not import them."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from buurthulp import access
from buurthulp.activities.dates import count, expand, when_label
from buurthulp.activities.models import Activity, ActivityStatus
from buurthulp.timeutil import local_today

PLACE_WEEKS = 8  # the coming eight weeks
PLACE_ITEMS = 8  # at most this many dates
MOVE_DAYS = 31   # a date is moved by at most a month (services.move_date)


def place_section(session, place, viewer):
    """The coming dates at this place of activities the viewer may see, counted: three queries; none, nothing."""
    if viewer is None or not viewer.is_authenticated:
        return None
    today = local_today()
    last = today + timedelta(weeks=PLACE_WEEKS)
    activities = session.scalars(
        sa.select(Activity).where(Activity.place_id == place.id, Activity.status == ActivityStatus.ACTIVE,
                                  access.activity_seen_by(session, viewer),
                                  Activity.starts_on <= last + timedelta(days=MOVE_DAYS),
                                  sa.or_(Activity.last_on.is_(None),
                                         Activity.last_on >= today - timedelta(days=MOVE_DAYS)))
        .order_by(Activity.id)).all()
    dates = expand(session, activities, today, last, with_cancelled=False)[:PLACE_ITEMS]
    if not dates:
        return None
    return "activities/_place_section.html", {"dates": count(session, dates, viewer.id), "when": when_label}

"""Reminders: the day before a date, everyone coming hears it, in the app and in their hourly batch of mail.

A date is stamped (``ActivityDate.reminded_at``) in the transaction that tells its people, so a rerun, also after
a crash half-way, reminds nobody twice. The mail itself goes with the other notifications
(``posts.notifications``): at most one mail an hour per neighbour."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from buurthulp.accounts.models import Neighbour
from buurthulp.activities.dates import Occurrence, expand
from buurthulp.activities.models import (
    Activity,
    ActivityDate,
    ActivitySignup,
    ActivityStatus,
    DateStatus,
    SignupStatus,
)
from buurthulp.jobs import Job
from buurthulp.posts.models import NotificationKind
from buurthulp.posts.notifications import notify
from buurthulp.timeutil import local_today, to_local

# A reminder goes out from the morning of the day before, not in the middle of the night (the first hourly
# run after midnight would otherwise mail it 34 hours ahead, at an hour nobody reads mail).
REMIND_FROM = time(8, 0)
MOVE_DAYS = 31  # a date is moved by at most a month (services.move_date): its series date lies that near


def _candidates(session, day: date) -> list[Activity]:
    """Active, shown activities with someone coming to a date near ``day`` (one query)."""
    coming = sa.select(ActivitySignup.activity_id).where(
        ActivitySignup.status == SignupStatus.COMING,
        ActivitySignup.on_date.between(day - timedelta(days=MOVE_DAYS), day + timedelta(days=MOVE_DAYS)))
    return list(session.scalars(sa.select(Activity).where(
        Activity.status == ActivityStatus.ACTIVE, Activity.hidden_at.is_(None), Activity.id.in_(coming))
        .order_by(Activity.id)))


def _coming(session, dates: list[Occurrence]) -> dict[tuple[int, date], list[int]]:
    """Who comes to each of these dates, in the order they signed up (one query)."""
    keys = {(o.activity.id, o.on_date) for o in dates}
    found: dict[tuple[int, date], list[int]] = defaultdict(list)
    for activity_id, on_date, neighbour_id in session.execute(
            sa.select(ActivitySignup.activity_id, ActivitySignup.on_date, ActivitySignup.neighbour_id)
            .join(Neighbour, Neighbour.id == ActivitySignup.neighbour_id)
            .where(ActivitySignup.activity_id.in_({k[0] for k in keys}),
                   ActivitySignup.on_date.in_({k[1] for k in keys}),
                   ActivitySignup.status == SignupStatus.COMING, Neighbour.deleted_at.is_(None))
            .order_by(ActivitySignup.id)):
        if (activity_id, on_date) in keys:
            found[activity_id, on_date].append(neighbour_id)
    return found


def remind_tomorrow(session, now: datetime) -> dict:
    """Job: everyone coming to a date that takes place tomorrow hears it, once per date."""
    if to_local(now).time() < REMIND_FROM:
        return {"dates": 0, "reminded": 0}
    tomorrow = local_today(now) + timedelta(days=1)
    due = [o for o in expand(session, _candidates(session, tomorrow), tomorrow, tomorrow, with_cancelled=False)
           if o.row is None or o.row.reminded_at is None]
    if not due:
        return {"dates": 0, "reminded": 0}
    coming = _coming(session, due)
    # the people in one query, held here so that telling each of them finds them in the session (which holds
    # what it loaded only weakly)
    people = {p.id: p for p in session.scalars(sa.select(Neighbour).where(
        Neighbour.id.in_({p for ids in coming.values() for p in ids})))}
    # stamped in two statements: the dates that have a row, and a row for each of the others
    stamped = [o.row.id for o in due if o.row is not None]
    if stamped:
        session.execute(sa.update(ActivityDate).where(ActivityDate.id.in_(stamped)).values(reminded_at=now))
    new = [{"activity_id": o.activity.id, "on_date": o.on_date, "status": DateStatus.ON, "reminded_at": now}
           for o in due if o.row is None]  # expand read every stored row of these dates: none means none yet
    if new:
        session.execute(sa.insert(ActivityDate), new)
    reminded = 0
    for o in due:
        for neighbour_id in coming.get((o.activity.id, o.on_date), []):
            notify(session, people[neighbour_id].id, NotificationKind.ACTIVITY_REMINDER, activity=o.activity,
                   activity_on=o.on_date, now=now)
            reminded += 1
    return {"dates": len(due), "reminded": reminded}


JOBS = [
    Job("activity_reminders", remind_tomorrow, every_minutes=60,
        description=_l("Everyone coming to an activity hears the day before that it is tomorrow (from 08:00, "
                       "with their other notifications).")),
]

"""Who comes: "I'm coming", the waiting list, leaving again, and the list the organisers see.

Every change of who comes to an activity first takes the activity's lock (``lock``): on PostgreSQL a row lock
that a second sign-up waits for until the first commits; on SQLite the transaction's first write, which holds
other writers off. So the last free place is taken once, and a place that comes free moves the waiting list up
once, also when people click at the same moment.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.activities.dates import Occurrence, occurrence
from buurthulp.activities.models import Activity, ActivitySignup, SignupStatus
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.posts.models import NotificationKind
from buurthulp.posts.notifications import notify
from buurthulp.timeutil import local_today


def lock(session, activity: Activity) -> None:
    """Take the activity's lock for a change of who comes (see the module's docstring)."""
    session.execute(sa.update(Activity).where(Activity.id == activity.id)
                    .values(updated_at=Activity.updated_at).execution_options(synchronize_session=False))


def open_date(session, activity: Activity, on_date: date, now: datetime) -> Occurrence:
    """A date people can still sign up for: one of its dates, not cancelled, not passed; else a DomainError."""
    o = occurrence(session, activity, on_date)
    if o is None:
        raise DomainError(_l("The activity does not take place on this date."))
    if o.cancelled:
        raise DomainError(_l("This date has been cancelled."))
    if o.day < local_today(now):
        raise DomainError(_l("This date has already passed."))
    return o


def signup_of(session, activity: Activity, on_date: date, neighbour_id: int) -> ActivitySignup | None:
    return session.scalar(sa.select(ActivitySignup).where(
        ActivitySignup.activity_id == activity.id, ActivitySignup.on_date == on_date,
        ActivitySignup.neighbour_id == neighbour_id))


def join(session, person: Neighbour, activity: Activity, on_date: date, now: datetime | None = None, *,
         by: Neighbour | None = None) -> ActivitySignup:
    """Say "I'm coming" to a date: a place if one is free, else a place on the waiting list. Saying it again
    changes nothing. ``by``: the broker who signs up a neighbour without internet."""
    now = now or utcnow()
    if by is None and not access.may_join(session, person, activity):
        raise NotAllowed(_l("You cannot join this activity."))
    if by is not None and not access.may_sign_up_for(session, by, activity, person):
        raise NotAllowed(_l("You cannot sign up this neighbour for this activity."))
    lock(session, activity)
    o = open_date(session, activity, on_date, now)
    existing = signup_of(session, activity, on_date, person.id)
    if existing is not None:
        return existing
    status = SignupStatus.WAITING if o.full else SignupStatus.COMING
    signup = ActivitySignup(activity_id=activity.id, on_date=on_date, neighbour_id=person.id, status=status,
                            signed_up_by_id=by.id if by is not None else None, created_at=now)
    session.add(signup)
    session.flush()
    return signup


def leave(session, person: Neighbour, activity: Activity, on_date: date, now: datetime | None = None, *,
          by: Neighbour | None = None) -> None:
    """Not coming after all (or no longer waiting): the first on the waiting list gets the place."""
    now = now or utcnow()
    if by is not None and not access.may_sign_up_for(session, by, activity, person):
        raise NotAllowed(_l("You cannot sign up this neighbour for this activity."))
    lock(session, activity)
    signup = signup_of(session, activity, on_date, person.id)
    if signup is None:
        raise DomainError(_l("You had not signed up for this date."))
    was_coming = signup.status == SignupStatus.COMING
    session.delete(signup)
    session.flush()
    if was_coming:
        move_up(session, activity, on_date, now)


def move_up(session, activity: Activity, on_date: date, now: datetime) -> list[ActivitySignup]:
    """Give free places to the waiting list, first come first served, and tell them (call under ``lock``)."""
    o = occurrence(session, activity, on_date)
    if o is None or o.cancelled or not o.waiting:
        return []
    free = o.waiting if o.places_left is None else min(o.places_left, o.waiting)
    if free <= 0:
        return []
    moved = list(session.scalars(
        sa.select(ActivitySignup).where(ActivitySignup.activity_id == activity.id, ActivitySignup.on_date == on_date,
                                        ActivitySignup.status == SignupStatus.WAITING)
        .order_by(ActivitySignup.created_at, ActivitySignup.id).limit(free)))
    for signup in moved:
        signup.status, signup.moved_up_at = SignupStatus.COMING, now
        notify(session, signup.neighbour_id, NotificationKind.ACTIVITY_MOVED_UP, activity=activity,
               activity_on=on_date, now=now)
    session.flush()
    return moved


def move_up_all(session, activity: Activity, now: datetime) -> int:
    """After more places were made: move the waiting lists of all coming dates up (call under ``lock``)."""
    days = session.scalars(sa.select(ActivitySignup.on_date.distinct()).where(
        ActivitySignup.activity_id == activity.id, ActivitySignup.status == SignupStatus.WAITING,
        ActivitySignup.on_date >= local_today(now)))
    return sum(len(move_up(session, activity, day, now)) for day in list(days))


def signups(session, activity: Activity, on_date: date, viewer: Neighbour) -> list[ActivitySignup]:
    """Who comes and who waits for a date, in order, for its organisers: one query. Someone the viewer blocked or
    was blocked by is left out (the counts still hold them)."""
    blocked = access.blocked_ids(session, viewer.id)
    return [s for s in session.scalars(
        sa.select(ActivitySignup).where(ActivitySignup.activity_id == activity.id, ActivitySignup.on_date == on_date)
        .options(so.joinedload(ActivitySignup.neighbour))
        .order_by(ActivitySignup.status, ActivitySignup.created_at, ActivitySignup.id))
        if s.neighbour_id not in blocked]


def coming_ids(session, activity: Activity, on_date: date, *, waiting_too: bool = False) -> list[int]:
    """The neighbours coming to a date (and, if asked, those waiting), for mail."""
    statuses = (SignupStatus.COMING, SignupStatus.WAITING) if waiting_too else (SignupStatus.COMING,)
    return list(session.scalars(sa.select(ActivitySignup.neighbour_id).where(
        ActivitySignup.activity_id == activity.id, ActivitySignup.on_date == on_date,
        ActivitySignup.status.in_(statuses)).order_by(ActivitySignup.id)))

"""Activities for a neighbour without internet: the broker signs them up (or off) and arranges their lift, each
action logged on their page; and the dates they go to, with the lift, for the printed overview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.activities import lifts, signups
from buurthulp.activities.dates import Occurrence, count, expand
from buurthulp.activities.models import Activity, ActivitySignup, ActivityStatus, SignupStatus
from buurthulp.broker import services
from buurthulp.broker.models import ProxyAction
from buurthulp.db import utcnow
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.posts.models import Post

WEEKS_AHEAD = 4    # the broker's list: the coming four weeks
PRINT_WEEKS = 8    # the paper overview: the dates signed up for in the coming eight weeks
MOVED_DAYS = 31    # services.move_date moves a date by at most a month


def _note(activity: Activity, on_date: date) -> str:
    # the log keeps plain words, the same in every language: the title and the day as 12-12-2025
    return f"{activity.title}, {on_date:%d-%m-%Y}"


def join_for(session, broker: Neighbour, initiative: Initiative, proxy: Neighbour, activity: Activity,
             on_date: date, now: datetime | None = None) -> ActivitySignup:
    """Sign a neighbour without internet up for a date (a place, or the waiting list), logged."""
    now = now or utcnow()
    signup = signups.join(session, proxy, activity, on_date, now, by=broker)
    services.log_action(session, broker, initiative, proxy, ProxyAction.SIGNED_UP, note=_note(activity, on_date),
                        now=now)
    return signup


def leave_for(session, broker: Neighbour, initiative: Initiative, proxy: Neighbour, activity: Activity,
              on_date: date, now: datetime | None = None) -> None:
    """Sign a neighbour without internet off a date, logged; the waiting list moves up."""
    now = now or utcnow()
    lifts.leave(session, proxy, activity, on_date, now, by=broker)
    services.log_action(session, broker, initiative, proxy, ProxyAction.SIGNED_OFF, note=_note(activity, on_date),
                        now=now)


def lift_for(session, broker: Neighbour, initiative: Initiative, proxy: Neighbour, activity: Activity,
             on_date: date, now: datetime | None = None) -> Post:
    """Arrange a lift for a neighbour without internet: a transport ask in their name, through the matcher like
    every ask; logged when it is new."""
    now = now or utcnow()
    post = lifts.ask_lift(session, proxy, activity, on_date, now=now, by=broker)
    if post.created_at == now:
        services.log_action(session, broker, initiative, proxy, ProxyAction.LIFT_ASKED,
                            note=_note(activity, on_date), now=now)
    return post


@dataclass
class DateRow:
    """One date on the broker's list or the paper overview, with the neighbour's sign-up and lift."""

    occurrence: Occurrence
    lift: lifts.LiftInfo

    @property
    def key(self) -> tuple[int, date]:
        return self.occurrence.activity.id, self.occurrence.on_date


def _rows(session, person: Neighbour, occurrences: list[Occurrence]) -> list[DateRow]:
    count(session, occurrences, person.id)
    found = lifts.lifts_of(session, person, [(o.activity.id, o.on_date) for o in occurrences])
    return [DateRow(o, found.get((o.activity.id, o.on_date), lifts.LiftInfo())) for o in occurrences]


def dates_to_join(session, person: Neighbour, today: date, weeks: int = WEEKS_AHEAD) -> list[DateRow]:
    """The coming dates of the activities the person could join (as they would see them), with their sign-up and
    lift; in a fixed number of queries."""
    end = today + timedelta(weeks=weeks)
    activities = session.scalars(
        sa.select(Activity).where(access.activity_seen_by(session, person), Activity.status == ActivityStatus.ACTIVE,
                                  Activity.starts_on <= end + timedelta(days=MOVED_DAYS),
                                  sa.or_(Activity.last_on.is_(None),
                                         Activity.last_on >= today - timedelta(days=MOVED_DAYS)))
        .options(so.selectinload(Activity.place))).all()
    return _rows(session, person, expand(session, activities, today, end))


def signed_up_dates(session, person: Neighbour, today: date, weeks: int = PRINT_WEEKS) -> list[DateRow]:
    """The coming dates the person is coming to or waiting for (not cancelled), with the lift; in a fixed number of
    queries."""
    end = today + timedelta(weeks=weeks)
    keys = set(session.execute(sa.select(ActivitySignup.activity_id, ActivitySignup.on_date).where(
        ActivitySignup.neighbour_id == person.id,
        ActivitySignup.on_date.between(today - timedelta(days=MOVED_DAYS), end + timedelta(days=MOVED_DAYS)))
    ).tuples())
    if not keys:
        return []
    activities = session.scalars(
        sa.select(Activity).where(Activity.id.in_({k[0] for k in keys}), Activity.status == ActivityStatus.ACTIVE,
                                  Activity.hidden_at.is_(None))
        .options(so.selectinload(Activity.place))).all()
    occurrences = [o for o in expand(session, activities, today, end, with_cancelled=False)
                   if (o.activity.id, o.on_date) in keys]
    return [r for r in _rows(session, person, occurrences)
            if r.occurrence.mine in (SignupStatus.COMING, SignupStatus.WAITING)]

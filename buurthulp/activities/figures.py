"""Figures for funders about activities: per month, for one initiative, counts only (no names).

An initiative's activities are those in its neighbourhoods and those it put on itself, not hidden by a moderator.
A date was held when it took place: not cancelled, over, and (for an activity cancelled as a whole) before it was
cancelled. Per month:

- dates held;
- people who came: the numbers the organisers recorded (and of how many dates, since not every organiser does);
- neighbours signed up: different neighbours who said they were coming to a date held in the month;
- new contacts: pairs of neighbours who were both coming to a date held and later, after that date, agreed on
  help with each other for the first time: counted in the month they agreed (so a month's figure does not change
  afterwards), whatever the neighbourhood of the help.

Five queries, whatever the number of activities, dates, sign-ups and matches.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from buurthulp.activities.dates import Occurrence, expand
from buurthulp.activities.models import Activity, ActivityDate, ActivitySignup, ActivityStatus, SignupStatus
from buurthulp.db import utcnow
from buurthulp.neighbourhoods.models import Initiative, initiative_neighbourhood
from buurthulp.posts.models import AGREED_MATCH_STATUSES, Match
from buurthulp.timeutil import add_months, local_to_utc, local_today, month_start, months_between, to_local

MOVE_DAYS = 31  # a date is moved by at most a month (services.move_date)


@dataclass
class ActivityRow:
    """The activities of an initiative in one month."""

    month: date
    dates_held: int = 0
    came: int = 0           # the sum of the numbers organisers recorded
    dates_counted: int = 0  # the dates held that have such a number
    signed_up: int = 0      # different neighbours coming to a date held
    new_contacts: int = 0   # pairs who met at an activity and then agreed on help for the first time


def of_initiative(initiative: Initiative):
    """SQL condition on Activity: the initiative's activities, not hidden."""
    hoods = sa.select(initiative_neighbourhood.c.neighbourhood_id).where(
        initiative_neighbourhood.c.initiative_id == initiative.id)
    return sa.and_(sa.or_(Activity.neighbourhood_id.in_(hoods), Activity.initiative_id == initiative.id),
                   Activity.hidden_at.is_(None))


def took_place(o: Occurrence, now: datetime) -> bool:
    """The date was held: not cancelled, over, and not after its activity was cancelled as a whole."""
    if o.cancelled or o.ends_at > now:
        return False
    if o.activity.status == ActivityStatus.CANCELLED:
        # a cancelled activity cannot be changed any more, so its last change is the cancellation
        counted = o.row is not None and o.row.attendance is not None
        return counted or o.starts_at < o.activity.updated_at
    return True


def activity_figures(session, initiative: Initiative, start: date, end: date,
                     now: datetime | None = None) -> list[ActivityRow]:
    """Per month from ``start`` to ``end`` (whole months, Europe/Amsterdam): the initiative's activities."""
    months = months_between(start, end)
    if not months:
        raise ValueError("the period ends before it starts")
    now = now or utcnow()
    rows = {m: ActivityRow(m) for m in months}
    first, after = months[0], add_months(months[-1], 1)
    last = min(after - timedelta(days=1), local_today(now))
    held: list[Occurrence] = []
    if first <= last:
        activities = session.scalars(sa.select(Activity).where(
            of_initiative(initiative), Activity.starts_on <= last + timedelta(days=MOVE_DAYS),
            sa.or_(Activity.last_on.is_(None), Activity.last_on >= first - timedelta(days=MOVE_DAYS)))
            .order_by(Activity.id)).all()
        held = [o for o in expand(session, activities, first, last) if took_place(o, now)]
    month_of: dict[tuple[int, date], date] = {}
    for o in held:
        row = rows[month_start(o.day)]
        row.dates_held += 1
        if o.row is not None and o.row.attendance is not None:
            row.came += o.row.attendance
            row.dates_counted += 1
        month_of[o.activity.id, o.on_date] = row.month
    if held:
        people: dict[date, set[int]] = defaultdict(set)
        for activity_id, on_date, neighbour_id in session.execute(
                sa.select(ActivitySignup.activity_id, ActivitySignup.on_date, ActivitySignup.neighbour_id)
                .where(ActivitySignup.activity_id.in_({o.activity.id for o in held}),
                       ActivitySignup.on_date.between(first - timedelta(days=MOVE_DAYS),
                                                      last + timedelta(days=MOVE_DAYS)),
                       ActivitySignup.status == SignupStatus.COMING)):
            if (activity_id, on_date) in month_of:
                people[month_of[activity_id, on_date]].add(neighbour_id)
        for month, ids in people.items():
            rows[month].signed_up = len(ids)
    _new_contacts(session, initiative, rows, first, after, now)
    return list(rows.values())


def _first_agreements(session, since: datetime, until: datetime) -> list:
    """Pairs of neighbours (lower id first) whose first agreed match with each other falls in the period."""
    low = sa.case((Match.asker_id < Match.helper_id, Match.asker_id), else_=Match.helper_id)
    high = sa.case((Match.asker_id < Match.helper_id, Match.helper_id), else_=Match.asker_id)
    agreed = (sa.select(low.label("a"), high.label("b"), Match.accepted_at.label("at"))
              .where(Match.status.in_(AGREED_MATCH_STATUSES), Match.accepted_at.is_not(None)).subquery())
    firsts = (sa.select(agreed.c.a, agreed.c.b, sa.func.min(agreed.c.at).label("first"))
              .group_by(agreed.c.a, agreed.c.b).subquery())
    return session.execute(sa.select(firsts.c.a, firsts.c.b, firsts.c.first)
                           .where(firsts.c.first >= since, firsts.c.first < until)).all()


def _new_contacts(session, initiative: Initiative, rows: dict[date, ActivityRow], first_day: date, after: date,
                  now: datetime) -> None:
    """Count the pairs whose first agreed match falls in the period and who met at a date held before it."""
    pairs = _first_agreements(session, local_to_utc(first_day, time.min), local_to_utc(after, time.min))
    if not pairs:
        return
    people = {p for a, b, _first in pairs for p in (a, b)}
    dates: dict[tuple[int, date], Occurrence] = {}
    went: dict[int, set[tuple[int, date]]] = defaultdict(set)
    for neighbour_id, on_date, activity, stored in session.execute(
            sa.select(ActivitySignup.neighbour_id, ActivitySignup.on_date, Activity, ActivityDate)
            .join(Activity, Activity.id == ActivitySignup.activity_id)
            .outerjoin(ActivityDate, sa.and_(ActivityDate.activity_id == ActivitySignup.activity_id,
                                             ActivityDate.on_date == ActivitySignup.on_date))
            .where(ActivitySignup.neighbour_id.in_(people), ActivitySignup.status == SignupStatus.COMING,
                   ActivitySignup.on_date < after + timedelta(days=MOVE_DAYS),
                   of_initiative(initiative))):
        key = (activity.id, on_date)
        dates.setdefault(key, Occurrence(activity, on_date, stored))
        went[neighbour_id].add(key)
    for a, b, first in pairs:
        if any(took_place(dates[key], now) and dates[key].ends_at <= first for key in went[a] & went[b]):
            month = month_start(to_local(first).date())
            if month in rows:
                rows[month].new_contacts += 1

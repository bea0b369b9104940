"""The lists of activities: coming dates nearby (a page at a time), a week, and "My activities".

Each is a fixed number of queries whatever the number of activities and sign-ups: the activities in one (with
their places), their stored dates in one (``dates.expand``), and who comes in one more, for the dates shown only
(``dates.count``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.activities.dates import Occurrence, count, expand
from buurthulp.activities.models import (
    Activity,
    ActivityKind,
    ActivityNote,
    ActivityOrganiser,
    ActivitySignup,
    ActivityStatus,
)
from buurthulp.neighbourhoods.models import Membership, MembershipStatus
from buurthulp.paging import Page
from buurthulp.places.models import Place

PAGE_SIZE = 20
# a date can be moved by at most a month (services.move_date): a series date this far outside a window may
# have been moved into it
MOVE_SLACK = timedelta(days=31)
MINE_DAYS = 12 * 7
DETAIL_DAYS = 8 * 7


@dataclass
class Found:
    """The dates of a list, and the places of its activities (the choices of the place filter)."""

    occurrences: list[Occurrence]
    places: list[Place] = field(default_factory=list)


def _window(query: sa.Select, start: date, end: date) -> sa.Select:
    """Activities that may have a date between ``start`` and ``end``, a moved one included."""
    return query.where(Activity.starts_on <= end + MOVE_SLACK,
                       sa.or_(Activity.last_on.is_(None), Activity.last_on >= start - MOVE_SLACK))


def find(session, viewer: Neighbour, start: date, end: date, *, kind: ActivityKind | None = None) -> Found:
    """The dates between ``start`` and ``end`` of the active activities the viewer sees in lists, cancelled dates
    marked, sorted by day and time; not counted. Two queries, and one for the viewer's blocks."""
    query = _window(sa.select(Activity).where(access.activity_seen_by(session, viewer),
                                              Activity.status == ActivityStatus.ACTIVE), start, end)
    if kind is not None:
        query = query.where(Activity.kind == kind)
    activities = list(session.scalars(query.options(so.joinedload(Activity.place))))
    occurrences = expand(session, activities, start, end)
    places = {o.activity.place.id: o.activity.place for o in occurrences if o.activity.place is not None}
    return Found(occurrences, sorted(places.values(), key=lambda p: (p.name.lower(), p.id)))


def page_of(session, viewer: Neighbour, occurrences: list[Occurrence], page: int,
            per_page: int = PAGE_SIZE) -> Page:
    """One page of dates, counted (who comes, the viewer's own sign-up): one query."""
    total = len(occurrences)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = occurrences[(page - 1) * per_page:page * per_page]
    return Page(count(session, items, viewer.id), page, per_page, total=total)


def by_day(occurrences: list[Occurrence], monday: date) -> list[tuple[date, list[Occurrence]]]:
    """The seven days from ``monday``, each with its dates (already sorted by time)."""
    days: list[tuple[date, list[Occurrence]]] = [(monday + timedelta(days=i), []) for i in range(7)]
    for o in occurrences:
        if 0 <= (o.day - monday).days < 7:
            days[(o.day - monday).days][1].append(o)
    return days


def coming_dates(session, activity: Activity, viewer: Neighbour, today: date,
                 days: int = DETAIL_DAYS) -> list[Occurrence]:
    """The activity's dates of the coming ``days`` days, counted: two queries."""
    return count(session, expand(session, [activity], today, today + timedelta(days=days - 1)), viewer.id)


@dataclass
class Mine:
    """"My activities": the dates I come to or wait for, and the activities I organise with their next date."""

    dates: list[Occurrence]
    organised: list[tuple[Activity, Occurrence | None]]


def mine(session, person: Neighbour, today: date, days: int = MINE_DAYS) -> Mine:
    """What "My activities" shows, in four queries."""
    end = today + timedelta(days=days - 1)
    signed_up = list(session.scalars(
        sa.select(Activity).where(Activity.hidden_at.is_(None), Activity.id.in_(
            sa.select(ActivitySignup.activity_id).where(
                ActivitySignup.neighbour_id == person.id,
                ActivitySignup.on_date.between(today - MOVE_SLACK, end + MOVE_SLACK))))
        .options(so.joinedload(Activity.place))))
    coordinates = (sa.select(Membership.initiative_id)
                   .where(Membership.neighbour_id == person.id, Membership.status == MembershipStatus.ACTIVE,
                          Membership.is_coordinator))
    organises = sa.or_(Activity.id.in_(sa.select(ActivityOrganiser.activity_id)
                                       .where(ActivityOrganiser.neighbour_id == person.id)),
                       Activity.initiative_id.in_(coordinates))
    organised = list(session.scalars(
        sa.select(Activity).where(organises, sa.or_(Activity.last_on.is_(None), Activity.last_on >= today))
        .options(so.joinedload(Activity.place)).order_by(Activity.title, Activity.id)))
    by_id = {a.id: a for a in signed_up + organised}
    occurrences = expand(session, by_id.values(), today, end)
    count(session, occurrences, person.id)
    mine_dates = [o for o in occurrences if o.mine is not None]
    organised_ids = {a.id for a in organised}
    next_date: dict[int, Occurrence] = {}
    for o in occurrences:
        if o.activity.id in organised_ids and not o.cancelled:
            next_date.setdefault(o.activity.id, o)
    return Mine(mine_dates, [(a, next_date.get(a.id)) for a in organised])


def notes_of(session, activity: Activity, viewer: Neighbour, limit: int = 20) -> list[ActivityNote]:
    """The notes of people who came, newest first, not hidden, not of people the viewer blocked or was blocked by."""
    blocked = access.blocked_ids(session, viewer.id)
    return list(session.scalars(
        sa.select(ActivityNote).where(ActivityNote.activity_id == activity.id, ActivityNote.hidden_at.is_(None),
                                      ActivityNote.author_id.not_in(blocked) if blocked else sa.true())
        .options(so.joinedload(ActivityNote.author)).order_by(ActivityNote.created_at.desc()).limit(limit)))

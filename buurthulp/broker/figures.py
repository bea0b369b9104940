"""Figures for funders: per month and neighbourhood, what neighbours asked, offered and did for each other.

Every figure comes from an aggregate query grouped by month and neighbourhood, so
the number of queries stays the same however many posts and matches there are.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp.accounts.models import Neighbour
from buurthulp.broker.services import hood_ids_subquery
from buurthulp.circles.models import (
    Circle,
    CircleMember,
    CircleStatus,
    MemberRole,
    MemberStatus,
    RotaSlot,
    Shift,
    SlotKind,
)
from buurthulp.db import UTCDateTime
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.posts.models import AGREED_MATCH_STATUSES, Match, MatchSource, MatchStatus, Post, PostKind
from buurthulp.timeutil import add_months, local_to_utc, months_between

DONE_MATCH_STATUSES = (MatchStatus.DONE, MatchStatus.THANKED)
DAY_SECONDS = 24 * 60 * 60
QUICK_DAYS = 7
SLOW_DAYS = 30
MAX_MONTHS = 36


@dataclass
class Row:
    """The figures of one month, for one neighbourhood or (``neighbourhood_id`` None) all of them together."""

    month: date  # the first day of the month
    neighbourhood_id: int | None
    neighbourhood_name: str
    asks: int = 0
    offers: int = 0
    matches_scheduler: int = 0
    matches_broker: int = 0
    matches_response: int = 0
    asks_matched_7d: int = 0
    asks_matched_30d: int = 0
    median_days: float | None = None  # None: no ask of this month was matched (yet)
    minutes_done: int = 0
    active_neighbours: int = 0
    new_neighbours: int = 0
    asked_and_offered: int = 0

    @property
    def is_total(self) -> bool:
        return self.neighbourhood_id is None

    @property
    def matches(self) -> int:
        return self.matches_scheduler + self.matches_broker + self.matches_response

    @property
    def share_matched_7d(self) -> float | None:
        return self.asks_matched_7d / self.asks if self.asks else None

    @property
    def share_matched_30d(self) -> float | None:
        return self.asks_matched_30d / self.asks if self.asks else None

    @property
    def hours(self) -> float:
        return self.minutes_done / 60


# --- dialect pieces -----------------------------------------------------------------------------

def _local_month(col, dialect: str):
    """'YYYY-MM' of a UTC timestamp column, in Europe/Amsterdam time."""
    if dialect == "postgresql":
        # The time zone database gives the exact local time.
        local = sa.func.timezone(sa.literal_column("'Europe/Amsterdam'"), col)
        return sa.func.to_char(local, sa.literal_column("'YYYY-MM'"))
    if dialect == "sqlite":
        # SQLite stores naive UTC text and knows no time zones. A UTC time can only fall in the
        # next local month in the last one or two hours of its UTC month, so it is enough to
        # shift by the offset that holds at the end of that month: under EU summer time (from
        # 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October) that
        # is +2 h for months March to September and +1 h for the rest. This is exact, not an
        # approximation: no month boundary is off, not even by the two hours one could fear.
        shift = sa.case((sa.func.strftime(sa.literal_column("'%m'"), col).between(
            sa.literal_column("'03'"), sa.literal_column("'09'")), sa.literal_column("'+2 hours'")),
            else_=sa.literal_column("'+1 hours'"))
        return sa.func.strftime(sa.literal_column("'%Y-%m'"), col, shift)
    raise NotImplementedError(f"figures are not written for the {dialect} database")


def _seconds_between(earlier, later, dialect: str):
    """Whole seconds from ``earlier`` to ``later`` (both timestamp expressions)."""
    if dialect == "postgresql":
        return sa.extract("epoch", later - earlier)
    epoch = sa.literal_column("'%s'")
    return (sa.cast(sa.func.strftime(epoch, later), sa.Integer)
            - sa.cast(sa.func.strftime(epoch, earlier), sa.Integer))


def _key(month_text: str) -> date:
    year, month = month_text.split("-")
    return date(int(year), int(month), 1)


# --- the figures --------------------------------------------------------------------------------

def monthly_figures(session, initiative: Initiative, start: date, end: date) -> list[Row]:
    """Per month from ``start`` to ``end`` (whole months, Europe/Amsterdam), a row per neighbourhood and a total.

    Rows come month by month, oldest first; within a month the neighbourhoods by name, then the
    total (``neighbourhood_id`` None). Seven queries, whatever the size of the data.
    """
    months = months_between(start, end)
    if not months:
        raise ValueError("the period ends before it starts")
    hoods = sorted(initiative.neighbourhoods, key=lambda h: (h.name.lower(), h.id))
    rows: dict[tuple[date, int | None], Row] = {}
    for month in months:
        for hood in hoods:
            rows[month, hood.id] = Row(month, hood.id, hood.name)
        rows[month, None] = Row(month, None, "")

    dialect = session.get_bind().dialect.name  # Flask-SQLAlchemy sessions have no .bind
    since = local_to_utc(months[0], time.min)
    until = local_to_utc(add_months(months[-1], 1), time.min)
    hood_ids = hood_ids_subquery(initiative)

    def add(month_text: str, hood_id: int | None, **figures) -> None:
        """Add to the neighbourhood's row and to the month's total."""
        for key in ((_key(month_text), hood_id), (_key(month_text), None)):
            row = rows.get(key)
            if row is not None:
                for name, value in figures.items():
                    setattr(row, name, getattr(row, name) + int(value or 0))

    def in_period(col):
        return sa.and_(col >= since, col < until)

    # Posts hidden by a moderator are left out; those hidden because their author deleted the
    # account stay in: they were posted, and last year's figures should not change.
    counted_post = sa.and_(Post.neighbourhood_id.in_(hood_ids), in_period(Post.created_at),
                           Post.hidden_by_id.is_(None))
    # A match belongs to the neighbourhood of its ask, or of its offer when it has no ask.
    match_post = so.aliased(Post)
    match_hood = match_post.neighbourhood_id
    match_join = (match_post, Match.post_is(match_post))

    # 1. Asks and offers posted.
    posts = (sa.select(_local_month(Post.created_at, dialect).label("month"), Post.neighbourhood_id.label("hood"),
                       Post.kind.label("kind")).where(counted_post).subquery())
    for month_text, hood_id, kind, count in session.execute(
            sa.select(posts.c.month, posts.c.hood, posts.c.kind, sa.func.count())
            .group_by(posts.c.month, posts.c.hood, posts.c.kind)):
        add(month_text, hood_id, **{"asks" if kind == PostKind.ASK else "offers": count})

    # 2. Asks matched quickly: the first agreed match of each ask of the month, within 7 and 30 days.
    first_agreed = (sa.select(sa.func.min(Match.accepted_at))
                    .where(Match.ask_id == Post.id, Match.status.in_(AGREED_MATCH_STATUSES),
                           Match.accepted_at.is_not(None))
                    .correlate(Post).scalar_subquery())
    waits = (sa.select(_local_month(Post.created_at, dialect).label("month"), Post.neighbourhood_id.label("hood"),
                       _seconds_between(Post.created_at, first_agreed, dialect).label("seconds"))
             .where(counted_post, Post.kind == PostKind.ASK).subquery())

    def within(days: int):
        return sa.func.sum(sa.case((waits.c.seconds <= days * DAY_SECONDS, 1), else_=0))

    for month_text, hood_id, quick, slow in session.execute(
            sa.select(waits.c.month, waits.c.hood, within(QUICK_DAYS), within(SLOW_DAYS))
            .group_by(waits.c.month, waits.c.hood)):
        add(month_text, hood_id, asks_matched_7d=quick, asks_matched_30d=slow)

    # 3. Median wait of the month's matched asks: the waits themselves, the median in Python.
    days: dict[tuple[date, int | None], list[float]] = defaultdict(list)
    for month_text, hood_id, seconds in session.execute(
            sa.select(waits.c.month, waits.c.hood, waits.c.seconds).where(waits.c.seconds.is_not(None))):
        waited = max(float(seconds), 0.0) / DAY_SECONDS
        days[_key(month_text), hood_id].append(waited)
        days[_key(month_text), None].append(waited)
    for key, values in days.items():
        if key in rows:
            rows[key].median_days = statistics.median(values)

    # 4. Agreed matches by source, in the month they were agreed.
    agreed = (sa.select(_local_month(Match.accepted_at, dialect).label("month"), match_hood.label("hood"),
                        Match.source.label("source"))
              .join(*match_join)
              .where(Match.status.in_(AGREED_MATCH_STATUSES), in_period(Match.accepted_at),
                     match_hood.in_(hood_ids)).subquery())
    by_source = {MatchSource.SCHEDULER: "matches_scheduler", MatchSource.BROKER: "matches_broker",
                 MatchSource.RESPONSE: "matches_response"}
    for month_text, hood_id, source, count in session.execute(
            sa.select(agreed.c.month, agreed.c.hood, agreed.c.source, sa.func.count())
            .group_by(agreed.c.month, agreed.c.hood, agreed.c.source)):
        add(month_text, hood_id, **{by_source[MatchSource(source)]: count})

    # 5. Hours of help: the minutes of matches done in the month.
    done = (sa.select(_local_month(Match.done_at, dialect).label("month"), match_hood.label("hood"),
                      Match.minutes.label("minutes"))
            .join(*match_join)
            .where(Match.status.in_(DONE_MATCH_STATUSES), in_period(Match.done_at), match_hood.in_(hood_ids))
            .subquery())
    for month_text, hood_id, minutes in session.execute(
            sa.select(done.c.month, done.c.hood, sa.func.sum(done.c.minutes)).group_by(done.c.month, done.c.hood)):
        add(month_text, hood_id, minutes_done=minutes)

    # 6. Active neighbours, and those among them who both asked and offered. Asking is posting an
    # ask or being helped; offering is posting an offer or helping. Someone active in two
    # neighbourhoods counts in both, and once in the total: the total is its own count.
    ask_role, offer_role = sa.literal_column("0"), sa.literal_column("1")
    match_events = []
    for at, statuses in ((Match.accepted_at, AGREED_MATCH_STATUSES), (Match.done_at, DONE_MATCH_STATUSES)):
        for person, role in ((Match.asker_id, ask_role), (Match.helper_id, offer_role)):
            match_events.append(
                sa.select(_local_month(at, dialect).label("month"), match_hood.label("hood"),
                          person.label("person"), role.label("role"))
                .join(*match_join)
                .where(Match.status.in_(statuses), in_period(at), match_hood.in_(hood_ids)))
    events = sa.union_all(
        sa.select(_local_month(Post.created_at, dialect).label("month"), Post.neighbourhood_id.label("hood"),
                  Post.author_id.label("person"),
                  sa.case((Post.kind == PostKind.ASK, ask_role), else_=offer_role).label("role"))
        .where(counted_post),
        *match_events,
    ).cte("events")
    both_roles = sa.case((sa.func.min(events.c.role) != sa.func.max(events.c.role), 1), else_=0)
    per_hood = (sa.select(events.c.month, events.c.hood, both_roles.label("both"))
                .group_by(events.c.month, events.c.hood, events.c.person).subquery())
    per_month = (sa.select(events.c.month, both_roles.label("both"))
                 .group_by(events.c.month, events.c.person).subquery())
    activity = sa.union_all(
        sa.select(per_hood.c.month, per_hood.c.hood, sa.func.count().label("active"),
                  sa.func.sum(per_hood.c.both).label("both"))
        .group_by(per_hood.c.month, per_hood.c.hood),
        sa.select(per_month.c.month, sa.null().label("hood"), sa.func.count().label("active"),
                  sa.func.sum(per_month.c.both).label("both"))
        .group_by(per_month.c.month),
    )
    for month_text, hood_id, active, both in session.execute(activity):
        row = rows.get((_key(month_text), hood_id))
        if row is not None:
            row.active_neighbours, row.asked_and_offered = int(active), int(both or 0)

    # 7. New neighbours living in the neighbourhood (proxy neighbours too; a deleted account
    # still counts in the month it joined, so that past figures stay put).
    joined = (sa.select(_local_month(Neighbour.created_at, dialect).label("month"),
                        Neighbour.neighbourhood_id.label("hood"))
              .where(Neighbour.neighbourhood_id.in_(hood_ids), in_period(Neighbour.created_at)).subquery())
    for month_text, hood_id, count in session.execute(
            sa.select(joined.c.month, joined.c.hood, sa.func.count()).group_by(joined.c.month, joined.c.hood)):
        add(month_text, hood_id, new_neighbours=count)

    return list(rows.values())


# --- support circles ----------------------------------------------------------------------------

@dataclass
class CircleRow:
    """The circles of an initiative in one month: counts only, no names."""

    month: date
    circles: int = 0         # circles that were going (started, not ended) at some time in the month
    members: int = 0         # neighbours in one of them, the person at the centre not counted; each once
    dates_done: int = 0      # rota dates of the month someone did (ticked as done)
    check_ins_done: int = 0  # of those, check-ins


def _months_table(months: list[date]):
    """The months as rows of a small table inside the query: index, UTC bounds and first days."""
    def one(i: int, month: date):
        following = add_months(month, 1)
        return sa.select(sa.literal(i).label("k"),
                         sa.literal(local_to_utc(month, time.min), UTCDateTime()).label("since"),
                         sa.literal(local_to_utc(following, time.min), UTCDateTime()).label("until"),
                         sa.literal(month, sa.Date()).label("first_day"),
                         sa.literal(following, sa.Date()).label("next_day"))
    selects = [one(i, m) for i, m in enumerate(months)]
    return (sa.union_all(*selects) if len(selects) > 1 else selects[0]).subquery("months")


def circle_figures(session, initiative: Initiative, start: date, end: date) -> list[CircleRow]:
    """Per month from ``start`` to ``end``, the initiative's circles (``Circle.initiative_id``): how many, how many
    members, rota dates and check-ins done. Two queries, whatever the number of circles, members and dates."""
    months = months_between(start, end)
    if not months:
        raise ValueError("the period ends before it starts")
    rows = [CircleRow(m) for m in months]
    m = _months_table(months)

    # 1. Circles going in the month (not one that was only proposed) and their members in it.
    going = sa.and_(Circle.initiative_id == initiative.id, Circle.status != CircleStatus.PROPOSED,
                    Circle.created_at < m.c.until, sa.or_(Circle.ended_at.is_(None), Circle.ended_at >= m.c.since))
    member = sa.and_(CircleMember.circle_id == Circle.id, CircleMember.role != MemberRole.CENTRE,
                     CircleMember.status.in_((MemberStatus.ACTIVE, MemberStatus.LEFT)),
                     CircleMember.joined_at.is_not(None), CircleMember.joined_at < m.c.until,
                     sa.or_(CircleMember.left_at.is_(None), CircleMember.left_at >= m.c.since))
    for k, circles, members in session.execute(
            sa.select(m.c.k, sa.func.count(sa.distinct(Circle.id)), sa.func.count(sa.distinct(CircleMember.neighbour_id)))
            .select_from(m).join(Circle, going).outerjoin(CircleMember, member).group_by(m.c.k)):
        rows[k].circles, rows[k].members = int(circles), int(members or 0)

    # 2. Rota dates done in the month (by the date itself), and the check-ins among them.
    check_in = sa.func.sum(sa.case((RotaSlot.kind == SlotKind.CHECK_IN, 1), else_=0))
    for k, done, check_ins in session.execute(
            sa.select(m.c.k, sa.func.count(Shift.id), check_in).select_from(m)
            .join(Shift, sa.and_(Shift.on_date >= m.c.first_day, Shift.on_date < m.c.next_day,
                                 Shift.done_at.is_not(None)))
            .join(RotaSlot, RotaSlot.id == Shift.slot_id)
            .join(Circle, sa.and_(Circle.id == RotaSlot.circle_id, Circle.initiative_id == initiative.id))
            .group_by(m.c.k)):
        rows[k].dates_done, rows[k].check_ins_done = int(done), int(check_ins or 0)
    return rows

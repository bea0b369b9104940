"""The Dutch tax-free volunteer allowance (vrijwilligersvergoeding): limits per year, and a person's room.

Over a limit, tax is due on the whole amount, and amounts from all
organisations add up; so the room is counted over every initiative in the app.
The limits are data: ``POT_ALLOWANCE_LIMITS`` in the configuration adds or
overrides years. A year without limits uses the latest known year, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app

from buurthulp.db import upsert
from buurthulp.pot.models import AllowancePreference, AllowanceTotal


@dataclass(frozen=True)
class Limits:
    year: int
    hourly_cents: int           # age 21 and over
    hourly_under_21_cents: int
    monthly_cents: int
    yearly_cents: int
    fallback_from: int | None = None  # the year asked for, when these are another year's limits

    def hourly(self, under_21: bool) -> int:
        return self.hourly_under_21_cents if under_21 else self.hourly_cents


KNOWN_LIMITS = {
    2024: Limits(2024, hourly_cents=550, hourly_under_21_cents=325, monthly_cents=21000, yearly_cents=210000),
    2025: Limits(2025, hourly_cents=560, hourly_under_21_cents=330, monthly_cents=21000, yearly_cents=210000),
}


def all_limits() -> dict[int, Limits]:
    configured = current_app.config.get("POT_ALLOWANCE_LIMITS") or {}
    limits = dict(KNOWN_LIMITS)
    for year, values in configured.items():
        limits[int(year)] = Limits(int(year), **values)
    return limits


def limits_for(year: int) -> Limits:
    """The limits of ``year``, or of the latest known year before it (``fallback_from`` tells)."""
    known = all_limits()
    if year in known:
        return known[year]
    earlier = [y for y in known if y < year]
    source = known[max(earlier)] if earlier else known[min(known)]
    return Limits(source.year, source.hourly_cents, source.hourly_under_21_cents, source.monthly_cents,
                  source.yearly_cents, fallback_from=year)


def preference_of(session, neighbour_id: int) -> AllowancePreference:
    """The person's preference row (not added to the session when there is none yet)."""
    return session.get(AllowancePreference, neighbour_id) or AllowancePreference(
        neighbour_id=neighbour_id, keep_under_limit=False, under_21=False)


@dataclass(frozen=True)
class Totals:
    month_cents: int
    year_cents: int


def earned_totals(session, neighbour_id: int, day: date) -> Totals:
    """Compensation a person received in the month and year of ``day``, over all initiatives."""
    rows = dict(session.execute(
        sa.select(AllowanceTotal.month, AllowanceTotal.earned_cents)
        .where(AllowanceTotal.neighbour_id == neighbour_id, AllowanceTotal.year == day.year,
               AllowanceTotal.month.in_((0, day.month)))).all())
    return Totals(month_cents=int(rows.get(day.month, 0)), year_cents=int(rows.get(0, 0)))


def lock(session, people: Iterable[tuple[int, int]]) -> None:
    """Make "check the limit, then book" one step per (person, year): lock their year rows, in order.

    On PostgreSQL a second booking for the same person and year waits here until the first commits;
    on SQLite this is the transaction's first write, so the check after it reads what is committed.
    Every booking takes these locks before it moves a balance (accounts are locked in id order after
    them), so two bookings never wait for each other in a circle."""
    for neighbour_id, year in sorted(set(people)):
        upsert(session, AllowanceTotal, {"neighbour_id": neighbour_id, "year": year, "month": 0, "earned_cents": 0},
               ["neighbour_id", "year", "month"], lock=True)


def add_earned(session, neighbour_id: int, counts_for: date, cents: int) -> None:
    """Add a booking to the person's month and year totals (under the lock of ``lock``)."""
    for month in (counts_for.month, 0):
        upsert(session, AllowanceTotal, {"neighbour_id": neighbour_id, "year": counts_for.year, "month": month,
                                         "earned_cents": cents},
               ["neighbour_id", "year", "month"], add=("earned_cents",))


@dataclass(frozen=True)
class Check:
    """What a compensation would do to a person's allowance."""

    allowed_cents: int        # what may be booked (all of it, unless they keep under the limit)
    crosses: tuple[str, ...]  # the limits it would cross: "hourly", "monthly", "yearly"
    room_cents: int           # room left under the month and year limits before this booking
    limits: Limits
    hourly_cents: int         # the hourly limit that applies to this person

    @property
    def capped(self) -> bool:
        return bool(self.crosses) and self.allowed_cents < self.requested_cents

    requested_cents: int = 0


def check(session, neighbour_id: int, amount_cents: int, minutes: int | None, day: date,
          pending_cents: int = 0) -> Check:
    """Would ``amount_cents`` for ``minutes`` of help on ``day`` cross a limit? ``pending_cents``: booked
    in the same run and not yet in the totals. Before a booking, ``lock`` the person's year first."""
    limits = limits_for(day.year)
    preference = preference_of(session, neighbour_id)
    totals = earned_totals(session, neighbour_id, day)
    month_room = limits.monthly_cents - totals.month_cents - pending_cents
    year_room = limits.yearly_cents - totals.year_cents - pending_cents
    room = max(0, min(month_room, year_room))
    crosses = []
    caps = [room]
    if minutes:
        hourly_cap = limits.hourly(preference.under_21) * minutes // 60
        caps.append(hourly_cap)
        if amount_cents > hourly_cap:
            crosses.append("hourly")
    if amount_cents > month_room:
        crosses.append("monthly")
    if amount_cents > year_room:
        crosses.append("yearly")
    allowed = amount_cents
    if crosses and preference.keep_under_limit:
        allowed = max(0, min(amount_cents, *caps))
    return Check(allowed_cents=allowed, crosses=tuple(crosses), room_cents=room, limits=limits,
                 hourly_cents=limits.hourly(preference.under_21), requested_cents=amount_cents)

"""Local dates and times: neighbours live in Europe/Amsterdam, the database keeps UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Amsterdam")


def local_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(LOCAL).date()


def local_to_utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LOCAL).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL)

"""A scheduled job: a plain, idempotent function ``job(session, now) -> dict | int`` and when it runs.

Each domain lists its jobs as ``JOBS`` in its ``jobs.py``; ``create_app`` collects them
(``scheduler.registered_jobs``), the way it finds each domain's routes and commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from buurthulp.timeutil import LOCAL

JOBS_KEY = "buurthulp.jobs"  # app.extensions: the jobs of every domain, by name


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable
    every_minutes: int | None = None
    cron: dict = field(default_factory=dict)  # CronTrigger fields in Europe/Amsterdam
    description: str = ""

    def slot(self, now: datetime) -> datetime:
        """The start of the time slot ``now`` falls in."""
        if self.every_minutes:
            minutes = int(now.timestamp() // 60)
            start = minutes - minutes % self.every_minutes
            return datetime.fromtimestamp(start * 60, tz=UTC)
        trigger = CronTrigger(timezone=LOCAL, **self.cron)
        # the latest fire time at or before now: step forward from a while back
        probe = trigger.get_next_fire_time(None, now - timedelta(days=40))
        last = probe
        while probe is not None and probe <= now:
            last = probe
            probe = trigger.get_next_fire_time(probe, probe + timedelta(seconds=1))
        return (last or now).astimezone(UTC)

    def trigger(self):
        if self.every_minutes:
            return CronTrigger(minute=f"*/{self.every_minutes}" if self.every_minutes < 60 else 0,
                               hour="*" if self.every_minutes <= 60 else f"*/{self.every_minutes // 60}",
                               timezone=LOCAL)
        return CronTrigger(timezone=LOCAL, **self.cron)

"""A scheduled job: a plain, idempotent function ``job(session, now) -> dict | int`` and when it runs.

Each domain lists its jobs as ``JOBS`` in its ``jobs.py``; ``create_app`` collects them
(``scheduler.registered_jobs``), the way it finds each domain's routes and commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from apscheduler.triggers.cron import CronTrigger
from babel.dates import get_day_names
from flask_babel import format_time, get_locale
from flask_babel import gettext as _

from buurthulp.timeutil import LOCAL

# CronTrigger's day_of_week, by name or number (0 is Monday), as Babel's day number
_CRON_DAYS = {**{name: n for n, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
              **{str(n): n for n in range(7)}}
JOBS_KEY = "buurthulp.jobs"  # app.extensions: the jobs of every domain, by name


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable
    every_minutes: int | None = None
    cron: dict = field(default_factory=dict)  # CronTrigger fields in Europe/Amsterdam
    description: str = ""  # a lazy message: shown in the reader's language

    def schedule_label(self) -> str:
        """When it runs, as a sentence: "every hour", "every day at 03:15", "on day 1 of the month at 07:00"."""
        if self.every_minutes:
            if self.every_minutes == 1:
                return _("every minute")
            if self.every_minutes == 60:
                return _("every hour")
            if self.every_minutes % 60 == 0:
                return _("every %(n)s hours", n=self.every_minutes // 60)
            return _("every %(n)s minutes", n=self.every_minutes)
        fields = dict(self.cron)
        at = format_time(time(int(fields.pop("hour", 0)), int(fields.pop("minute", 0))), "HH:mm")
        if not fields:
            return _("every day at %(time)s", time=at)
        if set(fields) == {"day"}:
            return _("on day %(day)s of the month at %(time)s", day=fields["day"], time=at)
        if set(fields) == {"day_of_week"} and str(fields["day_of_week"]).lower() in _CRON_DAYS:
            day = get_day_names("wide", locale=get_locale())[_CRON_DAYS[str(fields["day_of_week"]).lower()]]
            return _("every %(day)s at %(time)s", day=day, time=at)
        return _("at set times (%(fields)s)", fields=", ".join(f"{k} {v}" for k, v in self.cron.items()))

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

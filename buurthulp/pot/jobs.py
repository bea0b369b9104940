"""The pot's scheduled job: month-end shares."""

from flask_babel import lazy_gettext as _l

from buurthulp.jobs import Job
from buurthulp.pot.shares import distribute_due

JOBS = [
    Job("pot_distribution", distribute_due, cron={"hour": 3, "minute": 15},
        description=_l("On each pot's month-end day, last month's compensation is shared out (once a month).")),
]

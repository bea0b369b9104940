"""The digest's scheduled job."""

from flask_babel import lazy_gettext as _l

from buurthulp.digest.services import send_due
from buurthulp.jobs import Job

JOBS = [
    Job("monthly_digest", send_due, every_minutes=60,
        description=_l("From 09:00 on the first Monday of the month: the monthly digest, once per neighbour "
                    "(hourly, so it catches up after a crash and retries refused addresses).")),
]

"""The matching job: every hour."""

from flask_babel import lazy_gettext as _l

from buurthulp.jobs import Job
from buurthulp.matching.services import run_matching

JOBS = [
    Job("matching", run_matching, every_minutes=60, description=_l("Suggest helpers for open asks.")),
]

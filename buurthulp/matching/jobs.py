"""The matching job: every hour."""

from buurthulp.jobs import Job
from buurthulp.matching.services import run_matching

JOBS = [
    Job("matching", run_matching, every_minutes=60, description="Suggest helpers for open asks."),
]

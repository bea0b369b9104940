"""The matching job: every hour."""

from buurthulp.matching.services import run_matching
from buurthulp.scheduler import Job

JOBS = [
    Job("matching", run_matching, every_minutes=60, description="Suggest helpers for open asks."),
]

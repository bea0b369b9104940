"""The site's own jobs: send the mail outbox every minute, and keep the outbox and the run log small."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from buurthulp import outbox
from buurthulp.core.models import JobRun, RunOutcome
from buurthulp.jobs import Job
from buurthulp.mail import send_queued

MAIL_JOB = "send_queued_mail"
KEEP_MINUTE_RUNS = timedelta(days=2)  # the mail job runs 1,440 times a day: its plain runs are kept two days
KEEP_RUNS = timedelta(days=90)


def send_queued_mail(session, now: datetime) -> dict:
    """Job: send the due mails of the outbox."""
    return send_queued(session, now)


def prune(session, now: datetime) -> dict:
    """Job: delete sent mail after MAIL_KEEP_SENT_DAYS, and old job runs (failed ones are kept 90 days)."""
    mails = outbox.prune(session, now, current_app.config["MAIL_KEEP_SENT_DAYS"])
    runs = session.execute(sa.delete(JobRun).where(sa.or_(
        sa.and_(JobRun.job == MAIL_JOB, JobRun.outcome == RunOutcome.OK, JobRun.started_at < now - KEEP_MINUTE_RUNS),
        JobRun.started_at < now - KEEP_RUNS))).rowcount or 0
    return {"mails": mails, "runs": runs}


JOBS = [
    Job(MAIL_JOB, send_queued_mail, every_minutes=1,
        description=_l("Sends the mail that waits in the outbox, and tries again later when the mail server "
                       "does not answer.")),
    Job("prune_outbox", prune, cron={"hour": 3, "minute": 45},
        description=_l("Deletes sent mail after a while, and old records of job runs.")),
]

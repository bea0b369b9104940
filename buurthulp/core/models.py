"""The record of scheduled job runs: one row per job and time slot."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp.db import str_enum
from buurthulp.extensions import db


class RunOutcome(StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


class JobRun(db.Model):
    """A job's run for one time slot; the unique key makes a slot run once however many schedulers there are."""

    __tablename__ = "job_run"
    __table_args__ = (
        sa.UniqueConstraint("job", "slot"),
        sa.Index("ix_job_run_started_at", "started_at"),
        sa.Index("ix_job_run_outcome_started_at", "outcome", "started_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    job: so.Mapped[str] = so.mapped_column(sa.String(50))
    slot: so.Mapped[datetime]
    started_at: so.Mapped[datetime]
    finished_at: so.Mapped[Optional[datetime]]
    outcome: so.Mapped[RunOutcome] = so.mapped_column(str_enum(RunOutcome, 10))
    counts: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    error: so.Mapped[str] = so.mapped_column(sa.Text, default="")


class Heartbeat(db.Model):
    """A process that says it is alive: the scheduler beats every minute; /healthz reads it."""

    __tablename__ = "heartbeat"

    name: so.Mapped[str] = so.mapped_column(sa.String(50), primary_key=True)
    beat_at: so.Mapped[datetime]
    detail: so.Mapped[str] = so.mapped_column(sa.String(200), default="")

"""The scheduler: APScheduler triggers, and runs that happen once per job and time slot.

A job is a plain function ``job(session, now) -> dict | int`` that is
idempotent: running the same slot twice changes nothing the second time. Every
run inserts a ``JobRun`` row keyed on (job, slot) before it starts, so with
several schedulers only the first to insert runs that slot; on PostgreSQL an
advisory lock also keeps two runs of one job from overlapping. A failed run is
recorded with its error; the next slot runs again and catches up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
import traceback
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite

from buurthulp.core.models import Heartbeat, JobRun, RunOutcome
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.jobs import JOBS_KEY, Job
from buurthulp.timeutil import LOCAL

log = logging.getLogger(__name__)

HEARTBEAT_NAME = "scheduler"  # the Heartbeat row /healthz reads (buurthulp.health.SCHEDULER_HEARTBEAT)
HEARTBEAT_JOB_ID = "scheduler-heartbeat"
HEARTBEAT_SECONDS = 60


def registered_jobs(app: Flask | None = None) -> dict[str, Job]:
    """Every domain's jobs, by name: ``create_app`` collects the ``JOBS`` of each domain's ``jobs.py``."""
    return dict((app or current_app).extensions[JOBS_KEY])


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"buurthulp-job:{name}".encode()).digest()[:8], "big", signed=True)


def run_job(job: Job, now: datetime | None = None) -> JobRun | None:
    """Run one job for the slot of ``now`` unless that slot already ran; needs an app context."""
    now = now or utcnow()
    slot = job.slot(now)
    engine = db.engine
    lock_conn = None
    if engine.dialect.name == "postgresql":
        lock_conn = engine.connect()
        if not lock_conn.scalar(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": _lock_key(job.name)}):
            lock_conn.close()
            log.info("job %s: another scheduler is running it", job.name)
            return None
    try:
        started = time.perf_counter()
        run = JobRun(job=job.name, slot=slot, started_at=utcnow(), outcome=RunOutcome.RUNNING, counts={}, error="")
        db.session.add(run)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
            log.info("job %s: slot %s already ran", job.name, slot.isoformat())
            return None
        try:
            result = job.func(db.session, now)
            db.session.commit()
        except Exception:  # a job may fail in any way; record it and go on with the next slot
            db.session.rollback()
            run = db.session.get(JobRun, run.id)
            run.outcome, run.error, run.finished_at = RunOutcome.FAILED, traceback.format_exc()[-4000:], utcnow()
            db.session.commit()
            log.exception("job %s failed for slot %s", job.name, slot.isoformat())
            _log_finished(run, started)
            return run
        run.counts = result if isinstance(result, dict) else {"count": int(result or 0)}
        run.outcome, run.finished_at = RunOutcome.OK, utcnow()
        db.session.commit()
        _log_finished(run, started)
        return run
    finally:
        if lock_conn is not None:
            lock_conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_key(job.name)})
            lock_conn.close()


def _log_finished(run: JobRun, started: float) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    log.info("job %s slot %s: %s %s in %s ms", run.job, run.slot.isoformat(), run.outcome, run.counts, duration_ms,
             extra={"job": run.job, "slot": run.slot.isoformat(), "outcome": str(run.outcome), "counts": run.counts,
                    "duration_ms": duration_ms})


def record_heartbeat(session, now: datetime) -> None:
    """Say that the scheduler is alive: one row, written over each minute (not a JobRun: it is no job's slot)."""
    values = {"name": HEARTBEAT_NAME, "beat_at": now, "detail": f"{socket.gethostname()} pid {os.getpid()}"[:200]}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Heartbeat).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["name"], set_={"beat_at": statement.excluded.beat_at, "detail": statement.excluded.detail}))


def build_scheduler(app: Flask, blocking: bool = False, heartbeat: bool = False):
    """An APScheduler with every registered job; each run gets its own app context.

    With ``heartbeat`` (a process that runs it: ``flask scheduler run``, ``make run``) it also records a
    heartbeat every minute, which ``/healthz`` reads.
    """
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=LOCAL)

    def runner(name: str):
        def run():
            with app.app_context():
                run_job(registered_jobs()[name])
                db.session.remove()
        return run

    for job in registered_jobs(app).values():
        scheduler.add_job(runner(job.name), job.trigger(), id=job.name, name=job.name, coalesce=True,
                          max_instances=1, misfire_grace_time=600)
    if heartbeat:
        scheduler.add_job(beat_in(app), "interval", seconds=HEARTBEAT_SECONDS, id=HEARTBEAT_JOB_ID,
                          name=HEARTBEAT_JOB_ID, coalesce=True, max_instances=1, misfire_grace_time=HEARTBEAT_SECONDS,
                          next_run_time=datetime.now(LOCAL) + timedelta(seconds=1))
    return scheduler


def beat_in(app: Flask):
    """The heartbeat job: its own app context and commit."""
    def beat() -> None:
        with app.app_context():
            try:
                record_heartbeat(db.session, utcnow())
                db.session.commit()
            except Exception:  # the database is away: /healthz says so; the next beat tries again
                db.session.rollback()
                log.exception("scheduler heartbeat failed")
            finally:
                db.session.remove()
    return beat


def start_in_process(app: Flask) -> None:
    """Development (``make run``): the scheduler inside the single web process."""
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return  # the reloader's watcher process: only the serving child runs jobs
    scheduler = build_scheduler(app, heartbeat=True)
    scheduler.start()
    app.extensions["buurthulp_scheduler"] = scheduler
    log.info("scheduler started in the web process with %d jobs", len(scheduler.get_jobs()))


def init_cli(app: Flask) -> None:
    group = click.Group("scheduler", help="Run scheduled jobs.")

    @group.command("run")
    def run_scheduler() -> None:
        """Run the scheduler in this process until stopped (the production set-up)."""
        scheduler = build_scheduler(app, blocking=True, heartbeat=True)
        click.echo("scheduler: " + ", ".join(sorted(j.id for j in scheduler.get_jobs())))
        scheduler.start()

    @group.command("run-job")
    @click.argument("name", type=click.Choice(sorted(registered_jobs(app))))
    @click.option("--now", "now_text", default=None, help="ISO time to run as (default: now), e.g. 2026-12-01T09:00+01:00")
    def run_one(name: str, now_text: str | None) -> None:
        """Run one job for the current slot (once per slot, like the scheduler)."""
        now = datetime.fromisoformat(now_text) if now_text else utcnow()
        if now.tzinfo is None:
            now = now.replace(tzinfo=LOCAL)
        run = run_job(registered_jobs()[name], now)
        if run is None:
            click.echo(f"{name}: this slot already ran, or another scheduler runs it now")
            return
        click.echo(f"{name}: {run.outcome} {run.counts}")
        if run.outcome == RunOutcome.FAILED:
            raise click.ClickException(run.error.strip().splitlines()[-1])

    @group.command("list")
    def list_jobs() -> None:
        """List the jobs and when they run."""
        for job in registered_jobs().values():
            when = f"every {job.every_minutes} min" if job.every_minutes else str(job.cron)
            click.echo(f"{job.name:28} {when:28} {job.description}")

    app.cli.add_command(group)

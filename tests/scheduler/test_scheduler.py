"""Jobs run once per time slot, are recorded, and a failure is retried at the next slot."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from buurthulp.core.models import JobRun, RunOutcome
from buurthulp.extensions import db
from buurthulp.jobs import Job
from buurthulp.scheduler import build_scheduler, registered_jobs, run_job
from tests.conftest import IS_SQLITE

NOW = datetime(2026, 12, 1, 9, 17, tzinfo=UTC)


def runs(name):
    return db.session.scalars(sa.select(JobRun).where(JobRun.job == name).order_by(JobRun.id)).all()


def counting_job(calls, name="counting", **kw):
    def func(session, now):
        calls.append(now)
        return {"seen": len(calls)}
    return Job(name, func, every_minutes=60, **kw)


def test_slot_of_interval_jobs():
    job = Job("x", lambda s, n: 0, every_minutes=60)
    assert job.slot(NOW) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert Job("y", lambda s, n: 0, every_minutes=10).slot(NOW) == datetime(2026, 12, 1, 9, 10, tzinfo=UTC)


def test_slot_of_a_monthly_cron_job():
    """The first Monday of the month at 09:00 in Amsterdam (the digest)."""
    job = Job("monthly", lambda s, n: 0, cron={"day": "1-7", "day_of_week": "mon", "hour": 9, "minute": 0})
    # Monday 7 December 2026, 10:00 Amsterdam = 09:00 UTC
    assert job.slot(datetime(2026, 12, 20, tzinfo=UTC)) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_a_slot_runs_once_and_is_recorded(app):
    calls = []
    job = counting_job(calls)
    first = run_job(job, NOW)
    assert first.outcome == RunOutcome.OK and first.counts == {"seen": 1}
    assert first.finished_at is not None
    assert run_job(job, NOW + timedelta(minutes=30)) is None  # same slot
    assert len(calls) == 1
    assert run_job(job, NOW + timedelta(hours=1)).outcome == RunOutcome.OK  # next slot
    assert len(calls) == 2 and len(runs("counting")) == 2


def test_a_failed_run_is_recorded_and_the_next_slot_runs_again(app):
    attempts = []

    def flaky(session, now):
        attempts.append(now)
        if len(attempts) == 1:
            raise RuntimeError("mail server down")
        return 3

    job = Job("flaky", flaky, every_minutes=60)
    failed = run_job(job, NOW)
    assert failed.outcome == RunOutcome.FAILED and "mail server down" in failed.error
    assert run_job(job, NOW + timedelta(minutes=5)) is None  # the failed slot is not run again
    retried = run_job(job, NOW + timedelta(hours=1))
    assert retried.outcome == RunOutcome.OK and retried.counts == {"count": 3}


def test_a_failed_job_leaves_no_half_work(app):
    from tests.factories import make_neighbourhood

    def half(session, now):
        make_neighbourhood("Half")
        raise RuntimeError("boom")

    run_job(Job("half", half, every_minutes=60), NOW)
    from buurthulp.neighbourhoods.models import Neighbourhood
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Neighbourhood)) == 0


@pytest.mark.skipif(IS_SQLITE,
                    reason="needs PostgreSQL: two schedulers against one database (runs in CI's PostgreSQL step)")
def test_two_schedulers_run_one_slot_once(app):
    calls, barrier = [], threading.Barrier(2)

    def slow(session, now):
        calls.append(now)
        return 1

    job = Job("shared", slow, every_minutes=60)
    results = []

    def scheduler_instance():
        with app.app_context():
            barrier.wait()
            results.append(run_job(job, NOW))
            db.session.remove()

    threads = [threading.Thread(target=scheduler_instance) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)  # a limit for a hung scheduler only: a busy machine may take more than a few seconds
    assert len(calls) == 1
    assert sorted(r is None for r in results) == [False, True]
    assert len(runs("shared")) == 1


def test_every_registered_job_runs_on_an_empty_database_and_twice_is_harmless(app):
    for job in registered_jobs().values():
        assert run_job(job, NOW).outcome == RunOutcome.OK, job.name
        assert run_job(job, NOW) is None


def test_build_scheduler_registers_every_job(app):
    scheduler = build_scheduler(app)
    assert {j.id for j in scheduler.get_jobs()} == set(registered_jobs())


def test_cli_run_job(app, runner):
    result = runner.invoke(args=["scheduler", "run-job", "expire_posts", "--now", "2026-12-01T10:05"])
    assert result.exit_code == 0 and "ok" in result.output
    result = runner.invoke(args=["scheduler", "run-job", "expire_posts", "--now", "2026-12-01T10:35"])
    assert "already ran" in result.output
    assert runner.invoke(args=["scheduler", "list"]).exit_code == 0


def test_admin_jobs_page(app, client):
    from tests.factories import make_neighbour

    make_neighbour(None, email="admin@example.org", is_admin=True)
    make_neighbour(None, email="ria@example.org")
    db.session.commit()
    run_job(Job("flaky", lambda s, n: 1 / 0, every_minutes=60), NOW)
    assert client.get("/admin/jobs").status_code == 302
    client.login("ria@example.org")
    assert client.get("/admin/jobs").status_code == 403
    client.logout()
    client.login("admin@example.org")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "ZeroDivisionError" in page and "expire_posts" in page


def test_the_scheduler_is_built_outside_an_app_context(app):
    """make run builds its in-process scheduler while create_app runs, before any app context exists."""
    built = []
    thread = threading.Thread(target=lambda: built.append(build_scheduler(app, heartbeat=True)))
    thread.start()
    thread.join(timeout=60)
    (scheduler,) = built
    assert {j.id for j in scheduler.get_jobs()} >= set(registered_jobs(app))

"""/healthz: 200 when the database, migrations, scheduler and mail queue are fine; 503 and which check failed."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp import health
from buurthulp.core.models import Heartbeat, JobRun
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.outbox import MailStatus, OutboxMail
from buurthulp.scheduler import HEARTBEAT_JOB_ID, build_scheduler

RECIPIENT = "ria.de.vries@example.org"


@pytest.fixture
def stamp(app):
    """``flask db stamp`` for a test database made by create_all: an alembic_version table with the given
    revisions (head by default). Written directly: alembic's env.py would reconfigure logging for the process."""
    db.session.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
    db.session.commit()

    def stamp_as(*revisions: str) -> None:
        db.session.execute(sa.text("DELETE FROM alembic_version"))
        for revision in revisions or heads():
            db.session.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": revision})
        db.session.commit()

    stamp_as()
    yield stamp_as
    db.session.rollback()
    db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))  # not in the metadata: tests never empty it
    db.session.commit()


def heads() -> frozenset[str]:
    from flask import current_app
    return health.migration_heads(current_app.extensions["migrate"].directory)


def beat(age_seconds: int = 0) -> None:
    db.session.merge(Heartbeat(name="scheduler", beat_at=utcnow() - timedelta(seconds=age_seconds), detail="test"))
    db.session.commit()


def queue_mail(age_seconds: int, n: int = 1, **kw) -> None:
    db.session.add(OutboxMail(to_address=RECIPIENT, subject="Welkom", text="Hallo Ria", html="<p>Hallo Ria</p>",
                              headers={}, message_id=f"<{n}-{age_seconds}@buurthulp.test>",
                              created_at=utcnow() - timedelta(seconds=age_seconds), **kw))
    db.session.commit()


def get_health(client):
    response = client.get("/healthz")
    assert response.mimetype == "application/json"
    return response, response.get_json()


def test_all_fine_is_200_for_anyone_without_a_session(app, client, stamp):
    app.config["HEALTH_EXPECT_SCHEDULER"] = True
    beat(age_seconds=30)
    queue_mail(age_seconds=60)
    response, body = get_health(client)
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    checks = body["checks"]
    assert checks["database"] == {"status": "ok"}
    assert checks["migrations"]["status"] == "ok" and checks["migrations"]["revision"] == checks["migrations"]["head"]
    assert checks["scheduler"]["status"] == "ok" and 30 <= checks["scheduler"]["last_beat_age_seconds"] < 90
    assert checks["mail"]["status"] == "ok" and checks["mail"]["waiting"] == 1
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert RECIPIENT not in response.get_data(as_text=True)


def test_a_test_database_without_migrations_is_unknown_not_failing(client):
    response, body = get_health(client)
    assert response.status_code == 200
    assert body["checks"]["migrations"]["status"] == "unknown"
    # no scheduler is expected in tests: its missing heartbeat is not held against the site
    assert body["checks"]["scheduler"] == {"status": "unknown", "expected": False, "last_beat_age_seconds": None,
                                           "max_age_seconds": 300}


def test_without_alembic_version_outside_tests_migrations_fail(app):
    check = health.migrations(db.session, heads(), missing_ok=False)
    assert check["status"] == "failing" and check["revision"] is None


def test_migrations_behind_is_503(client, stamp):
    stamp("0001")
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["status"] == "failing" and body["failing"] == ["migrations"]
    assert body["checks"]["migrations"]["revision"] == "0001"


@pytest.mark.parametrize("age", [None, 301, 3600])
def test_a_missing_or_old_heartbeat_is_503_when_a_scheduler_is_expected(app, client, stamp, age):
    app.config["HEALTH_EXPECT_SCHEDULER"] = True
    if age is not None:
        beat(age_seconds=age)
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["failing"] == ["scheduler"]
    assert body["checks"]["scheduler"]["last_beat_age_seconds"] == (None if age is None else pytest.approx(age, abs=5))


def test_an_old_heartbeat_is_no_failure_when_no_scheduler_is_expected(app, client, stamp):
    beat(age_seconds=3600)
    response, body = get_health(client)
    assert response.status_code == 200
    assert body["checks"]["scheduler"]["status"] == "unknown"


def test_the_heartbeat_age_limit_is_configurable(app, client, stamp):
    app.config.update(HEALTH_EXPECT_SCHEDULER=True, HEALTH_HEARTBEAT_MAX_AGE_SECONDS=30)
    beat(age_seconds=60)
    assert client.get("/healthz").status_code == 503


def test_mail_waiting_too_long_is_503_and_names_nobody(app, client, stamp):
    queue_mail(age_seconds=60, n=1)
    queue_mail(age_seconds=901, n=2)
    queue_mail(age_seconds=5000, n=3, status=MailStatus.SENT, sent_at=utcnow())  # sent: not waiting
    response, body = get_health(client)
    assert response.status_code == 503
    assert body["failing"] == ["mail"]
    assert body["checks"]["mail"]["waiting"] == 2
    assert body["checks"]["mail"]["oldest_age_seconds"] == pytest.approx(901, abs=5)
    text = response.get_data(as_text=True)
    assert RECIPIENT not in text and "Ria" not in text and "Welkom" not in text


def test_not_rate_limited_and_not_blocked_for_a_logged_in_neighbour(app, client, stamp):
    from tests.factories import make_neighbour, make_neighbourhood
    make_neighbour(make_neighbourhood(), email="els@example.org")
    db.session.commit()
    client.login("els@example.org")
    assert all(client.get("/healthz").status_code == 200 for _ in range(50))


def test_a_check_that_raises_is_failing_and_the_others_still_run(app, monkeypatch):
    def broken(session, now, max_age_seconds):
        raise sa.exc.OperationalError("SELECT", {}, Exception("no such table"))

    monkeypatch.setattr(health, "mail", broken)
    report = health.check_all(db.session, utcnow(), app.config, heads(), missing_ok=True)
    assert report["status"] == "failing" and report["failing"] == ["mail"]
    assert report["checks"]["mail"] == {"status": "failing", "error": "OperationalError"}
    assert report["checks"]["database"] == {"status": "ok"}


def test_an_unreachable_database_fails_and_skips_the_rest(app, monkeypatch):
    def down(session):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(health, "database", down)
    report = health.check_all(db.session, utcnow(), app.config, heads())
    assert report["failing"] == ["database"]
    assert {name: c["status"] for name, c in report["checks"].items()} == {
        "database": "failing", "migrations": "unknown", "scheduler": "unknown", "mail": "unknown"}


def test_the_checks_take_now(app):
    queue_mail(age_seconds=0)
    later = utcnow() + timedelta(hours=1)
    assert health.mail(db.session, later, 900)["status"] == "failing"
    assert health.mail(db.session, utcnow(), 900)["status"] == "ok"
    beat()
    assert health.scheduler(db.session, later, 300)["status"] == "failing"
    assert health.scheduler(db.session, utcnow(), 300)["status"] == "ok"


def test_the_scheduler_process_records_its_heartbeat(app):
    assert build_scheduler(app).get_job(HEARTBEAT_JOB_ID) is None  # only a process that runs the scheduler beats
    job = build_scheduler(app, heartbeat=True).get_job(HEARTBEAT_JOB_ID)
    assert job is not None and job.trigger.interval == timedelta(minutes=1)
    job.func()
    first = db.session.scalar(sa.select(Heartbeat.beat_at).where(Heartbeat.name == "scheduler"))
    assert first is not None and utcnow() - first < timedelta(seconds=10)
    job.func()  # written over, not added
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Heartbeat)) == 1
    assert db.session.scalar(sa.select(Heartbeat.beat_at).where(Heartbeat.name == "scheduler")) >= first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0
    assert health.scheduler(db.session, utcnow(), 300)["status"] == "ok"

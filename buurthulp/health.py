"""Is the site running as it should? The checks behind ``/healthz``, for a monitor, not for people.

Each check takes the session (and ``now``) and returns a plain dict with a ``status``: ``ok``, ``failing``,
or ``unknown`` (could not tell, and not held against the site). Only counts, ages and revisions: nothing
about a person.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from buurthulp.core.models import Heartbeat
from buurthulp.outbox import waiting

log = logging.getLogger(__name__)

OK, FAILING, UNKNOWN = "ok", "failing", "unknown"
SCHEDULER_HEARTBEAT = "scheduler"  # the Heartbeat row the scheduler process keeps fresh


@lru_cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revision(s) of the migration scripts; read once per process, as they change only with the code."""
    return frozenset(ScriptDirectory(directory).get_heads())


def database(session) -> dict:
    """The database answers."""
    session.execute(sa.text("SELECT 1"))
    return {"status": OK}


def migrations(session, heads: frozenset[str], missing_ok: bool = False) -> dict:
    """The database is at the head of the migration scripts (``flask db upgrade`` ran for this code).

    A database without ``alembic_version`` was made by ``db.create_all()`` (the tests); ``missing_ok`` says
    that is expected, else it fails: nothing would say when its schema falls behind.
    """
    if not sa.inspect(session.connection()).has_table("alembic_version"):
        return {"status": UNKNOWN if missing_ok else FAILING, "revision": None, "head": _joined(heads)}
    current = frozenset(session.scalars(sa.text("SELECT version_num FROM alembic_version")).all())
    return {"status": OK if current == heads else FAILING, "revision": _joined(current), "head": _joined(heads)}


def scheduler(session, now: datetime, max_age_seconds: int, expected: bool = True) -> dict:
    """The scheduler process beat within ``max_age_seconds``; without ``expected`` a stale beat is no failure."""
    beat_at = session.scalar(sa.select(Heartbeat.beat_at).where(Heartbeat.name == SCHEDULER_HEARTBEAT))
    age = _age(now, beat_at)
    if age is not None and age <= max_age_seconds:
        status = OK
    else:
        status = FAILING if expected else UNKNOWN
    return {"status": status, "expected": expected, "last_beat_age_seconds": age, "max_age_seconds": max_age_seconds}


def mail(session, now: datetime, max_age_seconds: int) -> dict:
    """No mail waits to be sent longer than ``max_age_seconds``."""
    count, oldest = waiting(session)
    age = _age(now, oldest)
    status = FAILING if age is not None and age > max_age_seconds else OK
    return {"status": status, "waiting": count, "oldest_age_seconds": age, "max_age_seconds": max_age_seconds}


def check_all(session, now: datetime, config: Mapping, heads: frozenset[str], missing_ok: bool = False) -> dict:
    """Every check: ``{"status": "ok" | "failing", "checks": {...}}``; a check that raises is failing."""
    checks = {}
    try:
        checks["database"] = database(session)
    except Exception as exc:  # unreachable in any way: that is the answer, the other checks cannot run
        session.rollback()
        log.warning("health: the database does not answer", exc_info=True)
        checks["database"] = {"status": FAILING, "error": type(exc).__name__}
        for name in ("migrations", "scheduler", "mail"):
            checks[name] = {"status": UNKNOWN}
    else:
        for name, check in (
            ("migrations", lambda: migrations(session, heads, missing_ok)),
            ("scheduler", lambda: scheduler(session, now, config["HEALTH_HEARTBEAT_MAX_AGE_SECONDS"],
                                            config["HEALTH_EXPECT_SCHEDULER"])),
            ("mail", lambda: mail(session, now, config["HEALTH_MAIL_MAX_AGE_SECONDS"])),
        ):
            try:
                checks[name] = check()
            except Exception as exc:  # a missing table, a broken query: report it, and check the rest
                session.rollback()
                log.warning("health: the %s check failed", name, exc_info=True)
                checks[name] = {"status": FAILING, "error": type(exc).__name__}
    failing = sorted(name for name, check in checks.items() if check["status"] == FAILING)
    return {"status": FAILING if failing else OK, "failing": failing, "checks": checks}


def _age(now: datetime, then: datetime | None) -> int | None:
    if then is None:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return max(0, int((now - then).total_seconds()))


def _joined(revisions) -> str | None:
    return ",".join(sorted(revisions)) or None

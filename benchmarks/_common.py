"""Shared pieces of the benchmark scripts: a scratch PostgreSQL database and timing helpers."""

from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/buurthulp_bench"


def scratch_database(url: str | None = None) -> str:
    """(Re)create an empty database for a benchmark and return its URL."""
    url = url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and os.path.exists(parsed.database):
            os.remove(parsed.database)
        return url
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return url


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms   p95 {percentile(values, 95) * 1000:7.1f} ms"


@contextmanager
def timed(label: str):
    start = time.perf_counter()
    yield
    print(f"{label}: {time.perf_counter() - start:.1f} s", flush=True)


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __call__(self, *args):
        self.count += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self)

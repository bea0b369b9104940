"""Worlds built once per test process and copied into each test's own database.

A test still gets a new app and an empty database of its own; what it no longer pays is making the same
schema and the same world again. The first test (in each pytest-xdist worker) that asks for a world
builds it; later ones get a copy of its rows: on SQLite the whole in-memory database is copied (sqlite3's
backup, about a millisecond), on PostgreSQL the rows and sequence positions are put back. A test may
change its copy as it likes: the next test gets a fresh one.
"""

from __future__ import annotations

import copy
import dataclasses
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app

from buurthulp.extensions import db
from buurthulp.timeutil import local_today

T = TypeVar("T")


def in_memory_sqlite() -> bool:
    url = db.engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _copy_sqlite(source: sqlite3.Connection | None, target: sqlite3.Connection | None) -> None:
    """Copy one SQLite database over another (``None``: this test's database)."""
    db.session.close()  # no transaction of this test's session may be open on it
    raw = db.engine.raw_connection()
    try:
        (source or raw.driver_connection).backup(target or raw.driver_connection)
    finally:
        raw.close()


_empty_schema: list[sqlite3.Connection] = []  # in-memory SQLite with every table and trigger, and no rows


def create_tables() -> None:
    """The schema in this test's database; an in-memory SQLite one gets a copy of the schema made once
    (``create_all`` costs more than the rest of an app together)."""
    if not in_memory_sqlite():
        # The tables stay between tests (emptied, not dropped): one query to see they are all there, where
        # create_all asks after each table (about 20 ms a test on PostgreSQL).
        if db.engine.dialect.name != "postgresql" or db.session.scalar(sa.text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")) != len(db.metadata.tables):
            db.create_all()
        db.session.close()
        return
    if _empty_schema:
        _copy_sqlite(_empty_schema[0], None)
        return
    db.create_all()
    copy_of_schema = sqlite3.connect(":memory:", check_same_thread=False)
    _copy_sqlite(None, copy_of_schema)
    _empty_schema.append(copy_of_schema)


def is_empty() -> bool:
    """Whether no table of this test's database holds a row."""
    tables = [t.name for t in db.metadata.sorted_tables]
    filled = db.session.scalar(sa.text("SELECT " + " OR ".join(f'EXISTS (SELECT 1 FROM "{t}")' for t in tables)))
    db.session.close()
    return not filled


@dataclass
class _Copy:
    value: object
    sqlite: sqlite3.Connection | None = None                          # SQLite: the whole database
    rows: dict[str, list[dict]] = field(default_factory=dict)         # PostgreSQL: each table's rows
    sequences: dict[str, int] = field(default_factory=dict)           # PostgreSQL: sequence -> last value
    mail: dict[str, bytes] = field(default_factory=dict)              # outbox file -> its bytes


_copies: dict[tuple, _Copy] = {}


def _outbox() -> Path:
    return Path(current_app.config["MAIL_OUTBOX_DIR"])


def _mail_files() -> dict[str, bytes]:
    folder = _outbox()
    return {p.name: p.read_bytes() for p in folder.glob("*")} if folder.exists() else {}


def _take(value: object, mail: dict[str, bytes]) -> _Copy:
    taken = _Copy(value=value, mail=mail)
    if db.engine.dialect.name == "sqlite":
        taken.sqlite = sqlite3.connect(":memory:", check_same_thread=False)
        _copy_sqlite(None, taken.sqlite)
        return taken
    for table in db.metadata.sorted_tables:
        rows = [dict(row._mapping) for row in db.session.execute(sa.select(table))]
        if rows:
            taken.rows[table.name] = rows
    taken.sequences = dict(db.session.execute(sa.text(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
    )).all())
    db.session.close()
    return taken


def _put_back(taken: _Copy) -> None:
    if taken.sqlite is not None:
        _copy_sqlite(taken.sqlite, None)
    else:
        # foreign keys and the ledger's triggers off while the rows go in (the role empty_database() uses)
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for table in db.metadata.sorted_tables:
            if table.name in taken.rows:
                db.session.execute(table.insert(), taken.rows[table.name])
        for name, last_value in taken.sequences.items():
            db.session.execute(sa.text("SELECT setval(format('%I', CAST(:name AS text))::regclass, :value, true)"),
                               {"name": name, "value": last_value})
        db.session.commit()
        db.session.close()
    if taken.mail:
        folder = _outbox()
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in taken.mail.items():
            (folder / name).write_bytes(content)


@dataclass(frozen=True)
class _Row:
    model: type
    identity: tuple


def _plain(value):
    """``value`` with each ORM object in it (in dicts, lists, tuples, dataclasses, namespaces) as its row's key."""
    if hasattr(type(value), "__mapper__"):
        state = sa.inspect(value)
        assert state.persistent, f"a world hands out saved rows only, not {value!r}"
        return _Row(type(value), state.identity)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, SimpleNamespace) or dataclasses.is_dataclass(value) and not isinstance(value, type):
        plain = copy.copy(value)
        plain.__dict__.update({k: _plain(v) for k, v in vars(value).items()})
        return plain
    return copy.deepcopy(value)


def _objects(plain):
    """The inverse of ``_plain``: each row loaded in this test's session."""
    if isinstance(plain, _Row):
        return db.session.get(plain.model, plain.identity)
    if isinstance(plain, dict):
        return {k: _objects(v) for k, v in plain.items()}
    if isinstance(plain, list | tuple):
        return type(plain)(_objects(v) for v in plain)
    if isinstance(plain, SimpleNamespace) or dataclasses.is_dataclass(plain) and not isinstance(plain, type):
        value = copy.copy(plain)
        value.__dict__.update({k: _objects(v) for k, v in vars(plain).items()})
        return value
    return copy.deepcopy(plain)


def built_once(name: str, build: Callable[[], T]) -> T:
    """The world ``build()`` makes, in this test's empty database: built by the first test of this process
    that asks for ``name``, copied for every later one.

    What ``build`` returns (ORM objects, also inside dicts, lists, dataclasses and namespaces, and plain
    values) is handed to each test with the objects loaded in the test's own session. The world must not
    depend on the test's configuration, and mail it sends must go to the outbox folder (which is copied
    too), not to an SMTP server. When another fixture made rows first, the world is built on top of them,
    as without the copy.
    """
    if not is_empty():
        value = build()
        db.session.commit()
        return value
    key = (name, local_today())  # worlds are made relative to today
    taken = _copies.get(key)
    if taken is None:
        mail_before = _mail_files()
        value = build()
        db.session.commit()
        mail = {n: content for n, content in _mail_files().items() if n not in mail_before}
        taken = _copies[key] = _take(_plain(value), mail)
    else:
        _put_back(taken)
    db.session.close()  # every test starts from an empty session, whether it built the world or not
    return _objects(taken.value)

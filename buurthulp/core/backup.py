"""`flask backup create` and `flask backup restore`: the database and the instance's secret key in one file.

A backup is a gzipped tar archive (``buurthulp-backup-YYYYmmdd-HHMMSS.tar.gz``) that any archive tool opens:

    buurthulp-backup.json  what is inside: when it was made, which database, its migration, the rows of each table
    database.sqlite        an SQLite database, copied with sqlite3's online backup while the app runs, or
    database.pgdump        a PostgreSQL dump (pg_dump --format=custom), read by pg_restore
    secret_key             the instance's secret key, where the instance has one (development keeps it there)
    README.txt             how to restore it

A restore goes into an empty database only, and counts the rows of every table afterwards against the backup's.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import NullPool

from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.timeutil import to_local

FORMAT = 1
MANIFEST = "buurthulp-backup.json"
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
SECRET_KEY = "secret_key"
KEPT_EMPTY = {"alembic_version"}  # `flask db upgrade` on a new database fills it; the restore replaces it

README = """\
A backup of a buurthulp database, made {created} by `flask backup create`.

{database_file}  the {backend} database ({tables} tables, {rows} rows)
{secret_line}{manifest}  what is inside, and the rows of each table

To restore it: make a new, empty database, point DATABASE_URL at it, and run

    flask backup restore {name}

then `flask db upgrade`. The README of buurthulp ("Running in production") has the steps.
"""


class BackupError(click.ClickException):
    """A backup or restore that cannot go on; its message is one line for the operator (exit status 1)."""


@dataclass
class Backup:
    path: Path
    size: int
    backend: str
    rows: dict[str, int]
    secret_key: bool


@dataclass
class Restored:
    backend: str
    rows: dict[str, int]
    revision: str | None
    secret_key: str
    created_at: str


def row_counts(conn: sa.Connection) -> dict[str, int]:
    """The number of rows of every table in the database, by table name."""
    quote = conn.dialect.identifier_preparer.quote
    return {name: conn.scalar(sa.text(f"SELECT count(*) FROM {quote(name)}"))
            for name in sorted(sa.inspect(conn).get_table_names())}


def filled_tables(engine: Engine) -> list[str]:
    """The tables that hold rows, besides alembic_version."""
    with engine.connect() as conn:
        quote = conn.dialect.identifier_preparer.quote
        return [name for name in sorted(sa.inspect(conn).get_table_names())
                if name not in KEPT_EMPTY and conn.scalar(sa.text(f"SELECT EXISTS (SELECT 1 FROM {quote(name)})"))]


def default_name(now: datetime) -> str:
    """buurthulp-backup-YYYYmmdd-HHMMSS.tar.gz, in local time."""
    return f"buurthulp-backup-{to_local(now):%Y%m%d-%H%M%S}.tar.gz"


def backup_path(path: Path | None, now: datetime) -> Path:
    """The file to write: ``path``, or the default name in ``path`` when it is a folder (or here, without one)."""
    if path is None:
        return Path.cwd() / default_name(now)
    if path.is_dir():
        return path / default_name(now)
    return path


def human_size(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def create_backup(engine: Engine, instance: Path, target: Path, now: datetime) -> Backup:
    """Write the database and the instance's secret key into the archive ``target`` (never over a file)."""
    backend = _backend(engine)
    if target.exists():
        raise BackupError(f"{target} exists already; give another file name or a folder")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder")
    if backend == "postgresql":
        _pg_tool("pg_dump")  # before anything is written
    secret = instance / SECRET_KEY
    has_secret = secret.is_file()
    # Written next to the target and renamed when complete: a backup cut short never carries the final name.
    with tempfile.TemporaryDirectory(prefix=".buurthulp-backup-", dir=target.parent) as scratch:
        database = Path(scratch) / DATABASE_FILES[backend]
        rows = _dump_sqlite(engine, database) if backend == "sqlite" else _dump_postgresql(engine, database)
        with engine.connect() as conn:
            revision = _revision(conn)
        manifest = {
            "buurthulp_backup": FORMAT,
            "created_at": now.isoformat(timespec="seconds"),
            "database": backend,
            "database_file": database.name,
            "alembic_revision": revision,
            "secret_key": has_secret,
            "rows": rows,
        }
        readme = README.format(
            created=f"{to_local(now):%Y-%m-%d %H:%M}", database_file=database.name, backend=backend,
            tables=len(rows), rows=sum(rows.values()), manifest=MANIFEST, name=target.name,
            secret_line=f"{SECRET_KEY}  the secret key of the instance folder\n" if has_secret else "",
        )
        database.chmod(0o600)
        partial = Path(scratch) / "backup.tar.gz"
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode(), now)
            _add_bytes(tar, "README.txt", readme.encode(), now)
            tar.add(database, arcname=database.name)
            if has_secret:
                _add_bytes(tar, SECRET_KEY, secret.read_bytes(), now)
        partial.chmod(0o600)  # personal data of every neighbour
        if target.exists():
            raise BackupError(f"{target} appeared while the backup was made; not overwritten")
        partial.rename(target)
    return Backup(target, target.stat().st_size, backend, rows, has_secret)


def restore_backup(engine: Engine, instance: Path, source: Path) -> Restored:
    """Restore the archive ``source`` into the (empty) database and, when the instance has none, its secret key."""
    backend = _backend(engine)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    with tempfile.TemporaryDirectory(prefix="buurthulp-restore-") as scratch:
        manifest = _unpack(source, Path(scratch))
        if manifest["database"] != backend:
            raise BackupError(f"{source.name} holds a {manifest['database']} database; DATABASE_URL is {backend}: "
                              f"restore it into a {manifest['database']} database")
        if backend == "postgresql":
            _pg_tool("pg_restore")
        filled = filled_tables(engine)
        if filled:
            shown = ", ".join(filled[:5]) + (f" and {len(filled) - 5} more" if len(filled) > 5 else "")
            raise BackupError(f"the database {_shown(engine.url)} is not empty (rows in {shown}); "
                              "restore into a new, empty database")
        database = Path(scratch) / DATABASE_FILES[backend]
        if backend == "sqlite":
            _restore_sqlite(engine, database)
        else:
            _restore_postgresql(engine, database)
        engine.dispose()  # connections opened before the restore may remember the old schema
        with engine.connect() as conn:
            rows = row_counts(conn)
            revision = _revision(conn)
        expected = manifest.get("rows") or {}
        differ = [f"{t} {rows.get(t, 'missing')} (backup: {n})" for t, n in expected.items() if rows.get(t) != n]
        if differ:
            raise BackupError("restored, but the rows differ from the backup's: " + "; ".join(differ))
        secret_key = _restore_secret_key(Path(scratch) / SECRET_KEY, instance)
    return Restored(backend, rows, revision, secret_key, _local_time(manifest.get("created_at")))


def _backend(engine: Engine) -> str:
    backend = engine.url.get_backend_name()
    if backend not in DATABASE_FILES:
        raise BackupError(f"cannot back up a {backend} database: only SQLite and PostgreSQL")
    return backend


def _local_time(iso: str | None) -> str:
    try:
        return f"{to_local(datetime.fromisoformat(iso)):%Y-%m-%d %H:%M}"
    except (TypeError, ValueError):
        return "at an unknown time"


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.scalar(sa.text("SELECT version_num FROM alembic_version"))


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, now: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def _unpack(source: Path, into: Path) -> dict:
    """The manifest, with the database file (and the secret key, if any) written into ``into``."""
    try:
        with tarfile.open(source, "r:*") as tar:
            manifest = json.loads(_member(tar, MANIFEST, source))
            if not isinstance(manifest, dict) or manifest.get("buurthulp_backup") != FORMAT or manifest.get("database") not in DATABASE_FILES:
                raise BackupError(f"{source.name} is not a backup this version of buurthulp can read")
            # only the members named here, each into a file of our choosing: no path in the archive is followed
            name = DATABASE_FILES[manifest["database"]]
            (into / name).write_bytes(_member(tar, name, source))
            if manifest.get("secret_key"):
                (into / SECRET_KEY).write_bytes(_member(tar, SECRET_KEY, source))
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        reason = str(error).splitlines()[0].rstrip(":") if str(error) else type(error).__name__
        raise BackupError(f"{source.name} is not a readable buurthulp backup ({reason})") from None
    return manifest


def _member(tar: tarfile.TarFile, name: str, source: Path) -> bytes:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(f"{source.name} is not a buurthulp backup: it has no {name}") from None
    extracted = tar.extractfile(member) if member.isfile() else None
    if extracted is None:
        raise BackupError(f"{source.name} is not a buurthulp backup: {name} is not a file")
    return extracted.read()


def _dump_sqlite(engine: Engine, target: Path) -> dict[str, int]:
    """A consistent copy through sqlite3's online backup (the source is read in one step)."""
    copy = sqlite3.connect(target)
    raw = engine.raw_connection()
    try:
        raw.driver_connection.backup(copy)
    finally:
        raw.close()
        copy.close()
    reader = sa.create_engine(f"sqlite:///{target}", poolclass=NullPool)
    try:
        with reader.connect() as conn:
            return row_counts(conn)
    finally:
        reader.dispose()


def _restore_sqlite(engine: Engine, source: Path) -> None:
    """The backup's pages over the target's, through the same online backup."""
    backup = sqlite3.connect(source)
    raw = engine.raw_connection()
    try:
        backup.backup(raw.driver_connection)
    finally:
        raw.close()
        backup.close()


def _dump_postgresql(engine: Engine, target: Path) -> dict[str, int]:
    """pg_dump from the snapshot the rows are counted in, so that the counts are those of the dump."""
    pg_dump = _pg_tool("pg_dump")
    conninfo, env = _libpq(engine.url)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.scalar(sa.text("SELECT pg_export_snapshot()"))
            rows = row_counts(conn)
            # the snapshot lives as long as this transaction: pg_dump runs inside it
            _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={target}",
                  f"--dbname={conninfo}"], env)
    return rows


def _restore_postgresql(engine: Engine, source: Path) -> None:
    """pg_restore in one transaction; --clean replaces the empty tables `flask db upgrade` may have made."""
    pg_restore = _pg_tool("pg_restore")
    conninfo, env = _libpq(engine.url)
    engine.dispose()
    _run([pg_restore, "--no-owner", "--no-acl", "--clean", "--if-exists", "--single-transaction", "--no-password",
          f"--dbname={conninfo}", str(source)], env)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found on the PATH: install the PostgreSQL client tools "
                          "(apt-get install postgresql-client) of the server's version")
    return path


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as a libpq connection string, and an environment with its password (not on a command line)."""
    params = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    params.update(url.query)  # the psycopg driver hands the URL's query (host=/run/postgresql, sslmode=...) to libpq
    conninfo = " ".join(f"{key}={_libpq_quote(str(value))}" for key, value in params.items()
                        if value not in (None, "") and not isinstance(value, tuple))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return conninfo, env


def _libpq_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()]
        reason = (errors or lines or [f"exit status {result.returncode}"])[0]
        raise BackupError(f"{Path(command[0]).name} failed: {reason}")


def _restore_secret_key(source: Path, instance: Path) -> str:
    """Put the backup's secret key into the instance folder when it has none; never over one."""
    if not source.is_file():
        return "the backup holds no secret key"
    target = instance / SECRET_KEY
    if target.exists():
        if target.read_bytes().strip() == source.read_bytes().strip():
            return f"secret key: {target} is the backup's already"
        return (f"secret key: kept {target}, which differs from the backup's (never overwritten; to use the backup's, "
                f"stop the app and replace it with the secret_key in the backup: tar -xzf BACKUP -C {instance} secret_key)")
    instance.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        file.write(source.read_bytes())
    return f"secret key restored to {target}"


backup = AppGroup("backup", help="Back up the database and the secret key into one file, and restore them.")


@backup.command("create")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def create_command(path: Path | None) -> None:
    """Back up the database and the instance's secret key into one .tar.gz file.

    PATH is the file to write, or a folder to write it in; without it,
    buurthulp-backup-YYYYmmdd-HHMMSS.tar.gz in the current folder. A file
    that exists is never overwritten.
    """
    now = utcnow()
    made = create_backup(db.engine, Path(current_app.instance_path), backup_path(path, now).absolute(), now)
    what = f"{made.backend} database, {len(made.rows)} tables, {_rows(sum(made.rows.values()))}"
    if made.secret_key:
        what += ", and the secret key"
    click.echo(f"backup written: {made.path} ({human_size(made.size)}): {what}")


@backup.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
def restore_command(path: Path) -> None:
    """Restore a backup of `flask backup create` into an empty database.

    Refuses a database that holds rows. The secret key goes into the instance
    folder only when it has none. Run `flask db upgrade` afterwards.
    """
    db.session.remove()  # no transaction of this process may stay open on the database being replaced
    done = restore_backup(db.engine, Path(current_app.instance_path), path)
    click.echo(f"restored {path.name} (made {done.created_at}) into {_shown(db.engine.url)}: "
               f"{len(done.rows)} tables, {_rows(sum(done.rows.values()))}, as many as in the backup")
    click.echo(done.secret_key)
    click.echo(f"database revision {done.revision or '(none)'}: run `flask db upgrade` before starting the app")

"""`flask backup create` and `flask backup restore`: the demo neighbourhood into a backup and back out again.

On SQLite always; on PostgreSQL too when DATABASE_URL is a PostgreSQL URL (with pg_dump and pg_restore on the
PATH: without them the PostgreSQL cases skip, and fail in CI). Every database here is a scratch one of its own
(a file, or a PostgreSQL database named after the test database, so "test" is in its name), dropped afterwards.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import config
from buurthulp import create_app
from buurthulp.core.cli import DEMO_PASSWORD, load_demo
from buurthulp.extensions import db
from config import TestConfig
from tests.conftest import Client

IN_CI = os.environ.get("CI", "").lower() == "true"
ON_POSTGRESQL = TestConfig.SQLALCHEMY_DATABASE_URI.startswith("postgresql")
NEEDS_POSTGRESQL = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="PostgreSQL backups: run with DATABASE_URL=postgresql+psycopg://.../..._test")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=NEEDS_POSTGRESQL)]


@pytest.fixture
def scratch(tmp_path):
    """``scratch(backend, name)``: the URL of a new, blank database; PostgreSQL ones are dropped afterwards."""
    made: list[str] = []

    def new(backend: str, name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / name}.sqlite"
        missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
        if missing:
            message = f"{' and '.join(missing)} not on the PATH (apt-get install postgresql-client)"
            if IN_CI:
                pytest.fail(message)  # CI's machine has them: missing there is a fault, not a reason to skip
            pytest.skip(message)
        url = make_url(TestConfig.SQLALCHEMY_DATABASE_URI)
        database = f"{url.database}_backup_{name}_{os.getpid()}"
        assert "test" in database
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"')
        made.append(database)
        return url.set(database=database).render_as_string(hide_password=False)

    yield new
    for database in made:
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _admin(*statements: str) -> None:
    admin = sa.create_engine(make_url(TestConfig.SQLALCHEMY_DATABASE_URI).set(database="postgres"),
                             isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))
    finally:
        admin.dispose()


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """``make_app(url, name)``: an app on that database with an instance folder of its own (tmp_path/name)."""
    apps = []

    def make(url: str, name: str):
        instance = tmp_path / name
        monkeypatch.setattr(config, "INSTANCE_DIR", instance)  # create_app reads it for the instance folder
        app = create_app(type("BackupTestConfig", (TestConfig,), {
            "SQLALCHEMY_DATABASE_URI": url, "MAIL_OUTBOX_DIR": str(instance / "outbox")}))
        assert Path(app.instance_path) == instance
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def with_demo(app):
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
        db.session.remove()
    return app


def counts(app) -> dict[str, int]:
    """The rows of every table of the models."""
    with app.app_context():
        try:
            return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
                    for t in db.metadata.sorted_tables}
        finally:
            db.session.remove()


def flask(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def posts_on_feed(app, email: str) -> set[str]:
    """The posts the feed shows a demo neighbour."""
    with app.app_context():
        client = Client(app)
        client.login(email, DEMO_PASSWORD)
        page = client.get("/posts")
        assert page.status_code == 200
        db.session.remove()
        return set(re.findall(r'href="/posts/(\d+)"', page.get_data(as_text=True)))


# SQLite's restore copies the whole database over the target, schema or not; PostgreSQL's replaces the empty
# tables `flask db upgrade` may have made
@pytest.mark.parametrize(("backend", "target"), [
    ("sqlite", "blank"),
    pytest.param("postgresql", "blank", marks=NEEDS_POSTGRESQL),
    pytest.param("postgresql", "upgraded", marks=NEEDS_POSTGRESQL),
])
def test_backup_and_restore_the_demo(backend, target, scratch, make_app, tmp_path):
    source = with_demo(make_app(scratch(backend, "source"), "source"))
    (tmp_path / "source" / "secret_key").write_text("the-source-key\n")
    backups = tmp_path / "backups"
    backups.mkdir()

    made = flask(source, "backup", "create", str(backups))

    assert made.exit_code == 0, made.output
    [archive] = backups.iterdir()
    assert re.fullmatch(r"buurthulp-backup-\d{8}-\d{6}\.tar\.gz", archive.name)
    assert archive.stat().st_mode & 0o077 == 0  # every neighbour's data: for its owner only
    assert f"backup written: {archive} (" in made.output and "kB)" in made.output
    assert "and the secret key" in made.output
    with tarfile.open(archive) as tar:
        database_file = "database.sqlite" if backend == "sqlite" else "database.pgdump"
        assert sorted(tar.getnames()) == sorted(["buurthulp-backup.json", "README.txt", database_file, "secret_key"])

    # a new database: blank, or with the empty tables of `flask db upgrade`
    restored = make_app(scratch(backend, "restored"), "restored")
    if target == "upgraded":
        with restored.app_context():
            db.create_all()
            db.session.remove()
    done = flask(restored, "backup", "restore", str(archive))

    assert done.exit_code == 0, done.output
    assert "as many as in the backup" in done.output
    key = tmp_path / "restored" / "secret_key"
    assert f"secret key restored to {key}" in done.output
    assert key.read_text() == "the-source-key\n" and key.stat().st_mode & 0o077 == 0
    verified = flask(restored, "pot", "verify")
    assert verified.exit_code == 0, verified.output
    assert counts(restored) == counts(source)
    assert all(counts(restored)[table] > 0 for table in ("neighbour", "post", "pot_entry", "place", "membership"))
    for email in ("ria@example.org", "fatima@example.org"):
        shown = posts_on_feed(restored, email)
        assert shown and shown == posts_on_feed(source, email)

    # a second restore over the first is refused, and the key in place is never overwritten
    (tmp_path / "restored" / "secret_key").write_text("a-newer-key")
    again = flask(restored, "backup", "restore", str(archive))
    assert again.exit_code == 1
    assert "is not empty (rows in " in again.output  # the first tables with rows, alphabetically
    assert counts(restored) == counts(source)


@pytest.mark.parametrize("backend", BACKENDS)
def test_restore_refuses_a_database_with_rows_and_changes_nothing(backend, scratch, make_app, tmp_path):
    source = with_demo(make_app(scratch(backend, "source"), "source"))
    assert flask(source, "backup", "create", str(tmp_path / "backup.tar.gz")).exit_code == 0
    other = make_app(scratch(backend, "other"), "other")
    with other.app_context():
        db.create_all()
        load_demo()  # the same people, different rows: nothing of this may go
        db.session.execute(sa.text("DELETE FROM post"))
        db.session.commit()
        db.session.remove()
    before = counts(other)

    result = flask(other, "backup", "restore", str(tmp_path / "backup.tar.gz"))

    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: the database ") and "is not empty (rows in " in result.output
    assert "restore into a new, empty database" in result.output
    assert counts(other) == before and before["post"] == 0
    assert not (tmp_path / "other" / "secret_key").exists()


def test_the_instance_key_is_kept_and_the_operator_told(scratch, make_app, tmp_path):
    source = with_demo(make_app(scratch("sqlite", "source"), "source"))
    (tmp_path / "source" / "secret_key").write_text("the-source-key")
    assert flask(source, "backup", "create", str(tmp_path / "backup.tar.gz")).exit_code == 0
    restored = make_app(scratch("sqlite", "restored"), "restored")
    (tmp_path / "restored" / "secret_key").write_text("the-instance-key")

    result = flask(restored, "backup", "restore", str(tmp_path / "backup.tar.gz"))

    assert result.exit_code == 0, result.output
    assert f"secret key: kept {tmp_path / 'restored' / 'secret_key'}, which differs from the backup's" in result.output
    assert (tmp_path / "restored" / "secret_key").read_text() == "the-instance-key"


def test_create_without_a_file_name_writes_the_default_name_here_and_never_overwrites(
        scratch, make_app, tmp_path, monkeypatch):
    source = with_demo(make_app(scratch("sqlite", "source"), "source"))
    monkeypatch.chdir(tmp_path)

    first = flask(source, "backup", "create")

    assert first.exit_code == 0, first.output
    [archive] = tmp_path.glob("buurthulp-backup-*.tar.gz")
    assert "and the secret key" not in first.output  # the source instance has no key file
    manifest = json.loads(tarfile.open(archive).extractfile("buurthulp-backup.json").read())
    assert manifest["database"] == "sqlite" and manifest["rows"]["neighbour"] == counts(source)["neighbour"]
    archive.rename(tmp_path / "mine.tar.gz")
    (tmp_path / "mine.tar.gz").write_bytes(b"keep me")
    again = flask(source, "backup", "create", "mine.tar.gz")
    assert again.exit_code == 1 and "exists already" in again.output
    assert (tmp_path / "mine.tar.gz").read_bytes() == b"keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".buurthulp-backup")] == []


def test_restore_says_what_is_wrong_with_a_file_that_is_no_backup(scratch, make_app, tmp_path):
    app = make_app(scratch("sqlite", "target"), "target")
    (tmp_path / "notes.tar.gz").write_bytes(b"not an archive")

    for path, message in [(tmp_path / "missing.tar.gz", "missing.tar.gz: no such file"),
                          (tmp_path / "notes.tar.gz", "notes.tar.gz is not a readable buurthulp backup")]:
        result = flask(app, "backup", "restore", str(path))
        assert result.exit_code == 1 and message in result.output and result.output.count("\n") == 1


def _postgresql_app(make_app):
    # no server answers here: the missing tool must be found before any connection is tried
    return make_app("postgresql+psycopg://nobody@127.0.0.1:9/nothing_test", "pg")


def test_create_without_pg_dump_says_so_in_one_line(make_app, tmp_path, monkeypatch):
    app = _postgresql_app(make_app)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **kw: None)

    result = flask(app, "backup", "create", str(tmp_path))

    assert result.exit_code == 1
    assert result.output == ("Error: pg_dump not found on the PATH: install the PostgreSQL client tools "
                             "(apt-get install postgresql-client) of the server's version\n")
    assert [p.name for p in tmp_path.iterdir()] == ["pg"]  # only the instance folder: no backup, no scratch


def test_restore_without_pg_restore_says_so_in_one_line(make_app, tmp_path, monkeypatch):
    app = _postgresql_app(make_app)
    archive = tmp_path / "pg.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in [("buurthulp-backup.json", json.dumps(
                {"buurthulp_backup": 1, "database": "postgresql", "secret_key": False, "rows": {}}).encode()),
                           ("database.pgdump", b"PGDMP")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    monkeypatch.setattr(shutil, "which", lambda name, *a, **kw: None)

    result = flask(app, "backup", "restore", str(archive))

    assert result.exit_code == 1
    assert result.output.startswith("Error: pg_restore not found on the PATH") and result.output.count("\n") == 1


def test_a_sqlite_backup_is_not_restored_into_postgresql(make_app, scratch, tmp_path):
    source = make_app(scratch("sqlite", "source"), "source")
    with source.app_context():
        db.create_all()
        db.session.remove()
    assert flask(source, "backup", "create", str(tmp_path / "b.tar.gz")).exit_code == 0

    result = flask(_postgresql_app(make_app), "backup", "restore", str(tmp_path / "b.tar.gz"))

    assert result.exit_code == 1
    assert "b.tar.gz holds a sqlite database; DATABASE_URL is postgresql" in result.output

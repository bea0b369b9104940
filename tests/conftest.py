"""Per-test app and database; a client that carries the CSRF token; mail read from the outbox.

Worlds that many tests share are built once per process and copied into each test's database
(tests/snapshots.py); what every app compiles is compiled once per process (tests/compiled_once.py).
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.engine import make_url

from buurthulp import create_app
from buurthulp.extensions import db
from config import TestConfig
from tests import compiled_once, examples  # noqa: F401  (examples loads the hypothesis profile for every test)
from tests.snapshots import create_tables, in_memory_sqlite

DATABASE_URL = TestConfig.SQLALCHEMY_DATABASE_URI
IS_SQLITE = DATABASE_URL.startswith("sqlite")

if not IS_SQLITE and "test" not in (make_url(DATABASE_URL).database or ""):
    # Tests empty every table: never let them near a real database.
    pytest.exit(f"refusing to run tests against {make_url(DATABASE_URL).database!r}: its name must contain 'test'", 2)


def _database_of_this_worker() -> None:
    """Under pytest-xdist (``-n 2``) each worker gets a PostgreSQL database of its own: <name>_gw0, <name>_gw1, ..."""
    global DATABASE_URL
    url = make_url(DATABASE_URL)
    mine = url.set(database=f"{url.database}_{os.environ['PYTEST_XDIST_WORKER']}")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": mine.database}):
            conn.execute(sa.text(f'CREATE DATABASE "{mine.database}"'))
    admin.dispose()
    DATABASE_URL = mine.render_as_string(hide_password=False)
    os.environ["DATABASE_URL"] = DATABASE_URL  # the browser tests' live server reads it
    TestConfig.SQLALCHEMY_DATABASE_URI = DATABASE_URL


if not IS_SQLITE and os.environ.get("PYTEST_XDIST_WORKER"):
    _database_of_this_worker()


compiled_once.url_builders()
compiled_once.statements()

CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def make_config(tmp_path: Path, **overrides):
    return type("PerTestConfig", (TestConfig,), {"MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), **overrides})


def empty_database() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if IS_SQLITE:
        # the ledger's append-only triggers would refuse to empty it
        db.session.execute(sa.text("DROP TRIGGER IF EXISTS pot_entry_no_delete"))
        db.session.commit()
        # and a correction refers to the booking it corrects (self-referencing rows)
        db.session.execute(sa.text("PRAGMA foreign_keys=OFF"))
        for name in tables:
            db.session.execute(sa.text(f'DELETE FROM "{name}"'))
    else:
        # Only the tables a test filled (TRUNCATE of every table took 0.36 s a test); DELETE with triggers and
        # foreign keys off (a replica's role) is quicker than TRUNCATE for a few rows and passes the ledger's guard.
        filled = db.session.scalars(sa.text(" UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables))).all()
        if filled:
            db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
            for name in filled:
                db.session.execute(sa.text(f'DELETE FROM "{name}"'))
        # ids start at 1 again, also where a rolled-back insert took one
        db.session.execute(sa.text("SELECT setval(format('%I', sequencename)::regclass, 1, false) "
                                   "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"))
    db.session.commit()


@pytest.fixture
def config_overrides() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


def _fresh_g() -> None:
    # Tests keep one app context pushed so that factories and requests share a
    # session; Flask then reuses it for every request, and with it ``g``, where
    # Flask-Login keeps the current user and Flask-WTF the CSRF token. Start each
    # request with an empty ``g``, as in production.
    from flask import g

    g.__dict__.clear()


_fresh_schema = {"done": IS_SQLITE}  # in-memory SQLite is new for every test


@pytest.fixture
def app(tmp_path, config_overrides):
    app = create_app(make_config(tmp_path, **config_overrides))
    app.jinja_env.bytecode_cache = compiled_once.templates
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    with app.app_context():
        if not _fresh_schema["done"]:
            # A test database left by an older checkout may lack new columns: build it anew once a run.
            db.drop_all()
            _fresh_schema["done"] = True
        create_tables()
        yield app
        db.session.remove()
        if not in_memory_sqlite():  # an in-memory database goes with its engine
            empty_database()
            db.session.remove()
        db.engine.dispose()


class Client:
    """A test client that fills in the CSRF token on every form post."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()

    def get(self, url, **kw):
        return self.http.get(url, **kw)

    def csrf_token(self) -> str:
        """The token a form's hidden field holds, made as Flask-WTF's ``generate_csrf`` makes it (a random value in
        the session, signed), without rendering a page for it: one GET fewer for every form post.
        tests/core/test_security.py checks that a token read from a real form is accepted too."""
        with self.http.session_transaction() as session:
            if "csrf_token" not in session:
                session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
            raw = session["csrf_token"]
        secret = self.app.config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)

    def post(self, url, data=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = self.csrf_token()
        return self.http.post(url, data=data, **kw)

    def login(self, email: str, password: str = "correct horse battery", **kw):
        response = self.post("/login", {"email": email, "password": password}, **kw)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def logout(self):
        return self.post("/logout")


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def make_client(app):
    """More clients, for tests with several people at once."""
    return lambda: Client(app)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def read_outbox(app) -> list:
    """Mail written to the outbox folder, oldest first."""
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    if not folder.exists():
        return []
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def mail_text(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def mail_html(msg) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


def link_in(msg, path_part: str) -> str:
    """The path of the first link in a mail's text that contains ``path_part``."""
    for url in re.findall(r"https?://\S+", mail_text(msg)):
        if path_part in url:
            return "/" + url.split("/", 3)[3]
    raise AssertionError(f"no link with {path_part!r} in {mail_text(msg)!r}")


@pytest.fixture
def outbox(app):
    return lambda: read_outbox(app)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Use as ``with count_queries() as q: ...; q.count``."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return counting


# The longest tests start first, so that with two workers (pytest-xdist) neither is left running one of them
# alone at the end (the production set-up alone takes over a minute on PostgreSQL).
SLOW_FIRST = ("tests/production/", "tests/html/", "tests/accounts/test_rate_limits.py",
              "tests/pot/test_ledger_properties.py", "tests/core/test_backup.py", "tests/core/test_dutch_pages.py",
              "tests/core/test_fuzz.py", "tests/matching/test_incremental.py")


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        return next((i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST))
    items.sort(key=rank)  # stable: the rest keeps its order


def pytest_report_header(config):
    return f"database: {make_url(DATABASE_URL).render_as_string(hide_password=True)}; CI={os.environ.get('CI', '')}"


# Every test makes an app of its own, which leaves reference cycles for Python's garbage collector. Its full
# collections walked every object the run keeps for good as well (modules, mappers, compiled templates, the
# worlds built once): about a quarter of the run's time. So after every FREEZE_EVERY tests what is still alive is
# collected once and frozen (gc.freeze: left out of later collections), and the collections in between only walk
# what the tests since then made.
FREEZE_EVERY = 20
_finished = {"tests": 0}


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    _finished["tests"] += 1
    if _finished["tests"] % FREEZE_EVERY == 1:
        gc.collect()
        gc.freeze()

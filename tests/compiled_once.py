"""What every test's app would compile again, compiled once per test process.

Each test gets an app of its own (STYLE.md), and building one is cheap except for three caches that live on
the app and start empty: werkzeug's URL builders, Jinja's compiled templates and SQLAlchemy's compiled
statements. Together they were most of a test's time. Here each is kept for the process; what the tests
see does not change (a cache of compiled code, checked against its source where the source can change).
"""

from __future__ import annotations

import flask_sqlalchemy.extension
import jinja2
import sqlalchemy as sa
from werkzeug.routing.rules import Rule


def url_builders() -> None:
    """Werkzeug compiles two Python functions for each URL rule of every app: 0.1 s an app. Their code
    depends only on the rule and its defaults (converters are looked up on the rule when a URL is built)."""
    compile_builder = Rule._compile_builder
    compiled: dict = {}

    def once(self, append_unknown=True):
        key = (self.rule, self.host, self.subdomain, tuple(self._trace),
               repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    Rule._compile_builder = once


class Templates(jinja2.BytecodeCache):
    """Jinja's bytecode cache, in memory: each template compiled once, checked against its source (Jinja
    compiles it again when the checksum differs). Set on each test's app as ``jinja_env.bytecode_cache``."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


templates = Templates()


def statements() -> None:
    """SQLAlchemy keeps compiled statements on the engine, and Flask-SQLAlchemy makes an engine for every
    app. For an in-memory SQLite database the apps share one engine: its database is the connection's, and
    the app fixture disposes of the engine after each test, so the next test's first connection opens a
    new, empty database, as with an engine of its own."""
    make_engine = flask_sqlalchemy.extension.SQLAlchemy._make_engine
    engines: dict[str, sa.engine.Engine] = {}

    def shared(self, bind_key, options, app):
        url = sa.engine.make_url(options["url"])
        if url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:"):
            return make_engine(self, bind_key, options, app)
        key = repr(sorted((name, repr(value)) for name, value in options.items()))
        if key not in engines:
            engines[key] = make_engine(self, bind_key, options, app)
        return engines[key]

    flask_sqlalchemy.extension.SQLAlchemy._make_engine = shared

"""Browser tests: system Chromium through Playwright, against the app served on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import threading

import pytest
from werkzeug.serving import make_server

from buurthulp import create_app
from buurthulp.core.cli import load_demo
from buurthulp.extensions import db
from config import TestConfig

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(message)  # in CI a missing browser is a failure, not a skip
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_path):
    return {**browser_type_launch_args, "executable_path": chromium_path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "nl-NL", "viewport": {"width": 1024, "height": 800}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer(str):
    """The base URL, with the served app at ``.app`` (to run a job or read the outbox)."""

    app = None


@pytest.fixture
def live_server(tmp_path):
    """The app with the demo data, served from a thread on 127.0.0.1; yields its base URL."""
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'browser.sqlite'}"
    port = _free_port()
    config = type("BrowserConfig", (TestConfig,), {
        "PUBLIC_URL": f"http://127.0.0.1:{port}",  # links in mail lead back to this server
        "SQLALCHEMY_DATABASE_URI": database,
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "PASSWORD_MIN_LENGTH": 10,
    })
    app = create_app(config)
    with app.app_context():
        db.create_all()
        load_demo()
        db.session.commit()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        live = LiveServer(f"http://127.0.0.1:{server.server_port}")
        live.app = app
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            if db.engine.dialect.name != "sqlite":  # an SQLite file in tmp_path simply goes
                db.drop_all()
            db.engine.dispose()


@pytest.fixture
def axe_check():
    """Run axe on the current page; fail on serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> None:
        results = axe.run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        details = "\n".join(f"{v['id']} ({v['impact']}): {v['help']} -> "
                            f"{[n['target'] for n in v['nodes']][:3]}" for v in bad)
        assert not bad, f"accessibility violations on {page.url}:\n{details}"

    return check

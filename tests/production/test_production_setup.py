"""The production set-up, started on this machine as deploy/ describes it: gunicorn with 3 workers and
BUURTHULP_ENV=production on PostgreSQL, `flask scheduler run` beside it, and an SMTP server (aiosmtpd).

Through HTTP only: a neighbour registers, confirms with the link from the mail the SMTP server received, logs
in and posts an ask; /healthz is 200. Then the SMTP server stops: a mail waits, and /healthz reports the
waiting mail (503 once it waits too long). The server comes back, the mail arrives, /healthz is 200 again.

PostgreSQL only (the production database); CI runs it in its PostgreSQL step. Every wait is bounded. Mail goes
out by the scheduler's send_queued_mail job, at the turn of each minute: the test takes one to three minutes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from buurthulp.timeutil import local_today
from tests.conftest import CSRF_RE, DATABASE_URL, IS_SQLITE
from tests.digest.conftest import SmtpSink, free_port

pytestmark = [
    pytest.mark.production,
    pytest.mark.skipif(IS_SQLITE, reason="needs PostgreSQL, the production database (runs in CI's PostgreSQL step)"),
]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MAIL_WAIT = 150  # seconds: the job sends at the turn of the minute, and a busy machine is slow to start


def wait_for(what: str, check, seconds: float, every: float = 0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"waited {seconds} s for {what}")


class Browser:
    """A cookie-keeping HTTP client for one person, on 127.0.0.1 only."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, form_page: str, data: dict) -> tuple[int, str]:
        """Post ``data`` with the CSRF token of the form on ``form_page``."""
        _, page = self.get(form_page)
        token = CSRF_RE.search(page).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def health(base: str) -> tuple[int, dict]:
    code, body = Browser(base).get("/healthz")
    return code, json.loads(body)


@pytest.fixture
def database():
    """A new, empty PostgreSQL database for the set-up; dropped afterwards."""
    url = make_url(DATABASE_URL).set(database=f"{make_url(DATABASE_URL).database}_production_{os.getpid()}")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


class Smtp:
    def __init__(self):
        self.sink, self.port, self.controller = SmtpSink(), free_port(), None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, ready_timeout=60)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def mails_to(self, address: str) -> list:
        return [m for rcpts, m in self.sink.received if address in rcpts]


@pytest.fixture
def smtp():
    server = Smtp()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(database, smtp, tmp_path):
    """gunicorn (3 workers) and the scheduler process on the new database; yields the base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "FLASK_RUN"))}
    env.update({
        "FLASK_APP": "wsgi", "BUURTHULP_ENV": "production", "DATABASE_URL": database,
        "SECRET_KEY": "production-test-secret-key", "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback here; behind Caddy's TLS in a real set-up
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "MAIL_USE_TLS": "0", "MAIL_TIMEOUT": "10",
        "MAIL_SENDER": "Buurthulp <noreply@buurthulp.test>", "MAIL_RETRY_SECONDS": "1",
        "HEALTH_MAIL_MAX_AGE_SECONDS": "20", "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "LOG_FORMAT": "json",
    })
    flask = [str(BIN / "flask")]
    for command in (["db", "upgrade"], ["demo"]):
        done = subprocess.run(flask + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("web", "scheduler")}  # noqa: SIM115
    web = subprocess.Popen([str(BIN / "gunicorn"), "--no-control-socket", "--workers", "3",
                            "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                           cwd=ROOT, env=env, stdout=logs["web"], stderr=subprocess.STDOUT)
    scheduler = subprocess.Popen(flask + ["scheduler", "run"], cwd=ROOT, env=env, stdout=logs["scheduler"],
                                 stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        def up():
            try:
                return health(base)[0] == 200
            except (OSError, ValueError):
                return False
        try:
            wait_for("the site to be healthy", up, 120)
        except AssertionError:
            for name, handle in logs.items():
                handle.flush()
                print(f"--- {name}\n" + (tmp_path / f"{name}.log").read_text()[-4000:])
            raise
        yield base
    finally:
        for process in (web, scheduler):
            process.send_signal(signal.SIGTERM)
        for process in (web, scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
        for handle in logs.values():
            handle.close()


def test_the_production_set_up_end_to_end(site, smtp):
    ria = Browser(site)
    code, _ = ria.post("/register", "/register", {
        "display_name": "Ria", "email": "ria.prod@example.org", "password": "zomer in zuilen 2026",
        "postcode": "3554 AB", "neighbourhood": "0"})
    assert code == 200

    # the confirmation mail comes from the scheduler's mail job, over SMTP
    (mail,) = wait_for("the confirmation mail", lambda: smtp.mails_to("ria.prod@example.org"), MAIL_WAIT)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://127\.0\.0\.1:\d+(/confirm/\S+)", text).group(1)
    assert ria.get(link)[0] == 200
    code, page = ria.post("/login", "/login", {"email": "ria.prod@example.org", "password": "zomer in zuilen 2026"})
    assert code == 200 and 'name="password"' not in page  # logged in: the login form is gone
    today = local_today()
    code, page = ria.post("/posts/new", "/posts/new?kind=ask", {
        "kind": "ask", "category": "boodschappen", "title": "Boodschappen op zaterdag", "timing": "flexible",
        "period_start": today.isoformat(), "period_end": (today + timedelta(days=7)).isoformat(),
        "duration_minutes": "60", "place": "their_place", "expiry_days": "30"})
    assert code == 200 and "Boodschappen op zaterdag" in page
    code, body = health(site)
    assert code == 200 and body["status"] == "ok", body

    # the mail server goes away: a reset mail waits in the outbox, and the health check says so
    smtp.stop()
    code, _ = Browser(site).post("/forgot-password", "/forgot-password", {"email": "ria.prod@example.org"})
    assert code == 200

    def failing_mail():
        code, body = health(site)
        return (code, body) if code == 503 and "mail" in body["failing"] else None

    code, body = wait_for("the health check to report the waiting mail", failing_mail, MAIL_WAIT)
    assert body["checks"]["mail"]["waiting"] >= 1 and body["checks"]["database"]["status"] == "ok"

    # it comes back: the mail arrives, once, and the site is healthy again
    smtp.start()
    wait_for("the reset mail", lambda: len(smtp.mails_to("ria.prod@example.org")) == 2, MAIL_WAIT)
    wait_for("the site to be healthy again", lambda: health(site)[0] == 200, MAIL_WAIT)
    subjects = [m["Subject"] for m in smtp.mails_to("ria.prod@example.org")]
    assert len(subjects) == 2 and len({m["Message-ID"] for m in smtp.mails_to("ria.prod@example.org")}) == 2

"""Log-in limits per account and per client address, behind a proxy, shared by several processes."""

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from buurthulp.extensions import db
from tests.factories import PASSWORD, make_neighbour, make_neighbourhood

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_overrides(request):
    return getattr(request, "param", {})


@pytest.fixture
def ria():
    ria = make_neighbour(make_neighbourhood("Zuilen", ["3554"]), email="ria@example.org", name="Ria")
    db.session.commit()
    return ria


def attempt(client, email, password="wrong password", address="127.0.0.1", forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/login", {"email": email, "password": password}, headers=headers,
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_failed_attempts_for_one_account_are_limited_from_any_address(client, ria):
    assert [attempt(client, "ria@example.org", address=f"192.0.2.{i}") for i in range(5)] == [400] * 5
    # the account rests for a while, whoever tries and from wherever, also with the right password
    assert attempt(client, "RIA@example.org ", PASSWORD, address="198.51.100.1") == 429
    # other accounts are not held up
    make_neighbour(email="els@example.org")
    db.session.commit()
    assert attempt(client, "els@example.org", PASSWORD, address="192.0.2.1") == 302


def test_made_up_accounts_tried_from_one_address_do_not_block_a_neighbour_there(client, ria):
    # ten wrong tries for addresses nobody has, from the library's one public address
    assert [attempt(client, f"nobody{i}@example.org") for i in range(10)] == [400] * 10
    assert attempt(client, "ria@example.org", PASSWORD) == 302


def test_logging_in_fine_does_not_count(client, ria):
    for _ in range(12):
        assert attempt(client, "ria@example.org", PASSWORD) == 302
        client.logout()


def test_one_address_trying_many_accounts_is_limited(app, client, ria):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "8 per minute"
    assert [attempt(client, f"nobody{i}@example.org") for i in range(8)] == [400] * 8
    assert attempt(client, "ria@example.org", PASSWORD) == 429
    assert attempt(client, "ria@example.org", PASSWORD, address="192.0.2.9") == 302  # a neighbour elsewhere


@pytest.mark.parametrize("config_overrides", [{"PROXY_FIX_X_FOR": 1}], indirect=True)
def test_behind_a_proxy_the_limit_is_per_real_client(app, client, ria):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "3 per minute"
    # every request comes from the proxy at 127.0.0.1; X-Forwarded-For names the client
    assert [attempt(client, f"x{i}@example.org", forwarded="203.0.113.5") for i in range(3)] == [400] * 3
    assert attempt(client, "ria@example.org", PASSWORD, forwarded="203.0.113.5") == 429
    assert attempt(client, "ria@example.org", PASSWORD, forwarded="203.0.113.6") == 302
    # a client that adds its own header gets the proxy's view of it: the rightmost address
    client.logout()
    assert attempt(client, "ria@example.org", PASSWORD, forwarded="203.0.113.6, 203.0.113.5") == 429


def test_without_a_proxy_setting_x_forwarded_for_is_ignored(app, client, ria):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "3 per minute"
    assert [attempt(client, f"x{i}@example.org", forwarded=f"203.0.113.{i}") for i in range(3)] == [400] * 3
    # forging another X-Forwarded-For does not get round the limit
    assert attempt(client, "ria@example.org", PASSWORD, forwarded="203.0.113.99") == 429


def test_change_password_is_limited_per_account_and_safe_when_logged_out(client, ria):
    assert client.post("/profile/password", {"current": "x", "password": "y", "confirm": "y"}).status_code == 302
    client.login("ria@example.org")
    wrong = {"current": "not it at all", "password": "nieuw wachtwoord hier", "confirm": "nieuw wachtwoord hier"}
    assert [client.post("/profile/password", wrong).status_code for _ in range(6)] == [400] * 5 + [429]


# Several web processes (gunicorn workers, machines) must count together. The Limiter is one object per
# process, so two workers are two processes here, each with an app of its own, as in production.
WORKER = """
import json, sys
from buurthulp import create_app
from buurthulp.extensions import db
from config import TestConfig

overrides, attempts = json.loads(sys.argv[1]), int(sys.argv[2])
app = create_app(type("WorkerConfig", (TestConfig,), {"WTF_CSRF_ENABLED": False, **overrides}))
with app.app_context():
    db.create_all()
client = app.test_client()
print(json.dumps([client.post("/login", data={"email": "ria@example.org", "password": "wrong"}).status_code
                  for _ in range(attempts)]))
"""

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def worker(tmp_path, storage: str, prefix: str, attempts: int) -> list[int]:
    # per hour: the three workers start a Python each, which on a busy machine can take more than a minute
    overrides = {"RATELIMIT_STORAGE_URI": storage, "RATELIMIT_KEY_PREFIX": prefix,
                 "LOGIN_ACCOUNT_RATE_LIMIT": "3 per hour", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                 "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")}
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps(overrides), str(attempts)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not redis_is_up() and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379")
def test_two_workers_share_one_limit_in_redis(tmp_path):
    prefix = f"buurthulp-test-{uuid.uuid4().hex}"
    try:
        assert worker(tmp_path, REDIS_URL, prefix, 2) == [400, 400]
        assert worker(tmp_path, REDIS_URL, prefix, 2) == [400, 429]  # the third failure is the first's limit
        # while in memory, each worker counts on its own: what the shared store is for
        assert worker(tmp_path, "memory://", prefix, 2) == [400, 400]
    finally:
        import redis

        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}], indirect=True)
def test_log_in_still_works_while_redis_is_down(client, ria):
    assert attempt(client, "ria@example.org") == 400
    assert attempt(client, "ria@example.org", PASSWORD) == 302

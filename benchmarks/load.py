"""The real set-up under load: gunicorn (4 sync workers, BUURTHULP_ENV=production) on PostgreSQL, driven by locust.

Fills a scratch PostgreSQL database with the feed benchmark's data (20,000 neighbours, 200,000 posts), the broker
queue benchmark's matches and initiative, a pot of 200,000 ledger entries in that initiative, and a conversation
for each of 50 neighbours who are brokers and treasurers there. Starts gunicorn as the README's production section
does, with a bare one-query page mounted beside the app on the same workers (``bench_app`` below), and then:

1. 50 concurrent users, no think time, for a fixed time: logged-in neighbours (feed, a post, my help, a
   conversation, the broker queue, the pot overview) and anonymous visitors (the home page); per page the
   requests per second, errors and p50/p95/p99;
2. the same 50 users on the bare page only: its requests per second, and the mix's throughput as a ratio of it;
3. an open loop: requests at a fixed arrival rate (20 a second) over the same mix, whatever the answers' speed,
   each timed from the moment it was due; its p95.

The load tool (locust, its users in benchmarks/_load_users.py) runs on the same machine, so it takes CPU from the
server; compare ratios within one run. Everything stays on 127.0.0.1; gunicorn is stopped on exit and on Ctrl-C.

    .venv/bin/python benchmarks/load.py            # full size, a minute per run
    .venv/bin/python benchmarks/load.py --quick    # 2,000 neighbours, 20,000 posts and entries, 15 s per run
BENCH_DATABASE_URL picks the (scratch!) database; it is dropped and created.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import http.cookiejar
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from benchmarks._common import percentile, scratch_database, timed  # noqa: E402
from benchmarks.broker_queue import SLUG, add_matches  # noqa: E402
from benchmarks.feed import BARE, PASSWORD, fill  # noqa: E402
from benchmarks.pot import write_ledger  # noqa: E402
from buurthulp import create_app  # noqa: E402
from buurthulp.db import utcnow  # noqa: E402
from buurthulp.extensions import db  # noqa: E402
from buurthulp.posts.models import Post  # noqa: E402
from buurthulp.pot.models import CompensationMode, DistributionRule, PotSettings  # noqa: E402
from config import TestConfig  # noqa: E402

BIN = Path(sys.executable).parent
USERS = 50  # concurrent users, and as many neighbours to log in as
FIRST_PERSON = 1001  # neighbours 1001-1050 log in: brokers and treasurers of the initiative
WORKERS = 4
RATE = 20  # requests a second in the open loop
GIVE_UP_SECONDS = 30  # the open loop's client gives up on a request after this long
PAGES = ("feed", "post", "my help", "conversation", "broker queue", "pot overview", "home (anonymous)")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
GOAL_RATIO, GOAL_P95_MS = 1 / 3, 200


def bench_app():
    """gunicorn's app, ``benchmarks.load:bench_app()``: wsgi.py's ``create_app()`` and a bare page beside it."""
    app = create_app()
    template = app.jinja_env.from_string(BARE)

    def bare():
        # the floor: one indexed query and a 20-row template (compiled once), no layout, no user
        return template.render(posts=db.session.scalars(sa.select(Post).order_by(Post.id.desc()).limit(20)).all())

    app.add_url_rule("/bench/bare", "bench_bare", bare)
    return app


def prepare(neighbours: int, posts: int, entries: int) -> dict:
    """Fill the database and return the plan of the load: who logs in, and which post and match each one opens."""
    rng = random.Random(5)
    now = utcnow()
    with timed(f"filled {neighbours:,} neighbours and {posts:,} posts"):
        fill(neighbours, posts)
    with timed("added matches, the initiative and claims"):
        add_matches()
    initiative = db.session.scalar(sa.text("SELECT id FROM initiative WHERE slug = :slug"), {"slug": SLUG})
    people = list(range(FIRST_PERSON, FIRST_PERSON + USERS))
    db.session.execute(sa.insert(db.metadata.tables["membership"]), [
        {"initiative_id": initiative, "neighbour_id": person, "status": "active", "is_broker": True,
         "is_treasurer": True, "is_coordinator": False, "requested_at": now, "decided_at": now} for person in people])
    users = []
    for person in people:
        hood = (person - 1) % 144 + 1  # feed.fill puts neighbour i in neighbourhood (i - 1) % 144 + 1
        nearby = db.session.execute(sa.text(
            "SELECT id, author_id FROM post WHERE neighbourhood_id = :hood AND kind = 'ask' AND status = 'open'"
            " AND author_id <> :me AND NOT EXISTS (SELECT 1 FROM match WHERE ask_id = post.id AND helper_id = :me)"
            " ORDER BY id LIMIT 20"), {"hood": hood, "me": person}).all()
        ask, asker = nearby[0]
        created = now - timedelta(days=3)
        match = db.session.scalar(sa.insert(db.metadata.tables["match"]).returning(sa.column("id")), [{
            "ask_id": ask, "offer_id": None, "asker_id": asker, "helper_id": person, "source": "scheduler",
            "status": "accepted", "score": 1.0, "reasons": [], "note": "", "cancel_reason": "", "created_at": created,
            "updated_at": created, "accepted_at": created, "done_at": None, "asker_accepted_at": created,
            "helper_accepted_at": created}])
        db.session.execute(sa.insert(db.metadata.tables["message"]), [
            {"match_id": match, "author_id": (asker, person)[i % 2], "body": f"Bericht {i + 1}: dat komt goed uit.",
             "created_at": created + timedelta(minutes=10 * i)} for i in range(20)])
        users.append({"email": f"n{person}@bench.example", "posts": [row.id for row in nearby], "match": match})
    db.session.add(PotSettings(initiative_id=initiative, mode=CompensationMode.POT, rate_per_hour_cents=400,
                               category_rates={}, rate_per_km_cents=0, rule=DistributionRule.BY_HOURS,
                               month_end_day=1))
    db.session.flush()
    with timed(f"wrote a pot ledger of {entries:,} entries"):
        write_ledger(initiative, people, entries, booked_by=people[0], rng=rng)  # commits
    return {"users": users, "password": PASSWORD, "slug": SLUG}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """The child processes; all are stopped on exit, on Ctrl-C and on SIGTERM."""

    def __init__(self):
        self.running: dict[subprocess.Popen, signal.Signals] = {}
        atexit.register(self.stop_all)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._interrupted)

    def _interrupted(self, signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    def start(self, args: list[str], stop_with: signal.Signals = signal.SIGTERM, **kwargs) -> subprocess.Popen:
        # a session of its own: the whole group (gunicorn's master and workers) is stopped together
        process = subprocess.Popen(args, start_new_session=True, **kwargs)
        self.running[process] = stop_with
        return process

    def stop(self, process: subprocess.Popen) -> None:
        stop_with = self.running.pop(process, signal.SIGTERM)
        if process.poll() is None:
            os.killpg(process.pid, stop_with)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop_all(self) -> None:
        for process in list(self.running):
            self.stop(process)


def start_gunicorn(processes: Processes, url: str, port: int, workdir: Path) -> subprocess.Popen:
    """The README's production command (4 workers here), with the settings production requires."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BUURTHULP_", "MAIL_"))}
    env.update({
        "BUURTHULP_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": url, "BUURTHULP_INSTANCE": str(workdir), "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "RATELIMIT_STORAGE_URI": "memory://", "HEALTH_EXPECT_SCHEDULER": "false", "SCHEDULER_IN_PROCESS": "false",
        # plain HTTP on loopback (no Caddy in front): secure cookies would never be sent back
        "SESSION_COOKIE_SECURE": "false",
    })
    log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 - the child writes it until it stops
    process = processes.start([str(BIN / "gunicorn"), "--no-control-socket", "--workers", str(WORKERS), "--bind",
                               f"127.0.0.1:{port}", "benchmarks.load:bench_app()"],
                              stop_with=signal.SIGINT,  # gunicorn's quick shutdown: drop what still waits
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{(workdir / 'gunicorn.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare", timeout=5) as response:
                if response.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


def run_locust(processes: Processes, host: str, plan_file: Path, classes: list[str], seconds: int,
               prefix: Path) -> dict[str, dict]:
    """A closed-loop locust run of USERS users, headless, for ``seconds``; returns its rows by request name."""
    env = {**os.environ, "LOAD_PLAN": str(plan_file)}
    with open(f"{prefix}.log", "wb") as log:
        process = processes.start(
            [str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "_load_users.py"), "--headless",
             "--users", str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{seconds}s", "--reset-stats",
             "--stop-timeout", "5", "--host", host, "--csv", str(prefix), "--only-summary", "--exit-code-on-error",
             "0", "--loglevel", "WARNING", *classes], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            process.wait(seconds + 90)
        finally:
            processes.stop(process)
    if process.returncode != 0:
        raise SystemExit(f"locust failed:\n{Path(f'{prefix}.log').read_text()[-3000:]}")
    with open(f"{prefix}_stats.csv", newline="") as file:
        return {row["Name"]: row for row in csv.DictReader(file)}


def _row(label: str, rps: float, count: int, errors: int, p50: float, p95: float, p99: float) -> str:
    return (f"{label:18} {rps:7.1f} req/s  {count:6} requests  {errors:4} errors   "
            f"p50 {p50:6.0f} ms  p95 {p95:6.0f} ms  p99 {p99:6.0f} ms")


def print_rows(rows: dict[str, dict], names) -> tuple[float, int]:
    """Print locust's figures for the named requests; return their requests a second and errors together."""
    total_rps, total_errors = 0.0, 0
    for name in names:
        row = rows.get(name)
        if row is None:
            print(f"{name:18} no requests")
            continue
        rps, errors = float(row["Requests/s"]), int(row["Failure Count"])
        total_rps, total_errors = total_rps + rps, total_errors + errors
        print(_row(name, rps, int(row["Request Count"]), errors, float(row["50%"]), float(row["95%"]),
                   float(row["99%"])))
    return total_rps, total_errors


def log_in(host: str, email: str, password: str) -> str:
    """Log in with the form, as a browser does; return the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{host}/login", timeout=30) as response:
        token = CSRF.search(response.read().decode()).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    with opener.open(f"{host}/login", data=body, timeout=30) as response:
        if "/login" in response.url:
            raise SystemExit(f"could not log in as {email}")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def open_loop(host: str, plan: dict, seconds: int) -> None:
    """RATE requests a second over the mix, each sent when due (not when the last one answered), timed from then."""
    sessions = [log_in(host, user["email"], plan["password"]) for user in plan["users"][:10]]
    rng = random.Random(7)
    slug, latencies, errors, lock = plan["slug"], [], [], threading.Lock()

    def one(due: float, page: str, session: int) -> None:
        user = plan["users"][session]
        path = {"feed": "/posts", "post": f"/posts/{rng.choice(user['posts'])}", "my help": "/my/posts",
                "conversation": f"/matches/{user['match']}", "broker queue": f"/broker/{slug}",
                "pot overview": f"/pot/{slug}/books", "home (anonymous)": "/"}[page]
        headers = {} if page == "home (anonymous)" else {"Cookie": sessions[session]}
        problem = None
        try:
            if time.monotonic() - due > GIVE_UP_SECONDS:  # bounded in time, also when the server falls behind
                raise TimeoutError(f"not sent: no free client within {GIVE_UP_SECONDS} s")
            request = urllib.request.Request(f"{host}{path}", headers=headers)
            with urllib.request.urlopen(request, timeout=GIVE_UP_SECONDS) as response:
                response.read()
                if "/login" in response.url:
                    problem = "sent to the log-in page"
        except urllib.error.HTTPError as exc:
            problem = f"status {exc.code}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            problem = str(exc) or type(exc).__name__
        with lock:
            latencies.append(time.monotonic() - due)
            if problem:
                errors.append(f"{page}: {problem}")

    count = RATE * seconds
    with ThreadPoolExecutor(max_workers=200) as pool:  # enough that the pool never holds a request back
        start = time.monotonic() + 0.5
        for i in range(count):
            due = start + i / RATE
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(one, due, PAGES[i % len(PAGES)], i % len(sessions))
    p95 = percentile(latencies, 95) * 1000
    print(f"open loop, {RATE} requests a second for {seconds} s over the mix ({len(latencies)} requests,"
          f" timed from when each was due):")
    print(f"  p50 {percentile(latencies, 50) * 1000:6.0f} ms  p95 {p95:6.0f} ms  p99 "
          f"{percentile(latencies, 99) * 1000:6.0f} ms  {len(errors)} errors"
          f"   goal: p95 under {GOAL_P95_MS} ms {'(met)' if p95 < GOAL_P95_MS else '(NOT met)'}")
    for problem, times in Counter(errors).most_common(5):
        print(f"  error: {problem} ({times}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 neighbours, 20,000 posts and entries; 15 s runs")
    parser.add_argument("--seconds", type=int, help="length of each of the three runs (default 60, --quick 15)")
    args = parser.parse_args()
    neighbours, posts, entries = (2_000, 20_000, 20_000) if args.quick else (20_000, 200_000, 200_000)
    seconds = args.seconds or (15 if args.quick else 60)
    url = scratch_database()
    if not url.startswith("postgresql"):
        raise SystemExit("benchmarks/load.py needs PostgreSQL (BENCH_DATABASE_URL)")
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        db.create_all()
        plan = prepare(neighbours, posts, entries)
        db.engine.dispose()
    processes = Processes()
    with tempfile.TemporaryDirectory(prefix="buurthulp-load-") as tmp:
        workdir = Path(tmp)
        plan_file = workdir / "plan.json"
        plan_file.write_text(json.dumps(plan))
        port = free_port()
        host = f"http://127.0.0.1:{port}"
        with timed(f"started gunicorn, {WORKERS} sync workers, BUURTHULP_ENV=production, on {host}"):
            gunicorn = start_gunicorn(processes, url, port, workdir)
        print(f"{USERS} concurrent users without think time, {seconds} s per run; locust runs on the same machine",
              flush=True)
        mix = run_locust(processes, host, plan_file, ["Neighbour", "Visitor"], seconds, workdir / "mix")
        print("the mix (logged-in neighbours 6 : anonymous visitors 1):")
        mix_rps, mix_errors = print_rows(mix, PAGES)
        print(f"{'all pages':18} {mix_rps:7.1f} req/s", flush=True)
        bare = run_locust(processes, host, plan_file, ["Bare"], seconds, workdir / "bare")
        bare_rps, bare_errors = print_rows(bare, ["bare page"])
        login_errors = int(mix.get("login", {}).get("Failure Count", 0))
        ratio = mix_rps / bare_rps if bare_rps else 0.0
        errors = mix_errors + bare_errors + login_errors
        print(f"errors: {errors} (log-ins {login_errors})   goal: 0 {'(met)' if errors == 0 else '(NOT met)'}")
        print(f"throughput mix/bare: {ratio:.3f} (1/{1 / ratio if ratio else float('inf'):.1f})   goal: at least "
              f"1/3 {'(met)' if ratio >= GOAL_RATIO else '(NOT met)'}", flush=True)
        open_loop(host, plan, seconds)
        processes.stop(gunicorn)


if __name__ == "__main__":
    main()

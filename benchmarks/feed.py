"""The nearby feed and the common pages at scale: 20,000 neighbours and 200,000 posts in PostgreSQL.

Prints the median and p95 server time and the queries per page of the feed, a post page, my help, a
conversation (a match page) and the home page, logged in as one neighbour with a few conversations, beside a
bare Flask page that renders a 20-row template from one query on the same data. The ratios are the figures to
watch (goals: the feed at most 2x, the others at most 3x).

    .venv/bin/python benchmarks/feed.py            # full size
    .venv/bin/python benchmarks/feed.py --quick    # small, under a minute
BENCH_DATABASE_URL picks the (scratch!) database; it is dropped and created.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from benchmarks._common import QueryCounter, scratch_database, summary_ms, timed  # noqa: E402
from buurthulp import create_app  # noqa: E402
from buurthulp.categories import Category  # noqa: E402
from buurthulp.db import utcnow  # noqa: E402
from buurthulp.extensions import db  # noqa: E402
from buurthulp.timeutil import local_today  # noqa: E402
from config import TestConfig  # noqa: E402

GRID = 12  # 12 x 12 neighbourhoods, each next to its grid neighbours
PASSWORD = "benchmark password"
USER_ID = 42  # the neighbour the pages are measured for
BARE = """<ul>{% for p in posts %}<li><a href="/posts/{{ p.id }}">{{ p.title }}</a> {{ p.created_at }}</li>{% endfor %}</ul>"""


def fill(neighbours: int, posts: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    now = utcnow()
    today = local_today(now)
    hoods = [{"id": i + 1, "name": f"Buurt {i + 1}", "slug": f"buurt-{i + 1}", "municipality": "Benchstad",
              "centre_lat": 52.0 + (i // GRID) * 0.01, "centre_lon": 5.0 + (i % GRID) * 0.016, "created_at": now}
             for i in range(GRID * GRID)]
    db.session.execute(sa.insert(db.metadata.tables["neighbourhood"]), hoods)
    adjacency = []
    for i in range(GRID * GRID):
        r, c = divmod(i, GRID)
        for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            if 0 <= r + dr < GRID and 0 <= c + dc < GRID:
                adjacency.append({"neighbourhood_id": i + 1, "adjacent_id": (r + dr) * GRID + c + dc + 1})
    db.session.execute(sa.insert(db.metadata.tables["neighbourhood_adjacency"]), adjacency)
    db.session.execute(sa.insert(db.metadata.tables["neighbourhood_postcode"]),
                       [{"neighbourhood_id": h["id"], "prefix": str(1000 + h["id"])} for h in hoods])
    from werkzeug.security import generate_password_hash

    pw = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    people = []
    for i in range(neighbours):
        hood = hoods[i % len(hoods)]
        people.append({
            "id": i + 1, "display_name": f"Buurtgenoot {i + 1}", "email": f"n{i + 1}@bench.example",
            "email_confirmed_at": now, "password_hash": pw, "session_token": f"bench-{i + 1}", "locale": "nl",
            "postcode": f"{1000 + hood['id']} AB", "neighbourhood_id": hood["id"],
            "latitude": round(hood["centre_lat"] + rng.uniform(-0.004, 0.004), 3),
            "longitude": round(hood["centre_lon"] + rng.uniform(-0.006, 0.006), 3),
            "about": "", "availability": rng.getrandbits(21), "digest": "monthly", "share_email": False,
            "share_phone": False, "notify_by_mail": True, "is_admin": False, "created_at": now,
        })
    for start in range(0, len(people), 5000):
        db.session.execute(sa.insert(db.metadata.tables["neighbour"]), people[start:start + 5000])
    categories = [c.value for c in Category]
    batch = []
    for i in range(posts):
        author = people[rng.randrange(neighbours)]
        created = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
        status = rng.choices(["open", "matched", "done", "closed", "expired"], [6, 1, 1, 1, 1])[0]
        timing = rng.choice(["once", "flexible", "weekly"])
        row = {
            "kind": rng.choice(["ask", "offer"]), "author_id": author["id"],
            "neighbourhood_id": author["neighbourhood_id"], "category": rng.choice(categories),
            "title": f"Oproep {i + 1}", "description": "Een korte beschrijving van wat er nodig is.",
            "private_details": "", "timing": timing, "weekly_slots": 0, "duration_minutes": 60, "place": "home_area",
            "place_note": "", "latitude": author["latitude"], "longitude": author["longitude"], "status": status,
            "expires_at": created + timedelta(days=30) if status != "open" else now + timedelta(days=rng.randrange(1, 60)),
            "created_at": created, "updated_at": created,
            "on_date": None, "day_part": None, "period_start": None, "period_end": None, "weekly_until": None,
        }
        if timing == "once":
            row["on_date"], row["day_part"] = today + timedelta(days=rng.randrange(30)), rng.randrange(3)
        elif timing == "flexible":
            row["period_start"], row["period_end"] = today, today + timedelta(days=rng.randrange(1, 40))
        else:
            row["weekly_slots"] = rng.getrandbits(21) or 1
        batch.append(row)
        if len(batch) == 10000:
            db.session.execute(sa.insert(db.metadata.tables["post"]), batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(db.metadata.tables["post"]), batch)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))


def converse(neighbour_id: int, conversations: int = 12, messages: int = 8, seed: int = 2) -> list[int]:
    """Give one neighbour matches with people nearby, each with a conversation; return the match ids."""
    rng = random.Random(seed)
    now = utcnow()
    me = db.session.execute(sa.text("SELECT id, neighbourhood_id FROM neighbour WHERE id = :id"),
                            {"id": neighbour_id}).one()
    others = db.session.execute(sa.text(
        "SELECT id, author_id, kind FROM post WHERE neighbourhood_id = :hood AND author_id <> :me AND status = 'open' "
        "ORDER BY id LIMIT :n"), {"hood": me.neighbourhood_id, "me": neighbour_id, "n": conversations}).all()
    match_table, message_table = db.metadata.tables["match"], db.metadata.tables["message"]
    ids = []
    for i, post in enumerate(others):
        ask = post.kind == "ask"
        status = ["accepted", "proposed", "done"][i % 3]
        row = {"ask_id": post.id if ask else None, "offer_id": None if ask else post.id,
               "asker_id": post.author_id if ask else neighbour_id, "helper_id": neighbour_id if ask else post.author_id,
               "source": "response", "status": status, "score": 0.0, "reasons": [], "note": "Ik help graag.",
               "cancel_reason": "", "created_at": now - timedelta(days=3), "updated_at": now,
               "helper_accepted_at": now - timedelta(days=3) if ask else now - timedelta(days=2),
               "asker_accepted_at": now - timedelta(days=2) if status != "proposed" or not ask else None,
               "accepted_at": now - timedelta(days=2) if status != "proposed" else None,
               "done_at": now - timedelta(days=1) if status == "done" else None}
        if status == "proposed" and not ask:
            row["helper_accepted_at"] = None
        match_id = db.session.execute(sa.insert(match_table).returning(match_table.c.id), row).scalar_one()
        ids.append(match_id)
        db.session.execute(sa.insert(message_table), [
            {"match_id": match_id, "author_id": rng.choice([row["asker_id"], row["helper_id"]]),
             "body": f"Bericht {j + 1}: zullen we dinsdag afspreken?", "created_at": now - timedelta(hours=48 - j)}
            for j in range(messages)])
    db.session.commit()
    return ids


def measure(client, urls: list[str], engine, requests: int, seconds: float) -> tuple[list[float], int]:
    times, queries = [], set()
    deadline = time.monotonic() + seconds
    for i in range(requests):
        if time.monotonic() > deadline:
            break
        url = urls[i % len(urls)]
        with QueryCounter(engine) as counter:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(counter.count)
    return times, max(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 neighbours and 20,000 posts")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    neighbours, posts = (2_000, 20_000) if args.quick else (20_000, 200_000)
    url = scratch_database()
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                                  "RATELIMIT_ENABLED": False})
    app = create_app(config)

    @app.route("/bench/bare")
    def bare():
        from buurthulp.posts.models import Post

        # the floor: one indexed query and a 20-row template, nothing else
        rows = db.session.scalars(sa.select(Post).order_by(Post.id.desc()).limit(20)).all()
        return app.jinja_env.from_string(BARE).render(posts=rows)  # no context processors: one query

    with app.app_context():
        db.create_all()
        with timed(f"filled {neighbours:,} neighbours and {posts:,} posts"):
            fill(neighbours, posts)
        match_ids = converse(USER_ID)
        post_ids = db.session.scalars(sa.text(
            "SELECT id FROM post WHERE status = 'open' AND neighbourhood_id = "
            "(SELECT neighbourhood_id FROM neighbour WHERE id = :id) ORDER BY id DESC LIMIT 5"), {"id": USER_ID}).all()
        engine = db.engine
    print(f"database: {engine.url.get_backend_name()}; {args.requests} requests per page kind", flush=True)
    client = app.test_client()
    response = client.post("/login", data={"email": f"n{USER_ID}@bench.example", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    pages = ["/posts", "/posts?page=2", "/posts?page=5", "/posts?kind=ask", "/posts?category=klussen",
             "/posts?distance=2000", "/posts?when=7&kind=offer"]
    kinds = {
        "feed": (pages, 2),
        "post page": ([f"/posts/{i}" for i in post_ids], 3),
        "my help": (["/my/posts"], 3),
        "conversation": ([f"/matches/{i}" for i in match_ids], 3),
        "home page": (["/"], 3),
    }
    for urls, _goal in kinds.values():
        for url in urls:  # warm up
            client.get(url)
    client.get("/bench/bare")
    results = {name: measure(client, urls, engine, args.requests, 120) for name, (urls, _goal) in kinds.items()}
    bare_times, bare_queries = measure(client, ["/bench/bare"], engine, args.requests, 60)
    bare_median = statistics.median(bare_times)
    print(f"{'bare page':13} ({len(bare_times):4} requests): {summary_ms(bare_times)}   queries/page {bare_queries}")
    for name, (times, queries) in results.items():
        ratio = statistics.median(times) / bare_median
        print(f"{name:13} ({len(times):4} requests): {summary_ms(times)}   queries/page {queries:2}   "
              f"ratio {ratio:4.1f}x (goal <= {kinds[name][1]}x)")
    feed_times = results["feed"][0]
    print(f"ratio feed/bare (median): {statistics.median(feed_times) / bare_median:.1f}x")


if __name__ == "__main__":
    main()

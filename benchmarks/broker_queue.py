"""The broker's queue at the scale of a town: the feed benchmark's data (20,000 neighbours, 200,000 posts in
PostgreSQL) with matches in every state, and an initiative of three neighbourhoods (about 1,250 open asks).

Prints, per kind of page (each section of the queue, filtered, a later page, an ask with its helper
candidates), the median and p95 server time and the queries per page; the goal is under 300 ms with a
constant number of queries.

    .venv/bin/python benchmarks/broker_queue.py            # full size
    .venv/bin/python benchmarks/broker_queue.py --quick    # small, under a minute
BENCH_DATABASE_URL picks the (scratch!) database; it is dropped and created.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from benchmarks._common import scratch_database, summary_ms, timed  # noqa: E402
from benchmarks.feed import PASSWORD, fill, measure  # noqa: E402
from buurthulp import create_app  # noqa: E402
from buurthulp.db import utcnow  # noqa: E402
from buurthulp.extensions import db  # noqa: E402
from config import TestConfig  # noqa: E402

BROKER_ID = 42
SLUG = "kracht-van-benchstad"


def add_matches(seed: int = 3) -> dict[str, int]:
    """Matches across the whole town (suggestions for a third of the open asks, and some in every later state),
    the initiative with neighbourhoods 1-3, its broker, a few proxy neighbours and claims."""
    rng = random.Random(seed)
    now = utcnow()
    posts = db.session.execute(sa.text("SELECT id, author_id, neighbourhood_id, kind, status FROM post")).all()
    people_by_hood: dict[int, list[int]] = {}
    for person, hood in db.session.execute(sa.text("SELECT id, neighbourhood_id FROM neighbour")):
        people_by_hood.setdefault(hood, []).append(person)
    rows, seen = [], set()
    states = ["suggested"] * 6 + ["proposed", "accepted", "done", "thanked", "declined", "cancelled"]
    for post_id, author, hood, kind, status in posts:
        if kind != "ask" or rng.random() > 0.5:
            continue
        helper = rng.choice(people_by_hood[hood])
        if helper == author or (post_id, helper) in seen:
            continue
        seen.add((post_id, helper))
        state = rng.choice(states) if status == "open" else rng.choice(["done", "thanked", "cancelled", "expired"])
        created = now - timedelta(days=rng.randrange(1, 120))
        accepted = created + timedelta(days=1) if state in ("accepted", "done", "thanked") else None
        done = accepted + timedelta(days=rng.randrange(1, 20)) if state in ("done", "thanked") else None
        rows.append({"ask_id": post_id, "offer_id": None, "asker_id": author, "helper_id": helper,
                     "source": "scheduler", "status": state, "score": rng.random() * 5, "reasons": [],
                     "note": "", "cancel_reason": "", "created_at": created, "updated_at": created,
                     "accepted_at": accepted, "done_at": done,
                     "asker_accepted_at": accepted, "helper_accepted_at": accepted})
    for start in range(0, len(rows), 10000):
        db.session.execute(sa.insert(db.metadata.tables["match"]), rows[start:start + 10000])
    db.session.execute(sa.text(
        "INSERT INTO initiative (name, slug, description, contact_email, hidden_categories, broker_title, created_at)"
        " VALUES ('Kracht van Benchstad', :slug, '', NULL, '', 'buurtmakelaar', :now)"), {"slug": SLUG, "now": now})
    initiative = db.session.scalar(sa.text("SELECT id FROM initiative WHERE slug = :slug"), {"slug": SLUG})
    db.session.execute(sa.insert(db.metadata.tables["initiative_neighbourhood"]),
                       [{"initiative_id": initiative, "neighbourhood_id": h} for h in (1, 2, 3)])
    members = db.metadata.tables["membership"]
    db.session.execute(sa.insert(members), [
        {"initiative_id": initiative, "neighbour_id": person, "status": "active", "is_broker": True,
         "is_treasurer": False, "is_coordinator": person == BROKER_ID, "requested_at": now, "decided_at": now}
        for person in (BROKER_ID, BROKER_ID + 144)])  # two brokers, both living in neighbourhood 1 or 2
    open_asks = db.session.scalars(sa.text(
        "SELECT id FROM post WHERE kind = 'ask' AND status = 'open' AND neighbourhood_id IN (1, 2, 3) ORDER BY id"
    )).all()
    db.session.execute(sa.insert(db.metadata.tables["ask_claim"]), [
        {"initiative_id": initiative, "post_id": post_id, "broker_id": rng.choice((BROKER_ID, BROKER_ID + 144)),
         "claimed_at": now} for post_id in open_asks[::7]])
    db.session.commit()
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    return {"matches": len(rows), "open asks of the initiative": len(open_asks), "claims": len(open_asks[::7])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 neighbours and 20,000 posts")
    parser.add_argument("--requests", type=int, default=60, help="requests per kind of page")
    args = parser.parse_args()
    neighbours, posts = (2_000, 20_000) if args.quick else (20_000, 200_000)
    url = scratch_database()
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                                  "RATELIMIT_ENABLED": False})
    app = create_app(config)
    with app.app_context():
        db.create_all()
        with timed(f"filled {neighbours:,} neighbours and {posts:,} posts"):
            fill(neighbours, posts)
        with timed("added matches, the initiative and claims"):
            made = add_matches()
        print(", ".join(f"{v:,} {k}" for k, v in made.items()))
        an_ask = db.session.scalar(sa.text(
            "SELECT id FROM post WHERE kind = 'ask' AND status = 'open' AND neighbourhood_id = 1 ORDER BY id LIMIT 1"))
        engine = db.engine
    client = app.test_client()
    response = client.post("/login", data={"email": f"n{BROKER_ID}@bench.example", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    base = f"/broker/{SLUG}"
    pages = {
        "queue: no suggestion yet": [base],
        "queue: suggestions not acted on": [f"{base}?section=suggested"],
        "queue: waiting for a phone call": [f"{base}?section=phone"],
        "queue: proposals without an answer": [f"{base}?section=no_answer"],
        "queue: agreed, not done": [f"{base}?section=not_done"],
        "queue: follow-up due": [f"{base}?section=follow_up"],
        "queue: filtered and sorted": [f"{base}?section=suggested&hood=2&category=klussen&age=7&sort=urgency",
                                       f"{base}?holder=mine", f"{base}?holder=unclaimed&sort=urgency"],
        "queue: page 10": [f"{base}?page=10"],
        "an ask with its helper candidates": [f"{base}/asks/{an_ask}", f"{base}/asks/{an_ask}?q=Buurtgenoot 1"],
    }
    for urls in pages.values():  # warm up
        for page in urls:
            assert client.get(page).status_code == 200, page
    print(f"database: {engine.url.get_backend_name()}; {args.requests} requests per kind of page; goal: under 300 ms")
    for label, urls in pages.items():
        times, queries = measure(client, urls, engine, args.requests, 60)
        print(f"{label:38} ({len(times):3} requests): {summary_ms(times)}   queries/page {queries}", flush=True)


if __name__ == "__main__":
    main()

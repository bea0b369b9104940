"""Activities at the scale of a town: the feed benchmark's neighbours (20,000 in 144 neighbourhoods) with 10,000
activities (a third once, the rest weekly, every other week or monthly), sign-ups on their coming dates, and one
coffee morning with 200 people coming to a date.

Prints, per page (the list this month and this week, filtered, a later page, the week calendar, a date with 200
sign-ups, the activity page), the median and p95 server time and the queries per page; the goal is a constant
number of queries and under 300 ms.

    .venv/bin/python benchmarks/activities.py            # full size
    .venv/bin/python benchmarks/activities.py --quick    # 2,000 neighbours and 1,000 activities
BENCH_DATABASE_URL picks the (scratch!) database; it is dropped and created.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from benchmarks._common import scratch_database, summary_ms, timed  # noqa: E402
from benchmarks.feed import PASSWORD, fill, measure  # noqa: E402
from buurthulp import create_app  # noqa: E402
from buurthulp.db import utcnow  # noqa: E402
from buurthulp.extensions import db  # noqa: E402
from buurthulp.timeutil import local_today  # noqa: E402
from config import TestConfig  # noqa: E402

VIEWER_ID = 42
KINDS = ["coffee", "meal", "walk", "creative", "games", "outing", "learning", "other"]


def add_activities(count: int, seed: int = 5) -> dict[str, int]:
    """``count`` activities over the town and sign-ups to their coming dates; one with 200 coming on a date."""
    rng = random.Random(seed)
    now = utcnow()
    today = local_today(now)
    people = db.session.execute(sa.text("SELECT id, neighbourhood_id FROM neighbour ORDER BY id")).all()
    by_hood: dict[int, list[int]] = {}
    for person, hood in people:
        by_hood.setdefault(hood, []).append(person)
    rows = []
    for i in range(count):
        author, hood = people[rng.randrange(len(people))]
        repeat = rng.choice(["once", "weekly", "weekly", "fortnightly", "monthly"])
        starts = today + timedelta(days=rng.randrange(-60 if repeat != "once" else 0, 60))
        until = None if repeat == "once" or rng.random() < 0.5 else starts + timedelta(days=rng.randrange(30, 300))
        rows.append({"title": f"Activiteit {i + 1}", "description": "Samen iets leuks doen.",
                     "kind": rng.choice(KINDS), "neighbourhood_id": hood, "initiative_id": None, "author_id": author,
                     "place_id": None, "place_note": f"Buurthuis {hood}", "starts_on": starts,
                     "start_time": time(rng.choice([9, 10, 14, 19]), rng.choice([0, 30])),
                     "duration_minutes": rng.choice([60, 90, 120]), "repeat": repeat, "repeat_until": until,
                     "last_on": starts if repeat == "once" else until,
                     "capacity": rng.choice([None, None, 8, 12, 20]), "cost": rng.choice(["free", "free", "amount"]),
                     "cost_cents": None, "audience": "everyone", "audience_note": "", "show_notes": True,
                     "status": "active", "created_at": now, "updated_at": now})
    for row in rows:
        if row["cost"] == "amount":
            row["cost_cents"] = rng.choice([200, 350, 500])
    for start in range(0, len(rows), 5000):
        db.session.execute(sa.insert(db.metadata.tables["activity"]), rows[start:start + 5000])
    ids = db.session.execute(sa.text("SELECT id, author_id, neighbourhood_id, starts_on, repeat FROM activity")).all()
    db.session.execute(sa.insert(db.metadata.tables["activity_organiser"]),
                       [{"activity_id": a, "neighbour_id": author, "created_at": now} for a, author, *_ in ids])
    signups = []
    for activity_id, _author, hood, starts, repeat in ids:
        if starts < today and repeat == "once":
            continue
        day = starts if starts >= today or repeat != "weekly" else starts + timedelta(days=((today - starts).days // 7 + 1) * 7)
        for person in rng.sample(by_hood[hood], k=min(len(by_hood[hood]), rng.randrange(0, 6))):
            signups.append({"activity_id": activity_id, "on_date": day, "neighbour_id": person, "status": "coming",
                            "created_at": now})
    # the big one: a weekly coffee morning in the viewer's neighbourhood with 200 people coming next week
    viewer_hood = db.session.scalar(sa.text("SELECT neighbourhood_id FROM neighbour WHERE id = :id"), {"id": VIEWER_ID})
    big_day = today + timedelta(days=7)
    db.session.execute(sa.insert(db.metadata.tables["activity"]), [{
        **rows[0], "title": "Grote koffieochtend", "neighbourhood_id": viewer_hood, "author_id": VIEWER_ID,
        "starts_on": big_day, "repeat": "weekly", "repeat_until": None, "last_on": None, "capacity": None}])
    big = db.session.scalar(sa.text("SELECT max(id) FROM activity"))
    db.session.execute(sa.insert(db.metadata.tables["activity_organiser"]),
                       [{"activity_id": big, "neighbour_id": VIEWER_ID, "created_at": now}])
    nearby = [p for p, h in people if p != VIEWER_ID][:200]
    signups += [{"activity_id": big, "on_date": big_day, "neighbour_id": p, "status": "coming", "created_at": now}
                for p in nearby]
    for start in range(0, len(signups), 10000):
        db.session.execute(sa.insert(db.metadata.tables["activity_signup"]), signups[start:start + 10000])
    db.session.commit()
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    return {"activities": count + 1, "sign-ups": len(signups), "big": big, "big_day": big_day}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 neighbours and 1,000 activities")
    parser.add_argument("--requests", type=int, default=60, help="requests per kind of page")
    args = parser.parse_args()
    neighbours, count = (2_000, 1_000) if args.quick else (20_000, 10_000)
    url = scratch_database()
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                                  "RATELIMIT_ENABLED": False})
    app = create_app(config)
    with app.app_context():
        db.create_all()
        with timed(f"filled {neighbours:,} neighbours"):
            fill(neighbours, 0)
        with timed(f"added {count:,} activities and their sign-ups"):
            made = add_activities(count)
        print(f"{made['activities']:,} activities, {made['sign-ups']:,} sign-ups")
        engine = db.engine
    client = app.test_client()
    response = client.post("/login", data={"email": f"n{VIEWER_ID}@bench.example", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    big, day = made["big"], made["big_day"].isoformat()
    pages = {
        "list: this month": ["/activities/"],
        "list: this week": ["/activities/?when=week"],
        "list: filtered by kind": ["/activities/?when=all&kind=coffee", "/activities/?kind=walk"],
        "list: page 3": ["/activities/?when=all&page=3"],
        "week calendar": ["/activities/week", f"/activities/week?start={day}"],
        "a date with 200 coming (organiser)": [f"/activities/{big}/{day}"],
        "the activity's page": [f"/activities/{big}"],
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

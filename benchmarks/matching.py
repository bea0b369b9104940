"""The matcher on a synthetic city: wall time and peak memory at 10k, 50k and 100k open posts.

For each size, in a fresh process: fill a scratch database (neighbourhoods in a
grid, each next to its grid neighbours; neighbours who ask, offer, or say in
their profile what they like to do), then print
  - load: the time just to load the open posts from the database (the floor),
  - full: the whole matching run (load everything, match, store suggestions),
  - the ratio full/load, and the peak memory (max RSS) of the process,
  - a rerun on the same data (what the hourly job does when nothing changed),
  - the hourly run after 1% of the open posts changed (half closed, as many new),
    beside a full run on the same data, the load and the first full run; it
    must suggest the same as the full run (goals: at most 0.1x the full run and
    at most 1x the load),
  - the database's own time to store those suggestions (COPY of the same rows
    into an empty twin of the matches table, with all its indexes and foreign
    keys): the part of the run no matcher can go below; and into a bare twin.
At 10k it also runs a naive all-pairs matcher (every ask against every helper).
Goal: full at 100k within 3x load and under 60 s, growing close to linearly.

    .venv/bin/python benchmarks/matching.py           # 10k, 50k, 100k
    .venv/bin/python benchmarks/matching.py --quick   # 5k, under a minute
BENCH_DATABASE_URL picks the (scratch!) database; it is dropped and created.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from benchmarks._common import scratch_database  # noqa: E402

POSTS_PER_HOOD = 50


def fill(posts: int, seed: int = 7) -> None:
    from buurthulp.categories import Category
    from buurthulp.db import utcnow
    from buurthulp.extensions import db
    from buurthulp.timeutil import local_today

    rng = random.Random(seed)
    now = utcnow() - timedelta(hours=2)  # made before the first run: the hourly run after it sees no change here
    today = local_today(now)
    hoods = max(4, posts // POSTS_PER_HOOD)
    side = int(hoods ** 0.5) + 1
    t = db.metadata.tables
    db.session.execute(sa.insert(t["neighbourhood"]), [
        {"id": i + 1, "name": f"Buurt {i + 1}", "slug": f"b{i + 1}", "municipality": "Benchstad",
         "centre_lat": 52.0 + (i // side) * 0.012, "centre_lon": 5.0 + (i % side) * 0.019, "created_at": now}
        for i in range(hoods)])
    adjacency = []
    for i in range(hoods):
        r, c = divmod(i, side)
        for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            j = (r + dr) * side + c + dc
            if 0 <= r + dr and 0 <= c + dc < side and j < hoods:
                adjacency.append({"neighbourhood_id": i + 1, "adjacent_id": j + 1})
    db.session.execute(sa.insert(t["neighbourhood_adjacency"]), adjacency)
    categories = [c.value for c in Category]
    people, interests = [], []
    neighbours = posts  # about one open post per neighbour; many have none, some several
    for i in range(neighbours):
        hood = i % hoods
        people.append({
            "id": i + 1, "display_name": f"n{i + 1}", "email": f"n{i + 1}@bench.example", "email_confirmed_at": now,
            "password_hash": "x", "session_token": f"t{i + 1}", "locale": "nl", "neighbourhood_id": hood + 1,
            "latitude": round(52.0 + (hood // side) * 0.012 + rng.uniform(-0.005, 0.005), 3),
            "longitude": round(5.0 + (hood % side) * 0.019 + rng.uniform(-0.008, 0.008), 3),
            "about": "", "availability": rng.getrandbits(21) & rng.getrandbits(21), "digest": "monthly",
            "share_email": False, "share_phone": False, "notify_by_mail": True, "is_admin": False, "created_at": now,
        })
        if rng.random() < 0.4:
            for category in rng.sample(categories, 2):
                interests.append({"neighbour_id": i + 1, "direction": "offer", "category": category})
        if rng.random() < 0.2:
            interests.append({"neighbour_id": i + 1, "direction": "ask", "category": rng.choice(categories)})
    for start in range(0, len(people), 10000):
        db.session.execute(sa.insert(t["neighbour"]), people[start:start + 10000])
    for start in range(0, len(interests), 20000):
        db.session.execute(sa.insert(t["neighbour_interest"]), interests[start:start + 20000])
    rows = []
    for i in range(posts):
        author = people[rng.randrange(neighbours)]
        timing = rng.choice(["once", "flexible", "weekly"])
        row = {"kind": "ask" if rng.random() < 0.5 else "offer", "author_id": author["id"],
               "neighbourhood_id": author["neighbourhood_id"], "category": rng.choice(categories),
               "title": f"p{i}", "description": "", "private_details": "", "timing": timing, "weekly_slots": 0,
               "duration_minutes": 60, "place": "home_area", "place_note": "", "latitude": author["latitude"],
               "longitude": author["longitude"], "status": "open", "expires_at": now + timedelta(days=20),
               "created_at": now, "updated_at": now, "on_date": None, "day_part": None, "period_start": None,
               "period_end": None, "weekly_until": None}
        if timing == "once":
            row["on_date"], row["day_part"] = today + timedelta(days=rng.randrange(1, 20)), rng.randrange(3)
        elif timing == "flexible":
            row["period_start"], row["period_end"] = today, today + timedelta(days=rng.randrange(2, 20))
        else:
            row["weekly_slots"] = rng.getrandbits(21) & rng.getrandbits(21) or 1
        rows.append(row)
    for start in range(0, len(rows), 10000):
        db.session.execute(sa.insert(t["post"]), rows[start:start + 10000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))


def objects(side, make):
    """Columns back into Ask or Helper objects, for the naive matcher."""
    from datetime import date

    from buurthulp.matching.rules import Window

    return [make(post, person, hood, str(category), None if lat != lat else lat, None if lon != lon else lon,
                 Window(mask, date.fromordinal(start), date.fromordinal(end), free))
            for person, hood, category, lat, lon, mask, start, end, post, free in zip(
                *(getattr(side, name).tolist() for name in ("person", "hood", "category", "lat", "lon", "mask",
                                                               "start", "end", "post", "free")), strict=True)]


def naive(asks, helpers, ctx):
    """Every ask against every helper, one pair at a time, no buckets: the baseline the real matcher must beat."""
    from buurthulp.geo import distance_m
    from buurthulp.matching.rules import Ask, Helper, explain, pair, score

    asks = objects(asks, lambda post, person, *rest: Ask(post, person, *rest))
    helpers = objects(helpers, lambda post, person, *rest: Helper(person, *rest, offer=post or None))
    found = []
    for ask in asks:
        near = {ask.hood, *ctx.adjacent.get(ask.hood, ())}
        for helper in helpers:
            if helper.category != ask.category or helper.hood not in near or helper.person == ask.asker:
                continue
            if pair(ask.asker, helper.person) in ctx.blocked or (ask.asker, helper.person) in ctx.declined:
                continue
            if not ask.window.overlap(helper.window):
                continue
            overlap = ask.window.free_overlap(helper.window)  # scored and named, as in the engine
            distance = None
            if ask.lat is not None and helper.lat is not None:
                distance = distance_m(ask.lat, ask.lon, helper.lat, helper.lon)
                if distance > ctx.max_metres:
                    continue
            found.append((score(ask, helper, overlap, distance, ctx), ask, helper, overlap, distance))
    per_ask, per_helper, taken, chosen = {}, {}, set(), []
    for _value, ask, helper, overlap, distance in sorted(found, key=lambda f: (-f[0], f[1].id, f[2].person)):
        if per_ask.get(ask.id, 0) < ctx.k and per_helper.get(helper.person, 0) < ctx.m and (
                (ask.id, helper.person) not in taken):
            taken.add((ask.id, helper.person))
            per_ask[ask.id] = per_ask.get(ask.id, 0) + 1
            per_helper[helper.person] = per_helper.get(helper.person, 0) + 1
            chosen.append((ask.id, helper.person, explain(ask, helper, overlap, distance, ctx)))
    return chosen


def store_floor(session) -> tuple[float, float]:
    """The database's own time to store the run's suggestions, without Python: the same rows into a twin table.

    Twice, each in a transaction that is rolled back: into a twin with every
    index, check and foreign key of ``match``, and into a bare twin (columns
    and defaults only), the least any storing of these rows can cost.
    """
    from buurthulp.matching.services import MATCH_COLUMNS

    columns = ", ".join(MATCH_COLUMNS)
    raw = session.connection().connection.driver_connection
    timings = []
    with raw.cursor() as cursor:
        data = bytearray()
        with cursor.copy(f"COPY (SELECT {columns} FROM match) TO STDOUT") as copy:
            for block in copy:
                data += block
        session.rollback()
        for like, keys in (("INCLUDING ALL", True), ("INCLUDING DEFAULTS", False)):
            cursor.execute(f"CREATE TABLE match_twin (LIKE match {like})")
            constraints = cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                         "WHERE conrelid = 'match'::regclass AND contype = 'f'").fetchall()
            for (definition,) in constraints if keys else ():
                cursor.execute(f"ALTER TABLE match_twin ADD {definition}")
            start = time.perf_counter()
            with cursor.copy(f"COPY match_twin ({columns}) FROM STDIN") as copy:
                copy.write(data)
            timings.append(time.perf_counter() - start)
            raw.rollback()
    return timings[0], timings[1]


def change_one_percent(session, at) -> int:
    """1% of the open posts change: half of them close, as many new ones are posted (copies of others, elsewhere)."""
    from buurthulp.extensions import db

    post = db.metadata.tables["post"]
    ids = session.execute(sa.select(post.c.id).where(post.c.status == "open").order_by(post.c.id)).scalars().all()
    rng = random.Random(11)
    n = len(ids) // 200
    close = rng.sample(ids, n)
    session.execute(sa.update(post).where(post.c.id.in_(close)).values(status="closed", closed_at=at, updated_at=at))
    hoods = session.execute(sa.select(sa.func.max(post.c.neighbourhood_id))).scalar()
    copies = session.execute(sa.select(post).where(post.c.id.in_(rng.sample(ids, n)))).mappings().all()
    session.execute(sa.insert(post), [
        {**{k: v for k, v in row.items() if k != "id"}, "neighbourhood_id": rng.randint(1, hoods),
         "created_at": at, "updated_at": at} for row in copies])
    return 2 * n


def suggested(session, at) -> list[tuple]:
    """What the run at ``at`` suggested, in a fixed order."""
    from buurthulp.posts.models import Match

    return [tuple(row) for row in session.execute(
        sa.select(Match.ask_id, Match.helper_id, Match.offer_id, Match.score).where(Match.created_at == at)
        .order_by(Match.ask_id, Match.helper_id)).all()]


def child(posts: int, with_naive: bool) -> dict:
    from buurthulp import create_app
    from buurthulp.db import utcnow
    from buurthulp.extensions import db
    from buurthulp.matching.load import load, open_posts
    from buurthulp.matching.services import run_matching
    from buurthulp.posts.models import PostKind
    from config import TestConfig

    url = scratch_database()
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    out = {"posts": posts}
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        fill(posts)
        out["fill_s"] = time.perf_counter() - start
        now = utcnow()
        db.session.remove()
        loads = []
        for _ in range(3):  # the floor is the median of three, the figure this noisy machine gives most often
            start = time.perf_counter()
            loaded = len(open_posts(db.session, now, PostKind.ASK)) + len(open_posts(db.session, now, PostKind.OFFER))
            loads.append(time.perf_counter() - start)
            db.session.remove()
        out["load_s"] = sorted(loads)[1]
        out["loaded"] = loaded
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        counts = run_matching(db.session, now)
        db.session.commit()
        out["full_s"] = time.perf_counter() - start
        out["counts"] = counts
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out["rss_before_mb"] = rss_before / 1024
        if db.engine.dialect.name == "postgresql":
            out["store_floor_s"], out["store_bare_s"] = store_floor(db.session)
            db.session.remove()
            with db.engine.connect() as conn:  # what autovacuum does in the hour before the next run
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
        db.session.remove()
        start = time.perf_counter()
        out["rerun"] = run_matching(db.session, now)  # the hourly run on unchanged data: must find nothing new
        out["rerun_s"] = time.perf_counter() - start
        db.session.rollback()
        changed = change_one_percent(db.session, now + timedelta(minutes=30))
        db.session.commit()
        db.session.remove()
        later = now + timedelta(hours=1)
        start = time.perf_counter()
        out["hourly"] = run_matching(db.session, later)
        out["hourly_s"] = time.perf_counter() - start
        hourly = suggested(db.session, later)
        db.session.rollback()
        db.session.remove()
        start = time.perf_counter()
        out["full_after"] = run_matching(db.session, later, full=True)
        out["full_after_s"] = time.perf_counter() - start
        out["same"] = hourly == suggested(db.session, later)
        out["changed"] = changed
        db.session.rollback()
        if with_naive:
            db.session.remove()
            asks, helpers, ctx = load(db.session, now + timedelta(days=8), max_metres=3000, k=3, m=2)
            ctx.taken, ctx.live_per_ask, ctx.proposals_this_week = set(), {}, {}
            start = time.perf_counter()
            naive_result = naive(asks, helpers, ctx)
            out["naive_s"] = time.perf_counter() - start
            from buurthulp.matching.engine import match_sides

            start = time.perf_counter()
            fast_result = match_sides(asks, helpers, ctx)
            out["engine_s"] = time.perf_counter() - start
            out["naive_suggestions"], out["engine_suggestions"] = len(naive_result), len(fast_result)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one small size (5,000 open posts)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--naive", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.naive)))
        return
    sizes = [5_000] if args.quick else [10_000, 50_000, 100_000]
    results = []
    for size in sizes:
        proc = subprocess.run([sys.executable, __file__, "--child", str(size)] + (["--naive"] if size == sizes[0] else []),
                              capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            print(proc.stderr[-3000:])
            raise SystemExit(f"size {size} failed")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        c = r["counts"]
        print(f"{r['posts']:>7,} open posts: load {r['load_s']:6.2f} s   full run {r['full_s']:6.2f} s   "
              f"ratio {r['full_s'] / r['load_s']:5.1f}x   peak RSS {r['peak_rss_mb']:7.0f} MB   "
              f"suggestions {c['suggestions']:,}", flush=True)
        print(f"{'':>7}  of which: loading every input {c['load_ms'] / 1000:5.2f} s, matching {c['match_ms'] / 1000:5.2f} s, "
              f"storing suggestions and notifications {c['store_ms'] / 1000:5.2f} s", flush=True)
        if "store_floor_s" in r:
            own = r["full_s"] - c["store_ms"] / 1000
            print(f"{'':>7}  the database alone stores these suggestions in {r['store_floor_s']:5.2f} s "
                  f"({r['store_floor_s'] / r['load_s']:.1f}x the load; {r['store_bare_s']:4.2f} s into a bare table "
                  f"without indexes or keys); loading and matching took {own:5.2f} s ({own / r['load_s']:.1f}x the load)",
                  flush=True)
        print(f"{'':>7}  a rerun on the same data (the hourly run when nothing changed): {r['rerun_s']:5.2f} s "
              f"({r['rerun_s'] / r['load_s']:.1f}x the load), {r['rerun']['suggestions']} new suggestions", flush=True)
        h, f = r["hourly"], r["full_after"]
        print(f"{'':>7}  after {r['changed']:,} posts changed (1%): the hourly run {r['hourly_s']:5.2f} s "
              f"({r['hourly_s'] / r['full_after_s']:.2f}x the full run on the same data, {r['full_after_s']:5.2f} s; "
              f"{r['hourly_s'] / r['load_s']:.2f}x the load), {h['buckets']:,} buckets changed, {h['asks']:,} asks and "
              f"{h['helpers']:,} helpers loaded (full: {f['asks']:,} and {f['helpers']:,}); {h['suggestions']:,} "
              f"suggestions, {'the same as' if r['same'] else 'NOT the same as'} the full run's {f['suggestions']:,}",
              flush=True)
        print(f"{'':>7}  of which: hourly loading {h['load_ms'] / 1000:5.2f} s, matching {h['match_ms'] / 1000:5.2f} s, "
              f"storing {h['store_ms'] / 1000:5.2f} s; {r['hourly_s'] / r['full_s']:.2f}x the first full run",
              flush=True)
        if "naive_s" in r:
            print(f"{'':>7}  naive all-pairs matcher: {r['naive_s']:6.2f} s   engine on the same input: "
                  f"{r['engine_s']:6.2f} s   ({r['naive_suggestions']:,} vs {r['engine_suggestions']:,} suggestions)",
                  flush=True)
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = (last["full_s"] / first["full_s"]) / (last["posts"] / first["posts"])
        print(f"growth: {last['posts'] // first['posts']}x the posts took {last['full_s'] / first['full_s']:.1f}x the time "
              f"({growth:.2f} of linear)")


if __name__ == "__main__":
    main()

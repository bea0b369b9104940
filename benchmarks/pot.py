"""The pot's balances page with a large ledger: 1,000,000 entries beside 1,000.

Fills a scratch PostgreSQL database with one initiative, 200 members and a
ledger of two years (compensation into the pot, month-end shares, payouts,
contributions), with account balances and monthly totals as the app keeps
them; checks the whole ledger with ``verify``; then times the treasurer's
balances page (``/pot/<slug>/books``), and for reference a month's statement
and a member's statement. The figure is the ratio of the balances page's
median at 1,000,000 entries to that at 1,000.

    .venv/bin/python benchmarks/pot.py            # 1,000 and 1,000,000 entries
    .venv/bin/python benchmarks/pot.py --quick    # 1,000 and 100,000 entries, under a minute
BENCH_DATABASE_URL picks the (scratch!) database; it is dropped and created.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from benchmarks._common import QueryCounter, scratch_database, summary_ms, timed  # noqa: E402
from buurthulp import create_app  # noqa: E402
from buurthulp.db import utcnow  # noqa: E402
from buurthulp.extensions import db  # noqa: E402
from buurthulp.timeutil import local_today  # noqa: E402
from config import TestConfig  # noqa: E402

MEMBERS = 200
PASSWORD = "benchmark password"
SLUG = "bench-pot"


def _copy(table: str, columns: list[str], rows) -> None:
    """COPY rows into a table (PostgreSQL), a chunk at a time."""
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def fill(entries: int, seed: int = 1) -> None:
    """One initiative in pot mode, its treasurer and members, and a ledger of about ``entries`` lines."""
    from werkzeug.security import generate_password_hash

    from buurthulp.neighbourhoods.models import Role
    from buurthulp.neighbourhoods.services import grant_role, save_initiative, save_neighbourhood
    from buurthulp.pot.models import CompensationMode, DistributionRule, PotSettings

    rng = random.Random(seed)
    now = utcnow()
    hood = save_neighbourhood(db.session, None, name="Benchbuurt", municipality="Benchstad", prefixes=["1234"],
                              adjacent=[], centre_lat=52.0, centre_lon=5.0)
    initiative = save_initiative(db.session, None, name="Bench Pot", description="", contact_email=None,
                                 neighbourhoods=[hood])
    initiative.slug = SLUG
    pw_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    people = [{"id": i + 1, "display_name": f"Lid {i + 1}", "email": f"n{i + 1}@bench.example",
               "email_confirmed_at": now, "password_hash": pw_hash, "session_token": f"bench-{i + 1}",
               "locale": "nl", "postcode": "1234 AB", "neighbourhood_id": hood.id, "about": "", "availability": 0,
               "digest": "monthly", "share_email": False, "share_phone": False, "notify_by_mail": False,
               "is_admin": False, "created_at": now} for i in range(MEMBERS + 1)]
    db.session.execute(sa.insert(db.metadata.tables["neighbour"]), people)
    db.session.execute(sa.text("SELECT setval('neighbour_id_seq', :n)"), {"n": len(people)})
    from buurthulp.accounts.models import Neighbour

    treasurer = db.session.get(Neighbour, 1)
    grant_role(db.session, initiative, treasurer, Role.TREASURER)
    for person_id in range(2, MEMBERS + 2):
        grant_role(db.session, initiative, db.session.get(Neighbour, person_id), Role.MEMBER)
    db.session.add(PotSettings(initiative_id=initiative.id, mode=CompensationMode.POT, rate_per_hour_cents=400,
                               category_rates={}, rate_per_km_cents=0, rule=DistributionRule.BY_HOURS,
                               month_end_day=1))
    db.session.flush()

    write_ledger(initiative.id, list(range(2, MEMBERS + 2)), entries, booked_by=1, rng=rng)


def write_ledger(initiative_id: int, member_ids: list[int], entries: int, booked_by: int, rng: random.Random) -> None:
    """A ledger of about ``entries`` lines over two years for a pot initiative with no accounts yet (compensation
    into the pot, month-end shares, payouts, contributions), with balances and monthly totals as the app keeps them."""
    now = utcnow()
    # accounts: 1 pot, 2 compensations, 3 contributions, 4 payouts, then one per member
    fixed = [(1, "pot", "pot", None), (2, "compensations", "compensations", None),
             (3, "contributions", "contributions", None), (4, "payouts", "payouts", None)]
    accounts = fixed + [(5 + j, "member", f"member:{person}", person) for j, person in enumerate(member_ids)]
    owner = {5 + j: person for j, person in enumerate(member_ids)}
    balance, earned, paid = defaultdict(int), defaultdict(int), defaultdict(int)
    months: dict[tuple, int] = defaultdict(int)
    allowance: dict[tuple, int] = defaultdict(int)  # (person, year, month or 0 for the year)
    transactions, lines = [], []
    start = local_today(now) - timedelta(days=730)
    txn_id = entry_id = 0

    def add(kind: str, day: date, moves: list[tuple[int, int]], neighbour_id=None, minutes=None):
        nonlocal txn_id, entry_id
        txn_id += 1
        transactions.append((txn_id, initiative_id, kind, kind, day, "", f"bench:{txn_id}", booked_by if kind in (
            "payout", "contribution") else None, now, neighbour_id, minutes))
        for account_id, cents in moves:
            entry_id += 1
            lines.append((entry_id, txn_id, account_id, cents))
            balance[account_id] += cents
            months[(account_id, day.replace(day=1), kind)] += cents
            if account_id > 4 and kind == "distribution":
                earned[account_id] += cents
                for month in (day.month, 0):
                    allowance[(owner[account_id], day.year, month)] += cents
            if account_id > 4 and kind == "payout":
                paid[account_id] -= cents

    while entry_id < entries:
        day = start + timedelta(days=rng.randrange(730))
        account_id = rng.randrange(5, 5 + len(member_ids))
        neighbour_id = owner[account_id]
        cents = rng.randrange(100, 2000)
        add("compensation", day, [(2, -cents), (1, cents)], neighbour_id, 60)
        add("distribution", day, [(1, -cents), (account_id, cents)])
        add("payout", day, [(account_id, -(cents // 2)), (4, cents // 2)], neighbour_id)
        if rng.random() < 0.1:
            add("contribution", day, [(3, -500), (1, 500)])

    _copy("pot_account", ["id", "initiative_id", "kind", "key", "neighbour_id", "balance_cents", "earned_cents",
                          "paid_cents"],
          ((i, initiative_id, kind, key, person, balance[i], earned[i], paid[i]) for i, kind, key, person in accounts))
    _copy("pot_transaction", ["id", "initiative_id", "kind", "effect", "value_date", "description",
                              "idempotency_key", "booked_by_id", "booked_at", "neighbour_id", "minutes"], transactions)
    _copy("pot_entry", ["id", "transaction_id", "account_id", "amount_cents"], lines)
    _copy("pot_month", ["account_id", "month", "effect", "amount_cents"],
          ((a, m, k, c) for (a, m, k), c in months.items()))
    _copy("allowance_total", ["neighbour_id", "year", "month", "earned_cents"],
          ((n, y, m, c) for (n, y, m), c in allowance.items()))
    for table in ("pot_account", "pot_transaction", "pot_entry"):
        db.session.execute(sa.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    db.session.commit()
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    print(f"  {txn_id:,} transactions, {entry_id:,} entries", flush=True)


def measure(client, url: str, engine, requests: int, seconds: float) -> tuple[list[float], int]:
    times, queries = [], set()
    deadline = time.monotonic() + seconds
    for _ in range(requests):
        if time.monotonic() > deadline:
            break
        with QueryCounter(engine) as counter:
            began = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(counter.count)
    return times, max(queries)


def run(entries: int, requests: int) -> dict[str, list[float]]:
    url = scratch_database()
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                                  "RATELIMIT_ENABLED": False})
    app = create_app(config)
    if not url.startswith("postgresql"):
        raise SystemExit("benchmarks/pot.py needs PostgreSQL (BENCH_DATABASE_URL)")
    with app.app_context():
        db.create_all()
        with timed(f"filled a ledger of {entries:,} entries"):
            fill(entries)
        from buurthulp.pot.verify import verify

        with timed("  verify() over the whole ledger"):
            problems = verify(db.session)
        assert problems == [], problems[:5]
        engine = db.engine
    client = app.test_client()
    response = client.post("/login", data={"email": "n1@bench.example", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    month = local_today().strftime("%Y-%m")
    pages = {"balances page": f"/pot/{SLUG}/books", "month statement": f"/pot/{SLUG}/months/{month}",
             "member statement": f"/pot/{SLUG}/members/2"}
    results = {}
    for label, page in pages.items():
        client.get(page)  # warm up
        times, queries = measure(client, page, engine, requests, 60)
        print(f"  {label:17s} ({len(times)} requests): {summary_ms(times)}   queries/page {queries}", flush=True)
        results[label] = times
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 and 100,000 entries")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    small, large = 1_000, (100_000 if args.quick else 1_000_000)
    print(f"== {small:,} entries", flush=True)
    few = run(small, args.requests)
    print(f"== {large:,} entries", flush=True)
    many = run(large, args.requests)
    for label in few:
        ratio = statistics.median(many[label]) / statistics.median(few[label])
        print(f"{label}: median at {large:,} entries / at {small:,} entries = {ratio:.2f}x")


if __name__ == "__main__":
    main()

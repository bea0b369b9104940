"""The hourly run looks only at what changed: after random changes it suggests what a full run would (hypothesis)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.matching import services
from buurthulp.matching.models import MatchingCap
from buurthulp.matching.services import run_matching
from buurthulp.posts.models import Match, MatchSource
from buurthulp.timeutil import local_today
from tests.examples import examples

CATEGORIES = ["klussen", "vervoer", "gezelschap"]
# children first: each example starts from empty tables
TABLES = ("notification", "match", "block", "post", "neighbour_interest", "matching_liker", "matching_cap", "matching_run",
          "neighbour", "neighbourhood_adjacency", "neighbourhood")
CHANGES = ("new_post", "close_post", "move_post", "profile", "interest_on", "interest_off", "block", "decline",
           "cancel", "leave", "move_person")


@pytest.fixture
def config_overrides() -> dict:
    return {"MATCH_MAX_METRES": 2500, "MATCH_SUGGESTIONS_PER_ASK": 2, "MATCH_PROPOSALS_PER_HELPER_PER_WEEK": 1}


def table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def empty() -> None:
    for name in TABLES:
        db.session.execute(sa.delete(table(name)))
    db.session.commit()


def post_row(rng: random.Random, person: dict, hood: int, at, today) -> dict:
    timing = rng.choice(["once", "flexible", "weekly"])
    row = {"kind": rng.choice(["ask", "offer"]), "author_id": person["id"], "neighbourhood_id": hood,
           "category": rng.choice(CATEGORIES), "title": "p", "description": "", "private_details": "",
           "timing": timing, "weekly_slots": 0, "duration_minutes": 60, "place": "home_area", "place_note": "",
           "latitude": person["latitude"], "longitude": person["longitude"], "status": "open",
           "expires_at": at + timedelta(days=rng.choice([2, 30])), "created_at": at, "updated_at": at,
           "on_date": None, "day_part": None, "period_start": None, "period_end": None, "weekly_until": None}
    if timing == "once":
        row["on_date"], row["day_part"] = today + timedelta(days=rng.randrange(0, 12)), rng.choice([None, 0, 1, 2])
    elif timing == "flexible":
        row["period_start"] = today + timedelta(days=rng.randrange(0, 4))
        row["period_end"] = row["period_start"] + timedelta(days=rng.randrange(0, 12))
    else:
        row["weekly_slots"] = rng.getrandbits(21) | 1
    return row


def person_row(rng: random.Random, i: int, hoods: int, at) -> dict:
    hood = rng.randrange(hoods)
    return {"id": i, "display_name": f"n{i}", "email": f"n{i}@example.org", "email_confirmed_at": at,
            "password_hash": "x", "session_token": f"t{i}", "locale": "nl", "neighbourhood_id": hood + 1,
            "latitude": None if rng.random() < 0.15 else round(52.0 + hood * 0.01 + rng.uniform(-0.01, 0.01), 4),
            "longitude": round(5.0 + rng.uniform(-0.01, 0.01), 4), "about": "",
            "availability": rng.choice([0, rng.getrandbits(21), (1 << 21) - 1]), "digest": "monthly",
            "share_email": False, "share_phone": False, "notify_by_mail": True, "is_admin": False, "created_at": at}


def fill(rng: random.Random, at) -> list[dict]:
    """A few neighbourhoods in a row, each next to the next, with neighbours, their interests and posts."""
    hoods = rng.randint(4, 10)
    db.session.execute(sa.insert(table("neighbourhood")), [
        {"id": h + 1, "name": f"B{h}", "slug": f"b{h}", "municipality": "Test", "centre_lat": 52.0 + h * 0.01,
         "centre_lon": 5.0, "created_at": at} for h in range(hoods)])
    db.session.execute(sa.insert(table("neighbourhood_adjacency")), [
        {"neighbourhood_id": a + 1, "adjacent_id": b + 1} for a in range(hoods) for b in (a - 1, a + 1)
        if 0 <= b < hoods])
    people = [person_row(rng, i, hoods, at) for i in range(1, rng.randint(10, 30))]
    db.session.execute(sa.insert(table("neighbour")), people)
    interests = [{"neighbour_id": p["id"], "direction": "offer", "category": c}
                 for p in people for c in CATEGORIES if rng.random() < 0.3]
    if interests:
        db.session.execute(sa.insert(table("neighbour_interest")), interests)
    db.session.execute(sa.insert(table("post")), [
        post_row(rng, person, person["neighbourhood_id"], at, local_today(at))
        for person in rng.choices(people, k=rng.randint(10, 40))])
    db.session.commit()
    return people


def change(rng: random.Random, what: str, people: list[dict], at) -> None:
    """One change a neighbour or the app could make, stamped ``at`` (the simulated clock) as the app stamps it
    (``updated_at``, ``Neighbour.profile_changed_at``: test_profile_stamp.py checks the app does)."""
    post, match = table("post"), table("match")
    posts = db.session.execute(sa.select(post.c.id).where(post.c.status == "open").order_by(post.c.id)).scalars().all()
    matches = db.session.execute(sa.select(match.c.id).order_by(match.c.id)).scalars().all()
    person = rng.choice(people)
    hoods = db.session.execute(sa.select(sa.func.count()).select_from(table("neighbourhood"))).scalar()
    if what == "new_post":
        db.session.execute(sa.insert(post), [post_row(rng, person, rng.randint(1, hoods), at, local_today(at))])
    elif what == "close_post" and posts:
        db.session.execute(sa.update(post).where(post.c.id == rng.choice(posts)).values(
            status="closed", closed_at=at, updated_at=at))
    elif what == "move_post" and posts:
        db.session.execute(sa.update(post).where(post.c.id == rng.choice(posts)).values(
            neighbourhood_id=rng.randint(1, hoods), category=rng.choice(CATEGORIES), updated_at=at))
    elif what == "profile":
        db.session.execute(sa.update(table("neighbour")).where(table("neighbour").c.id == person["id"]).values(
            availability=rng.choice([0, rng.getrandbits(21), (1 << 21) - 1]), profile_changed_at=at))
    elif what == "move_person":
        hood = rng.randint(1, hoods)
        db.session.execute(sa.update(table("neighbour")).where(table("neighbour").c.id == person["id"]).values(
            neighbourhood_id=hood, latitude=round(52.0 + (hood - 1) * 0.01, 4), profile_changed_at=at))
    elif what in ("interest_on", "interest_off"):
        interest = table("neighbour_interest")
        key = {"neighbour_id": person["id"], "direction": "offer", "category": rng.choice(CATEGORIES)}
        db.session.execute(sa.delete(interest).where(*(interest.c[k] == v for k, v in key.items())))
        if what == "interest_on":
            db.session.execute(sa.insert(interest), [key])
        db.session.execute(sa.update(table("neighbour")).where(table("neighbour").c.id == person["id"]).values(
            profile_changed_at=at))
    elif what == "block":
        other = rng.choice(people)
        if other["id"] != person["id"]:
            db.session.execute(sa.delete(table("block")).where(table("block").c.blocker_id == person["id"],
                                                               table("block").c.blocked_id == other["id"]))
            db.session.execute(sa.insert(table("block")), [
                {"blocker_id": person["id"], "blocked_id": other["id"], "created_at": at}])
    elif what in ("decline", "cancel") and matches:
        db.session.execute(sa.update(match).where(match.c.id == rng.choice(matches)).values(
            status="declined" if what == "decline" else "cancelled", updated_at=at, closed_at=at))
    elif what == "leave":
        db.session.execute(sa.update(table("neighbour")).where(table("neighbour").c.id == person["id"]).values(
            deleted_at=at, profile_changed_at=at))


def suggested(at) -> list[tuple]:
    """What the run at ``at`` suggested, in a fixed order."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Match.ask_id, Match.offer_id, Match.asker_id, Match.helper_id, Match.score, Match.reasons)
        .where(Match.created_at == at).order_by(Match.ask_id, Match.helper_id)).all()]


def caps_are_right(at, m: int) -> None:
    """The weekly caps the matcher keeps are those its suggestions of the last week give."""
    made: dict[int, list] = {}
    for helper, created in db.session.execute(sa.select(Match.helper_id, Match.created_at).where(
            Match.source == MatchSource.SCHEDULER, Match.created_at >= at - timedelta(days=7))):
        made.setdefault(helper, []).append(created)
    truth = {helper: sorted(times, reverse=True)[m - 1] + timedelta(days=7)
             for helper, times in made.items() if len(times) >= m}
    kept = dict(db.session.execute(sa.select(MatchingCap.neighbour_id, MatchingCap.until).where(
        MatchingCap.until >= at)).all())
    assert kept == truth


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2 ** 32), rounds=st.lists(
    st.tuples(st.sampled_from([timedelta(hours=1), timedelta(hours=5), timedelta(days=7, hours=1),
                               timedelta(days=91)]),  # a week: caps reset; 91 days: the pause after a no ends
              st.lists(st.sampled_from(CHANGES), min_size=1, max_size=2)), min_size=1, max_size=3))
def test_an_hourly_run_after_changes_suggests_what_a_full_run_would(app, monkeypatch, seed, rounds):
    monkeypatch.setattr(services, "FULL_EVERY", timedelta(days=365))  # so that every later run is an hourly one
    empty()
    rng = random.Random(seed)
    at = utcnow()
    people = fill(rng, at)
    assert run_matching(db.session, at)["full"]
    caps_are_right(at, 1)
    db.session.commit()
    for number, (gap, changes) in enumerate(rounds, start=1):
        for what in changes:
            change(rng, what, people, at + gap / 2)
        at += gap
        db.session.commit()
        hourly = run_matching(db.session, at)
        assert not hourly["full"]
        if hourly["suggestions"]:  # (a run that found nothing changed leaves the caps that ended to the next)
            caps_are_right(at, 1)
        found = suggested(at)
        if number < len(rounds):
            db.session.commit()  # an hourly run on the result of an hourly run, and so on
            continue
        db.session.rollback()
        assert run_matching(db.session, at, full=True)["full"]
        assert found == suggested(at)
        db.session.rollback()
    empty()


def test_nothing_changed_loads_nothing(app):
    empty()
    at = utcnow()
    fill(random.Random(3), at - timedelta(hours=1))
    run_matching(db.session, at)
    db.session.commit()
    counts = run_matching(db.session, at + timedelta(hours=1))
    assert (counts["full"], counts["buckets"], counts["asks"], counts["suggestions"]) == (False, 0, 0, 0)
    assert run_matching(db.session, at + timedelta(days=1, hours=1))["full"], "once a day a full run"
    empty()

"""The hourly matcher reads only the profiles that changed: every change of what a helper is matched on, made
anywhere through the app, stamps ``Neighbour.profile_changed_at``; and the weekly caps it keeps itself
(``MatchingCap``) go with the person."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp import privacy
from buurthulp.accounts.models import InterestDirection, Neighbour
from buurthulp.accounts.services import set_interests
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.matching.models import MatchingCap, MatchingLiker
from buurthulp.matching.services import run_matching
from buurthulp.posts.models import Match
from tests.factories import make_neighbour, make_neighbourhood


def stamp(person: Neighbour):
    return db.session.scalar(sa.select(Neighbour.profile_changed_at).where(Neighbour.id == person.id))


@pytest.fixture
def person(app):
    someone = make_neighbour(make_neighbourhood("Zuilen", ["3554"]), availability=1)
    db.session.commit()
    db.session.execute(sa.update(Neighbour).where(Neighbour.id == someone.id).values(profile_changed_at=None))
    db.session.commit()
    db.session.expire_all()
    return someone


def test_a_new_neighbour_is_stamped(app):
    assert make_neighbour(make_neighbourhood("Ondiep", ["3552"])).profile_changed_at is not None


@pytest.mark.parametrize("change", [
    lambda p: setattr(p, "availability", 7),
    lambda p: setattr(p, "latitude", 52.2),
    lambda p: setattr(p, "longitude", 5.2),
    lambda p: setattr(p, "neighbourhood", make_neighbourhood("Ondiep", ["3552"])),
    lambda p: setattr(p, "email_confirmed_at", None),
    lambda p: setattr(p, "email", "nieuw@example.org"),
    lambda p: setattr(p, "deleted_at", utcnow()),
    lambda p: set_interests(p, InterestDirection.OFFER, [Category.ODD_JOBS]),
], ids=["availability", "latitude", "longitude", "neighbourhood", "confirmation", "email", "deleted", "interests"])
def test_a_change_of_what_helpers_are_matched_on_is_stamped(person, change):
    before = utcnow()
    change(person)
    db.session.commit()
    assert stamp(person) is not None and stamp(person) >= before


def test_an_interest_taken_away_is_stamped(person):
    set_interests(person, InterestDirection.OFFER, [Category.ODD_JOBS, Category.MEALS])
    db.session.commit()
    db.session.execute(sa.update(Neighbour).where(Neighbour.id == person.id).values(profile_changed_at=None))
    db.session.commit()
    db.session.expire_all()
    set_interests(person, InterestDirection.OFFER, [Category.ODD_JOBS])
    db.session.commit()
    assert stamp(person) is not None


@pytest.mark.parametrize("change", [
    lambda p: setattr(p, "display_name", "Nieuwe naam"),
    lambda p: setattr(p, "about", "Ik hou van tuinieren"),
    lambda p: setattr(p, "last_login_at", utcnow()),
    lambda p: setattr(p, "suggestions_mailed_at", utcnow()),
], ids=["name", "about", "login", "mailed"])
def test_other_changes_are_not(person, change):
    change(person)
    db.session.commit()
    assert stamp(person) is None


def test_the_hourly_run_finds_a_helper_who_just_said_what_they_like_to_do(town):
    people, ask = town
    joost = people["joost"]
    set_interests(joost, InterestDirection.OFFER, [])
    db.session.commit()
    at = utcnow()
    run_matching(db.session, at, full=True)
    db.session.commit()
    assert joost.id not in set(db.session.scalars(sa.select(Match.helper_id).where(Match.ask_id == ask.id)))
    set_interests(joost, InterestDirection.OFFER, [Category.ODD_JOBS])  # through the app: stamped
    db.session.commit()
    counts = run_matching(db.session, at + timedelta(hours=1))
    assert not counts["full"]
    assert joost.id in set(db.session.scalars(sa.select(Match.helper_id).where(Match.ask_id == ask.id)))


def test_what_the_matcher_keeps_of_a_helper_goes_with_them(app, town, monkeypatch):
    people, _ask = town
    app.config["MATCH_PROPOSALS_PER_HELPER_PER_WEEK"] = 1
    run_matching(db.session, utcnow(), full=True)
    db.session.commit()
    capped = set(db.session.scalars(sa.select(MatchingCap.neighbour_id)))
    assert capped and capped <= {people["ahmed"].id, people["joost"].id}
    helper = db.session.get(Neighbour, capped.pop())
    privacy.delete_account(db.session, helper)
    db.session.commit()
    for table in (MatchingCap, MatchingLiker):
        assert not db.session.scalars(sa.select(table).where(table.neighbour_id == helper.id)).all()

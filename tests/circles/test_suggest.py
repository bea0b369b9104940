"""Growing a circle with the matcher: suggestions for a rota slot whose dates stay open."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from buurthulp.accounts.models import InterestDirection, Neighbour
from buurthulp.accounts.services import set_interests
from buurthulp.categories import Category, DayPart, mask_of
from buurthulp.circles import suggest
from buurthulp.circles.models import Circle, CircleStatus, Frequency, RotaSlot, Shift, SlotSeries
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.posts.models import Block, Match, MatchSource, MatchStatus, Post, PostKind, PostStatus, Timing
from buurthulp.timeutil import local_today
from tests.factories import make_neighbour

TUESDAY, EVENING = 1, DayPart.EVENING


def person(hood, name, *, likes=(Category.MEALS,), slots=((TUESDAY, EVENING),)) -> Neighbour:
    n = make_neighbour(hood, name=name, latitude=hood.centre_lat, longitude=hood.centre_lon,
                       availability=mask_of(slots))
    set_interests(n, InterestDirection.OFFER, list(likes))
    db.session.flush()
    return n


def busy(helper, asker, count: int) -> None:
    """``count`` open matches with ``helper`` helping."""
    for i in range(count):
        post = Post(kind=PostKind.ASK, author_id=asker.id, neighbourhood_id=asker.neighbourhood_id,
                    category=Category.ODD_JOBS, title=f"Klus {i}", timing=Timing.FLEXIBLE, status=PostStatus.OPEN,
                    expires_at=utcnow() + timedelta(days=30))
        db.session.add(post)
        db.session.flush()
        db.session.add(Match(ask_id=post.id, asker_id=asker.id, helper_id=helper.id, source=MatchSource.RESPONSE,
                             status=MatchStatus.PROPOSED))
    db.session.flush()


@pytest.fixture
def slot(cw):
    s = RotaSlot(circle_id=cw.circle.id, title="Maaltijd", category=Category.MEALS, frequency=Frequency.WEEKLY,
                 weekday=TUESDAY, day_part=EVENING, starts_on=local_today())
    db.session.add(s)
    db.session.commit()
    return s


@pytest.fixture
def neighbours(cw, slot):
    zuilen, ondiep, everdingen = cw.zuilen, cw.ondiep, cw.everdingen
    p = {
        "dichtbij": person(zuilen, "Dichtbij"),
        "leeg": person(zuilen, "Leeg", slots=()),                       # no availability given: any time
        "ondiep": person(ondiep, "Uit Ondiep"),
        "druk": person(zuilen, "Druk"),
        "maandag": person(zuilen, "Maandag", slots=((0, EVENING),)),   # not free on Tuesday evening
        "klussen": person(zuilen, "Klussen", likes=(Category.ODD_JOBS,)),
        "geblokkeerd": person(zuilen, "Geblokkeerd"),
        "ver": person(everdingen, "Ver weg"),
    }
    busy(p["druk"], p["klussen"], 3)
    db.session.add(Block(blocker_id=cw.annie.id, blocked_id=p["geblokkeerd"].id))
    for member in (cw.ria, cw.joost):  # in the circle (active, invited): never suggested
        set_interests(member, InterestDirection.OFFER, [Category.MEALS])
        member.availability = mask_of([(TUESDAY, EVENING)])
    db.session.commit()
    return p


def names(found) -> list[str]:
    return [s.person.display_name for s in found]


def test_three_nearby_neighbours_best_first(cw, slot, neighbours):
    found = suggest.suggestions(db.session, slot, utcnow())
    assert names(found) == ["Dichtbij", "Leeg", "Uit Ondiep"]
    assert found[0].score >= found[1].score > found[2].score
    codes = [r["code"] for r in found[0].reasons]
    assert codes[0] == "distance" and "time" in codes and "fair" in codes
    everyone = names(suggest.suggestions(db.session, slot, utcnow(), limit=20))
    assert everyone == ["Dichtbij", "Leeg", "Uit Ondiep", "Druk"]  # busy helpers last: the fair spread


def test_a_warm_contact_of_the_centre_ranks_higher(cw, slot, neighbours):
    post = Post(kind=PostKind.ASK, author_id=cw.annie.id, neighbourhood_id=cw.annie.neighbourhood_id,
                category=Category.MEALS, title="Soep", timing=Timing.FLEXIBLE, status=PostStatus.DONE,
                expires_at=utcnow())
    db.session.add(post)
    db.session.flush()
    db.session.add(Match(ask_id=post.id, asker_id=cw.annie.id, helper_id=neighbours["ondiep"].id,
                         source=MatchSource.RESPONSE, status=MatchStatus.THANKED, done_at=utcnow() - timedelta(days=40),
                         created_at=utcnow() - timedelta(days=40)))
    db.session.commit()
    found = suggest.suggestions(db.session, slot, utcnow())
    assert "warm" in [r["code"] for r in next(s for s in found if s.person.display_name == "Uit Ondiep").reasons]


def test_no_suggestions_when_the_dates_are_taken(cw, slot, neighbours):
    db.session.add(SlotSeries(slot_id=slot.id, neighbour_id=cw.ria.id, starts_on=local_today()))
    db.session.commit()
    assert suggest.suggestions(db.session, slot, utcnow()) == []


def test_two_open_dates_are_not_enough(cw, slot, neighbours):
    today = local_today()
    open_ = [d.on_date for d in suggest.open_dates(db.session, slot, utcnow())]
    assert len(open_) == 4 and all(d.weekday() == TUESDAY and today <= d < today + timedelta(days=28) for d in open_)
    db.session.add_all([Shift(slot_id=slot.id, on_date=d, taken_by_id=cw.ria.id) for d in open_[:2]])
    db.session.commit()
    assert suggest.suggestions(db.session, slot, utcnow()) == []


def test_a_circle_that_ended_gets_none(cw, slot, neighbours):
    db.session.get(Circle, cw.circle.id).status = CircleStatus.ENDED
    db.session.commit()
    assert suggest.suggestions(db.session, slot, utcnow()) == []


def test_slot_masks():
    monday = date(2025, 6, 2)
    at_ten = RotaSlot(frequency=Frequency.DAILY, weekday=None, day_part=None, at_time=time(10), starts_on=monday)
    assert suggest.slot_mask(at_ten) == mask_of([(d, DayPart.MORNING) for d in range(7)])
    weekly = RotaSlot(frequency=Frequency.WEEKLY, weekday=3, day_part=None, at_time=time(19), starts_on=monday)
    assert suggest.slot_mask(weekly) == mask_of([(3, DayPart.EVENING)])
    any_part = RotaSlot(frequency=Frequency.FORTNIGHTLY, weekday=4, day_part=None, at_time=None, starts_on=monday)
    assert suggest.slot_mask(any_part) == mask_of([(4, p) for p in DayPart])


def test_the_same_queries_for_few_and_many(cw, slot, neighbours, count_queries):
    with count_queries() as few:
        suggest.suggestions(db.session, slot, utcnow())
    zuilen = db.session.get(Neighbourhood, cw.zuilen.id)
    for i in range(25):
        n = person(zuilen, f"Buur {i:02d}")
        if i % 3:
            busy(n, neighbours["klussen"], 1)
    db.session.commit()
    with count_queries() as many:
        found = suggest.suggestions(db.session, slot, utcnow())
    assert few.count == many.count, many.statements
    assert len(found) == 3

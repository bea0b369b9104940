"""The digest's "Your circles" section: the rota dates you took in the coming month, and the open dates of your
circles in the coming two weeks; for a whole batch in a fixed number of queries."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category, DayPart
from buurthulp.circles.models import (
    Circle,
    CircleMember,
    CircleStatus,
    Frequency,
    MemberRole,
    MemberStatus,
    RotaSlot,
    Shift,
    SlotSeries,
)
from buurthulp.db import utcnow
from buurthulp.digest.content import CIRCLE_ITEMS, build
from buurthulp.digest.services import compose, digest_for, public_urls
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.timeutil import local_today
from tests.circles.conftest import build_circles_world
from tests.digest.conftest import edition
from tests.factories import make_neighbour
from tests.snapshots import built_once


@pytest.fixture
def cw(app):
    return built_once("circles", build_circles_world)


def add_slot(circle, title, frequency, **kw) -> RotaSlot:
    s = RotaSlot(circle_id=circle.id, title=title, category=kw.pop("category", Category.MEALS), frequency=frequency,
                 starts_on=kw.pop("starts_on", local_today()), **kw)
    db.session.add(s)
    db.session.flush()
    return s


@pytest.fixture
def rota(cw):
    """Ria has the meals every week (a series) and one walk; the daily call is open except one date Annie took."""
    today = local_today()
    meals = add_slot(cw.circle, "Maaltijd", Frequency.WEEKLY, weekday=(today + timedelta(days=1)).weekday(),
                     day_part=DayPart.EVENING)
    walk = add_slot(cw.circle, "Wandelen", Frequency.WEEKLY, weekday=(today + timedelta(days=3)).weekday(),
                    category=Category.EXERCISE)
    call = add_slot(cw.circle, "Telefoontje", Frequency.DAILY, at_time=time(10, 0), category=Category.COMPANY)
    db.session.add_all([
        SlotSeries(slot_id=meals.id, neighbour_id=cw.ria.id, starts_on=today),
        Shift(slot_id=walk.id, on_date=today + timedelta(days=3), taken_by_id=cw.ria.id),
        Shift(slot_id=call.id, on_date=today, taken_by_id=cw.annie.id),
    ])
    db.session.commit()
    return {"meals": meals, "walk": walk, "call": call, "today": today}


def contents(*people):
    return build(db.session, list(people), edition(), utcnow())


def test_the_dates_you_took_in_the_coming_month(cw, rota):
    out = contents(cw.annie, cw.ria, cw.joost, cw.karin)
    today = rota["today"]
    ria = out[cw.ria.id]
    meals = [d.on_date for d in ria.circle_dates if d.slot == "Maaltijd"]
    assert meals == [today + timedelta(days=1 + 7 * i) for i in range(5) if 1 + 7 * i < 31]
    assert [d.on_date for d in ria.circle_dates if d.slot == "Wandelen"] == [today + timedelta(days=3)]
    assert all(d.centre == "Annie" and d.circle_id == cw.circle.id for d in ria.circle_dates)
    assert [d.on_date for d in ria.circle_dates] == sorted(d.on_date for d in ria.circle_dates)
    assert "circles" in ria.sections
    # Annie took one call; Joost is only invited, Karin is not in the circle
    assert [(d.slot, d.on_date) for d in out[cw.annie.id].circle_dates] == [("Telefoontje", today)]
    assert not out[cw.joost.id].circles and not out[cw.karin.id].circles
    assert "circles" not in out[cw.joost.id].sections


def test_open_dates_of_your_circles_in_the_coming_two_weeks(cw, rota):
    out = contents(cw.annie, cw.ria, cw.joost)
    today = rota["today"]
    for person in (cw.annie, cw.ria):
        got = out[person.id].circle_open
        assert {d.slot for d in got} <= {"Telefoontje", "Wandelen"}
        assert all(today <= d.on_date < today + timedelta(days=14) for d in got)
        assert (today, "Telefoontje") not in {(d.on_date, d.slot) for d in got}  # Annie took it
        assert len(got) == CIRCLE_ITEMS  # the first ten, soonest first
        assert [d.on_date for d in got] == sorted(d.on_date for d in got)
    assert out[cw.joost.id].circle_open == []


def test_a_circle_that_ended_or_someone_who_left_shows_nothing(cw, rota):
    member = db.session.scalar(sa.select(CircleMember).where(CircleMember.neighbour_id == cw.ria.id))
    member.status = MemberStatus.LEFT
    db.session.commit()
    assert not contents(cw.ria)[cw.ria.id].circles
    member.status = MemberStatus.ACTIVE
    db.session.get(Circle, cw.circle.id).status = CircleStatus.ENDED
    db.session.commit()
    out = contents(cw.ria, cw.annie)
    assert not out[cw.ria.id].circles and not out[cw.annie.id].circles


def test_the_mail_shows_the_section_in_text_and_html(cw, rota):
    content = digest_for(db.session, cw.ria, edition())
    with public_urls():
        mail = compose(content)
    text, html = mail.text, mail.html
    for body in (text, html):
        assert "Maaltijd" in body and "Wandelen" in body and "Telefoontje" in body
        assert f"/circles/{cw.circle.id}/rota" in body
    assert text.index("Maaltijd") < text.index("/circles/")


def test_the_broker_print_out_shows_it_too(cw, rota, client):
    client.login("broker@example.org")
    page = client.get(f"/digest/preview/{cw.annie.id}")
    assert page.status_code == 200
    assert "Telefoontje" in page.get_data(as_text=True)


def test_the_section_takes_the_same_queries_for_a_batch_of_2_and_of_20(cw, rota, count_queries):
    ids = [cw.annie.id, cw.ria.id]
    today = local_today()
    zuilen = db.session.get(Neighbourhood, cw.zuilen.id)
    for i in range(6):  # six more circles of three, each with slots, a series and a taken date
        people = [make_neighbour(zuilen, name=f"Kring {i} lid {j}") for j in range(3)]
        circle = Circle(centre_id=people[0].id, initiative_id=cw.kracht.id, status=CircleStatus.ACTIVE)
        db.session.add(circle)
        db.session.flush()
        for j, p in enumerate(people):
            db.session.add(CircleMember(circle_id=circle.id, neighbour_id=p.id, status=MemberStatus.ACTIVE,
                                        role=MemberRole.CENTRE if j == 0 else MemberRole.MEMBER))
        a = add_slot(circle, f"Boodschappen {i}", Frequency.WEEKLY, weekday=i % 7, category=Category.GROCERIES)
        b = add_slot(circle, f"Bellen {i}", Frequency.DAILY, at_time=time(9, 30))
        db.session.add_all([SlotSeries(slot_id=a.id, neighbour_id=people[1].id, starts_on=today),
                            Shift(slot_id=b.id, on_date=today + timedelta(days=2), taken_by_id=people[2].id)])
        ids += [p.id for p in people]
    db.session.commit()
    db.session.expunge_all()
    batch = list(db.session.scalars(sa.select(Neighbour).where(Neighbour.id.in_(ids)).order_by(Neighbour.id)))
    now = utcnow()
    with count_queries() as two:
        small = build(db.session, batch[:2], edition(), now)
    with count_queries() as twenty:
        large = build(db.session, batch, edition(), now)
    assert two.count == twenty.count, (two.statements, twenty.statements)
    assert all(large[p.id].circles for p in batch)
    assert {i: c.circle_dates for i, c in small.items()} == {i: large[i].circle_dates for i in small}

"""A place's page shows "Coming activities here" (registered by activities with the living map, which imports no
activities) to those who may see them, in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import time, timedelta

from flask_babel import force_locale, gettext, ngettext

from buurthulp.activities import services, signups
from buurthulp.activities.models import ActivityKind, Repeat
from buurthulp.activities.place_page import PLACE_ITEMS
from buurthulp.extensions import db
from buurthulp.places.sections import sections_for
from buurthulp.posts.models import Block
from tests.factories import make_neighbour


def heading() -> str:
    with force_locale("nl"):
        return gettext("Coming activities here")


def page(client, aw, who: str) -> str:
    client.login(f"{who}@example.org")
    response = client.get(f"/places/{aw.centre.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def date_links(html: str, aw) -> list[str]:
    return re.findall(rf'href="/activities/{aw.coffee.id}/(\d{{4}}-\d\d-\d\d)"', html)


def test_neighbours_nearby_see_the_coming_dates_with_their_places_left(aw, client):
    signups.join(db.session, aw.anna, aw.coffee, aw.first)
    signups.join(db.session, aw.bert, aw.coffee, aw.first + timedelta(days=7))
    db.session.commit()
    html = page(client, aw, "anna")
    assert heading() in html and "Koffieochtend" in html
    days = date_links(html, aw)
    assert days[:3] == [f"{aw.first + timedelta(days=7 * i):%Y-%m-%d}" for i in range(3)]
    assert len(days) == PLACE_ITEMS
    with force_locale("nl"):
        assert gettext("You are coming.") in html
        assert ngettext("%(num)d place left", "%(num)d places left", 1) in html  # the second date
        assert ngettext("%(num)d place left", "%(num)d places left", 2) in html  # the third


def test_someone_far_away_sees_the_place_but_no_activities(aw, client):
    html = page(client, aw, "karin")
    assert "Buurthuis De Schakel" in html and heading() not in html


def test_a_cancelled_date_is_left_out_and_a_hidden_activity_too(aw, client):
    services.cancel_date(db.session, aw.otto, aw.coffee, aw.first)
    db.session.commit()
    assert f"{aw.first:%Y-%m-%d}" not in date_links(page(client, aw, "anna"), aw)
    services.hide(db.session, aw.coordinator, aw.coffee, True)
    db.session.commit()
    assert heading() not in client.get(f"/places/{aw.centre.id}").get_data(as_text=True)


def test_someone_the_organiser_blocked_does_not_see_it(aw, client):
    db.session.add(Block(blocker_id=aw.otto.id, blocked_id=aw.bert.id))
    db.session.commit()
    assert heading() not in page(client, aw, "bert")


def test_a_place_without_activities_shows_no_section(aw):
    aw.coffee.place_id, aw.coffee.place_note = None, "Bij Otto"
    db.session.commit()
    assert sections_for(db.session, aw.centre, aw.anna) == []


def test_the_page_takes_the_same_queries_with_one_activity_and_with_five(aw, client, count_queries):
    url = f"/places/{aw.centre.id}"
    client.login("anna@example.org")
    client.get(url)  # warm up: the first request loads what every page loads once

    def queries():
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    one = queries()
    for i in range(4):
        activity = services.put_on(db.session, aw.otto, services.ActivityInput(
            title=f"Activiteit {i}", kind=ActivityKind.GAMES, starts_on=aw.first + timedelta(days=1),
            start_time=time(19, i), repeat=Repeat.WEEKLY, place_id=aw.centre.id, capacity=3))
        for _n in range(2):
            signups.join(db.session, make_neighbour(aw.zuilen), activity, aw.first + timedelta(days=1))
    db.session.commit()
    assert queries() == one

"""The monthly digest's "Activities nearby this coming month": what each neighbour could join, in a fixed number of
queries for a whole batch."""

from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from buurthulp.accounts.models import Neighbour
from buurthulp.activities import services
from buurthulp.activities.models import Activity, ActivityKind, Repeat
from buurthulp.db import utcnow
from buurthulp.digest.activities import ACTIVITY_ITEMS
from buurthulp.digest.content import build
from buurthulp.digest.services import compose, digest_for, public_urls
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.posts.models import Block
from buurthulp.timeutil import local_today
from tests.digest.conftest import edition
from tests.factories import make_neighbour


def contents(*people, now=None):
    return build(db.session, list(people), edition(), now or utcnow())


def put_on(author, title, starts_on, **kw):
    data = services.ActivityInput(title=title, kind=kw.pop("kind", ActivityKind.GAMES), starts_on=starts_on,
                                  start_time=kw.pop("start_time", time(19, 0)),
                                  place_note=kw.pop("place_note", "Bij de kerk"), **kw)
    return services.put_on(db.session, author, data)


def heading() -> str:
    with force_locale("nl"):
        return gettext("Activities nearby this coming month")


def test_neighbours_nearby_see_the_next_date_once_and_far_away_nothing(aw):
    out = contents(aw.anna, aw.joost, aw.karin, aw.otto)
    [item] = out[aw.anna.id].activities
    assert (item.activity_id, item.on_date, item.day, item.title, item.place) == (
        aw.coffee.id, aw.first, aw.first, "Koffieochtend", "Buurthuis De Schakel")
    assert "activities" in out[aw.anna.id].sections
    assert [i.activity_id for i in out[aw.joost.id].activities] == [aw.coffee.id]  # next door
    assert out[aw.karin.id].activities == [] and "activities" not in out[aw.karin.id].sections
    assert out[aw.otto.id].activities == []  # his own
    with force_locale("nl"):
        assert item.when.startswith("donderdag") and "10:00" in item.when and "12:00" in item.when


def test_only_the_coming_month_soonest_first_and_at_most_five(aw):
    today = local_today()
    later = [put_on(aw.bert, f"Spel {i}", today + timedelta(days=2 + i)) for i in range(6)]
    put_on(aw.bert, "Te ver weg", today + timedelta(days=40))
    db.session.commit()
    items = contents(aw.anna)[aw.anna.id].activities
    assert len(items) == ACTIVITY_ITEMS
    assert [i.day for i in items] == sorted(i.day for i in items)
    assert "Te ver weg" not in {i.title for i in items}
    assert {i.title for i in items} <= {a.title for a in later} | {"Koffieochtend"}


def test_a_cancelled_date_shows_the_next_one_and_a_moved_date_its_new_day(aw):
    services.cancel_date(db.session, aw.otto, aw.coffee, aw.first)
    db.session.commit()
    [item] = contents(aw.anna)[aw.anna.id].activities
    assert item.on_date == aw.first + timedelta(days=7)
    second = aw.first + timedelta(days=7)
    services.move_date(db.session, aw.otto, aw.coffee, second, second + timedelta(days=1), time(14, 0))
    db.session.commit()
    [item] = contents(aw.anna)[aw.anna.id].activities
    assert (item.on_date, item.day, item.start_time) == (second, second + timedelta(days=1), time(14, 0))


def test_hidden_cancelled_and_blocked_activities_are_left_out(aw):
    db.session.add(Block(blocker_id=aw.anna.id, blocked_id=aw.otto.id))
    db.session.commit()
    out = contents(aw.anna, aw.bert)
    assert out[aw.anna.id].activities == [] and len(out[aw.bert.id].activities) == 1
    services.hide(db.session, aw.coordinator, aw.coffee, True)
    db.session.commit()
    assert contents(aw.bert)[aw.bert.id].activities == []
    services.hide(db.session, aw.coordinator, aw.coffee, False)
    services.cancel(db.session, aw.otto, aw.coffee)
    db.session.commit()
    assert contents(aw.bert)[aw.bert.id].activities == []


def test_the_mail_shows_the_section_in_text_and_html_with_a_link(aw):
    content = digest_for(db.session, aw.anna, edition())
    with public_urls():
        mail = compose(content)
    link = f"/activities/{aw.coffee.id}/{aw.first:%Y-%m-%d}"
    for body in (mail.text, mail.html):
        assert heading() in body and "Koffieochtend" in body and "Buurthuis De Schakel" in body
        assert link in body and "/activities/" in body
    assert mail.text.index(heading()) < mail.text.index("Koffieochtend") < mail.text.index(link)


def test_the_preview_and_the_brokers_print_out_show_it(aw, client):
    client.login("broker@example.org")
    page = client.get(f"/digest/preview/{aw.anna.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert heading() in text and "Koffieochtend" in text


def test_the_section_takes_the_same_queries_for_a_batch_of_2_and_of_20(aw, count_queries):
    today = local_today()
    zuilen = db.session.get(Neighbourhood, aw.zuilen.id)
    ids = [aw.anna.id, aw.joost.id]
    for i in range(9):
        author = make_neighbour(zuilen, name=f"Buur {i}")
        put_on(author, f"Activiteit {i}", today + timedelta(days=1 + i), repeat=Repeat.WEEKLY)
        ids += [author.id, make_neighbour(zuilen).id]
    db.session.commit()
    db.session.expunge_all()
    batch = list(db.session.scalars(sa.select(Neighbour).where(Neighbour.id.in_(ids)).order_by(Neighbour.id)))
    now = utcnow()
    with count_queries() as two:
        small = build(db.session, batch[:2], edition(), now)
    with count_queries() as twenty:
        large = build(db.session, batch, edition(), now)
    assert two.count == twenty.count, (two.statements, twenty.statements)
    assert all(len(large[p.id].activities) == ACTIVITY_ITEMS for p in batch)
    assert {i: c.activities for i, c in small.items()} == {i: large[i].activities for i in small}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 10

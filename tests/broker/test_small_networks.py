"""The broker's list of small networks: who is on it, who may see it, paging and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.broker import networks
from buurthulp.broker import services as broker_services
from buurthulp.categories import Category
from buurthulp.circles.models import Circle, CircleStatus
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.posts.models import Match, MatchSource, MatchStatus, Post, PostKind, PostStatus, Timing
from buurthulp.timeutil import local_today
from tests.circles.conftest import ROLES, build_circles_world
from tests.factories import make_neighbour
from tests.snapshots import built_once

OURS = "/broker/kracht-van-zuilen/small-networks"
THEIRS = "/broker/zuilen-samen/small-networks"


@pytest.fixture
def cw(app):
    return built_once("circles", build_circles_world)


def ask(author, title, *, timing=Timing.FLEXIBLE, status=PostStatus.OPEN, **kw) -> Post:
    now = utcnow()
    post = Post(kind=PostKind.ASK, author_id=author.id, neighbourhood_id=author.neighbourhood_id,
                category=Category.GROCERIES, title=title, timing=timing, status=status,
                expires_at=kw.pop("expires_at", now + timedelta(days=30)), created_at=now, **kw)
    db.session.add(post)
    db.session.flush()
    return post


def helped(asker, helper, *, days_ago=10, status=MatchStatus.DONE) -> Match:
    post = ask(asker, "Klaar", status=PostStatus.DONE)
    done = utcnow() - timedelta(days=days_ago)
    m = Match(ask_id=post.id, asker_id=asker.id, helper_id=helper.id, source=MatchSource.RESPONSE, status=status,
              accepted_at=done, done_at=done, created_at=done)
    db.session.add(m)
    db.session.flush()
    return m


@pytest.fixture
def people(cw):
    """Who asks, how warm their network is, and whether a circle is around them."""
    zuilen, ondiep = cw.zuilen, cw.ondiep
    p = {name: make_neighbour(zuilen if name != "ondiep" else ondiep, name=name.title(),
                              email=f"{name}@example.org")
         for name in ("piet", "kees", "oud", "zonder", "verlopen", "verborgen", "klaar", "ondiep", "helper1",
                      "helper2")}
    today = local_today()
    ask(cw.jansen, "Boodschappen voor Jansen")                                   # proxy, no circle: on it
    ask(cw.annie, "Vraag van Annie")                                             # centre of a circle: not
    ask(cw.ria, "Vraag van Ria")                                                 # in a circle: not
    ask(cw.joost, "Elke week boodschappen", timing=Timing.WEEKLY, weekly_slots=1, status=PostStatus.MATCHED)
    ask(cw.karin, "Vraag in Everdingen")                                         # not ours
    ask(p["piet"], "Vraag van Piet")
    helped(p["piet"], p["helper1"])
    helped(p["helper2"], p["piet"], status=MatchStatus.THANKED)                  # two warm contacts: not
    ask(p["kees"], "Vraag van Kees")
    helped(p["kees"], p["helper1"])
    helped(p["helper1"], p["kees"], days_ago=20)                                 # one person, twice: on it
    ask(p["oud"], "Vraag van Oud")
    helped(p["oud"], p["helper1"], days_ago=300)
    helped(p["oud"], p["helper2"], days_ago=300)                                 # long ago: on it
    ask(p["verlopen"], "Verlopen", expires_at=utcnow() - timedelta(days=1))      # expired: not
    ask(p["verborgen"], "Verborgen", hidden_at=utcnow())                         # hidden: not
    ask(p["klaar"], "Was elke week", timing=Timing.WEEKLY, weekly_slots=1, status=PostStatus.MATCHED,
        weekly_until=today - timedelta(days=1))                                  # weekly, but over: not
    ask(p["ondiep"], "Vraag uit Ondiep")
    helped(p["ondiep"], p["helper2"])                                            # one warm contact: on it
    # a proxy neighbour of Zuilen Samen, in Zuilen too
    bakker = broker_services.add_proxy(db.session, cw.other_broker, cw.samen, name="Meneer Bakker",
                                       contact_route="06 2", postcode="3554 CD", likes=[], needs=[])
    ask(bakker, "Klusje voor Bakker")
    db.session.commit()
    p["bakker"] = bakker
    return p


def names(page) -> list[str]:
    return [row.person.display_name for row in page.items]


def test_who_is_on_the_list(cw, people):
    page = networks.small_networks(db.session, cw.kracht, utcnow())
    # fewest warm contacts first, then by name
    assert names(page) == ["Joost", "Mevrouw Jansen", "Oud", "Kees", "Ondiep"]
    rows = {r.person.display_name: r for r in page.items}
    assert rows["Kees"].warm == 1 and rows["Ondiep"].warm == 1 and rows["Oud"].warm == 0
    assert [a.title for a in rows["Mevrouw Jansen"].asks] == ["Boodschappen voor Jansen"]
    assert rows["Joost"].weekly and not rows["Kees"].weekly
    assert page.total == 5


def test_the_other_initiative_sees_its_own_people(cw, people):
    page = networks.small_networks(db.session, cw.samen, utcnow())
    assert "Mevrouw Jansen" not in names(page) and "Meneer Bakker" in names(page)
    assert "Joost" not in names(page)  # Ondiep is not theirs
    assert "Kees" in names(page)       # Zuilen is served by both


def test_a_circle_that_ended_puts_someone_back(cw, people):
    db.session.get(Circle, cw.circle.id).status = CircleStatus.ENDED
    db.session.commit()
    found = names(networks.small_networks(db.session, cw.kracht, utcnow()))
    assert "Annie" in found and "Ria" in found


def test_a_proposed_circle_takes_someone_off(cw, people):
    db.session.add(Circle(centre_id=cw.jansen.id, initiative_id=cw.kracht.id, status=CircleStatus.PROPOSED))
    db.session.commit()
    assert "Mevrouw Jansen" not in names(networks.small_networks(db.session, cw.kracht, utcnow()))


@pytest.mark.parametrize("role", ROLES)
def test_only_our_brokers_open_it(cw, people, client, role):
    if role != "anonymous":
        client.login(f"{role}@example.org")
    response = client.get(OURS)
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif role == "broker":
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Mevrouw Jansen" in html and "Boodschappen voor Jansen" in html and "Meneer Bakker" not in html
        assert f'/broker/kracht-van-zuilen/neighbours/{cw.jansen.id}"' in html
        assert 'aria-current="page"' in html
    else:
        assert response.status_code == 403


def test_their_broker_on_their_page_sees_not_our_proxy(cw, people, client):
    client.login("other_broker@example.org")
    html = client.get(THEIRS).get_data(as_text=True)
    assert "Meneer Bakker" in html and "Mevrouw Jansen" not in html and "Boodschappen voor Jansen" not in html


def test_a_link_to_start_a_circle_for_our_proxy(cw, people, client, app):
    client.login("broker@example.org")
    html = client.get(OURS).get_data(as_text=True)
    link = f"centre=proxy-{cw.kracht.id}-{cw.jansen.id}"
    assert (link in html) == ("circles.start" in app.view_functions)
    assert f"centre=proxy-{cw.kracht.id}-{people['kees'].id}" not in html  # not a proxy neighbour


def test_pages(cw, people, client):
    page = networks.small_networks(db.session, cw.kracht, utcnow(), page=2, per_page=2)
    assert names(page) == ["Oud", "Kees"] and page.total == 5 and page.pages == 3
    client.login("broker@example.org")
    assert client.get(OURS + "?page=3").status_code == 200
    assert client.get(OURS + "?page=abc").status_code == 400


def test_the_page_takes_the_same_queries_for_many_as_for_few(cw, people, client, count_queries):
    client.login("broker@example.org")
    zuilen_id = cw.zuilen.id

    def queries() -> int:
        db.session.expunge_all()
        with count_queries() as q:
            assert client.get(OURS).status_code == 200
        return q.count

    few = queries()
    zuilen = db.session.get(Neighbourhood, zuilen_id)
    helper = make_neighbour(zuilen, name="Helper")
    for i in range(30):
        n = make_neighbour(zuilen, name=f"Buur {i:02d}")
        ask(n, f"Vraag {i}")
        ask(n, f"Elke week {i}", timing=Timing.WEEKLY, weekly_slots=1)
        if i % 2:
            helped(n, helper)
    db.session.commit()
    assert queries() == few
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Neighbour)) > 40


"""Profiles are for neighbours nearby: who may open /neighbours/<id> (access.may_see_profile), and the links to it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from buurthulp.broker import services as broker
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.posts.models import Block
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.posts.conftest import post_input


@pytest.fixture
def people(app) -> dict:
    """Zuilen with Ondiep next to it, and far Everdingen. Kracht van Zuilen and Zuilen Samen both serve Zuilen."""
    zuilen = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.1020, 5.1000))
    everdingen = make_neighbourhood("Everdingen", ["4121"], centre=(51.99, 5.165))
    kracht = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    samen = make_initiative(zuilen, name="Zuilen Samen")
    helpt = make_initiative(everdingen, name="Everdingen Helpt")
    homes = {"ria": zuilen, "ahmed": zuilen, "joost": ondiep, "annie": everdingen, "piet": ondiep,
             "broker": everdingen, "other_broker": everdingen, "far_broker": everdingen, "treasurer": everdingen, "admin": everdingen,
             "gone": zuilen}
    p = {name: make_neighbour(hood, email=f"{name}@example.org", name=name.replace("_", " ").title(),
                              is_admin=name == "admin", latitude=hood.centre_lat, longitude=hood.centre_lon)
         for name, hood in homes.items()}
    add_member(kracht, p["broker"], Role.BROKER)
    add_member(samen, p["other_broker"], Role.BROKER)
    add_member(helpt, p["far_broker"], Role.BROKER)
    add_member(kracht, p["treasurer"], Role.TREASURER)
    p["jansen"] = broker.add_proxy(db.session, p["broker"], kracht, name="Mevrouw Jansen", contact_route="06",
                                   postcode="3554 AB", likes=[], needs=["boodschappen"])
    # Piet answered Ria's ask from Ondiep, then moved far away: the match still links them
    ask = posts.create_post(db.session, p["ria"], post_input(title="Plank"))
    match_flow.respond(db.session, p["piet"], ask)
    p["piet"].neighbourhood = everdingen
    p["gone"].deleted_at = p["gone"].created_at
    db.session.commit()
    return p


# (viewer, whose profile) -> may they see it
SEES = {
    ("ria", "ria"): True,              # one's own, always
    ("ahmed", "ria"): True,            # the same neighbourhood
    ("joost", "ria"): True,            # a bordering neighbourhood
    ("annie", "ria"): False,           # far away
    ("piet", "ria"): True,             # far away, but they have a match
    ("ria", "piet"): True,
    ("broker", "ria"): True,           # a broker of an initiative that serves her
    ("other_broker", "ria"): True,     # Zuilen Samen serves Zuilen too
    ("far_broker", "ria"): False,      # a broker of an initiative elsewhere
    ("treasurer", "ria"): False,       # a treasurer is not a broker
    ("admin", "ria"): False,           # site admins are not special here
    ("ria", "admin"): False,           # nor is their own profile open to all
    ("annie", "admin"): True,          # ... only to their neighbours
    ("ahmed", "jansen"): False,        # a proxy neighbour: only their brokers
    ("joost", "jansen"): False,
    ("broker", "jansen"): True,
    ("other_broker", "jansen"): False,  # a broker of the other initiative in the same neighbourhood
    ("far_broker", "jansen"): False,
    ("treasurer", "jansen"): False,
    ("admin", "jansen"): False,
    ("ahmed", "gone"): False,          # deleted
}


@pytest.mark.parametrize("viewer, person", list(SEES), ids=[f"{v}-sees-{p}" for v, p in SEES])
def test_who_sees_a_profile(client, people, viewer, person):
    client.login(f"{viewer}@example.org")
    response = client.get(f"/neighbours/{people[person].id}")
    assert response.status_code == (200 if SEES[viewer, person] else 404)
    if SEES[viewer, person]:
        assert people[person].display_name in response.get_data(as_text=True)


def test_anonymous_is_sent_to_log_in(client, people):
    response = client.get(f"/neighbours/{people['ria'].id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_walking_the_ids_shows_only_the_neighbours_nearby(client, people):
    client.login("annie@example.org")
    highest = max(p.id for p in people.values())
    seen = {i for i in range(1, highest + 5) if client.get(f"/neighbours/{i}").status_code == 200}
    # Annie lives in Everdingen: herself, and the people who live there (Piet moved there; the site admin and
    # the brokers and treasurer there too); nobody of Zuilen or Ondiep, no proxy neighbour.
    assert seen == {people[n].id for n in ("annie", "piet", "broker", "other_broker", "far_broker", "treasurer",
                                           "admin")}


def test_someone_who_blocked_you_is_not_there_for_you(client, people):
    db.session.add(Block(blocker_id=people["ria"].id, blocked_id=people["ahmed"].id))
    db.session.commit()
    client.login("ahmed@example.org")
    assert client.get(f"/neighbours/{people['ria'].id}").status_code == 404
    client.logout()
    client.login("ria@example.org")
    assert client.get(f"/neighbours/{people['ahmed'].id}").status_code == 200  # to lift the block


def test_nobody_blocks_a_profile_they_cannot_see(client, people):
    client.login("annie@example.org")
    response = client.post(f"/neighbours/{people['ria'].id}/block")
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Block)) == 0


def test_a_post_links_to_its_author_only_where_the_profile_opens(client, people):
    proxy_ask = posts.create_post(db.session, people["jansen"], post_input(title="Boodschappen"))
    ria_ask = posts.create_post(db.session, people["ria"], post_input(title="Lamp"))
    db.session.commit()
    client.login("ahmed@example.org")
    page = client.get(f"/posts/{proxy_ask.id}").get_data(as_text=True)
    assert "Mevrouw Jansen" in page and f'href="/neighbours/{people["jansen"].id}"' not in page
    page = client.get(f"/posts/{ria_ask.id}").get_data(as_text=True)
    assert f'href="/neighbours/{people["ria"].id}"' in page

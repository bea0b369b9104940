"""A small world for the living map.

Kracht van Zuilen works in Zuilen and Ondiep (next to each other); Buurtwinkel Everdingen works far away.
Ria adds places in Zuilen; Ahmed lives in Zuilen too; Joost next door in Ondiep; Annie in Everdingen.
Kracht van Zuilen has a broker, a coordinator and a treasurer (the treasurer does not check places); the
other broker works for Buurtwinkel Everdingen; the admin is a site admin without a neighbourhood.
The world is built once per test process and copied into each test's database (tests/snapshots.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape

from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.places import services
from buurthulp.places.models import Place, PlaceKind, PlaceStatus
from buurthulp.places.services import ActivityInput, PlaceInput
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.snapshots import built_once


@pytest.fixture
def config_overrides():
    # Many people log in within one test; the login rate limit is tested in tests/accounts.
    return {"LOGIN_RATE_LIMIT": "1000 per minute"}


@dataclass
class PlacesWorld:
    zuilen: object
    ondiep: object
    everdingen: object
    kracht: object         # Kracht van Zuilen: Zuilen and Ondiep
    winkel: object         # Buurtwinkel Everdingen: Everdingen
    ria: object            # Zuilen, adds places
    ahmed: object          # Zuilen
    joost: object          # Ondiep, next to Zuilen
    annie: object          # Everdingen, far away
    broker: object         # broker of Kracht van Zuilen
    coordinator: object    # coordinator of Kracht van Zuilen
    treasurer: object      # treasurer of Kracht van Zuilen: not a reviewer
    other_broker: object   # broker of Buurtwinkel Everdingen
    admin: object          # site admin, no neighbourhood


# who is who, for the pages: a role in the tests -> the person's attribute in the world
EMAILS = {
    "author": "ria@example.org",
    "neighbour": "ahmed@example.org",
    "next_door": "joost@example.org",
    "far_away": "annie@example.org",
    "broker": "broker@example.org",
    "coordinator": "coordinator@example.org",
    "treasurer": "treasurer@example.org",
    "other_broker": "other_broker@example.org",
    "admin": "admin@example.org",
}
REVIEWERS = {"broker", "coordinator", "admin"}


@pytest.fixture
def pw(app) -> PlacesWorld:
    return built_once("places", build_places_world)


def build_places_world() -> PlacesWorld:
    zuilen = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.1020, 5.1000))
    everdingen = make_neighbourhood("Everdingen", ["4121"], municipality="Vijfheerenlanden", centre=(51.99, 5.165))
    kracht = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    winkel = make_initiative(everdingen, name="Buurtwinkel Everdingen")
    people = {}
    for name, hood in [("ria", zuilen), ("ahmed", zuilen), ("joost", ondiep), ("annie", everdingen),
                       ("broker", zuilen), ("coordinator", zuilen), ("treasurer", zuilen),
                       ("other_broker", everdingen)]:
        people[name] = make_neighbour(hood, email=f"{name}@example.org", name=name.replace("_", " ").title(),
                                      latitude=hood.centre_lat, longitude=hood.centre_lon)
    people["admin"] = make_neighbour(None, email="admin@example.org", name="Admin", is_admin=True)
    add_member(kracht, people["broker"], Role.BROKER)
    add_member(kracht, people["coordinator"], Role.COORDINATOR)
    add_member(kracht, people["treasurer"], Role.TREASURER)
    add_member(winkel, people["other_broker"], Role.BROKER)
    db.session.commit()
    return PlacesWorld(zuilen, ondiep, everdingen, kracht, winkel, **people)


def place_input(hood, **kw) -> PlaceInput:
    defaults = dict(name="Buurthuis De Boog", kind=PlaceKind.COMMUNITY_CENTRE, neighbourhood_id=hood.id,
                    address="Kerkweg 1, Utrecht", opening_hours="Ma-vr 9:00-17:00", contact="030 123 45 67",
                    description="Koffie, computerhulp en een biljart.")
    defaults.update(kw)
    return PlaceInput(**defaults)


def walking_group() -> list[ActivityInput]:
    return [ActivityInput("Wandelgroep", 1, time(10, 0), time(11, 30))]


def place_made(pw, status: PlaceStatus | str = PlaceStatus.PUBLIC, author=None, hood=None, **kw) -> Place:
    """A place by ``author`` (Ria) in ``hood`` (Zuilen), made public, left pending or hidden."""
    place = services.add_place(db.session, author or pw.ria, place_input(hood or pw.zuilen, **kw))
    if status == PlaceStatus.PUBLIC and not place.is_public:
        services.review(db.session, pw.admin, place, "approve")
    elif status == PlaceStatus.HIDDEN:
        services.review(db.session, pw.admin, place, "hide")
    assert place.status == status
    db.session.commit()
    return place


@pytest.fixture
def make_place(pw):
    """``place_made`` in this test's world."""
    return lambda *args, **kw: place_made(pw, *args, **kw)


def nl(msgid: str, **variables) -> str:
    """A message as the Dutch-default pages show it (English until the nl catalogue has it), HTML-escaped."""
    with force_locale("nl"):
        return str(escape(gettext(msgid, **variables)))


def text(response) -> str:
    return response.get_data(as_text=True)

"""The broker's world: Kracht van Zuilen (Zuilen + Ondiep) and, elsewhere, Buurtwinkel Everdingen (built once
per test process and copied into each test's database, see tests/snapshots.py)."""

from dataclasses import dataclass

import pytest

from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.snapshots import built_once


@dataclass
class BrokerWorld:
    zuilen: object
    ondiep: object
    everdingen: object
    kracht: object
    winkel: object
    broker: object        # broker of Kracht van Zuilen
    other_broker: object  # broker of Buurtwinkel Everdingen
    coordinator: object   # coordinator (not broker) of Kracht van Zuilen
    ria: object           # neighbour in Zuilen
    joost: object         # neighbour in Ondiep
    annie: object         # neighbour in Everdingen


@pytest.fixture
def bw(app) -> BrokerWorld:
    return built_once("broker", build_broker_world)


def build_broker_world() -> BrokerWorld:
    zuilen = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.1020, 5.1000))
    everdingen = make_neighbourhood("Everdingen", ["4121"], centre=(51.99, 5.165))
    kracht = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    winkel = make_initiative(everdingen, name="Buurtwinkel Everdingen")
    people = {}
    for name, hood in [("broker", zuilen), ("other_broker", everdingen), ("coordinator", zuilen), ("ria", zuilen),
                       ("joost", ondiep), ("annie", everdingen)]:
        people[name] = make_neighbour(hood, email=f"{name}@example.org", name=name.replace("_", " ").title(),
                                      latitude=hood.centre_lat, longitude=hood.centre_lon)
    add_member(kracht, people["broker"], Role.BROKER)
    add_member(winkel, people["other_broker"], Role.BROKER)
    add_member(kracht, people["coordinator"], Role.COORDINATOR)
    db.session.commit()
    return BrokerWorld(zuilen, ondiep, everdingen, kracht, winkel, **people)

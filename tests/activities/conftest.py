"""The activities' world: Kracht van Zuilen (Zuilen + Ondiep) with its broker and coordinator; Everdingen far
away. Otto (Zuilen) puts on a weekly coffee morning with 2 places at the community centre; Anna and Bert live in
Zuilen, Joost next door in Ondiep, Karin far away in Everdingen; Mevrouw Jansen has no internet and Kracht's
broker represents her. Built once per test process and copied into each test's database (tests/snapshots.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

import pytest

from buurthulp.activities import services
from buurthulp.activities.models import ActivityKind, Repeat
from buurthulp.broker import services as broker_services
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.places.models import Place, PlaceKind, PlaceStatus
from buurthulp.timeutil import local_today
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.snapshots import built_once

# the roles every page is tried with; each logs in as "<role>@example.org" (anonymous: nobody)
ROLES = ["anonymous", "otto", "anna", "joost", "karin", "broker", "coordinator", "treasurer", "admin"]


@dataclass
class ActivitiesWorld:
    zuilen: object
    ondiep: object
    everdingen: object
    kracht: object       # Kracht van Zuilen: Zuilen and Ondiep
    centre: object       # Buurthuis De Schakel, a public place in Zuilen
    otto: object         # organises the coffee morning
    anna: object         # Zuilen
    bert: object         # Zuilen
    joost: object        # Ondiep, next door
    karin: object        # Everdingen, far away: does not see Zuilen's activities
    broker: object       # broker of Kracht van Zuilen
    coordinator: object  # coordinator of Kracht van Zuilen: moderates, puts on activities for Kracht
    treasurer: object    # treasurer of Kracht van Zuilen
    admin: object
    jansen: object       # proxy neighbour of Kracht van Zuilen
    coffee: object       # Otto's weekly coffee morning, 2 places, from next Thursday

    @property
    def first(self):
        """The coffee morning's first date."""
        return self.coffee.starts_on


@pytest.fixture
def aw(app) -> ActivitiesWorld:
    return built_once("activities", build_activities_world)


def next_weekday(weekday: int, after_days: int = 1):
    day = local_today() + timedelta(days=after_days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def build_activities_world() -> ActivitiesWorld:
    zuilen = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.1020, 5.1000))
    everdingen = make_neighbourhood("Everdingen", ["4121"], centre=(51.99, 5.165))
    kracht = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    people = {}
    for name, hood in [("otto", zuilen), ("anna", zuilen), ("bert", zuilen), ("joost", ondiep),
                       ("karin", everdingen), ("broker", zuilen), ("coordinator", zuilen), ("treasurer", zuilen),
                       ("admin", zuilen)]:
        people[name] = make_neighbour(hood, email=f"{name}@example.org", name=name.title(),
                                      postcode="4121 AA" if hood is everdingen else "3554 AB",
                                      latitude=hood.centre_lat, longitude=hood.centre_lon, is_admin=name == "admin")
    add_member(kracht, people["broker"], Role.BROKER)
    add_member(kracht, people["coordinator"], Role.COORDINATOR)
    add_member(kracht, people["treasurer"], Role.TREASURER)
    jansen = broker_services.add_proxy(db.session, people["broker"], kracht, name="Mevrouw Jansen",
                                       contact_route="06 1", postcode="3554 AB", likes=[], needs=[])
    centre = Place(name="Buurthuis De Schakel", kind=PlaceKind.COMMUNITY_CENTRE, neighbourhood_id=zuilen.id,
                   address="Amsterdamsestraatweg 1", status=PlaceStatus.PUBLIC, latitude=52.11, longitude=5.09)
    db.session.add(centre)
    db.session.flush()
    coffee = services.put_on(db.session, people["otto"], services.ActivityInput(
        title="Koffieochtend", kind=ActivityKind.COFFEE, starts_on=next_weekday(3), start_time=time(10, 0),
        description="Koffie, thee en een praatje.", duration_minutes=120, repeat=Repeat.WEEKLY, place_id=centre.id,
        capacity=2))
    db.session.commit()
    return ActivitiesWorld(zuilen, ondiep, everdingen, kracht, centre, jansen=jansen, coffee=coffee, **people)

"""The circles' world: Kracht van Zuilen (Zuilen + Ondiep) with its broker; Zuilen Samen's broker next door;
Buurtwinkel Everdingen far away. Annie (Zuilen) has a circle with Ria in it; Joost (Ondiep) is invited;
Mevrouw Jansen has no internet and Kracht's broker represents her; Karin, Annie's daughter, lives in Everdingen.
Built once per test process and copied into each test's database (tests/snapshots.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from buurthulp.broker import services as broker_services
from buurthulp.circles.models import Circle, CircleMember, CircleStatus, MemberRole, MemberStatus
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.snapshots import built_once

# the roles every page is tried with; each logs in as "<role>@example.org" (anonymous: nobody)
ROLES = ["anonymous", "annie", "ria", "joost", "karin", "broker", "other_broker", "far_broker", "treasurer", "admin"]


@dataclass
class CirclesWorld:
    zuilen: object
    ondiep: object
    everdingen: object
    kracht: object        # Kracht van Zuilen: Zuilen and Ondiep
    samen: object         # Zuilen Samen: Zuilen too, another initiative
    winkel: object        # Buurtwinkel Everdingen
    annie: object         # the centre of the circle
    ria: object           # an active member
    joost: object         # invited, not in yet
    karin: object         # Annie's daughter in Everdingen: not in the circle
    jansen: object        # a proxy neighbour of Kracht van Zuilen, no circle yet
    broker: object        # broker of Kracht van Zuilen: looks after Annie's circle
    other_broker: object  # broker of Zuilen Samen (serves Zuilen too, but the circle is Kracht's)
    far_broker: object    # broker of Buurtwinkel Everdingen
    treasurer: object     # treasurer of Kracht van Zuilen, not a broker
    admin: object         # site admin: sees no circle
    circle: object        # the circle around Annie


@pytest.fixture
def cw(app) -> CirclesWorld:
    return built_once("circles", build_circles_world)


def build_circles_world() -> CirclesWorld:
    zuilen = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.1020, 5.1000))
    everdingen = make_neighbourhood("Everdingen", ["4121"], centre=(51.99, 5.165))
    kracht = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    samen = make_initiative(zuilen, name="Zuilen Samen")
    winkel = make_initiative(everdingen, name="Buurtwinkel Everdingen")
    people = {}
    for name, hood in [("annie", zuilen), ("ria", zuilen), ("joost", ondiep), ("karin", everdingen),
                       ("broker", zuilen), ("other_broker", zuilen), ("far_broker", everdingen),
                       ("treasurer", zuilen), ("admin", zuilen)]:
        people[name] = make_neighbour(hood, email=f"{name}@example.org", name=name.replace("_", " ").title(),
                                      postcode="4121 AA" if hood is everdingen else "3554 AB",
                                      latitude=hood.centre_lat, longitude=hood.centre_lon, is_admin=name == "admin")
    add_member(kracht, people["broker"], Role.BROKER)
    add_member(samen, people["other_broker"], Role.BROKER)
    add_member(winkel, people["far_broker"], Role.BROKER)
    add_member(kracht, people["treasurer"], Role.TREASURER)
    jansen = broker_services.add_proxy(db.session, people["broker"], kracht, name="Mevrouw Jansen",
                                       contact_route="06 1", postcode="3554 AB", likes=[], needs=["boodschappen"])
    circle = Circle(centre_id=people["annie"].id, initiative_id=kracht.id, started_by_id=people["annie"].id,
                    status=CircleStatus.ACTIVE, about="Samen zorgen dat Annie thuis kan blijven wonen.")
    db.session.add(circle)
    db.session.flush()
    now = utcnow()
    db.session.add_all([
        CircleMember(circle_id=circle.id, neighbour_id=people["annie"].id, role=MemberRole.CENTRE,
                     status=MemberStatus.ACTIVE, joined_at=now),
        CircleMember(circle_id=circle.id, neighbour_id=people["ria"].id, role=MemberRole.MEMBER,
                     status=MemberStatus.ACTIVE, invited_by_id=people["annie"].id, joined_at=now),
        CircleMember(circle_id=circle.id, neighbour_id=people["joost"].id, role=MemberRole.MEMBER,
                     status=MemberStatus.INVITED, invited_by_id=people["annie"].id),
    ])
    db.session.commit()
    return CirclesWorld(zuilen, ondiep, everdingen, kracht, samen, winkel, jansen=jansen, circle=circle, **people)

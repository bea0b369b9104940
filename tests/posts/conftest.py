"""A small world for the posts tests: Zuilen with Ondiep next to it, and far-away Everdingen."""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from buurthulp.categories import Category
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.posts.models import PostKind, Timing
from buurthulp.posts.services import PostInput, create_post
from buurthulp.timeutil import local_today
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood


@dataclass
class World:
    zuilen: object
    ondiep: object
    everdingen: object
    ria: object      # Zuilen
    ahmed: object    # Zuilen
    joost: object    # Ondiep (next to Zuilen)
    annie: object    # Everdingen (far away)
    broker: object   # broker of the initiative working in Zuilen and Ondiep
    initiative: object


@pytest.fixture
def world(app) -> World:
    zuilen = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.1020, 5.1000))
    everdingen = make_neighbourhood("Everdingen", ["4121"], municipality="Vijfheerenlanden", centre=(51.99, 5.165))
    people = {}
    for name, hood in [("ria", zuilen), ("ahmed", zuilen), ("joost", ondiep), ("annie", everdingen),
                       ("broker", zuilen)]:
        people[name] = make_neighbour(hood, email=f"{name}@example.org", name=name.capitalize(),
                                      latitude=hood.centre_lat, longitude=hood.centre_lon)
    initiative = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    add_member(initiative, people["broker"], Role.BROKER)
    db.session.commit()
    return World(zuilen, ondiep, everdingen, initiative=initiative, **people)


def post_input(**kw) -> PostInput:
    today = local_today()
    defaults = dict(kind=PostKind.ASK, category=Category.ODD_JOBS, title="Plank ophangen",
                    description="In de gang", private_details="Kerkweg 12", timing=Timing.FLEXIBLE,
                    period_start=today, period_end=today + timedelta(days=14))
    defaults.update(kw)
    return PostInput(**defaults)


@pytest.fixture
def make_post():
    def make(author, **kw):
        post = create_post(db.session, author, post_input(**kw))
        db.session.commit()
        return post
    return make

"""The matcher's small town: Ria asks in Zuilen; Ahmed (Zuilen) and Joost (Ondiep, next door) like odd jobs and are
free on Tuesday mornings, as is Annie, who lives too far away."""

import pytest

from buurthulp.accounts.models import InterestDirection
from buurthulp.accounts.services import set_interests
from buurthulp.categories import Category, DayPart, Weekday, mask_of
from buurthulp.extensions import db
from buurthulp.posts import services as posts
from buurthulp.posts.models import Timing
from tests.factories import make_neighbour, make_neighbourhood
from tests.posts.conftest import post_input

TUESDAY_MORNING = mask_of([(Weekday.TUESDAY, DayPart.MORNING)])


@pytest.fixture
def town(app):
    zuilen = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen], centre=(52.1020, 5.1000))
    far = make_neighbourhood("Everdingen", ["4121"], centre=(51.99, 5.165))
    people = {}
    for name, hood, lat in [("ria", zuilen, 52.1105), ("ahmed", zuilen, 52.1110), ("joost", ondiep, 52.1030),
                            ("annie", far, 51.99)]:
        people[name] = make_neighbour(hood, email=f"{name}@example.org", name=name.capitalize(),
                                      latitude=lat, longitude=hood.centre_lon, availability=TUESDAY_MORNING)
    for name in ("ahmed", "joost", "annie"):
        set_interests(people[name], InterestDirection.OFFER, [Category.ODD_JOBS])
    db.session.commit()
    ask = posts.create_post(db.session, people["ria"], post_input(timing=Timing.WEEKLY, weekly_slots=TUESDAY_MORNING))
    db.session.commit()
    return people, ask

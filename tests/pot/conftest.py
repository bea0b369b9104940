"""A pot world: one initiative in pot mode with a treasurer, a coordinator and members (built once per test
process and copied into each test's database, see tests/snapshots.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative, Neighbourhood, Role
from buurthulp.pot import services
from buurthulp.pot.models import CompensationMode, DistributionRule
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.snapshots import built_once


@dataclass
class PotWorld:
    hood: Neighbourhood
    initiative: Initiative
    treasurer: object
    coordinator: object
    broker: object
    member: object
    other_member: object
    outsider: object        # lives in the neighbourhood, not a member
    stranger: object        # member of another initiative elsewhere
    other_initiative: Initiative
    other_treasurer: object
    admin: object

    def income(self, cents: int, day: date | None = None, key: str | None = None):
        return services.book_income(db.session, self.treasurer, self.initiative, services.TransactionKind.GIFT,
                                    cents, description="gift", value_date=day or date.today(),
                                    key=key or f"gift-{cents}-{id(self)}-{next(_keys)}")


_keys = iter(range(10**9))


@pytest.fixture
def pw(app) -> PotWorld:
    return built_once("pot", build_pot_world)


def build_pot_world() -> PotWorld:
    hood = make_neighbourhood("Zuilen", postcodes=["3554"])
    far = make_neighbourhood("Everdingen", postcodes=["4129"], centre=(51.97, 5.12))
    initiative = make_initiative(hood, name="Kracht van Zuilen")
    other = make_initiative(far, name="Everdingen Helpt")
    people = {name: make_neighbour(hood, email=f"{name}@example.org", name=name.title())
              for name in ("treasurer", "coordinator", "broker", "member", "other", "outsider")}
    stranger = make_neighbour(far, email="stranger@example.org", name="Stranger", postcode="4129 AA")
    other_treasurer = make_neighbour(far, email="othertreasurer@example.org", name="Other Treasurer",
                                     postcode="4129 AA")
    admin = make_neighbour(hood, email="admin@example.org", name="Admin", is_admin=True)
    add_member(initiative, people["treasurer"], Role.TREASURER)
    add_member(initiative, people["coordinator"], Role.COORDINATOR)
    add_member(initiative, people["broker"], Role.BROKER)
    add_member(initiative, people["member"])
    add_member(initiative, people["other"])
    add_member(other, stranger)
    add_member(other, other_treasurer, Role.TREASURER)
    services.save_settings(db.session, people["treasurer"], initiative, mode=CompensationMode.POT,
                           rate_per_hour_cents=500, category_rates={}, rate_per_km_cents=20,
                           rule=DistributionRule.BY_HOURS, month_end_day=1)
    services.save_settings(db.session, other_treasurer, other, mode=CompensationMode.POT,
                           rate_per_hour_cents=500, category_rates={}, rate_per_km_cents=0,
                           rule=DistributionRule.EQUAL, month_end_day=1)
    db.session.commit()
    return PotWorld(hood, initiative, people["treasurer"], people["coordinator"], people["broker"],
                    people["member"], people["other"], people["outsider"], stranger, other, other_treasurer, admin)

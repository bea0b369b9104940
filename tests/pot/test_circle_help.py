"""Done dates of a support circle count as help for the pot, when the circle's initiative wants that (issue 19):
the circles send ``circle_help_done``, the pot books it like a done match."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from buurthulp.categories import Category
from buurthulp.circles import shifts
from buurthulp.circles.models import CheckIn, Frequency, RotaSlot, Shift, SlotKind
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Membership, Role
from buurthulp.pot import services
from buurthulp.pot.models import (
    AccountKind,
    CompensationMode,
    DistributionRule,
    PotAccount,
    PotSettings,
    PotTransaction,
    TransactionKind,
)
from buurthulp.pot.shares import on_circle_help_done
from buurthulp.pot.verify import verify
from buurthulp.timeutil import local_today
from tests.circles.conftest import cw  # noqa: F401
from tests.factories import add_member

TODAY = local_today()

@pytest.fixture(autouse=True)
def _today_of_this_test():
    """TODAY as of this test, not as of when the module was imported: a run may pass midnight."""
    global TODAY
    TODAY = local_today()
RATE = 500  # € 5 an hour


def set_up_pot(cw, mode=CompensationMode.POT, count=True):  # noqa: F811
    """A pot for Kracht van Zuilen (the circle's initiative), with Ria as one of its members."""
    add_member(cw.kracht, cw.ria)
    services.save_settings(db.session, cw.treasurer, cw.kracht, mode=mode, rate_per_hour_cents=RATE,
                           category_rates={}, rate_per_km_cents=20, rule=DistributionRule.BY_HOURS,
                           month_end_day=1, count_circle_help=count)
    db.session.flush()


def help_slot(cw, kind=SlotKind.HELP, title="Boodschappen voor Annie") -> RotaSlot:  # noqa: F811
    slot = RotaSlot(circle_id=cw.circle.id, title=title, category=Category.GROCERIES, kind=kind,
                    frequency=Frequency.DAILY, weekday=None, day_part=None, at_time=time(10),
                    starts_on=TODAY - timedelta(days=3))
    db.session.add(slot)
    db.session.flush()
    return slot


def done(cw, slot, minutes=90, day=None, outcome=None) -> Shift:  # noqa: F811
    day = TODAY if day is None else day
    shifts.take_date(db.session, cw.ria, slot, day, today=day)
    return shifts.tick(db.session, cw.ria, slot, day, outcome, minutes=minutes)


def bookings(cw) -> list[PotTransaction]:  # noqa: F811
    return list(db.session.scalars(sa.select(PotTransaction).where(PotTransaction.initiative_id == cw.kracht.id)
                                   .order_by(PotTransaction.id)))


def test_off_by_default_nothing_is_booked(cw):  # noqa: F811
    set_up_pot(cw, count=None)  # never said: off
    assert db.session.get(PotSettings, cw.kracht.id).count_circle_help is False
    shift = done(cw, help_slot(cw))
    assert shift.minutes == 90  # the minutes are kept, the pot does not count them
    assert bookings(cw) == []


def test_in_pot_mode_a_done_date_is_compensation_into_the_pot(cw):  # noqa: F811
    set_up_pot(cw)
    slot = help_slot(cw)
    shift = done(cw, slot, minutes=90)
    [txn] = bookings(cw)
    assert (txn.kind, txn.neighbour_id, txn.minutes, txn.match_id) == (TransactionKind.COMPENSATION, cw.ria.id,
                                                                       90, None)
    assert (txn.idempotency_key, txn.value_date, txn.description) == (f"shift:{shift.id}:compensation", TODAY,
                                                                      "Boodschappen voor Annie")
    pot = db.session.scalar(sa.select(PotAccount).where(PotAccount.initiative_id == cw.kracht.id,
                                                        PotAccount.kind == AccountKind.POT))
    assert pot.balance_cents == 750  # an hour and a half at € 5
    # ticking the same date again is refused, and booking it again books nothing more
    with pytest.raises(DomainError):
        shifts.tick(db.session, cw.ria, slot, TODAY, minutes=90)
    assert on_circle_help_done(db.session, shift, slot, cw.circle).id == txn.id
    assert len(bookings(cw)) == 1
    db.session.commit()
    assert verify(db.session) == []


def test_the_value_date_is_the_date_of_the_rota(cw):  # noqa: F811
    set_up_pot(cw)
    yesterday = TODAY - timedelta(days=1)
    done(cw, help_slot(cw), minutes=60, day=yesterday)
    [txn] = bookings(cw)
    assert (txn.value_date, txn.minutes) == (yesterday, 60)


def test_in_direct_mode_it_is_recorded_as_paid_directly(cw):  # noqa: F811
    set_up_pot(cw, mode=CompensationMode.DIRECT)
    shift = done(cw, help_slot(cw), minutes=120)
    earned, paid = bookings(cw)
    assert (earned.kind, earned.idempotency_key, earned.neighbour_id, earned.minutes) == (
        TransactionKind.DIRECT, f"shift:{shift.id}:direct", cw.ria.id, 120)
    assert paid.kind == TransactionKind.PAYOUT
    member = db.session.scalar(sa.select(PotAccount).where(PotAccount.initiative_id == cw.kracht.id,
                                                           PotAccount.neighbour_id == cw.ria.id))
    assert (member.earned_cents, member.paid_cents, member.balance_cents) == (1000, 1000, 0)
    db.session.commit()
    assert verify(db.session) == []


def test_a_check_in_never_books(cw):  # noqa: F811
    set_up_pot(cw)
    shift = done(cw, help_slot(cw, kind=SlotKind.CHECK_IN), minutes=30, outcome=CheckIn.ALL_WELL)
    assert shift.minutes is None
    assert bookings(cw) == []


def test_without_minutes_nothing_is_booked(cw):  # noqa: F811
    set_up_pot(cw)
    done(cw, help_slot(cw), minutes=None)
    assert bookings(cw) == []


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1])
def test_minutes_out_of_range_are_refused(cw, minutes):  # noqa: F811
    set_up_pot(cw)
    with pytest.raises(DomainError):
        done(cw, help_slot(cw), minutes=minutes)


def test_no_compensation_mode_books_nothing(cw):  # noqa: F811
    set_up_pot(cw, mode=CompensationMode.NONE)
    done(cw, help_slot(cw))
    assert bookings(cw) == []


def test_someone_who_is_not_a_member_of_the_initiative_is_not_compensated(cw):  # noqa: F811
    set_up_pot(cw)
    db.session.execute(sa.delete(Membership).where(Membership.initiative_id == cw.kracht.id,
                                                   Membership.neighbour_id == cw.ria.id))
    done(cw, help_slot(cw))
    assert bookings(cw) == []


def test_a_circle_without_an_initiative_books_nothing(cw):  # noqa: F811
    set_up_pot(cw)
    cw.circle.initiative_id = None
    db.session.flush()
    done(cw, help_slot(cw))
    assert bookings(cw) == []


# --- the pages -------------------------------------------------------------------------------------------

def test_the_rota_asks_how_long_only_when_the_initiative_counts_it(cw, client):  # noqa: F811
    set_up_pot(cw, count=False)
    slot = help_slot(cw)
    shifts.take_date(db.session, cw.ria, slot, TODAY, today=TODAY)
    db.session.commit()
    client.login("ria@example.org")
    url = f"/circles/{cw.circle.id}/rota"
    assert 'name="hours"' not in client.get(url).get_data(as_text=True)
    settings = db.session.get(PotSettings, cw.kracht.id)
    settings.count_circle_help = True
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert re.search(rf'<input[^>]*name="hours"[^>]*id="hours-{slot.id}-{TODAY.isoformat()}"', page)
    bad = client.post(f"{url}/done", {"slot_id": slot.id, "on_date": TODAY.isoformat(), "hours": "30"})
    assert bad.status_code == 400 and bookings(cw) == []
    response = client.post(f"{url}/done", {"slot_id": slot.id, "on_date": TODAY.isoformat(), "hours": "1,5"})
    assert response.status_code == 302
    db.session.expire_all()
    [txn] = bookings(cw)
    assert (txn.kind, txn.neighbour_id, txn.minutes) == (TransactionKind.COMPENSATION, cw.ria.id, 90)
    assert db.session.scalar(sa.select(Shift.minutes).where(Shift.slot_id == slot.id)) == 90
    assert verify(db.session) == []


SETTINGS = {"mode": "pot", "rate_per_hour": "5,00", "rate_per_km": "0,20", "rule": "by_hours",
            "month_end_day": "1"}


@pytest.mark.parametrize("who", ["treasurer", "coordinator"])
def test_the_settings_checkbox_saves(cw, client, who):  # noqa: F811
    set_up_pot(cw, count=False)
    if who == "coordinator":
        add_member(cw.kracht, cw.annie, Role.COORDINATOR)
    db.session.commit()
    client.login(f"{'annie' if who == 'coordinator' else 'treasurer'}@example.org")
    url = f"/pot/{cw.kracht.slug}/settings"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]*name="count_circle_help"', page)
    assert not re.search(r'<input[^>]*checked[^>]*name="count_circle_help"|<input[^>]*name="count_circle_help"'
                         r'[^>]*checked', page)
    assert client.post(url, {**SETTINGS, "count_circle_help": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PotSettings, cw.kracht.id).count_circle_help is True
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]*name="count_circle_help"[^>]*checked|<input[^>]*checked[^>]*'
                     r'name="count_circle_help"', page)
    # unticked and saved: off again
    assert client.post(url, SETTINGS).status_code == 302
    db.session.expire_all()
    assert db.session.get(PotSettings, cw.kracht.id).count_circle_help is False


def test_a_member_may_not_change_the_setting(cw, client):  # noqa: F811
    set_up_pot(cw, count=False)
    db.session.commit()
    client.login("ria@example.org")  # a member of Kracht van Zuilen, not its treasurer
    url = f"/pot/{cw.kracht.slug}/settings"
    assert client.get(url).status_code == 403
    assert client.post(url, {**SETTINGS, "count_circle_help": "y"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(PotSettings, cw.kracht.id).count_circle_help is False

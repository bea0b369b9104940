"""The tax-free limit holds when bookings for one person happen at the same moment: 16 threads, two
initiatives, every mix of direct payments, month-end shares and compensation for done help.

On PostgreSQL the threads really run side by side; on SQLite they share a database file (the
in-memory test database has one connection for everything), where the write transaction begins
before the limit is checked."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative, Role
from buurthulp.neighbourhoods.services import set_hidden_categories
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.posts.models import Match
from buurthulp.pot import allowance, ledger, services, shares
from buurthulp.pot.models import AccountKind, CompensationMode, DistributionRule, PotTransaction, TransactionKind
from buurthulp.pot.verify import verify
from buurthulp.timeutil import LOCAL, local_today
from tests.conftest import IS_SQLITE
from tests.factories import add_member, make_initiative, make_neighbour
from tests.posts.conftest import post_input
from tests.pot.test_concurrency import at_once

THREADS = 16
MONTH = shares.previous_month(local_today())
LAST_DAY = MONTH.replace(day=calendar.monthrange(MONTH.year, MONTH.month)[1])
MARKED_AT = datetime.combine(LAST_DAY, time(12), tzinfo=LOCAL).astimezone(UTC)


@pytest.fixture
def config_overrides(tmp_path):
    # SQLite: a database file, so that each thread has a connection of its own
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'threads.sqlite'}"} if IS_SQLITE else {}


@pytest.fixture
def world(pw):
    """The member keeps under the limit, and is a member of two initiatives in the same neighbourhood:
    Kracht van Zuilen shares out its pot, Zuilen Direct records what the person helped paid directly."""
    person = pw.member
    services.set_allowance_preference(db.session, person, keep_under_limit=True, under_21=False)
    direct = make_initiative(pw.hood, name="Zuilen Direct")
    direct_treasurer = make_neighbour(pw.hood, email="direct-treasurer@example.org", name="Direct Treasurer")
    add_member(direct, direct_treasurer, Role.TREASURER)
    add_member(direct, person)
    services.save_settings(db.session, direct_treasurer, direct, mode=CompensationMode.DIRECT,
                           rate_per_hour_cents=500, category_rates={}, rate_per_km_cents=0,
                           rule=DistributionRule.BY_HOURS, month_end_day=1)
    # odd jobs are compensated by the direct initiative, so done help becomes a direct payment
    set_hidden_categories(db.session, pw.coordinator, pw.initiative, [Category.ODD_JOBS])
    pw.income(50_000, day=LAST_DAY - timedelta(days=1))
    pot = ledger.account(db.session, pw.initiative.id, AccountKind.POT)
    source = ledger.account(db.session, pw.initiative.id, AccountKind.COMPENSATIONS)
    for helper, minutes, cents in ((person, 6000, 20_000), (pw.other_member, 600, 2_000)):
        ledger.book(db.session, pw.initiative.id, TransactionKind.COMPENSATION, [(source, -cents), (pot, cents)],
                      key=f"help-{helper.id}", value_date=LAST_DAY - timedelta(days=2), neighbour_id=helper.id,
                      minutes=minutes)
    for initiative in (pw.initiative, direct):  # every account exists beforehand
        ledger.account(db.session, initiative.id, AccountKind.MEMBER, person.id)
        ledger.account(db.session, initiative.id, AccountKind.MEMBER, pw.other_member.id)
        ledger.account(db.session, initiative.id, AccountKind.DIRECT)
    matches = []
    for i in range(THREADS // 3 + 1):
        post = posts.create_post(db.session, pw.outsider, post_input(category=Category.ODD_JOBS, title=f"Klus {i}"))
        match = match_flow.respond(db.session, person, post)
        match_flow.accept(db.session, pw.outsider, match)
        match_flow.mark_done(db.session, person, match, 120, now=MARKED_AT)  # done on the month's last day
        matches.append(match.id)
    db.session.commit()
    return {"person": person.id, "pot_initiative": pw.initiative.id, "direct_initiative": direct.id,
            "treasurers": (pw.treasurer.id, direct_treasurer.id), "asker": pw.outsider.id, "matches": matches}


def book_at_once(app, w) -> list[str]:
    """Thread i books one thing for the person, all at the same moment; each commits or rolls back."""
    def work(i: int) -> str:
        kind = ("direct", "share", "done")[i % 3]
        try:
            if kind == "direct":
                initiative_id = (w["pot_initiative"], w["direct_initiative"])[i % 2]
                treasurer = db.session.get(Neighbour, w["treasurers"][i % 2])
                shares.record_direct(db.session, treasurer, db.session.get(Initiative, initiative_id),
                                       db.session.get(Neighbour, w["person"]), 3_000, minutes=None,
                                       value_date=LAST_DAY, description="paid in cash", key=f"direct-{i}")
            elif kind == "share":
                shares.distribute_month(db.session, db.session.get(Initiative, w["pot_initiative"]), MONTH)
            else:
                match = db.session.get(Match, w["matches"][i // 3])
                match_flow.confirm_done(db.session, db.session.get(Neighbour, w["asker"]), match)
            db.session.commit()
        except (IntegrityError, DomainError):
            db.session.rollback()  # the same month's shares booked by another thread at the same moment
            return f"{kind}: not booked"
        except OperationalError as exc:  # a lock wait that timed out would be a failure of the design
            db.session.rollback()
            return f"{kind}: {exc}"
        return f"{kind}: booked"

    return at_once(app, THREADS, work)


def received(person_id: int) -> allowance.Totals:
    db.session.expire_all()
    return allowance.earned_totals(db.session, person_id, LAST_DAY)


def check_nothing_lost(w) -> None:
    """Every euro the pot did not pay out stays in it; the ledger balances."""
    assert verify(db.session) == []
    shares = db.session.scalars(sa.select(PotTransaction).where(
        PotTransaction.initiative_id == w["pot_initiative"], PotTransaction.kind == TransactionKind.DISTRIBUTION)).all()
    assert len(shares) == 1, "the month is shared out once"
    paid = sum(e.amount_cents for e in shares[0].entries if e.amount_cents > 0)
    pot = ledger.account(db.session, w["pot_initiative"], AccountKind.POT)
    assert pot.balance_cents == 50_000 + 22_000 - paid
    # the person's share stopped at the limit if other bookings came first; what was not paid stayed in the pot
    assert paid <= 22_000


def test_parallel_bookings_never_take_a_person_past_the_monthly_limit(app, world):
    results = book_at_once(app, world)
    assert not [r for r in results if "booked" not in r], results
    limits = allowance.limits_for(MONTH.year)
    totals = received(world["person"])
    # asked for: 6 direct payments of € 30, 5 done jobs of € 10 and a share of € 200; the limit is € 210
    assert totals.month_cents == limits.monthly_cents
    assert totals.year_cents <= limits.yearly_cents
    check_nothing_lost(world)


def test_parallel_bookings_never_take_a_person_past_the_yearly_limit(app, world):
    limits = allowance.limits_for(MONTH.year)
    app.config["POT_ALLOWANCE_LIMITS"] = {str(MONTH.year): {
        "hourly_cents": limits.hourly_cents, "hourly_under_21_cents": limits.hourly_under_21_cents,
        "monthly_cents": limits.monthly_cents, "yearly_cents": 15_000}}
    results = book_at_once(app, world)
    assert not [r for r in results if "booked" not in r], results
    totals = received(world["person"])
    assert totals.year_cents == 15_000
    assert totals.month_cents <= limits.monthly_cents
    check_nothing_lost(world)

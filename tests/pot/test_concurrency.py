"""Bookings at the same moment, each in its own thread, app context and database session (PostgreSQL only:
in-memory SQLite has one connection for everything)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from buurthulp.accounts.models import Neighbour
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.pot import ledger, services
from buurthulp.pot.models import AccountKind, PotTransaction, TransactionKind
from buurthulp.pot.verify import verify
from buurthulp.timeutil import local_today
from tests.conftest import IS_SQLITE

pytestmark = pytest.mark.skipif(IS_SQLITE,
                                reason="needs PostgreSQL: several connections at once (runs in CI's PostgreSQL step)")

THREADS = 8
TODAY = local_today()

@pytest.fixture(autouse=True)
def _today_of_this_test():
    """TODAY as of this test, not as of when the module was imported: a run may pass midnight."""
    global TODAY
    TODAY = local_today()


def at_once(app, count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released together; what each returned or raised."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        with app.app_context():
            try:
                start.wait(timeout=120)  # limits for a hang only, generous for a busy machine
                results[i] = work(i)
            except BaseException as exc:  # noqa: BLE001 -- reported to the test below
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,), name=f"booking-{i}", daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a booking thread hung"
    db.session.expire_all()
    return results


def attempt(book) -> str:
    """Book and commit, as the routes do; a refusal rolls back."""
    try:
        book()
    except DomainError:
        db.session.rollback()
        return "refused"
    db.session.commit()
    return "booked"


def owe(pw, member, cents: int) -> None:
    """Money into the pot, then owed to ``member`` (as month-end shares would)."""
    pw.income(cents, day=TODAY)
    pot = ledger.account(db.session, pw.initiative.id, AccountKind.POT)
    owed = ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, member.id)
    ledger.book(db.session, pw.initiative.id, TransactionKind.DISTRIBUTION, [(pot, -cents), (owed, cents)],
                  key=f"owe-{member.id}", value_date=TODAY)
    ledger.account(db.session, pw.initiative.id, AccountKind.PAYOUTS)  # every account exists beforehand
    ledger.account(db.session, pw.initiative.id, AccountKind.SPENDING)
    db.session.commit()


def balance(initiative_id: int, kind: AccountKind, neighbour_id: int | None = None) -> int:
    db.session.expire_all()
    return ledger.account(db.session, initiative_id, kind, neighbour_id).balance_cents


def test_parallel_payouts_cannot_overdraw(app, pw):
    owe(pw, pw.member, 1000)
    ids = (pw.treasurer.id, pw.initiative.id, pw.member.id)

    def pay(i: int) -> str:
        treasurer, initiative, member = (db.session.get(Neighbour, ids[0]), db.session.get(Initiative, ids[1]),
                                         db.session.get(Neighbour, ids[2]))
        return attempt(lambda: services.book_payout(db.session, treasurer, initiative, member, 300,
                                                    description="bank", value_date=TODAY, key=f"pay-{i}"))

    results = at_once(app, THREADS, pay)
    assert sorted(results) == ["booked"] * 3 + ["refused"] * 5, results
    assert balance(pw.initiative.id, AccountKind.MEMBER, pw.member.id) == 100
    assert balance(pw.initiative.id, AccountKind.PAYOUTS) == 900
    owed = ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, pw.member.id)
    assert (owed.earned_cents, owed.paid_cents) == (1000, 900)
    assert verify(db.session) == []


def test_parallel_spending_cannot_overdraw_the_pot(app, pw):
    pw.income(1000, day=TODAY)
    ledger.account(db.session, pw.initiative.id, AccountKind.SPENDING)
    db.session.commit()
    ids = (pw.treasurer.id, pw.initiative.id)

    def spend(i: int) -> str:
        treasurer, initiative = db.session.get(Neighbour, ids[0]), db.session.get(Initiative, ids[1])
        return attempt(lambda: services.book_spending(db.session, treasurer, initiative, 300,
                                                      description="coffee for the volunteers' evening",
                                                      value_date=TODAY, key=f"spend-{i}"))

    results = at_once(app, THREADS, spend)
    assert sorted(results) == ["booked"] * 3 + ["refused"] * 5, results
    assert balance(pw.initiative.id, AccountKind.POT) == 100
    assert balance(pw.initiative.id, AccountKind.SPENDING) == 900
    assert verify(db.session) == []


def test_payouts_and_spending_at_once_each_keep_their_account_above_zero(app, pw):
    """Payouts take from what a member is owed, spending from the pot: neither blocks nor overdraws the other."""
    owe(pw, pw.member, 1000)
    pw.income(1000, day=TODAY)
    db.session.commit()
    ids = (pw.treasurer.id, pw.initiative.id, pw.member.id)

    def book(i: int) -> str:
        treasurer, initiative, member = (db.session.get(Neighbour, ids[0]), db.session.get(Initiative, ids[1]),
                                         db.session.get(Neighbour, ids[2]))
        if i % 2:
            return "pay " + attempt(lambda: services.book_payout(
                db.session, treasurer, initiative, member, 400, description="bank", value_date=TODAY,
                key=f"pay-{i}"))
        return "spend " + attempt(lambda: services.book_spending(
            db.session, treasurer, initiative, 400, description="paint", value_date=TODAY, key=f"spend-{i}"))

    results = at_once(app, THREADS, book)
    assert sorted(results) == ["pay booked"] * 2 + ["pay refused"] * 2 + ["spend booked"] * 2 + \
        ["spend refused"] * 2, results
    assert balance(pw.initiative.id, AccountKind.MEMBER, pw.member.id) == 200
    assert balance(pw.initiative.id, AccountKind.POT) == 200
    assert verify(db.session) == []


def test_the_same_key_at_once_books_once(app, pw):
    """A form sent twice at the same moment: one booking; the other request gets it back or a conflict."""
    ledger.account(db.session, pw.initiative.id, AccountKind.GIFTS)
    ledger.account(db.session, pw.initiative.id, AccountKind.POT)
    db.session.commit()
    ids = (pw.treasurer.id, pw.initiative.id)

    def give(i: int):
        treasurer, initiative = db.session.get(Neighbour, ids[0]), db.session.get(Initiative, ids[1])
        try:
            booked = services.book_income(db.session, treasurer, initiative, TransactionKind.GIFT, 2500,
                                          description="gift", value_date=TODAY, key="the-same-form")
            booked_id = booked.id
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # the other request booked it first
            return "conflict"
        return booked_id

    results = at_once(app, 4, give)
    transactions = db.session.scalars(sa.select(PotTransaction).where(
        PotTransaction.idempotency_key == "the-same-form")).all()
    assert len(transactions) == 1
    assert all(r == transactions[0].id or r == "conflict" for r in results), results
    assert transactions[0].id in results
    assert balance(pw.initiative.id, AccountKind.POT) == 2500
    assert balance(pw.initiative.id, AccountKind.GIFTS) == -2500
    assert verify(db.session) == []


def test_a_booking_and_a_correction_at_once_both_book(app, pw):
    """A compensation for help (compensations -x, pot +x) while the treasurer corrects an earlier one
    (pot -y, compensations +y). Each thread pauses after its first balance update, so the two are
    certain to overlap; with one lock order the second simply waits for the first."""
    pw.income(5000, day=TODAY)
    compensations = ledger.account(db.session, pw.initiative.id, AccountKind.COMPENSATIONS)
    pot = ledger.account(db.session, pw.initiative.id, AccountKind.POT)
    earlier = ledger.book(db.session, pw.initiative.id, TransactionKind.COMPENSATION,
                            [(compensations, -700), (pot, 700)], key="earlier", value_date=TODAY,
                            neighbour_id=pw.member.id, minutes=60)
    db.session.commit()
    ids = (pw.treasurer.id, pw.initiative.id, earlier.id, pw.other_member.id)

    paused: set[str] = set()
    meet = threading.Barrier(2)

    def pause_after_first_update(conn, cursor, statement, parameters, context, executemany):
        name = threading.current_thread().name
        if name.startswith("booking-") and name not in paused and statement.startswith("UPDATE pot_account"):
            paused.add(name)
            try:
                meet.wait(timeout=3)  # with one lock order the other thread waits on the lock instead
            except threading.BrokenBarrierError:
                pass

    def work(i: int) -> str:
        initiative_id = ids[1]
        if i == 0:
            acct = ledger.account(db.session, initiative_id, AccountKind.COMPENSATIONS)
            into = ledger.account(db.session, initiative_id, AccountKind.POT)
            ledger.book(db.session, initiative_id, TransactionKind.COMPENSATION, [(acct, -500), (into, 500)],
                          key="new", value_date=TODAY, neighbour_id=ids[3], minutes=45)
        else:
            ledger.reverse(db.session, db.session.get(Neighbour, ids[0]), db.session.get(PotTransaction, ids[2]),
                             reason="booked twice", key="fix")
        db.session.commit()
        return "booked"

    sa.event.listen(db.engine, "after_cursor_execute", pause_after_first_update)
    try:
        results = at_once(app, 2, work)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", pause_after_first_update)
    assert verify(db.session) == []
    assert results == ["booked", "booked"], results
    assert balance(pw.initiative.id, AccountKind.POT) == 5000 + 700 + 500 - 700

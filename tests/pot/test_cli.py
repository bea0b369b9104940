"""`flask pot verify` and `flask pot distribute`."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from buurthulp.extensions import db
from buurthulp.pot import ledger, shares
from buurthulp.pot.models import AccountKind, PotTransaction, TransactionKind
from buurthulp.pot.verify import verify
from buurthulp.timeutil import local_today

IN_ORDER = "The ledger is in order"


def compensate(pw, helper, minutes: int, cents: int, day: date, key: str) -> PotTransaction:
    """What done help books in pot mode."""
    source = ledger.account(db.session, pw.initiative.id, AccountKind.COMPENSATIONS)
    pot = ledger.account(db.session, pw.initiative.id, AccountKind.POT)
    return ledger.book(db.session, pw.initiative.id, TransactionKind.COMPENSATION, [(source, -cents), (pot, cents)],
                         key=key, value_date=day, neighbour_id=helper.id, minutes=minutes)


def some_bookings(pw) -> None:
    pw.income(5000, day=date(2026, 10, 2))
    compensate(pw, pw.member, 90, 750, date(2026, 10, 5), "help-1")
    compensate(pw, pw.other_member, 30, 250, date(2026, 10, 20), "help-2")
    db.session.commit()


def pot_account_id(pw) -> int:
    return ledger.account(db.session, pw.initiative.id, AccountKind.POT).id


def distributions(pw) -> list[PotTransaction]:
    return list(db.session.scalars(sa.select(PotTransaction).where(
        PotTransaction.initiative_id == pw.initiative.id, PotTransaction.kind == TransactionKind.DISTRIBUTION)))


# --- verify --------------------------------------------------------------------------------------

def test_verify_an_empty_ledger(runner):
    result = runner.invoke(args=["pot", "verify"])
    assert result.exit_code == 0, result.output
    assert IN_ORDER in result.output


def test_verify_a_healthy_ledger(runner, pw):
    some_bookings(pw)
    result = runner.invoke(args=["pot", "verify"])
    assert result.exit_code == 0, result.output
    assert IN_ORDER in result.output


def test_verify_names_a_balance_that_does_not_match_its_entries(runner, pw):
    some_bookings(pw)
    pot_id = pot_account_id(pw)
    db.session.execute(sa.text("UPDATE pot_account SET balance_cents = 5999 WHERE id = :id"), {"id": pot_id})
    db.session.commit()
    result = runner.invoke(args=["pot", "verify"])
    assert result.exit_code == 1, result.output
    assert IN_ORDER not in result.output
    assert f"account {pot_id} (pot) has balance 5999, its entries sum to 6000" in result.output
    assert "1 problem(s) found" in result.output


def test_verify_names_a_member_total_that_does_not_match(runner, pw):
    some_bookings(pw)
    shares.distribute_month(db.session, pw.initiative, date(2026, 10, 1))
    db.session.commit()
    owed = ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, pw.member.id)
    db.session.execute(sa.text("UPDATE pot_account SET earned_cents = earned_cents + 1 WHERE id = :id"),
                       {"id": owed.id})
    db.session.commit()
    result = runner.invoke(args=["pot", "verify"])
    assert result.exit_code == 1, result.output
    assert f"account {owed.id} (member:{pw.member.id}) has earned/paid 751/0, its entries say 750/0" in result.output


def test_verify_names_a_monthly_total_that_does_not_match(runner, pw):
    some_bookings(pw)
    pot_id = pot_account_id(pw)
    changed = db.session.execute(sa.text(
        "UPDATE pot_month SET amount_cents = amount_cents - 1 WHERE account_id = :id AND effect = 'compensation'"),
        {"id": pot_id})
    assert changed.rowcount == 1
    db.session.commit()
    result = runner.invoke(args=["pot", "verify"])
    assert result.exit_code == 1, result.output
    assert f"monthly total of account {pot_id} for 2026-10 (compensation) is 999, its entries sum to 1000" \
        in result.output


def test_verify_names_a_transaction_that_does_not_sum_to_zero(runner, pw):
    """Entries can still be added by hand (only changing and deleting them is refused): a stray line shows."""
    some_bookings(pw)
    gift = db.session.scalar(sa.select(PotTransaction).where(PotTransaction.kind == TransactionKind.GIFT))
    db.session.execute(sa.text("INSERT INTO pot_entry (transaction_id, account_id, amount_cents) "
                               "VALUES (:t, :a, 1)"), {"t": gift.id, "a": pot_account_id(pw)})
    db.session.commit()
    result = runner.invoke(args=["pot", "verify"])
    assert result.exit_code == 1, result.output
    assert f"transaction {gift.id} sums to 1 cents, not zero" in result.output
    assert len(verify(db.session)) >= 2  # the pot's balance and its monthly total no longer match either


# --- distribute ----------------------------------------------------------------------------------

def test_distribute_a_month_once(runner, pw):
    some_bookings(pw)
    first = runner.invoke(args=["pot", "distribute", "--month", "2026-10"])
    assert first.exit_code == 0, first.output
    booked = distributions(pw)
    assert len(booked) == 1
    assert f"{pw.initiative.slug}: booking {booked[0].id}" in first.output
    assert f"{pw.other_initiative.slug}: nothing to share out" in first.output
    # by hours: 90 and 30 minutes share the 10 euros that October's help brought in
    assert {e.account.key: e.amount_cents for e in booked[0].entries} == {
        f"member:{pw.member.id}": 750, f"member:{pw.other_member.id}": 250, "pot": -1000}

    again = runner.invoke(args=["pot", "distribute", "--month", "2026-10"])
    assert again.exit_code == 0, again.output
    assert [t.id for t in distributions(pw)] == [booked[0].id]
    assert ledger.account(db.session, pw.initiative.id, AccountKind.POT).balance_cents == 5000
    assert verify(db.session) == []


def test_distribute_one_initiative(runner, pw):
    some_bookings(pw)
    result = runner.invoke(args=["pot", "distribute", "--month", "2026-10", "--initiative", pw.initiative.slug])
    assert result.exit_code == 0, result.output
    assert pw.other_initiative.slug not in result.output
    assert len(distributions(pw)) == 1


@pytest.mark.parametrize("month", ["2026-13", "oktober", "2026/10", "26-10", "1999-12", ""])
def test_distribute_refuses_a_bad_month(runner, pw, month):
    some_bookings(pw)
    result = runner.invoke(args=["pot", "distribute", "--month", month])
    assert result.exit_code == 2, result.output
    assert re.search(r"Error: Invalid value for '?--month'?: use YYYY-MM, for example 2026-10", result.output), \
        result.output
    db.session.rollback()
    assert distributions(pw) == []


def test_distribute_one_initiative_needs_a_month(runner, pw):
    compensate(pw, pw.member, 60, 500, shares.previous_month(local_today()), "last-month")
    db.session.commit()
    result = runner.invoke(args=["pot", "distribute", "--initiative", pw.other_initiative.slug])
    db.session.rollback()
    assert distributions(pw) == []  # not this initiative's pot
    assert result.exit_code != 0

"""Check every invariant of the ledger against the database; ``flask pot verify`` runs it."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp.pot.allowance import limits_for
from buurthulp.pot.models import (
    EARNING_KINDS,
    NON_NEGATIVE_KINDS,
    AccountKind,
    AllowancePreference,
    AllowanceTotal,
    PotAccount,
    PotEntry,
    PotMonth,
    PotTransaction,
    TransactionKind,
)
from buurthulp.timeutil import add_months


def verify(session) -> list[str]:
    """Every broken invariant, as a sentence for the treasurer or the developer; empty when all hold."""
    problems: list[str] = []

    unbalanced = session.execute(
        sa.select(PotEntry.transaction_id, sa.func.sum(PotEntry.amount_cents))
        .group_by(PotEntry.transaction_id).having(sa.func.sum(PotEntry.amount_cents) != 0)).all()
    problems += [f"transaction {t} sums to {s} cents, not zero" for t, s in unbalanced]

    empty = session.scalars(sa.select(PotTransaction.id).where(
        ~sa.exists().where(PotEntry.transaction_id == PotTransaction.id))).all()
    problems += [f"transaction {t} has no entries" for t in empty]

    crossed = session.execute(
        sa.select(PotTransaction.id, PotEntry.id).join(PotEntry, PotEntry.transaction_id == PotTransaction.id)
        .join(PotAccount, PotAccount.id == PotEntry.account_id)
        .where(PotAccount.initiative_id != PotTransaction.initiative_id)).all()
    problems += [f"transaction {t} books on another initiative's account (entry {e})" for t, e in crossed]

    # Balances and the members' totals, against the sum of their entries.
    sums = {row.account_id: row for row in session.execute(
        sa.select(PotEntry.account_id,
                  sa.func.sum(PotEntry.amount_cents).label("balance"),
                  sa.func.sum(sa.case((PotTransaction.effect.in_(EARNING_KINDS), PotEntry.amount_cents),
                                      else_=0)).label("earned"),
                  sa.func.sum(sa.case((PotTransaction.effect == TransactionKind.PAYOUT, -PotEntry.amount_cents),
                                      else_=0)).label("paid"))
        .join(PotTransaction, PotTransaction.id == PotEntry.transaction_id)
        .group_by(PotEntry.account_id))}
    for acct in session.scalars(sa.select(PotAccount).order_by(PotAccount.id)):
        row = sums.get(acct.id)
        balance = int(row.balance) if row else 0
        if acct.balance_cents != balance:
            problems.append(f"account {acct.id} ({acct.key}) has balance {acct.balance_cents}, its entries sum "
                            f"to {balance}")
        if acct.kind in NON_NEGATIVE_KINDS and balance < 0:
            problems.append(f"account {acct.id} ({acct.key}) is below zero: {balance}")
        if acct.kind == AccountKind.MEMBER:
            earned, paid = (int(row.earned), int(row.paid)) if row else (0, 0)
            if (acct.earned_cents, acct.paid_cents) != (earned, paid):
                problems.append(f"account {acct.id} ({acct.key}) has earned/paid {acct.earned_cents}/"
                                f"{acct.paid_cents}, its entries say {earned}/{paid}")

    # Monthly totals, against the entries grouped by month and effect.
    year = sa.extract("year", PotTransaction.value_date)
    month = sa.extract("month", PotTransaction.value_date)
    from_entries = {(a, date(int(y), int(m), 1), TransactionKind(e)): int(s) for a, y, m, e, s in session.execute(
        sa.select(PotEntry.account_id, year, month, PotTransaction.effect, sa.func.sum(PotEntry.amount_cents))
        .join(PotTransaction, PotTransaction.id == PotEntry.transaction_id)
        .group_by(PotEntry.account_id, year, month, PotTransaction.effect))}
    from_months = {(a, m, TransactionKind(e)): int(s) for a, m, e, s in session.execute(
        sa.select(PotMonth.account_id, PotMonth.month, PotMonth.effect, PotMonth.amount_cents))}
    for key in sorted(set(from_entries) | set(from_months), key=str):
        if from_entries.get(key, 0) != from_months.get(key, 0):
            problems.append(f"monthly total of account {key[0]} for {key[1]:%Y-%m} ({key[2]}) is "
                            f"{from_months.get(key, 0)}, its entries sum to {from_entries.get(key, 0)}")

    # A correction mirrors what it corrects, and is never itself corrected.
    reversals = session.execute(
        sa.select(PotTransaction.id, PotTransaction.reverses_id, PotTransaction.effect)
        .where(PotTransaction.reverses_id.is_not(None))).all()
    if reversals:
        ids = {r.id for r in reversals} | {r.reverses_id for r in reversals}
        lines: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        kinds, effects = {}, {}
        for transaction_id, kind, effect in session.execute(
                sa.select(PotTransaction.id, PotTransaction.kind, PotTransaction.effect)
                .where(PotTransaction.id.in_(ids))):
            kinds[transaction_id], effects[transaction_id] = kind, effect
        for transaction_id, account_id, cents in session.execute(
                sa.select(PotEntry.transaction_id, PotEntry.account_id, PotEntry.amount_cents)
                .where(PotEntry.transaction_id.in_(ids))):
            lines[transaction_id][account_id] += cents
        for r in reversals:
            if kinds.get(r.reverses_id) == TransactionKind.REVERSAL:
                problems.append(f"transaction {r.id} corrects a correction ({r.reverses_id})")
            if r.effect != effects.get(r.reverses_id):
                problems.append(f"transaction {r.id} is grouped as {r.effect}, what it corrects as "
                                f"{effects.get(r.reverses_id)}")
            if {a: -c for a, c in lines[r.reverses_id].items()} != dict(lines[r.id]):
                problems.append(f"transaction {r.id} does not mirror transaction {r.reverses_id}")

    problems += _allowance(session)
    return problems


def _earned_by_month(session, *where) -> dict[tuple[int, int, int], int]:
    """From the ledger: what each person received as compensation per (person, year, month), a correction
    counted in the month of what it corrects."""
    original = so.aliased(PotTransaction)
    counts_for = sa.func.coalesce(original.value_date, PotTransaction.value_date)
    year, month = sa.extract("year", counts_for), sa.extract("month", counts_for)
    rows = session.execute(
        sa.select(PotAccount.neighbour_id, year, month, sa.func.sum(PotEntry.amount_cents))
        .select_from(PotEntry)
        .join(PotAccount, PotAccount.id == PotEntry.account_id)
        .join(PotTransaction, PotTransaction.id == PotEntry.transaction_id)
        .outerjoin(original, original.id == PotTransaction.reverses_id)
        .where(PotAccount.kind == AccountKind.MEMBER, PotTransaction.effect.in_(EARNING_KINDS), *where)
        .group_by(PotAccount.neighbour_id, year, month))
    return {(int(n), int(y), int(m)): int(total) for n, y, m, total in rows}


def _allowance(session) -> list[str]:
    """The allowance totals match the ledger, and people who asked to stay under the tax-free limit
    received no more than it in any month or year, from the moment they asked."""
    problems = []
    from_ledger = _earned_by_month(session)
    years: dict[tuple[int, int], int] = defaultdict(int)
    for (neighbour_id, year, _month), total in from_ledger.items():
        years[neighbour_id, year] += total
    expected = {**from_ledger, **{(n, y, 0): total for (n, y), total in years.items()}}
    kept = {(n, y, m): int(c) for n, y, m, c in session.execute(
        sa.select(AllowanceTotal.neighbour_id, AllowanceTotal.year, AllowanceTotal.month,
                  AllowanceTotal.earned_cents))}
    for key in sorted(set(expected) | set(kept)):
        if expected.get(key, 0) != kept.get(key, 0):
            problems.append(f"allowance total of neighbour {key[0]} for {key[1]}"
                            + (f"-{key[2]:02d}" if key[2] else "") + f" is {kept.get(key, 0)}, "
                            f"the ledger says {expected.get(key, 0)}")

    asked = dict(session.execute(sa.select(AllowancePreference.neighbour_id, AllowancePreference.keep_under_since)
                                 .where(AllowancePreference.keep_under_limit.is_(True))).all())
    for (neighbour_id, year, month), total in sorted(expected.items()):
        if neighbour_id not in asked:
            continue
        limits = limits_for(year)
        limit = limits.monthly_cents if month else limits.yearly_cents
        if total <= limit:
            continue
        since = asked[neighbour_id] or datetime.min.replace(tzinfo=UTC)
        first = date(year, month or 1, 1)
        last = add_months(first, 1 if month else 12)
        if _earned_since(session, neighbour_id, since, first, last):
            period = f"{year}-{month:02d}" if month else str(year)
            problems.append(f"neighbour {neighbour_id} asked to stay under the tax-free limit and received "
                            f"{total / 100:.2f} euros in {period} (limit {limit / 100:.2f})")
    return problems


def _earned_since(session, neighbour_id: int, since: datetime, first: date, last: date) -> bool:
    """Was compensation booked for the person after ``since`` that counts between ``first`` and ``last``?"""
    original = so.aliased(PotTransaction)
    counts_for = sa.func.coalesce(original.value_date, PotTransaction.value_date)
    return session.scalar(
        sa.select(sa.literal(True)).select_from(PotEntry)
        .join(PotAccount, PotAccount.id == PotEntry.account_id)
        .join(PotTransaction, PotTransaction.id == PotEntry.transaction_id)
        .outerjoin(original, original.id == PotTransaction.reverses_id)
        .where(PotAccount.neighbour_id == neighbour_id, PotAccount.kind == AccountKind.MEMBER,
               PotTransaction.effect.in_(EARNING_KINDS), PotEntry.amount_cents > 0,
               PotTransaction.booked_at > since, counts_for >= first, counts_for < last)
        .limit(1)) is not None

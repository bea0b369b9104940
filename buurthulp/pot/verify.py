"""Check every invariant of the ledger against the database; ``flask pot verify`` runs it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from buurthulp.pot.allowance import limits_for
from buurthulp.pot.models import (
    EARNING_KINDS,
    NON_NEGATIVE_KINDS,
    AccountKind,
    AllowancePreference,
    PotAccount,
    PotEntry,
    PotMonth,
    PotTransaction,
    TransactionKind,
)
from buurthulp.timeutil import to_local


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

    problems += _limits_kept(session)
    return problems


def _limits_kept(session) -> list[str]:
    """People who asked to stay under the tax-free limit received no more than it since they asked."""
    problems = []
    asked = session.execute(sa.select(AllowancePreference.neighbour_id, AllowancePreference.keep_under_since)
                            .where(AllowancePreference.keep_under_limit.is_(True))).all()
    for neighbour_id, since in asked:
        since_month = to_local(since).date().replace(day=1) if since else date.min
        per_month = session.execute(
            sa.select(PotMonth.month, sa.func.sum(PotMonth.amount_cents))
            .join(PotAccount, PotAccount.id == PotMonth.account_id)
            .where(PotAccount.neighbour_id == neighbour_id, PotAccount.kind == AccountKind.MEMBER,
                   PotMonth.effect.in_(EARNING_KINDS))
            .group_by(PotMonth.month)).all()
        per_year: dict[int, int] = defaultdict(int)
        for month, total in per_month:
            per_year[month.year] += int(total)
            if month > since_month and int(total) > limits_for(month.year).monthly_cents:
                problems.append(f"neighbour {neighbour_id} asked to stay under the limit and received {total} "
                                f"cents in {month:%Y-%m}")
        for year, total in per_year.items():
            if date(year, 1, 1) > since_month and total > limits_for(year).yearly_cents:
                problems.append(f"neighbour {neighbour_id} asked to stay under the limit and received {total} "
                                f"cents in {year}")
    return problems

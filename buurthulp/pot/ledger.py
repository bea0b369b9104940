"""The ledger's core: accounts, the one way to book, and corrections.

Every booking goes through ``book``: its lines sum to zero, a retry with the
same idempotency key returns the first booking, and each account's balance
moves in one conditional UPDATE, so two payouts at the same moment cannot
both take the last euro (PostgreSQL re-checks the condition on the locked row).
A booking that counts for someone's allowance first locks that person's year
(``allowance.lock``), always before any balance moves.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.db import upsert, utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.pot import allowance
from buurthulp.pot.models import (
    EARNING_KINDS,
    NON_NEGATIVE_KINDS,
    PAID_SUFFIX,
    AccountKind,
    PotAccount,
    PotEntry,
    PotMonth,
    PotTransaction,
    TransactionKind,
)
from buurthulp.timeutil import local_today

MAX_AMOUNT_CENTS = 100_000_00  # one booking of more than a hundred thousand euros is a typo


# --- accounts and the one way to book -----------------------------------------------------------

def account(session, initiative_id: int, kind: AccountKind, neighbour_id: int | None = None) -> PotAccount:
    """The initiative's account of this kind (for a member: theirs), made on first use."""
    key = f"member:{neighbour_id}" if kind == AccountKind.MEMBER else str(kind)
    found = session.scalar(sa.select(PotAccount).where(PotAccount.initiative_id == initiative_id,
                                                       PotAccount.key == key))
    if found is None:
        found = PotAccount(initiative_id=initiative_id, kind=kind, key=key, neighbour_id=neighbour_id,
                           balance_cents=0, earned_cents=0, paid_cents=0)
        session.add(found)
        session.flush()
    return found


OVERDRAWN_MESSAGES = {
    AccountKind.POT: _l("There is not enough money in the pot for this."),
    AccountKind.MEMBER: _l("This is more than the pot owes this person."),
}


def _month_upsert(session, account_id: int, month: date, effect: TransactionKind, cents: int) -> None:
    upsert(session, PotMonth, {"account_id": account_id, "month": month, "effect": effect, "amount_cents": cents},
           ["account_id", "month", "effect"], add=("amount_cents",))


def _move(session, acct: PotAccount, cents: int, effect: TransactionKind) -> bool:
    """Add ``cents`` to an account's balance and totals in one statement; False if it would go below zero."""
    values = {"balance_cents": PotAccount.balance_cents + cents}
    if acct.kind == AccountKind.MEMBER:
        if effect in EARNING_KINDS:
            values["earned_cents"] = PotAccount.earned_cents + cents
        elif effect == TransactionKind.PAYOUT:
            values["paid_cents"] = PotAccount.paid_cents - cents
    statement = sa.update(PotAccount).where(PotAccount.id == acct.id)
    if cents < 0 and acct.kind in NON_NEGATIVE_KINDS:
        statement = statement.where(PotAccount.balance_cents + cents >= 0)
    result = session.execute(statement.values(**values).execution_options(synchronize_session=False))
    session.expire(acct, ["balance_cents", "earned_cents", "paid_cents"])
    return result.rowcount == 1


def book(session, initiative_id: int, kind: TransactionKind, lines: list[tuple[PotAccount, int]], *, key: str,
         value_date: date, description: str = "", booked_by: Neighbour | None = None,
         neighbour_id: int | None = None, match_id: int | None = None, minutes: int | None = None,
         reverses: PotTransaction | None = None, now: datetime | None = None) -> PotTransaction:
    """Book one transaction; the same ``key`` again returns the first booking and books nothing."""
    existing = session.scalar(sa.select(PotTransaction).where(PotTransaction.idempotency_key == key))
    if existing is not None:
        if (existing.initiative_id != initiative_id or existing.kind != kind
                or (reverses is not None and existing.reverses_id != reverses.id)):
            raise DomainError(_l("This booking was already made for something else. Please try again."))
        return existing
    merged: dict[int, list] = {}
    for acct, cents in lines:
        if acct.initiative_id != initiative_id:
            raise ValueError("an account of another initiative")
        merged.setdefault(acct.id, [acct, 0])[1] += int(cents)
    moves = [(acct, cents) for acct, cents in merged.values() if cents != 0]
    if sum(cents for _, cents in moves) != 0:
        raise ValueError("a transaction must sum to zero")
    if not moves:
        raise DomainError(_l("There is nothing to book: the amount is zero."))
    effect = reverses.effect if reverses is not None else kind
    # A correction counts for the allowance in the month of what it corrects.
    counts_for = reverses.value_date if reverses is not None else value_date
    earned = [(acct.neighbour_id, cents) for acct, cents in moves
              if acct.kind == AccountKind.MEMBER and effect in EARNING_KINDS]
    allowance.lock(session, [(neighbour_id, counts_for.year) for neighbour_id, _ in earned])
    # Always in account order, so two bookings lock their rows in the same order (no deadlock);
    # if a decrease is refused, the moves before it are undone and nothing is booked.
    moves.sort(key=lambda move: move[0].id)
    done: list[tuple[PotAccount, int]] = []
    for acct, cents in moves:
        if not _move(session, acct, cents, effect):
            for undo_acct, undo_cents in done:
                _move(session, undo_acct, -undo_cents, effect)
            raise DomainError(OVERDRAWN_MESSAGES[acct.kind])
        done.append((acct, cents))
    transaction = PotTransaction(
        initiative_id=initiative_id, kind=kind, effect=effect, value_date=value_date, description=description[:200],
        idempotency_key=key, booked_by_id=booked_by.id if booked_by else None, booked_at=now or utcnow(),
        reverses_id=reverses.id if reverses is not None else None, neighbour_id=neighbour_id, match_id=match_id,
        minutes=minutes)
    session.add(transaction)
    session.flush()
    session.add_all([PotEntry(transaction_id=transaction.id, account_id=acct.id, amount_cents=cents)
                     for acct, cents in moves])
    month = value_date.replace(day=1)
    for acct, cents in moves:
        _month_upsert(session, acct.id, month, effect, cents)
    for neighbour_id, cents in earned:
        allowance.add_earned(session, neighbour_id, counts_for, cents)
    session.flush()
    return transaction


def require_keeper(session, actor: Neighbour, initiative: Initiative) -> None:
    """Before a booking: ``access.may_keep_books``, refused (NotAllowed) for anyone else."""
    if not access.may_keep_books(session, actor, initiative):
        raise NotAllowed(_l("Only the treasurer can book in the pot."))


def check_amount(cents: int) -> None:
    if cents <= 0:
        raise DomainError(_l("Fill in an amount of more than € 0."))
    if cents > MAX_AMOUNT_CENTS:
        raise DomainError(_l("That amount is too large for one booking. Please check it."))


def check_date(value_date: date, now: datetime | None) -> None:
    today = local_today(now)
    if value_date > today:
        raise DomainError(_l("The date cannot be in the future."))
    if value_date < today - timedelta(days=400):
        raise DomainError(_l("The date is more than a year ago. Please check it."))


def paired(session, transaction: PotTransaction) -> PotTransaction | None:
    """A direct payment is two bookings (earned, and paid by the person helped): the other one of the pair."""
    key = transaction.idempotency_key
    if transaction.kind == TransactionKind.DIRECT:
        other = key + PAID_SUFFIX
    elif transaction.kind == TransactionKind.PAYOUT and key.endswith(PAID_SUFFIX):
        other = key.removesuffix(PAID_SUFFIX)
    else:
        return None
    return session.scalar(sa.select(PotTransaction).where(PotTransaction.idempotency_key == other,
                                                          PotTransaction.initiative_id == transaction.initiative_id))


def reverse(session, actor: Neighbour | None, original: PotTransaction, *, reason: str, key: str,
            now: datetime | None = None) -> PotTransaction:
    """Undo a booking with a new one that mirrors it and refers to it; the original stays as it was.

    A direct payment is corrected as a pair: what was paid directly, then what was earned, in one step."""
    initiative = session.get(Initiative, original.initiative_id)
    if actor is not None:
        require_keeper(session, actor, initiative)
    if original.kind == TransactionKind.REVERSAL:
        raise DomainError(_l("A correction cannot be corrected. Book the right amount again instead."))
    already = session.scalar(sa.select(PotTransaction).where(PotTransaction.reverses_id == original.id))
    if already is not None:
        if already.idempotency_key in (key, key + PAID_SUFFIX):
            return already
        raise DomainError(_l("This booking has already been corrected."))
    if not reason.strip():
        raise DomainError(_l("Say why this booking is corrected."))
    pair = [original]
    other = paired(session, original)
    if other is not None:
        if session.scalar(sa.select(PotTransaction.id).where(PotTransaction.reverses_id == other.id)) is not None:
            raise DomainError(_l("This booking has already been corrected."))
        # paid before earned: the member's account gets the money back before it gives it up
        pair = sorted([original, other], key=lambda t: t.kind != TransactionKind.PAYOUT)
    if original.neighbour_id is not None:
        allowance.lock(session, [(original.neighbour_id, original.value_date.year)])
    booked = {}
    for transaction in pair:
        lines = [(entry.account, -entry.amount_cents) for entry in transaction.entries]
        booked[transaction.id] = book(
            session, transaction.initiative_id, TransactionKind.REVERSAL, lines,
            key=key if transaction.kind != TransactionKind.PAYOUT or other is None else key + PAID_SUFFIX,
            value_date=local_today(now), description=reason, booked_by=actor, reverses=transaction,
            neighbour_id=transaction.neighbour_id, minutes=transaction.minutes, now=now)
    return booked[original.id]

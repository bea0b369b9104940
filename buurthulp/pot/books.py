"""Reading the pot: balances, monthly figures, statements and the export, from account rows and monthly totals.

Nothing here sums the whole ledger: balances are on the account rows and the
monthly figures come from ``pot_month``, so the pages cost the same with a
thousand entries or a million. Only a month's list of transactions and a
person's statement read entries, through their indexes and a page at a time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp.accounts.models import Neighbour
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus
from buurthulp.pot import allowance
from buurthulp.pot.models import (
    EARNING_KINDS,
    PAID_SUFFIX,
    AccountKind,
    PotAccount,
    PotEntry,
    PotMonth,
    PotSettings,
    PotTransaction,
    TransactionKind,
)
from buurthulp.timeutil import add_months, months_between

# Accounts whose money the initiative holds: the pot and what it owes its members.
HELD = (AccountKind.POT, AccountKind.MEMBER)


@dataclass
class MonthFigures:
    month: date
    contributions: int = 0
    subsidies: int = 0
    gifts: int = 0
    compensations: int = 0
    shares: int = 0          # shared out to members
    payouts: int = 0         # paid out to members by bank
    spending: int = 0
    direct: int = 0          # paid directly by people helped, recorded only
    closing: int = 0         # money held at the end of the month

    @property
    def income(self) -> int:
        return self.contributions + self.subsidies + self.gifts + self.compensations


@dataclass
class Overview:
    pot: int
    owed: int
    months: list[MonthFigures]
    members: list[PotAccount] = field(default_factory=list)

    @property
    def held(self) -> int:
        return self.pot + self.owed


def _account_totals(session, initiative_id: int) -> dict[AccountKind, int]:
    rows = session.execute(sa.select(PotAccount.kind, sa.func.sum(PotAccount.balance_cents))
                           .where(PotAccount.initiative_id == initiative_id).group_by(PotAccount.kind)).all()
    return {kind: int(total or 0) for kind, total in rows}


def monthly(session, initiative_id: int, first: date, last: date) -> list[MonthFigures]:
    """Income, spending, shares and the money held at each month's end, from ``first`` to ``last``."""
    months = {m: MonthFigures(m) for m in months_between(first, last)}
    opening = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PotMonth.amount_cents), 0))
        .join(PotAccount, PotAccount.id == PotMonth.account_id)
        .where(PotAccount.initiative_id == initiative_id, PotAccount.kind.in_(HELD), PotMonth.month < first))
    rows = session.execute(
        sa.select(PotMonth.month, PotAccount.kind, PotMonth.effect, sa.func.sum(PotMonth.amount_cents))
        .join(PotAccount, PotAccount.id == PotMonth.account_id)
        .where(PotAccount.initiative_id == initiative_id, PotMonth.month >= first, PotMonth.month <= last)
        .group_by(PotMonth.month, PotAccount.kind, PotMonth.effect)).all()
    held_change: dict[date, int] = defaultdict(int)
    for month, kind, effect, total in rows:
        figures, total = months[month], int(total)
        if kind in HELD:
            held_change[month] += total
        if kind == AccountKind.CONTRIBUTIONS:
            figures.contributions -= total
        elif kind == AccountKind.SUBSIDIES:
            figures.subsidies -= total
        elif kind == AccountKind.GIFTS:
            figures.gifts -= total
        elif kind == AccountKind.COMPENSATIONS:
            figures.compensations -= total
        elif kind == AccountKind.SPENDING:
            figures.spending += total
        elif kind == AccountKind.PAYOUTS and effect == TransactionKind.PAYOUT:
            figures.payouts += total
        elif kind == AccountKind.DIRECT and effect == TransactionKind.DIRECT:
            figures.direct -= total
        elif kind == AccountKind.MEMBER and effect == TransactionKind.DISTRIBUTION:
            figures.shares += total
    running = int(opening)
    for month in sorted(months):
        running += held_change[month]
        months[month].closing = running
    return [months[m] for m in sorted(months)]


def overview(session, initiative: Initiative, this_month: date, months: int = 12) -> Overview:
    """What the treasurer sees first: money held, the last months, and every member's account."""
    totals = _account_totals(session, initiative.id)
    members = list(session.scalars(
        sa.select(PotAccount).join(Neighbour, Neighbour.id == PotAccount.neighbour_id)
        .where(PotAccount.initiative_id == initiative.id, PotAccount.kind == AccountKind.MEMBER)
        .options(so.contains_eager(PotAccount.neighbour))
        .order_by(Neighbour.display_name, Neighbour.id)))
    return Overview(pot=totals.get(AccountKind.POT, 0), owed=totals.get(AccountKind.MEMBER, 0),
                    months=monthly(session, initiative.id, add_months(this_month, 1 - months), this_month),
                    members=members)


def member_choices(session, initiative: Initiative, owed_only: bool = False) -> list[tuple[int, str, int]]:
    """(neighbour id, name, owed cents) of the initiative's active members, or of those the pot owes money."""
    owed = PotAccount.balance_cents
    query = (sa.select(Neighbour.id, Neighbour.display_name, sa.func.coalesce(owed, 0))
             .join(Membership, sa.and_(Membership.neighbour_id == Neighbour.id,
                                       Membership.initiative_id == initiative.id,
                                       Membership.status == MembershipStatus.ACTIVE), isouter=owed_only)
             .join(PotAccount, sa.and_(PotAccount.neighbour_id == Neighbour.id,
                                       PotAccount.initiative_id == initiative.id,
                                       PotAccount.kind == AccountKind.MEMBER), isouter=not owed_only))
    if owed_only:
        query = query.where(PotAccount.balance_cents > 0)
    return [(i, name, int(cents)) for i, name, cents in
            session.execute(query.order_by(Neighbour.display_name, Neighbour.id)).all()]


@dataclass
class Page:
    transactions: list[PotTransaction]
    page: int
    has_next: bool
    pairs: dict[int, int] = field(default_factory=dict)  # a direct payment's two bookings, each to the other


def month_transactions(session, initiative_id: int, month: date, page: int, per_page: int = 50) -> Page:
    """One page of a month's bookings with their lines, in the order they were booked (two queries)."""
    rows = list(session.scalars(
        sa.select(PotTransaction)
        .where(PotTransaction.initiative_id == initiative_id, PotTransaction.value_date >= month,
               PotTransaction.value_date < add_months(month, 1))
        .options(so.selectinload(PotTransaction.entries).joinedload(PotEntry.account)
                 .joinedload(PotAccount.neighbour),
                 so.joinedload(PotTransaction.booked_by), so.joinedload(PotTransaction.reversed_by))
        .order_by(PotTransaction.value_date, PotTransaction.id)
        .offset((page - 1) * per_page).limit(per_page + 1)))
    shown = rows[:per_page]
    return Page(shown, page, len(rows) > per_page, pairs=_pairs(session, initiative_id, shown))


def _pairs(session, initiative_id: int, transactions: list[PotTransaction]) -> dict[int, int]:
    """For each direct payment on the page (earned, and paid by the person helped): the other booking."""
    suffix = PAID_SUFFIX
    other_key = {}
    for t in transactions:
        if t.kind == TransactionKind.DIRECT:
            other_key[t.idempotency_key + suffix] = t.id
        elif t.kind == TransactionKind.PAYOUT and t.idempotency_key.endswith(suffix):
            other_key[t.idempotency_key.removesuffix(suffix)] = t.id
    if not other_key:
        return {}
    found = session.execute(sa.select(PotTransaction.idempotency_key, PotTransaction.id).where(
        PotTransaction.initiative_id == initiative_id, PotTransaction.idempotency_key.in_(other_key))).all()
    return {other_key[key]: other_id for key, other_id in found}


@dataclass
class StatementLine:
    transaction: PotTransaction
    amount: int
    balance: int


@dataclass
class Statement:
    account: PotAccount | None
    year: int
    opening: int
    lines: list[StatementLine]
    earned: int
    paid: int

    @property
    def closing(self) -> int:
        return self.lines[-1].balance if self.lines else self.opening


def member_account(session, initiative_id: int, neighbour_id: int) -> PotAccount | None:
    """The account of what the pot owes this person, if they ever had one (read only: nothing is made)."""
    return session.scalar(sa.select(PotAccount).where(PotAccount.initiative_id == initiative_id,
                                                      PotAccount.key == f"member:{neighbour_id}"))


def pot_balance(session, initiative_id: int) -> int:
    """The money in the pot itself (not what it owes members)."""
    return _account_totals(session, initiative_id).get(AccountKind.POT, 0)


def statement(session, initiative: Initiative, neighbour_id: int, year: int) -> Statement:
    """A member's bookings in one year, with the running amount the pot owes them."""
    acct = member_account(session, initiative.id, neighbour_id)
    if acct is None:
        return Statement(None, year, 0, [], 0, 0)
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    opening = int(session.scalar(sa.select(sa.func.coalesce(sa.func.sum(PotMonth.amount_cents), 0))
                                 .where(PotMonth.account_id == acct.id, PotMonth.month < start)))
    rows = session.execute(
        sa.select(PotTransaction, PotEntry.amount_cents)
        .join(PotEntry, PotEntry.transaction_id == PotTransaction.id)
        .where(PotEntry.account_id == acct.id, PotTransaction.value_date >= start, PotTransaction.value_date < end)
        .order_by(PotTransaction.value_date, PotTransaction.id)).all()
    lines, balance, earned, paid = [], opening, 0, 0
    for transaction, cents in rows:
        balance += cents
        lines.append(StatementLine(transaction, cents, balance))
        if transaction.effect in EARNING_KINDS:
            earned += cents
        elif transaction.effect == TransactionKind.PAYOUT:
            paid -= cents
    return Statement(acct, year, opening, lines, earned, paid)


@dataclass
class Room:
    """A person's allowance for a year, over all initiatives."""

    limits: allowance.Limits
    year_cents: int
    month_cents: int

    @property
    def year_room(self) -> int:
        return max(0, self.limits.yearly_cents - self.year_cents)

    @property
    def month_room(self) -> int:
        return max(0, self.limits.monthly_cents - self.month_cents)


def room(session, neighbour_id: int, today: date) -> Room:
    totals = allowance.earned_totals(session, neighbour_id, today)
    return Room(allowance.limits_for(today.year), totals.year_cents, totals.month_cents)


def my_pots(session, neighbour: Neighbour) -> list[tuple[Initiative, Membership, PotSettings | None, PotAccount | None]]:
    """The initiatives the person is an active member of, with their settings and the person's account."""
    return [tuple(row) for row in session.execute(
        sa.select(Initiative, Membership, PotSettings, PotAccount)
        .join(Membership, sa.and_(Membership.initiative_id == Initiative.id, Membership.neighbour_id == neighbour.id,
                                  Membership.status == MembershipStatus.ACTIVE))
        .outerjoin(PotSettings, PotSettings.initiative_id == Initiative.id)
        .outerjoin(PotAccount, sa.and_(PotAccount.initiative_id == Initiative.id,
                                       PotAccount.key == f"member:{neighbour.id}"))
        .order_by(Initiative.name)).all()]


def export_rows(session, initiative_id: int):
    """Every entry of the initiative's ledger with its transaction, oldest first, streamed."""
    booker = so.aliased(Neighbour)
    person = so.aliased(Neighbour)
    return session.execute(
        sa.select(PotTransaction.id, PotTransaction.value_date, PotTransaction.booked_at, PotTransaction.kind,
                  PotTransaction.description, PotTransaction.reverses_id, PotAccount.kind, person.display_name,
                  PotEntry.amount_cents, booker.display_name)
        .join(PotEntry, PotEntry.transaction_id == PotTransaction.id)
        .join(PotAccount, PotAccount.id == PotEntry.account_id)
        .outerjoin(person, person.id == PotAccount.neighbour_id)
        .outerjoin(booker, booker.id == PotTransaction.booked_by_id)
        .where(PotTransaction.initiative_id == initiative_id)
        .order_by(PotTransaction.id, PotEntry.id)
        .execution_options(yield_per=1000))


def similar_booking(session, initiative_id: int, *, kind: TransactionKind, neighbour_id: int | None, cents: int,
                    value_date: date, since: datetime) -> PotTransaction | None:
    """The latest uncorrected booking booked since ``since`` that looks like this one: same kind, member
    (when it has one), amount and day. A second booking of it is asked about, not refused."""
    reversal = so.aliased(PotTransaction)
    query = (sa.select(PotTransaction)
             # on the (initiative_id, value_date, id) index; the rest filters the few bookings of that day
             .where(PotTransaction.initiative_id == initiative_id, PotTransaction.value_date == value_date,
                    PotTransaction.kind == kind, PotTransaction.booked_at >= since,
                    # the amount on the side it goes to; not the automatic payout half of a direct payment,
                    # which goes back to the "paid directly" account
                    sa.exists().where(PotEntry.transaction_id == PotTransaction.id, PotEntry.amount_cents == cents,
                                      PotAccount.id == PotEntry.account_id, PotAccount.kind != AccountKind.DIRECT),
                    ~sa.exists().where(reversal.reverses_id == PotTransaction.id))
             .order_by(PotTransaction.id.desc()).limit(1))
    if neighbour_id is not None:
        query = query.where(PotTransaction.neighbour_id == neighbour_id)
    return session.scalar(query)

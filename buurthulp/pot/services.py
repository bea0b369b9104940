"""The pot's settings, the treasurer's bookings of money in and out, and a person's allowance wish."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.pot.ledger import account, book, check_amount, check_date, require_keeper
from buurthulp.pot.models import (
    AccountKind,
    AllowancePreference,
    CompensationMode,
    DistributionRule,
    PotAccount,
    PotEntry,
    PotSettings,
    PotTransaction,
    TransactionKind,
)

INCOME_ACCOUNTS = {
    TransactionKind.CONTRIBUTION: AccountKind.CONTRIBUTIONS,
    TransactionKind.SUBSIDY: AccountKind.SUBSIDIES,
    TransactionKind.GIFT: AccountKind.GIFTS,
}


# --- settings --------------------------------------------------------------------------------------

def settings_of(session, initiative: Initiative) -> PotSettings:
    """The initiative's settings; a new, unsaved "no compensation" row when it has none."""
    return session.get(PotSettings, initiative.id) or PotSettings(
        initiative_id=initiative.id, mode=CompensationMode.NONE, rate_per_hour_cents=0, rate_per_km_cents=0,
        category_rates={}, rule=DistributionRule.BY_HOURS, month_end_day=1)


def save_settings(session, actor: Neighbour, initiative: Initiative, *, mode: CompensationMode,
                  rate_per_hour_cents: int, category_rates: dict[str, int], rate_per_km_cents: int,
                  rule: DistributionRule, month_end_day: int, count_circle_help: bool | None = None) -> PotSettings:
    """A coordinator or treasurer sets how help is compensated; it applies to bookings from now on.

    ``count_circle_help``: done dates of the initiative's support circles count as help (None: as it was)."""
    if not access.may_set_up_pot(session, actor, initiative):
        raise NotAllowed(_l("Only the treasurer or a coordinator can change this."))
    if not 1 <= month_end_day <= 28:
        raise DomainError(_l("Choose a day between 1 and 28, so that every month has it."))
    rates = [rate_per_hour_cents, rate_per_km_cents, *category_rates.values()]
    if any(r < 0 or r > 100_00 for r in rates):
        raise DomainError(_l("A rate is between € 0 and € 100."))
    settings = session.get(PotSettings, initiative.id)
    if settings is None:
        settings = PotSettings(initiative_id=initiative.id)
        session.add(settings)
    settings.mode = mode
    settings.rate_per_hour_cents = rate_per_hour_cents
    settings.category_rates = {str(k): int(v) for k, v in category_rates.items()}
    settings.rate_per_km_cents = rate_per_km_cents
    settings.rule = rule
    settings.month_end_day = month_end_day
    if count_circle_help is not None:
        settings.count_circle_help = count_circle_help
    settings.updated_by_id = actor.id
    session.flush()
    return settings


# --- the treasurer's bookings -------------------------------------------------------------------

def book_income(session, actor: Neighbour, initiative: Initiative, kind: TransactionKind, cents: int, *,
                description: str, value_date: date, key: str, now: datetime | None = None) -> PotTransaction:
    """A contribution, subsidy or gift comes into the pot."""
    require_keeper(session, actor, initiative)
    if kind not in INCOME_ACCOUNTS:
        raise DomainError(_l("Choose where the money comes from."))
    check_amount(cents)
    check_date(value_date, now)
    source = account(session, initiative.id, INCOME_ACCOUNTS[kind])
    pot = account(session, initiative.id, AccountKind.POT)
    return book(session, initiative.id, kind, [(source, -cents), (pot, cents)], key=key, value_date=value_date,
                description=description, booked_by=actor, now=now)


def book_spending(session, actor: Neighbour, initiative: Initiative, cents: int, *, description: str,
                  value_date: date, key: str, now: datetime | None = None) -> PotTransaction:
    """Money from the pot is spent on a common purpose; never more than the pot holds."""
    require_keeper(session, actor, initiative)
    check_amount(cents)
    check_date(value_date, now)
    if not description.strip():
        raise DomainError(_l("Say what the money was spent on."))
    pot = account(session, initiative.id, AccountKind.POT)
    spending = account(session, initiative.id, AccountKind.SPENDING)
    return book(session, initiative.id, TransactionKind.SPENDING, [(pot, -cents), (spending, cents)], key=key,
                value_date=value_date, description=description, booked_by=actor, now=now)


def book_payout(session, actor: Neighbour, initiative: Initiative, member: Neighbour, cents: int, *,
                description: str, value_date: date, key: str, now: datetime | None = None) -> PotTransaction:
    """The treasurer records a bank transfer to a member; never more than the pot owes them."""
    require_keeper(session, actor, initiative)
    check_amount(cents)
    check_date(value_date, now)
    owed = account(session, initiative.id, AccountKind.MEMBER, member.id)
    payouts = account(session, initiative.id, AccountKind.PAYOUTS)
    return book(session, initiative.id, TransactionKind.PAYOUT, [(owed, -cents), (payouts, cents)], key=key,
                value_date=value_date, description=description, booked_by=actor, neighbour_id=member.id, now=now)


# --- the person's own wish ----------------------------------------------------------------------

def set_allowance_preference(session, neighbour: Neighbour, *, keep_under_limit: bool, under_21: bool
                             ) -> AllowancePreference:
    """Switch "keep me under the tax-free limit" on or off; no reason is asked or stored."""
    preference = session.get(AllowancePreference, neighbour.id)
    if preference is None:
        preference = AllowancePreference(neighbour_id=neighbour.id)
        session.add(preference)
    if keep_under_limit and not preference.keep_under_limit:
        preference.keep_under_since = utcnow()
    if not keep_under_limit:
        preference.keep_under_since = None
    preference.keep_under_limit = keep_under_limit
    preference.under_21 = under_21
    session.flush()
    return preference


def forget_pot_preferences(session, neighbour: Neighbour) -> None:
    """On account deletion: the wish goes; the bookkeeping stays, under the pseudonym."""
    session.execute(sa.delete(AllowancePreference).where(AllowancePreference.neighbour_id == neighbour.id))


def export_pot(session, neighbour: Neighbour) -> dict:
    """The person's own pot data: their preference and every booking on their accounts."""
    preference = session.get(AllowancePreference, neighbour.id)
    rows = session.execute(
        sa.select(PotTransaction, PotEntry.amount_cents, Initiative.name)
        .join(PotEntry, PotEntry.transaction_id == PotTransaction.id)
        .join(PotAccount, PotAccount.id == PotEntry.account_id)
        .join(Initiative, Initiative.id == PotTransaction.initiative_id)
        .where(PotAccount.neighbour_id == neighbour.id)
        .order_by(PotTransaction.id)).all()
    by_initiative: dict[str, list] = defaultdict(list)
    for transaction, cents, name in rows:
        by_initiative[name].append({"date": transaction.value_date.isoformat(), "kind": str(transaction.kind),
                                    "description": transaction.description, "amount_cents": cents})
    return {
        "keep_under_allowance_limit": bool(preference and preference.keep_under_limit),
        "under_21": bool(preference and preference.under_21),
        "bookings": dict(by_initiative),
    }

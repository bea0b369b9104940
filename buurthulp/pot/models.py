"""The shared pot: an initiative's compensation settings and its double-entry ledger.

Amounts are integer cents. A transaction holds entries that sum to zero; an
entry's sign is from the account's side: +100 on the pot account means the
pot grew by one euro, -100 on an income account means one euro came in from
there. Entries are never changed or deleted (the ORM refuses and the
migration adds database triggers); a mistake is undone by a reversing
transaction. Each account keeps its balance, and what it earned and had paid
out, updated in the same database transaction as its entries, so pages read
balances without summing the ledger; ``flask pot verify`` checks them against it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp.db import str_enum, utcnow
from buurthulp.extensions import db

if TYPE_CHECKING:
    from buurthulp.accounts.models import Neighbour
    from buurthulp.neighbourhoods.models import Initiative


class CompensationMode(StrEnum):
    NONE = "none"      # free help
    DIRECT = "direct"  # the asker pays the helper; the app only records it
    POT = "pot"        # the asker pays into the pot; the pot is shared out at month end


class DistributionRule(StrEnum):
    BY_HOURS = "by_hours"
    EQUAL = "equal"
    KEEP = "keep"      # kept for a common purpose


MODE_LABELS = {
    CompensationMode.NONE: _l("No compensation: help is free"),
    CompensationMode.DIRECT: _l("Direct: the person helped pays the helper, the app only records it"),
    CompensationMode.POT: _l("Shared pot: compensation goes into the pot and is shared out every month"),
}

RULE_LABELS = {
    DistributionRule.BY_HOURS: _l("By hours of help"),
    DistributionRule.EQUAL: _l("Equal shares for everyone who helped that month"),
    DistributionRule.KEEP: _l("Keep it in the pot for a common purpose"),
}


class PotSettings(db.Model):
    """How an initiative compensates help: mode, rates and the month-end rule."""

    __tablename__ = "pot_settings"
    __table_args__ = (
        sa.CheckConstraint("rate_per_hour_cents >= 0 AND rate_per_km_cents >= 0", name="rates_not_negative"),
        sa.CheckConstraint("month_end_day BETWEEN 1 AND 28", name="month_end_day_range"),
    )

    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="CASCADE"),
                                                     primary_key=True)
    mode: so.Mapped[CompensationMode] = so.mapped_column(str_enum(CompensationMode), default=CompensationMode.NONE)
    rate_per_hour_cents: so.Mapped[int] = so.mapped_column(default=0)
    # {"klussen": 500, ...}: an hourly rate per category, over the general one
    category_rates: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    rate_per_km_cents: so.Mapped[int] = so.mapped_column(default=0)
    rule: so.Mapped[DistributionRule] = so.mapped_column(str_enum(DistributionRule),
                                                         default=DistributionRule.BY_HOURS)
    month_end_day: so.Mapped[int] = so.mapped_column(default=1)
    # done dates of support circles' rotas count as help, like done matches (the initiative chooses)
    count_circle_help: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # the last month the month-end job handled (shared out, or found nothing to share)
    last_distributed_month: so.Mapped[Optional[date]]
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="SET NULL"))

    initiative: so.Mapped[Initiative] = so.relationship()

    def hourly_rate(self, category: str) -> int:
        return int(self.category_rates.get(category, self.rate_per_hour_cents))


class AccountKind(StrEnum):
    POT = "pot"                    # the pot's common money
    MEMBER = "member"              # what the pot owes one member
    CONTRIBUTIONS = "contributions"
    SUBSIDIES = "subsidies"
    GIFTS = "gifts"
    COMPENSATIONS = "compensations"  # paid in for done help (pot mode)
    DIRECT = "direct"              # paid by the person helped straight to the helper (direct mode)
    PAYOUTS = "payouts"            # bank transfers to members
    SPENDING = "spending"          # common spending


INCOME_KINDS = (AccountKind.CONTRIBUTIONS, AccountKind.SUBSIDIES, AccountKind.GIFTS, AccountKind.COMPENSATIONS)
# Accounts whose balance may never go below zero.
NON_NEGATIVE_KINDS = (AccountKind.POT, AccountKind.MEMBER)

ACCOUNT_LABELS = {
    AccountKind.POT: _l("Pot"),
    AccountKind.MEMBER: _l("Member"),
    AccountKind.CONTRIBUTIONS: _l("Contributions"),
    AccountKind.SUBSIDIES: _l("Subsidies"),
    AccountKind.GIFTS: _l("Gifts"),
    AccountKind.COMPENSATIONS: _l("Compensation for help"),
    AccountKind.DIRECT: _l("Paid directly"),
    AccountKind.PAYOUTS: _l("Payouts"),
    AccountKind.SPENDING: _l("Common spending"),
}


class PotAccount(db.Model):
    """One account of an initiative's ledger, with its running totals."""

    __tablename__ = "pot_account"
    __table_args__ = (
        sa.UniqueConstraint("initiative_id", "key"),
        sa.CheckConstraint("kind NOT IN ('pot', 'member') OR balance_cents >= 0", name="not_overdrawn"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="RESTRICT"))
    kind: so.Mapped[AccountKind] = so.mapped_column(str_enum(AccountKind))
    key: so.Mapped[str] = so.mapped_column(sa.String(40))  # "pot", "member:12"
    neighbour_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="RESTRICT"),
                                                              index=True)
    balance_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    # member accounts: compensation received (shares, direct payments) and paid out, net of reversals
    earned_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    paid_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)

    neighbour: so.Mapped[Optional[Neighbour]] = so.relationship()

    @property
    def label(self) -> str:
        if self.kind == AccountKind.MEMBER and self.neighbour is not None:
            return self.neighbour.display_name
        return str(ACCOUNT_LABELS[self.kind])


class TransactionKind(StrEnum):
    CONTRIBUTION = "contribution"
    SUBSIDY = "subsidy"
    GIFT = "gift"
    COMPENSATION = "compensation"    # done help paid into the pot
    DISTRIBUTION = "distribution"    # month-end shares from the pot to members
    DIRECT = "direct"                # done help paid directly, recorded for the allowance
    PAYOUT = "payout"
    SPENDING = "spending"
    REVERSAL = "reversal"


TRANSACTION_LABELS = {
    TransactionKind.CONTRIBUTION: _l("Contribution"),
    TransactionKind.SUBSIDY: _l("Subsidy"),
    TransactionKind.GIFT: _l("Gift"),
    TransactionKind.COMPENSATION: _l("Compensation for help"),
    TransactionKind.DISTRIBUTION: _l("Month-end shares"),
    TransactionKind.DIRECT: _l("Paid directly by the person helped"),
    TransactionKind.PAYOUT: _l("Payout"),
    TransactionKind.SPENDING: _l("Common spending"),
    TransactionKind.REVERSAL: _l("Correction"),
}

# A direct payment is two bookings: earned (key K) and paid by the person helped (key K + this).
PAID_SUFFIX = ":paid"

# What counts as volunteer compensation for a person (the allowance limits).
EARNING_KINDS = (TransactionKind.DISTRIBUTION, TransactionKind.DIRECT)


class PotTransaction(db.Model):
    """One booking: entries that sum to zero, who booked it, and the key that stops a double booking."""

    __tablename__ = "pot_transaction"
    __table_args__ = (
        sa.Index("ix_pot_transaction_initiative_id_value_date", "initiative_id", "value_date", "id"),
        sa.Index("ix_pot_transaction_neighbour_id_value_date", "neighbour_id", "value_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    initiative_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("initiative.id", ondelete="RESTRICT"))
    kind: so.Mapped[TransactionKind] = so.mapped_column(str_enum(TransactionKind))
    # the kind of what a reversal undoes, else the same as kind: monthly figures group by it
    effect: so.Mapped[TransactionKind] = so.mapped_column(str_enum(TransactionKind))
    value_date: so.Mapped[date]  # the day it counts for, in Europe/Amsterdam
    description: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)
    booked_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="RESTRICT"))
    booked_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    reverses_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("pot_transaction.id", ondelete="RESTRICT"),
                                                             unique=True)
    # the member it is about (compensation: the helper; payout: who was paid)
    neighbour_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="RESTRICT"))
    match_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("match.id", ondelete="SET NULL"), index=True)
    minutes: so.Mapped[Optional[int]]  # hours of help behind a compensation

    entries: so.Mapped[list[PotEntry]] = so.relationship(back_populates="transaction", order_by="PotEntry.id")
    booked_by: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[booked_by_id])
    neighbour: so.Mapped[Optional[Neighbour]] = so.relationship(foreign_keys=[neighbour_id])
    reverses: so.Mapped[Optional[PotTransaction]] = so.relationship(remote_side=[id], foreign_keys=[reverses_id])
    reversed_by: so.Mapped[Optional[PotTransaction]] = so.relationship(
        primaryjoin="PotTransaction.id == foreign(PotTransaction.reverses_id)", viewonly=True, uselist=False)

    @property
    def label(self) -> str:
        return str(TRANSACTION_LABELS[self.kind])


class PotEntry(db.Model):
    """One line of a transaction: an amount in cents on one account. Never changed, never deleted."""

    __tablename__ = "pot_entry"
    __table_args__ = (
        sa.Index("ix_pot_entry_account_id_id", "account_id", "id"),
        sa.CheckConstraint("amount_cents <> 0", name="not_zero"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    transaction_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pot_transaction.id", ondelete="RESTRICT"),
                                                      index=True)
    account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pot_account.id", ondelete="RESTRICT"))
    amount_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger)

    transaction: so.Mapped[PotTransaction] = so.relationship(back_populates="entries")
    account: so.Mapped[PotAccount] = so.relationship()


class PotMonth(db.Model):
    """Per account, month and kind of booking: the sum of its entries (monthly figures without a ledger scan)."""

    __tablename__ = "pot_month"

    account_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pot_account.id", ondelete="RESTRICT"),
                                                  primary_key=True)
    month: so.Mapped[date] = so.mapped_column(primary_key=True)  # the first of the month
    effect: so.Mapped[TransactionKind] = so.mapped_column(str_enum(TransactionKind), primary_key=True)
    amount_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)


class AllowancePreference(db.Model):
    """A person's wish to stay under the tax-free volunteer allowance; no reason is asked or kept."""

    __tablename__ = "allowance_preference"

    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="CASCADE"),
                                                    primary_key=True)
    keep_under_limit: so.Mapped[bool] = so.mapped_column(default=False)
    keep_under_since: so.Mapped[Optional[datetime]]
    # the hourly limit is lower under 21; nothing else about age is kept
    under_21: so.Mapped[bool] = so.mapped_column(default=False)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class AllowanceTotal(db.Model):
    """What one person received as volunteer compensation, over every initiative, in a month of a year
    (``month`` 1-12) or the whole year (``month`` 0).

    A correction counts for the month of what it corrects. The year row is also the lock that makes
    "check the limit, then book" one step per person and year (see ``allowance.lock``)."""

    __tablename__ = "allowance_total"
    __table_args__ = (sa.CheckConstraint("month BETWEEN 0 AND 12", name="month_range"),)

    neighbour_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("neighbour.id", ondelete="RESTRICT"),
                                                    primary_key=True)
    year: so.Mapped[int] = so.mapped_column(primary_key=True)
    month: so.Mapped[int] = so.mapped_column(primary_key=True)
    earned_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)


class PotShared(db.Model):
    """A compensation paid into the pot, and the month-end round that shared it out: each is shared once.

    Compensation for a month that arrives after its round (help confirmed later) has no row yet, so the
    next round of that month shares it."""

    __tablename__ = "pot_shared"

    compensation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("pot_transaction.id", ondelete="RESTRICT"), primary_key=True)
    distribution_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("pot_transaction.id", ondelete="RESTRICT"), index=True)


LEDGER_TABLES = ("pot_transaction", "pot_entry")


@sa.event.listens_for(PotEntry, "before_update")
@sa.event.listens_for(PotEntry, "before_delete")
@sa.event.listens_for(PotTransaction, "before_delete")
@sa.event.listens_for(PotShared, "before_update")
@sa.event.listens_for(PotShared, "before_delete")
def _ledger_is_append_only(mapper, connection, target):
    raise RuntimeError("ledger entries are never changed or deleted; book a reversal instead")


@sa.event.listens_for(PotTransaction, "before_update")
def _transaction_is_append_only(mapper, connection, target):
    # Only the link to a match may go (SET NULL when a post is deleted); nothing else changes.
    state = sa.inspect(target)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    if changed - {"match_id", "reverses", "reversed_by", "entries", "booked_by", "neighbour"}:
        raise RuntimeError("ledger transactions are never changed; book a reversal instead")


def _trigger_ddl(dialect: str) -> list[str]:
    """Statements that make the database itself refuse changes to ledger entries."""
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION pot_ledger_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'ledger entries are never changed or deleted'; END; $$ LANGUAGE plpgsql",
            "CREATE TRIGGER pot_entry_append_only BEFORE UPDATE OR DELETE ON pot_entry "
            "FOR EACH ROW EXECUTE FUNCTION pot_ledger_append_only()",
        ]
    return [
        "CREATE TRIGGER pot_entry_no_update BEFORE UPDATE ON pot_entry "
        "BEGIN SELECT RAISE(ABORT, 'ledger entries are never changed or deleted'); END",
        "CREATE TRIGGER pot_entry_no_delete BEFORE DELETE ON pot_entry "
        "BEGIN SELECT RAISE(ABORT, 'ledger entries are never changed or deleted'); END",
    ]


@sa.event.listens_for(PotEntry.__table__, "after_create")
def _create_triggers(table, connection, **kw):
    for statement in _trigger_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)

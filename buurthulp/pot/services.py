"""Bookings on the pot's ledger: income, compensation for done help, month-end shares, payouts, corrections.

Every booking goes through ``book``: its lines sum to zero, a retry with the
same idempotency key returns the first booking, and each account's balance
moves in one conditional UPDATE, so two payouts at the same moment cannot
both take the last euro (PostgreSQL re-checks the condition on the locked row).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category
from buurthulp.db import upsert, utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.neighbourhoods.models import (
    Initiative,
    Membership,
    MembershipStatus,
    Role,
    initiative_neighbourhood,
)
from buurthulp.neighbourhoods.services import has_role, membership
from buurthulp.pot import allowance
from buurthulp.pot.models import (
    EARNING_KINDS,
    NON_NEGATIVE_KINDS,
    PAID_SUFFIX,
    AccountKind,
    AllowancePreference,
    CompensationMode,
    DistributionRule,
    PotAccount,
    PotEntry,
    PotMonth,
    PotSettings,
    PotShared,
    PotTransaction,
    TransactionKind,
)
from buurthulp.timeutil import add_months, local_today

MAX_AMOUNT_CENTS = 100_000_00  # one booking of more than a hundred thousand euros is a typo

INCOME_ACCOUNTS = {
    TransactionKind.CONTRIBUTION: AccountKind.CONTRIBUTIONS,
    TransactionKind.SUBSIDY: AccountKind.SUBSIDIES,
    TransactionKind.GIFT: AccountKind.GIFTS,
}


# --- settings and roles -------------------------------------------------------------------------

def settings_of(session, initiative: Initiative) -> PotSettings:
    """The initiative's settings; a new, unsaved "no compensation" row when it has none."""
    return session.get(PotSettings, initiative.id) or PotSettings(
        initiative_id=initiative.id, mode=CompensationMode.NONE, rate_per_hour_cents=0, rate_per_km_cents=0,
        category_rates={}, rule=DistributionRule.BY_HOURS, month_end_day=1)


def is_treasurer(session, neighbour: Neighbour, initiative: Initiative) -> bool:
    return has_role(session, neighbour, initiative, Role.TREASURER)


def can_read_books(session, neighbour: Neighbour, initiative: Initiative) -> bool:
    """Treasurers and coordinators see the whole pot, and set it up; coordinators only read the books."""
    m = membership(session, initiative, neighbour)
    return m is not None and (m.has_role(Role.TREASURER) or m.has_role(Role.COORDINATOR))


def save_settings(session, actor: Neighbour, initiative: Initiative, *, mode: CompensationMode,
                  rate_per_hour_cents: int, category_rates: dict[str, int], rate_per_km_cents: int,
                  rule: DistributionRule, month_end_day: int) -> PotSettings:
    """A coordinator or treasurer sets how help is compensated; it applies to bookings from now on."""
    if not can_read_books(session, actor, initiative):
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
    settings.updated_by_id = actor.id
    session.flush()
    return settings


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


def _require_treasurer(session, actor: Neighbour, initiative: Initiative) -> None:
    if not is_treasurer(session, actor, initiative):
        raise NotAllowed(_l("Only the treasurer can book in the pot."))


def _check_amount(cents: int) -> None:
    if cents <= 0:
        raise DomainError(_l("Fill in an amount of more than € 0."))
    if cents > MAX_AMOUNT_CENTS:
        raise DomainError(_l("That amount is too large for one booking. Please check it."))


def _check_date(value_date: date, now: datetime | None) -> None:
    today = local_today(now)
    if value_date > today:
        raise DomainError(_l("The date cannot be in the future."))
    if value_date < today - timedelta(days=400):
        raise DomainError(_l("The date is more than a year ago. Please check it."))


# --- the treasurer's bookings -------------------------------------------------------------------

def book_income(session, actor: Neighbour, initiative: Initiative, kind: TransactionKind, cents: int, *,
                description: str, value_date: date, key: str, now: datetime | None = None) -> PotTransaction:
    """A contribution, subsidy or gift comes into the pot."""
    _require_treasurer(session, actor, initiative)
    if kind not in INCOME_ACCOUNTS:
        raise DomainError(_l("Choose where the money comes from."))
    _check_amount(cents)
    _check_date(value_date, now)
    source = account(session, initiative.id, INCOME_ACCOUNTS[kind])
    pot = account(session, initiative.id, AccountKind.POT)
    return book(session, initiative.id, kind, [(source, -cents), (pot, cents)], key=key, value_date=value_date,
                description=description, booked_by=actor, now=now)


def book_spending(session, actor: Neighbour, initiative: Initiative, cents: int, *, description: str,
                  value_date: date, key: str, now: datetime | None = None) -> PotTransaction:
    """Money from the pot is spent on a common purpose; never more than the pot holds."""
    _require_treasurer(session, actor, initiative)
    _check_amount(cents)
    _check_date(value_date, now)
    if not description.strip():
        raise DomainError(_l("Say what the money was spent on."))
    pot = account(session, initiative.id, AccountKind.POT)
    spending = account(session, initiative.id, AccountKind.SPENDING)
    return book(session, initiative.id, TransactionKind.SPENDING, [(pot, -cents), (spending, cents)], key=key,
                value_date=value_date, description=description, booked_by=actor, now=now)


def book_payout(session, actor: Neighbour, initiative: Initiative, member: Neighbour, cents: int, *,
                description: str, value_date: date, key: str, now: datetime | None = None) -> PotTransaction:
    """The treasurer records a bank transfer to a member; never more than the pot owes them."""
    _require_treasurer(session, actor, initiative)
    _check_amount(cents)
    _check_date(value_date, now)
    owed = account(session, initiative.id, AccountKind.MEMBER, member.id)
    payouts = account(session, initiative.id, AccountKind.PAYOUTS)
    return book(session, initiative.id, TransactionKind.PAYOUT, [(owed, -cents), (payouts, cents)], key=key,
                value_date=value_date, description=description, booked_by=actor, neighbour_id=member.id, now=now)


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
        _require_treasurer(session, actor, initiative)
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


# --- compensation for done help -----------------------------------------------------------------

def compensating_initiative(session, match) -> tuple[Initiative, PotSettings] | None:
    """The initiative that compensates this help: it works in the post's neighbourhood, takes on its
    kind of help, compensates, and the helper is one of its members (the oldest such initiative)."""
    post = match.post
    rows = session.execute(
        sa.select(Initiative, PotSettings)
        .join(PotSettings, PotSettings.initiative_id == Initiative.id)
        .join(initiative_neighbourhood, initiative_neighbourhood.c.initiative_id == Initiative.id)
        .join(Membership, sa.and_(Membership.initiative_id == Initiative.id,
                                  Membership.neighbour_id == match.helper_id,
                                  Membership.status == MembershipStatus.ACTIVE))
        .where(initiative_neighbourhood.c.neighbourhood_id == post.neighbourhood_id,
               PotSettings.mode != CompensationMode.NONE)
        .order_by(Initiative.id)
    ).all()
    for initiative, settings in rows:
        if str(post.category) not in initiative.hidden:
            return initiative, settings
    return None


def compensation_for(settings: PotSettings, category: str, minutes: int, km: int | None) -> int:
    """The compensation in cents: the hourly rate for the category, plus the rate per km for transport."""
    cents = round(settings.hourly_rate(category) * minutes / 60)
    if km and category == Category.TRANSPORT:
        cents += km * settings.rate_per_km_cents
    return cents


def on_match_done(session, match, now: datetime | None = None) -> PotTransaction | None:
    """Book what done help earns: into the pot (pot mode) or recorded as paid directly (direct mode)."""
    found = compensating_initiative(session, match)
    if found is None or not match.minutes:
        return None
    initiative, settings = found
    cents = compensation_for(settings, match.post.category, match.minutes, match.km)
    if cents <= 0:
        return None
    # It counts for the day the help was done, also when it is confirmed later (a month that was
    # already shared out then gets a follow-up round, see ``distribute_month``).
    today = local_today(match.done_marked_at or now)
    title = match.post.title
    if settings.mode == CompensationMode.POT:
        source = account(session, initiative.id, AccountKind.COMPENSATIONS)
        pot = account(session, initiative.id, AccountKind.POT)
        return book(session, initiative.id, TransactionKind.COMPENSATION, [(source, -cents), (pot, cents)],
                    key=f"match:{match.id}:compensation", value_date=today, description=title,
                    neighbour_id=match.helper_id, match_id=match.id, minutes=match.minutes, now=now)
    return record_direct(session, None, initiative, session.get(Neighbour, match.helper_id), cents,
                         minutes=match.minutes, value_date=today, description=title,
                         key=f"match:{match.id}:direct", match_id=match.id, now=now)


def record_direct(session, actor: Neighbour | None, initiative: Initiative, helper: Neighbour, cents: int, *,
                  minutes: int | None, value_date: date, description: str, key: str, match_id: int | None = None,
                  now: datetime | None = None) -> PotTransaction | None:
    """Record that the person helped paid the helper directly: earned and paid at once, for the limits.

    Someone who keeps under the tax-free limit has it recorded up to the limit, and both they and
    the treasurer are told to pay no more."""
    if actor is not None:
        _require_treasurer(session, actor, initiative)
        _check_date(value_date, now)
    _check_amount(cents)
    allowance.lock(session, [(helper.id, value_date.year)])  # the check and the booking are one step
    existing = session.scalar(sa.select(PotTransaction).where(PotTransaction.idempotency_key == key))
    if existing is not None:
        return existing
    verdict = allowance.check(session, helper.id, cents, minutes, value_date)
    _tell_about_limits(session, initiative, helper, verdict, now)
    if verdict.allowed_cents <= 0:
        return None
    owed = account(session, initiative.id, AccountKind.MEMBER, helper.id)
    direct = account(session, initiative.id, AccountKind.DIRECT)
    earned = book(session, initiative.id, TransactionKind.DIRECT,
                  [(direct, -verdict.allowed_cents), (owed, verdict.allowed_cents)], key=key, value_date=value_date,
                  description=description, booked_by=actor, neighbour_id=helper.id, match_id=match_id,
                  minutes=minutes, now=now)
    book(session, initiative.id, TransactionKind.PAYOUT,
         # back to the "paid directly" account: the money never passed through the initiative
         [(owed, -verdict.allowed_cents), (direct, verdict.allowed_cents)], key=key + PAID_SUFFIX,
         value_date=value_date, description=str(_l("Paid directly by the person helped")), booked_by=actor,
         neighbour_id=helper.id, match_id=match_id, now=now)
    return earned


def _tell_about_limits(session, initiative: Initiative, person: Neighbour, verdict: allowance.Check,
                       now: datetime | None) -> None:
    """A booking crosses an allowance limit: tell the person and the treasurers (nobody is asked why)."""
    if not verdict.crosses:
        return
    from buurthulp.posts.models import NotificationKind
    from buurthulp.posts.notifications import notify

    kind = NotificationKind.ALLOWANCE_CAPPED if verdict.capped else NotificationKind.ALLOWANCE_WARNING
    notify(session, person.id, kind, now=now)
    for treasurer_id in treasurer_ids(session, initiative):
        if treasurer_id != person.id:
            notify(session, treasurer_id, NotificationKind.ALLOWANCE_TREASURER, actor_id=person.id, now=now)


def treasurer_ids(session, initiative: Initiative) -> list[int]:
    return list(session.scalars(sa.select(Membership.neighbour_id).where(
        Membership.initiative_id == initiative.id, Membership.status == MembershipStatus.ACTIVE,
        Membership.is_treasurer.is_(True)).order_by(Membership.neighbour_id)))


# --- month-end shares ---------------------------------------------------------------------------

def split(total: int, weights: dict[int, int]) -> dict[int, int]:
    """``total`` cents shared by weight, rounded so the shares add up exactly (largest remainder)."""
    weight_sum = sum(weights.values())
    if total <= 0 or weight_sum <= 0:
        return {}
    shares = {k: total * w // weight_sum for k, w in weights.items()}
    left = total - sum(shares.values())
    by_remainder = sorted(weights, key=lambda k: (-(total * weights[k] % weight_sum), k))
    for k in by_remainder[:left]:
        shares[k] += 1
    return shares


def _uncorrected_compensation(initiative_id: int, month: date):
    """Compensation bookings of ``month`` that were not corrected afterwards."""
    corrected = sa.select(PotTransaction.reverses_id).where(
        PotTransaction.initiative_id == initiative_id, PotTransaction.reverses_id.is_not(None))
    return (PotTransaction.initiative_id == initiative_id, PotTransaction.kind == TransactionKind.COMPENSATION,
            PotTransaction.value_date >= month, PotTransaction.value_date < add_months(month, 1),
            PotTransaction.id.not_in(corrected))


@dataclass(frozen=True)
class Unshared:
    transaction_id: int
    neighbour_id: int | None
    minutes: int
    cents: int
    deleted: bool


def unshared_compensation(session, initiative_id: int, pot: PotAccount, month: date) -> list[Unshared]:
    """What done help paid into the pot in ``month``, not corrected and not shared out by an earlier round."""
    rows = session.execute(
        sa.select(PotTransaction.id, PotTransaction.neighbour_id, PotTransaction.minutes, PotEntry.amount_cents,
                  Neighbour.deleted_at.is_not(None))
        .join(PotEntry, sa.and_(PotEntry.transaction_id == PotTransaction.id, PotEntry.account_id == pot.id))
        .outerjoin(Neighbour, Neighbour.id == PotTransaction.neighbour_id)
        .where(*_uncorrected_compensation(initiative_id, month),
               ~sa.exists().where(PotShared.compensation_id == PotTransaction.id))
        .order_by(PotTransaction.id)).all()
    return [Unshared(t, n, int(m or 0), int(c), bool(d)) for t, n, m, c, d in rows]


def distribution_key(initiative_id: int, month: date, round_: int = 1) -> str:
    base = f"distribution:{initiative_id}:{month:%Y-%m}"
    return base if round_ == 1 else f"{base}:{round_}"


def rounds_of(session, initiative_id: int, month: date) -> list[PotTransaction]:
    """The month-end rounds booked for ``month`` so far, first one first."""
    base = distribution_key(initiative_id, month)
    return list(session.scalars(sa.select(PotTransaction).where(
        PotTransaction.initiative_id == initiative_id, PotTransaction.kind == TransactionKind.DISTRIBUTION,
        sa.or_(PotTransaction.idempotency_key == base, PotTransaction.idempotency_key.like(f"{base}:%")))
        .order_by(PotTransaction.id)))


def month_is_over(month: date, now: datetime | None) -> bool:
    """Is ``month`` over in Europe/Amsterdam?"""
    return add_months(month.replace(day=1), 1) <= local_today(now)


def distribute_month(session, initiative: Initiative, month: date, now: datetime | None = None
                     ) -> PotTransaction | None:
    """Share out what done help brought into the pot in ``month``, by the initiative's rule; the latest round.

    Only a month that is over is shared out. Compensation for the month that arrives after its round
    (help marked done in the month and confirmed later, up to 7 days) is shared in a follow-up round of
    the same month, by the same rule among the help that came in late; a run with nothing new books
    nothing and returns the latest round."""
    month = month.replace(day=1)
    if not month_is_over(month, now):
        raise DomainError(_l("%(month)s is not over yet: it can be shared out from %(day)s on.",
                             month=format_date(month, "MMMM yyyy"), day=format_date(add_months(month, 1))))
    rounds = rounds_of(session, initiative.id, month)
    latest = rounds[-1] if rounds else None
    settings = settings_of(session, initiative)
    if settings.mode != CompensationMode.POT or settings.rule == DistributionRule.KEEP:
        return latest
    told_before = settings.last_distributed_month is not None and settings.last_distributed_month >= month
    if not told_before:
        settings.last_distributed_month = month
    pot = account(session, initiative.id, AccountKind.POT)
    unshared = unshared_compensation(session, initiative.id, pot, month)
    minutes: dict[int, int] = defaultdict(int)
    for item in unshared:
        if item.neighbour_id is not None and not item.deleted:
            minutes[item.neighbour_id] += item.minutes
    total = min(sum(item.cents for item in unshared), pot.balance_cents)
    if total <= 0 or not minutes:
        return latest
    if settings.rule == DistributionRule.BY_HOURS:
        weights = dict(minutes)
    else:
        weights = {neighbour_id: 1 for neighbour_id in minutes}
    last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    allowance.lock(session, [(neighbour_id, month.year) for neighbour_id in weights])
    lines: list[tuple[PotAccount, int]] = []
    people = {n.id: n for n in session.scalars(sa.select(Neighbour).where(Neighbour.id.in_(weights)))}
    verdicts = []
    for neighbour_id, share in split(total, weights).items():
        verdict = allowance.check(session, neighbour_id, share, minutes[neighbour_id], last_day)
        verdicts.append((people[neighbour_id], verdict))
        if verdict.allowed_cents > 0:
            lines.append((account(session, initiative.id, AccountKind.MEMBER, neighbour_id), verdict.allowed_cents))
    shared = sum(cents for _, cents in lines)
    booked = None
    if shared > 0:
        lines.append((pot, -shared))
        month_name = format_date(month, "MMMM yyyy")
        description = str(_l("Shares for %(month)s", month=month_name) if not rounds else
                          _l("Shares for %(month)s: help confirmed later", month=month_name))
        booked = book(session, initiative.id, TransactionKind.DISTRIBUTION, lines,
                      key=distribution_key(initiative.id, month, len(rounds) + 1), value_date=last_day,
                      description=description, now=now)
        # what stayed in the pot at a limit stays there: this compensation is shared out, once
        session.add_all([PotShared(compensation_id=item.transaction_id, distribution_id=booked.id)
                         for item in unshared])
        session.flush()
    # Told once: with a booking (which happens once), or, when every share stopped at the limit,
    # the first time this month is looked at (the nightly job looks again until the month is over).
    if booked is not None or not told_before:
        for person, verdict in verdicts:
            _tell_about_limits(session, initiative, person, verdict, now)
    return booked or latest


def previous_month(day: date) -> date:
    return add_months(day.replace(day=1), -1)


def distribute_due(session, now: datetime) -> dict:
    """Job: on or after each pot's month-end day, share out the previous month, and later what came in
    late for it; each initiative is committed on its own."""
    today = local_today(now)
    month = previous_month(today)
    due = session.scalars(
        sa.select(Initiative.id).join(PotSettings, PotSettings.initiative_id == Initiative.id)
        .where(PotSettings.mode == CompensationMode.POT, PotSettings.month_end_day <= today.day)
        .order_by(Initiative.id)).all()
    booked = 0
    for initiative_id in due:
        initiative = session.get(Initiative, initiative_id)
        before = {t.id for t in rounds_of(session, initiative_id, month)}
        result = distribute_month(session, initiative, month, now)
        if result is not None and result.id not in before:
            booked += 1
        session.commit()  # one initiative's round does not wait for, or lock, the next one's
    return {"initiatives": len(due), "distributions": booked}


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

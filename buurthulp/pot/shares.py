"""Compensation for done help (into the pot, or recorded as paid directly) and the month-end shares."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category
from buurthulp.errors import DomainError
from buurthulp.neighbourhoods.models import (
    Initiative,
    Membership,
    MembershipStatus,
    initiative_neighbourhood,
)
from buurthulp.posts.models import NotificationKind
from buurthulp.posts.notifications import notify
from buurthulp.pot import allowance
from buurthulp.pot.ledger import account, book, check_amount, check_date, require_keeper
from buurthulp.pot.models import (
    PAID_SUFFIX,
    AccountKind,
    CompensationMode,
    DistributionRule,
    PotAccount,
    PotEntry,
    PotSettings,
    PotShared,
    PotTransaction,
    TransactionKind,
)
from buurthulp.pot.services import settings_of
from buurthulp.timeutil import add_months, local_today

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


def counts_circle_help(session, initiative_id: int | None) -> bool:
    """Whether this initiative counts done dates of its support circles as help for the pot (one query)."""
    if initiative_id is None:
        return False
    return bool(session.scalar(sa.select(PotSettings.count_circle_help).where(
        PotSettings.initiative_id == initiative_id, PotSettings.mode != CompensationMode.NONE)))


def on_circle_help_done(session, shift, slot, circle, now: datetime | None = None) -> PotTransaction | None:
    """A help date of a support circle is done: book it like done help of a match, when the circle's initiative
    counts circle help and the one who did it is one of its members."""
    helper_id = shift.taken_by_id
    if circle.initiative_id is None or helper_id is None or not shift.minutes:
        return None
    settings = session.get(PotSettings, circle.initiative_id)
    if settings is None or not settings.count_circle_help or settings.mode == CompensationMode.NONE:
        return None
    member = session.scalar(sa.select(Membership.id).where(
        Membership.initiative_id == circle.initiative_id, Membership.neighbour_id == helper_id,
        Membership.status == MembershipStatus.ACTIVE))
    if member is None:
        return None
    cents = compensation_for(settings, slot.category, shift.minutes, None)
    if cents <= 0:
        return None
    initiative = session.get(Initiative, circle.initiative_id)
    if settings.mode == CompensationMode.POT:
        source = account(session, initiative.id, AccountKind.COMPENSATIONS)
        pot = account(session, initiative.id, AccountKind.POT)
        # the allowance limits apply when the pot is shared out, as for matches (``distribute_month``)
        return book(session, initiative.id, TransactionKind.COMPENSATION, [(source, -cents), (pot, cents)],
                    key=f"shift:{shift.id}:compensation", value_date=shift.on_date, description=slot.title,
                    neighbour_id=helper_id, minutes=shift.minutes, now=now)
    return record_direct(session, None, initiative, session.get(Neighbour, helper_id), cents,
                         minutes=shift.minutes, value_date=shift.on_date, description=slot.title,
                         key=f"shift:{shift.id}:direct", now=now)


def record_direct(session, actor: Neighbour | None, initiative: Initiative, helper: Neighbour, cents: int, *,
                  minutes: int | None, value_date: date, description: str, key: str, match_id: int | None = None,
                  now: datetime | None = None) -> PotTransaction | None:
    """Record that the person helped paid the helper directly: earned and paid at once, for the limits.

    Someone who keeps under the tax-free limit has it recorded up to the limit, and both they and
    the treasurer are told to pay no more."""
    if actor is not None:
        require_keeper(session, actor, initiative)
        check_date(value_date, now)
    check_amount(cents)
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

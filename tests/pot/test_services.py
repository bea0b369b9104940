"""Compensation for done help, direct payments, allowance limits, and the person's own data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from buurthulp.categories import Category
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.neighbourhoods.services import set_hidden_categories
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.posts.models import Notification, NotificationKind
from buurthulp.pot import allowance, ledger, services, shares
from buurthulp.pot.models import (
    AccountKind,
    AllowancePreference,
    CompensationMode,
    DistributionRule,
    PotEntry,
    PotTransaction,
    TransactionKind,
)
from buurthulp.pot.verify import verify
from buurthulp.privacy import delete_account, export_data
from buurthulp.timeutil import local_today
from tests.factories import add_member, make_initiative, make_neighbour
from tests.posts.conftest import post_input


def done_match(asker, helper, minutes=90, km=None, category=Category.ODD_JOBS):
    """An ask by ``asker`` that ``helper`` responded to, agreed on, and both confirmed as done."""
    post = posts.create_post(db.session, asker, post_input(category=category))
    match = match_flow.respond(db.session, helper, post)
    match_flow.accept(db.session, asker, match)
    match_flow.mark_done(db.session, helper, match, minutes, km=km)
    match_flow.confirm_done(db.session, asker, match)
    db.session.commit()
    return match


def balance(initiative, kind, neighbour_id=None) -> int:
    db.session.expire_all()
    return ledger.account(db.session, initiative.id, kind, neighbour_id).balance_cents


def set_mode(pw, mode, **kw):
    values = dict(mode=mode, rate_per_hour_cents=500, category_rates={}, rate_per_km_cents=20,
                  rule=DistributionRule.BY_HOURS, month_end_day=1)
    values.update(kw)
    services.save_settings(db.session, pw.treasurer, pw.initiative, **values)
    db.session.commit()


# --- compensation when help is done -------------------------------------------------------------

def test_done_help_pays_into_the_pot_once(pw):
    match = done_match(pw.outsider, pw.member, minutes=90)
    assert balance(pw.initiative, AccountKind.POT) == 750  # € 5,00 an hour for an hour and a half
    booked = db.session.scalars(sa.select(PotTransaction)).all()
    assert [(t.kind, t.neighbour_id, t.minutes, t.match_id) for t in booked] == [
        (TransactionKind.COMPENSATION, pw.member.id, 90, match.id)]
    shares.on_match_done(db.session, match)  # a second call books nothing
    db.session.commit()
    assert balance(pw.initiative, AccountKind.POT) == 750
    assert verify(db.session) == []


def test_a_lift_adds_the_rate_per_km(pw):
    done_match(pw.outsider, pw.member, minutes=60, km=10, category=Category.TRANSPORT)
    assert balance(pw.initiative, AccountKind.POT) == 500 + 10 * 20


def test_km_only_counts_for_lifts(pw):
    match = done_match(pw.outsider, pw.member, minutes=60, km=10, category=Category.ODD_JOBS)
    assert match.km is None
    assert balance(pw.initiative, AccountKind.POT) == 500


def test_a_rate_per_category_overrides_the_general_rate(pw):
    set_mode(pw, CompensationMode.POT, category_rates={"klussen": 300})
    done_match(pw.outsider, pw.member, minutes=120)
    assert balance(pw.initiative, AccountKind.POT) == 600


@pytest.mark.parametrize("setup", ["not a member", "free help", "kind not taken on"])
def test_no_compensation_when_the_initiative_does_not_compensate_this_help(pw, setup):
    helper = pw.member
    if setup == "not a member":
        helper = pw.outsider
    elif setup == "free help":
        set_mode(pw, CompensationMode.NONE)
    else:
        set_hidden_categories(db.session, pw.coordinator, pw.initiative, [Category.ODD_JOBS])
        db.session.commit()
    asker = pw.other_member if helper is pw.outsider else pw.outsider
    done_match(asker, helper)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PotTransaction)) == 0


def test_direct_mode_records_the_payment_as_received_and_paid(pw):
    set_mode(pw, CompensationMode.DIRECT)
    done_match(pw.outsider, pw.member, minutes=60)
    db.session.expire_all()
    acct = ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, pw.member.id)
    assert (acct.earned_cents, acct.paid_cents, acct.balance_cents) == (500, 500, 0)
    assert balance(pw.initiative, AccountKind.POT) == 0
    assert allowance.earned_totals(db.session, pw.member.id, local_today()).year_cents == 500
    assert verify(db.session) == []


def test_direct_mode_stops_at_the_hourly_limit_for_someone_who_asked(pw):
    set_mode(pw, CompensationMode.DIRECT, rate_per_hour_cents=1000)
    services.set_allowance_preference(db.session, pw.member, keep_under_limit=True, under_21=False)
    db.session.commit()
    done_match(pw.outsider, pw.member, minutes=60)
    limit = allowance.limits_for(local_today().year).hourly_cents
    acct = ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, pw.member.id)
    assert acct.earned_cents == limit
    kinds = {(n.neighbour_id, n.kind) for n in db.session.scalars(sa.select(Notification))}
    assert (pw.member.id, NotificationKind.ALLOWANCE_CAPPED) in kinds
    assert (pw.treasurer.id, NotificationKind.ALLOWANCE_TREASURER) in kinds


def test_someone_who_did_not_ask_gets_it_all_and_a_warning(pw):
    set_mode(pw, CompensationMode.DIRECT, rate_per_hour_cents=1000)
    done_match(pw.outsider, pw.member, minutes=60)
    acct = ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, pw.member.id)
    assert acct.earned_cents == 1000
    kinds = {(n.neighbour_id, n.kind) for n in db.session.scalars(sa.select(Notification))}
    assert (pw.member.id, NotificationKind.ALLOWANCE_WARNING) in kinds
    assert (pw.treasurer.id, NotificationKind.ALLOWANCE_TREASURER) in kinds


def test_under_21_has_the_lower_hourly_limit(pw):
    services.set_allowance_preference(db.session, pw.member, keep_under_limit=True, under_21=True)
    verdict = allowance.check(db.session, pw.member.id, 500, 60, date(2025, 5, 1))
    assert verdict.crosses == ("hourly",)
    assert verdict.allowed_cents == 330


# --- the limits ---------------------------------------------------------------------------------

def test_limits_are_data_per_year_with_a_fallback(app):
    assert allowance.limits_for(2024).hourly_cents == 550
    assert allowance.limits_for(2024).hourly_under_21_cents == 325
    assert allowance.limits_for(2025).hourly_cents == 560
    later = allowance.limits_for(2026)
    assert (later.year, later.fallback_from, later.yearly_cents, later.monthly_cents) == (2025, 2026, 210000, 21000)
    assert allowance.limits_for(2025).fallback_from is None


def test_configured_limits_add_a_year(app):
    app.config["POT_ALLOWANCE_LIMITS"] = {2026: {"hourly_cents": 575, "hourly_under_21_cents": 340,
                                                 "monthly_cents": 22000, "yearly_cents": 220000}}
    assert allowance.limits_for(2026).hourly_cents == 575
    assert allowance.limits_for(2026).fallback_from is None
    assert allowance.limits_for(2027).fallback_from == 2027


def test_compensation_adds_up_over_all_initiatives(pw):
    second = make_initiative(pw.hood, name="Tweede initiatief")
    add_member(second, pw.member)
    day = local_today()
    for initiative, key in ((pw.initiative, "a"), (second, "b")):
        owed = ledger.account(db.session, initiative.id, AccountKind.MEMBER, pw.member.id)
        pot = ledger.account(db.session, initiative.id, AccountKind.POT)
        source = ledger.account(db.session, initiative.id, AccountKind.GIFTS)
        ledger.book(db.session, initiative.id, TransactionKind.GIFT, [(source, -15000), (pot, 15000)],
                      key=f"in-{key}", value_date=day)
        ledger.book(db.session, initiative.id, TransactionKind.DISTRIBUTION, [(pot, -15000), (owed, 15000)],
                      key=f"share-{key}", value_date=day)
    db.session.commit()
    totals = allowance.earned_totals(db.session, pw.member.id, day)
    assert totals.month_cents == totals.year_cents == 30000
    verdict = allowance.check(db.session, pw.member.id, 100, None, day)
    assert verdict.crosses == ("monthly",)


# --- bookings and their guards ------------------------------------------------------------------

def test_only_the_treasurer_books(pw):
    for person in (pw.coordinator, pw.member, pw.broker, pw.other_treasurer, pw.admin):
        with pytest.raises(NotAllowed):
            services.book_income(db.session, person, pw.initiative, TransactionKind.GIFT, 100, description="",
                                 value_date=local_today(), key=f"k-{person.id}")


def test_a_booking_that_does_not_sum_to_zero_is_refused(pw):
    pot = ledger.account(db.session, pw.initiative.id, AccountKind.POT)
    gifts = ledger.account(db.session, pw.initiative.id, AccountKind.GIFTS)
    with pytest.raises(ValueError):
        ledger.book(db.session, pw.initiative.id, TransactionKind.GIFT, [(gifts, -100), (pot, 99)], key="x",
                      value_date=local_today())


def test_a_failed_booking_changes_no_balance(pw):
    pw.income(1000)
    db.session.commit()
    owed = ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, pw.member.id)
    pot = ledger.account(db.session, pw.initiative.id, AccountKind.POT)
    other = ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, pw.other_member.id)
    ledger.book(db.session, pw.initiative.id, TransactionKind.DISTRIBUTION, [(pot, -1000), (owed, 1000)],
                  key="share", value_date=local_today())
    db.session.commit()
    # two decreases; the second is refused, so the first is undone
    with pytest.raises(DomainError):
        ledger.book(db.session, pw.initiative.id, TransactionKind.DISTRIBUTION,
                      [(owed, -500), (other, -1), (pot, 501)], key="bad", value_date=local_today())
    db.session.commit()
    assert balance(pw.initiative, AccountKind.MEMBER, pw.member.id) == 1000
    assert balance(pw.initiative, AccountKind.POT) == 0
    assert verify(db.session) == []


@pytest.mark.parametrize("cents, day, message", [
    (0, 0, "more than"), (-5, 0, "more than"), (100_000_01, 0, "too large"), (100, -1, "future"),
    (100, 500, "year ago"),
])
def test_bad_amounts_and_dates_are_refused(pw, cents, day, message):
    with pytest.raises(DomainError) as caught:
        services.book_income(db.session, pw.treasurer, pw.initiative, TransactionKind.GIFT, cents,
                             description="", value_date=local_today() - timedelta(days=day), key="k")
    with force_locale("en"):
        assert message in str(caught.value.message)


def test_reversal_mirrors_and_only_once(pw):
    original = pw.income(1000)
    db.session.commit()
    correction = ledger.reverse(db.session, pw.treasurer, original, reason="typo", key="r1")
    db.session.commit()
    assert balance(pw.initiative, AccountKind.POT) == 0
    assert sorted(e.amount_cents for e in correction.entries) == [-1000, 1000]
    assert correction.reverses_id == original.id and correction.effect == TransactionKind.GIFT
    assert ledger.reverse(db.session, pw.treasurer, original, reason="typo", key="r1").id == correction.id
    with pytest.raises(DomainError):
        ledger.reverse(db.session, pw.treasurer, original, reason="again", key="r2")
    with pytest.raises(DomainError):
        ledger.reverse(db.session, pw.treasurer, correction, reason="undo", key="r3")
    assert verify(db.session) == []


def test_entries_are_never_changed_or_deleted(pw):
    pw.income(1000)
    db.session.commit()
    entry = db.session.scalars(sa.select(PotEntry)).first()
    entry.amount_cents = 5
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("DELETE FROM pot_entry"))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PotEntry)) == 2


# --- the job and the person's data --------------------------------------------------------------

def test_the_distribution_job_is_registered(app):
    from buurthulp.scheduler import registered_jobs

    assert "pot_distribution" in registered_jobs()


def test_month_end_job_shares_last_month_by_hours(pw):
    today = local_today()
    last_month = shares.previous_month(today)
    pot = ledger.account(db.session, pw.initiative.id, AccountKind.POT)
    source = ledger.account(db.session, pw.initiative.id, AccountKind.COMPENSATIONS)
    for helper, minutes, cents in ((pw.member, 60, 500), (pw.other_member, 180, 1500)):
        ledger.book(db.session, pw.initiative.id, TransactionKind.COMPENSATION, [(source, -cents), (pot, cents)],
                      key=f"c-{helper.id}", value_date=last_month + timedelta(days=3), neighbour_id=helper.id,
                      minutes=minutes)
    db.session.commit()
    from buurthulp.db import utcnow

    first = shares.distribute_due(db.session, utcnow())
    db.session.commit()
    again = shares.distribute_due(db.session, utcnow())
    db.session.commit()
    assert first == {"initiatives": 2, "distributions": 1}  # the other pot had no help
    assert again == {"initiatives": 2, "distributions": 0}
    assert balance(pw.initiative, AccountKind.MEMBER, pw.member.id) == 500
    assert balance(pw.initiative, AccountKind.MEMBER, pw.other_member.id) == 1500
    assert balance(pw.initiative, AccountKind.POT) == 0


def test_export_holds_my_bookings_and_deletion_keeps_the_books(pw):
    services.set_allowance_preference(db.session, pw.member, keep_under_limit=True, under_21=False)
    set_mode(pw, CompensationMode.DIRECT)
    done_match(pw.outsider, pw.member, minutes=60)
    data = export_data(db.session, pw.member)
    assert data["pot"]["keep_under_allowance_limit"] is True
    assert [b["amount_cents"] for b in data["pot"]["bookings"]["Kracht van Zuilen"]] == [500, -500]
    delete_account(db.session, pw.member)
    db.session.commit()
    assert db.session.get(AllowancePreference, pw.member.id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PotEntry)) == 4
    assert verify(db.session) == []


def test_settings_are_checked(pw):
    with pytest.raises(DomainError):
        set_mode(pw, CompensationMode.POT, month_end_day=31)
    db.session.rollback()
    with pytest.raises(DomainError):
        set_mode(pw, CompensationMode.POT, rate_per_hour_cents=-1)
    db.session.rollback()
    with pytest.raises(NotAllowed):
        services.save_settings(db.session, pw.member, pw.initiative, mode=CompensationMode.POT,
                               rate_per_hour_cents=0, category_rates={}, rate_per_km_cents=0,
                               rule=DistributionRule.KEEP, month_end_day=1)


def test_someone_new_gets_a_default_preference(pw):
    preference = allowance.preference_of(db.session, make_neighbour(pw.hood).id)
    assert (preference.keep_under_limit, preference.under_21) == (False, False)

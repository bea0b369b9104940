"""Months are shared out only when they are over, late help gets a follow-up round, corrections count for
the month they correct, a direct payment is corrected as a pair, and verify catches a broken limit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buurthulp.digest import services as digest
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.pot import allowance, ledger, services, shares
from buurthulp.pot.models import (
    AccountKind,
    AllowancePreference,
    CompensationMode,
    DistributionRule,
    PotShared,
    PotTransaction,
    TransactionKind,
)
from buurthulp.pot.verify import verify
from buurthulp.timeutil import LOCAL, add_months
from tests.examples import examples
from tests.factories import add_member
from tests.posts.conftest import post_input
from tests.pot.test_cli import compensate, distributions

OCTOBER = date(2026, 10, 1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL).astimezone(UTC)


def owed(pw, person) -> int:
    db.session.expire_all()
    return ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, person.id).balance_cents


# --- a month is shared out only when it is over ---------------------------------------------------

def test_a_month_that_is_not_over_is_not_shared_out(pw):
    compensate(pw, pw.member, 60, 500, date(2026, 10, 5), "help")
    pw.income(1000, day=date(2026, 10, 2))
    db.session.commit()
    with force_locale("en"), pytest.raises(DomainError, match="not over yet"):
        shares.distribute_month(db.session, pw.initiative, OCTOBER, at(date(2026, 10, 31), 23))
    db.session.rollback()
    assert distributions(pw) == []
    # in Amsterdam, November begins at 23:00 UTC on 31 October
    booked = shares.distribute_month(db.session, pw.initiative, OCTOBER,
                                       datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    assert booked is not None


def test_distribute_cli_refuses_this_month(runner, pw):
    compensate(pw, pw.member, 60, 500, date.today(), "help")
    db.session.commit()
    result = runner.invoke(args=["pot", "distribute", "--month", date.today().strftime("%Y-%m")])
    assert result.exit_code == 2, result.output
    assert "is not over yet" in result.output
    db.session.rollback()
    assert distributions(pw) == []


def test_digest_cli_refuses_a_month_that_has_not_started(runner, app):
    next_month = add_months(date.today().replace(day=1), 1)
    result = runner.invoke(args=["digest", "send", "--month", next_month.strftime("%Y-%m")])
    assert result.exit_code == 2, result.output
    assert "has not started" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(DomainError):
        digest.send_month(db.session, next_month, datetime.now(UTC))


# --- help that comes in late ----------------------------------------------------------------------

def test_help_confirmed_after_the_round_is_shared_in_a_follow_up(pw):
    pw.income(5000, day=date(2026, 10, 2))
    compensate(pw, pw.member, 60, 500, date(2026, 10, 5), "early-help")
    db.session.commit()
    assert shares.distribute_due(db.session, at(date(2026, 11, 1), 4))["distributions"] == 1
    assert owed(pw, pw.member) == 500
    # help marked done on 31 October, confirmed on 4 November: it counts for October
    post = posts.create_post(db.session, pw.outsider, post_input(period_start=date(2026, 10, 20),
                                                                period_end=date(2026, 11, 20)),
                             now=at(date(2026, 10, 20)))
    match = match_flow.respond(db.session, pw.other_member, post, now=at(date(2026, 10, 21)))
    match_flow.accept(db.session, pw.outsider, match, now=at(date(2026, 10, 22)))
    match_flow.mark_done(db.session, pw.other_member, match, 90, now=at(date(2026, 10, 31)))
    match_flow.confirm_done(db.session, pw.outsider, match, now=at(date(2026, 11, 4)))
    db.session.commit()
    late = db.session.scalar(sa.select(PotTransaction).where(PotTransaction.match_id == match.id))
    assert late.value_date == date(2026, 10, 31)

    assert shares.distribute_due(db.session, at(date(2026, 11, 5), 4))["distributions"] == 1
    rounds = shares.rounds_of(db.session, pw.initiative.id, OCTOBER)
    assert [r.idempotency_key for r in rounds] == [f"distribution:{pw.initiative.id}:2026-10",
                                                   f"distribution:{pw.initiative.id}:2026-10:2"]
    assert rounds[1].value_date == date(2026, 10, 31)
    # the follow-up shares only what came in late: 1.5 hours at 5 euros
    assert owed(pw, pw.other_member) == 750 and owed(pw, pw.member) == 500
    assert ledger.account(db.session, pw.initiative.id, AccountKind.POT).balance_cents == 5000
    # and only once
    assert shares.distribute_due(db.session, at(date(2026, 11, 6), 4))["distributions"] == 0
    assert shares.distribute_month(db.session, pw.initiative, OCTOBER, at(date(2026, 11, 6))).id == rounds[1].id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PotShared)) == 2
    assert verify(db.session) == []


def test_what_stayed_in_the_pot_at_the_limit_is_not_shared_again(pw):
    services.set_allowance_preference(db.session, pw.member, keep_under_limit=True, under_21=False)
    pw.income(50_000, day=date(2026, 10, 2))
    compensate(pw, pw.member, 3000, 30_000, date(2026, 10, 5), "much-help")
    db.session.commit()
    shares.distribute_month(db.session, pw.initiative, OCTOBER, at(date(2026, 11, 1)))
    db.session.commit()
    assert owed(pw, pw.member) == allowance.limits_for(2026).monthly_cents
    compensate(pw, pw.other_member, 60, 500, date(2026, 10, 30), "late-help")
    db.session.commit()
    shares.distribute_month(db.session, pw.initiative, OCTOBER, at(date(2026, 11, 3)))
    db.session.commit()
    assert owed(pw, pw.other_member) == 500  # not a share of what the first round kept in the pot
    assert ledger.account(db.session, pw.initiative.id, AccountKind.POT).balance_cents == \
        50_000 + 30_000 - allowance.limits_for(2026).monthly_cents
    assert verify(db.session) == []


# --- corrections ----------------------------------------------------------------------------------

def direct_payment(pw, cents=2000, day=date(2026, 10, 10), key="cash"):
    services.save_settings(db.session, pw.treasurer, pw.initiative, mode=CompensationMode.DIRECT,
                           rate_per_hour_cents=500, category_rates={}, rate_per_km_cents=0,
                           rule=DistributionRule.BY_HOURS, month_end_day=1)
    earned = shares.record_direct(db.session, pw.treasurer, pw.initiative, pw.member, cents, minutes=None,
                                    value_date=day, description="cash", key=key, now=at(day + timedelta(days=1)))
    db.session.commit()
    return earned


@pytest.mark.parametrize("which", ["earned", "paid"])
def test_correcting_a_direct_payment_corrects_its_pair(pw, which):
    earned = direct_payment(pw)
    paid = ledger.paired(db.session, earned)
    assert paid.kind == TransactionKind.PAYOUT and ledger.paired(db.session, paid).id == earned.id
    ledger.reverse(db.session, pw.treasurer, earned if which == "earned" else paid, reason="booked twice",
                     key="fix", now=at(date(2026, 11, 2)))
    db.session.commit()
    reversed_ids = set(db.session.scalars(sa.select(PotTransaction.reverses_id).where(
        PotTransaction.reverses_id.is_not(None))))
    assert reversed_ids == {earned.id, paid.id}
    acct = ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, pw.member.id)
    assert (acct.balance_cents, acct.earned_cents, acct.paid_cents) == (0, 0, 0)
    assert verify(db.session) == []
    with force_locale("en"), pytest.raises(DomainError, match="already been corrected"):
        ledger.reverse(db.session, pw.treasurer, paid if which == "earned" else earned, reason="again",
                         key="fix-2", now=at(date(2026, 11, 2)))


def test_a_correction_counts_for_the_month_it_corrects(pw):
    direct_payment(pw, cents=2000)
    november_day = date(2026, 11, 2)
    direct_payment(pw, cents=1500, day=november_day, key="cash-november")
    october_booking = db.session.scalar(sa.select(PotTransaction).where(PotTransaction.idempotency_key == "cash"))
    ledger.reverse(db.session, pw.treasurer, october_booking, reason="not paid after all", key="fix",
                     now=at(november_day))
    db.session.commit()
    assert allowance.earned_totals(db.session, pw.member.id, date(2026, 10, 10)).month_cents == 0
    assert allowance.earned_totals(db.session, pw.member.id, november_day) == allowance.Totals(1500, 1500)
    # the books still show the correction on the day it was booked
    correction = db.session.scalar(sa.select(PotTransaction).where(PotTransaction.idempotency_key == "fix"))
    assert correction.value_date == november_day
    assert verify(db.session) == []


# --- verify catches a broken limit ----------------------------------------------------------------

def keep_under(person, since: datetime) -> None:
    db.session.merge(AllowancePreference(neighbour_id=person.id, keep_under_limit=True, keep_under_since=since,
                                         under_21=False))


def book_past_the_limit(pw, initiative, person, cents: int, day: date, key: str, booked_at: datetime) -> None:
    """Straight into the ledger, past the limit checks: the kind of breach verify is there to find."""
    owed_acct = ledger.account(db.session, initiative.id, AccountKind.MEMBER, person.id)
    direct = ledger.account(db.session, initiative.id, AccountKind.DIRECT)
    ledger.book(db.session, initiative.id, TransactionKind.DIRECT, [(direct, -cents), (owed_acct, cents)],
                  key=key, value_date=day, neighbour_id=person.id, now=booked_at)


def test_verify_cli_names_person_month_and_amount(runner, pw):
    keep_under(pw.member, at(date(2026, 10, 1)))
    book_past_the_limit(pw, pw.initiative, pw.member, 25_000, date(2026, 10, 10), "too-much", at(date(2026, 10, 11)))
    db.session.commit()
    result = runner.invoke(args=["pot", "verify"])
    assert result.exit_code == 1, result.output
    assert (f"neighbour {pw.member.id} asked to stay under the tax-free limit and received 250.00 euros in 2026-10 "
            "(limit 210.00)") in result.output


def test_verify_checks_the_month_someone_asked_from_their_moment_on(pw):
    keep_under(pw.member, at(date(2026, 10, 15)))
    book_past_the_limit(pw, pw.initiative, pw.member, 25_000, date(2026, 10, 10), "before", at(date(2026, 10, 10)))
    db.session.commit()
    assert verify(db.session) == []  # received before they asked: not the app's promise
    book_past_the_limit(pw, pw.initiative, pw.member, 100, date(2026, 10, 20), "after", at(date(2026, 10, 20)))
    db.session.commit()
    assert [p for p in verify(db.session) if "2026-10" in p and "tax-free" in p]


def test_verify_names_an_allowance_total_that_does_not_match(pw):
    book_past_the_limit(pw, pw.initiative, pw.member, 1000, date(2026, 10, 10), "some", at(date(2026, 10, 10)))
    db.session.commit()
    db.session.execute(sa.text("UPDATE allowance_total SET earned_cents = 1 WHERE month = 10"))
    db.session.commit()
    assert f"allowance total of neighbour {pw.member.id} for 2026-10 is 1, the ledger says 1000" in verify(db.session)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.integers(1, 30_000), min_size=1, max_size=4), month=st.integers(1, 11),
       asked_days_before=st.integers(0, 20), two_initiatives=st.booleans())
def test_verify_catches_every_seeded_breach(pw, parts, month, asked_days_before, two_initiatives):
    """Any amounts seeded for someone who keeps under the limit, over one or two initiatives: verify
    reports a month (or year) exactly when its total is over the limit."""
    db.session.execute(sa.delete(AllowancePreference))
    day = date(2026, month, 21)
    keep_under(pw.member, at(day - timedelta(days=asked_days_before)))
    add_member(pw.other_initiative, pw.member)
    for i, cents in enumerate(parts):
        initiative = pw.other_initiative if two_initiatives and i % 2 else pw.initiative
        book_past_the_limit(pw, initiative, pw.member, cents, day, f"seed-{next(_seeds)}", at(day, 13))
    db.session.commit()
    problems = [p for p in verify(db.session) if f"neighbour {pw.member.id} asked" in p]
    limits = allowance.limits_for(2026)
    total = allowance.earned_totals(db.session, pw.member.id, day)
    assert total.month_cents >= sum(parts)
    assert bool([p for p in problems if f"2026-{month:02d}" in p]) == (total.month_cents > limits.monthly_cents)
    assert bool([p for p in problems if p.endswith(f"in 2026 (limit {limits.yearly_cents / 100:.2f})")]) == \
        (total.year_cents > limits.yearly_cents)


_seeds = iter(range(10**9))


def test_the_books_show_and_correct_a_direct_payment_as_a_pair(client, pw):
    today = date.today()
    earned = direct_payment(pw, day=today - timedelta(days=1))
    paid = ledger.paired(db.session, earned)
    client.login(pw.treasurer.email)
    client.post("/language", {"locale": "en"})  # the page in English for this test
    page = client.get(f"/pot/{pw.initiative.slug}/months/{earned.value_date:%Y-%m}").get_data(as_text=True)
    assert f"Belongs with booking {paid.id}" in page and f"Belongs with booking {earned.id}" in page
    form = client.get(f"/pot/{pw.initiative.slug}/transactions/{paid.id}/reverse").get_data(as_text=True)
    assert f"Booking {earned.id}, its other half, is corrected with it." in form
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post(f"/pot/{pw.initiative.slug}/transactions/{paid.id}/reverse",
                           {"key": key, "reason": "booked for the wrong person"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert set(db.session.scalars(sa.select(PotTransaction.reverses_id).where(
        PotTransaction.reverses_id.is_not(None)))) == {earned.id, paid.id}
    assert verify(db.session) == []

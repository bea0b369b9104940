"""Properties of the pot's ledger: random bookings against the real database (hypothesis, stateful),
``split``, and the month-end distribution on small worked examples."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.posts.models import Notification, NotificationKind
from buurthulp.pot import ledger, services, shares
from buurthulp.pot.models import (
    EARNING_KINDS,
    AccountKind,
    AllowancePreference,
    CompensationMode,
    DistributionRule,
    PotAccount,
    PotTransaction,
    TransactionKind,
)
from buurthulp.pot.shares import split
from buurthulp.pot.verify import verify
from buurthulp.timeutil import local_today
from tests.conftest import IS_SQLITE, empty_database
from tests.examples import examples
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood

TK = TransactionKind

# The limits of 2025, which 2026 and 2027 fall back to.
HOURLY, HOURLY_UNDER_21, MONTHLY, YEARLY = 560, 330, 21000, 210000

START = datetime(2026, 9, 10, 10, 0, tzinfo=UTC)  # the machine's clock starts here and only moves on
CLOCK_END = START + timedelta(days=130)

INCOME_ACCOUNT_KEYS = {TK.CONTRIBUTION: "contributions", TK.SUBSIDY: "subsidies", TK.GIFT: "gifts"}
NON_NEGATIVE = ("pot", "member:")


def first_of(day: date) -> date:
    return day.replace(day=1)


def last_of(month: date) -> date:
    return (first_of(month) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def months_back(day: date, n: int) -> date:
    month = first_of(day)
    for _ in range(n):
        month = first_of(month - timedelta(days=1))
    return month


def compensate(initiative, helper, minutes: int, cents: int, day: date, key: str) -> PotTransaction:
    """What ``on_match_done`` books for done help in pot mode."""
    source = ledger.account(db.session, initiative.id, AccountKind.COMPENSATIONS)
    pot = ledger.account(db.session, initiative.id, AccountKind.POT)
    return ledger.book(db.session, initiative.id, TK.COMPENSATION, [(source, -cents), (pot, cents)], key=key,
                         value_date=day, description="help", neighbour_id=helper.id, minutes=minutes)


def lines_of(transaction: PotTransaction) -> dict[str, int]:
    return {entry.account.key: entry.amount_cents for entry in transaction.entries}


# --- the stateful test --------------------------------------------------------------------------

@dataclass
class Booked:
    """The model of one transaction of the ledger."""

    id: int
    key: str
    kind: TransactionKind
    effect: TransactionKind
    value_date: date
    lines: dict[str, int]
    neighbour_id: int | None
    minutes: int | None
    retry: Callable[[], PotTransaction]
    counts_for: date | None = None  # for the allowance: a correction counts in the month of what it corrects

    def __post_init__(self):
        self.counts_for = self.counts_for or self.value_date


_examples = itertools.count(1)


SQLITE_NO_DELETE = ("CREATE TRIGGER pot_entry_no_delete BEFORE DELETE ON pot_entry "
                    "BEGIN SELECT RAISE(ABORT, 'ledger entries are never changed or deleted'); END")


def test_random_bookings_keep_the_ledger_sound(app):
    class LedgerMachine(RuleBasedStateMachine):
        """Each example starts from an empty database, with its own initiative, people and clock; the
        model is the list of transactions it booked."""

        def __init__(self):
            super().__init__()
            n = next(_examples)
            self.tag = f"ex{n}"
            self.keys = itertools.count(1)
            self.now = START
            hood = make_neighbourhood(f"Proefbuurt {n}", postcodes=["3599"])
            self.initiative = make_initiative(hood, name=f"Proefpot {n}")
            self.treasurer = make_neighbour(hood, name=f"Penningmeester {n}")
            add_member(self.initiative, self.treasurer, Role.TREASURER)
            self.members = [make_neighbour(hood, name=f"Lid {n}-{i}") for i in range(3)]
            for member in self.members:
                add_member(self.initiative, member)
            services.save_settings(db.session, self.treasurer, self.initiative, mode=CompensationMode.POT,
                                   rate_per_hour_cents=500, category_rates={}, rate_per_km_cents=0,
                                   rule=DistributionRule.BY_HOURS, month_end_day=1)
            db.session.commit()
            self.ids = [m.id for m in self.members]
            self.people = [self.treasurer.id, *self.ids]
            self.booked: list[Booked] = []
            self.reversed: set[int] = set()
            self.distributed: dict[date, list[int]] = {}  # month -> its rounds
            self.shared: set[int] = set()  # compensation shared out by a round
            self.prefs: dict[int, tuple[bool, bool]] = {}  # neighbour -> (keep under limit, under 21)

        @initialize(gift=st.integers(1, 50_000), helped=st.lists(
            st.tuples(st.integers(0, 2), st.integers(15, 3000), st.integers(1, 40_000), st.integers(0, 45)),
            min_size=1, max_size=4), share=st.sampled_from([None, DistributionRule.BY_HOURS, DistributionRule.EQUAL]))
        def first_bookings(self, gift, helped, share):
            """Some money, some help and maybe its shares to start from, so that every rule has work."""
            self.income(TK.GIFT, gift, 20)
            for helper, minutes, cents, days_back in helped:
                self.compensation(helper, minutes, cents, days_back)
            if share is not None:
                self.distribution(0, True, 0, share)

        def teardown(self):
            # Empty the database for the next example: verify() reads all of it, and shrinking a
            # failure runs hundreds of examples. (Emptying SQLite drops the append-only trigger.)
            db.session.remove()
            empty_database()
            if IS_SQLITE:
                db.session.execute(sa.text("PRAGMA foreign_keys=ON"))  # empty_database() turned them off
                db.session.execute(sa.text(SQLITE_NO_DELETE))
                db.session.commit()
            db.session.remove()  # ids start again at 1: forget the objects of this example

        # -- helpers -------------------------------------------------------------------------------

        def key(self, what: str) -> str:
            return f"{self.tag}:{what}:{next(self.keys)}"

        def today(self) -> date:
            return local_today(self.now)

        def balance(self, account_key: str) -> int:
            return sum(b.lines.get(account_key, 0) for b in self.booked)

        def earned(self, neighbour_id: int, start: date, end: date) -> int:
            account_key = f"member:{neighbour_id}"
            return sum(b.lines.get(account_key, 0) for b in self.booked
                       if b.effect in EARNING_KINDS and start <= b.counts_for < end)

        def attempt(self, call: Callable[[], PotTransaction | None], refused: bool, name: str, detail: str = ""):
            """Run a booking; commit it, or roll back a refusal. The model must have foreseen which."""
            before = self.transaction_count()
            try:
                result = call()
            except DomainError:
                db.session.rollback()
                event(f"{name}: refused")
                assert refused, f"{name} {detail} was refused, the model expected it to be booked"
                assert self.transaction_count() == before
                return None
            assert not refused, f"{name} {detail} was booked, the model expected a refusal"
            db.session.commit()
            event(f"{name}: booked")
            return result

        def transaction_count(self) -> int:
            return db.session.scalar(sa.select(sa.func.count()).select_from(PotTransaction)
                                     .where(PotTransaction.initiative_id == self.initiative.id))

        def record(self, transaction: PotTransaction, retry: Callable[[], PotTransaction], expected: dict[str, int],
                   effect: TransactionKind | None = None, counts_for: date | None = None) -> None:
            assert lines_of(transaction) == expected
            self.booked.append(Booked(transaction.id, transaction.idempotency_key, transaction.kind,
                                      effect or transaction.kind, transaction.value_date, expected,
                                      transaction.neighbour_id, transaction.minutes, retry, counts_for))

        def same_key_again(self, transaction: PotTransaction) -> Callable[[], PotTransaction]:
            """The same booking with the same key once more (a rerun of a round books a new round when
            something came in late, so a retry here asks the ledger itself)."""
            initiative_id, kind, key, day = (transaction.initiative_id, transaction.kind,
                                             transaction.idempotency_key, transaction.value_date)
            lines = [(entry.account_id, entry.amount_cents) for entry in transaction.entries]
            return lambda: ledger.book(db.session, initiative_id, kind,
                                         [(db.session.get(PotAccount, a), c) for a, c in lines],
                                         key=key, value_date=day)

        def overdraws(self, lines: dict[str, int]) -> bool:
            return any(key.startswith(NON_NEGATIVE) and self.balance(key) + cents < 0 for key, cents in lines.items())

        # -- rules ---------------------------------------------------------------------------------

        @rule(kind=st.sampled_from([TK.CONTRIBUTION, TK.SUBSIDY, TK.GIFT]),
              cents=st.one_of(st.integers(1, 60_000), st.sampled_from([0, -100, ledger.MAX_AMOUNT_CENTS + 1])),
              days_back=st.integers(-2, 60))
        def income(self, kind, cents, days_back):
            day, now = self.today() - timedelta(days=days_back), self.now
            key = self.key("income")

            def call(cents=cents):
                return services.book_income(db.session, self.treasurer, self.initiative, kind, cents,
                                            description="income", value_date=day, key=key, now=now)
            refused = not 0 < cents <= ledger.MAX_AMOUNT_CENTS or days_back < 0
            booked = self.attempt(call, refused, "income")
            if booked is not None:
                self.record(booked, lambda: call(cents + 1), {INCOME_ACCOUNT_KEYS[kind]: -cents, "pot": cents})

        @rule(helper=st.integers(0, 2), minutes=st.integers(15, 3000), cents=st.integers(1, 40_000),
              days_back=st.integers(0, 45))
        def compensation(self, helper, minutes, cents, days_back):
            member, day, key = self.members[helper], self.today() - timedelta(days=days_back), self.key("match")

            def call():
                return compensate(self.initiative, member, minutes, cents, day, key)
            booked = self.attempt(call, False, "compensation")
            self.record(booked, call, {"compensations": -cents, "pot": cents})

        @rule(member=st.integers(0, 2), percent=st.integers(1, 150), days_back=st.integers(-1, 30))
        def payout(self, member, percent, days_back):
            """Part of what a member is owed, all of it, or more (refused)."""
            person, day, now, key = self.members[member], self.today() - timedelta(days=days_back), self.now, \
                self.key("payout")
            owed = f"member:{person.id}"
            cents = max(1, self.balance(owed) * percent // 100) if self.balance(owed) else percent * 100

            def call():
                return services.book_payout(db.session, self.treasurer, self.initiative, person, cents,
                                            description="bank", value_date=day, key=key, now=now)
            refused = days_back < 0 or cents > self.balance(owed)
            booked = self.attempt(call, refused, "payout", f"of {cents} (owed {self.balance(owed)})")
            if booked is not None:
                self.record(booked, call, {owed: -cents, "payouts": cents})

        @rule(percent=st.integers(1, 150), description=st.sampled_from(["paint for the community garden", "  "]))
        def spending(self, percent, description):
            """Part of the pot, all of it, or more (refused); or without saying what for (refused)."""
            cents = max(1, self.balance("pot") * percent // 100) if self.balance("pot") else percent * 100
            day, now, key = self.today(), self.now, self.key("spending")

            def call():
                return services.book_spending(db.session, self.treasurer, self.initiative, cents,
                                              description=description, value_date=day, key=key, now=now)
            refused = not description.strip() or cents > self.balance("pot")
            booked = self.attempt(call, refused, "spending", f"{cents} (pot {self.balance('pot')})")
            if booked is not None:
                self.record(booked, call, {"pot": -cents, "spending": cents})

        @precondition(lambda self: self.booked)
        @rule(pick=st.integers(0, 10**6))
        def reversal(self, pick):
            original = self.booked[pick % len(self.booked)]
            now, key = self.now, self.key("reversal")
            mirrored = {k: -c for k, c in original.lines.items()}

            def call():
                return ledger.reverse(db.session, self.treasurer, db.session.get(PotTransaction, original.id),
                                        reason="booked by mistake", key=key, now=now)
            refused = original.kind == TK.REVERSAL or original.id in self.reversed or self.overdraws(mirrored)
            booked = self.attempt(call, refused, "reversal", f"of {original.kind} {original.lines}")
            if booked is not None:
                assert booked.reverses_id == original.id and booked.value_date == self.today()
                self.reversed.add(original.id)
                self.record(booked, call, mirrored, effect=original.effect, counts_for=original.value_date)

        @rule(back=st.integers(0, 2), helped_month=st.booleans(), pick=st.integers(0, 10**6),
              rule_=st.sampled_from([DistributionRule.BY_HOURS, DistributionRule.EQUAL, DistributionRule.KEEP]))
        def distribution(self, back, helped_month, pick, rule_):
            """The shares of a month: mostly of a month with help not yet shared out, else of a recent one."""
            month, now = months_back(self.today(), back), self.now
            waiting = sorted({first_of(b.value_date) for b in self.booked
                              if b.kind == TK.COMPENSATION and b.id not in self.shared})
            if helped_month and waiting:
                month = waiting[pick % len(waiting)]
            services.save_settings(db.session, self.treasurer, self.initiative, mode=CompensationMode.POT,
                                   rate_per_hour_cents=500, category_rates={}, rate_per_km_cents=0, rule=rule_,
                                   month_end_day=1)
            before = self.transaction_count()
            notes_before = self.notifications()
            if month >= first_of(self.today()):
                with pytest.raises(DomainError):
                    shares.distribute_month(db.session, self.initiative, month, now)
                db.session.rollback()
                assert self.transaction_count() == before and self.notifications() == notes_before
                event("distribution: the month is not over")
                return
            result = shares.distribute_month(db.session, self.initiative, month, now)
            db.session.commit()
            rounds = self.distributed.setdefault(month, [])
            expected = self.expected_distribution(month, rule_)
            event(f"distribution{' (follow-up)' if rounds else ''}: {'nothing' if expected is None else 'booked'}")
            if expected is None:
                assert (result.id if result else None) == (rounds[-1] if rounds else None)
                assert self.transaction_count() == before
                return
            expected_lines, expected_notes, covered = expected
            assert result is not None and result.id not in rounds, f"expected {expected_lines}"
            assert lines_of(result) == expected_lines
            assert result.kind == TK.DISTRIBUTION and result.value_date == last_of(month)
            assert self.notifications() - notes_before == expected_notes
            rounds.append(result.id)
            self.shared |= covered
            self.record(result, self.same_key_again(result), expected_lines)

        @rule(member=st.integers(0, 2), keep=st.booleans(), under_21=st.booleans())
        def allowance_preference(self, member, keep, under_21):
            person = self.members[member]
            was_keeping = self.prefs.get(person.id, (False, False))[0]
            preference = services.set_allowance_preference(db.session, person, keep_under_limit=keep,
                                                           under_21=under_21)
            if keep and not was_keeping:
                # the machine's clock, not the wall clock: verify() checks the months after this one
                preference.keep_under_since = self.now
            db.session.commit()
            self.prefs[person.id] = (keep, under_21)

        @precondition(lambda self: self.booked)
        @rule(pick=st.integers(0, 10**6))
        def retry(self, pick):
            """The same idempotency key again (a double click, a resent form): the first booking comes back."""
            original = self.booked[pick % len(self.booked)]
            before = self.transaction_count()
            again = original.retry()
            db.session.commit()
            assert again is not None and again.id == original.id
            assert self.transaction_count() == before

        @precondition(lambda self: self.booked)
        @rule(pick=st.integers(0, 10**6), cents=st.integers(1, 500))
        def payout_with_a_used_key(self, pick, cents):
            """A key already used by another kind of booking is refused; by a payout, that payout comes back."""
            original = self.booked[pick % len(self.booked)]
            before = self.transaction_count()
            try:
                again = services.book_payout(db.session, self.treasurer, self.initiative, self.members[0], cents,
                                             description="bank", value_date=self.today(), key=original.key,
                                             now=self.now)
            except DomainError:
                db.session.rollback()
                assert original.kind != TK.PAYOUT
            else:
                db.session.commit()
                assert original.kind == TK.PAYOUT and again.id == original.id
            assert self.transaction_count() == before

        @precondition(lambda self: self.now < CLOCK_END)
        @rule(days=st.integers(1, 40))
        def time_passes(self, days):
            self.now += timedelta(days=days)

        # -- the model of a distribution -------------------------------------------------------------

        def expected_distribution(self, month: date, rule_: DistributionRule):
            """What ``distribute_month`` should book: (lines, notifications, compensation shared), or None.

            A round shares the month's compensation that was not corrected and not shared by an
            earlier round (help that came in late gets a follow-up round)."""
            if rule_ == DistributionRule.KEEP:
                return None
            end = last_of(month) + timedelta(days=1)
            unshared = [b for b in self.booked if b.kind == TK.COMPENSATION and month <= b.value_date < end
                        and b.id not in self.reversed and b.id not in self.shared]
            minutes: Counter = Counter()
            for b in unshared:
                minutes[b.neighbour_id] += b.minutes
            total = min(sum(b.lines["pot"] for b in unshared), self.balance("pot"))
            if total <= 0 or not minutes:
                return None
            weights = dict(minutes) if rule_ == DistributionRule.BY_HOURS else {n: 1 for n in minutes}
            lines: dict[str, int] = {}
            notes: Counter = Counter()
            day = last_of(month)
            for neighbour_id, share in sorted(split(total, weights).items()):
                keep, under_21 = self.prefs.get(neighbour_id, (False, False))
                month_room = MONTHLY - self.earned(neighbour_id, month, end)
                year_room = YEARLY - self.earned(neighbour_id, date(day.year, 1, 1), date(day.year + 1, 1, 1))
                hourly_cap = (HOURLY_UNDER_21 if under_21 else HOURLY) * minutes[neighbour_id] // 60
                crosses = share > hourly_cap or share > month_room or share > year_room
                allowed = share
                if crosses and keep:
                    allowed = max(0, min(share, hourly_cap, max(0, min(month_room, year_room))))
                if crosses:
                    kind = NotificationKind.ALLOWANCE_CAPPED if allowed < share else NotificationKind.ALLOWANCE_WARNING
                    notes[(neighbour_id, kind, None)] += 1
                    notes[(self.treasurer.id, NotificationKind.ALLOWANCE_TREASURER, neighbour_id)] += 1
                if allowed > 0:
                    lines[f"member:{neighbour_id}"] = allowed
            shared = sum(lines.values())
            if shared <= 0:
                return None
            lines["pot"] = -shared
            return lines, notes, {b.id for b in unshared}

        def notifications(self) -> Counter:
            return Counter(db.session.execute(
                sa.select(Notification.neighbour_id, Notification.kind, Notification.actor_id)
                .where(Notification.neighbour_id.in_(self.people))).all())

        # -- invariants ----------------------------------------------------------------------------

        @invariant()
        def ledger_is_sound(self):
            assert verify(db.session) == []
            accounts = {a.key: a for a in db.session.scalars(
                sa.select(PotAccount).where(PotAccount.initiative_id == self.initiative.id))}
            pot = accounts.get("pot")
            assert (pot.balance_cents if pot else 0) == self.balance("pot")
            for key in set(accounts) | {k for b in self.booked for k in b.lines}:
                assert (accounts[key].balance_cents if key in accounts else 0) == self.balance(key), key
            for neighbour_id in self.ids:
                acct = accounts.get(f"member:{neighbour_id}")
                mine = [b for b in self.booked if f"member:{neighbour_id}" in b.lines]
                earned = sum(b.lines[f"member:{neighbour_id}"] for b in mine if b.effect in EARNING_KINDS)
                paid = -sum(b.lines[f"member:{neighbour_id}"] for b in mine if b.effect == TK.PAYOUT)
                assert ((acct.earned_cents, acct.paid_cents) if acct else (0, 0)) == (earned, paid)
            assert self.transaction_count() == len(self.booked)
            for neighbour_id, (keep, under_21) in self.prefs.items():
                preference = db.session.get(AllowancePreference, neighbour_id)
                assert (preference.keep_under_limit, preference.under_21) == (keep, under_21)

    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=examples(30), stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))


# --- split ---------------------------------------------------------------------------------------

weights_strategy = st.dictionaries(st.integers(1, 10**6), st.integers(0, 10_000), max_size=15)


@settings(max_examples=examples(100))
@given(total=st.integers(-1000, 10**8), weights=weights_strategy)
def test_split_sums_exactly_and_is_deterministic(total, weights):
    shares = split(total, weights)
    weight_sum = sum(weights.values())
    if total <= 0 or weight_sum <= 0:
        assert shares == {}
        return
    assert sum(shares.values()) == total
    assert set(shares) == set(weights)
    # the same whatever the order of the people, and every time
    assert split(total, dict(reversed(list(weights.items())))) == shares == split(total, weights)
    for k, w in weights.items():
        assert total * w // weight_sum <= shares[k] <= total * w // weight_sum + 1
        if w == 0:
            assert shares[k] == 0
    by_weight = sorted(weights, key=lambda k: weights[k])
    assert all(shares[a] <= shares[b] for a, b in zip(by_weight, by_weight[1:], strict=False)
               if weights[a] < weights[b])


def test_split_worked_example():
    assert split(1001, {3: 60, 1: 30, 2: 30}) == {3: 501, 1: 250, 2: 250}
    assert split(1001, {3: 1, 1: 1, 2: 1}) == {3: 333, 1: 334, 2: 334}  # ties: the lower ids get the cent
    assert split(100, {1: 0, 2: 0}) == {}
    assert split(0, {1: 5}) == {}


# --- the month-end distribution ------------------------------------------------------------------

OCTOBER = date(2026, 10, 1)
EARLY_NOVEMBER = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def use_rule(pw, rule_: DistributionRule, month_end_day: int = 1):
    services.save_settings(db.session, pw.treasurer, pw.initiative, mode=CompensationMode.POT,
                           rate_per_hour_cents=500, category_rates={}, rate_per_km_cents=0, rule=rule_,
                           month_end_day=month_end_day)


def october_help(pw):
    """Three helpers in October: 60, 30 and 30 minutes, bringing in 1001 cents; and a gift in the pot."""
    compensate(pw.initiative, pw.member, 60, 500, date(2026, 10, 3), "m1")
    compensate(pw.initiative, pw.other_member, 30, 250, date(2026, 10, 14), "m2")
    compensate(pw.initiative, pw.broker, 30, 251, date(2026, 10, 31), "m3")
    compensate(pw.initiative, pw.member, 60, 700, date(2026, 11, 1), "november")  # another month
    pw.income(5000, day=date(2026, 10, 2))
    db.session.commit()


def distributions(initiative) -> list[PotTransaction]:
    return list(db.session.scalars(sa.select(PotTransaction).where(
        PotTransaction.initiative_id == initiative.id, PotTransaction.kind == TK.DISTRIBUTION)))


def pot_balance(initiative) -> int:
    return ledger.account(db.session, initiative.id, AccountKind.POT).balance_cents


def test_distribution_by_hours(pw):
    october_help(pw)
    booked = shares.distribute_month(db.session, pw.initiative, OCTOBER, EARLY_NOVEMBER)
    db.session.commit()
    assert lines_of(booked) == {f"member:{pw.member.id}": 501, f"member:{pw.other_member.id}": 250,
                                f"member:{pw.broker.id}": 250, "pot": -1001}
    assert booked.value_date == date(2026, 10, 31)
    assert pot_balance(pw.initiative) == 5000 + 1001 + 700 - 1001
    assert verify(db.session) == []


def test_distribution_in_equal_shares(pw):
    october_help(pw)
    use_rule(pw, DistributionRule.EQUAL)
    booked = shares.distribute_month(db.session, pw.initiative, OCTOBER, EARLY_NOVEMBER)
    db.session.commit()
    # 1001 / 3: the two lowest ids get the odd cents (broker, then member; other_member was made last)
    assert pw.broker.id < pw.member.id < pw.other_member.id
    assert lines_of(booked) == {f"member:{pw.broker.id}": 334, f"member:{pw.member.id}": 334,
                                f"member:{pw.other_member.id}": 333, "pot": -1001}
    assert verify(db.session) == []


def test_rule_keep_shares_nothing(pw):
    october_help(pw)
    use_rule(pw, DistributionRule.KEEP)
    assert shares.distribute_month(db.session, pw.initiative, OCTOBER, EARLY_NOVEMBER) is None
    assert shares.distribute_due(db.session, EARLY_NOVEMBER)["distributions"] == 0
    db.session.commit()
    assert distributions(pw.initiative) == []
    assert pot_balance(pw.initiative) == 5000 + 1001 + 700


def test_distribution_runs_once_per_initiative_and_month(pw):
    october_help(pw)
    first = shares.distribute_due(db.session, EARLY_NOVEMBER)
    db.session.commit()
    again = shares.distribute_due(db.session, EARLY_NOVEMBER)
    db.session.commit()
    later = shares.distribute_due(db.session, datetime(2026, 11, 20, 3, 15, tzinfo=UTC))
    db.session.commit()
    # both pots are due; only this one had help in October
    assert first == {"initiatives": 2, "distributions": 1}
    assert again == later == {"initiatives": 2, "distributions": 0}
    assert len(distributions(pw.initiative)) == 1
    assert distributions(pw.other_initiative) == []
    month_again = shares.distribute_month(db.session, pw.initiative, date(2026, 10, 17), EARLY_NOVEMBER)
    assert month_again.id == distributions(pw.initiative)[0].id
    assert verify(db.session) == []


def test_distribution_waits_for_the_month_end_day(pw):
    october_help(pw)
    use_rule(pw, DistributionRule.BY_HOURS, month_end_day=5)
    db.session.commit()
    assert shares.distribute_due(db.session, datetime(2026, 11, 4, 12, tzinfo=UTC)) == {
        "initiatives": 1, "distributions": 0}  # only the other initiative, whose day is the 1st
    assert distributions(pw.initiative) == []
    assert shares.distribute_due(db.session, datetime(2026, 11, 5, 3, tzinfo=UTC))["distributions"] == 1
    db.session.commit()
    assert len(distributions(pw.initiative)) == 1


def big_october(pw):
    """Two helpers of 40 hours each in October bring in 600 euros: 300 euros each, over the monthly limit."""
    compensate(pw.initiative, pw.member, 2400, 30000, date(2026, 10, 10), "big1")
    compensate(pw.initiative, pw.other_member, 2400, 30000, date(2026, 10, 11), "big2")
    db.session.commit()


def notes_of(*people) -> Counter:
    return Counter(db.session.execute(
        sa.select(Notification.neighbour_id, Notification.kind, Notification.actor_id)
        .where(Notification.neighbour_id.in_([p.id for p in people]))).all())


def test_keep_under_limit_keeps_the_rest_in_the_pot_and_tells(pw):
    services.set_allowance_preference(db.session, pw.member, keep_under_limit=True, under_21=False)
    big_october(pw)
    before = notes_of(pw.member, pw.other_member, pw.treasurer)
    booked = shares.distribute_month(db.session, pw.initiative, OCTOBER, EARLY_NOVEMBER)
    db.session.commit()
    # the member asked: 210 euros (40 hours at 5.60 is 224 euros, so the monthly limit binds); the other
    # did not ask: all 300 euros, with a warning
    assert lines_of(booked) == {f"member:{pw.member.id}": 21000, f"member:{pw.other_member.id}": 30000,
                                "pot": -51000}
    assert pot_balance(pw.initiative) == 9000
    assert notes_of(pw.member, pw.other_member, pw.treasurer) - before == Counter({
        (pw.member.id, NotificationKind.ALLOWANCE_CAPPED, None): 1,
        (pw.other_member.id, NotificationKind.ALLOWANCE_WARNING, None): 1,
        (pw.treasurer.id, NotificationKind.ALLOWANCE_TREASURER, pw.member.id): 1,
        (pw.treasurer.id, NotificationKind.ALLOWANCE_TREASURER, pw.other_member.id): 1,
    })
    assert verify(db.session) == []


def test_keep_under_limit_counts_what_was_earned_elsewhere_that_month(pw):
    """The room is over all initiatives: 150 euros paid directly elsewhere leaves 60 euros for this share."""
    services.set_allowance_preference(db.session, pw.member, keep_under_limit=True, under_21=False)
    add_member(pw.other_initiative, pw.member)
    shares.record_direct(db.session, pw.other_treasurer, pw.other_initiative, pw.member, 15000, minutes=1800,
                           value_date=date(2026, 10, 20), description="direct",
                           key="elsewhere", now=EARLY_NOVEMBER)
    big_october(pw)
    booked = shares.distribute_month(db.session, pw.initiative, OCTOBER, EARLY_NOVEMBER)
    db.session.commit()
    assert lines_of(booked)[f"member:{pw.member.id}"] == 6000
    assert pot_balance(pw.initiative) == 60000 - 6000 - 30000
    assert verify(db.session) == []


def test_a_month_with_nothing_to_share_after_the_limit_notifies_once(pw):
    services.set_allowance_preference(db.session, pw.member, keep_under_limit=True, under_21=False)
    add_member(pw.other_initiative, pw.member)
    shares.record_direct(db.session, pw.other_treasurer, pw.other_initiative, pw.member, 21000, minutes=2400,
                           value_date=date(2026, 10, 20), description="direct", key="full", now=EARLY_NOVEMBER)
    compensate(pw.initiative, pw.member, 600, 5000, date(2026, 10, 10), "capped")
    db.session.commit()
    before = notes_of(pw.member, pw.treasurer)
    for day in (2, 3, 4):
        shares.distribute_due(db.session, datetime(2026, 11, day, 3, 15, tzinfo=UTC))
        db.session.commit()
    assert distributions(pw.initiative) == []  # nothing could be shared: the money stays in the pot
    assert notes_of(pw.member, pw.treasurer) - before == Counter({
        (pw.member.id, NotificationKind.ALLOWANCE_CAPPED, None): 1,
        (pw.treasurer.id, NotificationKind.ALLOWANCE_TREASURER, pw.member.id): 1,
    })


def test_a_corrected_compensation_is_not_shared_out(pw):
    pw.income(5000, day=date(2026, 10, 2))
    wrong = compensate(pw.initiative, pw.member, 60, 1000, date(2026, 10, 5), "wrong")
    compensate(pw.initiative, pw.other_member, 60, 1000, date(2026, 10, 6), "right")
    db.session.commit()
    # the treasurer corrects the October booking on 1 November, before the shares of October
    ledger.reverse(db.session, pw.treasurer, wrong, reason="never happened", key="fix", now=EARLY_NOVEMBER)
    booked = shares.distribute_month(db.session, pw.initiative, OCTOBER, EARLY_NOVEMBER)
    db.session.commit()
    # only the help that stands is shared: 10 euros to the other member, the gift stays in the pot
    assert lines_of(booked) == {f"member:{pw.other_member.id}": 1000, "pot": -1000}

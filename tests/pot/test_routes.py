"""The pot's pages as the treasurer and members use them: bookings, corrections, settings, export, allowance."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.pot import allowance, ledger, services
from buurthulp.pot.models import (
    MODE_LABELS,
    AccountKind,
    CompensationMode,
    DistributionRule,
    PotEntry,
    PotSettings,
    PotTransaction,
    TransactionKind,
)
from buurthulp.pot.routes import money
from buurthulp.timeutil import local_today
from tests.factories import add_member, make_neighbour
from tests.pot.booking import booking_data, confirm, is_confirmation, post_booking

TREASURER = "treasurer@example.org"
KEY_RE = re.compile(r'name="key" type="hidden" value="([^"]+)"')


def nl(msgid: str, **variables) -> str:
    """A message as the Dutch-default app shows it (Dutch once the nl catalogue has it), HTML-escaped.

    The nl catalogue does not have the pot's messages yet, so for now this is the English source text."""
    with force_locale("nl"):
        return str(escape(gettext(msgid, **variables))).replace("\u00a0", " ")


def euros(cents: int) -> str:
    """An amount as a Dutch page shows it: "€ 1.262,50"."""
    with force_locale("nl"):
        return money(cents).replace("\u00a0", " ")


def text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ")


MONTH_COLUMNS = ("contributions", "subsidies", "gifts", "compensations", "shared", "paid out", "spending", "direct",
                 "held")


def month_row(page: str, pw) -> dict[str, str]:
    """This month's row of the monthly figures on the books page, by column."""
    link = f'href="/pot/{pw.initiative.slug}/months/{local_today():%Y-%m}"'
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a {re.escape(link)}>.*?</tr>", page, re.S).group(0)
    return dict(zip(MONTH_COLUMNS, re.findall(r"<td>(.*?)</td>", row), strict=True))


def goes_to(response, path: str) -> bool:
    return response.status_code == 302 and urlparse(response.headers["Location"]).path == path


def balance(pw, kind: AccountKind = AccountKind.POT, neighbour_id: int | None = None) -> int:
    db.session.expire_all()
    return ledger.account(db.session, pw.initiative.id, kind, neighbour_id).balance_cents


def member_account(pw, person):
    db.session.expire_all()
    return ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, person.id)


def bookings(pw) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(PotTransaction)
                             .where(PotTransaction.initiative_id == pw.initiative.id))


def today() -> str:
    return local_today().isoformat()


def book(client, pw, what: str, follow: bool = False, **fields):
    """Post a booking form with a fresh key, today's date and the given fields, and book it on the confirmation page."""
    return post_booking(client, f"/pot/{pw.initiative.slug}/book/{what}", booking_data(**fields), follow=follow)


def share(pw, person, cents: int, description: str = "aandeel", booked_by=None) -> PotTransaction:
    """The pot shares ``cents`` out to ``person``, as the month-end job does, so that the pot owes them."""
    pot = ledger.account(db.session, pw.initiative.id, AccountKind.POT)
    owed = ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, person.id)
    return ledger.book(db.session, pw.initiative.id, TransactionKind.DISTRIBUTION, [(pot, -cents), (owed, cents)],
                         key=f"share-{uuid.uuid4().hex}", value_date=local_today(), description=description,
                         booked_by=booked_by)


@pytest.fixture
def treasurer(client, pw):
    client.login(TREASURER)
    return client


# --- money in ------------------------------------------------------------------------------------

def test_income_typed_the_dutch_way_is_booked_in_cents(treasurer, pw):
    response = book(treasurer, pw, "income", source="contribution", amount="12,50", description="Contributie")
    assert goes_to(response, f"/pot/{pw.initiative.slug}/books")
    assert balance(pw) == 12_50
    response = book(treasurer, pw, "income", follow=True, source="subsidy", amount="€ 1.250,00",
                    description="Gemeente")
    assert balance(pw) == 1_262_50
    assert balance(pw, AccountKind.SUBSIDIES) == -1_250_00
    page = text(response)
    assert nl("The money is booked into the pot.") in page
    row = month_row(page, pw)
    assert (row["contributions"], row["subsidies"], row["gifts"], row["held"]) == \
        ("€ 12,50", "€ 1.250,00", "€ 0,00", "€ 1.262,50")
    assert re.search(r'<span class="figure">€ 1.262,50</span>', page)  # in the pot, and held in total


def test_the_income_form_carries_a_fresh_key_each_time(treasurer, pw):
    first = KEY_RE.search(text(treasurer.get(f"/pot/{pw.initiative.slug}/book/income"))).group(1)
    second = KEY_RE.search(text(treasurer.get(f"/pot/{pw.initiative.slug}/book/income"))).group(1)
    assert first and second and first != second


FILL_IN = "Fill in an amount in euros, for example %(example)s."
CENTS = "Use at most two digits for the cents, for example %(example)s."
NO_SIGN = "Fill in the amount without a plus or minus sign, for example %(example)s."


@pytest.mark.parametrize(("amount", "message"), [
    ("abc", FILL_IN),
    ("1,234", CENTS),
    ("12,505", CENTS),
    ("-5", NO_SIGN),
    ("0", "Fill in an amount of more than € 0."),
    ("0,00", "Fill in an amount of more than € 0."),
    ("", "Fill in the amount."),
    ("200.000,00", "That amount is too large for one booking. Please check it."),
    (" ", "Fill in the amount."),
    ("€", "Fill in the amount."),
    ("Infinity", FILL_IN),
    ("1e30", FILL_IN),
    ("sNaN", FILL_IN),
    ("NaN", FILL_IN),
])
def test_a_bad_amount_is_refused_with_a_clear_message(treasurer, pw, amount, message):
    response = book(treasurer, pw, "income", source="gift", amount=amount)
    assert response.status_code == 400
    assert nl(message, example="12,50") in text(response)
    assert balance(pw) == 0
    assert bookings(pw) == 0


@pytest.mark.parametrize(("days", "message"), [
    (2, "The date cannot be in the future."),
    (-500, "The date is more than a year ago. Please check it."),
])
def test_a_date_in_the_future_or_long_ago_is_refused(treasurer, pw, days, message):
    response = book(treasurer, pw, "income", source="gift", amount="10,00",
                    value_date=(local_today() + timedelta(days=days)).isoformat())
    assert response.status_code == 400
    assert nl(message) in text(response)
    assert balance(pw) == 0
    assert bookings(pw) == 0


def test_sending_the_same_form_twice_books_once(treasurer, pw):
    page = text(treasurer.get(f"/pot/{pw.initiative.slug}/book/income"))
    key = KEY_RE.search(page).group(1)
    data = {"source": "gift", "amount": "12,50", "value_date": today(), "description": "dubbel", "key": key}
    confirmation = treasurer.post(f"/pot/{pw.initiative.slug}/book/income", data)
    assert is_confirmation(confirmation)
    first = confirm(treasurer, confirmation)
    assert goes_to(first, f"/pot/{pw.initiative.slug}/books")
    again = treasurer.post(f"/pot/{pw.initiative.slug}/book/income", data, follow_redirects=True)
    assert again.status_code == 200
    assert nl("This was already booked.") in text(again)
    # the confirmation page sent again (back in the browser): the same key, nothing more booked
    assert goes_to(confirm(treasurer, confirmation), f"/pot/{pw.initiative.slug}/books")
    assert balance(pw) == 12_50
    assert bookings(pw) == 1


# --- money out -----------------------------------------------------------------------------------

def test_spending_more_than_the_pot_holds_is_refused(treasurer, pw):
    pw.income(10_00, local_today())
    db.session.commit()
    response = book(treasurer, pw, "spending", amount="10,01", description="Koffie")
    assert response.status_code == 400
    assert nl("There is not enough money in the pot for this.") in text(response)
    assert balance(pw) == 10_00
    assert bookings(pw) == 1

    response = book(treasurer, pw, "spending", amount="10,00", description="")
    assert response.status_code == 400
    assert nl("Say what the money was spent on.") in text(response)

    assert goes_to(book(treasurer, pw, "spending", amount="10,00", description="Koffie"),
                   f"/pot/{pw.initiative.slug}/books")
    assert balance(pw) == 0
    assert balance(pw, AccountKind.SPENDING) == 10_00


def test_a_payout_of_more_than_the_pot_owes_the_member_is_refused(treasurer, pw):
    pw.income(30_00, local_today())
    share(pw, pw.member, 10_00)
    db.session.commit()
    form = text(treasurer.get(f"/pot/{pw.initiative.slug}/book/payout"))
    assert f'value="{pw.member.id}"' in form
    assert f'value="{pw.other_member.id}"' not in form  # the pot owes them nothing

    response = book(treasurer, pw, "payout", member=pw.member.id, amount="10,01")
    assert response.status_code == 400
    assert nl("This is more than the pot owes this person.") in text(response)
    assert balance(pw, AccountKind.MEMBER, pw.member.id) == 10_00

    response = book(treasurer, pw, "payout", member=pw.other_member.id, amount="1,00")
    assert response.status_code == 400  # not someone the pot owes: not a choice
    assert balance(pw, AccountKind.PAYOUTS) == 0

    response = book(treasurer, pw, "payout", follow=True, member=pw.member.id, amount="10,00")
    assert nl("The payout is booked.") in text(response)
    account = member_account(pw, pw.member)
    assert (account.balance_cents, account.earned_cents, account.paid_cents) == (0, 10_00, 10_00)
    assert balance(pw) == 20_00


# --- direct payments and the tax-free limits ----------------------------------------------------

def test_a_direct_payment_over_the_hourly_limit_warns_and_books_only_when_ticked(treasurer, pw):
    key = uuid.uuid4().hex
    data = {"member": pw.member.id, "hours": "1", "amount": "100,00", "value_date": today(),
            "description": "Schilderen", "key": key}
    response = treasurer.post(f"/pot/{pw.initiative.slug}/book/direct", data)
    assert is_confirmation(response)
    page = text(response)
    assert nl("This payment goes over a tax-free limit.") in page
    assert 'name="over_limit"' in page
    assert f'value="{key}"' in page
    assert member_account(pw, pw.member).earned_cents == 0
    assert bookings(pw) == 0

    # "Book it" without the tick: the warning again, nothing booked
    response = confirm(treasurer, response)
    assert is_confirmation(response)
    assert nl("This payment goes over a tax-free limit.") in text(response)
    assert bookings(pw) == 0

    response = confirm(treasurer, response, follow=True, over_limit="y")
    assert nl("The payment is recorded.") in text(response)
    account = member_account(pw, pw.member)
    assert (account.earned_cents, account.paid_cents, account.balance_cents) == (100_00, 100_00, 0)
    row = month_row(text(response), pw)
    assert row["direct"] == "€ 100,00"
    assert row["held"] == "€ 0,00"  # the money never went through the pot
    assert balance(pw) == 0


def test_a_direct_payment_under_the_limit_books_without_a_warning(treasurer, pw):
    response = book(treasurer, pw, "direct", member=pw.member.id, hours="2", amount="8,00")
    assert goes_to(response, f"/pot/{pw.initiative.slug}/books")
    assert member_account(pw, pw.member).earned_cents == 8_00


def test_a_helper_who_keeps_under_the_limit_has_only_the_limit_recorded(client, make_client, pw):
    client.login("member@example.org")
    assert goes_to(client.post("/pot/", {"keep_under_limit": "y"}), "/pot/")
    assert re.search(r'<input[^>]*checked[^>]*name="keep_under_limit"', text(client.get("/pot/")))

    treasurer = make_client()
    treasurer.login(TREASURER)
    response = book(treasurer, pw, "direct", follow=True, member=pw.member.id, hours="1", amount="100,00")
    hourly = allowance.limits_for(local_today().year).hourly_cents
    assert nl("%(name)s asked to stay under the tax-free limit: %(amount)s is recorded, not more. "
              "Please pay them no more than that.", name=pw.member.display_name, amount=euros(hourly)) \
        in text(response)
    account = member_account(pw, pw.member)
    assert (account.earned_cents, account.paid_cents) == (hourly, hourly)


def test_switching_keep_under_limit_off_again(client, pw):
    client.login("member@example.org")
    client.post("/pot/", {"keep_under_limit": "y", "under_21": "y"})
    assert goes_to(client.post("/pot/", {}), "/pot/")
    page = text(client.get("/pot/"))
    assert not re.search(r'<input[^>]*checked[^>]*name="keep_under_limit"', page)
    assert not re.search(r'<input[^>]*checked[^>]*name="under_21"', page)


def test_the_warning_names_the_hourly_limit_under_21(client, make_client, pw):
    client.login("member@example.org")
    client.post("/pot/", {"under_21": "y"})
    treasurer = make_client()
    treasurer.login(TREASURER)
    response = treasurer.post(f"/pot/{pw.initiative.slug}/book/direct",
                              booking_data(member=pw.member.id, hours="1", amount="5,00"))
    assert is_confirmation(response)
    assert nl("This payment goes over a tax-free limit.") in text(response)
    limits = allowance.limits_for(local_today().year)
    assert nl("It is more than %(amount)s an hour.", amount=euros(limits.hourly_under_21_cents)) in text(response)


# --- corrections ---------------------------------------------------------------------------------

def test_a_correction_mirrors_the_booking_and_is_made_only_once(treasurer, pw):
    book(treasurer, pw, "income", source="gift", amount="12,50", description="Verkeerd bedrag")
    original = db.session.scalar(sa.select(PotTransaction).where(PotTransaction.initiative_id == pw.initiative.id))
    url = f"/pot/{pw.initiative.slug}/transactions/{original.id}/reverse"
    form = text(treasurer.get(url))
    assert "Verkeerd bedrag" in form
    key = KEY_RE.search(form).group(1)

    response = treasurer.post(url, {"reason": "", "key": key})
    assert response.status_code == 400
    assert nl("Say why this booking is corrected.") in text(response)

    month = f"/pot/{pw.initiative.slug}/months/{local_today():%Y-%m}"
    response = treasurer.post(url, {"reason": "Tikfout", "key": key})
    assert goes_to(response, month)
    assert balance(pw) == 0
    assert balance(pw, AccountKind.GIFTS) == 0
    db.session.expire_all()
    reversal = db.session.scalar(sa.select(PotTransaction).where(PotTransaction.reverses_id == original.id))
    assert reversal.kind == TransactionKind.REVERSAL
    assert sorted((e.account_id, e.amount_cents) for e in reversal.entries) == \
        sorted((e.account_id, -e.amount_cents) for e in original.entries)
    assert [e.amount_cents for e in db.session.get(PotTransaction, original.id).entries] == [-12_50, 12_50]

    page = text(treasurer.get(month))
    assert nl("The correction is booked.") in page
    assert nl("Corrects booking %(id)d", id=original.id) in page
    assert nl("Corrected by booking %(id)d", id=reversal.id) in page
    assert "Tikfout" in page
    assert f"/transactions/{original.id}/reverse" not in page
    assert f"/transactions/{reversal.id}/reverse" not in page

    # the same form again is the same correction; a new one is refused
    assert treasurer.post(url, {"reason": "Tikfout", "key": key}).status_code == 302
    key = KEY_RE.search(text(treasurer.get(url))).group(1)
    response = treasurer.post(url, {"reason": "Nog eens", "key": key})
    assert response.status_code == 400
    assert nl("This booking has already been corrected.") in text(response)
    # and a correction is not corrected
    back = f"/pot/{pw.initiative.slug}/transactions/{reversal.id}/reverse"
    response = treasurer.post(back, {"reason": "Terug", "key": uuid.uuid4().hex})
    assert response.status_code == 400
    assert nl("A correction cannot be corrected. Book the right amount again instead.") in text(response)
    assert balance(pw) == 0
    assert bookings(pw) == 2


def test_a_correction_that_would_overdraw_the_pot_is_refused(treasurer, pw):
    gift = pw.income(10_00, local_today())
    db.session.commit()
    assert goes_to(book(treasurer, pw, "spending", amount="8,00", description="Taart"),
                   f"/pot/{pw.initiative.slug}/books")
    response = treasurer.post(f"/pot/{pw.initiative.slug}/transactions/{gift.id}/reverse",
                              {"reason": "Toch niet", "key": uuid.uuid4().hex})
    assert response.status_code == 400
    assert nl("There is not enough money in the pot for this.") in text(response)
    assert balance(pw) == 2_00


# --- settings ------------------------------------------------------------------------------------

SETTINGS = {"mode": "direct", "rate_per_hour": "4,50", "rate_per_km": "0,23", "rate_klussen": "5,00",
            "rule": "equal", "month_end_day": "15"}


def test_the_settings_are_saved_and_shown(treasurer, pw):
    url = f"/pot/{pw.initiative.slug}/settings"
    response = treasurer.post(url, SETTINGS, follow_redirects=True)
    assert nl("The settings are saved. They apply to help that is done from now on.") in text(response)
    page = text(treasurer.get(url))
    assert re.search(r'<input[^>]*checked[^>]*value="direct"', page)
    assert re.search(r'<input[^>]*checked[^>]*value="equal"', page)
    for name, value in [("rate_per_hour", "4,50"), ("rate_per_km", "0,23"), ("rate_klussen", "5,00"),
                        ("month_end_day", "15")]:
        assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"', page), name
    assert not re.search(r'<input[^>]*name="rate_maaltijden"[^>]*value="[^"]', page)
    books = text(treasurer.get(f"/pot/{pw.initiative.slug}/books"))
    assert nl("Compensation: %(mode)s.", mode=MODE_LABELS[CompensationMode.DIRECT]) in books
    db.session.expire_all()
    settings = db.session.get(PotSettings, pw.initiative.id)
    assert (settings.mode, settings.rule, settings.month_end_day) == (CompensationMode.DIRECT,
                                                                     DistributionRule.EQUAL, 15)
    assert (settings.rate_per_hour_cents, settings.rate_per_km_cents, settings.category_rates) == \
        (450, 23, {"klussen": 500})


@pytest.mark.parametrize(("change", "message"), [
    ({"month_end_day": "31"}, "Choose a day between 1 and 28."),
    ({"month_end_day": "0"}, "Choose a day between 1 and 28."),
    ({"rate_per_hour": "-1,00"}, NO_SIGN),
    ({"rate_klussen": "-0,50"}, NO_SIGN),
    ({"rate_per_km": "100,01"}, "A rate is between € 0 and € 100."),
    ({"rate_per_hour": "4,505"}, CENTS),
    ({"mode": "cash"}, None),
    ({"month_end_day": "vijf"}, None),
])
def test_bad_settings_are_refused(treasurer, pw, change, message):
    response = treasurer.post(f"/pot/{pw.initiative.slug}/settings", {**SETTINGS, **change})
    assert response.status_code == 400
    if message:
        assert nl(message, example="12,50") in text(response)
    db.session.expire_all()
    settings = db.session.get(PotSettings, pw.initiative.id)
    assert (settings.mode, settings.month_end_day, settings.rate_per_hour_cents) == (CompensationMode.POT, 1, 500)


# --- the spreadsheet -----------------------------------------------------------------------------

def test_the_export_has_a_header_and_one_row_per_ledger_line(treasurer, pw):
    book(treasurer, pw, "income", source="gift", amount="12,50", description='=HYPERLINK("http://x.example")')
    book(treasurer, pw, "spending", amount="2,25", description="@SUM(A1)")
    book(treasurer, pw, "income", source="contribution", amount="1.000,00", description="Contributie; dubbel")
    response = treasurer.get(f"/pot/{pw.initiative.slug}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="pot-kracht-van-zuilen-')
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    with force_locale("nl"):
        header = [gettext(h) for h in ("Booking", "Date", "Booked at", "Kind", "Description", "Corrects booking",
                                       "Account", "Member", "Amount (EUR)", "Booked by")]
    assert rows[0] == header
    lines = rows[1:]
    db.session.expire_all()
    assert len(lines) == db.session.scalar(
        sa.select(sa.func.count()).select_from(PotEntry).join(PotTransaction)
        .where(PotTransaction.initiative_id == pw.initiative.id)) == 6
    assert all(len(line) == len(header) for line in lines)
    description, amount, booked_by = 4, 8, 9
    # the lines of one booking are in account order
    assert [sorted(line[amount] for line in lines[i:i + 2]) for i in (0, 2, 4)] == [
        ["-12,50", "12,50"], ["-2,25", "2,25"], ["-1000,00", "1000,00"]]
    assert lines[0][description] == lines[1][description] == "'=HYPERLINK(\"http://x.example\")"
    assert lines[2][description] == "'@SUM(A1)"
    assert lines[4][description] == "Contributie; dubbel"
    assert {line[booked_by] for line in lines} == {pw.treasurer.display_name}
    assert body.count("\r\n") == len(rows)


# --- what users type is shown as text ----------------------------------------------------------

def test_descriptions_are_escaped_on_the_pages(treasurer, pw, make_client):
    book(treasurer, pw, "income", source="gift", amount="5,00", description="<script>x</script>")
    month = text(treasurer.get(f"/pot/{pw.initiative.slug}/months/{local_today():%Y-%m}"))
    assert "&lt;script&gt;x&lt;/script&gt;" in month
    assert "<script>x</script>" not in month
    gift = db.session.scalar(sa.select(PotTransaction).where(PotTransaction.initiative_id == pw.initiative.id))
    correction = text(treasurer.get(f"/pot/{pw.initiative.slug}/transactions/{gift.id}/reverse"))
    assert "&lt;script&gt;x&lt;/script&gt;" in correction
    assert "<script>x</script>" not in correction


def test_a_members_statement_escapes_descriptions(client, pw):
    pw.income(10_00, local_today())
    share(pw, pw.member, 5_00, description='<img src=x onerror="alert(1)">')
    db.session.commit()
    client.login("member@example.org")
    page = text(client.get(f"/pot/{pw.initiative.slug}/statement"))
    assert "&lt;img src=x onerror=" in page
    assert "<img src=x" not in page


# --- constant cost per page ----------------------------------------------------------------------

def _queries(client, count_queries, url: str) -> int:
    client.get(url)  # anything a first request loads once
    db.session.commit()
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    db.session.commit()
    return q.count


def _members_with_shares(pw, n: int) -> None:
    pw.income(n * 10_00, local_today())
    for _ in range(n):
        person = make_neighbour(pw.hood)
        add_member(pw.initiative, person, Role.MEMBER)
        share(pw, person, 7_00)
        services.book_payout(db.session, pw.treasurer, pw.initiative, person, 2_00, description="bank",
                             value_date=local_today(), key=uuid.uuid4().hex)
    db.session.commit()


def test_the_books_page_costs_the_same_for_3_or_30_members(treasurer, pw, count_queries):
    url = f"/pot/{pw.initiative.slug}/books"
    _members_with_shares(pw, 3)
    small = _queries(treasurer, count_queries, url)
    _members_with_shares(pw, 27)
    page = text(treasurer.get(url))
    assert page.count(f"/pot/{pw.initiative.slug}/members/") == 30
    large = _queries(treasurer, count_queries, url)
    assert small == large, (small, large)


def _bookings(pw, n: int, people: list) -> None:
    """``n`` bookings of several kinds, touching the members in ``people`` in turn."""
    pw.income(n * 20_00, local_today())
    made = 1
    while made < n:
        person = people[made % len(people)]
        if made % 3 == 1:
            share(pw, person, 5_00, booked_by=pw.treasurer)
        elif made % 3 == 2:
            pw.income(1_00, local_today())
        else:
            share(pw, person, 3_00)
        made += 1
    db.session.commit()


def test_the_month_page_costs_the_same_for_5_or_60_bookings(treasurer, pw, count_queries):
    url = f"/pot/{pw.initiative.slug}/months/{local_today():%Y-%m}"
    people = [make_neighbour(pw.hood) for _ in range(30)]
    for person in people:
        add_member(pw.initiative, person, Role.MEMBER)
    _bookings(pw, 5, people[:3])
    gift = pw.income(1_00, local_today())
    ledger.reverse(db.session, pw.treasurer, gift, reason="fout", key="fout-1")
    db.session.commit()
    small = _queries(treasurer, count_queries, url)
    _bookings(pw, 60, people)
    page = text(treasurer.get(url))
    assert 'rel="next"' in page  # a second page of bookings
    large = _queries(treasurer, count_queries, url)
    assert small == large, (small, large)


# --- my allowance --------------------------------------------------------------------------------

def test_the_allowance_page_says_when_this_years_limits_are_not_known(client, app, pw):
    app.config["POT_ALLOWANCE_LIMITS"] = {}
    year = local_today().year
    assert year not in allowance.KNOWN_LIMITS and max(allowance.KNOWN_LIMITS) == 2025
    client.login("member@example.org")
    response = client.get("/pot/")
    assert response.status_code == 200
    page = text(response)
    assert nl("The limits for %(year)d are not known yet. We use those of %(known)d.", year=year, known=2025) in page
    assert euros(allowance.KNOWN_LIMITS[2025].yearly_cents) in page
    assert pw.initiative.name in page

"""Money without fear: every booking is shown as it will be booked before it is, a booking like one made a
moment ago is asked about, and amounts are read the way the treasurer writes them, in Dutch or English."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_date, format_datetime, gettext
from markupsafe import escape

from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.pot import allowance, ledger
from buurthulp.pot.models import AccountKind, PotSettings, PotTransaction, TransactionKind
from buurthulp.pot.routes import money
from buurthulp.timeutil import local_today
from tests.pot.booking import booking_data, confirm, confirmation_fields, is_confirmation

TREASURER = "treasurer@example.org"
REPEAT = "This looks like a booking you already made on %(when)s - book it again?"


def msg(locale: str, msgid: str, **variables) -> str:
    """A message as a page in ``locale`` shows it, HTML-escaped."""
    with force_locale(locale):
        return str(escape(gettext(msgid, **variables))).replace("\u00a0", " ")


def text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def goes_to(response, path: str) -> bool:
    return response.status_code == 302 and urlparse(response.headers["Location"]).path == path


def bookings(pw) -> list[PotTransaction]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PotTransaction).where(PotTransaction.initiative_id == pw.initiative.id)
                                   .order_by(PotTransaction.id)))


def pot(pw) -> int:
    db.session.expire_all()
    return ledger.account(db.session, pw.initiative.id, AccountKind.POT).balance_cents


def euros(cents: int) -> str:
    with force_locale("nl"):
        return money(cents).replace("\u00a0", " ")


def asks_again(response) -> bool:
    return is_confirmation(response) and 'name="again"' in response.get_data(as_text=True)


@pytest.fixture
def treasurer(client, pw):
    client.login(TREASURER)
    return client


@pytest.fixture
def english_treasurer(client, pw):
    pw.treasurer.locale = "en"
    db.session.commit()
    client.login(TREASURER)
    return client


def url(pw, what: str) -> str:
    return f"/pot/{pw.initiative.slug}/book/{what}"


def owed(pw, person, cents: int) -> None:
    """The pot owes ``person`` ``cents`` (a month-end share), so that they can be paid out."""
    pw.income(cents, local_today())
    ledger.book(db.session, pw.initiative.id, TransactionKind.DISTRIBUTION,
                  [(ledger.account(db.session, pw.initiative.id, AccountKind.POT), -cents),
                   (ledger.account(db.session, pw.initiative.id, AccountKind.MEMBER, person.id), cents)],
                  key=f"share-{uuid.uuid4().hex}", value_date=local_today())
    db.session.commit()


# --- the confirmation page ----------------------------------------------------------------------

def test_the_confirmation_shows_the_dutch_amount_as_it_will_be_booked_and_books_nothing(treasurer, pw):
    response = treasurer.post(url(pw, "income"), booking_data(source="subsidy", amount="1.250",
                                                              description="Gemeente"))
    assert is_confirmation(response)
    page = text(response)
    assert "€ 1.250,00" in page
    assert msg("nl", "Subsidy") in page
    assert "Gemeente" in page
    with force_locale("nl"):
        assert format_date(local_today(), "d MMMM yyyy") in page
    assert re.search(r"<h1>[^<]+</h1>", page)
    assert bookings(pw) == []

    response = confirm(treasurer, response, follow=True)
    assert msg("nl", "The money is booked into the pot.") in text(response)
    [booked] = bookings(pw)
    assert booked.kind == TransactionKind.SUBSIDY
    assert pot(pw) == 1_250_00


def test_the_confirmation_shows_the_english_amount_as_it_will_be_booked(english_treasurer, pw):
    response = english_treasurer.post(url(pw, "spending"), booking_data(amount="1,250", description="Tent"))
    assert is_confirmation(response)
    page = text(response)
    assert "€1,250.00" in page
    assert msg("en", "Check the booking") in page
    assert msg("en", "Common spending") in page
    assert bookings(pw) == []

    pw.income(2_000_00, local_today())
    db.session.commit()
    assert goes_to(confirm(english_treasurer, response), f"/pot/{pw.initiative.slug}/books")
    assert pot(pw) == 2_000_00 - 1_250_00
    assert [e.amount_cents for e in bookings(pw)[-1].entries if e.amount_cents > 0] == [1_250_00]


@pytest.mark.parametrize(("typed", "cents"), [("12,50", 12_50), ("€ 1.250,00", 1_250_00), ("1250", 1_250_00),
                                              ("0,05", 5), ("99.999,99", 99_999_99)])
def test_the_confirmed_post_books_exactly_the_amount_shown(treasurer, pw, typed, cents):
    response = treasurer.post(url(pw, "income"), booking_data(source="gift", amount=typed))
    assert euros(cents) in text(response)
    confirm(treasurer, response)
    assert pot(pw) == cents


def test_each_booking_form_shows_its_member_and_kind(treasurer, pw):
    owed(pw, pw.member, 30_00)
    response = treasurer.post(url(pw, "payout"), booking_data(member=pw.member.id, amount="30"))
    page = text(response)
    assert is_confirmation(response)
    assert pw.member.display_name in page and "€ 30,00" in page and msg("nl", "Payout") in page
    assert goes_to(confirm(treasurer, response), f"/pot/{pw.initiative.slug}/books")
    assert bookings(pw)[-1].neighbour_id == pw.member.id

    response = treasurer.post(url(pw, "direct"), booking_data(member=pw.other_member.id, hours="2", amount="9,00"))
    page = text(response)
    assert pw.other_member.display_name in page and "€ 9,00" in page
    assert msg("nl", "Paid directly by the person helped") in page
    assert goes_to(confirm(treasurer, response), f"/pot/{pw.initiative.slug}/books")
    assert {t.kind for t in bookings(pw) if t.neighbour_id == pw.other_member.id} == {TransactionKind.DIRECT,
                                                                                      TransactionKind.PAYOUT}


def test_change_returns_to_the_filled_in_form_with_the_same_key(treasurer, pw):
    data = booking_data(source="gift", amount="1.250", description="Buurtfeest")
    response = treasurer.post(url(pw, "income"), data)
    response = confirm(treasurer, response, change="1")
    assert response.status_code == 200
    assert not is_confirmation(response)
    page = text(response)
    assert re.search(r'<input[^>]*name="amount"[^>]*value="1.250"', page)
    assert re.search(r'<input[^>]*name="description"[^>]*value="Buurtfeest"', page)
    assert re.search(r'<input[^>]*checked[^>]*value="gift"', page)
    assert f'name="key" type="hidden" value="{data["key"]}"' in page
    assert bookings(pw) == []


def test_the_key_is_carried_through_so_the_confirmation_sent_twice_books_once(treasurer, pw):
    data = booking_data(source="gift", amount="5,00")
    response = treasurer.post(url(pw, "income"), data)
    assert confirmation_fields(response)[1]["key"] == data["key"]
    confirm(treasurer, response)
    again = confirm(treasurer, response, follow=True)
    assert msg("nl", "This was already booked.") in text(again)
    assert [t.idempotency_key for t in bookings(pw)] == [data["key"]]


def test_the_over_limit_question_is_on_the_confirmation(treasurer, pw):
    response = treasurer.post(url(pw, "direct"), booking_data(member=pw.member.id, hours="1", amount="50,00"))
    assert is_confirmation(response)
    assert msg("nl", "This payment goes over a tax-free limit.") in text(response)
    assert 'name="over_limit"' in text(response)
    assert is_confirmation(confirm(treasurer, response))  # not ticked: asked again
    assert bookings(pw) == []
    assert goes_to(confirm(treasurer, response, over_limit="y"), f"/pot/{pw.initiative.slug}/books")
    assert len(bookings(pw)) == 2  # earned, and paid directly


def test_a_capped_direct_payment_says_what_will_be_recorded(client, make_client, pw):
    client.login("member@example.org")
    client.post("/pot/", {"keep_under_limit": "y"})
    treasurer = make_client()
    treasurer.login(TREASURER)
    response = treasurer.post(url(pw, "direct"), booking_data(member=pw.member.id, hours="1", amount="100,00"))
    assert is_confirmation(response)
    page = text(response)
    assert "€ 100,00" in page
    assert 'name="over_limit"' not in page
    hourly = allowance.limits_for(local_today().year).hourly_cents
    assert msg("nl", "%(name)s asked to stay under the tax-free limit: only %(amount)s will be recorded.",
               name=pw.member.display_name, amount=euros(hourly)) in page


# --- a booking like one made a moment ago ------------------------------------------------------

def _book(client, pw, what: str, **fields):
    """Post the form and press the confirmation page's button (which answers "book it again?" if it asks)."""
    return confirm(client, client.post(url(pw, what), booking_data(**fields)))


@pytest.mark.parametrize(("what", "fields"), [
    ("income", {"source": "gift", "amount": "25,00"}),
    ("spending", {"amount": "25,00", "description": "Koffie"}),
    ("payout", {"member": "member", "amount": "25,00"}),
    ("direct", {"member": "member", "hours": "5", "amount": "25,00"}),
])
def test_the_same_booking_again_with_a_fresh_key_is_asked_about(treasurer, pw, what, fields):
    owed(pw, pw.member, 100_00)
    pw.income(100_00, local_today())
    db.session.commit()
    fields = {k: (pw.member.id if v == "member" else v) for k, v in fields.items()}
    assert goes_to(_book(treasurer, pw, what, **fields), f"/pot/{pw.initiative.slug}/books")
    before = bookings(pw)
    first = before[-1] if what != "direct" else before[-2]

    # back in the browser, the form sent again: it has a fresh key, but looks like the one just booked
    response = treasurer.post(url(pw, what), booking_data(**fields))
    assert asks_again(response)
    page = text(response)
    with force_locale("nl"):
        when = format_datetime(first.booked_at, "d MMMM yyyy, HH:mm")
    assert msg("nl", REPEAT, when=when) in page
    assert confirmation_fields(response)[1]["again"] == str(first.id)
    # the answer needs the flag the question set: "Book it" without it asks again
    _action, fields_posted = confirmation_fields(response)
    without = treasurer.post(url(pw, what), {k: v for k, v in fields_posted.items() if k != "again"})
    assert asks_again(without)
    assert bookings(pw) == before

    assert goes_to(confirm(treasurer, response), f"/pot/{pw.initiative.slug}/books")
    assert len(bookings(pw)) > len(before)


def test_another_amount_day_kind_or_member_is_not_asked_about(treasurer, pw):
    owed(pw, pw.member, 50_00)
    owed(pw, pw.other_member, 50_00)
    _book(treasurer, pw, "income", source="gift", amount="25,00")
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    for what, fields in [
        ("income", {"source": "gift", "amount": "25,01"}),
        ("income", {"source": "gift", "amount": "25,00", "value_date": yesterday}),
        ("income", {"source": "contribution", "amount": "25,00"}),
        ("spending", {"amount": "25,00", "description": "Koffie"}),
    ]:
        response = treasurer.post(url(pw, what), booking_data(**fields))
        assert is_confirmation(response) and not asks_again(response), (what, fields)

    _book(treasurer, pw, "payout", member=pw.member.id, amount="10,00")
    assert not asks_again(treasurer.post(url(pw, "payout"), booking_data(member=pw.other_member.id,
                                                                         amount="10,00")))
    assert asks_again(treasurer.post(url(pw, "payout"), booking_data(member=pw.member.id, amount="10,00")))


def test_a_booking_from_before_the_window_or_corrected_is_not_asked_about(treasurer, pw, app):
    gifts = ledger.account(db.session, pw.initiative.id, AccountKind.GIFTS)
    pot_account = ledger.account(db.session, pw.initiative.id, AccountKind.POT)
    window = app.config["POT_REPEAT_WINDOW_MINUTES"]
    ledger.book(db.session, pw.initiative.id, TransactionKind.GIFT, [(gifts, -40_00), (pot_account, 40_00)],
                  key="an-hour-ago", value_date=local_today(), booked_by=pw.treasurer,
                  now=utcnow() - timedelta(minutes=window + 1))
    db.session.commit()
    assert not asks_again(treasurer.post(url(pw, "income"), booking_data(source="gift", amount="40,00")))

    corrected = pw.income(30_00, local_today())
    ledger.reverse(db.session, pw.treasurer, corrected, reason="fout", key="fout")
    db.session.commit()
    assert not asks_again(treasurer.post(url(pw, "income"), booking_data(source="gift", amount="30,00")))


def test_a_similar_booking_made_after_the_confirmation_is_asked_about(treasurer, make_client, pw):
    waiting = treasurer.post(url(pw, "income"), booking_data(source="gift", amount="15,00"))
    assert is_confirmation(waiting) and not asks_again(waiting)
    # meanwhile, in another tab, the same gift is booked
    other_tab = make_client()
    other_tab.login(TREASURER)
    _book(other_tab, pw, "income", source="gift", amount="15,00")
    [first] = bookings(pw)

    question = confirm(treasurer, waiting)
    assert asks_again(question)
    assert confirmation_fields(question)[1]["again"] == str(first.id)
    assert len(bookings(pw)) == 1

    # while the question is open, the other tab books it once more (answering its own question)
    assert goes_to(_book(other_tab, pw, "income", source="gift", amount="15,00"), f"/pot/{pw.initiative.slug}/books")
    second = bookings(pw)[-1]
    # the answer was about the first: asked again, about the second
    again = confirm(treasurer, question)
    assert asks_again(again)
    assert confirmation_fields(again)[1]["again"] == str(second.id)
    assert len(bookings(pw)) == 2
    assert goes_to(confirm(treasurer, again), f"/pot/{pw.initiative.slug}/books")
    assert len(bookings(pw)) == 3
    assert pot(pw) == 45_00


# --- amounts in the treasurer's language --------------------------------------------------------

@pytest.mark.parametrize(("amount", "msgid"), [
    ("12.50", "Check the dots and commas in the amount: write it like %(example)s or %(large)s."),
    ("1e3", "Fill in an amount in euros, for example %(example)s."),
    ("12,505", "Use at most two digits for the cents, for example %(example)s."),
    ("-5", "Fill in the amount without a plus or minus sign, for example %(example)s."),
    ("1.000.000.000", "That amount is too large. Fill in an amount in euros, for example %(example)s."),
    (" ", "Fill in the amount."),
])
def test_a_bad_amount_is_refused_in_dutch(treasurer, pw, amount, msgid):
    response = treasurer.post(url(pw, "income"), booking_data(source="gift", amount=amount))
    assert response.status_code == 400
    assert not is_confirmation(response)
    assert msg("nl", msgid, example="12,50", large="1.250,00") in text(response)
    assert bookings(pw) == []


@pytest.mark.parametrize(("amount", "msgid"), [
    ("12,50", "Check the dots and commas in the amount: write it like %(example)s or %(large)s."),
    ("NaN", "Fill in an amount in euros, for example %(example)s."),
    ("1.250", "Use at most two digits for the cents, for example %(example)s."),
    ("+5", "Fill in the amount without a plus or minus sign, for example %(example)s."),
    ("1,000,000,000", "That amount is too large. Fill in an amount in euros, for example %(example)s."),
    ("€", "Fill in the amount."),
])
def test_a_bad_amount_is_refused_in_english(english_treasurer, pw, amount, msgid):
    response = english_treasurer.post(url(pw, "income"), booking_data(source="gift", amount=amount))
    assert response.status_code == 400
    page = text(response)
    assert msg("en", msgid, example="12.50", large="1,250.00") in page
    assert msg("en", "Please check the form") in page
    assert bookings(pw) == []


def test_the_english_form_hint_is_written_the_english_way(english_treasurer, pw):
    assert msg("en", "For example %(example)s.", example="12.50") in text(english_treasurer.get(url(pw, "income")))


def test_the_dutch_form_hint_is_written_the_dutch_way(treasurer, pw):
    assert msg("nl", "For example %(example)s.", example="12,50") in text(treasurer.get(url(pw, "income")))


def test_a_zero_amount_is_refused_before_the_confirmation(treasurer, pw):
    response = treasurer.post(url(pw, "income"), booking_data(source="gift", amount="0,00"))
    assert response.status_code == 400
    assert msg("nl", "Fill in an amount of more than € 0.") in text(response)


@pytest.mark.parametrize(("locale", "typed", "shown"), [("nl", "4,50", "4,50"), ("en", "4.50", "4.50"),
                                                        ("nl", "1.000", None), ("en", "0.5", "0.50")])
def test_the_settings_round_trip_in_the_treasurers_language(client, pw, locale, typed, shown):
    pw.treasurer.locale = locale
    db.session.commit()
    client.login(TREASURER)
    settings_url = f"/pot/{pw.initiative.slug}/settings"
    data = {"mode": "direct", "rate_per_hour": typed, "rate_per_km": "0", "rule": "equal", "month_end_day": "1"}
    response = client.post(settings_url, data)
    if shown is None:  # a thousand euros an hour: refused by the rule, not misread as one euro
        assert response.status_code == 400
        return
    assert response.status_code == 302
    page = text(client.get(settings_url))
    assert re.search(rf'<input[^>]*name="rate_per_hour"[^>]*value="{re.escape(shown)}"', page)
    prefilled = {name: re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page).group(1)
                 for name in ("rate_per_hour", "rate_per_km")}
    assert client.post(settings_url, {**data, **prefilled}).status_code == 302
    db.session.expire_all()
    settings = db.session.get(PotSettings, pw.initiative.id)
    assert settings.rate_per_hour_cents == round(float(typed.replace(",", ".")) * 100)


# --- who may -------------------------------------------------------------------------------------

def test_the_confirmed_post_still_needs_the_csrf_token(treasurer, pw):
    response = treasurer.post(url(pw, "income"), booking_data(source="gift", amount="5,00"))
    _action, fields = confirmation_fields(response)
    fields.pop("csrf_token")
    assert treasurer.post(url(pw, "income"), fields, csrf=False).status_code == 400
    assert treasurer.post(url(pw, "income"), {**fields, "csrf_token": "forged"}, csrf=False).status_code == 400
    assert treasurer.post(url(pw, "income"), booking_data(source="gift", amount="5,00"), csrf=False).status_code == 400
    assert bookings(pw) == []


@pytest.mark.parametrize("email", ["member@example.org", "coordinator@example.org", "othertreasurer@example.org"])
def test_only_the_treasurer_books_a_confirmed_post(client, pw, email):
    client.login(email)
    response = client.post(url(pw, "income"), booking_data(source="gift", amount="5,00", confirmed="1"))
    assert response.status_code == 403
    assert bookings(pw) == []

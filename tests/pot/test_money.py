"""The one parser for money fields: what a Dutch or English reader types is what is booked, or a clear refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from flask_babel import force_locale, gettext
from hypothesis import given, settings
from hypothesis import strategies as st

from buurthulp.money import example, for_input, parse_money
from tests.examples import examples

WAYS_OF_WRITING = {
    "two decimals, grouped": lambda amount, locale: format_decimal(amount, format="#,##0.00", locale=locale),
    "two decimals, not grouped": lambda amount, locale: format_decimal(amount, format="0.00", locale=locale),
    "as few decimals as needed": lambda amount, locale: format_decimal(amount, locale=locale),
    "not grouped, as few decimals as needed": lambda amount, locale: format_decimal(amount, locale=locale,
                                                                                    group_separator=False),
    "currency": lambda amount, locale: format_currency(amount, "EUR", locale=locale),
    "currency, not grouped": lambda amount, locale: format_currency(amount, "EUR", locale=locale,
                                                                    group_separator=False),
    "currency code": lambda amount, locale: format_currency(amount, "EUR", format="¤¤ #,##0.00", locale=locale,
                                                            currency_digits=False),
}


@settings(max_examples=examples(300), deadline=None)
@given(cents=st.integers(0, 10**8), locale=st.sampled_from(["nl", "en"]), way=st.sampled_from(sorted(WAYS_OF_WRITING)))
def test_an_amount_as_babel_writes_it_is_read_back_to_the_cent(cents, locale, way):
    text = WAYS_OF_WRITING[way](Decimal(cents) / 100, locale)
    assert parse_money(text, locale) == cents


@settings(max_examples=examples(300), deadline=None)
@given(cents=st.integers(0, 10**8), locale=st.sampled_from(["nl", "en"]))
def test_a_prefilled_form_value_is_read_back_to_the_cent(cents, locale):
    assert parse_money(for_input(cents, locale), locale) == cents


def _read(text: str, locale: str) -> int | None:
    try:
        return parse_money(text, locale)
    except ValueError:
        return None


@settings(max_examples=examples(500), deadline=None)
@given(st.text(alphabet="0123456789.,", min_size=1, max_size=14))
def test_no_text_means_one_amount_in_dutch_and_another_in_english(text):
    dutch, english = _read(text, "nl"), _read(text, "en")
    assert dutch is None or english is None or dutch == english, (text, dutch, english)


@pytest.mark.parametrize(("locale", "text", "cents"), [
    ("nl", "12,50", 12_50),
    ("nl", "€ 12,50", 12_50),
    ("nl", "€\u00a012,50", 12_50),
    ("nl", "12,50 €", 12_50),
    ("nl", "EUR 12,50", 12_50),
    ("nl", "12,50EUR", 12_50),
    ("nl", "eur 12,50", 12_50),
    ("nl", "1.250,00", 1_250_00),
    ("nl", "1.250", 1_250_00),      # a thousand two hundred and fifty euros, as a Dutch reader means it
    ("nl", "1250", 1_250_00),
    ("nl", "1 250,00", 1_250_00),
    ("nl", "1\u202f250,00", 1_250_00),
    ("nl", " \t12,5 ", 12_50),
    ("nl", ",50", 50),
    ("nl", "1.000.000,00", 1_000_000_00),
    ("nl", "0", 0),
    ("nl", "999.999.999,99", 999_999_999_99),
    ("en", "12.50", 12_50),
    ("en", "€12.50", 12_50),
    ("en", "1,250.00", 1_250_00),
    ("en", "1,250", 1_250_00),
    ("en", "1250", 1_250_00),
    ("en", "EUR 1,250.00", 1_250_00),
    ("en", ".5", 50),
])
def test_amounts_as_people_write_them(locale, text, cents):
    assert parse_money(text, locale) == cents


FILL_IN = "Fill in an amount in euros, for example %(example)s."
GROUPING = "Check the dots and commas in the amount: write it like %(example)s or %(large)s."
CENTS = "Use at most two digits for the cents, for example %(example)s."
SIGN = "Fill in the amount without a plus or minus sign, for example %(example)s."
TOO_LARGE = "That amount is too large. Fill in an amount in euros, for example %(example)s."
EMPTY = "Fill in the amount."


@pytest.mark.parametrize(("locale", "text", "refusal"), [
    ("nl", "1e3", FILL_IN),
    ("nl", "1E3", FILL_IN),
    ("en", "1e3", FILL_IN),
    ("en", "1E3", FILL_IN),
    ("nl", "NaN", FILL_IN),
    ("en", "nan", FILL_IN),
    ("nl", "sNaN", FILL_IN),
    ("nl", "Infinity", FILL_IN),
    ("en", "inf", FILL_IN),
    ("nl", "1_000", FILL_IN),                 # Python reads underscores in numbers; people do not write them
    ("nl", "\u0661\u0662", FILL_IN),          # digits of another script
    ("nl", "twaalf", FILL_IN),
    ("nl", "12,50 euro's", FILL_IN),
    ("nl", "--5", FILL_IN),
    ("nl", "1,234.5", GROUPING),              # English in a Dutch form
    ("nl", "12.50", GROUPING),
    ("nl", "1.25", GROUPING),
    ("nl", "1.2345", GROUPING),
    ("nl", "1.00.000", GROUPING),
    ("nl", "1.25,00", GROUPING),
    ("nl", "1,2,3", GROUPING),
    ("en", "12,50", GROUPING),               # Dutch in an English form
    ("en", "1.234,5", GROUPING),
    ("en", "1.250,00", GROUPING),
    ("en", "1,25", GROUPING),
    ("en", "1.2.3", GROUPING),
    ("nl", "12,505", CENTS),
    ("nl", "1,250", CENTS),                   # in Dutch, that is one euro and 250 thousandths
    ("nl", "0,001", CENTS),
    ("en", "12.505", CENTS),
    ("en", "1.250", CENTS),
    ("nl", "-5", SIGN),
    ("nl", "+5", SIGN),
    ("nl", "€ -5,00", SIGN),
    ("en", "-€5.00", SIGN),
    ("nl", "\u22125", SIGN),
    ("nl", "1.000.000.000", TOO_LARGE),
    ("en", "1,000,000,000.00", TOO_LARGE),
    ("nl", "99999999999999999999999", TOO_LARGE),
    ("nl", "", EMPTY),
    ("nl", " \u00a0", EMPTY),
    ("nl", "€", EMPTY),
    ("en", "EUR", EMPTY),
])
def test_what_is_refused_and_why(app, locale, text, refusal):
    """Refused with a message in the reader's language that shows how they write an amount."""
    with force_locale(locale):
        with pytest.raises(ValueError) as refused:
            parse_money(text, locale)
        assert str(refused.value) == gettext(refusal, example=example(locale=locale), large=example("1250", locale))
    if refusal != EMPTY:
        assert ("12,50" if locale == "nl" else "12.50") in str(refused.value)


def test_a_field_that_allows_a_sign_reads_a_negative_amount():
    assert parse_money("-12,50", "nl", allow_sign=True) == -12_50
    assert parse_money("€ -1.250,00", "nl", allow_sign=True) == -1_250_00
    assert parse_money("-€1,250.00", "en", allow_sign=True) == -1_250_00
    assert parse_money("+5", "en", allow_sign=True) == 5_00


@pytest.mark.parametrize(("locale", "examples"), [
    ("nl", ("12,50", "1.250,00", "1250,00")),
    ("en", ("12.50", "1,250.00", "1250.00")),
])
def test_examples_and_prefilled_values_are_in_the_readers_language(locale, examples):
    assert (example(locale=locale), example("1250", locale), for_input(1_250_00, locale)) == examples

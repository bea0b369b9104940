"""Amounts of money as people type and read them, in their own language: one parser for every money field.

"1.250" is one thousand two hundred and fifty euros to a Dutch reader and one
euro twenty-five to nobody: Babel's strict parser knows each language's dots
and commas and refuses misgrouped input ("1,234.5" in Dutch). It lets through
what Python's ``Decimal`` reads (exponents, "NaN", "Infinity", underscores,
other scripts' digits, a sign) and any number of decimals; those are refused
here. Because both languages insist on groups of three and at most two
decimals, no text means two different amounts in Dutch and in English.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, get_group_symbol, parse_decimal
from flask_babel import LazyString, format_currency, get_locale
from flask_babel import gettext as _

LIMIT_EUROS = 10**9          # a billion euros is a typo, whatever the field
CURRENCY_MARKS = ("€", "EUR")
SIGNS = {"+": 1, "-": -1, "\u2212": -1}  # U+2212 is the minus sign some keyboards and pages use


def _locale(locale: Locale | str | None) -> Locale:
    if locale is None:
        locale = get_locale() or "nl"
    return locale if isinstance(locale, Locale) else Locale.parse(locale)


def format_euros(cents: int | None) -> str:
    """Cents as euros in the page's language: "€ 12,50" (the pot's ``money`` filter)."""
    return format_currency(Decimal(cents or 0) / 100, "EUR")


def for_input(cents: int | None, locale: Locale | str | None = None) -> str:
    """Cents as a number to put in a form field, without grouping: "1250,00" (nl), "1250.00" (en)."""
    return format_decimal(Decimal(cents or 0) / 100, format="0.00", locale=_locale(locale))


def example(euros: str = "12.50", locale: Locale | str | None = None) -> str:
    """An amount written the way the reader writes it: "12,50" (nl), "12.50" (en); with "1250", "1.250,00"."""
    return format_decimal(Decimal(euros), format="#,##0.00", locale=_locale(locale))


def lazy_example(euros: str = "12.50") -> LazyString:
    """``example`` in the language of whoever reads it, for field descriptions made at import time."""
    return LazyString(example, euros)


def _strip(text: str) -> tuple[int, str]:
    """The sign (1 or -1) and the number of a typed amount, without spaces of any kind and without € or EUR."""
    text = "".join(text.split())  # also NBSP (U+00A0) and narrow NBSP (U+202F), as Babel writes them
    sign = 0
    if text[:1] in SIGNS:
        sign, text = SIGNS[text[0]], text[1:]
    for mark in CURRENCY_MARKS:
        if text.upper().startswith(mark):
            text = text[len(mark):]
        if text.upper().endswith(mark):
            text = text[:-len(mark)]
    if not sign and text[:1] in SIGNS:  # "€ -5,00" is how Babel writes a negative amount in Dutch
        sign, text = SIGNS[text[0]], text[1:]
    return sign, text


def parse_money(text: str, locale: Locale | str | None = None, *, allow_sign: bool = False) -> int:
    """The cents of an amount typed in the reader's language: "€ 1.250,00" (nl) or "1,250.00" (en) -> 125000.

    Raises ValueError with a message in the page's language that says how to write the amount.
    """
    locale = _locale(locale)
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    sign, number = _strip(text or "")
    if not number:
        raise ValueError(_("Fill in the amount."))
    if not re.fullmatch(f"[0-9{re.escape(decimal + group)}]+", number):
        # letters ("1e3", "NaN", "inf"), underscores, another sign, digits of another script
        raise ValueError(_("Fill in an amount in euros, for example %(example)s.", example=example(locale=locale)))
    if sign and not allow_sign:
        raise ValueError(_("Fill in the amount without a plus or minus sign, for example %(example)s.",
                           example=example(locale=locale)))
    try:
        amount = parse_decimal(number, locale=locale, strict=True)
    except NumberFormatError:
        raise ValueError(_("Check the dots and commas in the amount: write it like %(example)s or %(large)s.",
                           example=example(locale=locale), large=example("1250", locale))) from None
    if len(number.partition(decimal)[2]) > 2:
        raise ValueError(_("Use at most two digits for the cents, for example %(example)s.",
                           example=example(locale=locale)))
    if amount >= LIMIT_EUROS:  # finite: only digits and separators got this far
        raise ValueError(_("That amount is too large. Fill in an amount in euros, for example %(example)s.",
                           example=example(locale=locale)))
    return (sign or 1) * int(amount * 100)

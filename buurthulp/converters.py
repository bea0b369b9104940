"""URL converters bounded to what the database can hold: a URL part out of range is a 404, not a 500."""

from __future__ import annotations

from datetime import date

from werkzeug.routing import BaseConverter, IntegerConverter, UnicodeConverter, ValidationError

# Ids are INTEGER columns: PostgreSQL refuses a number above 2**31 - 1 (and SQLite one above 2**63 - 1)
# with an error instead of finding nothing.
MAX_ID = 2**31 - 1
# No slug, token or file name in a URL of the app is near this long.
MAX_URL_PART = 1000


class IdConverter(IntegerConverter):
    """``<int:...>`` for ids: 0 to MAX_ID, ASCII digits only; anything else does not match the rule."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """``<name>``/``<string:name>``: at most MAX_URL_PART characters and no control characters.

    PostgreSQL refuses a NUL in any text it is asked about, and no slug, token or file name holds one.
    """

    def __init__(self, map, minlength: int = 1, maxlength: int | None = MAX_URL_PART,
                 length: int | None = None) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)

    def to_python(self, value: str) -> str:
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValidationError()
        return value


# The dates a URL may name: far wider than any date of the app, far inside what date arithmetic can hold (a week
# after 9999-12-31 is an OverflowError, not a date); the same bounds as the forms' dates (buurthulp.forms).
FIRST_URL_DATE, LAST_URL_DATE = date(1900, 1, 1), date(2999, 12, 31)


class DateConverter(BaseConverter):
    """``<date:...>``: a calendar date as YYYY-MM-DD; an impossible date, or one out of FIRST_URL_DATE to
    LAST_URL_DATE, does not match the rule (a 404)."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValidationError() from None
        if not FIRST_URL_DATE <= day <= LAST_URL_DATE:
            raise ValidationError()
        return day

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


CONVERTERS = {"int": IdConverter, "default": TextConverter, "string": TextConverter, "date": DateConverter}


def init_converters(app) -> None:
    """Make ``app``'s URL rules use the bounded converters; before any blueprint adds a rule."""
    app.url_map.converters.update(CONVERTERS)

"""URL converters bounded to what the database can hold: a URL part out of range is a 404, not a 500."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

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


CONVERTERS = {"int": IdConverter, "default": TextConverter, "string": TextConverter}


def init_converters(app) -> None:
    """Make ``app``'s URL rules use the bounded converters; before any blueprint adds a rule."""
    app.url_map.converters.update(CONVERTERS)

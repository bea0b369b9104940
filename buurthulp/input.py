"""What every request's query and form may hold, checked in one place, and the page number of a list."""

from __future__ import annotations

import re

from flask import Flask, abort, render_template, request
from flask_babel import format_number
from flask_babel import gettext as _

# Far above any field of the app (the longest takes 2,000 characters), far below what a database holds.
MAX_INPUT_LENGTH = 10_000
# Lists show at most this many pages; a higher page shows the (empty) last one instead of asking the
# database to skip billions of rows (an OFFSET past 2**63 is an error in both databases).
MAX_PAGE = 1000
_WHOLE_NUMBER = re.compile(r"(-?)0*([0-9]+)")


def init_input(app: Flask) -> None:
    """Refuse, before any view runs, a request whose query or form holds a NUL or an over-long value."""
    app.before_request(refuse_unsafe_input)


def refuse_unsafe_input():
    """A 400 page in the reader's language for a NUL character or a value over MAX_INPUT_LENGTH.

    PostgreSQL refuses a NUL in any text (SQLite stores it), so one pasted NUL would be an error page on
    one database and a stored string on the other; refused here, it is neither, for every view at once.
    """
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                return _refused(_("Something you sent contains an invisible character"),
                                _("A text you filled in contains a NUL character, which cannot be saved. It "
                                  "usually comes with pasted text: type the text again and try once more."))
            if len(name) > MAX_INPUT_LENGTH or len(value) > MAX_INPUT_LENGTH:
                return _refused(_("Something you sent is too long"),
                                _("A text you filled in is longer than %(count)s characters. Shorten it and "
                                  "try again.", count=format_number(MAX_INPUT_LENGTH)))
    return None


def _refused(title: str, message: str):
    return render_template("errors/error.html", code=400, title=title, message=message), 400


def page_arg(name: str = "page") -> int:
    """The page of a list asked for in the query: 1 when absent, clamped to 1..MAX_PAGE; not a whole number is a 400."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return 1
    number = _WHOLE_NUMBER.fullmatch(raw)
    if number is None:
        abort(400)
    sign, digits = number.groups()
    if sign:
        return 1
    if len(digits) > len(str(MAX_PAGE)):  # int() of thousands of digits is slow, and refused past 4,300
        return MAX_PAGE
    return min(max(int(digits), 1), MAX_PAGE)

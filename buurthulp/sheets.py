"""Figures and spreadsheets shared by the domains: months written as "2026-03", chart axes, and CSV files
the way Dutch Excel opens them as columns (``;`` between fields, a decimal comma, a byte order mark).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date

from flask import Response, stream_with_context
from flask_babel import format_date

MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
BOM = "\ufeff"  # so that Excel reads accents as UTF-8
FLUSH_AT = 64_000  # characters a streamed CSV keeps before it hands them on


def parse_month(text: str) -> date:
    """The first day of the month written as "2025-03"; ValueError if it is not such a month."""
    found = MONTH_RE.match(text or "")
    if not found:
        raise ValueError(text)
    year, month = int(found.group(1)), int(found.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError(text)
    return date(year, month, 1)


def month_label(month: date) -> str:
    """ "maart 2026" / "March 2026", in the page's language."""
    return format_date(month, format="LLLL yyyy")


def nice_top(value: int, ticks: int = 4) -> int:
    """The top of the axis: the smallest 1-2-5 step that, ``ticks`` times, reaches ``value``."""
    return next(step for step in _steps() if step * ticks >= value) * ticks


def _steps():
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            yield factor * magnitude
        magnitude *= 10


def spreadsheet_safe(text: str) -> str:
    """A text that a spreadsheet shows as text: one starting with = + - @ would run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def decimal_comma(value: float | None, places: int) -> str:
    """A number for a Dutch spreadsheet: "12,5" (empty when unknown)."""
    return "" if value is None else f"{value:.{places}f}".replace(".", ",")


def cents_comma(cents: int | None) -> str:
    """Cents as euros for a Dutch spreadsheet: "-12,50" (exact, no float)."""
    cents = cents or 0
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def _lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    out.write(BOM)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if out.tell() > FLUSH_AT:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_download(name: str, header: list[str], rows: Iterable[list]) -> Response:
    """A CSV file to download, streamed (a large ledger fits), in the Dutch spreadsheet convention."""
    filename = re.sub(r"[^A-Za-z0-9_-]", "-", name)
    return Response(stream_with_context(_lines(header, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})

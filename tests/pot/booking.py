"""Posting the treasurer's booking forms as a browser does: the form, then its confirmation page's "Book it"."""

from __future__ import annotations

import html
import re
import uuid

from buurthulp.timeutil import local_today

CONFIRM_FORM_RE = re.compile(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', re.S)
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def is_confirmation(response) -> bool:
    """The page that shows a booking before it is booked (its form carries the ``confirmed`` flag)."""
    return response.status_code == 200 and 'name="confirmed" value="1"' in response.get_data(as_text=True)


def confirmation_fields(response) -> tuple[str, dict[str, str]]:
    """The address and the hidden fields the confirmation page's "Book it" button posts."""
    page = response.get_data(as_text=True)
    for action, body in CONFIRM_FORM_RE.findall(page):
        if 'name="confirmed"' in body:
            return html.unescape(action), {name: html.unescape(value) for name, value in HIDDEN_RE.findall(body)}
    raise AssertionError(f"no confirmation form in {page[:2000]!r}")


def confirm(client, response, follow: bool = False, **extra):
    """Press "Book it" on a confirmation page (``extra``: e.g. the ticked over-limit box, or ``change``)."""
    action, fields = confirmation_fields(response)
    return client.post(action, {**fields, **extra}, follow_redirects=follow)


def booking_data(**fields) -> dict:
    """A booking form's fields with a fresh key and today's date, and the given ones."""
    return {"value_date": local_today().isoformat(), "description": "", "key": uuid.uuid4().hex, **fields}


def post_booking(client, url: str, data: dict, follow: bool = False, **extra):
    """Post a booking form; if it shows the confirmation page, book it from there, as the treasurer would."""
    response = client.post(url, data)
    if not is_confirmation(response):
        return response
    return confirm(client, response, follow=follow, **extra)

"""The agreed appointment of a match as an iCalendar file."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event

from buurthulp.db import utcnow
from buurthulp.posts.models import Match


def match_calendar(match: Match, viewer) -> bytes:
    """One VEVENT at the agreed time, lasting the post's expected duration; no addresses in it."""
    other = match.helper if viewer.id == match.asker_id else match.asker
    post = match.post
    cal = Calendar()
    cal.add("prodid", "-//buurthulp//NL")
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", f"match-{match.id}@buurthulp")
    event.add("dtstamp", utcnow())
    event.add("dtstart", match.agreed_start)
    event.add("dtend", match.agreed_start + timedelta(minutes=post.duration_minutes))
    event.add("summary", _("buurthulp: %(title)s with %(name)s", title=post.title, name=other.display_name))
    event.add("description", post.description)
    cal.add_component(event)
    return cal.to_ical()

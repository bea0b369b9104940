"""How posts and matches are put into words on pages and in mail."""

from __future__ import annotations

from flask import has_app_context
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from buurthulp.categories import DayPart, Weekday, slot_label, slots_in
from buurthulp.geo import distance_m, rounded_distance_m
from buurthulp.posts.matches import waiting_for
from buurthulp.posts.models import MatchStatus, PostKind, PostLocation, PostStatus, Timing

# Words for a value in a language: "dinsdagmiddag 8 december", "± 1,2 km", "open". They depend on nothing else
# (catalogues are loaded once, dates carry no time zone), so every page and every visitor shares them; a page of
# cards would otherwise send each lazy string, date and number through Babel again.
_WORDS: dict = {}
_WORDS_MAX = 50_000  # about a few MB; emptied when full


def _cached(kind: str, key, build):
    """``build()`` once per language for ``key``, where a language is known (inside the app)."""
    if not has_app_context():
        return build()
    full_key = (kind, str(get_locale()), key)
    try:
        return _WORDS[full_key]
    except KeyError:
        pass
    value = build()
    if len(_WORDS) >= _WORDS_MAX:
        _WORDS.clear()
    _WORDS[full_key] = value
    return value


def _date(day, pattern: str) -> str:
    return _cached("date", (day, pattern), lambda: format_date(day, format=pattern))


def metres_label(metres: float) -> str:
    rounded = rounded_distance_m(metres)
    return _cached("metres", rounded, lambda: _metres_label(rounded))


def _metres_label(rounded: int) -> str:
    if rounded < 1000:
        return _("± %(m)s m", m=rounded)
    return _("± %(km)s km", km=format_decimal(round(rounded / 1000, 1), format="#,##0.#"))


def where_label(post, viewer=None) -> str:
    """"± 400 m" when both have a location, else the neighbourhood's name; never an address."""
    viewer = viewer if viewer is not None else current_user._get_current_object()
    if (viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.latitude is not None
            and post.latitude is not None and viewer.id != post.author_id):
        metres = distance_m(viewer.latitude, viewer.longitude, post.latitude, post.longitude)
        # The same point usually means both only have their neighbourhood's centre: say the name.
        if metres >= 1:
            return metres_label(metres)
    return post.neighbourhood.name


def when_label(post) -> str:
    """"dinsdagmiddag 8 december", "Between ... and ...", "Every week: ...": when a post is for."""
    key = (post.timing, post.on_date, post.day_part, post.period_start, post.period_end, post.weekly_slots,
           post.weekly_until)
    return _cached("when", key, lambda: _when_label(*key))


def _when_label(timing, on_date, day_part, period_start, period_end, weekly_slots, weekly_until) -> str:
    if timing == Timing.ONCE:
        if day_part is not None:
            return _("%(day_and_part)s %(date)s", day_and_part=_slot_words()[on_date.weekday(), day_part],
                     date=_date(on_date, "d MMMM"))
        return _date(on_date, "EEEE d MMMM")
    if timing == Timing.FLEXIBLE:
        return _("Between %(start)s and %(end)s", start=_date(period_start, "d MMMM"), end=_date(period_end, "d MMMM"))
    slots = ", ".join(slot_labels(weekly_slots))
    if weekly_until:
        return _("Every week: %(slots)s (until %(until)s)", slots=slots, until=_date(weekly_until, "d MMMM"))
    return _("Every week: %(slots)s", slots=slots)


def duration_label(minutes: int) -> str:
    if minutes < 60:
        return _("about %(n)s minutes", n=minutes)
    hours = minutes / 60
    return _("about %(n)s hours", n=format_decimal(hours, format="#,##0.#")) if hours != 1 else _("about an hour")


def place_label(post) -> str:
    labels = {PostLocation.HOME_AREA: _("Near the home of the person who posted"),
              PostLocation.THEIR_PLACE: _("At the other person's place"),
              PostLocation.ELSEWHERE: _("Somewhere else")}
    label = labels[post.place]
    return f"{label}: {post.place_note}" if post.place_note else label


def kind_label(kind) -> str:
    return _cached("kind", kind == PostKind.ASK, lambda: _("Looking for help") if kind == PostKind.ASK
                   else _("Offers help"))


def post_status_label(status) -> str:
    return _cached("post_status", None, lambda: {
        PostStatus.OPEN: _("open"), PostStatus.MATCHED: _("agreed with a neighbour"), PostStatus.DONE: _("done"),
        PostStatus.CLOSED: _("closed"), PostStatus.EXPIRED: _("no longer shown")})[status]


def match_status_label(status) -> str:
    return _cached("match_status", None, lambda: {
        MatchStatus.SUGGESTED: _("suggested"), MatchStatus.PROPOSED: _("waiting for an answer"),
        MatchStatus.ACCEPTED: _("agreed"), MatchStatus.DONE: _("done"), MatchStatus.THANKED: _("done and thanked"),
        MatchStatus.DECLINED: _("declined"), MatchStatus.CANCELLED: _("cancelled"),
        MatchStatus.EXPIRED: _("expired")})[status]


def my_turn(match, viewer_id: int | None) -> bool:
    """The match waits for this person's yes or no."""
    return viewer_id in waiting_for(match)


def match_status_for(match, viewer_id: int | None) -> str:
    """The status as one of the two people reads it: whose turn it is while it waits for someone, else the status."""
    if viewer_id not in (match.asker_id, match.helper_id):
        return match_status_label(match.status)
    other = match.helper if viewer_id == match.asker_id else match.asker
    waiting = waiting_for(match)
    if viewer_id in waiting:
        return _("Your turn: say yes or no")
    if other.id in waiting:
        return _("Waiting for %(name)s", name=other.display_name)
    if match.status == MatchStatus.ACCEPTED and match.done_marked_at is not None:
        if match.done_marked_by_id == viewer_id:
            return _("Waiting for %(name)s to confirm it is done", name=other.display_name)
        return _("Your turn: say whether it is done")
    return match_status_label(match.status)


def hours_label(minutes: int | None) -> str:
    if not minutes:
        return ""
    return _("%(h)s hours", h=format_decimal(minutes / 60, format="#,##0.##"))


def reason_text(reason: dict) -> str:
    """A matcher's reason as a sentence; unknown codes are left out by the caller."""
    code = reason.get("code")
    if code == "distance":
        return _("%(distance)s away", distance=metres_label(reason.get("metres", 0)))
    if code == "same_neighbourhood":
        return _("Lives in the same neighbourhood")
    if code == "time":
        try:
            slot = slot_label(reason["weekday"], reason["part"])
        except (KeyError, TypeError, ValueError):
            return ""
        return _("Both free on %(slot)s", slot=slot)
    if code == "warm":
        return _("You helped each other before")
    if code == "reciprocity":
        return _("Asks for help and offers help too")
    if code == "fit":
        return _("Likes to do this kind of help")
    if code == "offer":
        return _("Offers this help right now")
    if code == "fair":
        return _("Has time for someone new")
    return ""


def category_label(category) -> str:
    """A kind of help in words ("Klussen"), as ``Category.label``."""
    return _cached("category", category, lambda: category.label)


TEMPLATE_HELPERS = {
    "where_label": where_label, "when_label": when_label, "duration_label": duration_label,
    "place_label": place_label, "kind_label": kind_label, "post_status_label": post_status_label,
    "match_status_label": match_status_label, "match_status_for": match_status_for, "my_turn": my_turn,
    "hours_label": hours_label, "reason_text": reason_text,
    "slot_label": slot_label, "category_label": category_label,
}


def slot_labels(mask: int) -> list[str]:
    """"Tuesday morning" / "dinsdagochtend", ... for the slots in a mask, as in running text."""
    return list(_cached("slot_labels", mask, lambda: tuple(_slot_words()[slot] for slot in slots_in(mask))))


def _slot_words() -> dict[tuple[int, int], str]:
    """Every weekday and part of day in words, in the current language."""
    return _cached("slots", None, lambda: {(d, p): slot_label(d, p) for d in Weekday for p in DayPart})


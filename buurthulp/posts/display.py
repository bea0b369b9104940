"""How posts and matches are put into words on pages and in mail."""

from __future__ import annotations

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from buurthulp.categories import slot_label, slots_in
from buurthulp.geo import distance_m, rounded_distance_m
from buurthulp.posts.matches import waiting_for
from buurthulp.posts.models import MatchStatus, PostKind, PostLocation, PostStatus, Timing


def metres_label(metres: float) -> str:
    rounded = rounded_distance_m(metres)
    if rounded < 1000:
        return _("± %(m)s m", m=rounded)
    return _("± %(km)s km", km=format_decimal(round(rounded / 1000, 1), format="#,##0.#"))


def where_label(post, viewer=None) -> str:
    """"± 400 m" when both have a location, else the neighbourhood's name; never an address."""
    viewer = viewer if viewer is not None else current_user
    if (viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.latitude is not None
            and post.latitude is not None and viewer.id != post.author_id):
        metres = distance_m(viewer.latitude, viewer.longitude, post.latitude, post.longitude)
        # The same point usually means both only have their neighbourhood's centre: say the name.
        if metres >= 1:
            return metres_label(metres)
    return post.neighbourhood.name


def when_label(post) -> str:
    if post.timing == Timing.ONCE:
        if post.day_part is not None:
            return _("%(day_and_part)s %(date)s", day_and_part=slot_label(post.on_date.weekday(), post.day_part),
                     date=format_date(post.on_date, format="d MMMM"))
        return format_date(post.on_date, format="EEEE d MMMM")
    if post.timing == Timing.FLEXIBLE:
        return _("Between %(start)s and %(end)s", start=format_date(post.period_start, format="d MMMM"),
                 end=format_date(post.period_end, format="d MMMM"))
    slots = ", ".join(slot_labels(post.weekly_slots))
    if post.weekly_until:
        return _("Every week: %(slots)s (until %(until)s)", slots=slots,
                 until=format_date(post.weekly_until, format="d MMMM"))
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
    return _("Looking for help") if kind == PostKind.ASK else _("Offers help")


def post_status_label(status) -> str:
    return {PostStatus.OPEN: _("open"), PostStatus.MATCHED: _("agreed with a neighbour"), PostStatus.DONE: _("done"),
            PostStatus.CLOSED: _("closed"), PostStatus.EXPIRED: _("no longer shown")}[status]


def match_status_label(status) -> str:
    return {MatchStatus.SUGGESTED: _("suggested"), MatchStatus.PROPOSED: _("waiting for an answer"),
            MatchStatus.ACCEPTED: _("agreed"), MatchStatus.DONE: _("done"), MatchStatus.THANKED: _("done and thanked"),
            MatchStatus.DECLINED: _("declined"), MatchStatus.CANCELLED: _("cancelled"),
            MatchStatus.EXPIRED: _("expired")}[status]


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


TEMPLATE_HELPERS = {
    "where_label": where_label, "when_label": when_label, "duration_label": duration_label,
    "place_label": place_label, "kind_label": kind_label, "post_status_label": post_status_label,
    "match_status_label": match_status_label, "match_status_for": match_status_for, "my_turn": my_turn,
    "hours_label": hours_label, "reason_text": reason_text,
    "slot_label": slot_label,
}


def slot_labels(mask: int) -> list[str]:
    """"Tuesday morning" / "dinsdagochtend", ... for the slots in a mask, as in running text."""
    return [slot_label(d, p) for d, p in slots_in(mask)]

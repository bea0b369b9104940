"""A person's secret calendar address (.ics): their rota dates and agreed help.

The page to make, renew or remove it is ``/circles/calendar``; the address itself is ``/calendar/<token>.ics``,
outside the blueprint's ``/circles`` prefix because it holds more than circles (agreed help, later activities).
A calendar program fetches it without logging in: the token is the key, so an unknown or revoked one is a 404.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp.circles import bp
from buurthulp.circles import calendar as cal
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.mail import external_url

FEED_MAX_AGE = 300  # seconds: a calendar program may keep it five minutes


@bp.route("/calendar")
@login_required
def calendar_settings():
    """My calendar address: make it, make a new one, remove it."""
    feed = cal.feed_of(db.session, current_user)
    url = external_url("circles.calendar_feed", token=feed.token) if feed else None
    return render_template("circles/calendar.html", feed=feed, url=url, form=EmptyForm(),
                           weeks=cal.WEEKS_AHEAD)


@bp.route("/calendar/new", methods=["POST"])
@login_required
def calendar_new():
    """Make my calendar address, or a new one (the old one stops working)."""
    if not valid_submission(EmptyForm()):
        abort(400)
    had_one = cal.feed_of(db.session, current_user) is not None
    cal.new_feed(db.session, current_user)
    db.session.commit()
    flash(_("You have a new calendar address. The old address no longer works.") if had_one
          else _("Your calendar address is ready. Copy it into your calendar program."), "success")
    return redirect(url_for("circles.calendar_settings"))


@bp.route("/calendar/remove", methods=["POST"])
@login_required
def calendar_remove():
    """Remove my calendar address."""
    if not valid_submission(EmptyForm()):
        abort(400)
    cal.remove_feed(db.session, current_user)
    db.session.commit()
    flash(_("Your calendar address is removed. It no longer works."), "success")
    return redirect(url_for("circles.calendar_settings"))


def calendar_feed(token: str):
    """The calendar file behind a secret address, in its owner's language; no log-in, the token is the key."""
    person = cal.person_for_token(db.session, token)
    if person is None:
        abort(404)
    with force_locale(person.locale):
        body = cal.feed_for(db.session, person)
    return Response(body, content_type="text/calendar; charset=utf-8", headers={
        "Cache-Control": f"private, max-age={FEED_MAX_AGE}",
        "Content-Disposition": 'inline; filename="buurthulp.ics"',
        "X-Robots-Tag": "noindex",
    })


# The address is /calendar/<token>.ics, not under /circles: a blueprint prefixes every rule it adds itself, so
# the app adds this one, under the blueprint's name. ``token`` in the rule keeps it out of the request log.
bp.record_once(lambda state: state.app.add_url_rule("/calendar/<token>.ics", endpoint="circles.calendar_feed",
                                                    view_func=calendar_feed))

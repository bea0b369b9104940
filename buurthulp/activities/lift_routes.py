"""Getting there, from the date page: "Ik zoek vervoer" and "Ik kan iemand meenemen" (``lifts``).

Each button makes a transport post linked to the date and opens its page; what the service refuses is said on
the date page again (400 and back), and what is not the person's to do is a 403."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.activities import bp, lifts
from buurthulp.activities.dates import is_series_date
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.web import refused


def _lift(activity_id: int, on: date, make, new_message: str, old_message: str):
    activity = access.require_activity(activity_id)
    if not is_series_date(activity, on):
        abort(404)
    if not valid_submission(EmptyForm()):
        abort(400)
    now = utcnow()
    try:
        post = make(db.session, current_user, activity, on, now=now)
    except NotAllowed as exc:
        refused(exc)
        abort(403)
    except DomainError as exc:
        refused(exc)
        return redirect(url_for("activities.date", activity_id=activity.id, on=on, _anchor="lifts-heading"))
    db.session.commit()
    flash(new_message if post.created_at == now else old_message, "success" if post.created_at == now else "info")
    return redirect(url_for("posts.detail", post_id=post.id))


@bp.route("/<int:activity_id>/<date:on>/lift/ask", methods=["POST"])
@login_required
def lift_ask(activity_id: int, on: date):
    """"Ik zoek vervoer": a transport ask for this date."""
    return _lift(activity_id, on, lifts.ask_lift,
                 _("Your ask for a lift is online. We look for a neighbour who can take you along."),
                 _("You already asked for a lift to this date. Here it is."))


@bp.route("/<int:activity_id>/<date:on>/lift/offer", methods=["POST"])
@login_required
def lift_offer(activity_id: int, on: date):
    """"Ik kan iemand meenemen": a transport offer for this date."""
    return _lift(activity_id, on, lifts.offer_lift,
                 _("Thank you! Your offer to take someone along is online."),
                 _("You already offered to take someone along to this date. Here it is."))

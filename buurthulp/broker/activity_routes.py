"""Activities for a neighbour without internet: the coming dates they could join, signing them up or off, and
arranging their lift (``buurthulp.broker.activities``); each action is logged on their page."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.access import require_broker, require_proxy_of
from buurthulp.activities.dates import is_series_date, when_label
from buurthulp.activities.lifts import LIVE_LIFT, place_text
from buurthulp.activities.models import Activity, SignupStatus
from buurthulp.broker import activities as for_proxy
from buurthulp.broker import bp
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.timeutil import local_today
from buurthulp.web import refused


@bp.route("/<slug>/neighbours/<int:neighbour_id>/activities")
@login_required
def activities(slug: str, neighbour_id: int):
    """The coming four weeks of activities a neighbour without internet could join, with their sign-up and lift."""
    initiative = require_broker(slug)
    proxy = require_proxy_of(initiative, neighbour_id)
    rows = for_proxy.dates_to_join(db.session, proxy, local_today())
    return render_template("broker/activities.html", initiative=initiative, person=proxy, rows=rows,
                           weeks=for_proxy.WEEKS_AHEAD, activity_when=when_label, activity_place=place_text,
                           live_lift=LIVE_LIFT, SignupStatus=SignupStatus)


def _act(slug: str, neighbour_id: int, activity_id: int, on: date, act):
    """Run ``act(initiative, proxy, activity)`` (which returns the message to flash) for a date the proxy could
    see; a refusal is said on the list (a 403 when it is not the broker's to do)."""
    initiative = require_broker(slug)
    proxy = require_proxy_of(initiative, neighbour_id)
    activity = db.session.get(Activity, activity_id)
    if activity is None or not access.may_see_activity(db.session, proxy, activity) or not is_series_date(activity,
                                                                                                            on):
        abort(404)
    if not valid_submission(EmptyForm()):
        abort(400)
    try:
        message = act(initiative, proxy, activity)
    except NotAllowed as exc:
        refused(exc)
        abort(403)
    except DomainError as exc:
        refused(exc)
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("broker.activities", slug=slug, neighbour_id=proxy.id,
                            _anchor=f"date-{activity.id}-{on.isoformat()}"))


def _words(proxy, activity, on: date) -> dict:
    return {"name": proxy.display_name, "title": activity.title, "date": format_date(on, format="EEEE d MMMM")}


@bp.route("/<slug>/neighbours/<int:neighbour_id>/activities/<int:activity_id>/<date:on>/join", methods=["POST"])
@login_required
def activity_join(slug: str, neighbour_id: int, activity_id: int, on: date):
    def act(initiative, proxy, activity):
        signup = for_proxy.join_for(db.session, current_user, initiative, proxy, activity, on)
        if signup.status == SignupStatus.WAITING:
            return _("%(name)s is on the waiting list for %(title)s on %(date)s.", **_words(proxy, activity, on))
        return _("%(name)s is signed up for %(title)s on %(date)s.", **_words(proxy, activity, on))

    return _act(slug, neighbour_id, activity_id, on, act)


@bp.route("/<slug>/neighbours/<int:neighbour_id>/activities/<int:activity_id>/<date:on>/leave", methods=["POST"])
@login_required
def activity_leave(slug: str, neighbour_id: int, activity_id: int, on: date):
    def act(initiative, proxy, activity):
        for_proxy.leave_for(db.session, current_user, initiative, proxy, activity, on)
        return _("%(name)s is signed off for %(title)s on %(date)s.", **_words(proxy, activity, on))

    return _act(slug, neighbour_id, activity_id, on, act)


@bp.route("/<slug>/neighbours/<int:neighbour_id>/activities/<int:activity_id>/<date:on>/lift", methods=["POST"])
@login_required
def activity_lift(slug: str, neighbour_id: int, activity_id: int, on: date):
    def act(initiative, proxy, activity):
        for_proxy.lift_for(db.session, current_user, initiative, proxy, activity, on)
        return _("The ask for a lift for %(name)s is online. Neighbours who could take them along show in your "
                 "queue.", name=proxy.display_name)

    return _act(slug, neighbour_id, activity_id, on, act)

"""What organisers and moderators do: put on an activity, change or cancel it, cancel or move a date, write to
everyone coming, say how many came, share the organising; a moderator hides an activity."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.activities import bp, moderation, services
from buurthulp.activities.forms import ActivityForm, AttendanceForm, CancelDateForm, MessageForm, MoveDateForm
from buurthulp.activities.models import Activity
from buurthulp.activities.pages import (
    back_to_date,
    button,
    date_form,
    detail_action,
    first_name,
    move_page,
    occurrence_or_404,
)
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import valid_submission
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus
from buurthulp.neighbourhoods.services import nearby_neighbourhood_ids
from buurthulp.places.services import places_for_referral
from buurthulp.web import refused, safe_next

# --- putting on and changing --------------------------------------------------------------------

def _coordinated_initiatives(person: Neighbour) -> list[Initiative]:
    """The initiatives in whose name ``person`` may put on an activity (``access.may_put_on_for``)."""
    return list(db.session.scalars(
        sa.select(Initiative).join(Membership, Membership.initiative_id == Initiative.id)
        .where(Membership.neighbour_id == person.id, Membership.status == MembershipStatus.ACTIVE,
               Membership.is_coordinator).order_by(Initiative.name)))


def _places(neighbourhood_id: int | None, activity: Activity | None = None) -> list:
    """Public places of the living map in the neighbourhood and the ones next to it (and the activity's own)."""
    places = places_for_referral(db.session, nearby_neighbourhood_ids(db.session, neighbourhood_id)) \
        if neighbourhood_id is not None else []
    if activity is not None and activity.place is not None and activity.place.id not in {p.id for p in places}:
        places.append(activity.place)
    return places


def _form_page(form: ActivityForm, activity: Activity | None, status: int = 200):
    return render_template("activities/form.html", form=form, activity=activity), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Put on an activity: one date or a series, at a place of the map or somewhere described."""
    form = ActivityForm(places=_places(current_user.neighbourhood_id),
                        initiatives=_coordinated_initiatives(current_user))
    if request.method == "GET":
        return _form_page(form, None)
    if not valid_submission(form):
        return _form_page(form, None, 400)
    try:
        activity = services.put_on(db.session, current_user, form.to_input())
        db.session.commit()
    except DomainError as exc:
        return _form_page(form, None, refused(exc))
    flash(_("Your activity is on. Neighbours nearby can see it and sign up."), "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    """Change the activity; everyone coming to a coming date hears of a new time or place at once."""
    activity = access.require_activity(activity_id, access.may_organise)
    form = ActivityForm(places=_places(activity.neighbourhood_id, activity),
                        durations=[activity.duration_minutes])
    del form.initiative_id  # who puts it on stays as it is
    if request.method == "GET":
        form.fill(activity)
        return _form_page(form, activity)
    if not valid_submission(form):
        return _form_page(form, activity, 400)
    try:
        services.change(db.session, current_user, activity, form.to_input())
        db.session.commit()
    except DomainError as exc:
        return _form_page(form, activity, refused(exc))
    flash(_("The activity is changed."), "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.route("/<int:activity_id>/cancel", methods=["POST"])
@login_required
def cancel(activity_id: int):
    """Cancel the whole activity; everyone coming to a coming date hears it at once."""
    activity = access.require_activity(activity_id, access.may_organise)
    return detail_action(activity, lambda: services.cancel(db.session, current_user, activity),
                         _("The activity is cancelled. We told everyone who was coming."))


@bp.route("/<int:activity_id>/hide", methods=["POST"])
@login_required
def hide(activity_id: int):
    """A moderator hides the activity (``action=hide``) or shows it again (``action=show``)."""
    activity = access.require_activity(activity_id, access.may_moderate_activity)
    button()
    action = request.form.get("action", "hide")
    if action not in ("hide", "show"):
        abort(400)
    moderation.hide_activity(db.session, current_user, activity, action == "hide")
    db.session.commit()
    flash(_("The activity is hidden.") if action == "hide" else _("The activity is shown again."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("activities.detail", activity_id=activity.id))


# --- organisers ---------------------------------------------------------------------------------

@bp.route("/<int:activity_id>/organisers/<int:neighbour_id>", methods=["POST"])
@login_required
def add_organiser(activity_id: int, neighbour_id: int):
    """Make someone who signed up an organiser too."""
    activity = access.require_activity(activity_id, access.may_organise)
    person = db.session.get(Neighbour, neighbour_id) or abort(404)
    return detail_action(activity, lambda: services.add_organiser(db.session, current_user, activity, person),
                         _("%(name)s organises the activity with you now.", name=first_name(person.display_name)),
                         safe_next(request.form.get("next")))


@bp.route("/<int:activity_id>/stop-organising", methods=["POST"])
@login_required
def stop_organising(activity_id: int):
    """Stop being one of the organisers."""
    activity = access.require_activity(activity_id, access.is_organiser)
    return detail_action(activity, lambda: services.stop_organising(db.session, current_user, activity),
                         _("You no longer organise this activity."))


# --- one date -----------------------------------------------------------------------------------

def _organised_date(activity_id: int, on: date) -> Activity:
    activity = access.require_activity(activity_id, access.may_organise)
    occurrence_or_404(activity, on)
    return activity


@bp.route("/<int:activity_id>/<date:on>/message", methods=["POST"])
@login_required
def message(activity_id: int, on: date):
    """Write to everyone coming to this date."""
    activity = _organised_date(activity_id, on)
    return date_form(activity, on, MessageForm(), "message_form",
                     lambda f: services.message_coming(db.session, current_user, activity, on, f.message.data),
                     _("Your message is sent to everyone coming."), "messages")


@bp.route("/<int:activity_id>/<date:on>/cancel", methods=["POST"])
@login_required
def cancel_date(activity_id: int, on: date):
    """Cancel this date; everyone coming or waiting hears it at once."""
    activity = _organised_date(activity_id, on)
    return date_form(activity, on, CancelDateForm(), "cancel_form",
                     lambda f: services.cancel_date(db.session, current_user, activity, on, f.reason.data or ""),
                     _("This date is cancelled. We told everyone who was coming."))


@bp.route("/<int:activity_id>/<date:on>/move", methods=["GET", "POST"])
@login_required
def move_date(activity_id: int, on: date):
    """Move this date to another day or time; who comes stays signed up and hears it at once."""
    activity = _organised_date(activity_id, on)
    if request.method == "GET":
        return move_page(activity, on)
    form = MoveDateForm()
    if not valid_submission(form):
        return move_page(activity, on, form, 400)
    try:
        services.move_date(db.session, current_user, activity, on, form.new_day.data, form.new_time.data,
                           form.reason.data or "")
        db.session.commit()
    except DomainError as exc:
        return move_page(activity, on, form, refused(exc))
    flash(_("The date is moved. We told everyone who was coming."), "success")
    return back_to_date(activity_id, on)


@bp.route("/<int:activity_id>/<date:on>/attendance", methods=["POST"])
@login_required
def attendance(activity_id: int, on: date):
    """How many came: a number, no names."""
    activity = _organised_date(activity_id, on)
    return date_form(activity, on, AttendanceForm(), "attendance_form",
                     lambda f: services.record_attendance(db.session, current_user, activity, on, f.number.data),
                     _("Thank you. The number is saved."))

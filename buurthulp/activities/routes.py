"""The pages of activities for every neighbour: the list, the week, "My activities", an activity, one date, and
coming, leaving, a note afterwards, a report. What organisers and moderators do is in ``organise_routes``; lifts
(``lift_routes``) and the calendar file (``calendar_routes``) are on the same blueprint, brought in below."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.activities import bp, lifts, listing, moderation, services, signups
from buurthulp.activities.dates import count
from buurthulp.activities.forms import WHEN_DAYS, FilterForm, NoteForm
from buurthulp.activities.models import ActivityKind, SignupStatus
from buurthulp.activities.pages import back_to_date, button, date_form, date_page, detail_page, occurrence_or_404
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import valid_submission
from buurthulp.input import page_arg
from buurthulp.places.services import public_place
from buurthulp.posts.forms import ReportForm
from buurthulp.timeutil import local_today
from buurthulp.web import refused

# the week view goes this far back and ahead; further is this week (date arithmetic stays far from its limits)
WEEKS_BACK, WEEKS_AHEAD = 53, 2 * 53


# --- the list and the week ----------------------------------------------------------------------

def _filters(start: date, end: date, *, with_when: bool = True):
    """The filter form read from the query, and the dates it asks for (not counted); a filter that is not one
    of the choices is a 400 with the form's message. The week has its own days: it leaves out "when"."""
    args = request.args.copy()
    if not with_when:
        args.pop("when", None)
    form = FilterForm(args)
    kind = form.kind.data if form.kind.data in {k.value for k in ActivityKind} else None
    found = listing.find(db.session, current_user, start, end, kind=ActivityKind(kind) if kind else None)
    places = list(found.places)
    if form.place.data is not None and form.place.data not in {p.id for p in places}:
        try:
            places.append(public_place(db.session, form.place.data))
        except DomainError:
            pass  # not on the map: the form says it is not a valid choice
    form.place.choices = [form.place.choices[0]] + [(p.id, p.name) for p in places]
    if not form.validate():
        return form, [], 400
    occurrences = found.occurrences
    if form.place.data is not None:
        occurrences = [o for o in occurrences if o.activity.place_id == form.place.data]
    return form, occurrences, 200


@bp.route("/")
@login_required
def index():
    """The coming dates of activities nearby, a page at a time, with filters."""
    today = local_today()
    days = WHEN_DAYS.get(request.args.get("when", ""), WHEN_DAYS["month"])
    form, occurrences, status = _filters(today, today + timedelta(days=days - 1))
    page = listing.page_of(db.session, current_user, occurrences, page_arg())
    return render_template("activities/index.html", form=form, page=page, today=today), status


def _monday(raw: str | None, today: date) -> date:
    """The Monday of the week asked for (any day of it will do); this week when it is not a date or too far."""
    this_week = today - timedelta(days=today.weekday())
    try:
        day = date.fromisoformat((raw or "").strip())
    except ValueError:
        return this_week
    monday = day - timedelta(days=day.weekday())
    if not this_week - timedelta(weeks=WEEKS_BACK) <= monday <= this_week + timedelta(weeks=WEEKS_AHEAD):
        return this_week
    return monday


@bp.route("/week")
@login_required
def week():
    """A week, Monday to Sunday, each day with its activities; the same filters as the list."""
    today = local_today()
    monday = _monday(request.args.get("start"), today)
    form, occurrences, status = _filters(monday, monday + timedelta(days=6), with_when=False)
    count(db.session, occurrences, current_user.id)
    days = listing.by_day(occurrences, monday)
    args = {k: v for k, v in request.args.items() if k in ("kind", "place") and v}
    return render_template("activities/week.html", form=form, days=days, monday=monday, today=today,
                           previous=monday - timedelta(days=7), next=monday + timedelta(days=7),
                           filter_args=args), status


@bp.route("/mine")
@login_required
def mine():
    """"My activities": the dates I come to or wait for, and what I organise."""
    today = local_today()
    return render_template("activities/mine.html", mine=listing.mine(db.session, current_user, today),
                           today=today)


# --- an activity and a date ---------------------------------------------------------------------

@bp.route("/<int:activity_id>")
@login_required
def detail(activity_id: int):
    """The activity with its coming dates."""
    return detail_page(access.require_activity(activity_id))


@bp.route("/<int:activity_id>/<date:on>", endpoint="date")
@login_required
def one_date(activity_id: int, on: date):
    """One date: when, where, who comes, "I'm coming", lifts; the organisers' tools."""
    activity = access.require_activity(activity_id)
    occurrence_or_404(activity, on)
    return date_page(activity, on)


@bp.route("/<int:activity_id>/<date:on>/join", methods=["POST"])
@login_required
def join(activity_id: int, on: date):
    """"I'm coming": a place, or a place on the waiting list when it is full."""
    activity = access.require_activity(activity_id)
    occurrence_or_404(activity, on)
    button()
    try:
        signup = signups.join(db.session, current_user, activity, on)
        db.session.commit()
    except DomainError as exc:
        return date_page(activity, on, refused(exc))
    if signup.status == SignupStatus.COMING:
        flash(_("You are coming. See you there!"), "success")
    else:
        flash(_("It is full. You are on the waiting list: when a place comes free, it is yours and we let you "
                "know."), "success")
    return back_to_date(activity_id, on)


@bp.route("/<int:activity_id>/<date:on>/leave", methods=["POST"])
@login_required
def leave(activity_id: int, on: date):
    """Not coming after all, or no longer waiting; the first who waits gets the place."""
    activity = access.require_activity(activity_id)
    occurrence_or_404(activity, on)
    button()
    try:
        lifts.leave(db.session, current_user, activity, on)
        db.session.commit()
    except DomainError as exc:
        return date_page(activity, on, refused(exc))
    flash(_("Fine. You are no longer signed up for this date."), "success")
    return back_to_date(activity_id, on)


@bp.route("/<int:activity_id>/<date:on>/note", methods=["POST"])
@login_required
def note(activity_id: int, on: date):
    """Someone who came leaves a short note."""
    activity = access.require_activity(activity_id)
    occurrence_or_404(activity, on)
    return date_form(activity, on, NoteForm(), "note_form",
                     lambda f: services.add_note(db.session, current_user, activity, on, f.note.data),
                     _("Thank you for your note."))


@bp.route("/<int:activity_id>/report", methods=["GET", "POST"])
@login_required
def report(activity_id: int):
    """Report an activity to the brokers and coordinators of its neighbourhood."""
    activity = access.require_activity(activity_id)
    form = ReportForm()
    status = 200
    if request.method == "POST":
        status = 400
        if valid_submission(form):
            try:
                moderation.report_activity(db.session, current_user, activity, form.reason.data)
                db.session.commit()
            except DomainError as exc:
                status = refused(exc)
            else:
                flash(_("Thank you. A broker of the neighbourhood will look at it."), "success")
                return redirect(url_for("activities.detail", activity_id=activity.id))
    return render_template("activities/report.html", activity=activity, form=form), status


# what organisers and moderators do, lifts and the calendar file are on this blueprint too
from buurthulp.activities import (  # noqa: E402, F401
    calendar_routes,
    lift_routes,
    organise_routes,
)

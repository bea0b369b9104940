"""The activity's page and a date's page, as the routes of neighbours (``routes``) and of organisers
(``organise_routes``) both show them: again with a form's errors and a 400, or after a refusal with its message."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from buurthulp import access
from buurthulp.activities import bp, dates, lifts, listing, services, signups
from buurthulp.activities.dates import Occurrence
from buurthulp.activities.forms import AttendanceForm, CancelDateForm, MessageForm, MoveDateForm, NoteForm
from buurthulp.activities.models import (
    Activity,
    ActivityMessage,
    ActivityNote,
    ActivityStatus,
    Audience,
    Cost,
    SignupStatus,
)
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.places.models import PlaceStatus
from buurthulp.timeutil import local_today
from buurthulp.web import refused

MESSAGES_SHOWN = 50


def first_name(name: str) -> str:
    """The first word of a display name: organisers see who comes by first name only."""
    words = (name or "").split()
    return words[0] if words else ""


@bp.record_once
def register_template_helpers(state):
    # Globals, not a context processor: imported macros (activities/_date.html) see them too.
    state.app.jinja_env.globals.update(activity_when=dates.when_label, activity_repeat=dates.repeat_label,
                                       first_name=first_name, ActivityStatus=ActivityStatus,
                                       ActivityCost=Cost, ActivityAudience=Audience, SignupStatus=SignupStatus,
                                       PlaceStatus=PlaceStatus)


def button() -> None:
    """A button's form: only its CSRF token; without it (or a stale one) a plain 400."""
    if not valid_submission(EmptyForm()):
        abort(400)


def occurrence_or_404(activity: Activity, on: date) -> None:
    """A date of the activity's series (a moved one by its series date); any other day is not there."""
    if not dates.is_series_date(activity, on):
        abort(404)


def detail_page(activity: Activity, status: int = 200):
    """The activity: what, where, how often, who organises it, its coming dates and the notes of those who came."""
    viewer = current_user
    organiser = access.may_organise(db.session, viewer, activity)
    today = local_today()
    coming = ([] if activity.status == ActivityStatus.CANCELLED
              else listing.coming_dates(db.session, activity, viewer, today))
    return render_template(
        "activities/detail.html", activity=activity, organiser=organiser, today=today, coming=coming,
        is_organiser=access.is_organiser(db.session, viewer, activity),
        moderator=access.may_moderate_activity(db.session, viewer, activity),
        may_join=access.may_join(db.session, viewer, activity),
        organisers=services.organisers(db.session, activity),
        notes=listing.notes_of(db.session, activity, viewer) if activity.show_notes else [],
        button=EmptyForm()), status


def _messages(activity: Activity, on: date) -> list[ActivityMessage]:
    return list(db.session.scalars(
        sa.select(ActivityMessage).where(ActivityMessage.activity_id == activity.id, ActivityMessage.on_date == on)
        .options(so.joinedload(ActivityMessage.author))
        .order_by(ActivityMessage.created_at.desc(), ActivityMessage.id.desc()).limit(MESSAGES_SHOWN)))


def _my_note(activity: Activity, on: date) -> ActivityNote | None:
    return db.session.scalar(sa.select(ActivityNote).where(
        ActivityNote.activity_id == activity.id, ActivityNote.on_date == on,
        ActivityNote.author_id == current_user.id))


def date_page(activity: Activity, on: date, status: int = 200, *, message_form=None, cancel_form=None,
              attendance_form=None, note_form=None):
    """One date: when and where, who comes, "I'm coming", lifts; for organisers the list, a message to everyone
    coming, cancelling it and how many came. A fixed number of queries however many come."""
    viewer = current_user
    o: Occurrence | None = dates.occurrence(db.session, activity, on, viewer.id)
    if o is None:
        abort(404)
    today = local_today()
    organiser = access.may_organise(db.session, viewer, activity)
    people = signups.signups(db.session, activity, on, viewer) if organiser else []
    organisers = services.organisers(db.session, activity)
    signed_up = o.mine is not None
    return render_template(
        "activities/date.html", activity=activity, o=o, today=today, organiser=organiser,
        passed=o.day < today, has_been=o.day <= today, organisers=organisers,
        organiser_ids={p.id for p in organisers},
        coming_people=[s for s in people if s.status == SignupStatus.COMING],
        waiting_people=[s for s in people if s.status == SignupStatus.WAITING],
        may_join=access.may_join(db.session, viewer, activity),
        messages=_messages(activity, on) if organiser or signed_up else [],
        my_note=_my_note(activity, on) if o.mine == SignupStatus.COMING else None,
        lifts=lifts.lift_section(db.session, o, viewer),
        message_form=message_form or MessageForm(), cancel_form=cancel_form or CancelDateForm(),
        attendance_form=attendance_form or AttendanceForm(), note_form=note_form or NoteForm(),
        button=EmptyForm()), status


def move_page(activity: Activity, on: date, form: MoveDateForm | None = None, status: int = 200):
    """Move one date to another day or time."""
    o = dates.occurrence(db.session, activity, on)
    if o is None:
        abort(404)
    if form is None:
        form = MoveDateForm()
        form.new_day.data, form.new_time.data = o.day, o.start_time
    return render_template("activities/move.html", activity=activity, o=o, form=form), status


def back_to_date(activity_id: int, on: date, anchor: str | None = None):
    return redirect(url_for("activities.date", activity_id=activity_id, on=on, _anchor=anchor))


def date_form(activity: Activity, on: date, form, name: str, act, done: str, anchor: str | None = None):
    """A form sent from a date's page: refused input, or a refusal of the service, shows the page again with
    the form and its message (400, or 403 for "not yours"); done, a flash and back to the date. ``act(form)``
    calls the service; ``name`` is the form's keyword of ``date_page``."""
    if not valid_submission(form):
        return date_page(activity, on, 400, **{name: form})
    try:
        act(form)
        db.session.commit()
    except DomainError as exc:
        return date_page(activity, on, refused(exc), **{name: form})
    flash(done, "success")
    return back_to_date(activity.id, on, anchor)


def detail_action(activity: Activity, act, done: str, back: str | None = None):
    """A button on the activity's page: ``act()`` calls the service; a refusal shows the page again with its
    message (400, or 403 for "not yours"); done, a flash and back to ``back`` or the activity."""
    button()
    try:
        act()
        db.session.commit()
    except DomainError as exc:
        return detail_page(activity, refused(exc))
    flash(done, "success")
    return redirect(back or url_for("activities.detail", activity_id=activity.id))

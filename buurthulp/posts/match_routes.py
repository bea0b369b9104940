"""Pages of a match: its conversation, saying yes or no, the agreed time, done, thanks, the calendar file."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.accounts import photos
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.posts import bp, matches, moderation
from buurthulp.posts.calendar import match_calendar
from buurthulp.posts.forms import (
    AgreedTimeForm,
    CancelForm,
    ConfirmDoneForm,
    DoneForm,
    MessageForm,
    ReportForm,
    ThanksForm,
)
from buurthulp.posts.models import Match, MatchStatus, Message, Notification, ThankYou
from buurthulp.timeutil import local_to_utc, to_local


def _match_or_404(match_id: int) -> Match:
    match = db.session.scalar(
        sa.select(Match).where(Match.id == match_id)
        .options(so.joinedload(Match.ask), so.joinedload(Match.offer),
                 so.joinedload(Match.asker), so.joinedload(Match.helper))
    )
    if match is None or not access.may_read_match(db.session, current_user, match):
        abort(404)
    return match


def _match_page(match: Match, error: DomainError | None = None, **forms):
    status = 200
    if error is not None:
        db.session.rollback()
        flash(str(error.message), "error")
        status = error.status_code
    messages = db.session.scalars(
        sa.select(Message).where(Message.match_id == match.id)
        .options(so.joinedload(Message.author)).order_by(Message.created_at, Message.id)
    ).all()
    me = current_user
    participant = match.is_participant(me.id)
    other = (match.helper if me.id == match.asker_id else match.asker) if participant else None
    thanks = db.session.scalar(sa.select(ThankYou).where(ThankYou.match_id == match.id))
    db.session.execute(sa.update(Notification).where(
        Notification.neighbour_id == me.id, Notification.match_id == match.id, Notification.read_at.is_(None)
    ).values(read_at=utcnow()))
    # Committed after rendering: a commit first would expire every row loaded above, and the page would load
    # them again one by one. The menu's unread count, asked in the same transaction, already sees them read.
    page = render_template(
        "posts/match.html", match=match, post=match.post, messages=messages, participant=participant, other=other,
        waiting_for=matches.waiting_for(match), done_from=matches.done_from(match), thanks=thanks, to_local=to_local,
        message_form=forms.get("message_form") or MessageForm(), cancel_form=forms.get("cancel_form") or CancelForm(),
        done_form=forms.get("done_form") or DoneForm(), confirm_form=forms.get("confirm_form") or ConfirmDoneForm(),
        time_form=forms.get("time_form") or AgreedTimeForm(), thanks_form=forms.get("thanks_form") or ThanksForm(),
        report_form=ReportForm(), form=EmptyForm(),
        photos=photos.visible_photos(db.session, me, [other] if other is not None else []),
    )
    db.session.commit()
    return page, status


@bp.route("/matches/<int:match_id>")
@login_required
def match(match_id: int):
    return _match_page(_match_or_404(match_id))


def _match_action(match_id: int, form, act, message: str, form_name: str | None = None):
    """Run ``act(match, form)`` for a participant; errors show on the match page with a 4xx."""
    m = _match_or_404(match_id)
    if not m.is_participant(current_user.id):
        abort(403)
    if not valid_submission(form):
        first = next(iter(e for errs in form.errors.values() for e in errs), _("Please check the form."))
        return _match_page(m, DomainError(first), **({form_name: form} if form_name else {}))
    try:
        act(m, form)
    except DomainError as exc:
        return _match_page(m, exc, **({form_name: form} if form_name else {}))
    db.session.commit()
    if message:
        flash(message, "success")
    return redirect(url_for("posts.match", match_id=m.id))


@bp.route("/matches/<int:match_id>/accept", methods=["POST"])
@login_required
def accept(match_id: int):
    return _match_action(match_id, EmptyForm(), lambda m, f: matches.accept(db.session, current_user, m),
                         _("You said yes. You can now talk and make an appointment."))


@bp.route("/matches/<int:match_id>/decline", methods=["POST"])
@login_required
def decline(match_id: int):
    return _match_action(match_id, EmptyForm(), lambda m, f: matches.decline(db.session, current_user, m),
                         _("You said no. That is fine; we let the other person know kindly."))


@bp.route("/matches/<int:match_id>/cancel", methods=["POST"])
@login_required
def cancel(match_id: int):
    return _match_action(match_id, CancelForm(),
                         lambda m, f: matches.cancel(db.session, current_user, m, f.reason.data),
                         _("The match is cancelled."), "cancel_form")


@bp.route("/matches/<int:match_id>/messages", methods=["POST"])
@login_required
def message(match_id: int):
    return _match_action(match_id, MessageForm(),
                         lambda m, f: matches.post_message(db.session, current_user, m, f.body.data), "",
                         "message_form")


@bp.route("/matches/<int:match_id>/time", methods=["POST"])
@login_required
def agreed_time(match_id: int):
    def act(m, f):
        start = local_to_utc(f.day.data, f.at.data)
        if start < utcnow() - timedelta(hours=1):
            raise DomainError(_("This moment has already passed."))
        matches.set_agreed_start(db.session, current_user, m, start)

    return _match_action(match_id, AgreedTimeForm(), act, _("The appointment is saved."), "time_form")


def _minutes(hours: Decimal | None) -> int | None:
    return None if hours is None else int(round(float(hours) * 60))


@bp.route("/matches/<int:match_id>/done", methods=["POST"])
@login_required
def done(match_id: int):
    return _match_action(match_id, DoneForm(),
                         lambda m, f: matches.mark_done(db.session, current_user, m, _minutes(f.hours.data),
                                                         km=f.km.data),
                         _("Thank you! The other person will confirm it."), "done_form")


@bp.route("/matches/<int:match_id>/confirm", methods=["POST"])
@login_required
def confirm(match_id: int):
    return _match_action(match_id, ConfirmDoneForm(),
                         lambda m, f: matches.confirm_done(db.session, current_user, m, _minutes(f.hours.data),
                                                            km=f.km.data),
                         _("Confirmed. Thank you for helping each other!"), "confirm_form")


@bp.route("/matches/<int:match_id>/thanks", methods=["POST"])
@login_required
def thanks(match_id: int):
    return _match_action(match_id, ThanksForm(),
                         lambda m, f: matches.thank(db.session, current_user, m, f.thanks_note.data),
                         _("Your thank-you note is sent."), "thanks_form")


@bp.route("/matches/<int:match_id>/calendar.ics")
@login_required
def calendar(match_id: int):
    m = _match_or_404(match_id)
    if not m.is_participant(current_user.id):
        abort(403)
    if m.agreed_start is None or m.status not in (MatchStatus.ACCEPTED, MatchStatus.DONE, MatchStatus.THANKED):
        abort(404)
    return Response(match_calendar(m, current_user), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="buurthulp-{m.id}.ics"'})


@bp.route("/messages/<int:message_id>/report", methods=["POST"])
@login_required
def report_message(message_id: int):
    msg = db.get_or_404(Message, message_id)
    m = _match_or_404(msg.match_id)
    form = ReportForm()
    if not valid_submission(form):
        return _match_page(m, DomainError(form.reason.errors[0]))
    try:
        moderation.report(db.session, current_user, form.reason.data, message=msg)
    except DomainError as exc:
        return _match_page(m, exc)
    db.session.commit()
    flash(_("Thank you. A broker of the neighbourhood will look at it."), "success")
    return redirect(url_for("posts.match", match_id=m.id))


@bp.route("/thanks/<int:thanks_id>/visibility", methods=["POST"])
@login_required
def thanks_visibility(thanks_id: int):
    note = db.get_or_404(ThankYou, thanks_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        matches.set_thanks_public(db.session, current_user, note, request.form.get("public") == "1")
    except NotAllowed:
        abort(403)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("posts.neighbour", neighbour_id=current_user.id))

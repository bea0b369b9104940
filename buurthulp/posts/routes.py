"""Pages for posts, the nearby feed, matches and their conversations, notifications and reports."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.categories import Category, slots_in
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, id_or_none, valid_submission
from buurthulp.input import page_arg
from buurthulp.neighbourhoods.services import visible_categories
from buurthulp.posts import bp, services
from buurthulp.posts.display import TEMPLATE_HELPERS
from buurthulp.posts.forms import (
    AgreedTimeForm,
    CancelForm,
    ConfirmDoneForm,
    DoneForm,
    FeedFilterForm,
    MessageForm,
    PostForm,
    ReportForm,
    RespondForm,
    ThanksForm,
)
from buurthulp.posts.models import (
    Block,
    Match,
    MatchStatus,
    Message,
    Notification,
    Post,
    PostKind,
    PostStatus,
    Report,
    ThankYou,
)
from buurthulp.posts.notifications import notification_path, notification_text
from buurthulp.timeutil import local_to_utc, local_today, to_local

FEED_PAGE_SIZE = 20


@bp.record_once
def register_template_helpers(state):
    # Globals, not a context processor: imported macros (posts/_card.html) see them too.
    state.app.jinja_env.globals.update(TEMPLATE_HELPERS, notification_text=notification_text,
                                       notification_path=notification_path)


def _post_or_404(post_id: int) -> Post:
    post = db.session.scalar(sa.select(Post).where(Post.id == post_id)
                             .options(so.joinedload(Post.author), so.joinedload(Post.neighbourhood)))
    if post is None or not services.can_see_post(db.session, current_user, post):
        abort(404)
    return post


# --- posts --------------------------------------------------------------------------------------

@bp.route("/posts/new", methods=["GET", "POST"])
@login_required
def new():
    form = PostForm(categories=visible_categories(db.session, current_user.neighbourhood_id))
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in ("ask", "offer") else None
        category = request.args.get("category")
        if category in {c.value for c in Category}:
            form.category.data = category
        today = local_today()
        form.period_start.data, form.period_end.data = today, today + timedelta(days=14)
        form.place_id.data = request.args.get("place_id", "")
    going_to = _going_to(form.place_id.data)
    if form.validate_on_submit():
        try:
            post = services.create_post(db.session, current_user, form.to_input())
        except NotAllowed as exc:
            flash(str(exc.message), "error")
            return render_template("posts/form.html", form=form, post=None, going_to=going_to), 403
        except DomainError as exc:
            form.timing_field().errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Your post is online. Neighbours nearby can see it now."), "success")
            return redirect(url_for("posts.detail", post_id=post.id))
    status = 400 if request.method == "POST" else 200
    return render_template("posts/form.html", form=form, post=None, going_to=going_to), status


def _going_to(place_id: str | None):
    """The public place a new "ga mee" post is about, if the form carries one."""
    from buurthulp.places.services import public_place

    place_id = id_or_none(place_id)
    if place_id is None:
        return None
    try:
        return public_place(db.session, place_id)
    except DomainError:
        return None  # create_post says why when the form is sent


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = _post_or_404(post_id)
    if post.author_id != current_user.id:
        abort(403)
    offered = visible_categories(db.session, post.neighbourhood_id)
    if post.category not in offered:
        offered = [c for c in Category if c in offered or c == post.category]  # keep what it was
    form = PostForm(obj=post if request.method == "GET" else None, categories=offered)
    if request.method == "GET":
        form.kind.data = post.kind.value
        form.category.data = post.category.value
        form.timing.data = post.timing.value
        form.place.data = post.place.value
        form.weekly_slots.data = [f"{d.value}-{p.value}" for d, p in slots_in(post.weekly_slots)]
        days_left = max(1, (post.expires_at - utcnow()).days)
        form.expiry_days.data = min((d for d, _l in form.expiry_days.choices), key=lambda d: abs(d - days_left))
    else:
        form.kind.data = post.kind.value  # the kind of a post does not change
    if form.validate_on_submit():
        try:
            services.update_post(db.session, current_user, post, form.to_input())
        except DomainError as exc:
            form.timing_field().errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Your post is saved."), "success")
            return redirect(url_for("posts.detail", post_id=post.id))
    status = 400 if request.method == "POST" else 200
    return render_template("posts/form.html", form=form, post=post), status


@bp.route("/posts/<int:post_id>")
@login_required
def detail(post_id: int):
    return _detail_page(_post_or_404(post_id))


def _detail_page(post: Post, error: DomainError | None = None, respond_form=None, report_form=None):
    status = 200
    if error is not None:
        db.session.rollback()
        flash(str(error.message), "error")
        status = error.status_code
    viewer = current_user
    is_author = post.author_id == viewer.id
    responses, suggestions = [], []
    if is_author:
        rows = db.session.scalars(
            sa.select(Match).where(sa.or_(Match.ask_id == post.id, Match.offer_id == post.id))
            .options(so.joinedload(Match.asker), so.joinedload(Match.helper))
            .order_by(Match.created_at, Match.id)
        ).all()
        responses = [m for m in rows if m.status != MatchStatus.SUGGESTED]
        if post.is_ask:
            suggestions = sorted((m for m in rows if m.status == MatchStatus.SUGGESTED), key=lambda m: (-m.score, m.id))
    my_match = None
    if not is_author:
        my_match = db.session.scalar(sa.select(Match).where(
            sa.or_(Match.ask_id == post.id, Match.offer_id == post.id),
            sa.or_(Match.asker_id == viewer.id, Match.helper_id == viewer.id)).limit(1))
    suggested_to_me = my_match is not None and my_match.status == MatchStatus.SUGGESTED
    can_respond = (not is_author and (my_match is None or suggested_to_me) and post.status == PostStatus.OPEN
                   and post.hidden_at is None and services.in_reach(db.session, viewer, post))
    return render_template(
        "posts/detail.html", post=post, is_author=is_author, responses=responses, suggestions=suggestions,
        my_match=None if suggested_to_me else my_match, suggested_to_me=suggested_to_me,
        can_respond=can_respond, show_private=services.can_see_private_details(db.session, viewer, post),
        can_moderate=access.moderates(db.session, viewer, post.neighbourhood_id),
        author_profile=access.may_see_profile(db.session, viewer, post.author),
        respond_form=respond_form or RespondForm(), report_form=report_form or ReportForm(), form=EmptyForm(),
    ), status


@bp.route("/posts/<int:post_id>/respond", methods=["POST"])
@login_required
def respond(post_id: int):
    post = _post_or_404(post_id)
    form = RespondForm()
    if not form.validate_on_submit():
        return _detail_page(post, DomainError(_("Please check your message.")), respond_form=form)
    try:
        match = services.respond(db.session, current_user, post, form.note.data or "")
    except DomainError as exc:
        return _detail_page(post, exc)
    db.session.commit()
    if post.is_ask:
        flash(_("Thank you! %(name)s will say yes or no. We will let you know.", name=post.author.display_name), "success")
    else:
        flash(_("Your request is sent. %(name)s will say yes or no.", name=post.author.display_name), "success")
    return redirect(url_for("posts.match", match_id=match.id))


def _own_post_action(post_id: int, action, message: str):
    post = _post_or_404(post_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(db.session, current_user, post)
    except DomainError as exc:
        return _detail_page(post, exc)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("posts.detail", post_id=post.id))


@bp.route("/posts/<int:post_id>/close", methods=["POST"])
@login_required
def close(post_id: int):
    return _own_post_action(post_id, services.close_post, _("Your post is closed."))


@bp.route("/posts/<int:post_id>/renew", methods=["POST"])
@login_required
def renew(post_id: int):
    return _own_post_action(post_id, services.renew_post, _("Your post is shown again for 30 days."))


@bp.route("/posts/<int:post_id>/report", methods=["POST"])
@login_required
def report_post(post_id: int):
    post = _post_or_404(post_id)
    form = ReportForm()
    if not form.validate_on_submit():
        return _detail_page(post, DomainError(form.reason.errors[0] if form.reason.errors else _("Please check the form.")),
                            report_form=form)
    try:
        services.report(db.session, current_user, form.reason.data, post=post)
    except DomainError as exc:
        return _detail_page(post, exc)
    db.session.commit()
    flash(_("Thank you. A broker of the neighbourhood will look at it."), "success")
    return redirect(url_for("posts.detail", post_id=post.id))


@bp.route("/posts/<int:post_id>/hide", methods=["POST"])
@login_required
def hide(post_id: int):
    post = _post_or_404(post_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.hide_post(db.session, current_user, post)
    except DomainError as exc:
        return _detail_page(post, exc)
    db.session.commit()
    flash(_("The post is hidden."), "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/reports")
                    else url_for("posts.detail", post_id=post.id))


@bp.route("/posts")
@login_required
def feed():
    form = FeedFilterForm(request.args, categories=visible_categories(db.session, current_user.neighbourhood_id))
    if not form.validate():
        abort(400)
    filters = services.FeedFilters(
        kind=PostKind(form.kind.data) if form.kind.data else None,
        category=Category(form.category.data) if form.category.data else None,
        max_metres=int(form.distance.data) if form.distance.data else None,
        within_days=int(form.when.data) if form.when.data else None,
    )
    pagination = services.feed_page(db.session, current_user, filters, utcnow(), page_arg(), FEED_PAGE_SIZE)
    filtered = any(f for f in (form.kind.data, form.category.data, form.distance.data, form.when.data))
    return render_template("posts/feed.html", pagination=pagination, form=form, filtered=filtered)


@bp.route("/my/posts")
@login_required
def mine():
    posts = db.session.scalars(
        sa.select(Post).where(Post.author_id == current_user.id)
        .options(so.joinedload(Post.neighbourhood)).order_by(Post.created_at.desc())
    ).all()
    matches = services.matches_of(db.session, current_user)
    mine_ = [m for m in matches if not (m.status == MatchStatus.SUGGESTED and m.helper_id == current_user.id)]
    suggested_to_me = [m for m in matches if m.status == MatchStatus.SUGGESTED and m.helper_id == current_user.id]
    return render_template("posts/mine.html", posts=posts, matches=mine_, suggested_to_me=suggested_to_me)


# --- matches ------------------------------------------------------------------------------------

def _match_or_404(match_id: int) -> Match:
    match = db.session.scalar(
        sa.select(Match).where(Match.id == match_id)
        .options(so.joinedload(Match.ask), so.joinedload(Match.offer),
                 so.joinedload(Match.asker), so.joinedload(Match.helper))
    )
    if match is None or not services.can_read_match(db.session, current_user, match):
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
    db.session.commit()
    return render_template(
        "posts/match.html", match=match, post=match.post, messages=messages, participant=participant, other=other,
        waiting_for=services.waiting_for(match), thanks=thanks, to_local=to_local,
        message_form=forms.get("message_form") or MessageForm(), cancel_form=forms.get("cancel_form") or CancelForm(),
        done_form=forms.get("done_form") or DoneForm(), confirm_form=forms.get("confirm_form") or ConfirmDoneForm(),
        time_form=forms.get("time_form") or AgreedTimeForm(), thanks_form=forms.get("thanks_form") or ThanksForm(),
        report_form=ReportForm(), form=EmptyForm(),
    ), status


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
    return _match_action(match_id, EmptyForm(), lambda m, f: services.accept(db.session, current_user, m),
                         _("You said yes. You can now talk and make an appointment."))


@bp.route("/matches/<int:match_id>/decline", methods=["POST"])
@login_required
def decline(match_id: int):
    return _match_action(match_id, EmptyForm(), lambda m, f: services.decline(db.session, current_user, m),
                         _("You said no. That is fine; we let the other person know kindly."))


@bp.route("/matches/<int:match_id>/cancel", methods=["POST"])
@login_required
def cancel(match_id: int):
    return _match_action(match_id, CancelForm(),
                         lambda m, f: services.cancel(db.session, current_user, m, f.reason.data),
                         _("The match is cancelled."), "cancel_form")


@bp.route("/matches/<int:match_id>/messages", methods=["POST"])
@login_required
def message(match_id: int):
    return _match_action(match_id, MessageForm(),
                         lambda m, f: services.post_message(db.session, current_user, m, f.body.data), "",
                         "message_form")


@bp.route("/matches/<int:match_id>/time", methods=["POST"])
@login_required
def agreed_time(match_id: int):
    def act(m, f):
        start = local_to_utc(f.day.data, f.at.data)
        if start < utcnow() - timedelta(hours=1):
            raise DomainError(_("This moment has already passed."))
        services.set_agreed_start(db.session, current_user, m, start)

    return _match_action(match_id, AgreedTimeForm(), act, _("The appointment is saved."), "time_form")


def _minutes(hours: Decimal | None) -> int | None:
    return None if hours is None else int(round(float(hours) * 60))


@bp.route("/matches/<int:match_id>/done", methods=["POST"])
@login_required
def done(match_id: int):
    return _match_action(match_id, DoneForm(),
                         lambda m, f: services.mark_done(db.session, current_user, m, _minutes(f.hours.data),
                                                         km=f.km.data),
                         _("Thank you! The other person will confirm it."), "done_form")


@bp.route("/matches/<int:match_id>/confirm", methods=["POST"])
@login_required
def confirm(match_id: int):
    return _match_action(match_id, ConfirmDoneForm(),
                         lambda m, f: services.confirm_done(db.session, current_user, m, _minutes(f.hours.data),
                                                            km=f.km.data),
                         _("Confirmed. Thank you for helping each other!"), "confirm_form")


@bp.route("/matches/<int:match_id>/thanks", methods=["POST"])
@login_required
def thanks(match_id: int):
    return _match_action(match_id, ThanksForm(),
                         lambda m, f: services.thank(db.session, current_user, m, f.thanks_note.data),
                         _("Your thank-you note is sent."), "thanks_form")


@bp.route("/matches/<int:match_id>/calendar.ics")
@login_required
def calendar(match_id: int):
    from buurthulp.posts.calendar import match_calendar

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
        services.report(db.session, current_user, form.reason.data, message=msg)
    except DomainError as exc:
        return _match_page(m, exc)
    db.session.commit()
    flash(_("Thank you. A broker of the neighbourhood will look at it."), "success")
    return redirect(url_for("posts.match", match_id=m.id))


# --- notifications, neighbours, reports -----------------------------------------------------------

@bp.route("/notifications")
@login_required
def notifications():
    items = db.session.scalars(
        sa.select(Notification).where(Notification.neighbour_id == current_user.id)
        .options(so.joinedload(Notification.actor), so.joinedload(Notification.post))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(100)
    ).all()
    return render_template("posts/notifications.html", items=items, form=EmptyForm())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.execute(sa.update(Notification).where(
        Notification.neighbour_id == current_user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for("posts.notifications"))


@bp.route("/neighbours/<int:neighbour_id>")
@login_required
def neighbour(neighbour_id: int):
    """A neighbour's profile, for the people ``access.may_see_profile`` names; 404 for anyone else."""
    person = access.require_profile(neighbour_id)
    me = current_user
    blocked_by_me = db.session.get(Block, (me.id, person.id)) is not None
    stmt = sa.select(ThankYou).where(ThankYou.helper_id == person.id).options(so.joinedload(ThankYou.author))
    if person.id != me.id:
        stmt = stmt.where(ThankYou.public)
    notes = db.session.scalars(stmt.order_by(ThankYou.created_at.desc()).limit(50)).all()
    return render_template("posts/neighbour.html", person=person, notes=notes, blocked_by_me=blocked_by_me,
                           is_me=person.id == me.id, form=EmptyForm())


@bp.route("/thanks/<int:thanks_id>/visibility", methods=["POST"])
@login_required
def thanks_visibility(thanks_id: int):
    note = db.get_or_404(ThankYou, thanks_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.set_thanks_public(db.session, current_user, note, request.form.get("public") == "1")
    except NotAllowed:
        abort(403)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("posts.neighbour", neighbour_id=current_user.id))


@bp.route("/neighbours/<int:neighbour_id>/block", methods=["POST"])
@login_required
def block(neighbour_id: int):
    person = access.require_profile(neighbour_id)  # nobody learns a name they could not see
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.block(db.session, current_user, person)
    except DomainError:
        abort(400)
    db.session.commit()
    flash(_("%(name)s is blocked. You will not see each other's posts any more.", name=person.display_name), "success")
    return redirect(url_for("posts.neighbour", neighbour_id=person.id))


@bp.route("/neighbours/<int:neighbour_id>/unblock", methods=["POST"])
@login_required
def unblock(neighbour_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.unblock(db.session, current_user, neighbour_id)
    db.session.commit()
    flash(_("The block is lifted."), "success")
    return redirect(url_for("posts.neighbour", neighbour_id=neighbour_id))


@bp.route("/reports")
@login_required
def reports():
    hood_ids = access.moderated_neighbourhood_ids(db.session, current_user)
    if hood_ids is not None and not hood_ids:
        abort(403)
    stmt = (sa.select(Report).where(Report.resolved_at.is_(None))
            .options(so.joinedload(Report.post).joinedload(Post.author), so.joinedload(Report.message),
                     so.joinedload(Report.reporter))
            .order_by(Report.created_at))
    if hood_ids is not None:
        stmt = stmt.where(Report.neighbourhood_id.in_(hood_ids))
    return render_template("posts/reports.html", reports=db.session.scalars(stmt).all(), form=EmptyForm())


@bp.route("/reports/<int:report_id>/resolve", methods=["POST"])
@login_required
def resolve(report_id: int):
    item = db.get_or_404(Report, report_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.resolve_report(db.session, current_user, item)
    except NotAllowed:
        abort(403)
    except DomainError:
        abort(409)
    db.session.commit()
    flash(_("The report is handled."), "success")
    return redirect(url_for("posts.reports"))

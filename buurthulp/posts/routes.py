"""Pages for posts: putting one up, changing, closing and renewing it, its page, responding, the nearby feed.

The pages of matches (``match_routes``) and of people, notifications and reports (``people_routes``) are on the
same blueprint; this module, which create_app imports, brings them in.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.accounts import photos
from buurthulp.categories import Category, slots_in
from buurthulp.circles.models import Circle
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, id_or_none
from buurthulp.input import page_arg
from buurthulp.neighbourhoods.services import visible_categories
from buurthulp.places.services import public_place
from buurthulp.posts import bp, matches, moderation, services
from buurthulp.posts.display import TEMPLATE_HELPERS
from buurthulp.posts.forms import FeedFilterForm, PostForm, ReportForm, RespondForm
from buurthulp.posts.models import Match, MatchStatus, Post, PostKind
from buurthulp.posts.notifications import notification_path, notification_text
from buurthulp.timeutil import local_today

FEED_PAGE_SIZE = 20


@bp.record_once
def register_template_helpers(state):
    # Globals, not a context processor: imported macros (posts/_card.html) see them too.
    state.app.jinja_env.globals.update(TEMPLATE_HELPERS, notification_text=notification_text,
                                       notification_path=notification_path)


def _post_or_404(post_id: int) -> Post:
    post = db.session.scalar(sa.select(Post).where(Post.id == post_id)
                             .options(so.joinedload(Post.author), so.joinedload(Post.neighbourhood)))
    if post is None or not access.may_see_post(db.session, current_user, post):
        abort(404)
    return post


# --- posts --------------------------------------------------------------------------------------

@bp.route("/posts/new", methods=["GET", "POST"])
@login_required
def new():
    form = PostForm(categories=visible_categories(db.session, current_user.neighbourhood_id),
                    circles=services.circles_to_ask(db.session, current_user))
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
            if post.circle_id is None:
                flash(_("Your post is online. Neighbours nearby can see it now."), "success")
            else:
                flash(_("Your ask is online. Your circle can see it now."), "success")
            return redirect(url_for("posts.detail", post_id=post.id))
    status = 400 if request.method == "POST" else 200
    return render_template("posts/form.html", form=form, post=None, going_to=going_to), status


def _going_to(place_id: str | None):
    """The public place a new "ga mee" post is about, if the form carries one."""
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
        responses = [m for m in rows if m.status != MatchStatus.SUGGESTED and not matches.unanswered(m)]
        if post.is_ask:
            suggestions = sorted((m for m in rows if m.status == MatchStatus.SUGGESTED), key=lambda m: (-m.score, m.id))
    my_match = None
    if not is_author:
        my_match = db.session.scalar(sa.select(Match).where(
            sa.or_(Match.ask_id == post.id, Match.offer_id == post.id),
            sa.or_(Match.asker_id == viewer.id, Match.helper_id == viewer.id)).limit(1))
    if my_match is not None and matches.unanswered(my_match):
        my_match = None  # a suggestion that ended unanswered: they may respond like anyone nearby
    suggested_to_me = my_match is not None and my_match.status == MatchStatus.SUGGESTED
    now = utcnow()
    can_respond = ((my_match is None or suggested_to_me)
                   and access.respond_refusal(db.session, viewer, post, now) is None)
    # the circle an ask was posted to is for the author and the circle to know, not for the neighbourhood
    circle = (db.session.get(Circle, post.circle_id)
              if post.circle_id is not None and (is_author or access.in_post_circle(db.session, viewer, post))
              else None)
    return render_template(
        "posts/detail.html", post=post, is_author=is_author, responses=responses, suggestions=suggestions,
        my_match=None if suggested_to_me else my_match, suggested_to_me=suggested_to_me,
        can_respond=can_respond, show_private=access.may_see_private_details(db.session, viewer, post),
        can_moderate=access.moderates(db.session, viewer, post.neighbourhood_id),
        author_profile=access.may_see_profile(db.session, viewer, post.author),
        photos=photos.visible_photos(db.session, viewer, [post.author]),
        respond_form=respond_form or RespondForm(), report_form=report_form or ReportForm(), form=EmptyForm(),
        circle=circle, now=now,
    ), status


@bp.route("/posts/<int:post_id>/respond", methods=["POST"])
@login_required
def respond(post_id: int):
    post = _post_or_404(post_id)
    form = RespondForm()
    if not form.validate_on_submit():
        return _detail_page(post, DomainError(_("Please check your message.")), respond_form=form)
    try:
        match = matches.respond(db.session, current_user, post, form.note.data or "")
    except DomainError as exc:
        return _detail_page(post, exc)
    db.session.commit()
    if match.status == MatchStatus.ACCEPTED:
        flash(_("Thank you! You are helping %(name)s now. Make an appointment together.",
                name=post.author.display_name), "success")
    elif post.is_ask:
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
        moderation.report(db.session, current_user, form.reason.data, post=post)
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
        moderation.hide_post(db.session, current_user, post)
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
        # Nonsense in the address (an old or mistyped link, a hidden kind of help): that filter falls back to
        # "all" and the feed shows, as the form will show it.
        for f in form:
            if f.errors:
                f.data, f.errors = f.default, []
    filters = services.FeedFilters(
        kind=PostKind(form.kind.data) if form.kind.data else None,
        category=Category(form.category.data) if form.category.data else None,
        max_metres=int(form.distance.data) if form.distance.data else None,
        within_days=int(form.when.data) if form.when.data else None,
    )
    pagination = services.feed_page(db.session, current_user, filters, utcnow(), page_arg(), FEED_PAGE_SIZE)
    filtered = any(f for f in (form.kind.data, form.category.data, form.distance.data, form.when.data))
    return render_template("posts/feed.html", pagination=pagination, form=form, filtered=filtered,
                           photos=photos.visible_photos(db.session, current_user, [p.author_id for p in pagination.items]))


@bp.route("/my/posts")
@login_required
def mine():
    posts = db.session.scalars(
        sa.select(Post).where(Post.author_id == current_user.id)
        .options(so.joinedload(Post.neighbourhood)).order_by(Post.created_at.desc())
    ).all()
    all_matches = matches.matches_of(db.session, current_user)
    mine_ = [m for m in all_matches if not (m.status == MatchStatus.SUGGESTED and m.helper_id == current_user.id)]
    suggested_to_me = [m for m in all_matches if m.status == MatchStatus.SUGGESTED and m.helper_id == current_user.id]
    return render_template("posts/mine.html", posts=posts, matches=mine_, suggested_to_me=suggested_to_me)


# The pages of matches and of people register on the same blueprint when create_app imports this module.
from buurthulp.posts import match_routes, people_routes  # noqa: E402, F401

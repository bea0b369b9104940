"""The broker's workspace: the queue, an ask, a match, neighbours and proxy neighbours, print-outs."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.access import (
    require_broker,
    require_broker_for,
    require_broker_match,
    require_broker_post,
    require_proxy_of,
)
from buurthulp.accounts import photos
from buurthulp.accounts.models import Neighbour
from buurthulp.broker import bp, services
from buurthulp.broker.forms import (
    BrokerMatchForm,
    ConsentForm,
    FollowUpForm,
    NoteForm,
    ProxyForm,
    ProxyPhotoForm,
    ReferralForm,
)
from buurthulp.broker.models import BrokerNote, ConsentDecision, FollowUp, FollowUpOutcome, ProxyConsent, Referral
from buurthulp.categories import mask_of
from buurthulp.db import utcnow
from buurthulp.digest.services import digest_for
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.neighbourhoods.services import visible_categories
from buurthulp.places.models import Place as LivingPlace
from buurthulp.places.services import places_for_referral, review_count
from buurthulp.posts import matches as match_flow
from buurthulp.posts.forms import PostForm
from buurthulp.posts.models import Match, MatchStatus, Post, PostStatus
from buurthulp.timeutil import local_today, to_local
from buurthulp.web import refused


@bp.route("/")
@login_required
def index():
    initiatives = services.broker_initiatives(db.session, current_user)
    if not initiatives:
        abort(403)
    if len(initiatives) == 1:
        return redirect(url_for("broker.queue", slug=initiatives[0].slug))
    return render_template("broker/index.html", initiatives=initiatives)


@bp.route("/<slug>")
@login_required
def queue(slug: str):
    initiative = require_broker(slug)
    config = current_app.config
    items = services.queue(db.session, initiative, utcnow(), stale_days=config["BROKER_STALE_DAYS"],
                           follow_up_days=config["BROKER_FOLLOW_UP_DAYS"])
    return render_template("broker/queue.html", initiative=initiative, now=utcnow(),
                           stale_days=config["BROKER_STALE_DAYS"],
                           places_waiting=review_count(db.session, current_user, utcnow()), **items)


# --- an ask -------------------------------------------------------------------------------------

def _ask_page(initiative, post: Post, status: int = 200, match_form=None, referral_form=None, note_form=None):
    query = request.args.get("q", "")
    suggestions = db.session.scalars(
        sa.select(Match).where(Match.ask_id == post.id, access.match_served_by(initiative))
        .options(so.joinedload(Match.helper))
        .order_by(Match.score.desc(), Match.id)
    ).all()
    found = services.search_neighbours(db.session, initiative, query) if query else []
    likers = [] if query else services.likers_nearby(db.session, initiative, post)
    referrals = db.session.scalars(sa.select(Referral).where(Referral.post_id == post.id)
                                   .options(so.joinedload(Referral.broker)).order_by(Referral.created_at.desc())).all()
    notes = services.notes_for(db.session, initiative, neighbour_id=post.author_id)
    return render_template(
        "broker/ask.html", initiative=initiative, post=post, suggestions=suggestions, found=found, likers=likers,
        query=query, referrals=referrals, notes=notes, match_form=match_form or BrokerMatchForm(),
        referral_form=referral_form or ReferralForm(places=_referral_places(initiative)), note_form=note_form or NoteForm(), form=EmptyForm(),
    ), status


def _referral_places(initiative):
    return places_for_referral(db.session, [n.id for n in initiative.neighbourhoods])


@bp.route("/<slug>/asks/<int:post_id>")
@login_required
def ask(slug: str, post_id: int):
    initiative = require_broker(slug)
    return _ask_page(initiative, require_broker_post(initiative, post_id))


@bp.route("/<slug>/asks/<int:post_id>/match", methods=["POST"])
@login_required
def make_match(slug: str, post_id: int):
    initiative = require_broker(slug)
    post = require_broker_post(initiative, post_id)
    form = BrokerMatchForm()
    if not valid_submission(form):
        return _ask_page(initiative, post, 400, match_form=form)
    helper = require_broker_for(initiative, form.helper_id.data)
    try:
        match = services.broker_match(db.session, current_user, initiative, post, helper, note=form.note.data or "")
    except DomainError as exc:
        return _ask_page(initiative, post, refused(exc), match_form=form)
    db.session.commit()
    flash(_("The match is proposed to %(a)s and %(b)s. Both say yes or no.", a=post.author.display_name,
            b=helper.display_name), "success")
    return redirect(url_for("broker.match", slug=slug, match_id=match.id))


@bp.route("/<slug>/asks/<int:post_id>/referral", methods=["POST"])
@login_required
def referral(slug: str, post_id: int):
    initiative = require_broker(slug)
    post = require_broker_post(initiative, post_id)
    form = ReferralForm(places=_referral_places(initiative))
    if not valid_submission(form):
        return _ask_page(initiative, post, 400, referral_form=form)
    try:
        place = db.session.get(LivingPlace, form.place_id.data) if form.place_id.data else None
        services.refer(db.session, current_user, initiative, post, organisation=form.organisation.data or "",
                       note=form.along.data or "", place=place)
    except DomainError as exc:
        return _ask_page(initiative, post, refused(exc), referral_form=form)
    db.session.commit()
    flash(_("The referral is saved."), "success")
    return redirect(url_for("broker.ask", slug=slug, post_id=post.id))


# --- a match ------------------------------------------------------------------------------------

def _match_page(initiative, match: Match, status: int = 200, **forms):
    consents = db.session.scalars(sa.select(ProxyConsent).where(ProxyConsent.match_id == match.id)
                                  .options(so.joinedload(ProxyConsent.broker)).order_by(ProxyConsent.recorded_at)).all()
    follow_up = db.session.scalar(sa.select(FollowUp).where(FollowUp.match_id == match.id))
    return render_template(
        "broker/match.html", initiative=initiative, match=match, post=match.post, consents=consents,
        follow_up=follow_up, notes=services.notes_for(db.session, initiative, match_id=match.id),
        served=services.served_ids(db.session, initiative, (match.asker_id, match.helper_id)),
        waiting=match_flow.waiting_for(match), to_local=to_local,
        consent_form=forms.get("consent_form") or ConsentForm(), follow_up_form=forms.get("follow_up_form") or FollowUpForm(),
        note_form=forms.get("note_form") or NoteForm(),
    ), status


@bp.route("/<slug>/matches/<int:match_id>")
@login_required
def match(slug: str, match_id: int):
    initiative = require_broker(slug)
    return _match_page(initiative, require_broker_match(initiative, match_id))


@bp.route("/<slug>/matches/<int:match_id>/consent/<int:proxy_id>", methods=["POST"])
@login_required
def consent(slug: str, match_id: int, proxy_id: int):
    initiative = require_broker(slug)
    m = require_broker_match(initiative, match_id)
    proxy = require_proxy_of(initiative, proxy_id)
    form = ConsentForm()
    if not valid_submission(form):
        return _match_page(initiative, m, 400, consent_form=form)
    try:
        services.answer_for_proxy(db.session, current_user, initiative, m, proxy,
                                  decision=ConsentDecision(form.decision.data), note=form.note.data)
    except DomainError as exc:
        return _match_page(initiative, m, refused(exc), consent_form=form)
    db.session.commit()
    flash(_("The answer of %(name)s is recorded.", name=proxy.display_name), "success")
    return redirect(url_for("broker.match", slug=slug, match_id=m.id))


@bp.route("/<slug>/matches/<int:match_id>/follow-up", methods=["POST"])
@login_required
def follow_up(slug: str, match_id: int):
    initiative = require_broker(slug)
    m = require_broker_match(initiative, match_id)
    form = FollowUpForm()
    if not valid_submission(form):
        return _match_page(initiative, m, 400, follow_up_form=form)
    try:
        services.record_follow_up(db.session, current_user, initiative, m, outcome=FollowUpOutcome(form.outcome.data),
                                  note=form.note.data or "")
    except DomainError as exc:
        return _match_page(initiative, m, refused(exc), follow_up_form=form)
    db.session.commit()
    flash(_("The follow-up is recorded."), "success")
    return redirect(url_for("broker.queue", slug=slug))


@bp.route("/<slug>/matches/<int:match_id>/notes", methods=["POST"])
@login_required
def match_note(slug: str, match_id: int):
    initiative = require_broker(slug)
    m = require_broker_match(initiative, match_id)
    form = NoteForm()
    if not valid_submission(form):
        return _match_page(initiative, m, 400, note_form=form)
    services.add_note(db.session, current_user, initiative, form.body.data, match=m)
    db.session.commit()
    flash(_("The note is saved."), "success")
    return redirect(url_for("broker.match", slug=slug, match_id=m.id))


# --- neighbours and proxy neighbours ------------------------------------------------------------

@bp.route("/<slug>/neighbours")
@login_required
def neighbours(slug: str):
    initiative = require_broker(slug)
    query = request.args.get("q", "")
    found = services.search_neighbours(db.session, initiative, query, limit=50)
    proxies = db.session.scalars(sa.select(Neighbour).where(access.served_by(initiative),
                                                            Neighbour.proxy_initiative_id == initiative.id)
                                 .order_by(Neighbour.display_name)).all()
    return render_template("broker/neighbours.html", initiative=initiative, found=found, query=query, proxies=proxies)


def _neighbour_page(initiative, person: Neighbour, status: int = 200, note_form=None, photo_form=None):
    posts_ = db.session.scalars(sa.select(Post).where(Post.author_id == person.id)
                                .order_by(Post.created_at.desc()).limit(50)).all()
    matches = services.matches_served(db.session, initiative, person)
    photo = photos.photo_of(db.session, person)
    return render_template("broker/neighbour.html", initiative=initiative, person=person, posts=posts_,
                           matches=matches, notes=services.notes_for(db.session, initiative, neighbour_id=person.id),
                           note_form=note_form or NoteForm(), photo_form=photo_form or ProxyPhotoForm(formdata=None),
                           photo=photos.version(photo.updated_at) if photo else None,
                           photo_consent=photos.consent_text(photo.consent_note) if photo else ""), status


@bp.route("/<slug>/neighbours/<int:neighbour_id>")
@login_required
def neighbour(slug: str, neighbour_id: int):
    initiative = require_broker(slug)
    return _neighbour_page(initiative, require_broker_for(initiative, neighbour_id))


@bp.route("/<slug>/neighbours/<int:neighbour_id>/notes", methods=["POST"])
@login_required
def neighbour_note(slug: str, neighbour_id: int):
    initiative = require_broker(slug)
    person = require_broker_for(initiative, neighbour_id)
    form = NoteForm()
    if not valid_submission(form):
        return _neighbour_page(initiative, person, 400, note_form=form)
    services.add_note(db.session, current_user, initiative, form.body.data, neighbour=person)
    db.session.commit()
    flash(_("The note is saved."), "success")
    return redirect(url_for("broker.neighbour", slug=slug, neighbour_id=person.id))


@bp.route("/<slug>/proxies/new", methods=["GET", "POST"])
@login_required
def new_proxy(slug: str):
    initiative = require_broker(slug)
    form = ProxyForm()
    if form.validate_on_submit():
        slots = [tuple(int(x) for x in v.split("-")) for v in form.availability.data or []]
        try:
            proxy = services.add_proxy(db.session, current_user, initiative, name=form.name.data,
                                       contact_route=form.contact_route.data, postcode=form.postcode.data,
                                       likes=form.likes.data, needs=form.needs.data, availability=mask_of(slots))
        except DomainError as exc:
            db.session.rollback()
            form.postcode.errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("%(name)s is added. You can now post asks and offers for them.", name=proxy.display_name),
                  "success")
            return redirect(url_for("broker.neighbour", slug=slug, neighbour_id=proxy.id))
    status = 400 if request.method == "POST" else 200
    return render_template("broker/proxy_form.html", initiative=initiative, form=form), status


@bp.route("/<slug>/neighbours/<int:neighbour_id>/posts/new", methods=["GET", "POST"])
@login_required
def proxy_post(slug: str, neighbour_id: int):
    initiative = require_broker(slug)
    proxy = require_proxy_of(initiative, neighbour_id)
    form = PostForm(categories=visible_categories(db.session, proxy.neighbourhood_id))
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in ("ask", "offer") else None
        today = local_today()
        form.period_start.data, form.period_end.data = today, today + timedelta(days=14)
    if form.validate_on_submit():
        try:
            post = services.post_for_proxy(db.session, current_user, initiative, proxy, form.to_input())
        except DomainError as exc:
            db.session.rollback()
            form.timing_field().errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("The post for %(name)s is online.", name=proxy.display_name), "success")
            return redirect(url_for("broker.neighbour", slug=slug, neighbour_id=proxy.id, _anchor=f"post-{post.id}"))
    status = 400 if request.method == "POST" else 200
    return render_template("broker/proxy_post.html", initiative=initiative, proxy=proxy, form=form), status


@bp.route("/<slug>/neighbours/<int:neighbour_id>/export")
@login_required
def proxy_export(slug: str, neighbour_id: int):
    """A proxy neighbour's data, for the broker to hand over when they ask for it."""
    initiative = require_broker(slug)
    proxy = require_proxy_of(initiative, neighbour_id)
    body = json.dumps(services.export_proxy(db.session, current_user, initiative, proxy), ensure_ascii=False,
                      indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="buurthulp-{proxy.id}.json"'})


@bp.route("/<slug>/neighbours/<int:neighbour_id>/delete", methods=["POST"])
@login_required
def proxy_delete(slug: str, neighbour_id: int):
    """Delete a proxy neighbour's personal data when they ask for it."""
    initiative = require_broker(slug)
    proxy = require_proxy_of(initiative, neighbour_id)
    form = EmptyForm()
    if not valid_submission(form):
        abort(400)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that %(name)s asked for this.", name=proxy.display_name), "error")
        return _neighbour_page(initiative, proxy, 400)
    name = proxy.display_name
    services.delete_proxy(db.session, current_user, initiative, proxy)
    db.session.commit()
    flash(_("The personal data of %(name)s are deleted.", name=name), "success")
    return redirect(url_for("broker.neighbours", slug=slug))


@bp.route("/<slug>/neighbours/<int:neighbour_id>/photo", methods=["POST"])
@login_required
def proxy_photo(slug: str, neighbour_id: int):
    """Add or change a proxy neighbour's photo, with how and when they agreed to it."""
    initiative = require_broker(slug)
    proxy = require_proxy_of(initiative, neighbour_id)
    form = ProxyPhotoForm()
    if valid_submission(form):
        try:
            photos.set_photo(db.session, proxy, form.photo.data.read(photos.MAX_UPLOAD_BYTES + 1),
                             added_by=current_user, consent=photos.consent_note(form.way.data, form.agreed_on.data))
        except photos.PhotoRefused as exc:
            db.session.rollback()
            form.photo.errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("The photo of %(name)s is saved.", name=proxy.display_name), "success")
            return redirect(url_for("broker.neighbour", slug=slug, neighbour_id=proxy.id, _anchor="photo-heading"))
    return _neighbour_page(initiative, proxy, 400, photo_form=form)


def _proxy_photo_too_large():
    initiative = require_broker(request.view_args["slug"])
    proxy = require_proxy_of(initiative, request.view_args["neighbour_id"])
    form = ProxyPhotoForm(formdata=None)
    form.photo.errors = [str(photos.TOO_LARGE)]
    return _neighbour_page(initiative, proxy, 413, photo_form=form)


proxy_photo.too_large = _proxy_photo_too_large  # core.web's 413 handler: the form again, saying why


@bp.route("/<slug>/neighbours/<int:neighbour_id>/photo/remove", methods=["POST"])
@login_required
def proxy_photo_remove(slug: str, neighbour_id: int):
    initiative = require_broker(slug)
    proxy = require_proxy_of(initiative, neighbour_id)
    if not valid_submission(EmptyForm()):
        abort(400)
    if photos.remove_photo(db.session, proxy):
        db.session.commit()
        flash(_("The photo of %(name)s is removed.", name=proxy.display_name), "success")
    return redirect(url_for("broker.neighbour", slug=slug, neighbour_id=proxy.id, _anchor="photo-heading"))


@bp.route("/<slug>/neighbours/<int:neighbour_id>/print")
@login_required
def print_overview(slug: str, neighbour_id: int):
    """The paper digest for a neighbour without internet: large type, A4."""
    initiative = require_broker(slug)
    person = require_broker_for(initiative, neighbour_id)
    open_asks = db.session.scalars(sa.select(Post).where(Post.author_id == person.id, Post.status == PostStatus.OPEN)
                                   .order_by(Post.created_at)).all()
    matches = match_flow.matches_of(db.session, person)
    suggestions = {}
    for m in matches:
        if m.status in (MatchStatus.SUGGESTED, MatchStatus.PROPOSED) and m.asker_id == person.id:
            suggestions.setdefault(m.ask_id, []).append(m)
    coming = [m for m in matches if m.status == MatchStatus.ACCEPTED]
    # the latest broker note per match says how the broker will connect them
    notes = {}
    for note in db.session.scalars(sa.select(BrokerNote).where(
            BrokerNote.initiative_id == initiative.id, BrokerNote.match_id.in_([m.id for m in matches]))
            .order_by(BrokerNote.created_at)):
        notes[note.match_id] = note
    content = digest_for(db.session, person, local_today())  # the same as the monthly mail
    content.matches = []  # the print-out lists the coming help itself
    return render_template("broker/print.html", initiative=initiative, person=person, open_asks=open_asks,
                           suggestions=suggestions, coming=coming, notes=notes, to_local=to_local,
                           today=local_today(), content=content)


from buurthulp.broker import figures_routes  # noqa: E402,F401  (the figures pages live on this blueprint too)

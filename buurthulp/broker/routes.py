"""The broker's workspace: an ask (who is on it, choosing a helper), a match; the queue (``queue_routes``), the pages of
people (``people_routes``), acting for a proxy neighbour (``proxy_routes``) and the figures
(``figures_routes``) are on the same blueprint, brought in here."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp.access import (
    require_broker,
    require_broker_for,
    require_broker_match,
    require_broker_post,
    require_proxy_of,
)
from buurthulp.accounts.models import Neighbour
from buurthulp.broker import bp, services
from buurthulp.broker import queue as q
from buurthulp.broker.candidates import candidates
from buurthulp.broker.forms import BrokerMatchForm, ConsentForm, FollowUpForm, NoteForm, ReferralForm
from buurthulp.broker.models import ConsentDecision, FollowUp, FollowUpOutcome, ProxyConsent, Referral
from buurthulp.broker.queue_forms import HandOverForm
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.places.models import Place as LivingPlace
from buurthulp.places.services import places_for_referral
from buurthulp.posts import matches as match_flow
from buurthulp.posts.models import Match, Post
from buurthulp.timeutil import to_local
from buurthulp.web import refused, safe_next


@bp.route("/")
@login_required
def index():
    initiatives = services.broker_initiatives(db.session, current_user)
    if not initiatives:
        abort(403)
    if len(initiatives) == 1:
        return redirect(url_for("broker.queue", slug=initiatives[0].slug))
    return render_template("broker/index.html", initiatives=initiatives)


# --- an ask -------------------------------------------------------------------------------------

def _ask_page(initiative, post: Post, status: int = 200, match_form=None, referral_form=None, note_form=None,
              hand_over_form=None):
    query = request.args.get("q", "")
    helpers = candidates(db.session, initiative, post, utcnow(), query=query)
    referrals = db.session.scalars(sa.select(Referral).where(Referral.post_id == post.id)
                                   .options(so.joinedload(Referral.broker)).order_by(Referral.created_at.desc())).all()
    notes = services.notes_for(db.session, initiative, neighbour_id=post.author_id)
    colleagues = q.colleagues(db.session, initiative, current_user)
    return render_template(
        "broker/ask.html", initiative=initiative, post=post, candidates=helpers, query=query, referrals=referrals,
        notes=notes, match_form=match_form or BrokerMatchForm(), claim=q.claim_of(db.session, initiative, post),
        colleagues=colleagues, hand_over_form=hand_over_form or HandOverForm(colleagues=colleagues),
        referral_form=referral_form or ReferralForm(places=_referral_places(initiative)),
        note_form=note_form or NoteForm(), form=EmptyForm(),
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


# --- who is on it -------------------------------------------------------------------------------

def _claim_action(slug: str, post_id: int, action, form_class=EmptyForm):
    """A claim button: do it and go back to where it was pressed; refused, the ask's page says why."""
    initiative = require_broker(slug)
    post = require_broker_post(initiative, post_id)
    form = form_class(colleagues=q.colleagues(db.session, initiative, current_user)) \
        if form_class is HandOverForm else form_class()
    if not valid_submission(form):
        return _ask_page(initiative, post, 400, **({"hand_over_form": form} if form_class is HandOverForm else {}))
    try:
        message = action(initiative, post, form)
    except DomainError as exc:
        return _ask_page(initiative, post, refused(exc))
    db.session.commit()
    flash(message, "success")
    return redirect(safe_next(request.form.get("next")) or url_for("broker.ask", slug=slug, post_id=post.id))


@bp.route("/<slug>/asks/<int:post_id>/claim", methods=["POST"])
@login_required
def claim(slug: str, post_id: int):
    def action(initiative, post, form):
        q.claim(db.session, current_user, initiative, post)
        return _("You are on it: the other brokers see that you handle this ask.")
    return _claim_action(slug, post_id, action)


@bp.route("/<slug>/asks/<int:post_id>/release", methods=["POST"])
@login_required
def release(slug: str, post_id: int):
    def action(initiative, post, form):
        q.release(db.session, current_user, initiative, post)
        return _("You let it go: nobody handles this ask now.")
    return _claim_action(slug, post_id, action)


@bp.route("/<slug>/asks/<int:post_id>/hand-over", methods=["POST"])
@login_required
def hand_over(slug: str, post_id: int):
    def action(initiative, post, form):
        colleague = db.session.get(Neighbour, form.colleague_id.data)
        q.hand_over(db.session, current_user, initiative, post, colleague)
        return _("%(name)s handles this ask now.", name=colleague.display_name)
    return _claim_action(slug, post_id, action, HandOverForm)


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


# the pages of neighbours and proxy neighbours, and the figures, live on this blueprint too
from buurthulp.broker import (  # noqa: E402,F401
    activity_routes,
    figures_routes,
    networks_routes,
    people_routes,
    proxy_routes,
    queue_routes,
)

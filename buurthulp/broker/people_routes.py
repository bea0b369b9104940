"""The broker's workspace: neighbours and proxy neighbours (registering them with their consent, their page with
what brokers did for them, notes, posts, photo, export and deletion), the phone list and the paper overview."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.access import require_broker, require_broker_for, require_proxy_of
from buurthulp.accounts import photos
from buurthulp.accounts.models import Neighbour
from buurthulp.accounts.photos import CONSENT_WAYS
from buurthulp.activities.dates import when_label as activity_when
from buurthulp.activities.lifts import place_text
from buurthulp.broker import bp, proxies, services
from buurthulp.broker.activities import signed_up_dates
from buurthulp.broker.forms import NoteForm, ProxyForm, ProxyPhotoForm
from buurthulp.broker.models import BrokerNote
from buurthulp.categories import mask_of
from buurthulp.db import utcnow
from buurthulp.digest.services import digest_for
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission
from buurthulp.neighbourhoods.services import visible_categories
from buurthulp.posts import matches as match_flow
from buurthulp.posts.forms import PostForm
from buurthulp.posts.models import MatchStatus, Post, PostStatus
from buurthulp.timeutil import local_today, to_local
from buurthulp.web import refused


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
    registration = proxies.registration_of(db.session, person) if person.is_proxy else None
    actions = proxies.actions_for(db.session, person) if person.is_proxy else []
    return render_template("broker/neighbour.html", initiative=initiative, person=person, posts=posts_,
                           matches=matches, notes=services.notes_for(db.session, initiative, neighbour_id=person.id),
                           registration=registration, actions=actions, consent_ways=CONSENT_WAYS,
                           log_length=proxies.LOG_LENGTH,
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
    """Register a neighbour without internet, with their consent; the form sent twice registers them once."""
    initiative = require_broker(slug)
    form = ProxyForm()
    if request.method == "GET":
        form.key.data = secrets.token_urlsafe(24)
    elif valid_submission(form):  # a missing or too long key is a plain 400: the person cannot correct it
        slots = [tuple(int(x) for x in v.split("-")) for v in form.availability.data or []]
        try:
            proxy, created = proxies.register_proxy(
                db.session, current_user, initiative, key=form.key.data, asked_by=form.asked_by.data,
                consent_way=form.consent_way.data, consent_on=form.consent_on.data, agreed=form.agreed.data,
                name=form.name.data, contact_route=form.contact_route.data, postcode=form.postcode.data,
                likes=form.likes.data, needs=form.needs.data, availability=mask_of(slots))
        except proxies.PostcodeRefused as exc:
            db.session.rollback()
            form.postcode.errors.append(str(exc.message))
        except DomainError as exc:
            return render_template("broker/proxy_form.html", initiative=initiative, form=form), refused(exc)
        else:
            db.session.commit()
            if created:
                flash(_("%(name)s is added. You can now post asks and offers for them.", name=proxy.display_name),
                      "success")
            else:
                flash(_("%(name)s was already added with this form.", name=proxy.display_name), "info")
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
        form.suggested_can_agree.data = False  # the broker ticks it only after asking the neighbour
        today = local_today()
        form.period_start.data, form.period_end.data = today, today + timedelta(days=14)
    if form.validate_on_submit():
        try:
            post = proxies.post_for(db.session, current_user, initiative, proxy, form.to_input())
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


def first_name(name: str) -> str:
    """The first word of a display name: on paper the helper is named by first name only."""
    words = (name or "").split()
    return words[0] if words else ""


def _print_contact(initiative) -> dict:
    """Whom the neighbour calls with questions: the printing broker when they have a phone number, else the
    initiative's e-mail address (the initiative has no phone number of its own)."""
    if current_user.phone:
        return {"name": current_user.display_name, "phone": current_user.phone}
    return {"name": current_user.display_name, "email": initiative.contact_email}


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
    coming = sorted((m for m in matches if m.status == MatchStatus.ACCEPTED),
                    key=lambda m: (m.agreed_start is None, m.agreed_start or m.accepted_at or m.created_at))
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
                           today=local_today(), content=content, first_name=first_name,
                           contact=_print_contact(initiative),
                           activity_dates=signed_up_dates(db.session, person, local_today()),
                           activity_when=activity_when, activity_place=place_text)


@bp.route("/<slug>/phone-list")
@login_required
def phone_list(slug: str):
    """The proxy neighbours to call, how to reach them and what waits for each: printable."""
    initiative = require_broker(slug)
    rows = proxies.phone_list(db.session, initiative, utcnow(), current_app.config["BROKER_FOLLOW_UP_DAYS"])
    return render_template("broker/phone_list.html", initiative=initiative, rows=rows, to_local=to_local,
                           today=local_today())

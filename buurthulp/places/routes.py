"""Pages of the living map: the list, the map, a place with its stories and "ga mee", adding, checking."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.categories import Category, Weekday
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.forms import valid_submission
from buurthulp.input import page_arg
from buurthulp.neighbourhoods.services import all_neighbourhoods
from buurthulp.places import bp, sections, services
from buurthulp.places.forms import FlagForm, PlaceForm, ReviewForm, SearchForm, StoryForm
from buurthulp.places.models import KIND_LABELS, Place, PlaceKind, PlaceStatus, Story
from buurthulp.posts.models import PostKind
from buurthulp.timeutil import local_today
from buurthulp.web import CONTENT_SECURITY_POLICY, refused


def _place_or_404(place_id: int) -> Place:
    place = services.place_or_none(db.session, place_id)
    if place is None or not services.can_see(db.session, current_user, place):
        abort(404)
    return place



# --- the list and the map -----------------------------------------------------------------------

def _search():
    neighbourhoods = all_neighbourhoods(db.session)
    form = SearchForm(request.args, neighbourhoods=neighbourhoods)
    if not form.validate():
        return form, [], 1, False, 400
    area = form.area.data or ""
    if area == "all":
        ids = None
    elif area:
        chosen = next((n for n in neighbourhoods if n.slug == area), None)
        ids = [chosen.id] if chosen else []
    else:
        ids = services.near(db.session, current_user)
    kind = PlaceKind(form.kind.data) if form.kind.data else None
    page = page_arg()
    places, has_next = services.listing(db.session, current_user, neighbourhood_ids=ids, kind=kind,
                                        q=form.q.data or "", page=page)
    return form, places, page, has_next, 200


@bp.route("/")
@login_required
def index():
    """Places and activities nearby, grouped by kind and neighbourhood, with search."""
    form, places, page, has_next, status = _search()
    return render_template("places/index.html", form=form, places=places, page=page, has_next=has_next,
                           KIND_LABELS=KIND_LABELS, map_on=bool(current_app.config["PLACES_TILE_URL"])), status


@bp.route("/map")
@login_required
def map_view():
    """The same places on a map, when a tile server is configured; the list stays below it."""
    tiles = current_app.config["PLACES_TILE_URL"]
    if not tiles:
        abort(404)
    form, places, page, has_next, status = _search()
    response = current_app.make_response((render_template(
        "places/map.html", form=form, places=places, page=page, has_next=has_next, KIND_LABELS=KIND_LABELS,
        tiles=tiles, attribution=current_app.config["PLACES_TILE_ATTRIBUTION"], map_on=True), status))
    parts = urlsplit(tiles)
    origin = f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"  # {s}: the tile server's subdomains
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "img-src 'self' data:", f"img-src 'self' data: {origin}")
    return response


# --- one place ----------------------------------------------------------------------------------

@bp.route("/<int:place_id>")
@login_required
def detail(place_id: int):
    return _detail_page(_place_or_404(place_id))


def _detail_page(place: Place, status: int = 200, story_form=None, flag_form=None):
    reviewer = services.reviews(db.session, current_user, place)
    return render_template(
        "places/detail.html", place=place, reviewer=reviewer,
        can_edit=services.can_edit(db.session, current_user, place),
        upcoming=services.upcoming(place, local_today()),
        stories=services.stories_of(db.session, place, current_user),
        flags=services.open_flags(db.session, place) if reviewer else [],
        along=services.going_along(db.session, place, current_user, utcnow()) if place.is_public else [],
        story_form=story_form or StoryForm(), flag_form=flag_form or FlagForm(), review_form=ReviewForm(),
        company=Category.COMPANY.value, PostKind=PostKind,
        sections=sections.sections_for(db.session, place, current_user)), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Any neighbour adds a place; a broker or coordinator checks it before it is public."""
    form = PlaceForm(neighbourhoods=all_neighbourhoods(db.session))
    if request.method == "GET" and current_user.neighbourhood_id:
        form.neighbourhood_id.data = current_user.neighbourhood_id
    status = 200
    if request.method == "POST":
        status = 400
        if valid_submission(form):
            try:
                place = services.add_place(db.session, current_user, form.to_input())
                db.session.commit()
            except DomainError as exc:
                status = refused(exc)
            else:
                if place.is_public:
                    flash(_("The place is on the map."), "success")
                else:
                    flash(_("Thank you! A broker or coordinator of the neighbourhood checks it; then everyone "
                            "can see it."), "success")
                return redirect(url_for("places.detail", place_id=place.id))
    return render_template("places/form.html", form=form, place=None), status


@bp.route("/<int:place_id>/edit", methods=["GET", "POST"])
@login_required
def edit(place_id: int):
    place = _place_or_404(place_id)
    if not services.can_edit(db.session, current_user, place):
        abort(403)
    form = PlaceForm(obj=place if request.method == "GET" else None, neighbourhoods=all_neighbourhoods(db.session))
    if request.method == "GET":
        form.kind.data = place.kind.value
        for row, activity in zip(form.activities, place.activities, strict=False):
            row.form.title.data, row.form.weekday.data = activity.title, str(activity.weekday)
            row.form.starts_at.data, row.form.ends_at.data = activity.starts_at, activity.ends_at
    status = 200
    if request.method == "POST":
        status = 400
        if valid_submission(form):
            try:
                services.update_place(db.session, current_user, place, form.to_input())
                db.session.commit()
            except DomainError as exc:
                status = refused(exc)
            else:
                flash(_("The changes are saved."), "success")
                return redirect(url_for("places.detail", place_id=place.id))
    return render_template("places/form.html", form=form, place=place), status


def _place_form_action(place_id: int, form, form_name: str, act, message: str, anchor: str = ""):
    """A form posted from a place's page: on a problem the page again with the form's message and a 4xx."""
    place = _place_or_404(place_id)
    if not valid_submission(form):
        return _detail_page(place, 400, **{form_name: form})
    try:
        act(place, form)
        db.session.commit()
    except DomainError as exc:
        return _detail_page(place, refused(exc), **{form_name: form})
    flash(message, "success")
    return redirect(url_for("places.detail", place_id=place.id) + anchor)


@bp.route("/<int:place_id>/stories", methods=["POST"])
@login_required
def story(place_id: int):
    return _place_form_action(
        place_id, StoryForm(), "story_form",
        lambda place, form: services.add_story(db.session, current_user, place, form.body.data),
        _("Thank you for your story."), "#stories")


@bp.route("/<int:place_id>/stories/<int:story_id>/remove", methods=["POST"])
@login_required
def remove_story(place_id: int, story_id: int):
    place = _place_or_404(place_id)
    item = db.session.scalar(sa.select(Story).where(Story.id == story_id, Story.place_id == place.id)) or abort(404)
    if not valid_submission(ReviewForm(action="remove")):
        abort(400)
    try:
        services.remove_story(db.session, current_user, item, place)
        db.session.commit()
    except DomainError as exc:
        return _detail_page(place, refused(exc))
    flash(_("The story is removed."), "success")
    return redirect(url_for("places.detail", place_id=place.id) + "#stories")


@bp.route("/<int:place_id>/flag", methods=["POST"])
@login_required
def flag(place_id: int):
    return _place_form_action(
        place_id, FlagForm(), "flag_form",
        lambda place, form: services.flag(db.session, current_user, place, form.note.data),
        _("Thank you. A broker or coordinator will check it."))


@bp.route("/<int:place_id>/review", methods=["POST"])
@login_required
def review(place_id: int):
    place = _place_or_404(place_id)
    form = ReviewForm()
    if not valid_submission(form):
        abort(400)
    try:
        services.review(db.session, current_user, place, form.action.data)
        db.session.commit()
    except DomainError as exc:
        return _detail_page(place, refused(exc))
    messages = {"approve": _("The place is public now."), "confirm": _("Confirmed: the place is still right."),
                "hide": _("The place is hidden.")}
    flash(messages[form.action.data], "success")
    return redirect(request.form.get("next") if request.form.get("next") == url_for("places.queue")
                    else url_for("places.detail", place_id=place.id))


@bp.route("/check")
@login_required
def queue():
    """The reviewers' queue: new places, flagged ones, and ones not confirmed for six months."""
    if not (current_user.is_admin or access.moderated_neighbourhood_ids(db.session, current_user)):
        abort(403)
    items = services.review_queue(db.session, current_user, utcnow())
    return render_template("places/queue.html", queue=items, review_form=ReviewForm(), KIND_LABELS=KIND_LABELS,
                           PlaceStatus=PlaceStatus)


@bp.app_template_global()
def place_kind_label(kind) -> str:
    return str(KIND_LABELS[PlaceKind(kind)])


@bp.app_template_global()
def weekday_label(weekday: int) -> str:
    return Weekday(weekday).label


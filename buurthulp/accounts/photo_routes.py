"""Pages of the profile photo: one's own upload and removal, and the photo itself for whoever may see the profile.

On the accounts blueprint; ``accounts.routes`` brings this module in.
"""

from __future__ import annotations

import hashlib

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.accounts import bp, photos
from buurthulp.accounts.forms import PhotoForm
from buurthulp.accounts.models import Neighbour
from buurthulp.extensions import db
from buurthulp.forms import EmptyForm, valid_submission

# Dark enough for white initials at 4.5:1 and more (WCAG AA); static/css/buurthulp.css has .avatar-c0 ... c7.
AVATAR_COLOURS = 8
# A versioned address changes with the photo, so the viewer's own browser may keep it for a week.
VERSIONED_MAX_AGE = 7 * 24 * 60 * 60


def avatar_colour(neighbour_id: int) -> int:
    """A colour number for the initials circle, the same for a person on every page and every day."""
    return hashlib.sha256(str(neighbour_id).encode()).digest()[0] % AVATAR_COLOURS


def initials(name: str) -> str:
    """"Ria" → "R", "Ahmed B." → "AB", "mevrouw de Vries" → "MV"."""
    words = [w for w in (name or "").replace("-", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


@bp.record_once
def register_template_helpers(state):
    # Globals, not a context processor: the imported avatar macro sees them too.
    state.app.jinja_env.globals.update(avatar_colour=avatar_colour, initials=initials)


def _photo_page(form: PhotoForm, status: int = 200):
    photo = photos.photo_of(db.session, current_user)
    return render_template("accounts/photo.html", form=form, remove_form=EmptyForm(formdata=None), neighbour=current_user,
                           photo=photos.version(photo.updated_at) if photo else None), status


@bp.route("/profile/photo", methods=["GET", "POST"])
@login_required
def photo_upload():
    """Add or change one's own photo; a refused file is said on the form, with a 4xx."""
    if request.method == "GET":
        return _photo_page(PhotoForm())
    form = PhotoForm()
    if valid_submission(form):
        try:
            photos.set_photo(db.session, current_user, form.photo.data.read(photos.MAX_UPLOAD_BYTES + 1),
                             added_by=current_user)
        except photos.PhotoRefused as exc:
            db.session.rollback()
            form.photo.errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("Your photo is saved."), "success")
            return redirect(url_for("accounts.profile", _anchor="photo-heading"))
    return _photo_page(form, 400)


def _too_large_upload():
    form = PhotoForm(formdata=None)
    form.photo.errors = [str(photos.TOO_LARGE)]
    return _photo_page(form, 413)


photo_upload.too_large = _too_large_upload  # core.web's 413 handler: the form again, saying why


@bp.route("/profile/photo/remove", methods=["POST"])
@login_required
def photo_remove():
    if not valid_submission(EmptyForm()):
        abort(400)
    if photos.remove_photo(db.session, current_user):
        db.session.commit()
        flash(_("Your photo is removed."), "success")
    return redirect(url_for("accounts.profile", _anchor="photo-heading"))


@bp.route("/neighbours/<int:neighbour_id>/photo")
def photo(neighbour_id: int):
    """The photo, for whoever may see the profile (``access.may_see_profile``); 404 for anyone else, anonymous
    visitors included, as if there were none."""
    person = db.session.get(Neighbour, neighbour_id)
    if person is None or not access.may_see_profile(db.session, current_user, person):
        abort(404)
    stored = photos.photo_of(db.session, person)
    if stored is None:
        abort(404)
    response = make_response(stored.image)
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["X-Content-Type-Options"] = "nosniff"
    current = str(photos.version(stored.updated_at))
    # Private: kept by the viewer's browser only, never by a shared cache; long only at the photo's own version.
    response.headers["Cache-Control"] = (f"private, max-age={VERSIONED_MAX_AGE}" if request.args.get("v") == current
                                         else "private, no-cache")
    return response


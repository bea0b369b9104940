"""The one-click unsubscribe (no log-in needed) and the digest preview for admins and brokers."""

from __future__ import annotations

from flask import abort, make_response, render_template, request
from flask_babel import force_locale
from flask_login import current_user, login_required

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.digest import bp, services
from buurthulp.extensions import csrf, db
from buurthulp.timeutil import local_today


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail programs post List-Unsubscribe=One-Click without a form (RFC 8058); the signed token is the proof
def unsubscribe(token: str):
    """GET asks to confirm with one button; POST (that button, or the mail program) unsubscribes."""
    neighbour = services.neighbour_for_token(db.session, token)
    if neighbour is None:
        return render_template("digest/unsubscribe.html", state="invalid"), 400
    with force_locale(neighbour.locale):  # the person may not be logged in: their own language
        if request.method == "POST":
            services.unsubscribe(db.session, neighbour)
            db.session.commit()
            return render_template("digest/unsubscribe.html", state="done", neighbour=neighbour)
        return render_template("digest/unsubscribe.html", state="confirm", neighbour=neighbour, token=token)


def _previewable(neighbour_id: int) -> Neighbour:
    """Site admins preview anyone's digest; brokers those of the people they serve (``access.may_preview_digest``)."""
    neighbour = db.session.get(Neighbour, neighbour_id)
    if neighbour is None or neighbour.deleted_at is not None:
        abort(404)
    if not access.may_preview_digest(db.session, current_user, neighbour):
        abort(403)
    return neighbour


@bp.route("/preview/<int:neighbour_id>")
@login_required
def preview(neighbour_id: int):
    """This month's digest of a neighbour as it would be sent: the text, and a link to the HTML."""
    neighbour = _previewable(neighbour_id)
    content = services.digest_for(db.session, neighbour, local_today())
    mail = services.compose(content) if not content.is_empty else None
    return render_template("digest/preview.html", neighbour=neighbour, content=content, mail=mail)


@bp.route("/preview/<int:neighbour_id>/html")
@login_required
def preview_html(neighbour_id: int):
    """The HTML of the digest on its own, with a policy that allows the mail's inline styles and nothing else."""
    neighbour = _previewable(neighbour_id)
    content = services.digest_for(db.session, neighbour, local_today())
    if content.is_empty:
        abort(404)
    response = make_response(services.compose(content).html)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'")
    return response


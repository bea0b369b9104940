"""The home page, the language switch and the development outbox."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, jsonify, render_template, request, session
from flask_login import current_user
from markupsafe import Markup, escape

from buurthulp import health
from buurthulp.core import bp
from buurthulp.db import utcnow
from buurthulp.extensions import db, limiter
from buurthulp.forms import EmptyForm
from buurthulp.neighbourhoods.models import Initiative, Neighbourhood
from buurthulp.neighbourhoods.services import initiatives_near
from buurthulp.web import redirect_back

OUTBOX_LIMIT = 200


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return render_template(
            "core/home_neighbour.html", initiatives=initiatives_near(db.session, current_user),
            resend_form=EmptyForm(),
        )
    hoods = db.session.scalars(
        sa.select(Neighbourhood).options(so.selectinload(Neighbourhood.initiatives))
        .order_by(Neighbourhood.municipality, Neighbourhood.name)
    ).all()
    initiatives = db.session.scalars(sa.select(Initiative).order_by(Initiative.name)).all()
    return render_template("core/home.html", neighbourhoods=hoods, initiatives=initiatives)


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the language; remembered in the session and, when logged in, the profile."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = locale
    session.permanent = True
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    return redirect_back()


@bp.route("/privacy")
def privacy():
    return render_template("core/privacy.html")


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """For a monitor: 200 when the database, migrations, scheduler and mail queue are fine, else 503 and which
    failed. No log-in, no session, nothing about a person, not translated."""
    report = health.check_all(db.session, utcnow(), current_app.config,
                              health.migration_heads(current_app.extensions["migrate"].directory),
                              missing_ok=current_app.testing)
    response = jsonify(report)
    response.status_code = 200 if report["status"] == health.OK else 503
    response.headers["Cache-Control"] = "no-store"
    return response


LOOPBACK = {"127.0.0.1", "::1"}


def _outbox_dir() -> Path:
    """The outbox folder, for a development server asked from this machine only; else 404."""
    if not current_app.config.get("OUTBOX_PAGE") or current_app.config.get("MAIL_SERVER"):
        abort(404)
    # It shows reset links. A request that came through a proxy is not from this machine, even when the
    # proxy runs here and ProxyFix is not configured (then remote_addr is the proxy's 127.0.0.1).
    if request.remote_addr not in LOOPBACK or "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        abort(404)
    return Path(current_app.config["MAIL_OUTBOX_DIR"])


def _read_mail(path: Path):
    with path.open("rb") as f:
        return BytesParser(policy=policy.default).parse(f)


URL_RE = re.compile(r"https?://[^\s<>\"]+")


def linkify(text: str) -> Markup:
    """Escape a plain-text mail body and make its links clickable."""
    out, last = [], 0
    for match in URL_RE.finditer(text):
        out.append(escape(text[last:match.start()]))
        url = match.group(0)
        out.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


@bp.route("/dev/outbox")
def outbox():
    """Mail written to the instance folder while no SMTP server is configured."""
    folder = _outbox_dir()
    files = sorted(folder.glob("*.eml"), reverse=True)[:OUTBOX_LIMIT] if folder.exists() else []
    mails = []
    for path in files:
        msg = _read_mail(path)
        mails.append({"name": path.stem, "to": msg["To"], "subject": msg["Subject"], "date": msg["Date"]})
    return render_template("core/outbox.html", mails=mails)


@bp.route("/dev/outbox/<name>")
def outbox_mail(name: str):
    folder = _outbox_dir()
    if not re.fullmatch(r"[0-9A-Za-z._-]{1,200}", name):  # a longer name is an OS error, not a missing file
        abort(404)
    path = folder / f"{name}.eml"
    if not path.is_file():
        abort(404)
    msg = _read_mail(path)
    text = msg.get_body(preferencelist=("plain",))
    body = text.get_content() if text else ""
    return render_template("core/outbox_mail.html", msg=msg, body=linkify(body), name=name)

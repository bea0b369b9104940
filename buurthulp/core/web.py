"""What every page shares: the logged-in neighbour, security headers, error pages."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, g, has_request_context, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category, DayPart, Weekday
from buurthulp.core.icons import icon_shapes
from buurthulp.errors import DomainError
from buurthulp.extensions import db, login_manager
from buurthulp.logs import request_id
from buurthulp.mail import discard_unsent
from buurthulp.neighbourhoods.models import ROLE_LABELS, Membership, MembershipStatus, Role
from buurthulp.posts.notifications import unread_count_query
from buurthulp.timeutil import to_local
from buurthulp.web import CONTENT_SECURITY_POLICY, refused_and_back


def init_web(app: Flask) -> None:
    """Register the loader, headers, error pages and template helpers on ``app``."""

    @login_manager.user_loader
    def load_neighbour(session_token: str):
        return db.session.scalar(
            sa.select(Neighbour).where(Neighbour.session_token == session_token, Neighbour.deleted_at.is_(None))
        )

    hsts_seconds = app.config.get("HSTS_SECONDS", 0)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        if hsts_seconds:
            # Browsers heed it only over HTTPS; production runs behind a TLS proxy, so send it always.
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_request
    def drop_uncommitted_mail(exc):
        discard_unsent(db.session)

    app.jinja_env.globals["to_local"] = to_local  # shows a UTC timestamp in Dutch local time
    app.jinja_env.globals["icon_shapes"] = icon_shapes  # for the icon() macro

    @app.template_filter("role_names")
    def role_names(membership) -> str:
        # the broker is called what their initiative calls them (dorpsondersteuner, buurtmakelaar, ...)
        title = membership.initiative.broker_title.label if membership.initiative is not None else None
        return ", ".join(title if r == Role.BROKER and title else str(ROLE_LABELS[r]) for r in membership.roles)

    @app.context_processor
    def template_helpers():
        return {
            "categories": list(Category),
            "weekdays": list(Weekday),
            "day_parts": list(DayPart),
            "current_locale": str(get_locale()),
            "nav": navigation(),
        }

    def error_page(code: int, title: str, message: str, **context):
        return render_template("errors/error.html", code=code, title=title, message=message, **context), code

    @app.errorhandler(400)
    def bad_request(error):
        return error_page(400, _("Something in the request was not right"),
                          _("Please go back, check what you filled in and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_page(400, _("This form has expired"),
                          _("For your safety a form is only valid for a while. Go back, reload the page and try again."))

    @app.errorhandler(403)
    def forbidden(error):
        return error_page(403, _("You cannot open this page"),
                          _("This page is only for people with a particular role. Ask your initiative if you think you should have it."))

    @app.errorhandler(404)
    def not_found(error):
        return error_page(404, _("Page not found"),
                          _("This page does not exist (any more). Check the address, or go to the home page."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        return error_page(405, _("This cannot be done here"), _("Go back and use the buttons on the page."))

    @app.errorhandler(413)
    def too_large(error):
        # A page with an upload says so on its own form (its view's ``too_large``), keeping the person there.
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "too_large", None) is not None:
            return view.too_large()
        return error_page(413, _("This is too large"),
                          _("What you sent is larger than we can take. Go back and send something smaller."))

    @app.errorhandler(429)
    def too_many(error):
        if getattr(error, "response", None) is not None:
            return error.response  # the limit's own answer (the join form again, as it was filled in)
        return error_page(429, _("Too many attempts"),
                          _("You tried too often in a short time. Wait a few minutes and try again. "
                            "Forgot your password? Use \u201cForgot your password?\u201d on the log-in page."))

    @app.errorhandler(DomainError)
    def domain_error(error):
        """A rule said no and no route showed its form again: say why, and go back (never a 500)."""
        return refused_and_back(error)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        g.nav = {"coordinates": [], "is_admin": False, "unread": 0, "moderates": False, "brokers": False, "pot": False}  # the menu must not query a broken database
        # Flask logged the exception with this request's id (buurthulp.logs); the page shows the id to quote.
        return error_page(500, _("Something went wrong on our side"),
                          _("Nothing you did caused this. Please try again in a moment; "
                            "if it keeps happening, tell your initiative."), request_id=request_id())


def navigation() -> dict:
    """What the menu shows the current neighbour: their initiative roles, admin."""
    if "nav" in g:
        return g.nav
    nav = {"coordinates": [], "is_admin": False, "unread": 0, "moderates": False, "brokers": False, "pot": False}
    if has_request_context() and current_user.is_authenticated:
        nav["memberships"], nav["unread"] = _memberships_and_unread(current_user)
        active = [m for m in nav["memberships"] if m.status == MembershipStatus.ACTIVE]
        nav["coordinates"] = [m.initiative for m in active if m.is_coordinator]
        nav["is_admin"] = current_user.is_admin
        nav["moderates"] = current_user.is_admin or any(m.is_broker or m.is_coordinator for m in active)
        nav["brokers"] = any(m.is_broker for m in active)
        nav["pot"] = bool(active)
    g.nav = nav
    return nav


def _memberships_and_unread(neighbour) -> tuple[list[Membership], int]:
    """The neighbour's memberships (any status, with their initiatives, as ``memberships_of``) and their number of
    unread notifications, in one query: every page's menu asks both."""
    rows = db.session.execute(
        sa.select(unread_count_query(neighbour.id).scalar_subquery().label("unread"), Membership)
        .select_from(sa.select(sa.literal(1).label("one")).subquery())
        .outerjoin(Membership, Membership.neighbour_id == neighbour.id)
        .options(so.joinedload(Membership.initiative))
        .order_by(Membership.requested_at)
    ).all()
    return [row.Membership for row in rows if row.Membership is not None], rows[0].unread if rows else 0





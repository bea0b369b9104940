"""Request and response helpers every blueprint shares: where a "next" link may lead, and the content security policy."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import flash, redirect, request, url_for

from buurthulp.errors import DomainError
from buurthulp.extensions import db

NEXT_MAX_LENGTH = 1000

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
])


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None.

    Browsers read ``//host``, ``/\\host`` and ``/<tab>/host`` as another site, and some
    decode percent-escapes before they look, so the test is on the decoded text too.
    """
    if not target or len(target) > NEXT_MAX_LENGTH:
        return None
    seen = [target]
    while len(seen) < 4 and unquote(seen[-1]) != seen[-1]:  # %2509 -> %09 -> tab
        seen.append(unquote(seen[-1]))
    if unquote(seen[-1]) != seen[-1]:
        return None  # encoded over and over: no real link does that
    for text in seen:
        if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in text):
            return None  # control, format and line/paragraph separators; CR/LF would split the header
        if "\\" in text or not text.startswith("/") or text.startswith("//"):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def redirect_back(default: str = "core.home"):
    """Back to a same-site ``next`` URL, or to ``default``."""
    target = safe_next(request.values.get("next"))
    return redirect(target or url_for(default))


def refused(exc: DomainError) -> int:
    """A rule said no: undo the request's changes, say why in the person's language, and give the status
    for the page that shows the form again with what they typed (nothing is lost)."""
    db.session.rollback()
    flash(str(exc.message), "error")
    return exc.status_code


def refused_and_back(exc: DomainError):
    """A rule said no to a button that has no form to show again: say why, and go back where they came from."""
    refused(exc)
    return redirect(safe_next(request.referrer and urlsplit(request.referrer)._replace(scheme="", netloc="").geturl())
                    or url_for("core.home"))

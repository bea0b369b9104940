"""Signed links in mails: confirming an address and resetting a password."""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from buurthulp.accounts.models import Neighbour
from buurthulp.errors import DomainError


class InvalidToken(DomainError):
    pass


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def fingerprint(value: str | None) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]


def confirmation_token(neighbour: Neighbour) -> str:
    return _serializer("confirm-email").dumps({"id": neighbour.id, "email": fingerprint(neighbour.email)})


def reset_token(neighbour: Neighbour) -> str:
    # The password hash in the token makes the link stop working once it has been used.
    return _serializer("reset-password").dumps({"id": neighbour.id, "pw": fingerprint(neighbour.password_hash)})


def load(session, salt: str, token: str, max_age: int) -> tuple[Neighbour, dict]:
    """The neighbour and the data of a valid link signed with ``salt``."""
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidToken(_l("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise InvalidToken(_l("This link is not valid. Check that you copied the whole link from the e-mail.")) from None
    neighbour = session.get(Neighbour, data.get("id")) if isinstance(data, dict) else None
    if neighbour is None or neighbour.deleted_at is not None:
        raise InvalidToken(_l("This link is not valid. Check that you copied the whole link from the e-mail."))
    return neighbour, data

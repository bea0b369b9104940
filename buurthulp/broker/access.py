"""Who may open the broker workspace of an initiative."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_login import current_user

from buurthulp.broker.services import is_broker_of
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative


def require_broker(slug: str) -> Initiative:
    """The initiative of ``slug`` if the current neighbour is its broker: 404 if unknown, 403 otherwise."""
    if not current_user.is_authenticated:
        abort(401)
    initiative = db.session.scalar(sa.select(Initiative).where(Initiative.slug == slug)
                                   .options(so.selectinload(Initiative.neighbourhoods)))
    if initiative is None:
        abort(404)
    if not is_broker_of(db.session, current_user, initiative):
        abort(403)
    return initiative

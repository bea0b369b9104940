"""The board of a circle: messages to the whole circle, removed by their writer, hidden by its leader."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.circles.models import (
    Circle,
    CircleMessage,
)
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed

# --- the board ----------------------------------------------------------------------------------

def post_message(session, person: Neighbour, circle: Circle, body: str, now: datetime | None = None) -> CircleMessage:
    """Write a message to the whole circle."""
    if not access.may_write_on_board(session, person, circle):
        raise NotAllowed(_l("Only the people of this circle can write here."))
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write a message first."))
    message = CircleMessage(circle_id=circle.id, author_id=person.id, body=body, created_at=now or utcnow())
    session.add(message)
    session.flush()
    return message


def remove_message(session, person: Neighbour, circle: Circle, message: CircleMessage) -> None:
    """The author removes their own message for good."""
    if message.circle_id != circle.id or not access.may_remove_message(session, person, circle, message):
        raise NotAllowed(_l("You can only remove your own messages."))
    session.delete(message)
    session.flush()


def hide_message(session, person: Neighbour, circle: Circle, message: CircleMessage, hide: bool = True,
                 now: datetime | None = None) -> None:
    """Whoever leads the circle hides a message (or shows it again)."""
    if message.circle_id != circle.id or not access.may_hide_message(session, person, circle):
        raise NotAllowed(_l("Only the person at the centre, or their broker, can hide a message."))
    message.hidden_at = (now or utcnow()) if hide else None
    session.flush()


def board_query(session, person: Neighbour, circle: Circle, *, leader: bool) -> sa.Select:
    """The board's messages for ``person``, newest first: not from someone they blocked (or who blocked them);
    hidden ones only for whoever leads the circle."""
    stmt = (sa.select(CircleMessage).where(CircleMessage.circle_id == circle.id)
            .options(so.joinedload(CircleMessage.author))
            .order_by(CircleMessage.created_at.desc(), CircleMessage.id.desc()))
    blocked = access.blocked_ids(session, person.id)
    if blocked:
        stmt = stmt.where(sa.or_(CircleMessage.author_id.is_(None), CircleMessage.author_id.not_in(blocked)))
    if not leader:
        stmt = stmt.where(CircleMessage.hidden_at.is_(None))
    return stmt

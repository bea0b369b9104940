"""What circles keep about a person: exported with their data, and gone (or nameless) when they delete their
account. Deleting the centre's account ends the circle; its members are told."""

from __future__ import annotations

import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.circles import emails
from buurthulp.circles.models import (
    CalendarFeed,
    Circle,
    CircleMember,
    CircleMessage,
    CircleStatus,
    MemberStatus,
    RotaSlot,
    Shift,
    SlotSeries,
)
from buurthulp.db import utcnow


def export_circles(session, neighbour: Neighbour) -> dict:
    """The circles the person is in, the rota dates they took and what they wrote on the boards."""
    memberships = session.execute(
        sa.select(CircleMember, Neighbour.display_name).join(Circle, Circle.id == CircleMember.circle_id)
        .join(Neighbour, Neighbour.id == Circle.centre_id)
        .where(CircleMember.neighbour_id == neighbour.id).order_by(CircleMember.id)).all()
    shifts = session.execute(sa.select(Shift, RotaSlot.title).join(RotaSlot, RotaSlot.id == Shift.slot_id)
                             .where(Shift.taken_by_id == neighbour.id).order_by(Shift.on_date)).all()
    series = session.execute(sa.select(SlotSeries, RotaSlot.title).join(RotaSlot, RotaSlot.id == SlotSeries.slot_id)
                             .where(SlotSeries.neighbour_id == neighbour.id).order_by(SlotSeries.id)).all()
    messages = session.scalars(sa.select(CircleMessage).where(CircleMessage.author_id == neighbour.id)
                               .order_by(CircleMessage.id)).all()
    return {"circles": {
        "memberships": [{"circle_around": centre, "role": str(m.role), "status": str(m.status),
                         "since": m.created_at.isoformat()} for m, centre in memberships],
        "rota_dates": [{"slot": title, "date": s.on_date.isoformat(), "done": s.done_at is not None,
                        "check_in": str(s.check_in) if s.check_in else None, "note": s.note} for s, title in shifts],
        "series": [{"slot": title, "from": s.starts_on.isoformat(),
                    "until": s.ends_on.isoformat() if s.ends_on else None} for s, title in series],
        "board_messages": [{"written_at": m.created_at.isoformat(), "text": m.body} for m in messages],
        "calendar_feed": session.get(CalendarFeed, neighbour.id) is not None,
    }}


def forget_circles(session, neighbour: Neighbour) -> None:
    """On deletion: circles around the person end (members are told), their memberships, series, board
    messages and calendar address go; rota dates they took open again; done dates keep no name."""
    now = utcnow()
    for circle in session.scalars(sa.select(Circle).where(Circle.centre_id == neighbour.id,
                                                          Circle.status != CircleStatus.ENDED)):
        emails.circle_ended(session, circle)
        circle.status, circle.ended_at = CircleStatus.ENDED, now
    session.execute(sa.update(CircleMember).where(CircleMember.neighbour_id == neighbour.id)
                    .values(status=MemberStatus.LEFT, left_at=now))
    session.execute(sa.delete(SlotSeries).where(SlotSeries.neighbour_id == neighbour.id))
    session.execute(sa.delete(CircleMessage).where(CircleMessage.author_id == neighbour.id))
    session.execute(sa.delete(CalendarFeed).where(CalendarFeed.neighbour_id == neighbour.id))
    session.execute(sa.update(Shift).where(Shift.taken_by_id == neighbour.id, Shift.done_at.is_(None))
                    .values(taken_by_id=None, given_back=True))
    session.execute(sa.update(Shift).where(Shift.taken_by_id == neighbour.id).values(taken_by_id=None, note=""))

"""Who may see and do what in a support circle.

A circle is for its members and the brokers who look after it, nobody else: site admins neither see its board
nor its check-in notes. The person at the centre is in control; for a centre without internet (a proxy
neighbour) the brokers who represent them act for them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from buurthulp.access.rules import _broker_initiative_ids, is_broker_of, served_by
from buurthulp.access.web import _logged_in
from buurthulp.accounts.models import Neighbour
from buurthulp.circles.models import Circle, CircleMember, CircleStatus, MemberRole, MemberStatus
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative


def membership(session, person: Neighbour, circle: Circle) -> CircleMember | None:
    """The person's membership of the circle, in any status, or None."""
    return session.scalar(sa.select(CircleMember).where(CircleMember.circle_id == circle.id,
                                                        CircleMember.neighbour_id == person.id))


def is_member(session, person: Neighbour, circle: Circle) -> bool:
    """An active member, the centre included."""
    m = membership(session, person, circle)
    return m is not None and m.status == MemberStatus.ACTIVE


def brokers_circle(session, person: Neighbour, circle: Circle) -> bool:
    """A broker of the circle's initiative who serves its centre (``served_by``): they look after the circle."""
    if circle.initiative_id is None:
        return False
    initiative = session.get(Initiative, circle.initiative_id)
    if initiative is None or not is_broker_of(session, person, initiative):
        return False
    return bool(session.scalar(sa.select(sa.exists().where(Neighbour.id == circle.centre_id,
                                                           served_by(initiative)))))


def may_see_circle(session, person: Neighbour, circle: Circle) -> bool:
    """Its page, rota and board: active members and the circle's brokers."""
    return is_member(session, person, circle) or brokers_circle(session, person, circle)


def may_lead_circle(session, person: Neighbour, circle: Circle) -> bool:
    """Invite, approve and remove members, change the rota, end the circle: the centre, or the circle's brokers
    (for a centre without internet, they are the ones who act; for anyone else, on the centre's behalf)."""
    if circle.status == CircleStatus.ENDED:
        return False
    return person.id == circle.centre_id or brokers_circle(session, person, circle)


def may_coordinate_circle(session, person: Neighbour, circle: Circle) -> bool:
    """Hears about missed check-ins and open slots, and changes the rota: the centre, the coordinators they chose,
    the brokers; nobody once the circle ended."""
    if circle.status == CircleStatus.ENDED:
        return False
    if may_lead_circle(session, person, circle):
        return True
    m = membership(session, person, circle)
    return m is not None and m.status == MemberStatus.ACTIVE and m.role == MemberRole.COORDINATOR


def may_read_check_in_notes(session, person: Neighbour, circle: Circle) -> bool:
    """"Something needs attention" notes: the centre and the circle's brokers only."""
    return person.id == circle.centre_id or brokers_circle(session, person, circle)


def may_take_dates(session, person: Neighbour, circle: Circle) -> bool:
    """Take, give back and tick dates of the rota: active members of a circle that has not ended."""
    return circle.status != CircleStatus.ENDED and is_member(session, person, circle)


def circle_ids_of(person: Neighbour):
    """SQL: the circles the person is an active member of (for lists: one query)."""
    return sa.select(CircleMember.circle_id).where(CircleMember.neighbour_id == person.id,
                                                   CircleMember.status == MemberStatus.ACTIVE)


def require_circle(circle_id: int, rule=may_see_circle) -> Circle:
    """The circle with this id if ``rule`` holds for the current neighbour; else 401 / 404 (as if not there)."""
    person = _logged_in()
    circle = db.session.get(Circle, circle_id)
    if circle is None or not rule(db.session, person, circle):
        abort(404)
    return circle


# --- answering, leaving, the board ----------------------------------------------------------------

def may_answer_invitation(session, person: Neighbour, circle: Circle) -> bool:
    """Say yes or no to an invitation to an active circle: the person invited (membership INVITED), not the centre."""
    m = membership(session, person, circle)
    return (circle.status == CircleStatus.ACTIVE and m is not None and m.status == MemberStatus.INVITED
            and m.role != MemberRole.CENTRE)


def may_answer_proposal(session, person: Neighbour, circle: Circle) -> bool:
    """Say yes or no to a circle someone proposed around you: the person at its centre, while it waits."""
    return circle.status == CircleStatus.PROPOSED and person.id == circle.centre_id and person.deleted_at is None


def may_leave_circle(session, person: Neighbour, circle: Circle) -> bool:
    """Leave a circle: an active member who is not at its centre (the centre ends the circle instead)."""
    return person.id != circle.centre_id and is_member(session, person, circle)


def may_write_on_board(session, person: Neighbour, circle: Circle) -> bool:
    """Write a message to the whole circle: its active members and its brokers, while the circle is active."""
    return circle.status == CircleStatus.ACTIVE and may_see_circle(session, person, circle)


def may_hide_message(session, person: Neighbour, circle: Circle) -> bool:
    """Hide someone's message on the board: whoever leads the circle (``may_lead_circle``)."""
    return may_lead_circle(session, person, circle)


def may_remove_message(session, person: Neighbour, circle: Circle, message) -> bool:
    """Remove a message from the board for good: its author, while they still see the circle."""
    return message.author_id == person.id and may_see_circle(session, person, circle)


def circles_brokered_by(session, person: Neighbour):
    """SQL condition on Circle: a circle ``person`` looks after as a broker (``brokers_circle``), for lists."""
    ids = _broker_initiative_ids(session, person)
    if not ids:
        return sa.false()
    return sa.or_(*(sa.and_(Circle.initiative_id == i,
                            sa.exists().where(Neighbour.id == Circle.centre_id, served_by(i))) for i in ids))

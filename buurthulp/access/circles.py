"""Who may see and do what in a support circle.

A circle is for its members and the brokers who look after it, nobody else: site admins neither see its board
nor its check-in notes. The person at the centre is in control; for a centre without internet (a proxy
neighbour) the brokers who represent them act for them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from buurthulp.access.rules import is_broker_of, served_by
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
    """Hears about missed check-ins and open slots: the centre, the coordinators they chose, the brokers."""
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

"""What people do with a circle: start one, invite and join, approve and remove members, end it, the board.

Plain functions that take the session: they ask the access rules, add and flush, never commit, and raise
``DomainError`` / ``NotAllowed`` with a sentence for the person. The route commits once; mail is queued in the
same transaction (``emails``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.circles import emails
from buurthulp.circles.invitations import WARM
from buurthulp.circles.models import (
    Circle,
    CircleMember,
    CircleStatus,
    MemberRole,
    MemberStatus,
)
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus, initiative_neighbourhood
from buurthulp.posts.models import Match

OPEN = (CircleStatus.PROPOSED, CircleStatus.ACTIVE)


# --- starting and ending ------------------------------------------------------------------------

def initiative_for(session, person: Neighbour) -> Initiative | None:
    """The initiative whose brokers look after a circle around ``person``: a proxy neighbour's own, else the first
    initiative of their neighbourhood that has an active broker; none if there is no such initiative."""
    if person.proxy_initiative_id is not None:
        return session.get(Initiative, person.proxy_initiative_id)
    if person.neighbourhood_id is None:
        return None
    t = initiative_neighbourhood
    return session.scalar(
        sa.select(Initiative).join(t, t.c.initiative_id == Initiative.id)
        .where(t.c.neighbourhood_id == person.neighbourhood_id,
               sa.exists().where(Membership.initiative_id == Initiative.id, Membership.is_broker,
                                 Membership.status == MembershipStatus.ACTIVE))
        .order_by(Initiative.id).limit(1))


def _lock_centre(session, centre: Neighbour) -> None:
    """Lock the centre's row (PostgreSQL: FOR UPDATE; SQLite writes one at a time anyway), so that two requests
    cannot both find no circle and both start one: the second waits, then sees the first one's circle."""
    session.execute(sa.select(Neighbour.id).where(Neighbour.id == centre.id).with_for_update())


def open_circle_of(session, centre_id: int, *statuses) -> Circle | None:
    """The centre's proposed or active circle (or of ``statuses``), if any."""
    return session.scalar(sa.select(Circle).where(Circle.centre_id == centre_id,
                                                  Circle.status.in_(statuses or OPEN)).limit(1))


def _new_circle(session, centre: Neighbour, starter: Neighbour, initiative: Initiative | None, about: str,
                status: CircleStatus, now: datetime) -> Circle:
    circle = Circle(centre_id=centre.id, initiative_id=initiative.id if initiative else None,
                    started_by_id=starter.id, status=status, about=(about or "").strip()[:1000], created_at=now)
    session.add(circle)
    session.flush()
    active = status == CircleStatus.ACTIVE
    session.add(CircleMember(circle_id=circle.id, neighbour_id=centre.id, role=MemberRole.CENTRE,
                             status=MemberStatus.ACTIVE if active else MemberStatus.INVITED,
                             invited_by_id=None if active else starter.id, created_at=now,
                             joined_at=now if active else None))
    session.flush()
    return circle


def _refuse_second(session, centre: Neighbour, *, yourself: bool) -> None:
    existing = open_circle_of(session, centre.id, CircleStatus.ACTIVE)
    if existing is not None:
        raise DomainError(_l("You already have a circle. A person has one circle; invite more people to it.")
                          if yourself else
                          _l("There is already a circle around %(name)s. Ask to join that one.",
                             name=centre.display_name))


def start_own_circle(session, person: Neighbour, about: str = "", now: datetime | None = None) -> Circle:
    """Start a circle around yourself: active at once, you lead it. A proposal waiting for you is withdrawn."""
    now = now or utcnow()
    if person.proxy_initiative_id is not None or person.deleted_at is not None:
        raise NotAllowed(_l("You cannot start a circle."))
    _lock_centre(session, person)
    _refuse_second(session, person, yourself=True)
    for waiting in session.scalars(sa.select(Circle).where(Circle.centre_id == person.id,
                                                           Circle.status == CircleStatus.PROPOSED)):
        session.delete(waiting)
    session.flush()
    return _new_circle(session, person, person, initiative_for(session, person), about, CircleStatus.ACTIVE, now)


def start_for_proxy(session, broker: Neighbour, initiative: Initiative, proxy: Neighbour, about: str = "",
                    now: datetime | None = None) -> Circle:
    """As a broker, start a circle around a neighbour without internet whom your initiative represents."""
    now = now or utcnow()
    if not access.may_act_for_proxy(session, broker, initiative, proxy):
        raise NotAllowed(_l("You can only start a circle for a neighbour your initiative represents."))
    _lock_centre(session, proxy)
    _refuse_second(session, proxy, yourself=False)
    return _new_circle(session, proxy, broker, initiative, about, CircleStatus.ACTIVE, now)


def propose_circle(session, starter: Neighbour, centre: Neighbour, about: str = "",
                   now: datetime | None = None) -> Circle:
    """Start a circle around someone who asked you to: it waits until they say yes; you are in it from the start."""
    now = now or utcnow()
    if centre.id == starter.id:
        raise DomainError(_l("To start a circle around yourself, choose \u201caround me\u201d."))
    if centre.proxy_initiative_id is not None or not access.may_see_profile(session, starter, centre):
        raise NotAllowed(_l("You cannot start a circle around this person."))
    _lock_centre(session, centre)
    _refuse_second(session, centre, yourself=False)
    if open_circle_of(session, centre.id, CircleStatus.PROPOSED) is not None:
        raise DomainError(_l("Someone already proposed a circle around %(name)s. It waits for their answer.",
                             name=centre.display_name))
    circle = _new_circle(session, centre, starter, initiative_for(session, centre), about, CircleStatus.PROPOSED,
                         now)
    session.add(CircleMember(circle_id=circle.id, neighbour_id=starter.id, role=MemberRole.MEMBER,
                             status=MemberStatus.ACTIVE, invited_by_id=centre.id, created_at=now, joined_at=now))
    session.flush()
    emails.proposal(session, circle, centre, starter)
    return circle


def answer_proposal(session, person: Neighbour, circle: Circle, yes: bool, now: datetime | None = None) -> None:
    """The centre says yes (the circle starts) or no (it is gone, and nobody hears why) to a proposed circle."""
    now = now or utcnow()
    if not access.may_answer_proposal(session, person, circle):
        raise NotAllowed(_l("This proposal is not waiting for your answer."))
    _lock_centre(session, person)
    session.refresh(circle)
    if circle.status != CircleStatus.PROPOSED:
        raise DomainError(_l("This proposal is not waiting for your answer."))
    if not yes:
        session.delete(circle)
        session.flush()
        return
    _refuse_second(session, person, yourself=True)
    circle.status = CircleStatus.ACTIVE
    centre = access.membership(session, person, circle)
    centre.status, centre.joined_at = MemberStatus.ACTIVE, now
    session.flush()


def end_circle(session, actor: Neighbour, circle: Circle, now: datetime | None = None) -> None:
    """End the circle: nobody can join or take dates any more; its members are told by mail."""
    if not access.may_lead_circle(session, actor, circle) or circle.status != CircleStatus.ACTIVE:
        raise NotAllowed(_l("Only the person at the centre, or their broker, can end this circle."))
    circle.status, circle.ended_at = CircleStatus.ENDED, now or utcnow()
    session.flush()
    emails.circle_ended(session, circle)


# --- members ------------------------------------------------------------------------------------

def _member_of(session, actor: Neighbour, circle: Circle, member: CircleMember) -> CircleMember:
    if not access.may_lead_circle(session, actor, circle):
        raise NotAllowed(_l("Only the person at the centre, or their broker, can change who is in the circle."))
    if member.circle_id != circle.id:
        raise NotAllowed(_l("This person is not in this circle."))
    return member


def approve_member(session, actor: Neighbour, circle: Circle, member: CircleMember,
                   now: datetime | None = None) -> None:
    """Let in someone who asked to join through a link."""
    _member_of(session, actor, circle, member)
    if member.status != MemberStatus.REQUESTED:
        raise DomainError(_l("This person did not ask to join."))
    member.status, member.joined_at = MemberStatus.ACTIVE, now or utcnow()
    session.flush()
    emails.welcome(session, circle, member.neighbour)


def remove_member(session, actor: Neighbour, circle: Circle, member: CircleMember,
                  now: datetime | None = None) -> None:
    """Take someone out of the circle (or withdraw their invitation, or say no to their request)."""
    _member_of(session, actor, circle, member)
    if member.role == MemberRole.CENTRE:
        raise DomainError(_l("The person at the centre stays in the circle. To stop, end the circle."))
    if member.status == MemberStatus.LEFT:
        raise DomainError(_l("This person is no longer in the circle."))
    member.status, member.left_at, member.role = MemberStatus.LEFT, now or utcnow(), MemberRole.MEMBER
    session.flush()


def set_coordinator(session, actor: Neighbour, circle: Circle, member: CircleMember, on: bool) -> None:
    """Make an active member coordinator (they hear about open dates and missed check-ins), or not any more."""
    _member_of(session, actor, circle, member)
    if member.role == MemberRole.CENTRE or member.status != MemberStatus.ACTIVE:
        raise DomainError(_l("Only an active member can be a coordinator."))
    member.role = MemberRole.COORDINATOR if on else MemberRole.MEMBER
    session.flush()


def leave_circle(session, person: Neighbour, circle: Circle, now: datetime | None = None) -> None:
    """Leave the circle yourself."""
    if person.id == circle.centre_id:
        raise DomainError(_l("You are at the centre of this circle. To stop, end the circle."))
    if not access.may_leave_circle(session, person, circle):
        raise NotAllowed(_l("You are not in this circle."))
    member = access.membership(session, person, circle)
    member.status, member.left_at, member.role = MemberStatus.LEFT, now or utcnow(), MemberRole.MEMBER
    session.flush()


def members_of(session, circle: Circle) -> list[CircleMember]:
    """Everyone in the circle or on the way in (not who left), with their neighbour, in one query: the centre
    first, then coordinators, then by name."""
    order = sa.case({MemberRole.CENTRE: 0, MemberRole.COORDINATOR: 1}, value=CircleMember.role, else_=2)
    return list(session.scalars(
        sa.select(CircleMember).join(Neighbour, Neighbour.id == CircleMember.neighbour_id)
        .where(CircleMember.circle_id == circle.id, CircleMember.status != MemberStatus.LEFT,
               Neighbour.deleted_at.is_(None))
        .options(so.contains_eager(CircleMember.neighbour))
        .order_by(order, Neighbour.display_name, CircleMember.id)))


# --- lists for "My circles" ---------------------------------------------------------------------

@dataclass
class MyCircles:
    mine: list[Circle]          # circles I am in or look after as a broker
    invitations: list[Circle]   # invited, waiting for my answer
    proposals: list[Circle]     # proposed around me, waiting for my answer
    requested: list[Circle]     # I used a link; the centre has still to let me in
    members: dict[int, list[CircleMember]]  # the active members of the invitations and proposals
    has_own: bool               # a proposed or active circle around me exists


def my_circles(session, person: Neighbour) -> MyCircles:
    """What "My circles" shows: a few queries, whatever the number of circles."""
    rows = session.execute(
        sa.select(Circle, CircleMember.status).join(CircleMember, CircleMember.circle_id == Circle.id)
        .where(CircleMember.neighbour_id == person.id, Circle.status.in_(OPEN),
               CircleMember.status != MemberStatus.LEFT)
        .options(so.joinedload(Circle.centre)).order_by(Circle.id)).all()
    mine, invitations, proposals, requested = [], [], [], []
    for circle, status in rows:
        if circle.status == CircleStatus.PROPOSED:
            if circle.centre_id == person.id:
                proposals.append(circle)
            elif status == MemberStatus.ACTIVE:
                mine.append(circle)
        elif status == MemberStatus.ACTIVE:
            mine.append(circle)
        elif status == MemberStatus.INVITED:
            invitations.append(circle)
        elif status == MemberStatus.REQUESTED:
            requested.append(circle)
    seen = {c.id for c in mine}
    mine += [c for c in session.scalars(sa.select(Circle).where(
        Circle.status == CircleStatus.ACTIVE, access.circles_brokered_by(session, person))
        .options(so.joinedload(Circle.centre)).order_by(Circle.id)) if c.id not in seen]
    members: dict[int, list[CircleMember]] = {}
    waiting = [c.id for c in invitations + proposals]
    if waiting:
        for m in session.scalars(sa.select(CircleMember).join(Neighbour, Neighbour.id == CircleMember.neighbour_id)
                                 .where(CircleMember.circle_id.in_(waiting), CircleMember.status == MemberStatus.ACTIVE,
                                        Neighbour.deleted_at.is_(None))
                                 .options(so.contains_eager(CircleMember.neighbour))
                                 .order_by(Neighbour.display_name)):
            members.setdefault(m.circle_id, []).append(m)
    has_own = open_circle_of(session, person.id, CircleStatus.ACTIVE) is not None
    return MyCircles(mine, invitations, proposals, requested, members, has_own)


def proxies_to_start_for(session, broker: Neighbour) -> list[tuple[Initiative, Neighbour]]:
    """The proxy neighbours of the broker's initiatives who have no circle yet, with their initiative."""
    has_circle = sa.select(Circle.centre_id).where(Circle.status.in_(OPEN))
    rows = session.execute(
        sa.select(Initiative, Neighbour).join(Neighbour, Neighbour.proxy_initiative_id == Initiative.id)
        .join(Membership, Membership.initiative_id == Initiative.id)
        .where(Membership.neighbour_id == broker.id, Membership.is_broker,
               Membership.status == MembershipStatus.ACTIVE, Neighbour.deleted_at.is_(None),
               Neighbour.id.not_in(has_circle))
        .order_by(Initiative.name, Neighbour.display_name)).all()
    return [(i, n) for i, n in rows]


def people_to_propose_for(session, person: Neighbour) -> list[Neighbour]:
    """Neighbours ``person`` helped or was helped by, whose profile they see: whom they may start a circle around."""
    other = sa.case((Match.asker_id == person.id, Match.helper_id), else_=Match.asker_id)
    contacts = sa.select(other).where(Match.status.in_(WARM),
                                      sa.or_(Match.asker_id == person.id, Match.helper_id == person.id))
    return list(session.scalars(sa.select(Neighbour).where(
        Neighbour.id.in_(contacts.scalar_subquery()), Neighbour.id != person.id,
        Neighbour.proxy_initiative_id.is_(None), access.profile_seen_by(session, person))
        .order_by(Neighbour.display_name, Neighbour.id)))

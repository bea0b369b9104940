"""Invitations to a circle: a signed link that works once and expires, a mail with it, or a pick from the
neighbours the centre (or the one who invites) helped or was helped by; and the answers to them."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.circles import emails
from buurthulp.circles.models import (
    Circle,
    CircleInvite,
    CircleMember,
    CircleStatus,
    MemberRole,
    MemberStatus,
)
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.posts.models import Match, MatchStatus

INVITE_SALT = "circle-invite"
# invitations (links and mails) one person makes for one circle in a day: enough for a family, not for spam
INVITES_PER_DAY = 30
WARM = (MatchStatus.DONE, MatchStatus.THANKED)




# --- invitations --------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITE_SALT)


def max_age() -> timedelta:
    return timedelta(days=current_app.config["CIRCLE_INVITE_MAX_AGE_DAYS"])


def invite_token(invite: CircleInvite) -> str:
    """The signed part of an invitation link: the invitation's id."""
    return _serializer().dumps(invite.id)


def _may_invite(session, actor: Neighbour, circle: Circle) -> None:
    if not access.may_lead_circle(session, actor, circle) or circle.status != CircleStatus.ACTIVE:
        raise NotAllowed(_l("Only the person at the centre, or their broker, can invite people."))


def _count_today(session, actor: Neighbour, circle: Circle, now: datetime) -> None:
    made = session.scalar(sa.select(sa.func.count()).select_from(CircleInvite).where(
        CircleInvite.circle_id == circle.id, CircleInvite.created_by_id == actor.id,
        CircleInvite.created_at > now - timedelta(days=1)))
    if made >= INVITES_PER_DAY:
        raise DomainError(_l("You made many invitations today. Try again tomorrow."))


def make_invite(session, actor: Neighbour, circle: Circle, now: datetime | None = None) -> CircleInvite:
    """A new invitation link for the circle, to copy and send: it works once, for a limited number of days."""
    now = now or utcnow()
    _may_invite(session, actor, circle)
    _count_today(session, actor, circle, now)
    invite = CircleInvite(circle_id=circle.id, created_by_id=actor.id, created_at=now)
    session.add(invite)
    session.flush()
    return invite


def mail_invite(session, actor: Neighbour, circle: Circle, address: str, now: datetime | None = None) -> CircleInvite:
    """A new invitation link, sent by mail to the address the leader typed."""
    invite = make_invite(session, actor, circle, now)
    emails.invitation_link(session, circle, actor, address.strip(), invite_token(invite))
    return invite


def open_invites(session, circle: Circle, now: datetime | None = None) -> list[CircleInvite]:
    """The circle's whole-circle links that still work (not used, not expired), newest first."""
    now = now or utcnow()
    return list(session.scalars(sa.select(CircleInvite).where(
        CircleInvite.circle_id == circle.id, CircleInvite.used_at.is_(None), CircleInvite.slot_id.is_(None),
        CircleInvite.created_at > now - max_age()).order_by(CircleInvite.id.desc())))


def load_invite(session, token: str, now: datetime | None = None) -> CircleInvite:
    """The invitation a link stands for, if it still works; else a DomainError that says why."""
    now = now or utcnow()
    try:
        invite_id = _serializer().loads(token, max_age=int(max_age().total_seconds()))
    except SignatureExpired:
        raise DomainError(_l("This invitation link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise DomainError(_l("This invitation link is not right. Copy the whole link, or ask for a new one.")) from None
    invite = session.get(CircleInvite, invite_id) if isinstance(invite_id, int) else None
    if invite is None:
        raise DomainError(_l("This invitation link no longer works. Ask for a new one."))
    if invite.created_at <= now - max_age():
        raise DomainError(_l("This invitation link has expired. Ask for a new one."))
    if invite.used_at is not None:
        raise DomainError(_l("This invitation link has been used already. Ask for a new one."))
    circle = session.get(Circle, invite.circle_id)
    if circle is None or circle.status != CircleStatus.ACTIVE:
        raise DomainError(_l("This circle no longer exists."))
    return invite


def join_by_link(session, person: Neighbour, token: str, now: datetime | None = None) -> CircleMember:
    """Use an invitation link: you ask to join, and the person at the centre (or their broker) lets you in.

    The link is used up, also by someone from outside the neighbourhood."""
    now = now or utcnow()
    invite = load_invite(session, token, now)
    # one use: the row is locked (PostgreSQL), so that two people pressing at once cannot both use it
    session.execute(sa.select(CircleInvite.id).where(CircleInvite.id == invite.id).with_for_update())
    session.refresh(invite)
    if invite.used_at is not None:
        raise DomainError(_l("This invitation link has been used already. Ask for a new one."))
    circle = session.get(Circle, invite.circle_id)
    member = access.membership(session, person, circle)
    if member is not None and member.status == MemberStatus.ACTIVE:
        raise DomainError(_l("You are in this circle already."))
    invite.used_at, invite.used_by_id = now, person.id
    if member is not None and member.status == MemberStatus.INVITED:
        # the leader asked them already: the link is their yes
        member.status, member.joined_at = MemberStatus.ACTIVE, now
        session.flush()
        emails.welcome(session, circle, person)
        return member
    if member is None:
        member = CircleMember(circle_id=circle.id, neighbour_id=person.id, role=MemberRole.MEMBER, created_at=now)
        session.add(member)
    member.status, member.invited_by_id, member.role = MemberStatus.REQUESTED, invite.created_by_id, MemberRole.MEMBER
    member.left_at = None
    session.flush()
    return member


def warm_contacts(session, actor: Neighbour, circle: Circle) -> list[Neighbour]:
    """Neighbours the leader or the centre helped, or were helped by (done or thanked matches), who are not in the
    circle and not asked yet, and who can log in to say yes."""
    people = {actor.id, circle.centre_id}
    other = sa.case((Match.asker_id.in_(people), Match.helper_id), else_=Match.asker_id)
    contacts = (sa.select(other).where(Match.status.in_(WARM),
                                       sa.or_(Match.asker_id.in_(people), Match.helper_id.in_(people)))
                .scalar_subquery())
    in_circle = sa.select(CircleMember.neighbour_id).where(CircleMember.circle_id == circle.id,
                                                           CircleMember.status != MemberStatus.LEFT)
    return list(session.scalars(sa.select(Neighbour).where(
        Neighbour.id.in_(contacts), Neighbour.id.not_in(people), Neighbour.id.not_in(in_circle),
        Neighbour.deleted_at.is_(None), Neighbour.proxy_initiative_id.is_(None),
        Neighbour.id.not_in(list(access.blocked_ids(session, circle.centre_id)) or [0]))
        .order_by(Neighbour.display_name, Neighbour.id)))


def invite_neighbours(session, actor: Neighbour, circle: Circle, ids, now: datetime | None = None) -> list[CircleMember]:
    """Invite neighbours picked from the warm contacts: each gets a mail and sees the invitation on their page."""
    now = now or utcnow()
    _may_invite(session, actor, circle)
    allowed = {n.id: n for n in warm_contacts(session, actor, circle)}
    chosen = [allowed[i] for i in dict.fromkeys(ids) if i in allowed]
    if not chosen:
        raise DomainError(_l("Choose one or more neighbours to invite."))
    invited = []
    for person in chosen:
        member = access.membership(session, person, circle)
        if member is None:
            member = CircleMember(circle_id=circle.id, neighbour_id=person.id, created_at=now)
            session.add(member)
        member.role, member.status, member.invited_by_id, member.left_at = (MemberRole.MEMBER, MemberStatus.INVITED,
                                                                            actor.id, None)
        invited.append(member)
        emails.invitation(session, circle, actor, person)
    session.flush()
    return invited


def answer_invitation(session, person: Neighbour, circle: Circle, yes: bool, now: datetime | None = None) -> None:
    """The invited neighbour joins (active at once: the leader asked them) or says no thanks."""
    if not access.may_answer_invitation(session, person, circle):
        raise NotAllowed(_l("This invitation is not waiting for your answer."))
    member = access.membership(session, person, circle)
    if yes:
        member.status, member.joined_at = MemberStatus.ACTIVE, now or utcnow()
        session.flush()
        emails.welcome(session, circle, person)
    else:
        member.status, member.left_at = MemberStatus.LEFT, now or utcnow()
        session.flush()

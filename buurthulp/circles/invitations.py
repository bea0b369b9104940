"""Invitations to a circle: a signed link that works once and expires, a mail with it, or a pick from the
neighbours the centre (or the one who invites) helped or was helped by; and the answers to them.

A slot invitation (``CircleInvite.slot_id``) is the matcher's suggestion for a rota slot whose dates stay open
(``suggest``): a link mailed to one neighbour, who asks to join for that slot and is let in by the centre as
usual. Its ``used_by_id`` is set when it is made, to the neighbour it is meant for (the row has no column of
its own for that; ``used_at`` says whether it was used): only they can use it, and they are not mailed for the
same slot again within ``SLOT_INVITE_AGAIN``."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.circles import emails, suggest
from buurthulp.circles.models import (
    Circle,
    CircleInvite,
    CircleMember,
    CircleStatus,
    MemberRole,
    MemberStatus,
    RotaSlot,
)
from buurthulp.circles.rota import may_change_rota
from buurthulp.circles.rota_emails import mailable
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.posts.models import Match, MatchStatus

INVITE_SALT = "circle-invite"
# invitations (links and mails) one person makes for one circle in a day: enough for a family, not for spam
INVITES_PER_DAY = 30
WARM = (MatchStatus.DONE, MatchStatus.THANKED)
SLOT_INVITE_AGAIN = timedelta(days=14)  # a neighbour is mailed for the same slot at most once in this time


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
    if invite.slot_id is not None and invite.used_by_id != person.id:  # meant for one neighbour (see above)
        raise DomainError(_l("This invitation is for someone else. Ask for an invitation of your own."))
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


# --- slot invitations: the matcher's suggestions for an open slot --------------------------------

def recent_slot_invites(session, slot_ids, now: datetime | None = None) -> dict[tuple[int, int], CircleInvite]:
    """(slot id, neighbour id) -> the latest slot invitation of the last ``SLOT_INVITE_AGAIN``, in one query."""
    now = now or utcnow()
    ids = list(slot_ids)
    if not ids:
        return {}
    rows = session.scalars(sa.select(CircleInvite).where(
        CircleInvite.slot_id.in_(ids), CircleInvite.used_by_id.is_not(None),
        CircleInvite.created_at > now - SLOT_INVITE_AGAIN).order_by(CircleInvite.created_at, CircleInvite.id))
    return {(i.slot_id, i.used_by_id): i for i in rows}


def invite_to_slot(session, actor: Neighbour, slot: RotaSlot, person: Neighbour,
                   now: datetime | None = None) -> CircleInvite:
    """Invite a neighbour the matcher suggests for ``slot`` now: a slot invitation, mailed to them."""
    now = now or utcnow()
    circle = session.get(Circle, slot.circle_id)
    if not may_change_rota(session, actor, circle) or circle.status != CircleStatus.ACTIVE:
        raise NotAllowed(_l("Only the people who lead this circle can change the rota."))
    _count_today(session, actor, circle, now)
    # Two leaders pressing at once must not mail the neighbour twice: the slot's row is locked (PostgreSQL) until
    # the invitation is committed, so the second waits and then finds the first. SQLite has no row locks; there a
    # rare double is accepted (it serialises writes, and is for development).
    session.execute(sa.select(RotaSlot.id).where(RotaSlot.id == slot.id).with_for_update())
    if (slot.id, person.id) in recent_slot_invites(session, [slot.id], now):
        raise DomainError(_l("You invited %(name)s for this slot already. Wait for their answer.",
                             name=person.display_name))
    if person.id not in {s.person.id for s in suggest.suggestions(session, slot, now)}:
        raise DomainError(_l("%(name)s is not among the neighbours suggested for this slot.",
                             name=person.display_name))
    if not mailable(person):
        raise DomainError(_l("We cannot send %(name)s an e-mail. Ask the broker to get in touch.",
                             name=person.display_name))
    invite = CircleInvite(circle_id=circle.id, created_by_id=actor.id, slot_id=slot.id, created_at=now,
                          used_by_id=person.id)
    session.add(invite)
    session.flush()
    emails.slot_invitation(session, circle, slot, actor, person, invite_token(invite))
    return invite


def invited_slot(session, token: str) -> RotaSlot | None:
    """The slot an invitation link is for, if it is a slot invitation that still works; else None."""
    try:
        invite = load_invite(session, token)
    except DomainError:
        return None
    return session.get(RotaSlot, invite.slot_id) if invite.slot_id is not None else None


def requested_slots(session, circle: Circle) -> dict[int, RotaSlot]:
    """Neighbour id -> the slot they asked to join the circle for (a used slot invitation), in one query: for the
    members waiting for the centre's yes ("for: <slot>")."""
    rows = session.execute(
        sa.select(CircleInvite.used_by_id, RotaSlot).join(RotaSlot, RotaSlot.id == CircleInvite.slot_id)
        .where(CircleInvite.circle_id == circle.id, CircleInvite.used_at.is_not(None))
        .order_by(CircleInvite.used_at, CircleInvite.id))
    return {neighbour_id: slot for neighbour_id, slot in rows}

"""The mails of circles: in the recipient's language, queued in the transaction."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from buurthulp.accounts.models import Neighbour
from buurthulp.circles.models import Circle, CircleMember, MemberStatus, RotaSlot
from buurthulp.circles.rota import repeat_label
from buurthulp.mail import external_url, queue_email


def _members_to_mail(session, circle: Circle, *, but: int | None = None) -> list[Neighbour]:
    return list(session.scalars(
        sa.select(Neighbour).join(CircleMember, CircleMember.neighbour_id == Neighbour.id)
        .where(CircleMember.circle_id == circle.id, CircleMember.status == MemberStatus.ACTIVE,
               Neighbour.email.is_not(None), Neighbour.email_confirmed_at.is_not(None),
               Neighbour.deleted_at.is_(None), Neighbour.id != (but or 0))))


def circle_ended(session, circle: Circle) -> None:
    """Tell the members that the circle around the centre ended."""
    for member in _members_to_mail(session, circle, but=circle.centre_id):
        queue_email(session, member.email, "circles/ended", member.locale, neighbour=member,
                    centre_name=circle.centre.display_name, url=external_url("core.home"))


def _can_mail(person: Neighbour) -> bool:
    return bool(person.email and person.email_confirmed_at and person.deleted_at is None)


def invitation_link(session, circle: Circle, inviter: Neighbour, address: str, token: str) -> None:
    """An invitation link, sent to an address the leader typed (maybe someone without an account yet)."""
    known = session.scalar(sa.select(Neighbour).where(sa.func.lower(Neighbour.email) == address.lower(),
                                                      Neighbour.deleted_at.is_(None)))
    locale = known.locale if known is not None else inviter.locale
    queue_email(session, address, "circles/invitation_link", locale, inviter_name=inviter.display_name,
                centre_name=circle.centre.display_name, about=circle.about,
                url=external_url("circles.join", token=token), days=current_app.config["CIRCLE_INVITE_MAX_AGE_DAYS"])


def invitation(session, circle: Circle, inviter: Neighbour, person: Neighbour) -> None:
    """A neighbour the leader picked is invited: they answer on their circles page."""
    if _can_mail(person):
        queue_email(session, person.email, "circles/invitation", person.locale, neighbour=person,
                    inviter_name=inviter.display_name, centre_name=circle.centre.display_name, about=circle.about,
                    url=external_url("circles.index"))


def proposal(session, circle: Circle, centre: Neighbour, starter: Neighbour) -> None:
    """Someone proposes a circle around ``centre``: they say yes or no on their circles page."""
    if _can_mail(centre):
        queue_email(session, centre.email, "circles/proposal", centre.locale, neighbour=centre,
                    starter_name=starter.display_name, about=circle.about, url=external_url("circles.index"))


def welcome(session, circle: Circle, person: Neighbour) -> None:
    """Welcome to a neighbour who is in the circle now."""
    if _can_mail(person):
        queue_email(session, person.email, "circles/welcome", person.locale, neighbour=person,
                    centre_name=circle.centre.display_name,
                    url=external_url("circles.circle", circle_id=circle.id))


def slot_invitation(session, circle: Circle, slot: RotaSlot, inviter: Neighbour, person: Neighbour, token: str) -> None:
    """The matcher suggested ``person`` for an open slot: would they like to help? With the signed link; how the
    slot repeats is worded in the template, in their language."""
    queue_email(session, person.email, "circles/slot_invitation", person.locale, neighbour=person,
                inviter_name=inviter.display_name, centre_name=circle.centre.display_name, slot=slot,
                repeat=repeat_label, url=external_url("circles.join", token=token),
                days=current_app.config["CIRCLE_INVITE_MAX_AGE_DAYS"])

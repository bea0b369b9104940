"""The mails of circles: in the recipient's language, queued in the transaction."""

from __future__ import annotations

import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.circles.models import Circle, CircleMember, MemberStatus
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

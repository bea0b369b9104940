"""The mails of initiatives: a join request to its coordinators, a welcome to a new member."""

from __future__ import annotations

import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.mail import external_url, queue_email
from buurthulp.neighbourhoods.models import Initiative, Membership, MembershipStatus


def join_request(session, initiative: Initiative, requester: Neighbour) -> None:
    """Tell the initiative's coordinators (with a confirmed address) that someone asks to join."""
    coordinators = session.scalars(
        sa.select(Neighbour).join(Membership, Membership.neighbour_id == Neighbour.id)
        .where(Membership.initiative_id == initiative.id, Membership.is_coordinator,
               Membership.status == MembershipStatus.ACTIVE, Neighbour.email.is_not(None),
               Neighbour.email_confirmed_at.is_not(None))
    ).all()
    for coordinator in coordinators:
        queue_email(session, coordinator.email, "neighbourhoods/join_request", coordinator.locale,
                    coordinator=coordinator, requester=requester, initiative=initiative,
                    url=external_url("neighbourhoods.initiative", slug=initiative.slug))


def welcome(session, m: Membership) -> None:
    """Welcome an approved member, when they have a confirmed address."""
    if m.neighbour.email and m.neighbour.email_confirmed_at:
        queue_email(session, m.neighbour.email, "neighbourhoods/welcome", m.neighbour.locale,
                    neighbour=m.neighbour, initiative=m.initiative,
                    url=external_url("neighbourhoods.initiative", slug=m.initiative.slug))

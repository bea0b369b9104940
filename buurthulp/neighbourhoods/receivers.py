"""A person's memberships of initiatives: exported, and removed on deletion."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp import privacy
from buurthulp.neighbourhoods.models import Membership


def export_memberships(session, neighbour) -> dict:
    """The initiatives the person is (or asked to be) a member of, with their roles."""
    memberships = session.scalars(sa.select(Membership).where(Membership.neighbour_id == neighbour.id)
                                  .options(so.joinedload(Membership.initiative)).order_by(Membership.id)).all()
    return {"memberships": [
        {"initiative": m.initiative.name, "status": str(m.status), "roles": [str(r) for r in m.roles],
         "requested_at": m.requested_at.isoformat() if m.requested_at else None}
        for m in memberships]}


def forget_memberships(session, neighbour) -> None:
    """On account deletion: the memberships go."""
    session.execute(sa.delete(Membership).where(Membership.neighbour_id == neighbour.id))


privacy.register("neighbourhoods", export=export_memberships, erase=forget_memberships, order=60)

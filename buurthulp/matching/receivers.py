"""What the matcher remembers of a helper (their profile, ``MatchingLiker``; their weekly cap, ``MatchingCap``):
erased with the person."""

import sqlalchemy as sa

from buurthulp import privacy
from buurthulp.matching.models import MatchingCap, MatchingLiker


def forget_profile(session, neighbour) -> None:
    """Drop what the matcher remembers of this person."""
    session.execute(sa.delete(MatchingLiker).where(MatchingLiker.neighbour_id == neighbour.id))
    session.execute(sa.delete(MatchingCap).where(MatchingCap.neighbour_id == neighbour.id))


privacy.register("matching", erase=forget_profile, order=15)

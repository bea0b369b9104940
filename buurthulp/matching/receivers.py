"""The matcher's copy of a helper's profile (``MatchingLiker``): erased with the person."""

import sqlalchemy as sa

from buurthulp import privacy
from buurthulp.matching.models import MatchingLiker


def forget_profile(session, neighbour) -> None:
    """Drop what the matcher remembers of this person's profile."""
    session.execute(sa.delete(MatchingLiker).where(MatchingLiker.neighbour_id == neighbour.id))


privacy.register("matching", erase=forget_profile, order=15)

"""Getting there: "Ik zoek vervoer" (a lift ask) and "Ik kan iemand meenemen" (a lift offer) for one date.

STUB: filled in by the lifts helper. ``lift_section`` is what the date page shows about lifts."""

from __future__ import annotations

from dataclasses import dataclass, field

from buurthulp.accounts.models import Neighbour
from buurthulp.activities.dates import Occurrence


@dataclass
class LiftSection:
    """What the date page shows about lifts to this date, for one viewer."""

    occurrence: Occurrence
    my_asks: list = field(default_factory=list)
    my_offers: list = field(default_factory=list)
    others: list = field(default_factory=list)


def lift_section(session, occurrence: Occurrence, viewer: Neighbour) -> LiftSection:
    """The lift asks and offers for this date that the viewer sees, in a fixed number of queries."""
    return LiftSection(occurrence)

"""What the matcher remembers between runs: when it ran (the watermark) and the helpers' profiles it saw."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from buurthulp.extensions import db


class MatchingRun(db.Model):
    """One matcher run: the next run looks at what changed since ``ran_at`` (its ``now``)."""

    __tablename__ = "matching_run"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ran_at: so.Mapped[datetime] = so.mapped_column(index=True)
    full: so.Mapped[bool]
    # the settings and neighbourhood map the run matched with: when they differ, the next run is a full one
    settings: so.Mapped[str] = so.mapped_column(sa.String(200))


class MatchingLiker(db.Model):
    """A helper from their profile (one row per category they like to do), as the last run saw them.

    Compared with the profiles every run: a row that is new or differs names a (neighbourhood, category) bucket
    that changed. Erased with the person (``receivers.py``); a run drops the rows of who is no longer a helper.
    """

    __tablename__ = "matching_liker"

    neighbour_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    category: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    neighbourhood_id: so.Mapped[int]
    latitude: so.Mapped[Optional[float]]
    longitude: so.Mapped[Optional[float]]
    availability: so.Mapped[int]

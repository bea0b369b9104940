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
    # the hourly run loads the helpers of some (neighbourhood, category) buckets from here
    __table_args__ = (sa.Index("ix_matching_liker_category_neighbourhood_id", "category", "neighbourhood_id"),)

    neighbour_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    category: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    neighbourhood_id: so.Mapped[int]
    latitude: so.Mapped[Optional[float]]
    longitude: so.Mapped[Optional[float]]
    availability: so.Mapped[int]


class MatchingCap(db.Model):
    """A helper at their weekly cap of new suggestions, and until when.

    Only the matcher makes suggestions, so it keeps this itself: after each run for the helpers it suggested, and
    whole in the daily full run. The hourly run leaves out who is here without reading their match history.
    Erased with the person (``receivers.py``).
    """

    __tablename__ = "matching_cap"

    neighbour_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    until: so.Mapped[datetime] = so.mapped_column(index=True)

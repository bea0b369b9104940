"""Reading the broker's queue in tests: the ids of one section's rows (asks, or matches), all pages."""

from __future__ import annotations

from datetime import datetime

from buurthulp.broker import queue as q
from buurthulp.db import utcnow
from buurthulp.extensions import db


def section_ids(initiative, broker, section: str, now: datetime | None = None, **filters) -> list[int]:
    """The ids in one section as the broker sees it, in the queue's order: post ids for asks, else match ids."""
    now = now or utcnow()
    scope = q.scope(db.session, initiative, broker, now, q.Settings())
    wanted = q.Filters(section=q.Section(section), **filters)
    total = q.counts(db.session, scope, wanted)[wanted.section]
    page = q.page(db.session, scope, wanted, 1, max(total, 1), total)
    return [row.match.id if row.match else row.post.id for row in page.items]

"""Lists a page at a time: one helper for every paged list, so no page loads more rows than it shows.

``counted_page`` knows the total (for "page 2 of 7"); ``peek_page`` reads one row more than it shows, to know
whether a next page exists without counting (for lists where a count would read the whole table).
Both take a ``select`` that is already sorted; ``by_id`` first reads the page's ids and then those rows, so that
a sort served by an index does not make the database read every candidate row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so


@dataclass
class Page:
    """One page of a list, with what the pagination macro (``templates/macros/pagination.html``) needs."""

    items: list
    page: int
    per_page: int
    total: int | None = None  # None: not counted (a peek page)
    more: bool = False  # a peek page: is there a next one?
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        if self.total is None:
            return self.page + (1 if self.more else 0)
        return max(1, ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.more if self.total is None else self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def _rows(session, stmt: sa.Select, offset: int, limit: int, by_id) -> list:
    if by_id is None:
        return list(session.scalars(stmt.offset(offset).limit(limit)).unique())
    ids = stmt.with_only_columns(by_id).options(so.lazyload("*")).offset(offset).limit(limit).subquery()
    return list(session.scalars(stmt.where(by_id.in_(sa.select(ids.c[0])))).unique())


def counted_page(session, stmt: sa.Select, *, page: int, per_page: int, by_id=None) -> Page:
    """A page of ``stmt`` and the total count: two queries (and no more for a page past the end)."""
    page = max(1, page)
    count_of = stmt.with_only_columns(by_id if by_id is not None else sa.literal(1)).options(so.lazyload("*"))
    total = session.scalar(sa.select(sa.func.count()).select_from(count_of.order_by(None).subquery()))
    items = _rows(session, stmt, (page - 1) * per_page, per_page, by_id) if (page - 1) * per_page < total else []
    return Page(items, page, per_page, total=total)


def peek_page(session, stmt: sa.Select, *, page: int, per_page: int, by_id=None) -> Page:
    """A page of ``stmt``, reading one row more to know whether another page follows: one query."""
    page = max(1, page)
    rows = _rows(session, stmt, (page - 1) * per_page, per_page + 1, by_id)
    return Page(rows[:per_page], page, per_page, more=len(rows) > per_page)

"""Export and erase a person: every domain registers what it stores about people, and this runs them all.

A domain that keeps personal data registers, in its ``receivers.py``, a function that exports it
(a dict of top-level keys for the person's download) and one that erases it on account deletion
(removes it, or keeps what bookkeeping must keep under the pseudonym). ``tests/test_privacy.py``
fails when a model with a link to a neighbour belongs to a domain that registered nothing. This
module imports no domain, so any domain may ask it (the broker, for a proxy neighbour).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from buurthulp.db import utcnow

EXPORT_FORMAT = "buurthulp-export-1"


@dataclass(frozen=True)
class Part:
    """What one domain keeps about a person: how to export it and how to erase it."""

    domain: str
    export: Callable[..., dict] | None
    erase: Callable[..., None] | None
    order: int  # erase order: lower first; the account itself (order 1000) goes last


_parts: dict[str, Part] = {}


def register(domain: str, *, export: Callable[..., dict] | None = None, erase: Callable[..., None] | None = None,
             order: int = 100) -> None:
    """Register a domain's ``export(session, neighbour) -> dict`` and ``erase(session, neighbour)``."""
    _parts[domain] = Part(domain, export, erase, order)


def registered() -> dict[str, Part]:
    return dict(_parts)


def _in_order() -> list[Part]:
    return sorted(_parts.values(), key=lambda part: (part.order, part.domain))


def export_data(session, neighbour) -> dict:
    """Everything stored about a neighbour, as plain JSON-ready data."""
    data: dict = {"format": EXPORT_FORMAT, "exported_at": utcnow().isoformat()}
    for part in _in_order():
        if part.export is not None:
            data.update(part.export(session, neighbour))
    return data


def delete_account(session, neighbour) -> None:
    """Remove a neighbour's personal data in every domain; keep a pseudonymous row for what bookkeeping must keep."""
    for part in _in_order():
        if part.erase is not None:
            part.erase(session, neighbour)

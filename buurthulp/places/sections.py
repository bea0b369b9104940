"""More on a place's page from domains above the living map: "Coming activities here", for one.

Places sit below those domains and import none of them; a domain registers a section (in its ``receivers.py``)
and the place's page shows what each one gives, in the order they registered.
"""

from __future__ import annotations

from collections.abc import Callable

# fn(session, place, viewer) -> (template name, its context) to show, or None to show nothing
Section = Callable[..., "tuple[str, dict] | None"]
_sections: list[Section] = []


def register_section(fn: Section) -> Section:
    """Add ``fn`` to every place's page (once; a decorator too)."""
    if fn not in _sections:
        _sections.append(fn)
    return fn


def sections_for(session, place, viewer) -> list[tuple[str, dict]]:
    """What the registered sections show on this place's page for this viewer: (template name, context)."""
    return [shown for fn in _sections if (shown := fn(session, place, viewer)) is not None]

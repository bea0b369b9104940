"""Lucide icons from static/icons/ (ISC licence), drawn inline by the icon() macro in templates/macros/icons.html."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from markupsafe import Markup

ICON_DIR = Path(__file__).resolve().parents[2] / "static" / "icons"
_NAME = re.compile(r"^[a-z0-9-]+$")


@cache
def icon_shapes(name: str) -> Markup:
    """The shapes inside one vendored icon's <svg> element; a name without a file is an error, not a blank."""
    if not _NAME.match(name):
        raise ValueError(f"not an icon name: {name!r}")
    text = (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")
    start = text.index(">", text.index("<svg")) + 1
    return Markup(" ".join(text[start:text.rindex("</svg>")].split()))

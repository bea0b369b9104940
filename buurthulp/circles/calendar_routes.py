"""A person's secret calendar address (.ics): their rota dates and agreed help."""

from __future__ import annotations

from buurthulp.circles import bp  # noqa: F401

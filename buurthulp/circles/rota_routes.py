"""The rota of a circle: its slots, taking and giving back dates, check-ins."""

from __future__ import annotations

from buurthulp.circles import bp  # noqa: F401

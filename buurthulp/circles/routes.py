"""The pages of support circles: start one, invite and join, members, the board. The rota
(``rota_routes``) and the calendar feed (``calendar_routes``) are on the same blueprint, brought in here."""

from __future__ import annotations

# the rota's pages and the personal calendar feed live on this blueprint too
from buurthulp.circles import (  # noqa: E402,F401
    bp,  # noqa: F401
    calendar_routes,
    rota_routes,
)

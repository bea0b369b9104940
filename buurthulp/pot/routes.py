"""The pot's pages: what they share, and the modules that put them on the blueprint.

``member_routes``: my compensation, allowance room and statement (and a member's, for the books);
``books_routes``: the books, a month, the export and the settings, for those who keep or oversee the books;
``booking_routes``: bookings and corrections, for those who keep them. Who may open which page is asked of
``buurthulp.access`` (``require_books`` and its kin); nothing here decides it.
"""

from __future__ import annotations

from buurthulp.money import format_euros as money
from buurthulp.pot import booking_routes, books_routes, bp, member_routes  # noqa: F401  (their pages)
from buurthulp.timeutil import local_today

bp.app_template_filter("money")(money)  # "€ 12,50": amounts in the page's language, in every template


@bp.context_processor
def pot_context() -> dict:
    return {"pot_month_now": local_today().strftime("%Y-%m")}

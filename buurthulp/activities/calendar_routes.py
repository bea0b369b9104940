"""An activity's date as a calendar file (.ics). STUB: filled in by the calendar helper."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_login import login_required

from buurthulp.activities import bp


@bp.route("/<int:activity_id>/<date:on>.ics")
@login_required
def date_ics(activity_id: int, on: date):
    abort(404)

"""An activity's date as a calendar file (.ics), for anyone who may see the activity.

The dates someone comes to are also in their personal calendar feed (``/calendar/<token>.ics``): activities
add them there through ``circles.calendar.register_source`` (``receivers.py``).
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort
from flask_login import login_required

from buurthulp import access
from buurthulp.activities import bp
from buurthulp.activities.calendar import date_ical
from buurthulp.activities.dates import occurrence
from buurthulp.extensions import db


@bp.route("/<int:activity_id>/<date:on>.ics")
@login_required
def date_ics(activity_id: int, on: date):
    """One date as a file to open in a calendar program; a date that is not one of the activity's is a 404."""
    activity = access.require_activity(activity_id)
    o = occurrence(db.session, activity, on)
    if o is None:
        abort(404)
    return Response(date_ical(o), content_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="activity-{activity.id}-{on:%Y-%m-%d}.ics"',
        "Cache-Control": "private, no-store",
        "X-Robots-Tag": "noindex",
    })

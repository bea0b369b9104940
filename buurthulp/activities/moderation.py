"""Keeping activities kind: a neighbour reports one to the moderators of its neighbourhood, a moderator hides it.

A report is a posts ``Report`` (the moderators' one list of reports) with the activity and a copy of its text as
it was when reported, as for a post (``posts.moderation.report``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.activities import services
from buurthulp.activities.models import Activity
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.posts.models import Report
from buurthulp.posts.moderation import close_report, snapshot_of


def report_activity(session, reporter: Neighbour, activity: Activity, reason: str) -> Report:
    """Report an activity as inappropriate to the brokers and coordinators of its neighbourhood; once per
    reporter while the report is open."""
    if len(reason.strip()) < 3:
        raise DomainError(_l("Please say briefly what is wrong."))
    if not access.may_see_activity(session, reporter, activity):
        raise NotAllowed(_l("You can only report activities you can see."))
    if session.scalar(sa.select(Report.id).where(Report.activity_id == activity.id,
                                                 Report.reporter_id == reporter.id,
                                                 Report.resolved_at.is_(None))) is not None:
        raise DomainError(_l("You have already reported this. A broker will look at it."))
    item = Report(reporter_id=reporter.id, neighbourhood_id=activity.neighbourhood_id, activity_id=activity.id,
                  reason=reason.strip()[:1000], snapshot=snapshot_of(activity=activity))
    session.add(item)
    session.flush()
    return item


def hide_activity(session, moderator: Neighbour, activity: Activity, hidden: bool,
                  now: datetime | None = None) -> None:
    """A moderator hides an activity (its open reports are then handled) or shows it again."""
    now = now or utcnow()
    services.hide(session, moderator, activity, hidden, now)
    if hidden:
        for item in session.scalars(sa.select(Report).where(Report.activity_id == activity.id,
                                                            Report.resolved_at.is_(None))):
            close_report(item, moderator, "hidden", now)
    session.flush()

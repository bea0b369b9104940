"""The mails of activities: in the recipient's language, queued in the transaction that caused them.

A reminder, a place that came free and an organiser's message go into the hourly batch of notifications
(``posts.notifications``); a changed or cancelled date is mailed at once."""

from __future__ import annotations

from datetime import datetime

from buurthulp.accounts.models import Neighbour
from buurthulp.activities.dates import occurrence, when_label
from buurthulp.mail import external_url, queue_email
from buurthulp.posts.models import Notification
from buurthulp.posts.notifications import notification_text, wants_mail


def mail_change(session, item: Notification, now: datetime) -> None:
    """Mail one changed or cancelled date to someone coming, now (not with the hourly batch)."""
    person = session.get(Neighbour, item.neighbour_id)
    if wants_mail(person):
        o = occurrence(session, item.activity, item.activity_on)
        queue_email(session, person.email, "activities/change", person.locale, neighbour=person, item=item,
                    occurrence=o, when=when_label, text=notification_text,
                    url=external_url("activities.date", activity_id=item.activity_id, on=item.activity_on))
    item.mailed_at = now

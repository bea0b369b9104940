"""The posts domain's scheduled jobs."""

from flask_babel import lazy_gettext as _l

from buurthulp.jobs import Job
from buurthulp.posts.matches import confirm_done_matches
from buurthulp.posts.notifications import send_notification_mails
from buurthulp.posts.services import expire_posts, remind_expiring_posts

JOBS = [
    Job("expire_posts", lambda session, now: {"expired": expire_posts(session, now)}, every_minutes=60,
        description=_l("Open posts past their date stop being shown.")),
    Job("remind_expiring_posts", lambda session, now: {"reminded": remind_expiring_posts(session, now)},
        every_minutes=60, description=_l("Authors hear a few days before their post expires.")),
    Job("confirm_done_matches", lambda session, now: {"confirmed": confirm_done_matches(session, now)},
        every_minutes=60, description=_l("Help marked done 7 days ago is confirmed.")),
    Job("send_notification_mails", lambda session, now: {"mails": send_notification_mails(session, now)},
        every_minutes=10, description=_l("Waiting notifications, at most one mail an hour per neighbour.")),
]

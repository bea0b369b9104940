"""In-app notifications, and the mail about them: at most one an hour per neighbour."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from buurthulp.accounts.models import Neighbour
from buurthulp.db import utcnow
from buurthulp.mail import external_url, queue_email
from buurthulp.posts.models import Match, Notification, NotificationKind, Post

MAIL_INTERVAL = timedelta(hours=1)
# what the matcher tells in bulk (its suggestions, to askers and to helpers): mailed at most once a week
MATCHER_KINDS = frozenset({NotificationKind.SUGGESTED, NotificationKind.SUGGESTED_TO_HELP})


def notify(session, neighbour_id: int, kind: NotificationKind, *, actor_id: int | None = None,
           match: Match | None = None, post: Post | None = None, activity=None, activity_on: date | None = None,
           now: datetime | None = None, mail: bool = True) -> Notification:
    """Tell a neighbour something in the app; mail it now if their last mail is an hour old. ``mail=False``: the
    caller mails it itself at once (and stamps ``mailed_at``), so it is not in the hourly mail as well."""
    now = now or utcnow()
    if post is None and match is not None:
        post = match.post
    item = Notification(neighbour_id=neighbour_id, kind=kind, actor_id=actor_id,
                        match_id=match.id if match is not None else None,
                        post_id=post.id if post is not None else None,
                        activity_id=activity.id if activity is not None else None, activity_on=activity_on,
                        created_at=now)
    session.add(item)
    session.flush()
    recipient = session.get(Neighbour, neighbour_id)
    if not wants_mail(recipient):
        item.mailed_at = now  # nothing to send later either
    elif mail:
        mail_if_due(session, recipient, now)
    return item


def wants_mail(neighbour: Neighbour) -> bool:
    return bool(neighbour.notify_by_mail and neighbour.email and neighbour.email_confirmed_at
                and neighbour.deleted_at is None)


def mail_if_due(session, neighbour: Neighbour, now: datetime) -> bool:
    """Send one mail with everything not yet mailed, unless a mail went out within the hour."""
    last = neighbour.notifications_mailed_at
    if last is not None and last > now - MAIL_INTERVAL:
        return False
    pending = session.scalars(
        sa.select(Notification)
        .where(Notification.neighbour_id == neighbour.id, Notification.mailed_at.is_(None))
        .options(so.joinedload(Notification.actor), so.joinedload(Notification.post),
                 so.joinedload(Notification.match), so.joinedload(Notification.activity))
        .order_by(Notification.created_at, Notification.id)
    ).all()
    if not pending:
        return False
    if not wants_mail(neighbour):
        # made in bulk (the matcher's) without asking: nothing to send, now or later
        for item in pending:
            item.mailed_at = now
        return False
    # the matcher's news goes by mail at most once every MATCH_SUGGESTION_MAIL_DAYS; within that, in the app only
    suggested = [item for item in pending if item.kind in MATCHER_KINDS]
    last = neighbour.suggestions_mailed_at
    if suggested and last is not None and last > now - timedelta(days=current_app.config["MATCH_SUGGESTION_MAIL_DAYS"]):
        for item in suggested:
            item.mailed_at = now
        pending = [item for item in pending if item.kind not in MATCHER_KINDS]
        if not pending:
            return False
    elif suggested:
        neighbour.suggestions_mailed_at = now
    queue_email(session, neighbour.email, "posts/notifications", neighbour.locale, neighbour=neighbour,
                items=pending, url=external_url("posts.notifications"), link=mail_link,
                profile_url=external_url("accounts.profile"))
    for item in pending:
        item.mailed_at = now
    neighbour.notifications_mailed_at = now
    return True


def mail_link(item: Notification) -> str | None:
    """A link of its own in the mail for a notification about an activity's date (the date's page, with its time
    and place); the others are read on the notifications page the mail links to."""
    if item.activity_id is not None and item.activity_on is not None:
        return external_url("activities.date", activity_id=item.activity_id, on=item.activity_on)
    return None


def send_notification_mails(session, now: datetime) -> int:
    """Job: mail waiting notifications to everyone whose last mail is at least an hour old."""
    due = session.scalars(
        sa.select(Neighbour)
        .where(Neighbour.id.in_(sa.select(Notification.neighbour_id).where(Notification.mailed_at.is_(None))),
               sa.or_(Neighbour.notifications_mailed_at.is_(None),
                      Neighbour.notifications_mailed_at <= now - MAIL_INTERVAL))
    ).all()
    return sum(mail_if_due(session, neighbour, now) for neighbour in due)


def notification_text(item: Notification) -> str:
    """One sentence for a notification, in the current language."""
    name = item.actor.display_name if item.actor is not None else _("Someone")
    title = item.post.title if item.post is not None else ""
    day = ""
    if item.activity is not None:
        title = item.activity.title
        day = format_date(item.activity_on, format="EEEE d MMMM") if item.activity_on is not None else ""
    texts = {
        NotificationKind.RESPONSE: _("%(name)s responded to “%(title)s”.", name=name, title=title),
        NotificationKind.PROPOSED: _("%(name)s would like your help with “%(title)s”.", name=name, title=title),
        NotificationKind.ACCEPTED: _("%(name)s said yes to “%(title)s”. You can now make an appointment.",
                                     name=name, title=title),
        NotificationKind.DECLINED: _("%(name)s said no to “%(title)s”. Thank you anyway!", name=name, title=title),
        NotificationKind.CANCELLED: _("%(name)s cancelled the match for “%(title)s”.", name=name, title=title),
        NotificationKind.MESSAGE: _("%(name)s sent you a message about “%(title)s”.", name=name, title=title),
        NotificationKind.DONE_MARKED: _("%(name)s says “%(title)s” is done. Please confirm.", name=name, title=title),
        NotificationKind.DONE: _("“%(title)s” is done. Thank you for helping each other!", title=title),
        NotificationKind.THANKED: _("%(name)s thanked you for “%(title)s”.", name=name, title=title),
        NotificationKind.EXPIRING: _("Your post “%(title)s” will stop being shown in a few days. Renew it if you "
                                     "still need it.", title=title),
        NotificationKind.EXPIRED: _("Your post “%(title)s” is no longer shown. You can renew it.", title=title),
        NotificationKind.SUGGESTED: _("We found neighbours who could help you. Have a look at the suggestions."),
        NotificationKind.ASK_HELPED: _("Someone else is already helping with “%(title)s”. Thank you anyway!",
                                       title=title),
        NotificationKind.SUGGESTED_TO_HELP: _("You could help with “%(title)s” nearby. Have a look if you like; "
                                              "you are never obliged.", title=title),
        NotificationKind.ALLOWANCE_WARNING: _("A compensation for you goes over the tax-free volunteer allowance. "
                                              "Have a look at your room for this year."),
        NotificationKind.ALLOWANCE_CAPPED: _("A compensation for you stopped at the tax-free limit, as you asked. "
                                             "The rest stays in the pot."),
        NotificationKind.ALLOWANCE_TREASURER: _("A compensation for %(name)s goes over a tax-free limit. "
                                                "Please check the books.", name=name),
        NotificationKind.ACTIVITY_REMINDER: _("Tomorrow: “%(title)s”. You said you are coming.", title=title),
        NotificationKind.ACTIVITY_CHANGED: _("“%(title)s” on %(day)s has changed. Have a look at the new time.",
                                             title=title, day=day),
        NotificationKind.ACTIVITY_CANCELLED: _("“%(title)s” on %(day)s will not take place.", title=title, day=day),
        NotificationKind.ACTIVITY_MOVED_UP: _("A place came free: you can come to “%(title)s” on %(day)s.",
                                              title=title, day=day),
        NotificationKind.ACTIVITY_MESSAGE: _("%(name)s wrote to everyone coming to “%(title)s” on %(day)s.",
                                             name=name, title=title, day=day),
    }
    return texts[item.kind]


def notification_path(item: Notification) -> str:
    """Where a notification leads, as a path on this site."""
    if item.kind == NotificationKind.SUGGESTED:
        return url_for("posts.mine")
    if item.kind in (NotificationKind.ALLOWANCE_WARNING, NotificationKind.ALLOWANCE_CAPPED,
                     NotificationKind.ALLOWANCE_TREASURER):
        return url_for("pot.index")
    if item.activity_id is not None and item.activity_on is not None:
        return url_for("activities.date", activity_id=item.activity_id, on=item.activity_on)
    if item.match_id is not None:
        return url_for("posts.match", match_id=item.match_id)
    if item.post_id is not None:
        return url_for("posts.detail", post_id=item.post_id)
    return url_for("posts.notifications")


def unread_count_query(neighbour_id: int) -> sa.Select:
    """How many notifications the neighbour has not read, as a query (the menu asks it inside its own)."""
    return sa.select(sa.func.count()).select_from(Notification).where(
        Notification.neighbour_id == neighbour_id, Notification.read_at.is_(None))


def unread_count(session, neighbour_id: int) -> int:
    return session.scalar(unread_count_query(neighbour_id))

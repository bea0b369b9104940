"""Keeping the neighbourhood kind: reports to its moderators, hiding a post, blocking a neighbour."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.posts.matches import end_live_matches, end_open_matches
from buurthulp.posts.models import Block, Match, MatchStatus, Message, Post, PostStatus, Report


def snapshot_of(post: Post | None = None, message: Message | None = None, activity=None) -> str:
    """The reported text as a moderator reads it: a post's or an activity's title and description, or a message's
    body. (``activity``: an ``activities`` Activity, which reports keep the same way.)"""
    if message is not None:
        return message.body
    if post is not None:
        return f"{post.title}\n\n{post.description}".strip()
    if activity is not None:
        return f"{activity.title}\n\n{activity.description}".strip()
    return ""


def report(session, reporter: Neighbour, reason: str, *, post: Post | None = None,
           message: Message | None = None) -> Report:
    """Report a post or a message as inappropriate to the neighbourhood's brokers and coordinators.

    The report keeps the text as it is now (``snapshot``): when its author changes it or deletes their account,
    the moderators still read what was reported. It is kept only while the report is open.
    """
    if len(reason.strip()) < 3:
        raise DomainError(_l("Please say briefly what is wrong."))
    if message is not None:
        match = message.match
        if not match.is_participant(reporter.id):
            raise NotAllowed(_l("You can only report messages you can read."))
        neighbourhood_id = match.post.neighbourhood_id
        existing = sa.select(Report.id).where(Report.message_id == message.id, Report.reporter_id == reporter.id)
    elif post is not None:
        if not access.may_see_post(session, reporter, post):
            raise NotAllowed(_l("You can only report posts you can see."))
        neighbourhood_id = post.neighbourhood_id
        existing = sa.select(Report.id).where(Report.post_id == post.id, Report.reporter_id == reporter.id,
                                              Report.resolved_at.is_(None))
    else:
        raise DomainError(_l("There is nothing to report."))
    if session.scalar(existing) is not None:
        raise DomainError(_l("You have already reported this. A broker will look at it."))
    item = Report(reporter_id=reporter.id, neighbourhood_id=neighbourhood_id, post=post, message=message,
                  reason=reason.strip(), snapshot=snapshot_of(post, message))
    session.add(item)
    session.flush()
    return item


def close_report(item: Report, moderator: Neighbour, outcome: str, now: datetime) -> None:
    """A report is handled: who did what, when. Its snapshot of the reported text is cleared, since a handled
    report needs no copy of someone's words (privacy: keep no more than needed)."""
    item.resolved_at, item.resolved_by_id, item.outcome = now, moderator.id, outcome
    item.snapshot = ""


def hide_post(session, moderator: Neighbour, post: Post, now: datetime | None = None) -> None:
    """A broker or coordinator of the neighbourhood hides a post; its open reports are resolved (snapshots cleared)."""
    now = now or utcnow()
    if not access.moderates(session, moderator, post.neighbourhood_id):
        raise NotAllowed(_l("Only brokers and coordinators of this neighbourhood can do this."))
    post.hidden_at = now
    post.hidden_by_id = moderator.id
    if post.status == PostStatus.OPEN:
        post.status = PostStatus.CLOSED
        post.closed_at = now
    end_open_matches(session, post, MatchStatus.CANCELLED, now)
    for item in session.scalars(sa.select(Report).where(Report.post_id == post.id, Report.resolved_at.is_(None))):
        close_report(item, moderator, "hidden", now)


def resolve_report(session, moderator: Neighbour, item: Report, now: datetime | None = None) -> None:
    """Mark a report as handled without hiding anything; its snapshot of the reported text is cleared."""
    if not access.moderates(session, moderator, item.neighbourhood_id):
        raise NotAllowed(_l("Only brokers and coordinators of this neighbourhood can do this."))
    if item.resolved_at is not None:
        raise DomainError(_l("This report has already been handled."))
    close_report(item, moderator, "kept", now or utcnow())


def block(session, blocker: Neighbour, blocked: Neighbour, now: datetime | None = None) -> None:
    """Block a neighbour: no more posts of each other, no matches; open matches between them end."""
    now = now or utcnow()
    if blocker.id == blocked.id:
        raise DomainError(_l("You cannot block yourself."))
    if session.get(Block, (blocker.id, blocked.id)) is not None:
        return
    session.add(Block(blocker_id=blocker.id, blocked_id=blocked.id, created_at=now))
    end_live_matches(session, sa.or_(sa.and_(Match.asker_id == blocker.id, Match.helper_id == blocked.id),
                                     sa.and_(Match.asker_id == blocked.id, Match.helper_id == blocker.id)),
                     blocker.id, now)
    session.flush()


def unblock(session, blocker: Neighbour, blocked_id: int) -> None:
    session.execute(sa.delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked_id))

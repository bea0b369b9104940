"""A neighbour's posts, matches and messages in their data export, and forgetting them on deletion."""

from __future__ import annotations

import sqlalchemy as sa

from buurthulp.db import utcnow
from buurthulp.posts.matches import end_live_matches, end_open_matches
from buurthulp.posts.models import (
    Block,
    Match,
    MatchStatus,
    Message,
    Notification,
    Post,
    PostStatus,
    Report,
    ThankYou,
)

REMOVED = "—"


def _iso(value):
    return value.isoformat() if value else None


def posts_export(session, neighbour) -> dict:
    """Everything this neighbour wrote or agreed to, as plain data."""
    posts = session.scalars(sa.select(Post).where(Post.author_id == neighbour.id).order_by(Post.id)).all()
    matches = session.scalars(sa.select(Match).where(
        sa.or_(Match.asker_id == neighbour.id, Match.helper_id == neighbour.id)).order_by(Match.id)).all()
    messages = session.scalars(sa.select(Message).where(Message.author_id == neighbour.id).order_by(Message.id)).all()
    thanks = session.scalars(sa.select(ThankYou).where(
        sa.or_(ThankYou.author_id == neighbour.id, ThankYou.helper_id == neighbour.id)).order_by(ThankYou.id)).all()
    blocks = session.scalars(sa.select(Block.blocked_id).where(Block.blocker_id == neighbour.id)).all()
    return {
        "posts": [{
            "id": p.id, "kind": str(p.kind), "category": str(p.category), "title": p.title,
            "description": p.description, "private_details": p.private_details, "timing": str(p.timing),
            "on_date": _iso(p.on_date), "period_start": _iso(p.period_start), "period_end": _iso(p.period_end),
            "weekly_slots": p.weekly_slots, "weekly_until": _iso(p.weekly_until),
            "duration_minutes": p.duration_minutes, "place": str(p.place), "place_note": p.place_note,
            "status": str(p.status), "created_at": _iso(p.created_at), "expires_at": _iso(p.expires_at),
        } for p in posts],
        "matches": [{
            "id": m.id, "ask_post": m.ask_id, "offer_post": m.offer_id,
            "role": "asked" if m.asker_id == neighbour.id else "helped", "status": str(m.status),
            "source": str(m.source), "created_at": _iso(m.created_at), "accepted_at": _iso(m.accepted_at),
            "done_at": _iso(m.done_at), "minutes": m.minutes, "cancel_reason": m.cancel_reason,
        } for m in matches],
        "messages_written": [{"match": m.match_id, "body": m.body, "created_at": _iso(m.created_at)} for m in messages],
        "thank_you_notes": [{"match": t.match_id, "written_by_me": t.author_id == neighbour.id, "body": t.body,
                             "shown_on_profile": t.public} for t in thanks],
        "blocked_neighbours": list(blocks),
    }


def forget_posts(session, neighbour) -> None:
    """On account deletion: remove what this neighbour wrote; keep matches (hours) without text.

    Open reports about their posts or messages keep their snapshot of the reported text, so the moderators can
    still read what was reported and act; a snapshot is cleared when its report is handled
    (``moderation.close_report``), and any left on handled reports are cleared here.
    """
    now = utcnow()
    for post in session.scalars(sa.select(Post).where(Post.author_id == neighbour.id)):
        post.title = REMOVED
        post.description = post.private_details = post.place_note = ""
        post.latitude = post.longitude = None
        if post.status in (PostStatus.OPEN, PostStatus.MATCHED):
            post.status = PostStatus.CLOSED
            post.closed_at = now
        post.hidden_at = post.hidden_at or now
        end_open_matches(session, post, MatchStatus.CANCELLED, now)
    # Agreed or waiting matches with this person end; the other person's ask is open again.
    end_live_matches(session, sa.or_(Match.asker_id == neighbour.id, Match.helper_id == neighbour.id), neighbour.id, now)
    session.execute(sa.update(Match).where(Match.cancelled_by_id == neighbour.id).values(cancel_reason=""))
    session.execute(sa.update(Message).where(Message.author_id == neighbour.id).values(body=REMOVED))
    session.execute(sa.delete(ThankYou).where(ThankYou.author_id == neighbour.id))
    session.execute(sa.delete(Notification).where(
        sa.or_(Notification.neighbour_id == neighbour.id, Notification.actor_id == neighbour.id)))
    session.execute(sa.delete(Block).where(sa.or_(Block.blocker_id == neighbour.id, Block.blocked_id == neighbour.id)))
    session.execute(sa.update(Report).where(Report.reporter_id == neighbour.id).values(reporter_id=None))
    theirs = sa.or_(Report.post_id.in_(sa.select(Post.id).where(Post.author_id == neighbour.id)),
                    Report.message_id.in_(sa.select(Message.id).where(Message.author_id == neighbour.id)))
    session.execute(sa.update(Report).where(theirs, Report.resolved_at.is_not(None)).values(snapshot=""))

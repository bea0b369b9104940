"""Who may see a post, its private details and a match, who may respond; blocks and moderation."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from buurthulp.access.circles import brokers_circle, is_member
from buurthulp.access.rules import (
    _nearby,
    brokers_match,
    brokers_post,
    once_per_page,
)
from buurthulp.accounts.models import Neighbour
from buurthulp.circles.models import Circle
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.neighbourhoods.models import (
    Membership,
    MembershipStatus,
    initiative_neighbourhood,
)
from buurthulp.posts.models import AGREED_MATCH_STATUSES, Block, Match, Post, PostStatus

# --- posts and matches --------------------------------------------------------------------------

def confirmed_email(person: Neighbour) -> bool:
    """Someone with an e-mail address has clicked its confirmation link before they post or respond;
    a proxy neighbour (no address: the broker acts for them) has nothing to confirm."""
    return person.email is None or person.email_confirmed


def require_confirmed_email(person: Neighbour) -> None:
    """Refuse (403, with what to do) to someone who has not confirmed their e-mail address yet."""
    if not confirmed_email(person):
        raise NotAllowed(_l("Please confirm your e-mail address first: click the link in the e-mail we sent you."))


def in_reach(session, neighbour: Neighbour, post: Post) -> bool:
    """Is the post in the neighbour's own or an adjacent neighbourhood?"""
    if neighbour.neighbourhood_id is None:
        return False
    return once_per_page("in_reach", (neighbour.neighbourhood_id, post.neighbourhood_id), lambda: bool(session.scalar(
        sa.select(sa.literal(post.neighbourhood_id).in_(_nearby(neighbour.neighbourhood_id))))))


def _on_post(post: Post):
    return sa.or_(Match.ask_id == post.id, Match.offer_id == post.id)


def _with(person_id: int):
    return sa.or_(Match.asker_id == person_id, Match.helper_id == person_id)


def agreed_match_of(session, post: Post, neighbour_id: int) -> Match | None:
    """The agreed match of this neighbour on this post, if any."""
    return session.scalar(sa.select(Match).where(_on_post(post), _with(neighbour_id),
                                                 Match.status.in_(AGREED_MATCH_STATUSES)).limit(1))


def post_public(now):
    """SQL condition on Post: shown to the neighbourhood (feed, matcher, digest, lists of others' posts).

    Every post except an ask "to my circle" while it is for the circle only: ``circle_only_until`` not set (the
    circle only, for good) or still to come. ``is_public`` is the same rule for one post already loaded."""
    return sa.or_(Post.circle_id.is_(None),
                  sa.and_(Post.circle_only_until.is_not(None), Post.circle_only_until <= now))


def is_public(post: Post, now) -> bool:
    """``post_public`` for one post."""
    return post.circle_id is None or (post.circle_only_until is not None and post.circle_only_until <= now)


def in_post_circle(session, viewer: Neighbour, post: Post) -> bool:
    """Someone the post's circle shows it to: an active member of that circle (its centre too) or one of the
    circle's brokers (``brokers_circle``)."""
    if post.circle_id is None:
        return False
    circle = session.get(Circle, post.circle_id)
    return circle is not None and (is_member(session, viewer, circle) or brokers_circle(session, viewer, circle))


def _may_see_open(session, viewer: Neighbour, post: Post, now) -> bool:
    """The open post's audience: its circle (wherever its members live), and, once public, neighbours in reach."""
    if post.circle_id is not None and in_post_circle(session, viewer, post):
        return True
    return is_public(post, now) and in_reach(session, viewer, post)


def may_see_post(session, viewer: Neighbour, post: Post, now=None) -> bool:
    """A post's page: its author and the neighbourhood's moderators always; anyone with a match on it unless it
    is hidden or one of the two blocked the other; otherwise only while it is open, to neighbours in reach, and
    for an ask "to my circle" while it is for the circle only (``post_public``), to that circle only."""
    if viewer.id == post.author_id or moderates(session, viewer, post.neighbourhood_id):
        return True
    if post.hidden_at is not None or is_blocked(session, viewer.id, post.author_id):
        return False
    if session.scalar(sa.select(sa.exists().where(_on_post(post), _with(viewer.id)))):
        return True
    return post.status == PostStatus.OPEN and _may_see_open(session, viewer, post, now or utcnow())


def may_see_private_details(session, viewer: Neighbour, post: Post) -> bool:
    """The post's private details (address, door code): the author, the neighbour of an agreed match, and the
    brokers who serve the post (``brokers_post``: not those of another initiative, where the author is its
    proxy neighbour)."""
    return (viewer.id == post.author_id
            or agreed_match_of(session, post, viewer.id) is not None
            or brokers_post(session, viewer, post))


def may_read_match(session, viewer: Neighbour, match: Match) -> bool:
    """A match's page and conversation: the two people of the match, and the brokers who serve it
    (``brokers_match``)."""
    return match.is_participant(viewer.id) or brokers_match(session, viewer, match)


def respond_refusal(session, person: Neighbour, post: Post, now) -> DomainError | None:
    """Why this person may not answer "I can help" / "I would like this" on the post now, or None if they may:
    not their own post, the post open, shown and not expired, nobody blocked, and the post in reach (an ask "to
    my circle": for its circle, and while it is for the circle only, for nobody else).
    (Whether they answered before, and their e-mail confirmation, are checked where they respond.)"""
    if post.author_id == person.id:
        return DomainError(_l("This is your own post."))
    if post.status != PostStatus.OPEN or post.hidden_at is not None or post.expires_at <= now:
        return DomainError(_l("This post is no longer open."))
    if is_blocked(session, person.id, post.author_id) or not _may_see_open(session, person, post, now):
        return NotAllowed(_l("You can respond to posts in your own neighbourhood and the ones next to it."))
    return None


# --- blocks and moderation ----------------------------------------------------------------------

def blocked_ids(session, neighbour_id: int) -> set[int]:
    """Everyone this neighbour blocked or was blocked by, in one query."""
    rows = session.execute(
        sa.select(Block.blocker_id, Block.blocked_id)
        .where(sa.or_(Block.blocker_id == neighbour_id, Block.blocked_id == neighbour_id))
    ).all()
    return {b if a == neighbour_id else a for a, b in rows}


def is_blocked(session, a_id: int, b_id: int) -> bool:
    return once_per_page("is_blocked", frozenset((a_id, b_id)), lambda: session.scalar(
        sa.select(sa.func.count()).select_from(Block).where(sa.or_(
            sa.and_(Block.blocker_id == a_id, Block.blocked_id == b_id),
            sa.and_(Block.blocker_id == b_id, Block.blocked_id == a_id),
        ))
    ) > 0)


def moderates(session, neighbour: Neighbour, neighbourhood_id: int) -> bool:
    """A broker (or coordinator) of an initiative working in this neighbourhood, or a site admin: who hides posts
    and handles reports there. Private details and conversations are for the brokers who serve the post or match
    (``access.brokers_post`` / ``access.brokers_match``), not for every moderator."""
    if neighbour.is_admin:
        return True
    role = sa.or_(Membership.is_broker, Membership.is_coordinator)
    return once_per_page("moderates", (neighbour.id, neighbourhood_id), lambda: session.scalar(
        sa.select(sa.func.count()).select_from(Membership)
        .join(initiative_neighbourhood, initiative_neighbourhood.c.initiative_id == Membership.initiative_id)
        .where(Membership.neighbour_id == neighbour.id, Membership.status == MembershipStatus.ACTIVE, role,
               initiative_neighbourhood.c.neighbourhood_id == neighbourhood_id)
    ) > 0)


def moderated_neighbourhood_ids(session, neighbour: Neighbour) -> list[int] | None:
    """Neighbourhoods where this neighbour is broker or coordinator; None means all (site admin)."""
    if neighbour.is_admin:
        return None
    return list(session.scalars(
        sa.select(initiative_neighbourhood.c.neighbourhood_id.distinct())
        .join(Membership, Membership.initiative_id == initiative_neighbourhood.c.initiative_id)
        .where(Membership.neighbour_id == neighbour.id, Membership.status == MembershipStatus.ACTIVE,
               sa.or_(Membership.is_broker, Membership.is_coordinator))
    ))

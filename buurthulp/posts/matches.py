"""Matches: responses, suggestions picked and answered, the conversation, the agreed time, done and thanks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import LazyString, format_date, gettext
from flask_babel import lazy_gettext as _l

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.posts.models import (
    AGREED_MATCH_STATUSES,
    LIVE_MATCH_STATUSES,
    Match,
    MatchSource,
    MatchStatus,
    Message,
    NotificationKind,
    Post,
    PostStatus,
    ThankYou,
)
from buurthulp.posts.notifications import notify
from buurthulp.signals import match_done
from buurthulp.timeutil import local_to_utc, local_today, to_local

AUTO_CONFIRM_AFTER = timedelta(days=7)
MAX_MINUTES = 24 * 60


def unanswered(match: Match) -> sa.ColumnElement[bool] | bool:
    """A suggestion that ended before anyone answered it (its time ran out, or the ask was matched): it is no
    conversation, so nobody's lists show it, and the helper may still respond to the ask like anyone nearby.
    On a Match, or as a SQL condition on the Match class."""
    if isinstance(match, Match):
        return (match.status == MatchStatus.EXPIRED and match.source == MatchSource.SCHEDULER
                and match.asker_accepted_at is None and match.helper_accepted_at is None)
    return sa.and_(Match.status == MatchStatus.EXPIRED, Match.source == MatchSource.SCHEDULER,
                   Match.asker_accepted_at.is_(None), Match.helper_accepted_at.is_(None))


def expire_suggestions(session, now: datetime, days: int) -> int:
    """Suggestions that nobody answered in ``days`` days end, so the matcher suggests the next helper (the
    matcher calls this before it runs). Not those of a neighbour the broker answers for: the broker phones them,
    which takes longer (the broker's queue lists them). One UPDATE; how many ended."""
    proxies = sa.select(Neighbour.id).where(Neighbour.proxy_initiative_id.is_not(None))
    ended = session.execute(
        sa.update(Match).where(Match.status == MatchStatus.SUGGESTED, Match.created_at <= now - timedelta(days=days),
                               Match.asker_id.not_in(proxies))
        .values(status=MatchStatus.EXPIRED, closed_at=now, updated_at=now)
        .execution_options(synchronize_session="fetch"))
    return ended.rowcount or 0


def lock_ask(session, ask_id: int) -> None:
    """Lock an ask's row until the transaction ends: every yes on it (respond, accept) takes this first, so that
    two yeses at the same moment (a suggested helper's and another) make one match, not two."""
    session.execute(sa.select(Post.id).where(Post.id == ask_id).with_for_update())


def end_suggestions(session, ask: Post, now: datetime) -> None:
    """An ask that is matched needs no more suggestions: they end, and stop counting as their helpers' load."""
    for match in session.scalars(sa.select(Match).where(Match.ask_id == ask.id,
                                                        Match.status == MatchStatus.SUGGESTED)):
        match.status = MatchStatus.EXPIRED
        match.closed_at = now


def end_open_matches(session, post: Post, status: MatchStatus, now: datetime) -> None:
    """Suggestions and unanswered proposals on a post end with it."""
    for match in session.scalars(sa.select(Match).where(
            sa.or_(Match.ask_id == post.id, Match.offer_id == post.id),
            Match.status.in_([MatchStatus.SUGGESTED, MatchStatus.PROPOSED]))):
        match.status = status
        match.closed_at = now


# --- responses and matches ----------------------------------------------------------------------

def respond(session, responder: Neighbour, post: Post, note: str = "", now: datetime | None = None) -> Match:
    """"I can help" on an ask or "I would like this" on an offer: a match the other person decides on."""
    now = now or utcnow()
    if post.author_id != responder.id:
        access.require_confirmed_email(responder)
    if post.is_ask:
        lock_ask(session, post.id)
        session.refresh(post)
    refusal = access.respond_refusal(session, responder, post, now)
    if refusal is not None:
        raise refusal
    if post.is_ask:
        existing = session.scalar(sa.select(Match).where(Match.ask_id == post.id, Match.helper_id == responder.id))
        match = Match(ask=post, asker_id=post.author_id, helper_id=responder.id, helper_accepted_at=now)
    else:
        existing = session.scalar(sa.select(Match).where(Match.offer_id == post.id, Match.asker_id == responder.id))
        match = Match(offer=post, asker_id=responder.id, helper_id=post.author_id, asker_accepted_at=now)
    # a live suggestion, or one that ended unanswered (then they respond like anyone nearby)
    live_suggestion = existing is not None and existing.status == MatchStatus.SUGGESTED
    suggested = live_suggestion or (existing is not None and unanswered(existing))
    if suggested:
        # The matcher had suggested this pair (maybe a while ago): the response turns the suggestion into a proposal.
        match = existing
        if post.is_ask:
            match.helper_accepted_at = now
        else:
            match.asker_accepted_at = now
    elif existing is not None:
        raise DomainError(_l("You have already responded to this post."))
    if match.id is None:
        match.source, match.created_at = MatchSource.RESPONSE, now
    match.status = MatchStatus.PROPOSED
    match.closed_at = None
    session.add(match)
    session.flush()
    if note.strip():
        session.add(Message(match_id=match.id, author_id=responder.id, body=note.strip(), created_at=now))
    if live_suggestion and post.is_ask and post.suggested_can_agree:
        # the asker said on their ask that anyone the app suggests may say yes straight away: this yes is the match
        match.asker_accepted_at = now
        _agree(session, match, now)
        notify(session, post.author_id, NotificationKind.ACCEPTED, actor_id=responder.id, match=match, now=now)
    else:
        notify(session, post.author_id, NotificationKind.RESPONSE, actor_id=responder.id, match=match, now=now)
    return match


def waiting_for(match: Match) -> set[int]:
    """Whose yes a match waits for: the asker for a suggestion; whoever has not answered a proposal
    (one side for a response, both for a match a broker proposed)."""
    if match.status == MatchStatus.SUGGESTED:
        return {match.asker_id}
    if match.status != MatchStatus.PROPOSED:
        return set()
    return {person for person, answered in ((match.asker_id, match.asker_accepted_at),
                                            (match.helper_id, match.helper_accepted_at)) if answered is None}


def accept(session, actor: Neighbour, match: Match, now: datetime | None = None) -> None:
    """Say yes to a match that waits for you; when both said yes, the match is agreed."""
    now = now or utcnow()
    if not match.is_participant(actor.id):
        raise NotAllowed(_l("This match is not yours."))
    if match.ask_id is not None:
        lock_ask(session, match.ask_id)
        session.refresh(match)
    if match.status == MatchStatus.SUGGESTED:
        propose(session, actor, match, now=now)
        return
    if match.status != MatchStatus.PROPOSED or actor.id not in waiting_for(match):
        raise DomainError(_l("This match does not wait for your answer (any more)."))
    if access.is_blocked(session, match.asker_id, match.helper_id):
        raise DomainError(_l("This match is no longer possible."))
    if actor.id == match.asker_id:
        match.asker_accepted_at = now
    else:
        match.helper_accepted_at = now
    if waiting_for(match):
        return  # a broker's proposal: the other person has yet to say yes
    _agree(session, match, now)
    notify(session, match.other(actor.id), NotificationKind.ACCEPTED, actor_id=actor.id, match=match, now=now)


def _agree(session, match: Match, now: datetime) -> None:
    """Both said yes: the match is agreed and its ask matched; the ask's other suggestions end, and so do the
    proposals its helpers have not said yes to (whom the asker or a broker asked): they hear someone else helps.
    Yeses of helpers waiting for the asker stay: the asker may want a second pair of hands."""
    match.status = MatchStatus.ACCEPTED
    match.accepted_at = now
    ask = match.ask
    if ask is None or ask.status != PostStatus.OPEN:
        return
    ask.status = PostStatus.MATCHED
    end_suggestions(session, ask, now)
    for other in session.scalars(sa.select(Match).where(Match.ask_id == ask.id, Match.id != match.id,
                                                        Match.status == MatchStatus.PROPOSED,
                                                        Match.helper_accepted_at.is_(None))):
        other.status = MatchStatus.EXPIRED
        other.closed_at = now
        notify(session, other.helper_id, NotificationKind.ASK_HELPED, match=other, now=now)


def propose(session, actor: Neighbour, match: Match, now: datetime | None = None) -> None:
    """The asker picks a suggestion: it goes to the helper, who says yes or no."""
    now = now or utcnow()
    if match.status != MatchStatus.SUGGESTED or actor.id != match.asker_id:
        raise DomainError(_l("Only the person asking can pick a suggestion."))
    match.status = MatchStatus.PROPOSED
    match.asker_accepted_at = now
    notify(session, match.helper_id, NotificationKind.PROPOSED, actor_id=actor.id, match=match, now=now)


def decline(session, actor: Neighbour, match: Match, now: datetime | None = None) -> None:
    """Say no to a match that waits for you (or a suggestion, as the asker)."""
    now = now or utcnow()
    if not match.is_participant(actor.id):
        raise NotAllowed(_l("This match is not yours."))
    if actor.id not in waiting_for(match):
        raise DomainError(_l("This match does not wait for your answer (any more)."))
    notify_other = match.status == MatchStatus.PROPOSED
    match.status = MatchStatus.DECLINED
    match.declined_by_id = actor.id
    match.closed_at = now
    if notify_other:
        notify(session, match.other(actor.id), NotificationKind.DECLINED, actor_id=actor.id, match=match, now=now)


def cancel(session, actor: Neighbour, match: Match, reason: str, now: datetime | None = None) -> None:
    """Either person stops a proposed or agreed match, saying why."""
    now = now or utcnow()
    if not match.is_participant(actor.id):
        raise NotAllowed(_l("This match is not yours."))
    if match.status not in (MatchStatus.PROPOSED, MatchStatus.ACCEPTED):
        raise DomainError(_l("This match can no longer be cancelled."))
    if len(reason.strip()) < 3:
        raise DomainError(_l("Please say briefly why, so the other person knows."))
    end_match(session, match, actor.id, now, reason=reason.strip())
    notify(session, match.other(actor.id), NotificationKind.CANCELLED, actor_id=actor.id, match=match, now=now)


def end_match(session, match: Match, by_id: int | None, now: datetime, reason: str = "") -> None:
    """Cancel a live match (on a cancel, a block, a deletion); when it was agreed, its ask is open again."""
    was_agreed = match.status == MatchStatus.ACCEPTED
    match.status = MatchStatus.CANCELLED
    match.cancelled_by_id = by_id
    match.closed_at = now
    if reason:
        match.cancel_reason = reason
    if was_agreed:
        reopen_ask(session, match, now)


def end_live_matches(session, condition, by_id: int | None, now: datetime) -> None:
    """End every live match that meets ``condition`` (a SQL condition on Match), the way ``end_match`` does."""
    for match in session.scalars(sa.select(Match).where(condition, Match.status.in_(LIVE_MATCH_STATUSES))):
        end_match(session, match, by_id, now)


def reopen_ask(session, match: Match, now: datetime) -> None:
    """After an agreed match ends, its ask is open again unless another agreed match holds it. Its suggestions
    that nobody answered (most ended with the match) are no history: they go, so that the matcher may suggest
    those helpers for it again (it never suggests a helper twice for one ask)."""
    ask = match.ask
    if ask is None or ask.status != PostStatus.MATCHED:
        return
    still_agreed = session.scalar(sa.select(sa.func.count()).select_from(Match).where(
        Match.ask_id == ask.id, Match.id != match.id, Match.status == MatchStatus.ACCEPTED))
    if not still_agreed:
        ask.status = PostStatus.OPEN if ask.expires_at > now else PostStatus.EXPIRED
        if ask.status == PostStatus.OPEN:
            session.execute(sa.delete(Match).where(Match.ask_id == ask.id, unanswered(Match))
                            .execution_options(synchronize_session="fetch"))


def post_message(session, actor: Neighbour, match: Match, body: str, now: datetime | None = None) -> Message:
    """Write in the conversation of a match."""
    now = now or utcnow()
    if not match.is_participant(actor.id):
        raise NotAllowed(_l("Only the two people of this match can write here."))
    if match.status not in (MatchStatus.PROPOSED, *AGREED_MATCH_STATUSES) or access.is_blocked(
            session, match.asker_id, match.helper_id):
        raise DomainError(_l("This conversation is closed."))
    if not body.strip():
        raise DomainError(_l("Write a message first."))
    message = Message(match_id=match.id, author_id=actor.id, body=body.strip(), created_at=now)
    session.add(message)
    session.flush()
    notify(session, match.other(actor.id), NotificationKind.MESSAGE, actor_id=actor.id, match=match, now=now)
    return message


def set_agreed_start(session, actor: Neighbour, match: Match, start: datetime) -> None:
    """Record the date and time the two agreed on (for the calendar file)."""
    if not match.is_participant(actor.id):
        raise NotAllowed(_l("This match is not yours."))
    if match.status != MatchStatus.ACCEPTED:
        raise DomainError(_l("You can set a time once you have both said yes."))
    match.agreed_start = start


def done_from(match: Match, now: datetime | None = None) -> date | None:
    """The agreed day, while it has not come yet (local time): before it, help cannot be done. None: it can be."""
    if match.agreed_start is None:
        return None
    day = to_local(match.agreed_start).date()
    return day if local_today(now) < day else None


def _require_agreed_day(match: Match, now: datetime) -> None:
    day = done_from(match, now)
    if day is not None:
        # the day is written when the message is shown, in the reader's language ("12 december")
        raise DomainError(LazyString(lambda: gettext("This can be done from the agreed day, %(day)s.",
                                                     day=format_date(day, "d MMMM"))))


def agreed_day_has_come(now: datetime):
    """SQL: the match has no agreed day, or that day (local time) has come."""
    tomorrow = local_to_utc(local_today(now) + timedelta(days=1), time.min)
    return sa.or_(Match.agreed_start.is_(None), Match.agreed_start < tomorrow)


def mark_done(session, actor: Neighbour, match: Match, minutes: int, *, now: datetime | None = None,
              km: int | None = None) -> None:
    """One of the two says the help is done, with the time it took; the other confirms. Not before the agreed day."""
    now = now or utcnow()
    if not match.is_participant(actor.id):
        raise NotAllowed(_l("This match is not yours."))
    if match.status != MatchStatus.ACCEPTED:
        raise DomainError(_l("Only agreed help can be marked as done."))
    _require_agreed_day(match, now)
    if match.done_marked_at is not None:
        raise DomainError(_l("This is already marked as done; the other person confirms it."))
    if not 1 <= minutes <= MAX_MINUTES:
        raise DomainError(_l("Fill in how long it took: between a few minutes and 24 hours."))
    match.done_marked_by_id = actor.id
    match.done_marked_at = now
    match.minutes = minutes
    match.km = km if match.post.category == Category.TRANSPORT else None
    notify(session, match.other(actor.id), NotificationKind.DONE_MARKED, actor_id=actor.id, match=match, now=now)


def confirm_done(session, actor: Neighbour | None, match: Match, minutes: int | None = None, *,
                 now: datetime | None = None, km: int | None = None) -> None:
    """The other person confirms (``actor`` None: confirmed by itself after 7 days); not before the agreed day."""
    now = now or utcnow()
    if match.status != MatchStatus.ACCEPTED or match.done_marked_at is None:
        raise DomainError(_l("There is nothing to confirm."))
    _require_agreed_day(match, now)
    if actor is not None:
        if not match.is_participant(actor.id):
            raise NotAllowed(_l("This match is not yours."))
        if actor.id == match.done_marked_by_id:
            raise DomainError(_l("The other person confirms that it is done."))
        if minutes is not None:
            if not 1 <= minutes <= MAX_MINUTES:
                raise DomainError(_l("Fill in how long it took: between a few minutes and 24 hours."))
            match.minutes = minutes
        if km is not None and match.post.category == Category.TRANSPORT:
            match.km = km
    match.status = MatchStatus.DONE
    match.done_at = now
    if match.ask is not None and match.ask.status in (PostStatus.OPEN, PostStatus.MATCHED):
        match.ask.status = PostStatus.DONE
    for person in {match.asker_id, match.helper_id} - {actor.id if actor else None}:
        notify(session, person, NotificationKind.DONE, actor_id=actor.id if actor else None, match=match, now=now)
    match_done.send(session, match=match, now=now)  # the pot books its compensation


def confirm_done_matches(session, now: datetime) -> int:
    """Job: matches marked done 7 days ago and not confirmed are confirmed now, once their agreed day has come,
    each committed on its own (its compensation locks the helper's allowance, which must not wait behind another
    match's bookings)."""
    due = session.scalars(sa.select(Match.id).where(
        Match.status == MatchStatus.ACCEPTED, Match.done_marked_at <= now - AUTO_CONFIRM_AFTER,
        agreed_day_has_come(now))
        .order_by(Match.id)).all()
    for match_id in due:
        confirm_done(session, None, session.get(Match, match_id), now=now)
        session.commit()
    return len(due)


def thank(session, actor: Neighbour, match: Match, body: str, now: datetime | None = None) -> ThankYou:
    """The person helped writes a thank-you note; the helper decides if it shows on their profile."""
    now = now or utcnow()
    if actor.id != match.asker_id:
        raise NotAllowed(_l("The person who was helped can write a thank-you note."))
    if match.status != MatchStatus.DONE:
        raise DomainError(_l("You can say thank you once the help is done."))
    if not body.strip():
        raise DomainError(_l("Write a few words first."))
    note = ThankYou(match_id=match.id, author_id=actor.id, helper_id=match.helper_id, body=body.strip(),
                    created_at=now)
    session.add(note)
    match.status = MatchStatus.THANKED
    session.flush()
    notify(session, match.helper_id, NotificationKind.THANKED, actor_id=actor.id, match=match, now=now)
    return note


def set_thanks_public(session, actor: Neighbour, note: ThankYou, public: bool) -> None:
    """Only the helper decides whether a thank-you note shows on their profile."""
    if actor.id != note.helper_id:
        raise NotAllowed(_l("Only the person thanked can decide this."))
    note.public = public


# --- lists --------------------------------------------------------------------------------------

def matches_of(session, neighbour: Neighbour, statuses=None) -> list[Match]:
    """A neighbour's matches with their posts and people, newest first, in one query."""
    stmt = (sa.select(Match)
            .where(sa.or_(Match.asker_id == neighbour.id, Match.helper_id == neighbour.id))
            .options(so.joinedload(Match.ask), so.joinedload(Match.offer),
                     so.joinedload(Match.asker), so.joinedload(Match.helper))
            .order_by(Match.updated_at.desc(), Match.id.desc()))
    if statuses:
        stmt = stmt.where(Match.status.in_(statuses))
    return list(session.scalars(stmt.where(sa.not_(unanswered(Match)))).unique())

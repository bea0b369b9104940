"""Asking and offering: posts, responses, matches, conversations, done and thanks, reports and blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import SelectPagination

from buurthulp import access
from buurthulp.accounts.models import Neighbour
from buurthulp.categories import Category, DayPart, slots_in
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.neighbourhoods.services import nearby_neighbourhood_ids
from buurthulp.posts.models import (
    AGREED_MATCH_STATUSES,
    LIVE_MATCH_STATUSES,
    Block,
    Match,
    MatchSource,
    MatchStatus,
    Message,
    NotificationKind,
    Place,
    Post,
    PostKind,
    PostStatus,
    Report,
    ThankYou,
    Timing,
)
from buurthulp.posts.notifications import notify
from buurthulp.signals import match_done
from buurthulp.timeutil import local_today

DEFAULT_EXPIRY_DAYS = 30
REMIND_DAYS_BEFORE_EXPIRY = 3
AUTO_CONFIRM_AFTER = timedelta(days=7)
MAX_MINUTES = 24 * 60


@dataclass
class PostInput:
    """What the post form gives a service, already validated for type and length."""

    kind: PostKind
    category: Category
    title: str
    description: str = ""
    private_details: str = ""
    timing: Timing = Timing.FLEXIBLE
    on_date: date | None = None
    day_part: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    weekly_slots: int = 0
    weekly_until: date | None = None
    duration_minutes: int = 60
    place: Place = Place.HOME_AREA
    place_note: str = ""
    expiry_days: int = DEFAULT_EXPIRY_DAYS
    place_id: int | None = None  # "ga mee": a place of the living map


# --- who may see what ---------------------------------------------------------------------------

def in_reach(session, neighbour: Neighbour, post: Post) -> bool:
    """Is the post in the neighbour's own or an adjacent neighbourhood?"""
    if neighbour.neighbourhood_id is None:
        return False
    return post.neighbourhood_id in nearby_neighbourhood_ids(session, neighbour.neighbourhood_id)


def agreed_match_of(session, post: Post, neighbour_id: int) -> Match | None:
    """The agreed match of this neighbour on this post, if any."""
    return session.scalar(
        sa.select(Match).where(
            sa.or_(Match.ask_id == post.id, Match.offer_id == post.id),
            sa.or_(Match.asker_id == neighbour_id, Match.helper_id == neighbour_id),
            Match.status.in_(AGREED_MATCH_STATUSES),
        ).limit(1)
    )


def can_see_post(session, viewer: Neighbour, post: Post) -> bool:
    if viewer.id == post.author_id or access.moderates(session, viewer, post.neighbourhood_id):
        return True
    if post.hidden_at is not None or access.is_blocked(session, viewer.id, post.author_id):
        return False
    if session.scalar(sa.select(sa.func.count()).select_from(Match).where(
            sa.or_(Match.ask_id == post.id, Match.offer_id == post.id),
            sa.or_(Match.asker_id == viewer.id, Match.helper_id == viewer.id))):
        return True
    return post.status == PostStatus.OPEN and in_reach(session, viewer, post)


def can_see_private_details(session, viewer: Neighbour, post: Post) -> bool:
    """The author, the neighbour of an agreed match, and the brokers who serve the post (``access.brokers_post``:
    not those of another initiative, where the author is its proxy neighbour)."""
    return (viewer.id == post.author_id
            or agreed_match_of(session, post, viewer.id) is not None
            or access.brokers_post(session, viewer, post))


def can_read_match(session, viewer: Neighbour, match: Match) -> bool:
    """The two people of a match, and the brokers who serve it (``access.brokers_match``)."""
    return match.is_participant(viewer.id) or access.brokers_match(session, viewer, match)


# --- posts --------------------------------------------------------------------------------------

def _check_timing(data: PostInput, today: date) -> None:
    if data.timing == Timing.ONCE:
        if data.on_date is None:
            raise DomainError(_l("Choose the date."))
        if data.on_date < today:
            raise DomainError(_l("The date has already passed. Choose today or a later day."))
        if data.day_part is not None and data.day_part not in {p.value for p in DayPart}:
            raise DomainError(_l("Choose morning, afternoon or evening."))
    elif data.timing == Timing.FLEXIBLE:
        if data.period_start is None or data.period_end is None:
            raise DomainError(_l("Choose the first and the last day of the period."))
        if data.period_end < data.period_start:
            raise DomainError(_l("The last day comes before the first day."))
        if data.period_end < today:
            raise DomainError(_l("This period has already passed."))
    elif data.timing == Timing.WEEKLY:
        if not data.weekly_slots:
            raise DomainError(_l("Tick at least one day and part of the day."))
        if data.weekly_until is not None and data.weekly_until < today:
            raise DomainError(_l("The end date has already passed."))
    if not 1 <= data.duration_minutes <= MAX_MINUTES:
        raise DomainError(_l("Choose how long it will take."))
    if not 1 <= data.expiry_days <= 90:
        raise DomainError(_l("A post can be shown for at most 90 days."))


def _apply(post: Post, data: PostInput) -> None:
    post.kind, post.category = data.kind, data.category
    post.title = data.title.strip()
    post.description = data.description.strip()
    post.private_details = data.private_details.strip()
    post.timing = data.timing
    post.on_date = data.on_date if data.timing == Timing.ONCE else None
    post.day_part = data.day_part if data.timing == Timing.ONCE else None
    post.period_start = data.period_start if data.timing == Timing.FLEXIBLE else None
    post.period_end = data.period_end if data.timing == Timing.FLEXIBLE else None
    post.weekly_slots = data.weekly_slots if data.timing == Timing.WEEKLY else 0
    post.weekly_until = data.weekly_until if data.timing == Timing.WEEKLY else None
    post.duration_minutes = data.duration_minutes
    post.place = data.place
    post.place_note = data.place_note.strip() if data.place == Place.ELSEWHERE else ""
    post.place_id = data.place_id


def _going_along(session, data: PostInput) -> None:
    """A post about going along to a place of the living map is company, at that place."""
    if data.place_id is None:
        return
    from buurthulp.places.services import public_place

    place = public_place(session, data.place_id)
    data.category = Category.COMPANY
    data.place = Place.ELSEWHERE
    data.place_note = data.place_note.strip() or place.name[:200]


def create_post(session, author: Neighbour, data: PostInput, now: datetime | None = None) -> Post:
    """Post an ask or an offer for the author's neighbourhood and the ones next to it."""
    now = now or utcnow()
    if author.neighbourhood_id is None:
        raise DomainError(_l("Choose your neighbourhood on your profile first."))
    if not author.email_confirmed and author.email is not None:
        raise NotAllowed(_l("Please confirm your e-mail address first: click the link in the e-mail we sent you."))
    _check_timing(data, local_today(now))
    _going_along(session, data)
    post = Post(author=author, neighbourhood_id=author.neighbourhood_id, latitude=author.latitude,
                longitude=author.longitude, status=PostStatus.OPEN, created_at=now,
                expires_at=now + timedelta(days=data.expiry_days))
    _apply(post, data)
    session.add(post)
    session.flush()
    return post


def _own(post: Post, actor: Neighbour) -> None:
    if post.author_id != actor.id:
        raise NotAllowed(_l("Only the person who posted this can change it."))


def update_post(session, actor: Neighbour, post: Post, data: PostInput, now: datetime | None = None) -> None:
    """Change a post; the kind stays what it was."""
    _own(post, actor)
    if post.status not in (PostStatus.OPEN, PostStatus.MATCHED):
        raise DomainError(_l("This post is closed. Renew it first to change it."))
    _check_timing(data, local_today(now))
    data.kind = post.kind
    data.place_id = post.place_id  # the place it goes along to stays
    if post.place_id is not None:
        data.category = Category.COMPANY
    _apply(post, data)


def close_post(session, actor: Neighbour, post: Post, now: datetime | None = None) -> None:
    """Close a post; suggestions and responses nobody answered yet end with it."""
    _own(post, actor)
    if post.status in (PostStatus.CLOSED, PostStatus.EXPIRED):
        raise DomainError(_l("This post is already closed."))
    now = now or utcnow()
    post.status = PostStatus.CLOSED
    post.closed_at = now
    end_open_matches(session, post, MatchStatus.CANCELLED, now)


def renew_post(session, actor: Neighbour, post: Post, days: int = DEFAULT_EXPIRY_DAYS,
               now: datetime | None = None) -> None:
    """Show a post again (or longer) from now on."""
    _own(post, actor)
    if post.hidden_at is not None:
        raise DomainError(_l("This post was hidden by a broker and cannot be renewed."))
    if post.status == PostStatus.DONE:
        raise DomainError(_l("This help is done. Post a new ask or offer instead."))
    now = now or utcnow()
    post.expires_at = now + timedelta(days=days)
    post.reminded_at = None
    if post.status in (PostStatus.CLOSED, PostStatus.EXPIRED):
        post.status = PostStatus.OPEN
        post.closed_at = None


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
    if post.author_id == responder.id:
        raise DomainError(_l("This is your own post."))
    if not responder.email_confirmed and responder.email is not None:
        raise NotAllowed(_l("Please confirm your e-mail address first: click the link in the e-mail we sent you."))
    if post.status != PostStatus.OPEN or post.hidden_at is not None or post.expires_at <= now:
        raise DomainError(_l("This post is no longer open."))
    if access.is_blocked(session, responder.id, post.author_id) or not in_reach(session, responder, post):
        raise NotAllowed(_l("You can respond to posts in your own neighbourhood and the ones next to it."))
    if post.is_ask:
        existing = session.scalar(sa.select(Match).where(Match.ask_id == post.id, Match.helper_id == responder.id))
        match = Match(ask=post, asker_id=post.author_id, helper_id=responder.id, helper_accepted_at=now)
    else:
        existing = session.scalar(sa.select(Match).where(Match.offer_id == post.id, Match.asker_id == responder.id))
        match = Match(offer=post, asker_id=responder.id, helper_id=post.author_id, asker_accepted_at=now)
    if existing is not None and existing.status == MatchStatus.SUGGESTED:
        # The matcher had suggested this pair: the response turns the suggestion into a proposal.
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
    session.add(match)
    session.flush()
    if note.strip():
        session.add(Message(match_id=match.id, author_id=responder.id, body=note.strip(), created_at=now))
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
    match.status = MatchStatus.ACCEPTED
    match.accepted_at = now
    if match.ask is not None and match.ask.status == PostStatus.OPEN:
        match.ask.status = PostStatus.MATCHED
    notify(session, match.other(actor.id), NotificationKind.ACCEPTED, actor_id=actor.id, match=match, now=now)


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
    was_agreed = match.status == MatchStatus.ACCEPTED
    match.status = MatchStatus.CANCELLED
    match.cancelled_by_id = actor.id
    match.cancel_reason = reason.strip()
    match.closed_at = now
    if was_agreed:
        reopen_ask(session, match, now)
    notify(session, match.other(actor.id), NotificationKind.CANCELLED, actor_id=actor.id, match=match, now=now)


def reopen_ask(session, match: Match, now: datetime) -> None:
    """After an agreed match ends, its ask is open again unless another agreed match holds it."""
    ask = match.ask
    if ask is None or ask.status != PostStatus.MATCHED:
        return
    still_agreed = session.scalar(sa.select(sa.func.count()).select_from(Match).where(
        Match.ask_id == ask.id, Match.id != match.id, Match.status == MatchStatus.ACCEPTED))
    if not still_agreed:
        ask.status = PostStatus.OPEN if ask.expires_at > now else PostStatus.EXPIRED


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


def mark_done(session, actor: Neighbour, match: Match, minutes: int, now: datetime | None = None,
              km: int | None = None) -> None:
    """One of the two says the help is done, with the time it took; the other confirms."""
    now = now or utcnow()
    if not match.is_participant(actor.id):
        raise NotAllowed(_l("This match is not yours."))
    if match.status != MatchStatus.ACCEPTED:
        raise DomainError(_l("Only agreed help can be marked as done."))
    if match.done_marked_at is not None:
        raise DomainError(_l("This is already marked as done; the other person confirms it."))
    if not 1 <= minutes <= MAX_MINUTES:
        raise DomainError(_l("Fill in how long it took: between a few minutes and 24 hours."))
    match.done_marked_by_id = actor.id
    match.done_marked_at = now
    match.minutes = minutes
    match.km = km if match.post.category == Category.TRANSPORT else None
    notify(session, match.other(actor.id), NotificationKind.DONE_MARKED, actor_id=actor.id, match=match, now=now)


def confirm_done(session, actor: Neighbour | None, match: Match, minutes: int | None = None,
                 now: datetime | None = None, km: int | None = None) -> None:
    """The other person confirms (``actor`` None: confirmed by itself after 7 days)."""
    now = now or utcnow()
    if match.status != MatchStatus.ACCEPTED or match.done_marked_at is None:
        raise DomainError(_l("There is nothing to confirm."))
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
    """Job: matches marked done 7 days ago and not confirmed are confirmed now, each committed on its own
    (its compensation locks the helper's allowance, which must not wait behind another match's bookings)."""
    due = session.scalars(sa.select(Match.id).where(
        Match.status == MatchStatus.ACCEPTED, Match.done_marked_at <= now - AUTO_CONFIRM_AFTER)
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


# --- expiry -------------------------------------------------------------------------------------

def expire_posts(session, now: datetime) -> int:
    """Job: open posts past their date are expired; suggestions on them end too."""
    due = session.scalars(sa.select(Post).where(Post.status == PostStatus.OPEN, Post.expires_at <= now)).all()
    for post in due:
        post.status = PostStatus.EXPIRED
        end_open_matches(session, post, MatchStatus.EXPIRED, now)
        notify(session, post.author_id, NotificationKind.EXPIRED, post=post, now=now)
    return len(due)


def remind_expiring_posts(session, now: datetime) -> int:
    """Job: a few days before an open post expires, its author is reminded once."""
    due = session.scalars(sa.select(Post).where(
        Post.status == PostStatus.OPEN, Post.reminded_at.is_(None),
        Post.expires_at <= now + timedelta(days=REMIND_DAYS_BEFORE_EXPIRY), Post.expires_at > now)).all()
    for post in due:
        post.reminded_at = now
        notify(session, post.author_id, NotificationKind.EXPIRING, post=post, now=now)
    return len(due)


# --- reports and blocks -------------------------------------------------------------------------

def report(session, reporter: Neighbour, reason: str, *, post: Post | None = None,
           message: Message | None = None) -> Report:
    """Report a post or a message as inappropriate to the neighbourhood's brokers and coordinators."""
    if len(reason.strip()) < 3:
        raise DomainError(_l("Please say briefly what is wrong."))
    if message is not None:
        match = message.match
        if not match.is_participant(reporter.id):
            raise NotAllowed(_l("You can only report messages you can read."))
        neighbourhood_id = match.post.neighbourhood_id
        existing = sa.select(Report.id).where(Report.message_id == message.id, Report.reporter_id == reporter.id)
    elif post is not None:
        if not can_see_post(session, reporter, post):
            raise NotAllowed(_l("You can only report posts you can see."))
        neighbourhood_id = post.neighbourhood_id
        existing = sa.select(Report.id).where(Report.post_id == post.id, Report.reporter_id == reporter.id,
                                              Report.resolved_at.is_(None))
    else:
        raise DomainError(_l("There is nothing to report."))
    if session.scalar(existing) is not None:
        raise DomainError(_l("You have already reported this. A broker will look at it."))
    item = Report(reporter_id=reporter.id, neighbourhood_id=neighbourhood_id, post=post, message=message,
                  reason=reason.strip())
    session.add(item)
    session.flush()
    return item


def hide_post(session, moderator: Neighbour, post: Post, now: datetime | None = None) -> None:
    """A broker or coordinator of the neighbourhood hides a post; its open reports are resolved."""
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
        item.resolved_at, item.resolved_by_id, item.outcome = now, moderator.id, "hidden"


def resolve_report(session, moderator: Neighbour, item: Report, now: datetime | None = None) -> None:
    """Mark a report as handled without hiding anything."""
    if not access.moderates(session, moderator, item.neighbourhood_id):
        raise NotAllowed(_l("Only brokers and coordinators of this neighbourhood can do this."))
    if item.resolved_at is not None:
        raise DomainError(_l("This report has already been handled."))
    item.resolved_at, item.resolved_by_id, item.outcome = now or utcnow(), moderator.id, "kept"


def block(session, blocker: Neighbour, blocked: Neighbour, now: datetime | None = None) -> None:
    """Block a neighbour: no more posts of each other, no matches; open matches between them end."""
    now = now or utcnow()
    if blocker.id == blocked.id:
        raise DomainError(_l("You cannot block yourself."))
    if session.get(Block, (blocker.id, blocked.id)) is not None:
        return
    session.add(Block(blocker_id=blocker.id, blocked_id=blocked.id, created_at=now))
    for match in session.scalars(sa.select(Match).where(
            sa.or_(sa.and_(Match.asker_id == blocker.id, Match.helper_id == blocked.id),
                   sa.and_(Match.asker_id == blocked.id, Match.helper_id == blocker.id)),
            Match.status.in_(LIVE_MATCH_STATUSES))):
        was_agreed = match.status == MatchStatus.ACCEPTED
        match.status = MatchStatus.CANCELLED
        match.cancelled_by_id = blocker.id
        match.closed_at = now
        if was_agreed:
            reopen_ask(session, match, now)
    session.flush()


def unblock(session, blocker: Neighbour, blocked_id: int) -> None:
    session.execute(sa.delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked_id))


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
    return list(session.scalars(stmt).unique())


def slot_labels(mask: int) -> list[str]:
    """"Tuesday morning", ... for the slots in a mask; each name is translated once, not per slot."""
    slots = slots_in(mask)
    days = {d: d.label for d in {d for d, _ in slots}}
    parts = {p: p.label.lower() for p in {p for _, p in slots}}
    return [f"{days[d]} {parts[p]}" for d, p in slots]


# --- the nearby feed ----------------------------------------------------------------------------

@dataclass
class FeedFilters:
    kind: PostKind | None = None
    category: Category | None = None
    max_metres: int | None = None
    within_days: int | None = None


class FeedPagination(SelectPagination):
    """Pages of the feed: find the page's ids on the covering index, then load just those rows.

    Selecting whole rows would make PostgreSQL read every candidate from the
    table before sorting; the ids alone come from the index.
    """

    def _query_items(self) -> list:
        select, session = self._query_args["select"], self._query_args["session"]
        ids = (select.with_only_columns(Post.id).options(so.lazyload("*"))
               .limit(self.per_page).offset(self._query_offset).subquery())
        rows = select.where(Post.id.in_(sa.select(ids.c.id)))
        return list(session.execute(rows).unique().scalars())

    def _query_count(self) -> int:
        select, session = self._query_args["select"], self._query_args["session"]
        sub = select.with_only_columns(Post.id).options(so.lazyload("*")).order_by(None).subquery()
        return session.scalar(sa.select(sa.func.count()).select_from(sub))


def feed_page(session, viewer: Neighbour, filters: FeedFilters, now: datetime, page: int,
              per_page: int) -> FeedPagination:
    """One page of the nearby feed, in a constant number of queries."""
    return FeedPagination(select=feed_query(session, viewer, filters, now), session=session, page=page,
                          per_page=per_page, error_out=False, count=True)


def feed_query(session, viewer: Neighbour, filters: FeedFilters, now: datetime) -> sa.Select:
    """Open posts of the viewer's and adjacent neighbourhoods, newest first, without blocked people."""
    hood_ids = nearby_neighbourhood_ids(session, viewer.neighbourhood_id) if viewer.neighbourhood_id else []
    blocked = sa.exists().where(sa.or_(
        sa.and_(Block.blocker_id == viewer.id, Block.blocked_id == Post.author_id),
        sa.and_(Block.blocker_id == Post.author_id, Block.blocked_id == viewer.id),
    ))
    stmt = (sa.select(Post)
            .where(Post.status == PostStatus.OPEN, Post.hidden_at.is_(None), Post.expires_at > now,
                   Post.neighbourhood_id.in_(hood_ids), ~blocked)
            .options(so.joinedload(Post.author), so.joinedload(Post.neighbourhood))
            .order_by(Post.created_at.desc(), Post.id.desc()))
    if filters.kind:
        stmt = stmt.where(Post.kind == filters.kind)
    if filters.category:
        stmt = stmt.where(Post.category == filters.category)
    if filters.max_metres and viewer.latitude is not None and viewer.longitude is not None:
        from buurthulp.geo import squared_km_expr

        km = filters.max_metres / 1000
        stmt = stmt.where(Post.latitude.is_not(None),
                          squared_km_expr(Post.latitude, Post.longitude, viewer.latitude, viewer.longitude) <= km * km)
    if filters.within_days:
        today = local_today(now)
        end = today + timedelta(days=filters.within_days)
        stmt = stmt.where(sa.or_(
            sa.and_(Post.timing == Timing.ONCE, Post.on_date >= today, Post.on_date <= end),
            sa.and_(Post.timing == Timing.FLEXIBLE, Post.period_start <= end, Post.period_end >= today),
            sa.and_(Post.timing == Timing.WEEKLY, sa.or_(Post.weekly_until.is_(None), Post.weekly_until >= today)),
        ))
    return stmt

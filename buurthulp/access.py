"""Who may see and change what: the named rules, in one place (in the spirit of flaskbb's utils/requirements.py).

A rule is a function ``may_...(session, actor, ...) -> bool`` whose docstring states it. A route asks it through
its ``require_...`` helper, which answers the way the web does (401: log in first, 403: not yours to open,
404: not there for you), and the service that then changes something asks the same rule again before it writes.
Where a list or a lookup needs a rule inside a query, the SQL condition beside it (``served_by`` and its kin) *is*
the rule, and the ``may_...`` function evaluates that very condition, so a list cannot show what the rule refuses.

This module lies beneath the domains: it reads their models, never their services.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from buurthulp.accounts.models import Neighbour
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import (
    Initiative,
    Membership,
    MembershipStatus,
    Neighbourhood,
    initiative_neighbourhood,
    neighbourhood_adjacency,
)
from buurthulp.posts.models import AGREED_MATCH_STATUSES, Block, Match, Post, PostStatus
from buurthulp.pot.models import PotAccount

# --- roles in an initiative ---------------------------------------------------------------------


def _holds(session, person: Neighbour, initiative_id: int, *roles) -> bool:
    """An active membership of the initiative with one of ``roles`` (Membership columns); any role if none given."""
    if person is None or not getattr(person, "is_authenticated", True) or person.id is None:
        return False
    return bool(session.scalar(sa.select(sa.exists().where(
        Membership.neighbour_id == person.id, Membership.initiative_id == initiative_id,
        Membership.status == MembershipStatus.ACTIVE, *([sa.or_(*roles)] if roles else [])))))


def is_broker_of(session, person: Neighbour, initiative: Initiative) -> bool:
    """An active broker of the initiative. Site admins are not brokers: they get no broker rights from being admin."""
    return _holds(session, person, initiative.id, Membership.is_broker)


def is_member_of(session, person: Neighbour, initiative: Initiative) -> bool:
    """An approved (active) member of the initiative, in any role; a request not yet approved is not membership."""
    return _holds(session, person, initiative.id)


# --- the people, asks and matches an initiative's brokers act for -------------------------------

def _id(initiative):
    """An initiative's id: from the row, or a column or number as given (for use inside a query)."""
    return initiative.id if isinstance(initiative, Initiative) else initiative


def _hoods_of(initiative):
    return (sa.select(initiative_neighbourhood.c.neighbourhood_id)
            .where(initiative_neighbourhood.c.initiative_id == _id(initiative)).scalar_subquery())


def _proxies_of_others(initiative):
    """The proxy neighbours other initiatives represent."""
    return (sa.select(Neighbour.id).where(Neighbour.proxy_initiative_id.is_not(None),
                                          Neighbour.proxy_initiative_id != _id(initiative)).scalar_subquery())


def served_by(initiative):
    """SQL condition on Neighbour: someone the initiative's brokers act for.

    Its own proxy neighbours, and neighbours with a log-in who live in one of its neighbourhoods; nobody deleted.
    Another initiative's proxy neighbour is not among them, also where both initiatives serve that neighbourhood:
    only the brokers who represent a proxy neighbour see, print, export, delete or answer for them.
    ``initiative`` is the row, or an initiative id column inside a query.
    """
    return sa.and_(Neighbour.deleted_at.is_(None),
                   sa.or_(Neighbour.proxy_initiative_id == _id(initiative),
                          sa.and_(Neighbour.proxy_initiative_id.is_(None),
                                  Neighbour.neighbourhood_id.in_(_hoods_of(initiative)))))


def post_served_by(initiative):
    """SQL condition on Post: an ask or offer the initiative's brokers work on.

    In one of its neighbourhoods, and not posted by (or for) another initiative's proxy neighbour.
    """
    return sa.and_(Post.neighbourhood_id.in_(_hoods_of(initiative)), Post.author_id.not_in(_proxies_of_others(initiative)))


def match_served_by(initiative):
    """SQL condition on Match: a match the initiative's brokers follow up and keep notes on.

    Its post (the ask, else the offer) lies in one of the initiative's neighbourhoods, and neither person is
    another initiative's proxy neighbour.
    """
    post = so.aliased(Post)
    others = _proxies_of_others(initiative)
    return sa.and_(
        sa.exists().where(post.id == sa.func.coalesce(Match.ask_id, Match.offer_id),
                          post.neighbourhood_id.in_(_hoods_of(initiative))),
        Match.asker_id.not_in(others), Match.helper_id.not_in(others))


def _is(session, model, row_id: int, condition) -> bool:
    return bool(session.scalar(sa.select(sa.exists().where(model.id == row_id, condition))))


def may_use_workspace(session, actor: Neighbour, initiative: Initiative) -> bool:
    """The broker workspace of an initiative (queue, lists, figures, adding a proxy neighbour): its active brokers."""
    return is_broker_of(session, actor, initiative)


def may_broker_for(session, actor: Neighbour, initiative: Initiative, person: Neighbour) -> bool:
    """See a person in the workspace, print their overview, keep notes on them, propose them for a match:
    a broker of the initiative, for someone it serves (``served_by``)."""
    return is_broker_of(session, actor, initiative) and _is(session, Neighbour, person.id, served_by(initiative))


def _broker_initiative_ids(session, actor: Neighbour) -> list[int]:
    if actor is None or not getattr(actor, "is_authenticated", True) or actor.id is None:
        return []
    return list(session.scalars(sa.select(Membership.initiative_id).where(
        Membership.neighbour_id == actor.id, Membership.status == MembershipStatus.ACTIVE, Membership.is_broker)))


def _served_by_any(session, actor: Neighbour, model, row_id: int, condition) -> bool:
    """Whether one of the initiatives ``actor`` is a broker of serves the row: ``condition(initiative_id)``."""
    ids = _broker_initiative_ids(session, actor)
    return bool(ids) and _is(session, model, row_id, sa.or_(*(condition(i) for i in ids)))


def brokers_for(session, actor: Neighbour, person: Neighbour) -> bool:
    """A broker of some initiative that serves ``person`` (``served_by``): of any of their neighbourhood's
    initiatives for a neighbour with a log-in, of their own initiative for a proxy neighbour."""
    return _served_by_any(session, actor, Neighbour, person.id, served_by)


def brokers_post(session, actor: Neighbour, post: Post) -> bool:
    """A broker of some initiative that serves the post (``post_served_by``): who reads its private details."""
    return _served_by_any(session, actor, Post, post.id, post_served_by)


def brokers_match(session, actor: Neighbour, match: Match) -> bool:
    """A broker of some initiative that serves the match (``match_served_by``): who reads its conversation."""
    return _served_by_any(session, actor, Match, match.id, match_served_by)


def may_act_for_proxy(session, actor: Neighbour, initiative: Initiative, person: Neighbour) -> bool:
    """Post for, answer for, export or delete a neighbour without internet: a broker of the initiative that
    represents them (their proxy initiative), nobody else."""
    return (person.proxy_initiative_id == initiative.id and person.deleted_at is None
            and is_broker_of(session, actor, initiative))


def may_broker_post(session, actor: Neighbour, initiative: Initiative, post: Post) -> bool:
    """Open an ask in the workspace, match it by hand, refer it: a broker of the initiative, for a post it serves
    (``post_served_by``)."""
    return is_broker_of(session, actor, initiative) and _is(session, Post, post.id, post_served_by(initiative))


def may_broker_match(session, actor: Neighbour, initiative: Initiative, match: Match) -> bool:
    """Open a match in the workspace, follow it up, keep notes on it, answer it for a proxy neighbour: a broker of
    the initiative, for a match it serves (``match_served_by``)."""
    return is_broker_of(session, actor, initiative) and _is(session, Match, match.id, match_served_by(initiative))


# --- profiles -----------------------------------------------------------------------------------

def _nearby(neighbourhood_id: int):
    """A neighbourhood and the ones next to it, inside a query."""
    t = neighbourhood_adjacency
    return sa.union(sa.select(sa.literal(neighbourhood_id)),
                    sa.select(t.c.adjacent_id).where(t.c.neighbourhood_id == neighbourhood_id))


def profile_seen_by(session, viewer: Neighbour):
    """SQL condition on Neighbour: a profile ``viewer`` may see (the rule ``may_see_profile`` states and evaluates).

    For a list that shows something only where the profile may be seen (a photo beside a name), in one query.
    """
    if viewer is None or not getattr(viewer, "is_authenticated", False) or viewer.id is None:
        return sa.false()
    brokered = [served_by(initiative_id) for initiative_id in _broker_initiative_ids(session, viewer)]
    if viewer.neighbourhood_id is None:
        near = sa.false()
    else:
        t = neighbourhood_adjacency
        near = sa.or_(Neighbour.neighbourhood_id == viewer.neighbourhood_id,
                      sa.exists().where(t.c.neighbourhood_id == Neighbour.neighbourhood_id,
                                        t.c.adjacent_id == viewer.neighbourhood_id))
    matched = sa.exists().where(sa.or_(sa.and_(Match.asker_id == viewer.id, Match.helper_id == Neighbour.id),
                                       sa.and_(Match.asker_id == Neighbour.id, Match.helper_id == viewer.id)))
    blocked_viewer = sa.exists().where(Block.blocker_id == Neighbour.id, Block.blocked_id == viewer.id)
    return sa.and_(Neighbour.deleted_at.is_(None), sa.or_(
        Neighbour.id == viewer.id,
        *brokered,
        # only the brokers who represent a proxy neighbour; someone who blocked you is not there for you
        sa.and_(Neighbour.proxy_initiative_id.is_(None), ~blocked_viewer, sa.or_(near, matched))))


def may_see_profile(session, viewer: Neighbour, person: Neighbour) -> bool:
    """A neighbour's profile page (``/neighbours/<id>``) and what leads to it (links, blocking, their photo).

    One's own profile, always. A proxy neighbour's profile only to the brokers who represent them. Someone else's
    to a broker of an initiative that serves them, and to neighbours who live in the same or a bordering
    neighbourhood or have a match with them, unless they blocked the viewer. Not to anyone else, site admins
    included (the admin area has its own list), and nobody's once deleted. (``profile_seen_by`` in SQL.)
    """
    if person is None or person.deleted_at is not None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == person.id:
        return True
    return _is(session, Neighbour, person.id, profile_seen_by(session, viewer))


def may_preview_digest(session, viewer: Neighbour, person: Neighbour) -> bool:
    """A neighbour's monthly digest as it would be sent (preview, and the broker's print-out): site admins, and the
    brokers who serve them (``brokers_for``): not a broker of another initiative for someone it does not serve."""
    if person is None or person.deleted_at is not None or not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.is_admin or brokers_for(session, viewer, person)


# --- the pot ------------------------------------------------------------------------------------

# The treasurer keeps the books, a coordinator oversees them: both read them, only the treasurer books.
_BOOK_READERS = (Membership.is_treasurer, Membership.is_coordinator)
_BOOK_KEEPERS = (Membership.is_treasurer,)


def may_read_books(session, actor: Neighbour, initiative: Initiative) -> bool:
    """An initiative's books (money held, months, members' accounts and statements, the export): its active
    treasurers, who keep them, and its active coordinators, who oversee them. Site admins get nothing from being
    admin."""
    return _holds(session, actor, initiative.id, *_BOOK_READERS)


def may_keep_books(session, actor: Neighbour, initiative: Initiative) -> bool:
    """Book in an initiative's pot (money in and out, payouts, direct payments, corrections): its active
    treasurers only; a coordinator oversees the books and books nothing."""
    return _holds(session, actor, initiative.id, *_BOOK_KEEPERS)


def may_set_up_pot(session, actor: Neighbour, initiative: Initiative) -> bool:
    """How an initiative's pot compensates help (mode, rates, rule, month end): whoever reads its books
    (``may_read_books``), so its treasurers and coordinators."""
    return may_read_books(session, actor, initiative)


def books_read_by(session, actor: Neighbour) -> set[int]:
    """The ids of the initiatives whose books ``actor`` reads (``may_read_books``), in one query."""
    if actor is None or not getattr(actor, "is_authenticated", True) or actor.id is None:
        return set()
    return set(session.scalars(sa.select(Membership.initiative_id).where(
        Membership.neighbour_id == actor.id, Membership.status == MembershipStatus.ACTIVE, sa.or_(*_BOOK_READERS))))


def _has_pot_account(session, initiative: Initiative, person: Neighbour) -> bool:
    return bool(session.scalar(sa.select(sa.exists().where(
        PotAccount.initiative_id == initiative.id, PotAccount.key == f"member:{person.id}"))))


def may_read_own_statement(session, actor: Neighbour, initiative: Initiative) -> bool:
    """One's own statement in an initiative: an approved (active) member, or someone who left (or never was
    approved) but whose account the books still hold."""
    return is_member_of(session, actor, initiative) or _has_pot_account(session, initiative, actor)


def may_read_member_statement(session, actor: Neighbour, initiative: Initiative, person: Neighbour) -> bool:
    """One person's statement in the books, with their allowance totals across initiatives.

    For a reader of the books (``may_read_books``), about an approved (active) member, or about someone who left
    but whose account the books still hold. An applicant (a request not yet approved), a declined one, or someone
    who left without ever having an account is none of the books' business.
    """
    if person is None or not may_read_books(session, actor, initiative):
        return False
    return is_member_of(session, person, initiative) or _has_pot_account(session, initiative, person)


# --- neighbourhoods -----------------------------------------------------------------------------

def may_place_in_neighbourhood(session, actor: Neighbour, initiative: Initiative,
                               neighbourhood: Neighbourhood) -> bool:
    """Approve a neighbourhood for someone whose postcode no neighbourhood covers: an active broker or coordinator
    of an initiative that works in that neighbourhood. (Where a neighbourhood covers the postcode, it decides.)"""
    return (neighbourhood.id in {n.id for n in initiative.neighbourhoods}
            and _holds(session, actor, initiative.id, Membership.is_broker, Membership.is_coordinator))


def may_place_people(session, actor: Neighbour, initiative: Initiative) -> bool:
    """The page where an initiative places people in one of its neighbourhoods: its active brokers and coordinators."""
    return _holds(session, actor, initiative.id, Membership.is_broker, Membership.is_coordinator)


# --- for routes: the same rules, answered as the web does ---------------------------------------

def _logged_in() -> Neighbour:
    if not current_user.is_authenticated:
        abort(401)
    return current_user


def initiative_or_404(slug: str) -> Initiative:
    """The initiative of ``slug``, with its neighbourhoods; 404 if there is none."""
    initiative = db.session.scalar(sa.select(Initiative).where(Initiative.slug == slug)
                                   .options(so.selectinload(Initiative.neighbourhoods)))
    if initiative is None:
        abort(404)
    return initiative


def _initiative_if(slug: str, rule) -> Initiative:
    """The initiative of ``slug`` if ``rule(session, actor, initiative)`` holds; else 401 / 404 (unknown) / 403."""
    actor = _logged_in()
    initiative = initiative_or_404(slug)
    if not rule(db.session, actor, initiative):
        abort(403)
    return initiative


def _person_if(neighbour_id: int, rule, *context) -> Neighbour:
    """The person with this id if ``rule(session, actor, *context, person)`` holds; else 404 (as if nobody)."""
    person = db.session.get(Neighbour, neighbour_id)
    if person is None or not rule(db.session, _logged_in(), *context, person):
        abort(404)
    return person


def require_broker(slug: str) -> Initiative:
    """``may_use_workspace`` for the current neighbour: the initiative, else 401 / 404 (unknown) / 403."""
    return _initiative_if(slug, may_use_workspace)


def require_broker_for(initiative: Initiative, neighbour_id: int) -> Neighbour:
    """``may_broker_for`` the person with this id: the person, else 404 (not someone this initiative serves)."""
    return _person_if(neighbour_id, may_broker_for, initiative)


def require_proxy_of(initiative: Initiative, neighbour_id: int) -> Neighbour:
    """``may_act_for_proxy`` for the person with this id: the proxy neighbour, else 404."""
    return _person_if(neighbour_id, may_act_for_proxy, initiative)


def require_broker_post(initiative: Initiative, post_id: int) -> Post:
    """``may_broker_post`` for the post with this id: the post (with author and neighbourhood), else 404."""
    post = db.session.scalar(sa.select(Post).where(Post.id == post_id)
                             .options(so.joinedload(Post.author), so.joinedload(Post.neighbourhood)))
    if post is None or not may_broker_post(db.session, _logged_in(), initiative, post):
        abort(404)
    return post


def require_broker_match(initiative: Initiative, match_id: int) -> Match:
    """``may_broker_match`` for the match with this id: the match (with its posts and people), else 404."""
    match = db.session.scalar(sa.select(Match).where(Match.id == match_id).options(
        so.joinedload(Match.ask), so.joinedload(Match.offer), so.joinedload(Match.asker), so.joinedload(Match.helper)))
    if match is None or not may_broker_match(db.session, _logged_in(), initiative, match):
        abort(404)
    return match


def require_profile(neighbour_id: int) -> Neighbour:
    """``may_see_profile`` for the current neighbour: the person, else 404 (as if there were nobody)."""
    return _person_if(neighbour_id, may_see_profile)


def require_places_people(slug: str) -> Initiative:
    """``may_place_people`` for the current neighbour: the initiative, else 401 / 404 (unknown) / 403."""
    return _initiative_if(slug, may_place_people)


def require_books(slug: str, write: bool = False) -> Initiative:
    """``may_read_books`` (with ``write``: ``may_keep_books``) for the current neighbour: the initiative, else
    401 / 404 (unknown) / 403."""
    return _initiative_if(slug, may_keep_books if write else may_read_books)


def require_pot_settings(slug: str) -> Initiative:
    """``may_set_up_pot`` for the current neighbour: the initiative, else 401 / 404 (unknown) / 403."""
    return _initiative_if(slug, may_set_up_pot)


def require_own_statement(slug: str) -> Initiative:
    """``may_read_own_statement`` for the current neighbour: the initiative, else 401 / 404 (unknown) / 403."""
    return _initiative_if(slug, may_read_own_statement)


def require_member_statement(initiative: Initiative, neighbour_id: int) -> Neighbour:
    """``may_read_member_statement`` about the person with this id: the person, else 404 (an applicant, or not
    someone of this initiative: their allowance is none of its business)."""
    return _person_if(neighbour_id, may_read_member_statement, initiative)


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
    return bool(session.scalar(sa.select(sa.literal(post.neighbourhood_id).in_(_nearby(neighbour.neighbourhood_id)))))


def _on_post(post: Post):
    return sa.or_(Match.ask_id == post.id, Match.offer_id == post.id)


def _with(person_id: int):
    return sa.or_(Match.asker_id == person_id, Match.helper_id == person_id)


def agreed_match_of(session, post: Post, neighbour_id: int) -> Match | None:
    """The agreed match of this neighbour on this post, if any."""
    return session.scalar(sa.select(Match).where(_on_post(post), _with(neighbour_id),
                                                 Match.status.in_(AGREED_MATCH_STATUSES)).limit(1))


def may_see_post(session, viewer: Neighbour, post: Post) -> bool:
    """A post's page: its author and the neighbourhood's moderators always; anyone with a match on it unless it
    is hidden or one of the two blocked the other; otherwise only while it is open, to neighbours in reach."""
    if viewer.id == post.author_id or moderates(session, viewer, post.neighbourhood_id):
        return True
    if post.hidden_at is not None or is_blocked(session, viewer.id, post.author_id):
        return False
    if session.scalar(sa.select(sa.exists().where(_on_post(post), _with(viewer.id)))):
        return True
    return post.status == PostStatus.OPEN and in_reach(session, viewer, post)


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
    not their own post, the post open, shown and not expired, nobody blocked, and the post in reach.
    (Whether they answered before, and their e-mail confirmation, are checked where they respond.)"""
    if post.author_id == person.id:
        return DomainError(_l("This is your own post."))
    if post.status != PostStatus.OPEN or post.hidden_at is not None or post.expires_at <= now:
        return DomainError(_l("This post is no longer open."))
    if is_blocked(session, person.id, post.author_id) or not in_reach(session, person, post):
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
    return session.scalar(
        sa.select(sa.func.count()).select_from(Block).where(sa.or_(
            sa.and_(Block.blocker_id == a_id, Block.blocked_id == b_id),
            sa.and_(Block.blocker_id == b_id, Block.blocked_id == a_id),
        ))
    ) > 0


def moderates(session, neighbour: Neighbour, neighbourhood_id: int) -> bool:
    """A broker (or coordinator) of an initiative working in this neighbourhood, or a site admin: who hides posts
    and handles reports there. Private details and conversations are for the brokers who serve the post or match
    (``access.brokers_post`` / ``access.brokers_match``), not for every moderator."""
    if neighbour.is_admin:
        return True
    role = sa.or_(Membership.is_broker, Membership.is_coordinator)
    return session.scalar(
        sa.select(sa.func.count()).select_from(Membership)
        .join(initiative_neighbourhood, initiative_neighbourhood.c.initiative_id == Membership.initiative_id)
        .where(Membership.neighbour_id == neighbour.id, Membership.status == MembershipStatus.ACTIVE, role,
               initiative_neighbourhood.c.neighbourhood_id == neighbourhood_id)
    ) > 0


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
